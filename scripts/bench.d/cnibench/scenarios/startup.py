"""VERSION start-up of every plugin (the reference's where it has it), with the two floors: a static C program and
an empty NativeAOT one."""
import json

from ..load import Busy
from ..procs import SPEC, rotate, run as spawn
from ..rows import FLOOR_RATIO, RATIO, Row, ms, stats

STATIC_C = Row("floor.static-c", "start-up floor: static C program", "ms")
EMPTY_AOT = Row("floor.empty-aot", "start-up floor: empty NativeAOT program (our build settings)", "ms")


def row(plugin):
    return Row(f"version.{plugin}", f"VERSION start-up: {plugin}", "ms", (RATIO, 0.9), (FLOOR_RATIO, 1.1))


def run(bench):
    n = bench.p["version"]
    plugins = bench.plugins()
    bench.log(f"VERSION start-up, {n} iterations x {len(plugins)} plugins x 2 + two floors")
    busy = Busy()
    lat = {(i.key, p): [] for p in plugins for i in bench.sides(p)}
    floors = {k: [] for k in bench.floors}
    conf = {"cniVersion": SPEC}
    stdin = json.dumps(conf).encode()
    for it in range(n):
        for plugin in plugins:
            for impl in rotate(bench.sides(plugin), it):
                s = impl.call(plugin, "VERSION", conf).check(f"{impl.key} {plugin} VERSION")
                lat[(impl.key, plugin)].append(s.ns)
        for key in rotate(sorted(bench.floors), it):
            floors[key].append(spawn([bench.floors[key]], stdin=stdin).check(key).ns)
    b = busy.finish()
    empty = stats(ms(floors["empty-aot"]))
    bench.report.add(STATIC_C, stats(ms(floors["static-c"])), None, busy=b)
    bench.report.add(EMPTY_AOT, empty, None, floor=stats(ms(floors["static-c"])), busy=b)
    for plugin in plugins:
        bench.report.add(row(plugin), stats(ms(lat[("ours", plugin)])), stats(ms(lat.get(("ref", plugin), []))),
                         floor=empty, busy=b, absent=[i.key for i in bench.impls if not i.has(plugin)])
