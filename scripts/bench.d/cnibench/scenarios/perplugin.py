"""The main, chained and ipam plugins of cnibench/plugins.py's REGISTRY: ADD, CHECK and DEL of each, per container.

Every side that has the plugin gets a host netns (prepared as its registry entry says: a master, a device per
container) and N+1 container netns. Phase by phase, the sides alternating who goes first on every container:
  ADD    containers 1..N timed; a chained plugin's ADD follows a bridge ADD (untimed) and gets its result as
         prevResult; container N+1's ADD runs under peakrss for the peak RSS row (the plugin process itself)
  CHECK  containers 1..N, with that container's ADD result as prevResult and cniVersion 1.0.0, as libcni sends it
  DEL    containers N+1..1 (draining), with the config of the ADD (a chained plugin's prevResult: bridge's result);
         a chained plugin's DEL is followed by bridge's DEL (untimed)
A plugin gets its rows by being in the ours directory with a registry entry; the reference's side runs when the
reference has the binary, and its cells are n/a otherwise. ADD and DEL must succeed on both sides (the bench stops
otherwise); a CHECK that fails is a finding, recorded on its row (fails k/n, and what the first failure said).
"""
import json
import subprocess

from ..context import bridge_conf
from ..load import Busy
from ..plugins import CHAINED, IPAM, MAIN, REGISTRY
from ..procs import SPEC, rotate
from ..rows import RATIO, Failures, Row, ms, stats
from .rss import Meter

SUBNETS = {"ours": "10.120.0.0/16", "ref": "10.121.0.0/16"}


def rows(plugin):
    setup = REGISTRY[plugin]
    label = [setup.label] if setup.label else []
    if setup.kind == CHAINED:
        titles = (f"{plugin} ADD ({', '.join(['after bridge'] + label)})", f"{plugin} CHECK", f"{plugin} DEL")
    elif setup.kind == IPAM:
        titles = (f"{plugin} ADD ({', '.join(['alone'] + label)})", f"{plugin} CHECK (alone)", f"{plugin} DEL (alone)")
    else:
        with_ipam = f"{plugin} + {setup.ipam}" if setup.ipam else plugin
        titles = (f"{with_ipam} ADD" + (f" ({label[0]})" if label else ""), f"{with_ipam} CHECK", f"{with_ipam} DEL")
    return {
        "add": Row(f"{plugin}.add", titles[0], "ms", (RATIO, 0.5)),
        "check": Row(f"{plugin}.check", titles[1], "ms"),
        "del": Row(f"{plugin}.del", titles[2], "ms", (RATIO, 0.5)),
        "rss": Row(f"rss.{plugin}", f"peak RSS, {plugin} ADD", "KiB", (RATIO, 1.0)),
    }


def conf(bench, plugin, key, i, prev=None):
    """Container i's config on side key; prev: the prevResult (a chained plugin's ADD, and every CHECK)."""
    setup = REGISTRY[plugin]
    name = f"bench-{plugin}-{key}"
    extra = {**setup.conf, **setup.per_container(i)}
    if setup.kind == IPAM:  # exec'd as a main plugin execs it: with the main plugin's whole config
        c = {"cniVersion": SPEC, "name": name, "type": "ptp", "ipam": {"type": plugin, **extra}}
    else:
        c = {"cniVersion": SPEC, "name": name, "type": plugin, **extra}
        if setup.ipam == "host-local":
            c["ipam"] = {"type": "host-local", "subnet": SUBNETS[key], "dataDir": bench.data_dir(f"{plugin}-{key}"),
                         "routes": [{"dst": "0.0.0.0/0"}]}
    if prev is not None:
        c["prevResult"] = prev
    return c


def run(bench):
    for kind in (CHAINED, MAIN, IPAM):
        for plugin in bench.measured_here(kind):
            measure(bench, plugin)


