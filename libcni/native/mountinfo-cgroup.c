/*
 * Linked into every native-AOT binary with -Wl,--wrap=fopen64 (Directory.Build.targets); the runtime is built with 64-bit file offsets, so its fopen is fopen64.
 *
 * At start-up the .NET GC reads /proc/self/mountinfo twice, a line at a time through sscanf, only to find the
 * cgroup mounts. A node's mount table holds a netns bind mount and several other mounts per pod, thousands of
 * lines, and that read then costs milliseconds at every plugin run (measured: 1,500 mounts add 5.8 ms to a
 * VERSION). Here the runtime's fopen of that one file is answered from memory with the cgroup and cgroup2 lines
 * only, read once with large reads. The GC sees exactly the lines it looks for; every other open is libc's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FILE *__real_fopen64(const char *path, const char *mode);

static const char MountInfo[] = "/proc/self/mountinfo";

static char *cgroup_lines;
static size_t cgroup_length;
static int loaded;

/* Whether a mountinfo line's filesystem type (the word after " - ") is cgroup or cgroup2. */
static int is_cgroup_line(const char *line, size_t length)
{
    const char *separator = memmem(line, length, " - ", 3);
    if (separator == NULL) {
        return 0;
    }

    const char *type = separator + 3;
    size_t rest = length - (size_t)(type - line);
    return (rest > 7 && memcmp(type, "cgroup ", 7) == 0) || (rest > 8 && memcmp(type, "cgroup2 ", 8) == 0);
}

static void load_cgroup_lines(void)
{
    loaded = 1;
    int fd = open(MountInfo, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }

    size_t capacity = 1 << 16, length = 0;
    char *text = malloc(capacity);
    for (;;) {
        if (text == NULL) {
            close(fd);
            return;
        }

        ssize_t got = read(fd, text + length, capacity - length);
        if (got < 0) {
            free(text);
            close(fd);
            return;
        }

        if (got == 0) {
            break;
        }

        length += (size_t)got;
        if (length == capacity) {
            capacity *= 2;
            char *grown = realloc(text, capacity);
            if (grown == NULL) {
                free(text);
            }

            text = grown;
        }
    }

    close(fd);

    /* Filter in place: the kept lines are a prefix of the text. */
    size_t kept = 0;
    for (size_t at = 0; at < length;) {
        const char *end = memchr(text + at, '\n', length - at);
        size_t line = end == NULL ? length - at : (size_t)(end - (text + at)) + 1;
        if (is_cgroup_line(text + at, line)) {
            memmove(text + kept, text + at, line);
            kept += line;
        }

        at += line;
    }

    cgroup_lines = text;
    cgroup_length = kept;
}

FILE *__wrap_fopen64(const char *path, const char *mode)
{
    if (path != NULL && mode != NULL && strcmp(path, MountInfo) == 0 && strcmp(mode, "r") == 0) {
        if (!loaded) {
            load_cgroup_lines();
        }

        if (cgroup_lines != NULL) {
            /* An empty table (no cgroup mounted) reads as an empty file, as /dev/null does. */
            return cgroup_length > 0 ? fmemopen(cgroup_lines, cgroup_length, "r") : __real_fopen64("/dev/null", "r");
        }
    }

    return __real_fopen64(path, mode);
}
