"""Binary size of every plugin."""
import os

from ..rows import RATIO, Row, stats


def row(plugin):
    return Row(f"size.{plugin}", f"binary size: {plugin}", "bytes", (RATIO, 1.0))


TOTAL = Row("size.total", "binary size: the core four together", "bytes", (RATIO, 1.0))


def run(bench):
    totals = {}
    for plugin in bench.plugins():
        values = {}
        for impl in bench.impls:
            size = os.path.getsize(os.path.join(impl.bindir, plugin))
            values[impl.key] = stats([size])
            if plugin in ("bridge", "host-local", "loopback", "portmap"):
                totals[impl.key] = totals.get(impl.key, 0) + size
        bench.report.add(row(plugin), values["ours"], values["ref"])
    bench.report.add(TOTAL, stats([totals["ours"]]), stats([totals["ref"]]))
