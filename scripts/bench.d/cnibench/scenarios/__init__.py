"""One module per group of rows, in the order they run; each has run(bench).

perplugin measures every main, chained and ipam plugin of cnibench/plugins.py's REGISTRY that runs on this host.
"""
from . import sizes, startup, rss, loopback, hostlocal, fill, portmap, parallel, perplugin, dhcp

ORDER = [sizes, startup, rss, loopback, hostlocal, fill, portmap, parallel, perplugin, dhcp]
