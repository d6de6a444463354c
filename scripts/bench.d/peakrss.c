/* peakrss FILE PROGRAM [ARGS...]: runs PROGRAM and writes its peak RSS (KiB) to FILE.
 * Exists because wait4's ru_maxrss of a child spawned straight from the driver would include the
 * driver's own (Python's) memory, inherited until exec; forked from this tiny static process, the
 * child starts with almost nothing. The value is the largest single process of the tree. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (pid < 0 || wait4(pid, &status, 0, &usage) < 0)
        return 2;
    FILE *out = fopen(argv[1], "w");
    if (out == NULL)
        return 2;
    fprintf(out, "%ld\n", usage.ru_maxrss);
    fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