def measure(bench, plugin):
    setup = REGISTRY[plugin]
    n = bench.containers()
    sides = bench.sides(plugin)
    keys = [s.key for s in sides]
    absent = [i.key for i in bench.impls if i.key not in keys]
    bench.log(f"{plugin} ({setup.kind}{', ours only' if absent else ''}): {n} containers ADD, CHECK, then drain")
    hosts = {k: f"bx-{plugin}-{k}" for k in keys}
    containers = {k: [f"cx-{plugin}-{k}-{i}" for i in range(1, n + 2)] for k in keys}
    all_ns = list(hosts.values()) + [c for cs in containers.values() for c in cs]
    bench.ns.add(all_ns)
    batch = setup.host(n + 1)
    if batch:
        for host in hosts.values():
            subprocess.run(["ip", "-n", host, "-batch", "-"], input=batch.encode(), check=True)
    bridges = {k: bridge_conf(f"bench-{plugin}-{k}", f"cnib{plugin[:4]}", SUBNETS[k], bench.data_dir(f"{plugin}-br-{k}"))
               for k in keys}
    times = {what: {k: [] for k in keys} for what in ("add", "check", "del")}
    results = {k: {} for k in keys}  # container -> the plugin's ADD result (CHECK's prevResult)
    prevs = {k: {} for k in keys}  # container -> bridge's ADD result (a chained plugin's prevResult)
    failed = Failures(n)
    meter = Meter(bench)
    row = rows(plugin)
    busy = {}

    def netns(k, i):
        return f"/run/netns/{containers[k][i - 1]}"

    try:
        b = Busy()
        for i in range(1, n + 2):  # the last container is the peak RSS run
            for impl in rotate(sides, i):
                k = impl.key
                bench.ns.enter(hosts[k])
                try:
                    if setup.kind == CHAINED:
                        prevs[k][i] = json.loads(impl.call("bridge", "ADD", bridges[k], f"t{i}", netns(k, i))
                                                 .check(f"{k} bridge ADD #{i} ({plugin} chain)").out)
                    c = conf(bench, plugin, k, i, prevs[k].get(i))
                    if i <= n:
                        s = impl.call(plugin, "ADD", c, f"t{i}", netns(k, i)).check(f"{k} {plugin} ADD #{i}")
                        times["add"][k].append(s.ns)
                    else:
                        s = meter.call(row["rss"], impl, plugin, "ADD", c, f"t{i}", netns(k, i))
                    results[k][i] = json.loads(s.out)
                finally:
                    bench.ns.leave()
        busy["add"] = b.finish()
        b = Busy()
        for i in range(1, n + 1):
            for impl in rotate(sides, i):
                k = impl.key
                bench.ns.enter(hosts[k])
                try:
                    s = impl.call(plugin, "CHECK", conf(bench, plugin, k, i, results[k][i]), f"t{i}", netns(k, i))
                finally:
                    bench.ns.leave()
                failed.sample(k, s, times["check"][k])
        busy["check"] = b.finish()
        b = Busy()
        for i in range(n + 1, 0, -1):
            for impl in rotate(sides, i):
                k = impl.key
                bench.ns.enter(hosts[k])
                try:
                    s = impl.call(plugin, "DEL", conf(bench, plugin, k, i, prevs[k].get(i)), f"t{i}", netns(k, i))
                    s.check(f"{k} {plugin} DEL #{i}")
                    if i <= n:
                        times["del"][k].append(s.ns)
                    if setup.kind == CHAINED:
                        impl.call("bridge", "DEL", bridges[k], f"t{i}", netns(k, i)).check(f"{k} bridge DEL #{i}")
                finally:
                    bench.ns.leave()
        busy["del"] = b.finish()
    finally:
        bench.ns.leave()
        bench.ns.delete(all_ns)
    for what in ("add", "check", "del"):
        bench.report.add(row[what], stats(ms(times[what].get("ours", []))), stats(ms(times[what].get("ref", []))),
                         busy=busy[what], absent=absent, failed=failed if what == "check" else None)
    meter.add(bench.report, row["rss"], busy["add"], absent=absent)
