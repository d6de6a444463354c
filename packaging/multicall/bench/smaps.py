#!/usr/bin/env python3
"""Where the RSS is: a plugin started for ADD blocks reading its config from stdin right after start-up; its
/proc/PID/smaps_rollup at that point splits the resident set into file-backed (clean, shared through the page cache
with every other process running that binary) and anonymous/dirty (private to the process).
The config never comes (stdin is closed empty), so the plugin exits with a parse error having touched nothing; it
still runs inside scripts/in-private-netns, with a CNI_NETNS that does not exist, to be sure.
Usage: scripts/in-private-netns smaps.py ROUNDS PATH... (each PATH a plugin binary or link; rounds interleave
them; medians printed)."""
import os
import statistics
import subprocess
import sys
import time

if os.environ.get("CNI_PRIVATE_HOST") != "1":
    raise SystemExit("run me inside scripts/in-private-netns")
rounds, paths = int(sys.argv[1]), sys.argv[2:]
KEYS = ["Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty", "Anonymous"]
vals = {p: {k: [] for k in KEYS} for p in paths}
for it in range(rounds):
    for p in paths[it % len(paths):] + paths[:it % len(paths)]:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "x",
               "CNI_NETNS": "/nonexistent/netns", "CNI_IFNAME": "eth9", "CNI_PATH": os.path.dirname(p)}
        proc = subprocess.Popen([p], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(0.25)
        with open(f"/proc/{proc.pid}/smaps_rollup") as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in KEYS:
                    vals[p][k].append(int(rest.split()[0]))
        proc.stdin.close()  # empty config: the plugin fails to parse it and exits, having done nothing
        proc.wait()
print("| binary | " + " | ".join(f"{k} KiB" for k in KEYS) + " |")
print("| --- |" + " --- |" * len(KEYS))
for p in paths:
    print(f"| {p} | " + " | ".join(f"{statistics.median(vals[p][k]):.0f}" for k in KEYS) + " |")
