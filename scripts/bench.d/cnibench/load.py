"""How busy the rest of the machine was while a row ran (rows measured on a busy machine get a ⚠)."""
import os
import time

BUSY_OTHER_CPU = 0.20  # share of all CPUs used by other processes during a row that makes it suspect
BUSY_STEAL = 0.05


def _cpu_jiffies():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal, steal


def _own_cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Busy:
    """CPU used by everything else on the machine while a row was measured."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.busy0, self.steal0 = _cpu_jiffies()
        self.own0 = _own_cpu()

    def finish(self):
        wall = max(time.monotonic() - self.t0, 1e-6)
        busy, steal = _cpu_jiffies()
        hz = os.sysconf("SC_CLK_TCK")
        cpus = os.cpu_count() or 1
        other = max(0.0, (busy - self.busy0) / hz - (_own_cpu() - self.own0)) / (wall * cpus)
        steal_share = (steal - self.steal0) / hz / (wall * cpus)
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        return {"seconds": round(wall, 1), "other_cpu": round(other, 3), "steal": round(steal_share, 3),
                "loadavg": load, "busy": other > BUSY_OTHER_CPU or steal_share > BUSY_STEAL}


def settle(limit=8.0):
    """Waits (bounded) until the machine is mostly idle, e.g. after the kernel's async netns cleanup."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        b = Busy()
        time.sleep(0.4)
        if b.finish()["other_cpu"] < 0.10:
            return
