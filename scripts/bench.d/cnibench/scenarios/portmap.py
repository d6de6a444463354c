"""bridge -> portmap chain: N containers with two mappings each, then drain (portmap timed on its own).

Between the two, each container's portmap CHECK (its mappings, and its ADD's result as prevResult) with all N present.
"""
import json
import subprocess

from ..context import bridge_conf
from ..load import Busy
from ..procs import SPEC, rotate
from ..rows import ABS, RATIO, Failures, Row, at_k, ms, slope_us, stats


def add_row(k, n):
    return Row(f"portmap.add@{k}", f"portmap ADD (2 mappings) at #{k}", "ms", *([(RATIO, 0.15)] if k == n else []))


def add_slope_row(n):
    return Row("portmap.add.slope", f"portmap ADD growth over #2..#{n}", "µs/container", (ABS, 5.0))


def chain_add_row(n):
    return Row(f"chain.add@{n}", f"bridge+portmap chain ADD at #{n}", "ms")


def check_row(n):
    return Row("portmap.check", f"portmap CHECK (2 mappings) with {n} present", "ms")


def del_row(n):
    return Row(f"portmap.del@{n}", f"portmap DEL with {n} present", "ms", (RATIO, 0.5))


def chain_del_row(n):
    return Row(f"chain.del@{n}", f"portmap+bridge chain DEL with {n} present", "ms", (RATIO, 0.5))


def detect_backend(bench, host):
    nat = bench.ns.sh(host, ["iptables-save", "-t", "nat"])
    if "CNI-HOSTPORT" in nat:
        return "iptables (" + subprocess.run(["iptables", "-V"], capture_output=True, text=True).stdout.strip() + ")"
    tables = [line.strip() for line in bench.ns.sh(host, ["nft", "list", "tables"]).splitlines() if line.strip()]
    return "nftables: " + ", ".join(tables) if tables else "none found"


def run(bench):
    n = bench.p["portmap"]
    bench.log(f"bridge -> portmap chain: {n} containers with 2 mappings each, then drain")
    hosts = {i.key: f"bp-{i.key}" for i in bench.impls}
    containers = {k: [f"cp-{k}-{i}" for i in range(1, n + 1)] for k in hosts}
    bench.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    subnets = {"ours": "10.50.0.0/16", "ref": "10.60.0.0/16"}
    confs = {i.key: bridge_conf(f"bench-pm-{i.key}", "cnibench1", subnets[i.key], bench.data_dir(f"pm-{i.key}"))
             for i in bench.impls}
    pm = {k: [None] * n for k in hosts}
    br = {k: [None] * n for k in hosts}
    pm_del = {k: [None] * n for k in hosts}
    br_del = {k: [None] * n for k in hosts}
    pm_check = {k: [] for k in hosts}
    pm_results = {k: {} for k in hosts}
    check_failed = Failures(n)
    results = {k: {} for k in hosts}
    unavailable = {}

    def pm_conf(key, i, prev):
        maps = [{"hostPort": 20000 + 2 * i, "containerPort": 80, "protocol": "tcp"},
                {"hostPort": 20001 + 2 * i, "containerPort": 443, "protocol": "tcp"}]
        return {"cniVersion": SPEC, "name": confs[key]["name"], "type": "portmap",
                "capabilities": {"portMappings": True}, "runtimeConfig": {"portMappings": maps}, "prevResult": prev}

    busy = Busy()
    try:
        for i in range(1, n + 1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                if k in unavailable:
                    continue
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                a = impl.call("bridge", "ADD", confs[k], f"p{i}", netns)
                prev = json.loads(a.out) if a.rc == 0 else None
                b = impl.call("portmap", "ADD", pm_conf(k, i, prev), f"p{i}", netns) if prev else None
                bench.ns.leave()
                a.check(f"{k} bridge ADD #{i} (portmap chain)")
                if b.rc != 0:
                    if i == 1 and k == "ours":  # our portmap cannot run here: record it, go on without ours
                        unavailable[k] = b.text()[:300]
                        bench.ns.enter(hosts[k])
                        impl.call("bridge", "DEL", confs[k], f"p{i}", netns)
                        bench.ns.leave()
                        continue
                    b.check(f"{k} portmap ADD #{i}")
                br[k][i - 1], pm[k][i - 1] = a.ns, b.ns
                results[k][i] = prev
                pm_results[k][i] = json.loads(b.out)
        add_busy = busy.finish()
        backends = {k: detect_backend(bench, hosts[k]) for k in hosts if k not in unavailable}
        busy = Busy()
        for i in range(1, n + 1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                if k in unavailable:
                    continue
                bench.ns.enter(hosts[k])
                c = impl.call("portmap", "CHECK", pm_conf(k, i, pm_results[k][i]), f"p{i}",
                              f"/run/netns/{containers[k][i - 1]}")
                bench.ns.leave()
                check_failed.sample(k, c, pm_check[k])
        check_busy = busy.finish()
        busy = Busy()
        for i in range(n, 0, -1):
            for impl in rotate(bench.impls, i):
                k = impl.key
                if k in unavailable:
                    continue
                netns = f"/run/netns/{containers[k][i - 1]}"
                bench.ns.enter(hosts[k])
                b = impl.call("portmap", "DEL", pm_conf(k, i, results[k][i]), f"p{i}", netns)
                a = impl.call("bridge", "DEL", confs[k], f"p{i}", netns)
                bench.ns.leave()
                b.check(f"{k} portmap DEL #{i}")
                a.check(f"{k} bridge DEL #{i} (portmap chain)")
                pm_del[k][i - 1], br_del[k][i - 1] = b.ns, a.ns
        del_busy = busy.finish()
    finally:
        bench.ns.leave()
        bench.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    chain = {k: [x + y if x is not None else None for x, y in zip(br[k], pm[k])] for k in pm}
    chain_del = {k: [x + y if x is not None else None for x, y in zip(br_del[k], pm_del[k])] for k in pm}
    bench.report.series["portmap_add_ns"] = pm
    note = f"ours unavailable: {unavailable['ours']}" if "ours" in unavailable else None
    bench.report.notes["portmap_backends"] = backends
    if note:
        bench.report.notes["portmap_ours_unavailable"] = unavailable["ours"]
    for k in (1, n):
        bench.report.add(add_row(k, n), at_k(pm["ours"], k), at_k(pm["ref"], k), busy=add_busy, note=note)
    bench.report.add(add_slope_row(n), stats([x for x in [slope_us(pm["ours"])] if x is not None]),
                     stats([slope_us(pm["ref"])]), busy=add_busy, note=note)
    bench.report.add(chain_add_row(n), at_k(chain["ours"], n), at_k(chain["ref"], n), busy=add_busy, note=note)
    bench.report.add(check_row(n), stats(ms(pm_check["ours"])), stats(ms(pm_check["ref"])), busy=check_busy,
                     note=note, failed=check_failed)
    bench.report.add(del_row(n), at_k(pm_del["ours"], n), at_k(pm_del["ref"], n), busy=del_busy, note=note)
    bench.report.add(chain_del_row(n), at_k(chain_del["ours"], n), at_k(chain_del["ref"], n), busy=del_busy,
                     note=note)
