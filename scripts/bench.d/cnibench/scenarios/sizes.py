"""Binary size of every plugin (the reference's too, where it has the plugin)."""
import os

from ..context import CORE
from ..rows import RATIO, Row, stats


def row(plugin):
    return Row(f"size.{plugin}", f"binary size: {plugin}", "bytes", (RATIO, 1.0))


TOTAL = Row("size.total", "binary size: the core four together", "bytes", (RATIO, 1.0))


def run(bench):
    totals = {}
    for plugin in bench.plugins():
        values = {}
        for impl in bench.sides(plugin):
            size = os.path.getsize(os.path.join(impl.bindir, plugin))
            values[impl.key] = stats([size])
            if plugin in CORE:
                totals[impl.key] = totals.get(impl.key, 0) + size
        bench.report.add(row(plugin), values.get("ours"), values.get("ref"),
                         absent=[i.key for i in bench.impls if i.key not in values])
    bench.report.add(TOTAL, stats([totals["ours"]]), stats([totals["ref"]]))
