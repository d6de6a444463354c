"""The table, the plot, the machine description and the README section."""
import os
import platform
import statistics
import subprocess
import time

from .load import BUSY_OTHER_CPU, BUSY_STEAL
from .rows import ms

def fmt(value, unit):
    if value is None:
        return "n/a"
    if unit == "bytes":
        return f"{int(value):,}"
    if unit in ("KiB", "count"):
        return f"{value:,.0f}"
    if unit == "µs/container":
        return f"{value:.1f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(st, unit):
    if not st:
        return "n/a"
    if st["n"] == 1:
        return fmt(st["median"], unit)
    return f"{fmt(st['median'], unit)} ({fmt(st['min'], unit)}–{fmt(st['max'], unit)})"


def target_text(t):
    limit = f"{t['limit']:g}"
    text = {"ratio": f"≤ {limit}× ref", "floor": f"≤ {limit}× floor", "floor+": f"≤ floor + {limit}"}.get(
        t["kind"], f"≤ {limit}")
    return text + (" ✓" if t["met"] else " ✗" if t["met"] is False else "")


def side_cell(r, side):
    """A side's value; "no such plugin" where that implementation lacks it; "fails k/n" (and the value of the
    calls that worked, if any) where some of its calls failed (failure_lines says how)."""
    if side in r.get("absent", ()):
        return "n/a (no such plugin)"
    failed = r.get("failed", {}).get(side)
    if failed:
        text = f"fails {failed['count']}/{failed['of']}"
        return text + (f": {cell(r[side], r['unit'])}" if r[side] else "")
    return cell(r[side], r["unit"])


