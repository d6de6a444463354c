#!/usr/bin/env python3
"""Side-by-side benchmark: our plugins against the reference plugins, in one run, interleaved.

Every timed call is one posix_spawn + wait4 of the plugin exactly as a runtime execs it (stdin from a
pipe, stdout/stderr to memory files, CNI_* in the environment). Peak RSS comes from separate runs
through peakrss.c (wait4's ru_maxrss: the largest single process of the tree, as GNU time -v
reports). Network setup, netns switches and parsing sit
outside the timed window. Implementations alternate order every iteration so drift and noise from
the rest of the machine hit both alike. Only the Python standard library is used.
"""
import argparse
import ctypes
import ipaddress
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PLUGINS = ["bridge", "host-local", "loopback", "portmap", "firewall", "tuning"]
SPEC = "1.0.0"  # the newest version the reference 1.1.1 speaks
PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IP = shutil.which("ip") or "/usr/sbin/ip"
CLONE_NEWNET = 0x40000000
BUSY_OTHER_CPU = 0.20  # share of all CPUs used by other processes during a row that makes it suspect
BUSY_STEAL = 0.05

FULL = dict(version=200, rss=10, loopback=200, hostlocal=100, tuning=100, fill=500, portmap=100, parallel=50, rounds=3)
QUICK = dict(version=8, rss=2, loopback=5, hostlocal=5, tuning=5, fill=20, portmap=4, parallel=8, rounds=1)

