"""Main plugins other than bridge (ptp, ...): each container's ADD and, while draining, its DEL, with host-local.

A plugin gets its rows by being in both implementations' directories and having a config here; peak RSS comes
from one extra ADD per implementation under peakrss.
"""
from ..context import MAIN
from ..load import Busy
from ..procs import SPEC, rotate
from ..rows import RATIO, Row, ms, stats
from .rss import Meter

import subprocess

SUBNETS = {"ptp": ("10.94.0.0/16", "10.95.0.0/16"), "macvlan": ("10.98.0.0/16", "10.99.0.0/16"),
           "host-device": ("10.100.0.0/16", "10.101.0.0/16")}
# Keys beyond name/type/ipam, and what the row's label says about them.
EXTRA = {"ptp": ({"ipMasq": True}, " (ipMasq)"), "macvlan": ({"master": "bmvm0", "mode": "bridge"}, " (bridge mode)"),
         "host-device": ({}, " (a veth end moved in)")}


def prepare_host(plugin, host, containers):
    """macvlan needs a master in the host netns, host-device a device per container: ends of veth pairs, up."""
    pairs = {"macvlan": [("bmvm0", "bmvp0")], "host-device": [(f"bhd{i}", f"bhp{i}") for i in range(1, containers + 1)]}
    batch = "".join(f"link add {a} type veth peer name {b}\nlink set {a} up\nlink set {b} up\n" for a, b in pairs.get(plugin, []))
    if batch:
        subprocess.run(["ip", "-n", host, "-batch", "-"], input=batch.encode(), check=True)


def for_container(plugin, conf, i):
    """host-device moves container i's own device."""
    return {**conf, "device": f"bhd{i}"} if plugin == "host-device" else conf


def conf(plugin, name, subnet, data_dir):
    return {"cniVersion": SPEC, "name": name, "type": plugin, **EXTRA[plugin][0],
            "ipam": {"type": "host-local", "subnet": subnet, "dataDir": data_dir, "routes": [{"dst": "0.0.0.0/0"}]}}


def rows(plugin):
    return {
        "add": Row(f"{plugin}.add", f"{plugin} + host-local ADD{EXTRA[plugin][1]}", "ms", (RATIO, 0.5)),
        "del": Row(f"{plugin}.del", f"{plugin} + host-local DEL", "ms", (RATIO, 0.5)),
        "rss": Row(f"rss.{plugin}", f"peak RSS, {plugin} ADD", "KiB", (RATIO, 1.0)),
    }


def run(bench):
    for plugin in [p for p in MAIN if bench.ours.has(p) and bench.ref.has(p)]:
        measure(bench, plugin)


def measure(bench, plugin):
    n = bench.p["chained"]
    bench.log(f"{plugin}: {n} containers, then drain")
    keys = [i.key for i in bench.impls]
    hosts = {k: f"bm-{plugin}-{k}" for k in keys}
    containers = {k: [f"cm-{plugin}-{k}-{i}" for i in range(1, n + 2)] for k in keys}
    bench.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    for host in hosts.values():
        prepare_host(plugin, host, n + 1)
    confs = {k: conf(plugin, f"bench-{plugin}-{k}", SUBNETS[plugin][j], bench.data_dir(f"{plugin}-{k}"))
             for j, k in enumerate(keys)}
    add = {k: [] for k in keys}
    dele = {k: [] for k in keys}
    meter = Meter(bench)
    row = rows(plugin)
    try:
        busy = Busy()
        for i in range(1, n + 2):  # the last container is the peak RSS run
            for impl in rotate(bench.impls, i):
                k = impl.key
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                try:
                    c = for_container(plugin, confs[k], i)
                    if i <= n:
                        add[k].append(impl.call(plugin, "ADD", c, f"t{i}", netns).check(f"{k} {plugin} ADD #{i}").ns)
                    else:
                        meter.call(row["rss"], impl, plugin, "ADD", c, f"t{i}", netns)
                finally:
                    bench.ns.leave()
        add_busy = busy.finish()
        busy = Busy()
        for i in range(n + 1, 0, -1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                bench.ns.enter(hosts[k])
                try:
                    s = impl.call(plugin, "DEL", for_container(plugin, confs[k], i), f"t{i}", f"/run/netns/{containers[k][i - 1]}")
                    s.check(f"{k} {plugin} DEL #{i}")
                    if i <= n:
                        dele[k].append(s.ns)
                finally:
                    bench.ns.leave()
        del_busy = busy.finish()
    finally:
        bench.ns.leave()
        bench.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    bench.report.add(row["add"], stats(ms(add["ours"])), stats(ms(add["ref"])), busy=add_busy)
    bench.report.add(row["del"], stats(ms(dele["ours"])), stats(ms(dele["ref"])), busy=del_busy)
    meter.add(bench.report, row["rss"], add_busy)
