"""What every scenario gets: iteration counts, both implementations, the floors, namespaces, the report."""
import os

from .netns import Namespaces
from .plugins import REGISTRY, discover
from .procs import SPEC
from .rows import Report

CORE = ["bridge", "host-local", "loopback", "portmap"]

# chained: containers per plugin in perplugin.py and dhcp.py; second: the same in the second kernel (UML: one
# slow CPU, so fewer).
FULL = dict(version=200, rss=10, loopback=200, hostlocal=100, fill=500, portmap=100, parallel=50, rounds=3,
            chained=50, second=10)
# A full run's samples with fewer iterations (the 50 parallel ADDs stay 50): for a shared machine or a short slot.
MEDIUM = dict(version=40, rss=4, loopback=40, hostlocal=30, fill=100, portmap=30, parallel=50, rounds=1,
              chained=10, second=4)
QUICK = dict(version=8, rss=2, loopback=5, hostlocal=5, fill=20, portmap=4, parallel=8, rounds=1, chained=3,
             second=2)
PRESETS = {"quick": QUICK, "medium": MEDIUM, "full": FULL}


class Bench:
    """second_kernel: None on the host; in the second kernel, the plugins to measure there (bench.py's
    --second-kernel-rows mode)."""

    def __init__(self, preset, impls, floors, peakrss, work, second_kernel=None):
        self.preset = preset
        self.quick = preset == "quick"
        self.p = PRESETS[preset]
        self.ours, self.ref = impls
        self.impls = impls
        self.floors = floors  # {"static-c": path, "empty-aot": path}
        self.peakrss = peakrss
        self.work = work
        self.second_kernel = second_kernel
        self.ns = Namespaces()
        self.report = Report()
        self._plugins = discover(self.ours.bindir)  # fails on a plugin without a setup, before anything runs

    def plugins(self):
        """Every plugin in the ours directory but cnitool, in registry order (sizes and VERSION start-up)."""
        return list(self._plugins)

    def measured_here(self, kind):
        """The plugins of one kind whose ADD/CHECK/DEL rows this run measures: on the host those not marked
        second_kernel, in the second kernel the ones asked for."""
        return [p for p in self._plugins if REGISTRY[p].kind == kind
                and (p in self.second_kernel if self.second_kernel is not None else not REGISTRY[p].second_kernel)]

    def second_kernel_plugins(self):
        return [p for p in self._plugins if REGISTRY[p].second_kernel]

    def sides(self, plugin):
        """The implementations that have the plugin: both, or ours alone when the reference lacks it."""
        return [i for i in self.impls if i.has(plugin)]

    def containers(self):
        """Containers per plugin in perplugin.py's rows."""
        return self.p["second"] if self.second_kernel is not None else self.p["chained"]

    def data_dir(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def log(self, text):
        print(f"[bench] {text}", flush=True)


def bridge_conf(name, bridge, subnet, data_dir):
    return {"cniVersion": SPEC, "name": name, "type": "bridge", "bridge": bridge, "isGateway": True,
            "ipam": {"type": "host-local", "subnet": subnet, "dataDir": data_dir,
                     "routes": [{"dst": "0.0.0.0/0"}]}}
