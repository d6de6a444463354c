"""The registry's second_kernel plugins (ipvlan, vlan, vrf, dummy: kernel features this host may lack), measured
by perplugin.py in a second kernel: scripts/in-second-kernel boots Debian's user-mode Linux 6.1 with the host's /
as its root, scripts/in-private-netns makes a private host there, and bench.py --second-kernel-rows runs those
plugins' scenarios with the second-kernel container count (UML has one slow CPU) and writes their rows, which are
merged here with the kernel named in each title. Times in UML are comparable only with each other: the ratios are
what these rows say. The UML boot and run are not timed; a failure there stops the bench.
"""
import json
import os
import subprocess
import sys
import time

from ..procs import BenchError

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # scripts/bench.d
SCRIPTS = os.path.dirname(HERE)


def run(bench):
    plugins = bench.second_kernel_plugins()
    if not plugins:
        return
    out = os.path.join(bench.work, "second-kernel-rows.json")
    argv = [os.path.join(SCRIPTS, "in-second-kernel"), os.path.join(SCRIPTS, "in-private-netns"),
            sys.executable, os.path.join(HERE, "bench.py"), "--second-kernel-rows", out, "--plugins", ",".join(plugins),
            "--preset", bench.preset, "--ours", bench.ours.bindir, "--ref", bench.ref.bindir, "--peakrss", bench.peakrss]
    bench.log(f"second kernel (scripts/in-second-kernel): {', '.join(plugins)}, {bench.p['second']} containers each")
    # UML needs no network of ours; its output streams through (its rows' [bench] lines).
    started = time.monotonic()
    rc = subprocess.run(argv, stdin=subprocess.DEVNULL).returncode
    seconds = time.monotonic() - started
    if rc != 0 or not os.path.exists(out):
        raise BenchError(f"the second-kernel run of {', '.join(plugins)} exited {rc}"
                         + ("" if os.path.exists(out) else f" and wrote no {out}"))
    with open(out) as f:
        got = json.load(f)
    kernel = ".".join(got["kernel"].split(".")[:2])
    bench.log(f"second kernel: {seconds:.0f} s, {got['seconds']:.0f} s of it in bench.py there")
    for row in got["rows"]:
        row["title"] += f" (second kernel, UML {kernel})"
        row["second_kernel"] = got["kernel"]
        bench.report.rows.append(row)
    bench.report.notes["second_kernel"] = {"kernel": got["kernel"], "plugins": plugins, "containers": got["containers"],
                                           "seconds": round(got["seconds"], 1)}
