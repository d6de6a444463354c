"""One module per group of rows, in the order they run; each has run(bench).

perplugin measures every main, chained and ipam plugin of cnibench/plugins.py's REGISTRY that runs on this host;
second_kernel runs perplugin again in scripts/in-second-kernel for the ones marked second_kernel and merges
their rows (bench.py --second-kernel-rows is that run's entry point).
"""
from . import sizes, startup, rss, loopback, hostlocal, fill, portmap, parallel, perplugin, dhcp, second_kernel

ORDER = [sizes, startup, rss, loopback, hostlocal, fill, portmap, parallel, perplugin, dhcp, second_kernel]
# What a --second-kernel-rows run measures, inside the second kernel.
SECOND_KERNEL_ORDER = [perplugin]
