"""Statistics, row definitions and the report they fill.

A Row is defined once, in the scenario module that measures it: id, title, unit and targets. Targets are
what issue #14 asks of the code, checked here and shown in the table; they are never test assertions.
"""
import statistics


def stats(values):
    values = list(values)
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def ms(samples_ns):
    return [v / 1e6 for v in samples_ns]


def slope_us(series_ns, first=2):
    """Least-squares growth of latency (µs) per container already present, over containers first..N."""
    pts = [(i, v / 1e3) for i, v in enumerate(series_ns, start=1) if i >= first and v is not None]
    if len(pts) < 3:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def window(series_ns, k, width=5):
    """Samples for 'at #k': containers max(1, k-width+1)..k (only #1 itself for k = 1)."""
    lo = 1 if k == 1 else max(2, k - width + 1)
    return [v for v in series_ns[lo - 1:k] if v is not None]


def checkpoints(n):
    return sorted({k for k in (1, 10, 100, 500) if k <= n} | {n})


def at_k(series_ns, k):
    return stats(ms(window(series_ns, k))) if any(v is not None for v in series_ns) else None


# Target kinds: ours/ref ≤ x; ours/floor ≤ x; ours ≤ floor + x; ours ≤ x.
RATIO, FLOOR_RATIO, FLOOR_PLUS, ABS = "ratio", "floor", "floor+", "abs"


class Row:
    def __init__(self, rid, title, unit, *targets, note=None):
        self.id, self.title, self.unit, self.targets, self.note = rid, title, unit, list(targets), note


def _met(kind, limit, ours, ref, floor, ratio):
    if ours is None or ours.get("median") is None:
        return None
    value = ours["median"]
    if kind == RATIO:
        return None if ratio is None else ratio <= limit
    if kind == FLOOR_RATIO:
        return None if not floor or not floor["median"] else value / floor["median"] <= limit
    if kind == FLOOR_PLUS:
        return None if not floor or floor["median"] is None else value <= floor["median"] + limit
    return value <= limit


class Report:
    def __init__(self):
        self.rows = []
        self.series = {}
        self.notes = {}

    def add(self, row, ours, ref, floor=None, busy=None, note=None, absent=(), failed=None):
        """absent: the sides that lack the plugin (the reference has no tap): their value is None, and targets
        against the reference are dropped. failed: side -> what its calls answered when some failed (a CHECK the
        implementation rejects); its value is from the calls that succeeded, if any."""
        ratio = None
        if ours and ref and ref["median"] and row.unit not in ("µs/container", "count"):
            ratio = ours["median"] / ref["median"]
        targets = [{"kind": kind, "limit": limit, "met": _met(kind, limit, ours, ref, floor, ratio)}
                   for kind, limit in row.targets if not (absent and kind == RATIO)]
        verdicts = [t["met"] for t in targets]
        met = None if not targets or None in verdicts else all(verdicts)
        self.rows.append({"id": row.id, "title": row.title, "unit": row.unit, "ours": ours, "ref": ref,
                          "floor": floor, "ratio": ratio, "targets": targets, "met": met, "busy": busy,
                          "note": note or row.note, "absent": list(absent), "failed": failed or {}})


class Failures(dict):
    """Calls that may fail without stopping the bench (a CHECK one implementation rejects): per side, how many
    of how many failed and what the first failure answered; Report.add(failed=...) puts them on the row."""

    def __init__(self, of):
        super().__init__()
        self.of = of

    def sample(self, key, s, sink):
        """A timed call: its time goes to sink when it succeeded, else it is counted here."""
        if s.rc == 0:
            sink.append(s.ns)
            return True
        f = self.setdefault(key, {"count": 0, "of": self.of, "first": f"exit {s.rc}: {s.text()[:600]}"})
        f["count"] += 1
        return False
