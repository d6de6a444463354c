"""host-local ADD, CHECK (with the ADD's result as prevResult) and DEL alone (no bridge), in a fresh store
that keeps growing."""
import json

from ..context import bridge_conf
from ..load import Busy
from ..procs import rotate
from ..rows import RATIO, Failures, Row, ms, stats

ADD = Row("hostlocal.add", "host-local ADD (alone)", "ms")
CHECK = Row("host-local.check", "host-local CHECK (alone)", "ms")
DEL = Row("hostlocal.del", "host-local DEL (alone)", "ms", (RATIO, 0.5))


def run(bench):
    n = bench.p["hostlocal"]
    bench.log(f"host-local ADD/CHECK/DEL alone, {n} iterations")
    bench.ns.add(["bhl"])
    busy = Busy()
    add = {i.key: [] for i in bench.impls}
    check = {i.key: [] for i in bench.impls}
    dele = {i.key: [] for i in bench.impls}
    added = {}
    check_failed = Failures(n)
    confs = {i.key: bridge_conf(f"bench-hl-{i.key}", "unused0", "10.40.0.0/16", bench.data_dir(f"hl-{i.key}"))
             for i in bench.impls}
    try:
        for it in range(n):
            for command, sink in (("ADD", add), ("CHECK", check), ("DEL", dele)):
                for impl in rotate(bench.impls, it):
                    c = confs[impl.key]
                    if command == "CHECK":
                        c = {**c, "prevResult": added[impl.key]}
                    s = impl.call("host-local", command, c, f"hl-{it}", "/run/netns/bhl")
                    if command == "CHECK":
                        check_failed.sample(impl.key, s, check[impl.key])
                        continue
                    sink[impl.key].append(s.check(f"{impl.key} host-local {command}").ns)
                    if command == "ADD":
                        added[impl.key] = json.loads(s.out)
    finally:
        bench.ns.delete(["bhl"])
    b = busy.finish()
    bench.report.add(ADD, stats(ms(add["ours"])), stats(ms(add["ref"])), busy=b)
    bench.report.add(CHECK, stats(ms(check["ours"])), stats(ms(check["ref"])), busy=b, failed=check_failed)
    bench.report.add(DEL, stats(ms(dele["ours"])), stats(ms(dele["ref"])), busy=b)
