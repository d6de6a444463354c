"""Every plugin the bench knows and how a runtime would set it up: the one table the per-plugin rows come from.

The plugins benched are every executable in the ours directory (dist/bin) except the tools in NOT_PLUGINS; each
must have an entry in REGISTRY, or the bench stops before measuring anything, so a new plugin cannot be silently
missing from the rows. A plugin the reference directory lacks is benched on our side alone (its rows show the
reference as n/a and no ratio).

Kinds (which scenario gives a plugin its ADD, CHECK and DEL rows):
  core         bridge, host-local, loopback, portmap: rows of their own (scenarios/loopback, hostlocal, fill,
               portmap, rss, parallel)
  main         makes the container's interface, with host-local as its IPAM (scenarios/perplugin.py)
  chained      after a bridge ADD, with that result as prevResult (scenarios/perplugin.py)
  ipam         an IPAM plugin exec'd alone with a main plugin's config, as the main plugin would (perplugin.py)
  daemon-ipam  dhcp: each side's daemon, and a dnsmasq the bench runs (scenarios/dhcp.py)
A plugin with second_kernel=True needs kernel features this host may lack (dummy, 8021q, ipvlan, vrf): its
ADD/CHECK/DEL and peak RSS rows are measured in scripts/in-second-kernel (user-mode Linux) and say so in their
titles; its size and VERSION start-up rows are measured on the host like everyone's.
"""
import os

CORE, MAIN, CHAINED, IPAM, DAEMON_IPAM = "core", "main", "chained", "ipam", "daemon-ipam"
KINDS = (CORE, MAIN, CHAINED, IPAM, DAEMON_IPAM)
# In dist/bin but not plugins.
NOT_PLUGINS = {"cnitool"}


class Setup:
    """How one plugin is exec'd for the bench.

    conf           keys beyond cniVersion/name/type/ipam/prevResult (for an ipam plugin: keys of its "ipam" object)
    label          what the ADD row's title says about the setup, in its parentheses
    per_container  container number (1..N+1) -> more keys for that container's config (a device, a VLAN ID, ...)
    host           the host netns' preparation: (container count) -> `ip -batch` lines run in each side's host netns
    ipam           a main plugin's IPAM ("host-local": a subnet and store of the bench's own; None: no ipam)
    second_kernel  measured in the second kernel (UML), not on this host
    """

    def __init__(self, kind, conf=None, label="", per_container=None, host=None, ipam="host-local",
                 second_kernel=False):
        assert kind in KINDS, kind
        assert not second_kernel or kind in (MAIN, CHAINED, IPAM), "only perplugin.py's kinds run in the second kernel"
        self.kind, self.conf, self.label = kind, conf or {}, label
        self.per_container = per_container or (lambda i: {})
        self.host = host or (lambda n: "")
        self.ipam = ipam if kind == MAIN else None
        self.second_kernel = second_kernel


def veth_master(name):
    """A master in the host netns (macvlan, ipvlan, vlan): one end of a veth pair, both ends up."""
    return lambda n: f"link add {name} type veth peer name {name}p\nlink set {name} up\nlink set {name}p up\n"


def veth_per_container(prefix):
    """host-device: a device per container to move in, the ends of veth pairs, up."""
    return lambda n: "".join(f"link add {prefix}{i} type veth peer name {prefix}p{i}\nlink set {prefix}{i} up\n"
                             f"link set {prefix}p{i} up\n" for i in range(1, n + 1))


def static_address(i):
    return {"addresses": [{"address": f"10.110.{i // 250}.{i % 250 + 2}/16", "gateway": "10.110.0.1"}]}


# Registry order is row order within a kind.
REGISTRY = {
    "bridge": Setup(CORE),
    "host-local": Setup(CORE),
    "loopback": Setup(CORE),
    "portmap": Setup(CORE),
    "tuning": Setup(CHAINED, {"sysctl": {"net.ipv4.conf.eth0.arp_notify": "1"}, "promisc": False}),
    "firewall": Setup(CHAINED),
    # 10 Mbit/s each way: an ifb, its ingress redirect and two tbf qdiscs per container.
    "bandwidth": Setup(CHAINED, {"ingressRate": 10_000_000, "ingressBurst": 1_000_000, "egressRate": 10_000_000,
                                 "egressBurst": 1_000_000}),
    # eth0's routes into table 100 behind a rule for its address, as for a secondary interface.
    "sbr": Setup(CHAINED),
    # eth0 (bridge's, in the container) into a VRF the plugin makes in that container's netns.
    "vrf": Setup(CHAINED, {"vrfname": "bvrf0"}, "eth0 into a VRF", second_kernel=True),
    "ptp": Setup(MAIN, {"ipMasq": True}, "ipMasq"),
    "macvlan": Setup(MAIN, {"master": "bmvm0", "mode": "bridge"}, "bridge mode", host=veth_master("bmvm0")),
    "host-device": Setup(MAIN, label="a veth end moved in", host=veth_per_container("bhd"),
                         per_container=lambda i: {"device": f"bhd{i}"}),
    "ipvlan": Setup(MAIN, {"master": "bipm0", "mode": "l2"}, "l2 mode, a veth as master",
                    host=veth_master("bipm0"), second_kernel=True),
    # One VLAN ID per container: the kernel takes each ID once per master.
    "vlan": Setup(MAIN, {"master": "bvlm0"}, "a VLAN per container, a veth as master", host=veth_master("bvlm0"),
                  per_container=lambda i: {"vlanId": i}, second_kernel=True),
    "dummy": Setup(MAIN, second_kernel=True),
    "tap": Setup(MAIN, label="a tap device in the container"),
    "static": Setup(IPAM, {"routes": [{"dst": "0.0.0.0/0"}]}, "1 address, a default route",
                    per_container=static_address),
    "dhcp": Setup(DAEMON_IPAM),
}


class UnknownPlugin(Exception):
    pass


def discover(bindir):
    """Every plugin in bindir, in registry order; a plugin the registry lacks is an error, never skipped."""
    found = sorted(name for name in os.listdir(bindir) if name not in NOT_PLUGINS
                   and os.path.isfile(os.path.join(bindir, name)) and os.access(os.path.join(bindir, name), os.X_OK))
    unknown = [name for name in found if name not in REGISTRY]
    if unknown:
        raise UnknownPlugin(
            f"{', '.join(os.path.join(bindir, u) for u in unknown)}: no setup in scripts/bench.d/cnibench/plugins.py "
            "REGISTRY; add one (kind, config keys, host preparation, second_kernel) so the plugin gets its rows")
    return [p for p in REGISTRY if p in found]
