"""The dhcp IPAM plugin alone, against a real DHCP server: each container's ADD (a lease), its CHECK (with the
ADD's result as prevResult, as libcni sends it) and, draining, its DEL.

One LAN for both implementations: in a host netns, a veth whose far end is in a server netns running dnsmasq
(10.66.0.1/24, leases from 10.66.0.100-250). Every container gets a macvlan (bridge mode) of the LAN's host end,
made and brought up by the bench before the timed loop, so the rows time the dhcp plugin's exec alone: the plugin
asks its implementation's daemon over the daemon's unix socket (ipam.daemonSocketPath), and the daemon runs the
DHCP exchange with dnsmasq inside the container's netns. An ADD's time is mostly that exchange, the same server
for both. Each side's daemon is started before the rows and stopped after them, untimed; both run while the rows
are measured interleaved, each serving only its own side's calls. Ours: `dhcp daemon -socketpath S -statedir D
-timeout 2s`; the reference: `dhcp daemon -socketpath S -timeout 2s` (it has no -statedir; -timeout is the DHCP
client's read timeout, the same for both and never reached when the server answers).
CHECK asks the daemon for DHCP.Allocate on both sides (as the reference's plugin does): the reference's daemon runs
a whole new DHCP exchange with the server for it (DISCOVER, REQUEST, ACK in dnsmasq's log), ours answers from the
lease it holds while that lease's link still exists.
Every lease is released: after the DELs the server's lease file is read, and the leases still held by each side
(by the MACs the bench gave its macvlans) are a row of their own. Peak RSS of the plugin comes from one extra
ADD per implementation under peakrss; the daemon's own peak (VmHWM) is read before it is stopped.
"""
import json
import os
import signal
import socket
import subprocess
import time

from ..load import Busy
from ..plugins import DAEMON_IPAM
from ..procs import SPEC, BenchError, rotate
from ..rows import ABS, RATIO, Failures, Row, ms, stats
from .rss import Meter

HOST, SERVER, MASTER, SERVER_IF = "bd-host", "bd-srv", "bdlan0", "bdlan0srv"
SERVER_ADDRESS = "10.66.0.1"
# One hour: with dnsmasq's T1 at half the lease, no renewal happens while the rows run.
RANGE = "10.66.0.100,10.66.0.250,255.255.255.0,1h"
SIDE_MAC = {"ours": "02:66:01", "ref": "02:66:02"}

ROWS = {
    "add": Row("dhcp.add", "dhcp ADD alone, a lease from dnsmasq (macvlan made by the bench)", "ms", (RATIO, 0.5)),
    "check": Row("dhcp.check", "dhcp CHECK alone, the lease", "ms"),
    "del": Row("dhcp.del", "dhcp DEL alone, releasing the lease", "ms", (RATIO, 0.5)),
    "left": Row("dhcp.leases-left", "dhcp: leases still on the server after every DEL", "count", (ABS, 0)),
    "rss": Row("rss.dhcp", "peak RSS, dhcp ADD (the plugin; its daemon apart)", "KiB", (RATIO, 1.0)),
    "daemon": Row("rss.dhcp-daemon", "peak RSS, dhcp daemon (VmHWM after the rows)", "KiB", (RATIO, 1.0)),
}


def mac(key, i):
    return f"{SIDE_MAC[key]}:00:{i // 256:02x}:{i % 256:02x}"


