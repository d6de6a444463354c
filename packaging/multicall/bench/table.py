#!/usr/bin/env python3
"""Markdown table of measure.py's results: median (min-max) per variant, and multi-call/separate median ratios."""
import json
import sys

doc = json.load(open(sys.argv[1]))
s, impls = doc["summary"], doc["impls"]
base, others = impls[0], impls[1:]
UNITS = {"ms": "ms", "minflt": "faults", "majflt": "faults", "rss": "KiB"}


def fmt(v, unit):
    if unit == "ms":
        return f"{v['median']:.2f} ({v['min']:.2f}-{v['max']:.2f})"
    return f"{v['median']:.0f} ({v['min']:.0f}-{v['max']:.0f})"


print("| row | unit | " + base + " | " + " | ".join(f"{k} | ratio" for k in others) + " |")
print("| --- | --- | --- |" + " --- | --- |" * len(others))
for row, per in s.items():
    if ".majflt." in row and all(v["max"] == 0 for v in per.values()):
        continue
    unit = next(u for k, u in UNITS.items() if f".{k}" in row)
    b = per[base]["median"]
    cells = [fmt(per[base], unit)]
    for k in others:
        cells += [fmt(per[k], unit), f"{per[k]['median'] / b:.2f}" if b else "-"] if k in per else ["", ""]
    print(f"| {row} | {unit} | " + " | ".join(cells) + " |")
