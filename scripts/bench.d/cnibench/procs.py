"""One timed exec of a plugin, as a runtime execs it: config on stdin, CNI_* in the environment."""
import json
import os
import time

SPEC = "1.0.0"  # the newest version the reference 1.1.1 speaks
PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class BenchError(Exception):
    pass


class Sample:
    def __init__(self, ns, rc, out, err):
        self.ns, self.rc, self.out, self.err = ns, rc, out, err

    def check(self, what):
        if self.rc != 0:
            raise BenchError(f"{what} exited {self.rc}: {self.out.decode(errors='replace')[:400]}"
                             f"{self.err.decode(errors='replace')[:400]}")
        return self

    def text(self):
        return (self.out + self.err).decode(errors="replace").strip()


def _read_all(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


class Running:
    """A spawned process; the clock runs from just before posix_spawn to just after wait4."""

    def __init__(self, argv, env, stdin):
        r, w = os.pipe()
        os.write(w, stdin)  # configs are far below the pipe's 64 KiB, so this never blocks
        os.close(w)
        self.out = os.memfd_create("stdout")
        self.err = os.memfd_create("stderr")
        actions = [(os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_DUP2, self.out, 1),
                   (os.POSIX_SPAWN_DUP2, self.err, 2)]
        self.t0 = time.perf_counter_ns()
        self.pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        os.close(r)

    def wait(self):
        _, status, _ = os.wait4(self.pid, 0)
        ns = time.perf_counter_ns() - self.t0
        return Sample(ns, os.waitstatus_to_exitcode(status), _read_all(self.out), _read_all(self.err))


def run(argv, env=None, stdin=b""):
    return Running(argv, env if env is not None else {"PATH": PATH_ENV}, stdin).wait()


class Impl:
    """One implementation: a directory of plugin binaries, also used as its CNI_PATH."""

    def __init__(self, key, label, bindir):
        self.key, self.label, self.bindir = key, label, bindir

    def has(self, plugin):
        return os.access(os.path.join(self.bindir, plugin), os.X_OK)

    def cni(self, plugin, command, conf, container="", netns="", ifname="eth0", wrap=()):
        env = {"PATH": PATH_ENV, "CNI_COMMAND": command, "CNI_PATH": self.bindir}
        if command != "VERSION":
            env.update(CNI_CONTAINERID=container, CNI_NETNS=netns, CNI_IFNAME=ifname)
        return Running(list(wrap) + [os.path.join(self.bindir, plugin)], env, json.dumps(conf).encode())

    def call(self, plugin, command, conf, container="", netns="", ifname="eth0", wrap=()):
        return self.cni(plugin, command, conf, container, netns, ifname, wrap).wait()


def rotate(items, i):
    """Interleaving: who goes first changes every iteration, so drift hits every side alike."""
    k = i % len(items)
    return items[k:] + items[:k]
