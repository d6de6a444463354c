"""loopback ADD/DEL; floor: one `ip link set lo up|down` exec."""
from ..load import Busy
from ..netns import IP
from ..procs import SPEC, rotate, run as spawn
from ..rows import RATIO, Row, ms, stats

ADD = Row("loopback.add", "loopback ADD", "ms", note="floor: one `ip link set lo up` exec")
DEL = Row("loopback.del", "loopback DEL", "ms", (RATIO, 0.5))


def run(bench):
    n = bench.p["loopback"]
    bench.log(f"loopback ADD/DEL, {n} iterations")
    names = {"ours": "bl-ours", "ref": "bl-ref", "floor": "bl-floor"}
    bench.ns.add(names.values())
    busy = Busy()
    add = {k: [] for k in names}
    dele = {k: [] for k in names}
    conf = {"cniVersion": SPEC, "name": "bench-lo", "type": "loopback"}
    try:
        for it in range(n):
            for command, sink in (("ADD", add), ("DEL", dele)):
                for who in rotate(["ours", "ref", "floor"], it):
                    if who == "floor":
                        bench.ns.enter(names["floor"])
                        s = spawn([IP, "link", "set", "lo", "up" if command == "ADD" else "down"]).check("ip")
                        bench.ns.leave()
                    else:
                        impl = bench.ours if who == "ours" else bench.ref
                        s = impl.call("loopback", command, conf, f"lo-{it}", f"/run/netns/{names[who]}",
                                      "lo").check(f"{who} loopback {command}")
                    sink[who].append(s.ns)
    finally:
        bench.ns.delete(names.values())
    b = busy.finish()
    bench.report.add(ADD, stats(ms(add["ours"])), stats(ms(add["ref"])), floor=stats(ms(add["floor"])), busy=b)
    bench.report.add(DEL, stats(ms(dele["ours"])), stats(ms(dele["ref"])), floor=stats(ms(dele["floor"])), busy=b)
