"""loopback ADD, CHECK (with the ADD's result as prevResult) and DEL; floor: one `ip link set lo up|down` exec."""
import json

from ..load import Busy
from ..netns import IP
from ..procs import SPEC, rotate, run as spawn
from ..rows import RATIO, Failures, Row, ms, stats

ADD = Row("loopback.add", "loopback ADD", "ms", note="floor: one `ip link set lo up` exec")
CHECK = Row("loopback.check", "loopback CHECK", "ms")
DEL = Row("loopback.del", "loopback DEL", "ms", (RATIO, 0.5))


def run(bench):
    n = bench.p["loopback"]
    bench.log(f"loopback ADD/CHECK/DEL, {n} iterations")
    names = {"ours": "bl-ours", "ref": "bl-ref", "floor": "bl-floor"}
    bench.ns.add(names.values())
    busy = Busy()
    add = {k: [] for k in names}
    dele = {k: [] for k in names}
    check = {i.key: [] for i in bench.impls}
    added = {}
    check_failed = Failures(n)
    conf = {"cniVersion": SPEC, "name": "bench-lo", "type": "loopback"}
    try:
        for it in range(n):
            for command, sink in (("ADD", add), ("CHECK", check), ("DEL", dele)):
                for who in rotate(["ours", "ref", "floor"] if command != "CHECK" else ["ours", "ref"], it):
                    if who == "floor":
                        bench.ns.enter(names["floor"])
                        s = spawn([IP, "link", "set", "lo", "up" if command == "ADD" else "down"]).check("ip")
                        bench.ns.leave()
                    else:
                        impl = bench.ours if who == "ours" else bench.ref
                        c = {**conf, "prevResult": added[who]} if command == "CHECK" else conf
                        s = impl.call("loopback", command, c, f"lo-{it}", f"/run/netns/{names[who]}", "lo")
                        if command == "CHECK":
                            check_failed.sample(who, s, check[who])
                            continue
                        s.check(f"{who} loopback {command}")
                        if command == "ADD":
                            added[who] = json.loads(s.out)
                    sink[who].append(s.ns)
    finally:
        bench.ns.delete(names.values())
    b = busy.finish()
    bench.report.add(ADD, stats(ms(add["ours"])), stats(ms(add["ref"])), floor=stats(ms(add["floor"])), busy=b)
    bench.report.add(CHECK, stats(ms(check["ours"])), stats(ms(check["ref"])), busy=b, failed=check_failed)
    bench.report.add(DEL, stats(ms(dele["ours"])), stats(ms(dele["ref"])), floor=stats(ms(dele["floor"])), busy=b)
