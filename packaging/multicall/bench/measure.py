#!/usr/bin/env python3
"""Separate plugin binaries vs the multi-call binary (through hard links and through symlinks), interleaved.

Usage (inside scripts/in-private-netns: the ADD rows create namespaces and interfaces):
    measure.py --impl sep=DIR --impl hard=DIR --impl sym=DIR [--impl KEY=DIR ...] --peakrss /tmp/peakrss \
        --out results.json [--n 200] [--rss 100] [--add 100]

Each DIR is a CNI_PATH; the first --impl is the baseline the table's ratios divide by. A plugin missing from a
DIR is skipped for that variant (bridge ADD needs bridge and host-local). Every iteration runs every variant once, the order rotating
(cnibench.procs.rotate), so drift and the other engineer's load hit all variants alike. Timing is posix_spawn to
wait4 (cnibench.procs.Running); the page faults are the same wait4's rusage (ru_minflt, ru_majflt). Peak RSS
comes from separate runs under peakrss (scripts/bench.d/peakrss.c), as scripts/bench.d/cnibench/scenarios/rss.py.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/bench.d"))
from cnibench.netns import Namespaces  # noqa: E402
from cnibench.procs import PATH_ENV, SPEC, Impl, Running, Sample, rotate  # noqa: E402

VERSION_PLUGINS = ["loopback", "bridge", "host-local", "portmap", "tuning", "dhcp", "firewall", "static"]


class Timed(Running):
    """Running, keeping wait4's rusage too."""

    def wait(self):
        _, status, ru = os.wait4(self.pid, 0)
        ns = time.perf_counter_ns() - self.t0
        out, err = os.pread(self.out, 1 << 20, 0), os.pread(self.err, 1 << 20, 0)
        os.close(self.out)
        os.close(self.err)
        s = Sample(ns, os.waitstatus_to_exitcode(status), out, err)
        s.minflt, s.majflt = ru.ru_minflt, ru.ru_majflt
        return s


def call(impl, plugin, command, conf, container="", netns="", ifname="eth0", wrap=()):
    env = {"PATH": PATH_ENV, "CNI_COMMAND": command, "CNI_PATH": impl.bindir}
    if command != "VERSION":
        env.update(CNI_CONTAINERID=container, CNI_NETNS=netns, CNI_IFNAME=ifname)
    s = Timed(list(wrap) + [os.path.join(impl.bindir, plugin)], env, json.dumps(conf).encode()).wait()
    if s.rc != 0:
        raise SystemExit(f"{impl.key} {plugin} {command} exited {s.rc}: {s.text()[:600]}")
    return s


class Results:
    def __init__(self):
        self.v = {}

    def add(self, row, impl, value):
        self.v.setdefault(row, {}).setdefault(impl.key, []).append(value)

    def summary(self):
        out = {}
        for row, per in self.v.items():
            out[row] = {k: {"median": statistics.median(vs), "min": min(vs), "max": max(vs), "n": len(vs)}
                        for k, vs in per.items()}
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", action="append", required=True, metavar="KEY=DIR")
    ap.add_argument("--peakrss", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=200, help="VERSION start-up iterations per plugin")
    ap.add_argument("--rss", type=int, default=100, help="peak-RSS iterations per plugin")
    ap.add_argument("--add", type=int, default=100, help="loopback and bridge ADD+DEL iterations")
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    if os.environ.get("CNI_PRIVATE_HOST") != "1":
        raise SystemExit("run me inside scripts/in-private-netns")

    impls = [Impl(k, k, d) for k, d in (spec.split("=", 1) for spec in a.impl)]
    r = Results()
    work = tempfile.mkdtemp(prefix="mc-measure-")
    rssfile = os.path.join(work, "rss.txt")
    wrap = (a.peakrss, rssfile)
    ver = {"cniVersion": SPEC}

    def peak():
        with open(rssfile) as f:
            return int(f.read())

    # Warm-up: page cache and dentry cache for every binary and link, results thrown away.
    for _ in range(a.warmup):
        for p in VERSION_PLUGINS:
            for impl in impls:
                if impl.has(p):
                    call(impl, p, "VERSION", ver)

    print(f"VERSION start-up: {a.n} iterations x {len(VERSION_PLUGINS)} plugins x {len(impls)}", flush=True)
    for it in range(a.n):
        for p in rotate(VERSION_PLUGINS, it):
            for impl in [i for i in rotate(impls, it) if i.has(p)]:
                s = call(impl, p, "VERSION", ver)
                r.add(f"version.ms.{p}", impl, s.ns / 1e6)
                r.add(f"version.minflt.{p}", impl, s.minflt)
                r.add(f"version.majflt.{p}", impl, s.majflt)

    print(f"VERSION peak RSS: {a.rss} iterations", flush=True)
    for it in range(a.rss):
        for p in rotate(VERSION_PLUGINS, it):
            for impl in [i for i in rotate(impls, it) if i.has(p)]:
                call(impl, p, "VERSION", ver, wrap=wrap)
                r.add(f"version.rss.{p}", impl, peak())

    print(f"loopback and bridge ADD+DEL: {a.add} iterations", flush=True)
    ns = Namespaces()
    lo = {"cniVersion": SPEC, "name": "mc-lo", "type": "loopback"}
    try:
        for it in range(a.add):
            host, cont = f"mch{it}", f"mcc{it}"
            ns.add([host, cont])
            netns = f"/run/netns/{cont}"
            try:
                for impl in [i for i in rotate(impls, it) if i.has("loopback")]:
                    s = call(impl, "loopback", "ADD", lo, "mc", netns, "lo")
                    r.add("loopback.add.ms", impl, s.ns / 1e6)
                    r.add("loopback.add.minflt", impl, s.minflt)
                    call(impl, "loopback", "DEL", lo, "mc", netns, "lo")
                    call(impl, "loopback", "ADD", lo, "mc", netns, "lo", wrap=wrap)
                    r.add("loopback.add.rss", impl, peak())
                    call(impl, "loopback", "DEL", lo, "mc", netns, "lo")
                ns.enter(host)
                for impl in [i for i in rotate(impls, it) if i.has("bridge") and i.has("host-local")]:
                    conf = {"cniVersion": SPEC, "name": f"mc-br-{impl.key}", "type": "bridge", "bridge": "mcbr0",
                            "isGateway": True, "ipam": {"type": "host-local", "subnet": "10.91.0.0/16",
                                                        "dataDir": os.path.join(work, f"ipam-{impl.key}-{it}")}}
                    s = call(impl, "bridge", "ADD", conf, f"mc-{impl.key}", netns)
                    r.add("bridge.add.ms", impl, s.ns / 1e6)
                    s = call(impl, "bridge", "DEL", conf, f"mc-{impl.key}", netns)
                    r.add("bridge.del.ms", impl, s.ns / 1e6)
                    # peakrss: the largest single process of the tree (bridge or the host-local it execs).
                    call(impl, "bridge", "ADD", conf, f"mc-{impl.key}", netns, wrap=wrap)
                    r.add("bridge.add.rss", impl, peak())
                    call(impl, "bridge", "DEL", conf, f"mc-{impl.key}", netns)
            finally:
                ns.leave()
                ns.delete([host, cont])
    finally:
        shutil.rmtree(work, ignore_errors=True)

    with open(a.out, "w") as f:
        json.dump({"impls": [i.key for i in impls], "summary": r.summary(), "raw": r.v}, f)
    print(f"wrote {a.out}", flush=True)


if __name__ == "__main__":
    main()
