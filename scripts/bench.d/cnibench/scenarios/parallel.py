"""N bridge ADDs started at once (then N DELs), each round in a fresh host netns and store."""
import json
import time

from ..context import bridge_conf
from ..load import Busy
from ..procs import rotate
from ..rows import ABS, RATIO, Row, ms, stats


def rows(n):
    return {
        "add": Row("parallel.add", f"{n} parallel bridge ADDs, wall time", "ms", (RATIO, 0.4)),
        "add.failures": Row("parallel.add.failures", f"{n} parallel ADDs: failures per round", "count", (ABS, 0)),
        "add.unique": Row("parallel.add.unique", f"{n} parallel ADDs: unique addresses per round", "count"),
        "del": Row("parallel.del", f"{n} parallel bridge DELs, wall time", "ms", (RATIO, 0.5)),
        "del.failures": Row("parallel.del.failures", f"{n} parallel DELs: failures per round", "count", (ABS, 0)),
    }


def run(bench):
    n, rounds = bench.p["parallel"], bench.p["rounds"]
    bench.log(f"{n} parallel ADDs then DELs, {rounds} round(s) per implementation")
    keys = [i.key for i in bench.impls]
    wall = {c: {k: [] for k in keys} for c in ("ADD", "DEL")}
    fails = {c: {k: [] for k in keys} for c in ("ADD", "DEL")}
    unique = {k: [] for k in keys}
    busy = Busy()
    for r in range(rounds):
        for impl in rotate(bench.impls, r):
            k = impl.key
            host = f"bq-{k}-{r}"
            containers = [f"cq-{k}-{r}-{j}" for j in range(n)]
            bench.ns.add([host] + containers)
            conf = bridge_conf(f"bench-par-{k}", "cnibench2", "10.70.0.0/16", bench.data_dir(f"par-{k}-{r}"))
            try:
                bench.ns.enter(host)
                for command in ("ADD", "DEL"):
                    t0 = time.perf_counter_ns()
                    running = [impl.cni("bridge", command, conf, f"q{j}", f"/run/netns/{c}")
                               for j, c in enumerate(containers)]
                    done = [x.wait() for x in running]
                    wall[command][k].append(time.perf_counter_ns() - t0)
                    fails[command][k].append(sum(1 for d in done if d.rc != 0))
                    if command == "ADD":
                        addrs = {ip["address"] for d in done if d.rc == 0 for ip in json.loads(d.out).get("ips", [])}
                        unique[k].append(len(addrs))
            finally:
                bench.ns.leave()
                bench.ns.delete([host] + containers)
    b = busy.finish()
    row = rows(n)
    bench.report.add(row["add"], stats(ms(wall["ADD"]["ours"])), stats(ms(wall["ADD"]["ref"])), busy=b)
    bench.report.add(row["add.failures"], stats(fails["ADD"]["ours"]), stats(fails["ADD"]["ref"]), busy=b)
    bench.report.add(row["add.unique"], stats(unique["ours"]), stats(unique["ref"]), busy=b)
    bench.report.add(row["del"], stats(ms(wall["DEL"]["ours"])), stats(ms(wall["DEL"]["ref"])), busy=b)
    bench.report.add(row["del.failures"], stats(fails["DEL"]["ours"]), stats(fails["DEL"]["ref"]), busy=b)
