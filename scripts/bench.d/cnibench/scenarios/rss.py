"""Peak RSS of one invocation, through the peakrss helper (separate runs from the timed ones).

wait4's ru_maxrss of the tree: the largest single process (bridge or the host-local it execs), as GNU time
-v reports it.
"""
import json
import os

from ..context import CORE, bridge_conf
from ..load import Busy
from ..procs import SPEC, rotate
from ..rows import RATIO, Row, stats


def version_row(plugin):
    return Row(f"rss.version.{plugin}", f"peak RSS, VERSION: {plugin}", "KiB", (RATIO, 1.0))


LOOPBACK = Row("rss.loopback", "peak RSS, loopback ADD", "KiB", (RATIO, 1.0))
HOST_LOCAL = Row("rss.host-local", "peak RSS, host-local ADD", "KiB", (RATIO, 1.0))
BRIDGE = Row("rss.bridge", "peak RSS, bridge ADD (largest of bridge, host-local)", "KiB", (RATIO, 1.0))
PORTMAP = Row("rss.portmap", "peak RSS, portmap ADD (1 mapping)", "KiB", (RATIO, 1.0))


class Meter:
    """Runs a plugin under peakrss and keeps the peak per (row, implementation)."""

    def __init__(self, bench):
        self.out = os.path.join(bench.work, "rss.txt")
        self.wrap = (bench.peakrss, self.out)
        self.peaks = {}

    def call(self, row, impl, plugin, command, conf, container="", netns="", ifname="eth0", must=True):
        s = impl.call(plugin, command, conf, container, netns, ifname, wrap=self.wrap)
        if must:
            s.check(f"{impl.key} {plugin} {command} (peak RSS)")
        if row is not None and s.rc == 0:
            with open(self.out) as f:
                self.peaks.setdefault((row.id, impl.key), []).append(int(f.read()))
        return s

    def add(self, report, row, busy, absent=()):
        report.add(row, stats(self.peaks.get((row.id, "ours"), [])), stats(self.peaks.get((row.id, "ref"), [])),
                   busy=busy, absent=absent)


def run(bench):
    n = bench.p["rss"]
    bench.log(f"peak RSS, {n} invocations of each")
    meter = Meter(bench)
    busy = Busy()
    for it in range(n):
        for impl in rotate(bench.impls, it):
            k = impl.key
            host, container = f"br-{k}-{it}", f"cr-{k}-{it}"
            bench.ns.add([host, container])
            netns = f"/run/netns/{container}"
            conf = bridge_conf(f"bench-rss-{k}", "cnibench3", "10.80.0.0/16", bench.data_dir(f"rss-{k}-{it}"))
            try:
                for plugin in CORE:
                    meter.call(version_row(plugin), impl, plugin, "VERSION", {"cniVersion": SPEC})
                lo = {"cniVersion": SPEC, "name": "bench-lo", "type": "loopback"}
                meter.call(LOOPBACK, impl, "loopback", "ADD", lo, "rss", netns, "lo")
                meter.call(None, impl, "loopback", "DEL", lo, "rss", netns, "lo")
                meter.call(HOST_LOCAL, impl, "host-local", "ADD", conf, "rss-hl", netns)
                meter.call(None, impl, "host-local", "DEL", conf, "rss-hl", netns)
                bench.ns.enter(host)
                prev = json.loads(meter.call(BRIDGE, impl, "bridge", "ADD", conf, "rss", netns).out)
                pm = {"cniVersion": SPEC, "name": conf["name"], "type": "portmap",
                      "capabilities": {"portMappings": True}, "prevResult": prev, "runtimeConfig": {
                          "portMappings": [{"hostPort": 30080, "containerPort": 80, "protocol": "tcp"}]}}
                if meter.call(PORTMAP, impl, "portmap", "ADD", pm, "rss", netns, must=False).rc == 0:
                    meter.call(None, impl, "portmap", "DEL", pm, "rss", netns)
                meter.call(None, impl, "bridge", "DEL", conf, "rss", netns)
            finally:
                bench.ns.leave()
                bench.ns.delete([host, container])
    b = busy.finish()
    for row in [version_row(p) for p in CORE] + [LOOPBACK, HOST_LOCAL, BRIDGE, PORTMAP]:
        meter.add(bench.report, row, b)
