/*
 * Linked into every native-AOT binary with -Wl,--wrap=fopen64 (Directory.Build.targets); the runtime is built
 * with 64-bit file offsets, so its fopen is fopen64.
 *
 * At start-up the .NET GC reads /proc/self/mountinfo twice, only to find where the cgroup hierarchies are
 * mounted. A node's mount table holds a netns bind mount and several other mounts per pod, thousands of lines,
 * and the kernel's formatting of that table alone then costs milliseconds at every plugin run (measured: with
 * 1,500 mounts a loopback VERSION spent 4 ms of CPU more, almost all of it in the kernel's show_mountinfo).
 *
 * Here the runtime's open of that one file is answered from memory with the lines the GC looks for, found
 * with statfs(2) at the standard places instead: the unified hierarchy at /sys/fs/cgroup (cgroup v2), or the
 * memory and cpu controllers under it (cgroup v1). Where neither is there, the answer is an empty table and
 * the GC runs without cgroup limits, which a plugin's few-MB heap does not need. The lines give each hierarchy
 * the root "/", as it is on a host and under a cgroup namespace; in a cgroup v1 container without one, the GC
 * then finds no files at the paths it builds and also runs without limits. Every other open is libc's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

FILE *__real_fopen64(const char *path, const char *mode);

static const char MountInfo[] = "/proc/self/mountinfo";

static char table[256];
static size_t table_length;
static int built;

static int is_filesystem(const char *path, long type)
{
    struct statfs stats;
    return statfs(path, &stats) == 0 && (long)stats.f_type == type;
}

static void add_line(const char *line)
{
    size_t length = strlen(line);
    if (table_length + length < sizeof(table)) {
        memcpy(table + table_length, line, length);
        table_length += length;
    }
}

/* mountinfo lines in the kernel's format: id, parent, dev, root, mount point, options, " - ", type, source, super options. */
static void build_table(void)
{
    built = 1;
    if (is_filesystem("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
        add_line("1 0 0:0 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        return;
    }

    if (is_filesystem("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC)) {
        add_line("2 0 0:0 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
    }

    if (is_filesystem("/sys/fs/cgroup/cpu", CGROUP_SUPER_MAGIC)) {
        add_line("3 0 0:0 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
    }
}

FILE *__wrap_fopen64(const char *path, const char *mode)
{
    if (path != NULL && mode != NULL && strcmp(path, MountInfo) == 0 && strcmp(mode, "r") == 0) {
        if (!built) {
            build_table();
        }

        /* An empty table (no cgroup found) reads as an empty file, as /dev/null does. */
        return table_length > 0 ? fmemopen(table, table_length, "r") : __real_fopen64("/dev/null", "r");
    }

    return __real_fopen64(path, mode);
}
