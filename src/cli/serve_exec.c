/*
 * serve_exec.c — `talentflow serve` in the program talentflow: runs talentflow-serve.
 *
 * The program talentflow links no HTTP, TLS or SQLite library (cli.h, "serve: two
 * programs"). Once cmd_serve.c has read the options, it replaces itself (execv) with the
 * program talentflow-serve from its own folder, given the same command line, which
 * then serves exactly as `talentflow serve` would: the same options, output, signals and
 * exit codes, in the same process. When talentflow-serve cannot be run (not built, not
 * installed beside talentflow) it says so and exits 70.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define SERVER_PROGRAM "talentflow-serve"

/* The path of talentflow-serve into path[size]: this program's folder, from
 * /proc/self/exe. False (errno set) when it cannot be known or does not fit. */
static bool server_path(char *path, size_t size)
{
    size_t room = size - sizeof SERVER_PROGRAM; /* for the name and its NUL */
    ssize_t n = readlink("/proc/self/exe", path, room);
    if (n < 0)
        return false;
    if ((size_t)n >= room) {
        errno = ENAMETOOLONG;
        return false;
    }
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash) {
        errno = ENOENT;
        return false;
    }
    memcpy(slash + 1, SERVER_PROGRAM, sizeof SERVER_PROGRAM);
    return true;
}

int serve_run(const cli_command *self, int argc, char **argv, struct serve_config *cfg)
{
    (void)cfg; /* read again by talentflow-serve, from the same command line */
    char path[PATH_MAX];
    if (!server_path(path, sizeof path)) {
        cli_error(self, "cannot find the folder of this program (/proc/self/exe): %s", strerror(errno));
        return CLI_EXIT_INTERNAL;
    }
    char **args = malloc(((size_t)argc + 2) * sizeof *args); /* path, "serve", the options, NULL */
    if (!args) {
        cli_error(self, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    args[0] = path;
    memcpy(args + 1, argv, (size_t)argc * sizeof *args);
    args[argc + 1] = NULL;
    fflush(stdout);
    execv(path, args);
    int e = errno;
    free(args);
    cli_error(self, "cannot run %s: %s (it is built beside talentflow: make build)", path, strerror(e));
    return CLI_EXIT_INTERNAL;
}
