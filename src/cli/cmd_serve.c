/*
 * cmd_serve.c — `talentflow serve`: reads the options of the HTTP JSON API and web page.
 *
 * Parses the options into a serve_config (serve/serve.h) — a bad one is a usage error,
 * exit 2, from either program — and hands it to serve_run: in talentflow-serve the server
 * itself (serve_run.c), in talentflow the program talentflow-serve (serve_exec.c; cli.h
 * says why there are two). docs/serve.md documents the options and the API.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "serve/serve.h"

enum {
    OPT_LISTEN,
    OPT_RULES,
    OPT_DLOG,
    OPT_DLOG_SYNC,
    OPT_THREADS,
    OPT_MAX_CONN,
    OPT_TIMEOUT,
    OPT_GRACE,
    OPT_MAX_BODY,
};

const cli_option cmd_serve_options[] = {
    [OPT_LISTEN] = {"listen", 0, "ADDR", "listen on HOST:PORT (default 127.0.0.1:8080; port 0: any free)"},
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    [OPT_DLOG] = {"decision-log", 0, "FILE", "the SQLite decision log (default talentflow-decisions.db)"},
    [OPT_DLOG_SYNC] = {"decision-log-sync", 0, "MODE", "normal (default) or full: fsync every commit"},
    [OPT_THREADS] = {"threads", 0, "N", "HTTP threads (default: one per core)"},
    [OPT_MAX_CONN] = {"max-connections", 0, "N", "open connections at most (default 1024)"},
    [OPT_TIMEOUT] = {"timeout", 0, "SECONDS", "close a connection idle this long (default 30)"},
    [OPT_GRACE] = {"grace", 0, "SECONDS", "at SIGTERM, wait this long for the requests in progress (default 10)"},
    [OPT_MAX_BODY] = {"max-body", 0, "BYTES", "largest request body (default 1048576; batch 64 MiB)"},
    {NULL, 0, NULL, NULL},
};

/* Parses a positive integer option no larger than max. */
static bool parse_count(const cli_command *self, const char *opt, const char *value,
                        unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(value, &end, 10);
    if (errno || *end || !*value || value[0] == '-' || n == 0 || n > max) {
        cli_usage_error(self, "--%s: \"%s\" is not a number from 1 to %lu", opt, value, max);
        return false;
    }
    *out = n;
    return true;
}

int cmd_serve(const cli_command *self, int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    serve_config cfg = {
        .listen = SERVE_DEFAULT_LISTEN,
        .dlog_path = SERVE_DEFAULT_DLOG,
        .body_max = SERVE_BODY_MAX,
        .batch_max = SERVE_BATCH_MAX,
        .timeout_s = SERVE_TIMEOUT_S,
        .grace_s = SERVE_GRACE_S,
        .max_connections = SERVE_MAX_CONNECTIONS,
        .threads = cores > 0 ? (unsigned)cores : 2,
    };
    unsigned long n;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_LISTEN:
            cfg.listen = p.arg;
            break;
        case OPT_RULES:
            cfg.rules_dir = p.arg;
            break;
        case OPT_DLOG:
            cfg.dlog_path = p.arg;
            break;
        case OPT_DLOG_SYNC:
            if (strcmp(p.arg, "normal") != 0 && strcmp(p.arg, "full") != 0)
                return cli_usage_error(self, "--decision-log-sync: \"%s\" is not normal or full",
                                       p.arg);
            cfg.dlog_full_sync = strcmp(p.arg, "full") == 0;
            break;
        case OPT_THREADS:
            if (!parse_count(self, "threads", p.arg, 256, &n))
                return CLI_EXIT_USAGE;
            cfg.threads = (unsigned)n;
            break;
        case OPT_MAX_CONN:
            if (!parse_count(self, "max-connections", p.arg, 100000, &n))
                return CLI_EXIT_USAGE;
            cfg.max_connections = (unsigned)n;
            break;
        case OPT_TIMEOUT:
            if (!parse_count(self, "timeout", p.arg, 3600, &n))
                return CLI_EXIT_USAGE;
            cfg.timeout_s = (unsigned)n;
            break;
        case OPT_GRACE:
            if (!parse_count(self, "grace", p.arg, 3600, &n))
                return CLI_EXIT_USAGE;
            cfg.grace_s = (unsigned)n;
            break;
        case OPT_MAX_BODY:
            if (!parse_count(self, "max-body", p.arg, (unsigned long)SERVE_BATCH_MAX, &n))
                return CLI_EXIT_USAGE;
            cfg.body_max = n;
            break;
        }
    }
    int first = cli_operands_start(&p);
    if (first < argc)
        return cli_usage_error(self, "\"%s\": takes no operand", argv[first]);
    cfg.admin_token = getenv(SERVE_ADMIN_TOKEN_ENV);

    return serve_run(self, argc, argv, &cfg);
}
