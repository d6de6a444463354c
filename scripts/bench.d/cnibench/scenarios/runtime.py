"""The chain as a runtime runs it (issue #27): bridge + host-local with ipMasq, then portmap with one TCP and
one UDP mapping, prevResult passed; DEL in reverse order with the cached result. Containers accumulate to N
(10 at least), so "at #10" has nine present; medians over containers 6..N.
"""
import json

from ..load import Busy
from ..procs import SPEC, rotate
from ..rows import RATIO, Row, ms, stats

ROWS = {
    "bridge.add": Row("runtime.bridge.add", "runtime chain: bridge+host-local ADD (ipMasq)", "ms", (RATIO, 0.3)),
    "portmap.add": Row("runtime.portmap.add", "runtime chain: portmap ADD (1 TCP + 1 UDP, after bridge)", "ms", (RATIO, 0.15)),
    "portmap.del": Row("runtime.portmap.del", "runtime chain: portmap DEL", "ms", (RATIO, 0.5)),
    "bridge.del": Row("runtime.bridge.del", "runtime chain: bridge+host-local DEL (ipMasq)", "ms", (RATIO, 0.4)),
}
SUBNETS = {"ours": "10.102.0.0/16", "ref": "10.103.0.0/16"}
FIRST_COUNTED = 6


def bridge_conf(key, data_dir):
    return {"cniVersion": SPEC, "name": f"bench-rt-{key}", "type": "bridge", "bridge": "cnirt0", "isGateway": True,
            "ipMasq": True, "ipam": {"type": "host-local", "subnet": SUBNETS[key], "dataDir": data_dir,
                                     "routes": [{"dst": "0.0.0.0/0"}]}}


def portmap_conf(bridge, i, prev):
    maps = [{"hostPort": 30000 + i, "containerPort": 80, "protocol": "tcp"},
            {"hostPort": 31000 + i, "containerPort": 53, "protocol": "udp"}]
    return {"cniVersion": SPEC, "name": bridge["name"], "type": "portmap", "capabilities": {"portMappings": True},
            "runtimeConfig": {"portMappings": maps}, "prevResult": prev}


def run(bench):
    n = max(10, bench.p["chained"])
    bench.log(f"runtime chain (bridge ipMasq + portmap TCP/UDP): {n} containers, then drain")
    keys = [i.key for i in bench.impls]
    hosts = {k: f"brt-{k}" for k in keys}
    containers = {k: [f"crt-{k}-{i}" for i in range(1, n + 1)] for k in keys}
    bench.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    confs = {k: bridge_conf(k, bench.data_dir(f"rt-{k}")) for k in keys}
    samples = {what: {k: [] for k in keys} for what in ROWS}
    prevs = {k: {} for k in keys}

    def timed(what, k, i, sample, label):
        sample.check(f"{k} {label} #{i}")
        if i >= FIRST_COUNTED:
            samples[what][k].append(sample.ns)
        return sample

    try:
        busy = Busy()
        for i in range(1, n + 1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                try:
                    a = timed("bridge.add", k, i, impl.call("bridge", "ADD", confs[k], f"r{i}", netns), "bridge ADD")
                    prevs[k][i] = prev = json.loads(a.out)
                    timed("portmap.add", k, i, impl.call("portmap", "ADD", portmap_conf(confs[k], i, prev), f"r{i}", netns), "portmap ADD")
                finally:
                    bench.ns.leave()
        add_busy = busy.finish()
        busy = Busy()
        for i in range(n, 0, -1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                try:
                    timed("portmap.del", k, i, impl.call("portmap", "DEL", portmap_conf(confs[k], i, prevs[k][i]), f"r{i}", netns), "portmap DEL")
                    timed("bridge.del", k, i, impl.call("bridge", "DEL", {**confs[k], "prevResult": prevs[k][i]}, f"r{i}", netns), "bridge DEL")
                finally:
                    bench.ns.leave()
        del_busy = busy.finish()
    finally:
        bench.ns.leave()
        bench.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    for what, row in ROWS.items():
        bench.report.add(row, stats(ms(samples[what]["ours"])), stats(ms(samples[what]["ref"])),
                         busy=add_busy if what.endswith("add") else del_busy)
