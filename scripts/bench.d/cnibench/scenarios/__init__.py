"""One module per group of rows, in the order they run; each has run(bench)."""
from . import sizes, startup, rss, loopback, hostlocal, fill, portmap, parallel, chained, mains, dhcp

ORDER = [sizes, startup, rss, loopback, hostlocal, fill, portmap, parallel, chained, mains, dhcp]
