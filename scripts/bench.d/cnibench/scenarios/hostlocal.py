"""host-local ADD/DEL alone (no bridge), in a fresh store that keeps growing."""
from ..context import bridge_conf
from ..load import Busy
from ..procs import rotate
from ..rows import RATIO, Row, ms, stats

ADD = Row("hostlocal.add", "host-local ADD (alone)", "ms")
DEL = Row("hostlocal.del", "host-local DEL (alone)", "ms", (RATIO, 0.5))


def run(bench):
    n = bench.p["hostlocal"]
    bench.log(f"host-local ADD/DEL alone, {n} iterations")
    bench.ns.add(["bhl"])
    busy = Busy()
    add = {i.key: [] for i in bench.impls}
    dele = {i.key: [] for i in bench.impls}
    confs = {i.key: bridge_conf(f"bench-hl-{i.key}", "unused0", "10.40.0.0/16", bench.data_dir(f"hl-{i.key}"))
             for i in bench.impls}
    try:
        for it in range(n):
            for command, sink in (("ADD", add), ("DEL", dele)):
                for impl in rotate(bench.impls, it):
                    s = impl.call("host-local", command, confs[impl.key], f"hl-{it}", "/run/netns/bhl") \
                        .check(f"{impl.key} host-local {command}")
                    sink[impl.key].append(s.ns)
    finally:
        bench.ns.delete(["bhl"])
    b = busy.finish()
    bench.report.add(ADD, stats(ms(add["ours"])), stats(ms(add["ref"])), busy=b)
    bench.report.add(DEL, stats(ms(dele["ours"])), stats(ms(dele["ref"])), busy=b)
