"""What every scenario gets: iteration counts, both implementations, the floors, namespaces, the report."""
import os

from .netns import Namespaces
from .procs import SPEC
from .rows import Report

CORE = ["bridge", "host-local", "loopback", "portmap"]
# Chained after bridge (scenarios/chained.py): measured when both implementations have them.
OPTIONAL = ["tuning", "firewall", "bandwidth", "sbr"]
# Main plugins with their own ADD/DEL rows (scenarios/mains.py); sizes and start-up too.
MAIN = ["ptp", "macvlan", "host-device"]
# Size and VERSION start-up only: their ADD needs kernel features this host may lack (ipvlan, 8021q, vrf).
STARTUP_ONLY = ["ipvlan", "vlan", "vrf"]
# IPAM with a daemon, ADD/DEL against a dnsmasq of the bench's own (scenarios/dhcp.py); sizes and start-up too.
DAEMON_IPAM = ["dhcp"]

FULL = dict(version=200, rss=10, loopback=200, hostlocal=100, fill=500, portmap=100, parallel=50, rounds=3,
            chained=50)
# A full run's samples with fewer iterations (the 50 parallel ADDs stay 50): for a shared machine or a short slot.
MEDIUM = dict(version=40, rss=4, loopback=40, hostlocal=30, fill=100, portmap=30, parallel=50, rounds=1,
              chained=10)
QUICK = dict(version=8, rss=2, loopback=5, hostlocal=5, fill=20, portmap=4, parallel=8, rounds=1, chained=3)


class Bench:
    def __init__(self, preset, impls, floors, peakrss, work):
        self.quick = preset == "quick"
        self.p = {"quick": QUICK, "medium": MEDIUM, "full": FULL}[preset]
        self.ours, self.ref = impls
        self.impls = impls
        self.floors = floors  # {"static-c": path, "empty-aot": path}
        self.peakrss = peakrss
        self.work = work
        self.ns = Namespaces()
        self.report = Report()

    def plugins(self):
        """The core four, plus each optional plugin both implementations have."""
        return CORE + [p for p in OPTIONAL + MAIN + STARTUP_ONLY + DAEMON_IPAM if self.ours.has(p) and self.ref.has(p)]

    def optional(self):
        return [p for p in OPTIONAL if self.ours.has(p) and self.ref.has(p)]

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
