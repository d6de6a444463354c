"""One module per group of rows, in the order they run; each has run(bench).

runtime is issue #27's chain as a runtime runs it (bridge ipMasq + portmap TCP/UDP, DEL in reverse).

perplugin measures every main, chained and ipam plugin of cnibench/plugins.py's REGISTRY that runs on this host;
second_kernel runs perplugin again in scripts/in-second-kernel for the ones marked second_kernel and merges
their rows (bench.py --second-kernel-rows is that run's entry point).
"""
from . import sizes, startup, rss, loopback, hostlocal, fill, portmap, runtime, parallel, perplugin, dhcp, second_kernel

ORDER = [sizes, startup, rss, loopback, hostlocal, fill, portmap, runtime, parallel, perplugin, dhcp, second_kernel]
# What a --second-kernel-rows run measures, inside the second kernel.
SECOND_KERNEL_ORDER = [perplugin]
