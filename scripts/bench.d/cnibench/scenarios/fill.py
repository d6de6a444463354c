"""bridge + host-local as one network fills to N containers, then drains; floor: the same kernel work by ip.

Between the fill and the drain, each container's CHECK (with its ADD's result as prevResult) with all N present.
"""
import ipaddress
import json

from ..context import bridge_conf
from ..load import Busy
from ..netns import IP
from ..procs import rotate, run as spawn
from ..rows import FLOOR_PLUS, RATIO, Failures, Row, checkpoints, ms, slope_us, stats, window


def add_row(k):
    return Row(f"fill.add@{k}", f"bridge+host-local ADD at #{k}", "ms", *([(RATIO, 0.3)] if k == 10 else []))


def check_row(n):
    return Row("bridge.check", f"bridge+host-local CHECK with {n} present", "ms")


def del_row(k):
    return Row(f"fill.del@{k}", f"bridge+host-local DEL with {k} present", "ms", (RATIO, 0.5))


def add_slope_row(n):
    return Row("fill.add.slope", f"bridge+host-local ADD growth over #2..#{n}", "µs/container", (FLOOR_PLUS, 5.0))


def del_slope_row(n):
    return Row("fill.del.slope", f"bridge+host-local DEL growth over #2..#{n}", "µs/container")


def floor_add(bench, host, container, index, subnet):
    net = ipaddress.ip_network(subnet)
    addr = net.network_address + index + 1
    gateway = net.network_address + 1
    bench.ns.enter(host)
    first = spawn([IP, "-batch", "-"], stdin=(f"link add vf{index} type veth peer name eth0 netns {container}\n"
                                              f"link set vf{index} master br0 up\n").encode()).check("ip host")
    bench.ns.enter(container)
    second = spawn([IP, "-batch", "-"], stdin=(f"addr add {addr}/{net.prefixlen} dev eth0\n"
                                               f"link set eth0 up\n"
                                               f"route add default via {gateway} dev eth0\n").encode()) \
        .check("ip container")
    bench.ns.leave()
    return first.ns + second.ns


def floor_del(bench, container):
    bench.ns.enter(container)
    s = spawn([IP, "link", "del", "eth0"]).check("ip del")
    bench.ns.leave()
    return s.ns


def run(bench):
    n = bench.p["fill"]
    bench.log(f"bridge + host-local: one network fills to {n} containers, then drains")
    hosts = {"ours": "bf-ours", "ref": "bf-ref", "floor": "bf-floor"}
    subnets = {"ours": "10.10.0.0/16", "ref": "10.20.0.0/16", "floor": "10.30.0.0/16"}
    containers = {k: [f"cf-{k}-{i}" for i in range(1, n + 1)] for k in hosts}
    bench.ns.add(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    spawn([IP, "-n", "bf-floor", "-batch", "-"],
          stdin=b"link add br0 type bridge\naddr add 10.30.0.1/16 dev br0\nlink set br0 up\n").check("ip floor bridge")
    confs = {i.key: bridge_conf(f"bench-fill-{i.key}", "cnibench0", subnets[i.key], bench.data_dir(f"fill-{i.key}"))
             for i in bench.impls}
    add = {k: [None] * n for k in hosts}
    dele = {k: [None] * n for k in hosts}
    check = {i.key: [] for i in bench.impls}
    results = {i.key: {} for i in bench.impls}
    check_failed = Failures(n)

    def bridge(who, command, i):
        impl = bench.ours if who == "ours" else bench.ref
        conf = {**confs[who], "prevResult": results[who][i]} if command == "CHECK" else confs[who]
        bench.ns.enter(hosts[who])
        s = impl.call("bridge", command, conf, f"c{i}", f"/run/netns/{containers[who][i - 1]}")
        bench.ns.leave()
        if command == "CHECK":
            return s
        s.check(f"{who} bridge {command} #{i}")
        if command == "ADD":
            results[who][i] = json.loads(s.out)
        return s.ns

    busy = Busy()
    try:
        for i in range(1, n + 1):
            for who in rotate(["ours", "ref", "floor"], i):
                add[who][i - 1] = (floor_add(bench, hosts[who], containers[who][i - 1], i, subnets[who])
                                   if who == "floor" else bridge(who, "ADD", i))
        add_busy = busy.finish()
        busy = Busy()
        for i in range(1, n + 1):
            for impl in rotate(bench.impls, i):
                check_failed.sample(impl.key, bridge(impl.key, "CHECK", i), check[impl.key])
        check_busy = busy.finish()
        busy = Busy()
        for i in range(n, 0, -1):
            for who in rotate(["ours", "ref", "floor"], i):
                dele[who][i - 1] = floor_del(bench, containers[who][i - 1]) if who == "floor" else bridge(who, "DEL", i)
        del_busy = busy.finish()
    finally:
        bench.ns.leave()
        bench.ns.delete(list(hosts.values()) + [c for cs in containers.values() for c in cs])
    bench.report.series["fill_add_ns"] = add
    bench.report.series["fill_del_ns"] = dele

    def at(series, k):
        return {who: stats(ms(window(series[who], k))) for who in hosts}

    for k in checkpoints(n):
        a = at(add, k)
        bench.report.add(add_row(k), a["ours"], a["ref"], floor=a["floor"], busy=add_busy)
    bench.report.add(add_slope_row(n), stats([slope_us(add["ours"])]), stats([slope_us(add["ref"])]),
                     floor=stats([slope_us(add["floor"])]), busy=add_busy)
    bench.report.add(check_row(n), stats(ms(check["ours"])), stats(ms(check["ref"])), busy=check_busy,
                     failed=check_failed)
    for k in checkpoints(n):
        d = at(dele, k)
        bench.report.add(del_row(k), d["ours"], d["ref"], floor=d["floor"], busy=del_busy)
    bench.report.add(del_slope_row(n), stats([slope_us(dele["ours"])]), stats([slope_us(dele["ref"])]),
                     floor=stats([slope_us(dele["floor"])]), busy=del_busy)
