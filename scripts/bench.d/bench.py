#!/usr/bin/env python3
"""Side-by-side benchmark: our plugins against the reference plugins, in one run, interleaved.

Every timed call is one posix_spawn + wait4 of the plugin exactly as a runtime execs it (stdin from a
pipe, stdout/stderr to memory files, CNI_* in the environment). Network setup, netns switches and parsing
sit outside the timed window. Implementations alternate order every iteration so drift and noise from the
rest of the machine hit both alike. Only the Python standard library is used; the rows and how each is
measured live in cnibench/scenarios/, one module per group, and every plugin's setup in cnibench/plugins.py.

--second-kernel-rows OUT --plugins A,B is the run scenarios/second_kernel.py starts inside scripts/in-second-kernel:
it measures only those plugins' per-plugin rows and writes them to OUT for the host's run to merge.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cnibench.context import Bench  # noqa: E402
from cnibench.load import settle  # noqa: E402
from cnibench.output import busy_lines, machine, markdown_table, plot, write_readme  # noqa: E402
from cnibench.plugins import REGISTRY, UnknownPlugin  # noqa: E402
from cnibench.procs import SPEC, BenchError, Impl  # noqa: E402
from cnibench.scenarios import ORDER, SECOND_KERNEL_ORDER  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def build_helpers(work, empty_aot):
    """The static C floor and the peak-RSS wrapper, compiled fresh; the empty NativeAOT floor is prebuilt."""
    true_c = os.path.join(work, "true.c")
    with open(true_c, "w") as f:
        f.write("int main(void) { return 0; }\n")
    static_true = os.path.join(work, "true")
    subprocess.run(["gcc", "-static", "-O2", "-o", static_true, true_c], check=True)
    peakrss = os.path.join(work, "peakrss")
    subprocess.run(["gcc", "-static", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
    return {"static-c": static_true, "empty-aot": os.path.abspath(empty_aot)}, peakrss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny iteration counts (smoke test)")
    ap.add_argument("--medium", action="store_true",
                    help="fewer iterations than a full run (fill to 100, 40 start-ups per plugin), same rows")
    ap.add_argument("--out", default="docs/bench", help="output directory")
    ap.add_argument("--ours", default="dist/bin")
    ap.add_argument("--ref", default="/usr/lib/cni")
    ap.add_argument("--empty-aot", default=".artifacts/bench/empty-aot",
                    help="the empty NativeAOT program (scripts/bench.d/build-empty)")
    ap.add_argument("--report-only", action="store_true",
                    help="re-render README-performance.md from OUT/results.json (after editing analysis.md)")
    ap.add_argument("--second-kernel-rows", metavar="OUT",
                    help="(inside scripts/in-second-kernel) measure only --plugins' per-plugin rows, write them to OUT")
    ap.add_argument("--plugins", default="", help="with --second-kernel-rows: the plugins, comma-separated")
    ap.add_argument("--preset", choices=("quick", "medium", "full"), help="with --second-kernel-rows: the host run's")
    ap.add_argument("--peakrss", help="with --second-kernel-rows: the host run's peakrss helper")
    args = ap.parse_args()
    if args.report_only:
        with open(os.path.join(args.out, "results.json")) as f:
            result = json.load(f)
        write_readme(args.out, result["meta"], result["rows"], result["notes"])
        return
    if os.environ.get("CNI_PRIVATE_HOST") != "1":
        sys.exit("bench.py: run inside scripts/in-private-netns")
    try:
        if args.second_kernel_rows:
            second_kernel_rows(args)
        else:
            bench_run(args)
    except (BenchError, UnknownPlugin) as e:
        sys.exit(f"bench.py: {e}")


def impls(args):
    return [Impl("ours", "ours", os.path.abspath(args.ours)), Impl("ref", "reference", os.path.abspath(args.ref))]


def second_kernel_rows(args):
    """The second kernel's part of a run: the per-plugin rows of --plugins, written to OUT as JSON."""
    started = time.monotonic()
    plugins = [p for p in args.plugins.split(",") if p]
    wrong = [p for p in plugins if p not in REGISTRY or not REGISTRY[p].second_kernel]
    if not plugins or wrong or not args.preset or not args.peakrss:
        sys.exit(f"bench.py --second-kernel-rows: needs --preset, --peakrss and --plugins of the registry's "
                 f"second_kernel plugins (not {', '.join(wrong) or 'none'})")
    work = tempfile.mkdtemp(prefix="cni-bench-")
    try:
        bench = Bench(args.preset, impls(args), {}, os.path.abspath(args.peakrss), work, second_kernel=plugins)
        for scenario in SECOND_KERNEL_ORDER:
            scenario.run(bench)
        with open(args.second_kernel_rows, "w") as f:
            json.dump({"kernel": platform.release(), "containers": bench.containers(), "rows": bench.report.rows,
                       "notes": bench.report.notes, "seconds": time.monotonic() - started}, f, ensure_ascii=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_run(args):
    started = time.monotonic()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cni-bench-")
    try:
        floors, peakrss = build_helpers(work, args.empty_aot)
        preset = "quick" if args.quick else "medium" if args.medium else "full"
        bench = Bench(preset, impls(args), floors, peakrss, work)
        for scenario in ORDER:
            settle(2.0 if args.quick else 8.0)
            scenario.run(bench)
        report = bench.report
        png = os.path.join(args.out, "add-latency.png")
        plot(report.series["fill_add_ns"], os.path.abspath(png), work)
        command = {"full": "make bench", "medium": "make bench BENCH_ARGS=--medium",
                   "quick": "scripts/in-private-netns scripts/bench --quick"}[preset]
        meta = {"quick": args.quick, "preset": preset, "seconds": time.monotonic() - started, "machine": machine(),
                "spec_version": SPEC, "iterations": bench.p, "ours": args.ours, "reference": args.ref,
                "plugins": bench.plugins(), "command": command}
        result = {"meta": meta, "rows": report.rows, "notes": report.notes, "series": report.series}
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
        write_readme(args.out, meta, report.rows, report.notes)
        print(markdown_table(report.rows))
        for line in busy_lines(report.rows):
            print(line)
        print(f"[bench] wrote {args.out}/results.json, add-latency.png, README-performance.md "
              f"in {meta['seconds']:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
