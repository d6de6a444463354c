"""tuning, firewall, bandwidth and sbr, chained after bridge (each only when both implementations have it).

Each container gets a bridge ADD (untimed), then the chained plugin's ADD and, while draining, its DEL are
timed; peak RSS comes from one extra ADD per implementation under peakrss.
"""
import json

from ..context import bridge_conf
from ..load import Busy
from ..procs import SPEC, rotate
from ..rows import RATIO, Row, ms, stats
from .rss import Meter

CONFS = {
    "tuning": {"sysctl": {"net.ipv4.conf.eth0.arp_notify": "1"}, "promisc": False},
    "firewall": {},
    # 10 Mbit/s each way: an ifb, its ingress redirect and two tbf qdiscs per container.
    "bandwidth": {"ingressRate": 10_000_000, "ingressBurst": 1_000_000, "egressRate": 10_000_000, "egressBurst": 1_000_000},
    # eth0's routes into table 100 behind a rule for its address, as for a secondary interface.
    "sbr": {},
}
SUBNETS = {"tuning": ("10.90.0.0/16", "10.91.0.0/16"), "firewall": ("10.92.0.0/16", "10.93.0.0/16"),
           "bandwidth": ("10.96.0.0/16", "10.97.0.0/16"), "sbr": ("10.98.0.0/16", "10.99.0.0/16")}


def rows(plugin):
    return {
        "add": Row(f"{plugin}.add", f"{plugin} ADD (after bridge)", "ms", (RATIO, 0.5)),
        "del": Row(f"{plugin}.del", f"{plugin} DEL", "ms", (RATIO, 0.5)),
        "rss": Row(f"rss.{plugin}", f"peak RSS, {plugin} ADD", "KiB", (RATIO, 1.0)),
    }


def chained_conf(plugin, network, prev):
    return {"cniVersion": SPEC, "name": network, "type": plugin, "prevResult": prev, **CONFS[plugin]}


def run(bench):
    for plugin in bench.optional():
        measure(bench, plugin)


def measure(bench, plugin):
    n = bench.p["chained"]
    bench.log(f"{plugin} chained after bridge: {n} containers, then drain")
    keys = [i.key for i in bench.impls]
    hosts = {k: f"bc-{plugin}-{k}" for k in keys}
    containers = {k: [f"cc-{plugin}-{k}-{i}" for i in range(1, n + 2)] for k in keys}
    bench.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    confs = {k: bridge_conf(f"bench-{plugin}-{k}", f"cnib{plugin[:4]}", SUBNETS[plugin][j],
                            bench.data_dir(f"{plugin}-{k}")) for j, k in enumerate(keys)}
    add = {k: [] for k in keys}
    dele = {k: [] for k in keys}
    prevs = {k: {} for k in keys}
    unavailable = {}
    meter = Meter(bench)
    row = rows(plugin)
    busy = Busy()
    try:
        for i in range(1, n + 2):  # the last container is the peak RSS run
            for impl in rotate(bench.impls, i):
                k = impl.key
                if k in unavailable:
                    continue
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                try:
                    prev = json.loads(impl.call("bridge", "ADD", confs[k], f"t{i}", netns)
                                      .check(f"{k} bridge ADD #{i} ({plugin} chain)").out)
                    conf = chained_conf(plugin, confs[k]["name"], prev)
                    if i <= n:
                        s = impl.call(plugin, "ADD", conf, f"t{i}", netns)
                    else:
                        s = meter.call(row["rss"], impl, plugin, "ADD", conf, f"t{i}", netns, must=False)
                finally:
                    bench.ns.leave()
                if s.rc != 0:
                    if i == 1 and k == "ours":
                        unavailable[k] = s.text()[:300]
                        continue
                    s.check(f"{k} {plugin} ADD #{i}")
                if i <= n:
                    add[k].append(s.ns)
                prevs[k][i] = prev
        add_busy = busy.finish()
        busy = Busy()
        for i in range(n + 1, 0, -1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                try:
                    if k not in unavailable:
                        s = impl.call(plugin, "DEL", chained_conf(plugin, confs[k]["name"], prevs[k][i]), f"t{i}", netns)
                        s.check(f"{k} {plugin} DEL #{i}")
                        if i <= n:
                            dele[k].append(s.ns)
                    if k not in unavailable or i == 1:
                        impl.call("bridge", "DEL", confs[k], f"t{i}", netns)
                finally:
                    bench.ns.leave()
        del_busy = busy.finish()
    finally:
        bench.ns.leave()
        bench.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    note = f"ours unavailable: {unavailable['ours']}" if "ours" in unavailable else None
    bench.report.add(row["add"], stats(ms(add["ours"])), stats(ms(add["ref"])), busy=add_busy, note=note)
    bench.report.add(row["del"], stats(ms(dele["ours"])), stats(ms(dele["ref"])), busy=del_busy, note=note)
    meter.add(bench.report, row["rss"], add_busy)