def markdown_table(rows):
    lines = ["| Measure | Unit | Ours: median (min–max) | Reference: median (min–max) | Ours/ref | Floor | Target |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        target = ", ".join(target_text(t) for t in r["targets"])
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        title = r["title"] + (" ⚠" if r["busy"] and r["busy"]["busy"] else "")
        floor = fmt(r["floor"]["median"], r["unit"]) if r["floor"] else ""
        lines.append(f"| {title} | {r['unit']} | {side_cell(r, 'ours')} | {side_cell(r, 'ref')} | "
                     f"{ratio} | {floor} | {target} |")
    return "\n".join(lines)


# Where the core plugins' ADD/CHECK/DEL rows live (the others' are <plugin>.add/.check/.del).
CORE_ROWS = {
    "bridge": ("fill.add@10", "bridge.check", "fill.del@10"),
    "host-local": ("hostlocal.add", "host-local.check", "hostlocal.del"),
    "loopback": ("loopback.add", "loopback.check", "loopback.del"),
    "portmap": ("portmap.add@", "portmap.check", "portmap.del@"),
}


def per_plugin_table(rows, plugins):
    """One line per plugin: ADD, CHECK and DEL (ours / reference, ms, and the ratio), peak RSS, size and VERSION ratios."""
    by_id = {r["id"]: r for r in rows}

    def find(rid):
        if rid.endswith("@"):  # portmap's rows are "at #N": the last N
            matches = [r for i, r in by_id.items() if i.startswith(rid) and not i.endswith(("@1", ".slope"))]
            return matches[-1] if matches else None
        return by_id.get(rid)

    def timing(r):
        if not r:
            return ""
        if r.get("failed", {}).get("ref"):
            return f"{fmt(r['ours']['median'], 'ms') if r['ours'] else 'n/a'} / fails"
        if "ref" in r.get("absent", ()) or not r["ref"]:
            return f"{fmt(r['ours']['median'], 'ms') if r['ours'] else 'n/a'} / —"
        return f"{fmt(r['ours']['median'], 'ms')} / {fmt(r['ref']['median'], 'ms')} ({r['ratio']:.2f}×)"

    def ratio(r):
        return f"{r['ratio']:.2f}×" if r and r["ratio"] is not None else "—"

    lines = ["| Plugin | ADD ms, ours / ref | CHECK ms | DEL ms | peak RSS | size | VERSION |", "|---|---|---|---|---|---|---|"]
    for plugin in plugins:
        add, check, delete = CORE_ROWS.get(plugin, (f"{plugin}.add", f"{plugin}.check", f"{plugin}.del"))
        if not any(find(rid) for rid in (add, check, delete, f"size.{plugin}")):
            continue
        second = any("(second kernel" in (find(rid) or {}).get("title", "") for rid in (add, delete))
        name = plugin + (" (second kernel)" if second else "")
        lines.append(f"| {name} | {timing(find(add))} | {timing(find(check))} | {timing(find(delete))} | "
                     f"{ratio(find('rss.' + plugin))} | {ratio(find('size.' + plugin))} | {ratio(find('version.' + plugin))} |")
    return "\n".join(lines)


def failure_lines(rows):
    """One line per row with failed calls: which side, how many, and what the first failure answered."""
    names = {"ours": "ours", "ref": "the reference"}
    out = []
    for r in rows:
        for side, f in r.get("failed", {}).items():
            out.append(f"> \"{r['title']}\": {names.get(side, side)} failed {f['count']} of {f['of']} calls; "
                       f"the first answered: `{' '.join(f['first'].split())[:300]}`")
    return out


def busy_lines(rows):
    """One line per measurement window that ran on a busy machine (rows of one scenario share a window)."""
    groups = {}
    for r in rows:
        b = r["busy"]
        if b and b["busy"]:
            groups.setdefault((b["seconds"], b["other_cpu"], b["steal"], tuple(b["loadavg"])), []).append(r["title"])
    out = []
    for (_, other, steal, load), titles in groups.items():
        shown = ", ".join(f"\"{t}\"" for t in titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")
        out.append(f"> ⚠ machine busy during {shown}: other processes used {other:.0%} of the CPUs, "
                   f"steal {steal:.0%}, loadavg {' '.join(load)}")
    return out


def rolling_median(values, width=9):
    out = []
    for i in range(len(values)):
        win = [v for v in values[max(0, i - width // 2):i + width // 2 + 1] if v is not None]
        out.append(statistics.median(win) if win else None)
    return out


def plot(series, png, work):
    data = os.path.join(work, "fill-add.dat")
    keys = ["ours", "ref", "floor"]
    raw = {k: ms(v if v is not None else 0 for v in series[k]) for k in keys}
    smooth = {k: rolling_median(raw[k]) for k in keys}
    with open(data, "w") as f:
        for i in range(len(raw["ours"])):
            f.write(f"{i + 1} " + " ".join(f"{raw[k][i]:.4f}" for k in keys) + " "
                    + " ".join(f"{smooth[k][i]:.4f}" for k in keys) + "\n")
    script = f"""
set terminal pngcairo size 960,560 font "DejaVu Sans,11"
set output "{png}"
set title "bridge + host-local ADD latency as one network fills (same machine, same run)"
set xlabel "container number (containers already on the network + 1)"
set ylabel "ADD latency, ms"
set key top left box opaque
set grid
set logscale y
plot "{data}" using 1:2 with points pt 7 ps 0.3 lc rgb "#9ecae1" notitle, \\
     "{data}" using 1:3 with points pt 7 ps 0.3 lc rgb "#fcae91" notitle, \\
     "{data}" using 1:4 with points pt 7 ps 0.3 lc rgb "#bdbdbd" notitle, \\
     "{data}" using 1:5 with lines lw 2 lc rgb "#08519c" title "ours (C# native AOT)", \\
     "{data}" using 1:6 with lines lw 2 lc rgb "#cb181d" title "reference (Go, containernetworking-plugins 1.1.1)", \\
     "{data}" using 1:7 with lines lw 2 lc rgb "#525252" title "floor: same kernel work by ip -batch"
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def machine():
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    mem_kb = int(first("/proc/meminfo", "MemTotal").split()[0])
    os_name = "unknown"
    try:
        with open("/etc/os-release") as f:
            os_name = next((line.split("=", 1)[1].strip().strip('"') for line in f if line.startswith("PRETTY_NAME")),
                           "unknown")
    except OSError:
        pass
    ref_version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "containernetworking-plugins"],
                                 capture_output=True, text=True).stdout.strip() or "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": first("/proc/cpuinfo", "model name"), "kernel": platform.release(),
            "memory_gib": round(mem_kb / 1024 / 1024, 1), "os": os_name, "reference_package": ref_version,
            "commit": commit or "unknown", "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def readme(meta, rows, png_rel, notes, analysis, command):
    m = meta["machine"]
    lines = [
        "## Performance",
        "",
        "Our plugins (C#, native AOT) and Debian's reference plugins (Go, containernetworking-plugins "
        f"{m['reference_package']}) measured in one run on the same machine, interleaved per iteration, in "
        "throwaway network namespaces, with config version 1.0.0 (the newest the reference speaks). Medians with "
        "min–max; *Ours/ref* below 1 means we are faster or smaller. *Floor* is the least any implementation can "
        "do: for VERSION start-up, exec of an empty NativeAOT program built with our settings (the limit the "
        ".NET runtime itself sets; the static C exec has its own row); for loopback one `ip link set lo` exec; "
        "for bridge the same kernel work done by `ip -batch` (veth into the container netns, master, up, "
        "address, default route: two `ip` execs, one per netns). Targets are issue #14's.",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, kernel {m['kernel']}, {m['memory_gib']} GiB RAM, {m['os']}; "
        f"commit {m['commit']}, {m['date']}, {meta.get('preset', 'quick' if meta['quick'] else 'full')} run "
        f"({meta['seconds']:.0f} s).",
        "",
        "**Per plugin** (every plugin in dist/bin; ratios are ours / the reference's, — where the reference lacks "
        "the plugin; bridge's ADD and DEL are the fill's \"at #10\", portmap's the last \"at #N\"; the rows "
        "below give min–max and targets):",
        "",
        per_plugin_table(rows, meta.get("plugins", [])),
        "",
        "**Every row**:",
        "",
        markdown_table(rows),
        "",
    ]
    lines += busy_lines(rows)
    if busy_lines(rows):
        lines.append("")
    lines += failure_lines(rows)
    if failure_lines(rows):
        lines.append("")
    backends = notes.get("portmap_backends", {})
    if backends:
        lines.append("portmap backends (each implementation's default): "
                     + "; ".join(f"{k}: {v}" for k, v in backends.items()) + ".")
    if "portmap_ours_unavailable" in notes:
        lines.append(f"Our portmap did not run: {notes['portmap_ours_unavailable']}")
    lines += [
        "",
        f"![bridge + host-local ADD latency vs containers on the network]({png_rel})",
        "",
        "Method: each call is one `posix_spawn` + `wait4` of the plugin as a runtime execs it (config on stdin, "
        "CNI_* in the environment), timed with a monotonic clock around spawn and reap; the driver enters the "
        "scenario's host netns with `setns` before the exec, outside the timed window. \"At #N\" is the median of "
        "containers N-4..N (just #1 for #1, which also creates the bridge); DEL \"with N present\" is measured "
        "while draining in reverse. Growth is the least-squares slope over the fill. Peak RSS is `wait4`'s "
        "`ru_maxrss` from separate runs forked by a tiny static helper (scripts/bench.d/peakrss.c): the largest "
        "single process of the tree (bridge or the host-local it execs), as GNU `time -v` reports. A row gets ⚠ when other processes used more than "
        f"{BUSY_OTHER_CPU:.0%} of the CPUs (from /proc/stat minus our own CPU time) or steal exceeded "
        f"{BUSY_STEAL:.0%} while it ran. Raw numbers: docs/bench/results.json. Each row, how it is measured and its "
        "target are defined once, in scripts/bench.d/cnibench/scenarios/ (one module per group). Every plugin in "
        "dist/bin has its rows, set up as a runtime would call it by its entry in scripts/bench.d/cnibench/plugins.py: "
        "a chained plugin after a bridge ADD with its result as prevResult, macvlan, ipvlan and vlan with a master "
        "in the host netns, host-device with a spare device per container, an IPAM plugin exec'd as its main "
        "plugin would, dhcp with each side's daemon against a dnsmasq on a LAN of the bench's own namespaces. "
        "A CHECK gets the container's ADD result as prevResult (cniVersion 1.0.0, as libcni sends it); a CHECK an "
        "implementation rejects is shown as *fails k/n*, with its answer below the table. A plugin the reference "
        "lacks shows *n/a (no such plugin)* and no ratio. Rows marked *(second kernel, UML 6.1)* were measured in "
        "Debian's user-mode Linux (scripts/in-second-kernel: one slow CPU) because this host's kernel lacks the "
        "plugin's link type (ipvlan, 8021q, vrf, dummy), with fewer containers: their times compare only with "
        "each other, their ratios with the host's.",
        "",
    ]
    if analysis:
        lines += [analysis.rstrip(), ""]
    return "\n".join(lines)


def write_readme(out, meta, rows, notes):
    analysis_path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "analysis.md")
    analysis = ""
    if os.path.exists(analysis_path) and not meta["quick"]:
        with open(analysis_path) as f:
            analysis = f.read()
    with open(os.path.join(out, "README-performance.md"), "w") as f:
        f.write(readme(meta, rows, "docs/bench/add-latency.png", notes, analysis, meta["command"]))
