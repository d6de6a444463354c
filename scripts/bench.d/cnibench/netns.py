"""Named network namespaces under the private /run/netns; the driver setns()es into one to exec a plugin.

Python 3.11 has no os.setns, hence the one ctypes call.
"""
import ctypes
import os
import shutil
import subprocess

IP = shutil.which("ip") or "/usr/sbin/ip"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class Namespaces:
    def __init__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.fds = {}

    def add(self, names):
        batch = "".join(f"netns add {n}\n" for n in names)
        subprocess.run([IP, "-batch", "-"], input=batch.encode(), check=True)

    def delete(self, names):
        for n in names:
            fd = self.fds.pop(n, None)
            if fd is not None:
                os.close(fd)
        batch = "".join(f"netns del {n}\n" for n in names)
        subprocess.run([IP, "-force", "-batch", "-"], input=batch.encode(), check=False,
                       stderr=subprocess.DEVNULL)

    def _setns(self, fd):
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")

    def enter(self, name):
        if name not in self.fds:
            self.fds[name] = os.open(f"/run/netns/{name}", os.O_RDONLY)
        self._setns(self.fds[name])

    def leave(self):
        self._setns(self.home)

    def sh(self, name, argv):
        self.enter(name)
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout
        finally:
            self.leave()