def wait_for(what, condition, timeout, detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise BenchError(f"{what} within {timeout:g} s{detail()}")
        time.sleep(0.05)


def tail(path):
    try:
        with open(path, errors="replace") as f:
            return ": " + f.read()[-800:]
    except OSError:
        return ""


class Lan:
    """The host netns with the LAN's master, the server netns with dnsmasq, and the daemons."""

    def __init__(self, bench):
        self.bench = bench
        self.dir = bench.data_dir("dhcp")
        self.lease_file = os.path.join(self.dir, "dnsmasq.leases")
        self.server_log = os.path.join(self.dir, "dnsmasq.log")
        self.server = None
        self.daemons = {}
        self.daemon_logs = {}

    def start(self):
        ns = self.bench.ns
        ns.add([HOST, SERVER])
        subprocess.run(["ip", "-n", HOST, "-batch", "-"], check=True, input=(
            f"link add {MASTER} type veth peer name {SERVER_IF}\nlink set {SERVER_IF} netns {SERVER}\n"
            f"link set {MASTER} up\n").encode())
        subprocess.run(["ip", "-n", SERVER, "-batch", "-"], check=True, input=(
            f"addr add {SERVER_ADDRESS}/24 dev {SERVER_IF}\nlink set {SERVER_IF} up\nlink set lo up\n").encode())
        ns.enter(SERVER)
        try:
            self.server = subprocess.Popen(
                ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0", f"--interface={SERVER_IF}",
                 "--bind-interfaces", "--dhcp-authoritative", "--no-ping", f"--dhcp-range={RANGE}",
                 f"--dhcp-leasefile={self.lease_file}", f"--pid-file={os.path.join(self.dir, 'dnsmasq.pid')}",
                 f"--log-facility={self.server_log}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            ns.leave()
        wait_for("dnsmasq did not start", lambda: self.server.poll() is None and "DHCP, IP range" in tail(self.server_log),
                 10, lambda: tail(self.server_log))

    def start_daemon(self, impl):
        sock = os.path.join(self.dir, f"{impl.key}.sock")
        argv = [os.path.join(impl.bindir, "dhcp"), "daemon", "-socketpath", sock, "-timeout", "2s"]
        if impl.key == "ours":
            argv += ["-statedir", os.path.join(self.dir, "ours-state")]
        log_path = os.path.join(self.dir, f"{impl.key}-daemon.log")
        self.daemon_logs[impl.key] = log_path
        with open(log_path, "w") as log:
            self.bench.ns.enter(HOST)  # the daemon lives in the host netns, as on a node
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            finally:
                self.bench.ns.leave()
        self.daemons[impl.key] = proc

        def accepts():
            if proc.poll() is not None:
                raise BenchError(f"{impl.key} dhcp daemon exited {proc.returncode}{tail(log_path)}")
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                try:
                    s.connect(sock)
                    return True
                except OSError:
                    return False

        wait_for(f"{impl.key} dhcp daemon did not listen on {sock}", accepts, 10, lambda: tail(log_path))
        return sock

    def daemon_hwm(self, key):
        proc = self.daemons.get(key)
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration, AttributeError):
            return None

    def leases_by_side(self):
        """Leases in dnsmasq's file ("<expiry> <mac> <ip> <hostname> <client-id>"), counted per side by MAC."""
        left = {k: 0 for k in SIDE_MAC}
        try:
            with open(self.lease_file) as f:
                for line in f:
                    fields = line.split()
                    for k, prefix in SIDE_MAC.items():
                        if len(fields) > 1 and fields[1].lower().startswith(prefix):
                            left[k] += 1
        except FileNotFoundError:
            pass
        return left

    def stop(self):
        for proc in list(self.daemons.values()) + [self.server]:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in list(self.daemons.values()) + [self.server]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.bench.ns.delete([HOST, SERVER])


def make_links(bench, containers):
    """One macvlan of the master per container, moved in as eth0 and up; a side's MACs are its own."""
    host = "".join(f"link add bdmv{j} link {MASTER} address {mac(k, i)} type macvlan mode bridge\n"
                   f"link set bdmv{j} netns {name}\n"
                   for j, (k, i, name) in enumerate(containers))
    subprocess.run(["ip", "-n", HOST, "-batch", "-"], input=host.encode(), check=True)
    for j, (_, _, name) in enumerate(containers):
        subprocess.run(["ip", "-n", name, "-batch", "-"], check=True,
                       input=f"link set bdmv{j} name eth0\nlink set eth0 up\nlink set lo up\n".encode())


def conf(key, sock, prev=None):
    c = {"cniVersion": SPEC, "name": f"bench-dhcp-{key}", "type": "macvlan", "master": MASTER, "mode": "bridge",
         "ipam": {"type": "dhcp", "daemonSocketPath": sock}}
    return {**c, "prevResult": prev} if prev is not None else c


def run(bench):
    if "dhcp" in bench.measured_here(DAEMON_IPAM):
        if not bench.ref.has("dhcp"):
            raise BenchError(f"{bench.ref.bindir} has no dhcp: this scenario measures both sides' daemons")
        measure(bench)


def measure(bench):
    n = bench.p["chained"]
    assert 2 * (n + 1) <= 151, "more containers than the range has addresses"
    bench.log(f"dhcp against dnsmasq: {n} containers, then drain")
    keys = [i.key for i in bench.impls]
    containers = {k: [f"cd-{k}-{i}" for i in range(1, n + 2)] for k in keys}
    lan = Lan(bench)
    add = {k: [] for k in keys}
    check = {k: [] for k in keys}
    dele = {k: [] for k in keys}
    added = {k: set() for k in keys}
    results = {k: {} for k in keys}
    check_failed = Failures(n)
    left = hwm = None
    meter = Meter(bench)
    try:
        lan.start()
        socks = {impl.key: lan.start_daemon(impl) for impl in bench.impls}
        bench.ns.add([c for cs in containers.values() for c in cs])
        make_links(bench, [(k, i, containers[k][i - 1]) for k in keys for i in range(1, n + 2)])
        confs = {k: conf(k, socks[k]) for k in keys}
        busy = Busy()
        bench.ns.enter(HOST)
        try:
            for i in range(1, n + 2):  # the last container is the peak RSS run
                for impl in rotate(bench.impls, i):
                    k = impl.key
                    netns = f"/run/netns/{containers[k][i - 1]}"
                    if i <= n:
                        s = impl.call("dhcp", "ADD", confs[k], f"d{i}", netns).check(f"{k} dhcp ADD #{i}")
                        add[k].append(s.ns)
                    else:
                        s = meter.call(ROWS["rss"], impl, "dhcp", "ADD", confs[k], f"d{i}", netns)
                    added[k].add(i)
                    if '"10.66.0.' not in s.out.decode(errors="replace"):
                        raise BenchError(f"{k} dhcp ADD #{i} returned no address on the LAN: {s.text()[:400]}")
                    results[k][i] = json.loads(s.out)
            add_busy = busy.finish()
            busy = Busy()
            for i in range(1, n + 1):
                for impl in rotate(bench.impls, i):
                    k = impl.key
                    s = impl.call("dhcp", "CHECK", conf(k, socks[k], results[k][i]), f"d{i}",
                                  f"/run/netns/{containers[k][i - 1]}")
                    check_failed.sample(k, s, check[k])
            check_busy = busy.finish()
            busy = Busy()
            for i in range(n + 1, 0, -1):
                for impl in rotate(bench.impls, i):
                    k = impl.key
                    s = impl.call("dhcp", "DEL", confs[k], f"d{i}", f"/run/netns/{containers[k][i - 1]}")
                    s.check(f"{k} dhcp DEL #{i}")
                    added[k].discard(i)
                    if i <= n:
                        dele[k].append(s.ns)
            del_busy = busy.finish()
        finally:
            bench.ns.leave()
        # DHCPRELEASE gets no answer: give dnsmasq a moment to drop the leases and rewrite its file.
        try:
            wait_for("", lambda: not any(lan.leases_by_side().values()), 3)
        except BenchError:
            pass
        left = lan.leases_by_side()
        hwm = {k: lan.daemon_hwm(k) for k in keys}
    finally:
        bench.ns.enter(HOST)
        try:  # a failed run still releases what it took, while the daemons are up
            for impl in bench.impls:
                for i in sorted(added.get(impl.key, ())):
                    impl.call("dhcp", "DEL", conf(impl.key, os.path.join(lan.dir, f"{impl.key}.sock")), f"d{i}",
                              f"/run/netns/{containers[impl.key][i - 1]}")
        finally:
            bench.ns.leave()
            lan.stop()
            bench.ns.delete([c for cs in containers.values() for c in cs])
    bench.report.add(ROWS["add"], stats(ms(add["ours"])), stats(ms(add["ref"])), busy=add_busy)
    bench.report.add(ROWS["check"], stats(ms(check["ours"])), stats(ms(check["ref"])), busy=check_busy,
                     failed=check_failed)
    bench.report.add(ROWS["del"], stats(ms(dele["ours"])), stats(ms(dele["ref"])), busy=del_busy)
    bench.report.add(ROWS["left"], stats([left["ours"]]), stats([left["ref"]]), busy=del_busy)
    meter.add(bench.report, ROWS["rss"], add_busy)
    bench.report.add(ROWS["daemon"], stats([x for x in [hwm["ours"]] if x is not None]),
                     stats([x for x in [hwm["ref"]] if x is not None]), busy=add_busy)