libc = ctypes.CDLL(None, use_errno=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- processes

class Sample:
    def __init__(self, ns, rc, out, err):
        self.ns, self.rc, self.out, self.err = ns, rc, out, err

    def check(self, what):
        if self.rc != 0:
            raise BenchError(f"{what} exited {self.rc}: {self.out.decode(errors='replace')[:400]}"
                             f"{self.err.decode(errors='replace')[:400]}")
        return self


def _read_all(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


class Running:
    def __init__(self, argv, env, stdin):
        r, w = os.pipe()
        os.write(w, stdin)  # configs are far below the pipe's 64 KiB, so this never blocks
        os.close(w)
        self.out = os.memfd_create("stdout")
        self.err = os.memfd_create("stderr")
        actions = [(os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_DUP2, self.out, 1),
                   (os.POSIX_SPAWN_DUP2, self.err, 2)]
        self.t0 = time.perf_counter_ns()
        self.pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        os.close(r)

    def wait(self):
        _, status, _ = os.wait4(self.pid, 0)
        ns = time.perf_counter_ns() - self.t0
        return Sample(ns, os.waitstatus_to_exitcode(status), _read_all(self.out), _read_all(self.err))


def run(argv, env=None, stdin=b""):
    return Running(argv, env if env is not None else {"PATH": PATH_ENV}, stdin).wait()


class Impl:
    def __init__(self, key, label, bindir):
        self.key, self.label, self.bindir = key, label, bindir

    def cni(self, plugin, command, conf, container="", netns="", ifname="eth0", wrap=()):
        env = {"PATH": PATH_ENV, "CNI_COMMAND": command, "CNI_PATH": self.bindir}
        if command != "VERSION":
            env.update(CNI_CONTAINERID=container, CNI_NETNS=netns, CNI_IFNAME=ifname)
        return Running(list(wrap) + [os.path.join(self.bindir, plugin)], env, json.dumps(conf).encode())

    def call(self, plugin, command, conf, container="", netns="", ifname="eth0", wrap=()):
        return self.cni(plugin, command, conf, container, netns, ifname, wrap).wait()


def rotate(items, i):
    k = i % len(items)
    return items[k:] + items[:k]


# ---------------------------------------------------------------- namespaces

class Namespaces:
    """Named netns under the private /run/netns; the driver setns()es into one to exec a plugin there."""

    def __init__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.fds = {}

    def add(self, names):
        batch = "".join(f"netns add {n}\n" for n in names)
        subprocess.run([IP, "-batch", "-"], input=batch.encode(), check=True)

    def delete(self, names):
        for n in names:
            fd = self.fds.pop(n, None)
            if fd is not None:
                os.close(fd)
        batch = "".join(f"netns del {n}\n" for n in names)
        subprocess.run([IP, "-force", "-batch", "-"], input=batch.encode(), check=False,
                       stderr=subprocess.DEVNULL)

    def _setns(self, fd):
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")

    def enter(self, name):
        if name not in self.fds:
            self.fds[name] = os.open(f"/run/netns/{name}", os.O_RDONLY)
        self._setns(self.fds[name])

    def leave(self):
        self._setns(self.home)

    def sh(self, name, argv):
        self.enter(name)
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout
        finally:
            self.leave()


# ---------------------------------------------------------------- load

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


# ---------------------------------------------------------------- statistics and rows

def stats(values):
    values = list(values)
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def ms(samples_ns):
    return [v / 1e6 for v in samples_ns]


def slope_us(series_ns, first=2):
    """Least-squares growth of latency (µs) per container already present, over containers first..N."""
    pts = [(i, v / 1e3) for i, v in enumerate(series_ns, start=1) if i >= first and v is not None]
    if len(pts) < 3:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def window(series_ns, k, width=5):
    """Samples for 'at #k': containers max(1, k-width+1)..k (only #1 itself for k = 1)."""
    lo = 1 if k == 1 else max(2, k - width + 1)
    return [v for v in series_ns[lo - 1:k] if v is not None]


def checkpoints(n):
    return sorted({k for k in (1, 10, 100, 500) if k <= n} | {n})


class Report:
    def __init__(self):
        self.rows = []
        self.series = {}
        self.notes = {}

    def add(self, rid, title, unit, ours, ref, floor=None, target=None, busy=None, note=None):
        ratio = None
        if ours and ref and ref["median"] and unit not in ("µs/container", "count"):
            ratio = ours["median"] / ref["median"]
        met = None
        if target and ours:
            kind, limit = target
            met = (ratio is not None and ratio <= limit) if kind == "ratio" else ours["median"] <= limit
        self.rows.append({"id": rid, "title": title, "unit": unit, "ours": ours, "ref": ref, "floor": floor,
                          "ratio": ratio, "target": {"kind": target[0], "limit": target[1]} if target else None,
                          "met": met, "busy": busy, "note": note})


# ---------------------------------------------------------------- scenarios

def bridge_conf(name, bridge, subnet, data_dir):
    return {"cniVersion": SPEC, "name": name, "type": "bridge", "bridge": bridge, "isGateway": True,
            "ipam": {"type": "host-local", "subnet": subnet, "dataDir": data_dir,
                     "routes": [{"dst": "0.0.0.0/0"}]}}


class Bench:
    def __init__(self, args, impls, static_true, peakrss, work):
        self.p = QUICK if args.quick else FULL
        self.ours, self.ref = impls
        self.impls = impls
        self.static_true = static_true
        self.peakrss = peakrss
        self.work = work
        self.ns = Namespaces()
        self.report = Report()

    def data_dir(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def log(self, text):
        print(f"[bench] {text}", flush=True)

    # ---- sizes
    def sizes(self):
        totals = {}
        for plugin in PLUGINS:
            values = {}
            for impl in self.impls:
                size = os.path.getsize(os.path.join(impl.bindir, plugin))
                values[impl.key] = stats([size])
                totals[impl.key] = totals.get(impl.key, 0) + size
            self.report.add(f"size.{plugin}", f"binary size: {plugin}", "bytes", values["ours"], values["ref"],
                            target=("ratio", 1.0))
        self.report.add("size.total", "binary size: all together", "bytes", stats([totals["ours"]]),
                        stats([totals["ref"]]), target=("ratio", 1.0))

    # ---- VERSION: process start-up
    def version(self):
        n = self.p["version"]
        self.log(f"VERSION start-up, {n} iterations x {len(PLUGINS)} plugins x 2 + static floor")
        busy = Busy()
        lat = {(i.key, p): [] for i in self.impls for p in PLUGINS}
        floor = []
        conf = {"cniVersion": SPEC}
        for it in range(n):
            for plugin in PLUGINS:
                for impl in rotate(self.impls, it):
                    s = impl.call(plugin, "VERSION", conf).check(f"{impl.key} {plugin} VERSION")
                    lat[(impl.key, plugin)].append(s.ns)
            floor.append(run([self.static_true], stdin=json.dumps(conf).encode()).check("static true").ns)
        b = busy.finish()
        for plugin in PLUGINS:
            self.report.add(f"version.{plugin}", f"VERSION start-up: {plugin}", "ms",
                            stats(ms(lat[("ours", plugin)])), stats(ms(lat[("ref", plugin)])),
                            floor=stats(ms(floor)), target=("ratio", 0.5), busy=b)

    # ---- peak RSS of one invocation, through the peakrss helper (separate from the timed runs)
    def rss(self):
        n = self.p["rss"]
        self.log(f"peak RSS, {n} invocations of each")
        out = os.path.join(self.work, "rss.txt")
        wrap = (self.peakrss, out)
        peaks = {}

        def measure(row, impl, plugin, command, conf, container="", netns="", ifname="eth0"):
            s = impl.call(plugin, command, conf, container, netns, ifname, wrap=wrap)
            s.check(f"{impl.key} {plugin} {command} (peak RSS)")
            if row:
                with open(out) as f:
                    peaks.setdefault((row, impl.key), []).append(int(f.read()))
            return s

        busy = Busy()
        for it in range(n):
            for impl in rotate(self.impls, it):
                k = impl.key
                host, container = f"br-{k}-{it}", f"cr-{k}-{it}"
                self.ns.add([host, container])
                netns = f"/run/netns/{container}"
                conf = bridge_conf(f"bench-rss-{k}", "cnibench3", "10.80.0.0/16", self.data_dir(f"rss-{k}-{it}"))
                try:
                    for plugin in PLUGINS:
                        measure(f"version.{plugin}", impl, plugin, "VERSION", {"cniVersion": SPEC})
                    lo = {"cniVersion": SPEC, "name": "bench-lo", "type": "loopback"}
                    measure("loopback", impl, "loopback", "ADD", lo, "rss", netns, "lo")
                    measure(None, impl, "loopback", "DEL", lo, "rss", netns, "lo")
                    measure("host-local", impl, "host-local", "ADD", conf, "rss-hl", netns)
                    measure(None, impl, "host-local", "DEL", conf, "rss-hl", netns)
                    self.ns.enter(host)
                    prev = json.loads(measure("bridge", impl, "bridge", "ADD", conf, "rss", netns).out)
                    pm = {"cniVersion": SPEC, "name": conf["name"], "type": "portmap",
                          "capabilities": {"portMappings": True}, "prevResult": prev, "runtimeConfig": {
                              "portMappings": [{"hostPort": 30080, "containerPort": 80, "protocol": "tcp"}]}}
                    s = impl.call("portmap", "ADD", pm, "rss", netns, wrap=wrap)
                    if s.rc == 0:
                        with open(out) as f:
                            peaks.setdefault(("portmap", k), []).append(int(f.read()))
                        measure(None, impl, "portmap", "DEL", pm, "rss", netns)
                    tun = {"cniVersion": SPEC, "name": conf["name"], "type": "tuning", "mtu": 1400, "prevResult": prev,
                           "dataDir": self.data_dir(f"rss-tuning-{k}-{it}")}
                    measure("tuning", impl, "tuning", "ADD", tun, "rss", netns)
                    measure(None, impl, "tuning", "DEL", tun, "rss", netns)
                    measure(None, impl, "bridge", "DEL", conf, "rss", netns)
                finally:
                    self.ns.leave()
                    self.ns.delete([host, container])
        b = busy.finish()
        titles = [(f"version.{p}", f"VERSION: {p}") for p in PLUGINS] + [
            ("loopback", "loopback ADD"), ("host-local", "host-local ADD"),
            ("bridge", "bridge ADD (largest of bridge, host-local)"), ("portmap", "portmap ADD (1 mapping)"), ("tuning", "tuning ADD (MTU)")]
        for key, title in titles:
            self.report.add(f"rss.{key}", f"peak RSS, {title}", "KiB", stats(peaks.get((key, "ours"), [])),
                            stats(peaks.get((key, "ref"), [])), target=("ratio", 1.0), busy=b)

    # ---- loopback ADD/DEL
    def loopback(self):
        n = self.p["loopback"]
        self.log(f"loopback ADD/DEL, {n} iterations")
        names = {"ours": "bl-ours", "ref": "bl-ref", "floor": "bl-floor"}
        self.ns.add(names.values())
        busy = Busy()
        add = {k: [] for k in names}
        dele = {k: [] for k in names}
        conf = {"cniVersion": SPEC, "name": "bench-lo", "type": "loopback"}
        try:
            for it in range(n):
                for command, sink in (("ADD", add), ("DEL", dele)):
                    for who in rotate(["ours", "ref", "floor"], it):
                        if who == "floor":
                            self.ns.enter(names["floor"])
                            s = run([IP, "link", "set", "lo", "up" if command == "ADD" else "down"]).check("ip")
                            self.ns.leave()
                        else:
                            impl = self.ours if who == "ours" else self.ref
                            s = impl.call("loopback", command, conf, f"lo-{it}", f"/run/netns/{names[who]}",
                                          "lo").check(f"{who} loopback {command}")
                        sink[who].append(s.ns)
        finally:
            self.ns.delete(names.values())
        b = busy.finish()
        self.report.add("loopback.add", "loopback ADD", "ms", stats(ms(add["ours"])), stats(ms(add["ref"])),
                        floor=stats(ms(add["floor"])), busy=b, note="floor: one `ip link set lo up` exec")
        self.report.add("loopback.del", "loopback DEL", "ms", stats(ms(dele["ours"])), stats(ms(dele["ref"])),
                        floor=stats(ms(dele["floor"])), target=("ratio", 0.5), busy=b)

    # ---- tuning ADD/DEL on an existing interface, as chained after a main plugin
    def tuning(self):
        n = self.p["tuning"]
        self.log(f"tuning ADD/DEL (sysctl, MAC, MTU; DEL restores), {n} iterations")
        names = {i.key: f"btun-{i.key}" for i in self.impls}
        self.ns.add(names.values())
        for name in names.values():
            subprocess.run([IP, "-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"], check=True)
        busy = Busy()
        add = {i.key: [] for i in self.impls}
        dele = {i.key: [] for i in self.impls}

        def conf(impl, add_request):
            c = {"cniVersion": SPEC, "name": "bench-tuning", "type": "tuning", "dataDir": self.data_dir(f"tuning-{impl.key}"),
                 "mac": "02:42:0a:50:00:09", "mtu": 1400, "sysctl": {"net.ipv4.conf.IFNAME.arp_filter": "1"}}
            if add_request:
                c["prevResult"] = {"cniVersion": SPEC, "interfaces": [{"name": "eth0", "sandbox": f"/run/netns/{names[impl.key]}"}],
                                   "ips": [{"address": "10.80.0.2/16", "interface": 0}]}
            return c

        try:
            for it in range(n):
                for command, sink in (("ADD", add), ("DEL", dele)):
                    for impl in rotate(self.impls, it):
                        s = impl.call("tuning", command, conf(impl, command == "ADD"), f"tun-{it}",
                                      f"/run/netns/{names[impl.key]}").check(f"{impl.key} tuning {command}")
                        sink[impl.key].append(s.ns)
        finally:
            self.ns.delete(names.values())
        b = busy.finish()
        self.report.add("tuning.add", "tuning ADD (sysctl, MAC, MTU)", "ms", stats(ms(add["ours"])), stats(ms(add["ref"])), busy=b)
        self.report.add("tuning.del", "tuning DEL (restores MAC, MTU)", "ms", stats(ms(dele["ours"])), stats(ms(dele["ref"])),
                        target=("ratio", 0.5), busy=b)

    # ---- host-local alone
    def hostlocal(self):
        n = self.p["hostlocal"]
        self.log(f"host-local ADD/DEL alone, {n} iterations")
        self.ns.add(["bhl"])
        busy = Busy()
        add = {i.key: [] for i in self.impls}
        dele = {i.key: [] for i in self.impls}
        confs = {i.key: bridge_conf(f"bench-hl-{i.key}", "unused0", "10.40.0.0/16", self.data_dir(f"hl-{i.key}"))
                 for i in self.impls}
        try:
            for it in range(n):
                for command, sink in (("ADD", add), ("DEL", dele)):
                    for impl in rotate(self.impls, it):
                        s = impl.call("host-local", command, confs[impl.key], f"hl-{it}", "/run/netns/bhl") \
                            .check(f"{impl.key} host-local {command}")
                        sink[impl.key].append(s.ns)
        finally:
            self.ns.delete(["bhl"])
        b = busy.finish()
        self.report.add("hostlocal.add", "host-local ADD (alone)", "ms", stats(ms(add["ours"])),
                        stats(ms(add["ref"])), busy=b)
        self.report.add("hostlocal.del", "host-local DEL (alone)", "ms", stats(ms(dele["ours"])),
                        stats(ms(dele["ref"])), target=("ratio", 0.5), busy=b)

    # ---- bridge + host-local as one network fills
    def floor_add(self, host, container, index, subnet):
        net = ipaddress.ip_network(subnet)
        addr = net.network_address + index + 1
        gateway = net.network_address + 1
        self.ns.enter(host)
        first = run([IP, "-batch", "-"], stdin=(f"link add vf{index} type veth peer name eth0 netns {container}\n"
                                                 f"link set vf{index} master br0 up\n").encode()).check("ip host")
        self.ns.enter(container)
        second = run([IP, "-batch", "-"], stdin=(f"addr add {addr}/{net.prefixlen} dev eth0\n"
                                                  f"link set eth0 up\n"
                                                  f"route add default via {gateway} dev eth0\n").encode()) \
            .check("ip container")
        self.ns.leave()
        return first.ns + second.ns

    def floor_del(self, container):
        self.ns.enter(container)
        s = run([IP, "link", "del", "eth0"]).check("ip del")
        self.ns.leave()
        return s.ns

    def fill(self):
        n = self.p["fill"]
        self.log(f"bridge + host-local: one network fills to {n} containers, then drains")
        hosts = {"ours": "bf-ours", "ref": "bf-ref", "floor": "bf-floor"}
        subnets = {"ours": "10.10.0.0/16", "ref": "10.20.0.0/16", "floor": "10.30.0.0/16"}
        containers = {k: [f"cf-{k}-{i}" for i in range(1, n + 1)] for k in hosts}
        self.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
        subprocess.run([IP, "-n", "bf-floor", "-batch", "-"], check=True,
                       input=b"link add br0 type bridge\naddr add 10.30.0.1/16 dev br0\nlink set br0 up\n")
        confs = {i.key: bridge_conf(f"bench-fill-{i.key}", "cnibench0", subnets[i.key], self.data_dir(f"fill-{i.key}"))
                 for i in self.impls}
        add = {k: [None] * n for k in hosts}
        dele = {k: [None] * n for k in hosts}

        def bridge(who, command, i):
            impl = self.ours if who == "ours" else self.ref
            self.ns.enter(hosts[who])
            s = impl.call("bridge", command, confs[who], f"c{i}", f"/run/netns/{containers[who][i - 1]}")
            self.ns.leave()
            return s.check(f"{who} bridge {command} #{i}").ns

        busy = Busy()
        try:
            for i in range(1, n + 1):
                for who in rotate(["ours", "ref", "floor"], i):
                    if who == "floor":
                        add[who][i - 1] = self.floor_add(hosts[who], containers[who][i - 1], i, subnets[who])
                        continue
                    add[who][i - 1] = bridge(who, "ADD", i)
            add_busy = busy.finish()
            busy = Busy()
            for i in range(n, 0, -1):
                for who in rotate(["ours", "ref", "floor"], i):
                    if who == "floor":
                        dele[who][i - 1] = self.floor_del(containers[who][i - 1])
                        continue
                    dele[who][i - 1] = bridge(who, "DEL", i)
            del_busy = busy.finish()
        finally:
            self.ns.leave()
            self.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
        self.report.series["fill_add_ns"] = add
        self.report.series["fill_del_ns"] = dele
        for k in checkpoints(n):
            target = ("ratio", 0.3) if k == 10 else None
            self.report.add(f"fill.add@{k}", f"bridge+host-local ADD at #{k}", "ms",
                            stats(ms(window(add["ours"], k))), stats(ms(window(add["ref"], k))),
                            floor=stats(ms(window(add["floor"], k))), target=target, busy=add_busy)
        self.report.add("fill.add.slope", f"bridge+host-local ADD growth over #2..#{n}", "µs/container",
                        stats([slope_us(add["ours"])]), stats([slope_us(add["ref"])]),
                        floor=stats([slope_us(add["floor"])]), target=("abs", 5.0), busy=add_busy)
        for k in checkpoints(n):
            self.report.add(f"fill.del@{k}", f"bridge+host-local DEL with {k} present", "ms",
                            stats(ms(window(dele["ours"], k))), stats(ms(window(dele["ref"], k))),
                            floor=stats(ms(window(dele["floor"], k))), target=("ratio", 0.5), busy=del_busy)
        self.report.add("fill.del.slope", f"bridge+host-local DEL growth over #2..#{n}", "µs/container",
                        stats([slope_us(dele["ours"])]), stats([slope_us(dele["ref"])]),
                        floor=stats([slope_us(dele["floor"])]), busy=del_busy)

    # ---- bridge -> portmap chain
    def portmap(self):
        n = self.p["portmap"]
        self.log(f"bridge -> portmap chain: {n} containers with 2 mappings each, then drain")
        hosts = {i.key: f"bp-{i.key}" for i in self.impls}
        containers = {k: [f"cp-{k}-{i}" for i in range(1, n + 1)] for k in hosts}
        self.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
        subnets = {"ours": "10.50.0.0/16", "ref": "10.60.0.0/16"}
        confs = {i.key: bridge_conf(f"bench-pm-{i.key}", "cnibench1", subnets[i.key], self.data_dir(f"pm-{i.key}"))
                 for i in self.impls}
        pm = {"ours": [None] * n, "ref": [None] * n}
        br = {"ours": [None] * n, "ref": [None] * n}
        pm_del = {"ours": [None] * n, "ref": [None] * n}
        br_del = {"ours": [None] * n, "ref": [None] * n}
        results = {"ours": {}, "ref": {}}
        unavailable = {}

        def pm_conf(key, i, prev):
            maps = [{"hostPort": 20000 + 2 * i, "containerPort": 80, "protocol": "tcp"},
                    {"hostPort": 20001 + 2 * i, "containerPort": 443, "protocol": "tcp"}]
            return {"cniVersion": SPEC, "name": confs[key]["name"], "type": "portmap",
                    "capabilities": {"portMappings": True}, "runtimeConfig": {"portMappings": maps}, "prevResult": prev}

        busy = Busy()
        try:
            for i in range(1, n + 1):
                for impl in rotate(self.impls, i):
                    k = impl.key
                    if k in unavailable:
                        continue
                    netns = f"/run/netns/{containers[k][i - 1]}"
                    self.ns.enter(hosts[k])
                    a = impl.call("bridge", "ADD", confs[k], f"p{i}", netns)
                    prev = json.loads(a.out) if a.rc == 0 else None
                    b = impl.call("portmap", "ADD", pm_conf(k, i, prev), f"p{i}", netns) if prev else None
                    self.ns.leave()
                    a.check(f"{k} bridge ADD #{i} (portmap chain)")
                    if b.rc != 0:
                        if i == 1 and k == "ours":  # our portmap backend not built yet: record, go on with ours off
                            unavailable[k] = (b.out + b.err).decode(errors="replace").strip()[:300]
                            self.ns.enter(hosts[k])
                            impl.call("bridge", "DEL", confs[k], f"p{i}", netns)
                            self.ns.leave()
                            continue
                        b.check(f"{k} portmap ADD #{i}")
                    br[k][i - 1], pm[k][i - 1] = a.ns, b.ns
                    results[k][i] = prev
            add_busy = busy.finish()
            backends = {k: self.detect_backend(hosts[k]) for k in hosts if k not in unavailable}
            busy = Busy()
            for i in range(n, 0, -1):
                for impl in rotate(self.impls, i):
                    k = impl.key
                    if k in unavailable:
                        continue
                    netns = f"/run/netns/{containers[k][i - 1]}"
                    self.ns.enter(hosts[k])
                    b = impl.call("portmap", "DEL", pm_conf(k, i, results[k][i]), f"p{i}", netns)
                    a = impl.call("bridge", "DEL", confs[k], f"p{i}", netns)
                    self.ns.leave()
                    b.check(f"{k} portmap DEL #{i}")
                    a.check(f"{k} bridge DEL #{i} (portmap chain)")
                    pm_del[k][i - 1], br_del[k][i - 1] = b.ns, a.ns
            del_busy = busy.finish()
        finally:
            self.ns.leave()
            self.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
        chain = {k: [x + y if x is not None else None for x, y in zip(br[k], pm[k])] for k in pm}
        chain_del = {k: [x + y if x is not None else None for x, y in zip(br_del[k], pm_del[k])] for k in pm}
        self.report.series["portmap_add_ns"] = pm
        note = f"ours unavailable: {unavailable['ours']}" if "ours" in unavailable else None
        self.report.notes["portmap_backends"] = backends
        if note:
            self.report.notes["portmap_ours_unavailable"] = unavailable["ours"]

        def s(series, k):
            return stats(ms(window(series, k))) if any(v is not None for v in series) else None

        for k in (1, n):
            self.report.add(f"portmap.add@{k}", f"portmap ADD (2 mappings) at #{k}", "ms", s(pm["ours"], k),
                            s(pm["ref"], k), target=("ratio", 0.1) if k == n else None, busy=add_busy, note=note)
        self.report.add("portmap.add.slope", f"portmap ADD growth over #2..#{n}", "µs/container",
                        stats([x for x in [slope_us(pm["ours"])] if x is not None]),
                        stats([slope_us(pm["ref"])]), busy=add_busy, note=note)
        self.report.add(f"chain.add@{n}", f"bridge+portmap chain ADD at #{n}", "ms", s(chain["ours"], n),
                        s(chain["ref"], n), busy=add_busy, note=note)
        self.report.add(f"portmap.del@{n}", f"portmap DEL with {n} present", "ms", s(pm_del["ours"], n),
                        s(pm_del["ref"], n), target=("ratio", 0.5), busy=del_busy, note=note)
        self.report.add(f"chain.del@{n}", f"portmap+bridge chain DEL with {n} present", "ms",
                        s(chain_del["ours"], n), s(chain_del["ref"], n), target=("ratio", 0.5), busy=del_busy,
                        note=note)

    def detect_backend(self, host):
        nat = self.ns.sh(host, ["iptables-save", "-t", "nat"])
        if "CNI-HOSTPORT" in nat:
            return "iptables (" + subprocess.run(["iptables", "-V"], capture_output=True, text=True).stdout.strip() + ")"
        tables = [line.strip() for line in self.ns.sh(host, ["nft", "list", "tables"]).splitlines() if line.strip()]
        return "nftables: " + ", ".join(tables) if tables else "none found"

    # ---- parallel ADD/DEL
    def parallel(self):
        n, rounds = self.p["parallel"], self.p["rounds"]
        self.log(f"{n} parallel ADDs then DELs, {rounds} round(s) per implementation")
        wall_add = {i.key: [] for i in self.impls}
        wall_del = {i.key: [] for i in self.impls}
        fails_add = {i.key: [] for i in self.impls}
        fails_del = {i.key: [] for i in self.impls}
        unique = {i.key: [] for i in self.impls}
        busy = Busy()
        for r in range(rounds):
            for impl in rotate(self.impls, r):
                k = impl.key
                host = f"bq-{k}-{r}"
                containers = [f"cq-{k}-{r}-{j}" for j in range(n)]
                self.ns.add([host] + containers)
                conf = bridge_conf(f"bench-par-{k}", "cnibench2", "10.70.0.0/16", self.data_dir(f"par-{k}-{r}"))
                try:
                    self.ns.enter(host)
                    for command, walls, fails in (("ADD", wall_add, fails_add), ("DEL", wall_del, fails_del)):
                        t0 = time.perf_counter_ns()
                        running = [impl.cni("bridge", command, conf, f"q{j}", f"/run/netns/{c}")
                                   for j, c in enumerate(containers)]
                        done = [x.wait() for x in running]
                        walls[k].append(time.perf_counter_ns() - t0)
                        fails[k].append(sum(1 for d in done if d.rc != 0))
                        if command == "ADD":
                            addrs = set()
                            for d in done:
                                if d.rc == 0:
                                    addrs.update(ip["address"] for ip in json.loads(d.out).get("ips", []))
                            unique[k].append(len(addrs))
                finally:
                    self.ns.leave()
                    self.ns.delete([host] + containers)
        b = busy.finish()
        self.report.add("parallel.add", f"{n} parallel bridge ADDs, wall time", "ms", stats(ms(wall_add["ours"])),
                        stats(ms(wall_add["ref"])), busy=b)
        self.report.add("parallel.add.failures", f"{n} parallel ADDs: failures per round", "count",
                        stats(fails_add["ours"]), stats(fails_add["ref"]), busy=b)
        self.report.add("parallel.add.unique", f"{n} parallel ADDs: unique addresses per round", "count",
                        stats(unique["ours"]), stats(unique["ref"]), busy=b)
        self.report.add("parallel.del", f"{n} parallel bridge DELs, wall time", "ms", stats(ms(wall_del["ours"])),
                        stats(ms(wall_del["ref"])), target=("ratio", 0.5), busy=b)
        self.report.add("parallel.del.failures", f"{n} parallel DELs: failures per round", "count",
                        stats(fails_del["ours"]), stats(fails_del["ref"]), busy=b)


# ---------------------------------------------------------------- output

def fmt(value, unit):
    if value is None:
        return "n/a"
    if unit == "bytes":
        return f"{int(value):,}"
    if unit in ("KiB", "count"):
        return f"{value:,.0f}"
    if unit == "µs/container":
        return f"{value:.1f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(st, unit):
    if not st:
        return "n/a"
    if st["n"] == 1:
        return fmt(st["median"], unit)
    return f"{fmt(st['median'], unit)} ({fmt(st['min'], unit)}–{fmt(st['max'], unit)})"


def markdown_table(rows):
    lines = ["| Measure | Unit | Ours: median (min–max) | Reference: median (min–max) | Ours/ref | Floor | Target |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        target = ""
        if r["target"]:
            t = r["target"]
            target = (f"≤ {t['limit']}×" if t["kind"] == "ratio" else f"≤ {t['limit']:g}")
            target += " ✓" if r["met"] else " ✗" if r["met"] is False else ""
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        title = r["title"] + (" ⚠" if r["busy"] and r["busy"]["busy"] else "")
        floor = fmt(r["floor"]["median"], r["unit"]) if r["floor"] else ""
        lines.append(f"| {title} | {r['unit']} | {cell(r['ours'], r['unit'])} | {cell(r['ref'], r['unit'])} | "
                     f"{ratio} | {floor} | {target} |")
    return "\n".join(lines)


def busy_lines(rows):
    out = []
    for r in rows:
        b = r["busy"]
        if b and b["busy"]:
            out.append(f"> ⚠ machine busy during \"{r['title']}\": other processes used {b['other_cpu']:.0%} of "
                       f"the CPUs, steal {b['steal']:.0%}, loadavg {' '.join(b['loadavg'])}")
    return out


def rolling_median(values, width=9):
    out = []
    for i in range(len(values)):
        win = [v for v in values[max(0, i - width // 2):i + width // 2 + 1] if v is not None]
        out.append(statistics.median(win) if win else None)
    return out


def plot(series, png, work):
    data = os.path.join(work, "fill-add.dat")
    keys = ["ours", "ref", "floor"]
    raw = {k: ms(v if v is not None else 0 for v in series[k]) for k in keys}
    smooth = {k: rolling_median(raw[k]) for k in keys}
    with open(data, "w") as f:
        for i in range(len(raw["ours"])):
            f.write(f"{i + 1} " + " ".join(f"{raw[k][i]:.4f}" for k in keys) + " "
                    + " ".join(f"{smooth[k][i]:.4f}" for k in keys) + "\n")
    script = f"""
set terminal pngcairo size 960,560 font "DejaVu Sans,11"
set output "{png}"
set title "bridge + host-local ADD latency as one network fills (same machine, same run)"
set xlabel "container number (containers already on the network + 1)"
set ylabel "ADD latency, ms"
set key top left box opaque
set grid
set logscale y
plot "{data}" using 1:2 with points pt 7 ps 0.3 lc rgb "#9ecae1" notitle, \\
     "{data}" using 1:3 with points pt 7 ps 0.3 lc rgb "#fcae91" notitle, \\
     "{data}" using 1:4 with points pt 7 ps 0.3 lc rgb "#bdbdbd" notitle, \\
     "{data}" using 1:5 with lines lw 2 lc rgb "#08519c" title "ours (C# native AOT)", \\
     "{data}" using 1:6 with lines lw 2 lc rgb "#cb181d" title "reference (Go, containernetworking-plugins 1.1.1)", \\
     "{data}" using 1:7 with lines lw 2 lc rgb "#525252" title "floor: same kernel work by ip -batch"
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def machine():
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    mem_kb = int(first("/proc/meminfo", "MemTotal").split()[0])
    os_name = "unknown"
    try:
        with open("/etc/os-release") as f:
            os_name = next((line.split("=", 1)[1].strip().strip('"') for line in f if line.startswith("PRETTY_NAME")),
                           "unknown")
    except OSError:
        pass
    ref_version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "containernetworking-plugins"],
                                 capture_output=True, text=True).stdout.strip() or "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": first("/proc/cpuinfo", "model name"), "kernel": platform.release(),
            "memory_gib": round(mem_kb / 1024 / 1024, 1), "os": os_name, "reference_package": ref_version,
            "commit": commit or "unknown", "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def readme(meta, rows, png_rel, notes, analysis, command):
    m = meta["machine"]
    lines = [
        "## Performance",
        "",
        "Our plugins (C#, native AOT) and Debian's reference plugins (Go, containernetworking-plugins "
        f"{m['reference_package']}) measured in one run on the same machine, interleaved per iteration, in "
        "throwaway network namespaces, with config version 1.0.0 (the newest the reference speaks). Medians with "
        "min–max; *Ours/ref* below 1 means we are faster or smaller. *Floor* is the least any implementation can "
        "do: exec of a static C binary for start-up, and for bridge the same kernel work done by `ip -batch` "
        "(veth into the container netns, master, up, address, default route: two `ip` execs, one per netns).",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, kernel {m['kernel']}, {m['memory_gib']} GiB RAM, {m['os']}; "
        f"commit {m['commit']}, {m['date']}, {'quick' if meta['quick'] else 'full'} run "
        f"({meta['seconds']:.0f} s).",
        "",
        markdown_table(rows),
        "",
    ]
    lines += busy_lines(rows)
    if busy_lines(rows):
        lines.append("")
    backends = notes.get("portmap_backends", {})
    if backends:
        lines.append("portmap backends (each implementation's default): "
                     + "; ".join(f"{k}: {v}" for k, v in backends.items()) + ".")
    if "portmap_ours_unavailable" in notes:
        lines.append(f"Our portmap did not run: {notes['portmap_ours_unavailable']}")
    lines += [
        "",
        f"![bridge + host-local ADD latency vs containers on the network]({png_rel})",
        "",
        "Method: each call is one `posix_spawn` + `wait4` of the plugin as a runtime execs it (config on stdin, "
        "CNI_* in the environment), timed with a monotonic clock around spawn and reap; the driver enters the "
        "scenario's host netns with `setns` before the exec, outside the timed window. \"At #N\" is the median of "
        "containers N-4..N (just #1 for #1, which also creates the bridge); DEL \"with N present\" is measured "
        "while draining in reverse. Growth is the least-squares slope over the fill. Peak RSS is `wait4`'s "
        "`ru_maxrss` from separate runs forked by a tiny static helper (scripts/bench.d/peakrss.c): the largest "
        "single process of the tree (bridge or the host-local it execs), as GNU `time -v` reports. A row gets ⚠ when other processes used more than "
        f"{BUSY_OTHER_CPU:.0%} of the CPUs (from /proc/stat minus our own CPU time) or steal exceeded "
        f"{BUSY_STEAL:.0%} while it ran. Raw numbers: docs/bench/results.json.",
        "",
    ]
    if analysis:
        lines += [analysis.rstrip(), ""]
    return "\n".join(lines)


def write_readme(out, meta, rows, notes):
    analysis_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    analysis = ""
    if os.path.exists(analysis_path) and not meta["quick"]:
        with open(analysis_path) as f:
            analysis = f.read()
    with open(os.path.join(out, "README-performance.md"), "w") as f:
        f.write(readme(meta, rows, "docs/bench/add-latency.png", notes, analysis, meta["command"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny iteration counts (smoke test)")
    ap.add_argument("--out", default="docs/bench", help="output directory")
    ap.add_argument("--ours", default="dist/bin")
    ap.add_argument("--ref", default="/usr/lib/cni")
    ap.add_argument("--report-only", action="store_true",
                    help="re-render README-performance.md from OUT/results.json (after editing analysis.md)")
    args = ap.parse_args()
    if args.report_only:
        with open(os.path.join(args.out, "results.json")) as f:
            result = json.load(f)
        write_readme(args.out, result["meta"], result["rows"], result["notes"])
        return
    if os.environ.get("CNI_PRIVATE_HOST") != "1":
        sys.exit("bench.py: run inside scripts/in-private-netns")
    started = time.monotonic()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cni-bench-")
    try:
        true_c = os.path.join(work, "true.c")
        with open(true_c, "w") as f:
            f.write("int main(void) { return 0; }\n")
        static_true = os.path.join(work, "true")
        subprocess.run(["gcc", "-static", "-O2", "-o", static_true, true_c], check=True)
        impls = [Impl("ours", "ours", os.path.abspath(args.ours)), Impl("ref", "reference", os.path.abspath(args.ref))]
        peakrss = os.path.join(work, "peakrss")
        subprocess.run(["gcc", "-static", "-O2", "-o", peakrss, os.path.join(os.path.dirname(__file__), "peakrss.c")],
                       check=True)
        bench = Bench(args, impls, static_true, peakrss, work)
        bench.sizes()
        for scenario in (bench.version, bench.rss, bench.loopback, bench.hostlocal, bench.tuning, bench.fill, bench.portmap, bench.parallel):
            settle(2.0 if args.quick else 8.0)
            scenario()
        report = bench.report
        png = os.path.join(args.out, "add-latency.png")
        plot(report.series["fill_add_ns"], os.path.abspath(png), work)
        command = "make bench" if not args.quick else "scripts/in-private-netns scripts/bench --quick"
        meta = {"quick": args.quick, "seconds": time.monotonic() - started, "machine": machine(),
                "spec_version": SPEC, "iterations": bench.p, "ours": args.ours, "reference": args.ref,
                "command": command}
        result = {"meta": meta, "rows": report.rows, "notes": report.notes, "series": report.series}
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
        write_readme(args.out, meta, report.rows, report.notes)
        print(markdown_table(report.rows))
        for line in busy_lines(report.rows):
            print(line)
        print(f"[bench] wrote {args.out}/results.json, add-latency.png, README-performance.md "
              f"in {meta['seconds']:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
