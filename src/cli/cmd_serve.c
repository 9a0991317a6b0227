/*
 * cmd_serve.c — `talentflow serve`: the HTTP JSON API and the web page, in one process.
 *
 * Parses the options, loads the rulebooks (reload.c), opens the decision log (dlog.c),
 * starts the server (http.c), prints the address it listens on, and then waits for
 * signals on the main thread: SIGHUP reloads the rulebooks (atomically: requests in
 * progress finish with the rule set they started with), SIGTERM and SIGINT shut down
 * gracefully (stop accepting, finish the requests in progress, commit the log). The
 * signals are blocked in every other thread, so none of them is interrupted by one.
 * docs/serve.md documents the API.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
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

    /* Before any thread starts, so that every thread inherits the mask: the signals are
     * taken by sigwait below, and a closed connection is an error code, not SIGPIPE. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *err = NULL;
    tf_rc rc = reload_init(cfg.rules_dir, &err);
    if (rc != TF_OK) {
        fprintf(stderr, "%s%s", err ? err : tf_strerror(rc), err && strchr(err, '\n') ? "" : "\n");
        cli_error(self, "%s: cannot load the rulebooks", cfg.rules_dir ? cfg.rules_dir : "(bundled)");
        free(err);
        return cli_exit_code(rc);
    }
    char msg[512];
    if (!dlog_open(cfg.dlog_path, cfg.dlog_full_sync, msg, sizeof msg)) {
        fprintf(stderr, "%s: cannot open the decision log: %s\n", cfg.dlog_path, msg);
        reload_shutdown();
        return CLI_EXIT_IO;
    }
    api_init();
    char addr[300] = "";
    serve_server *server = http_start(&cfg, addr, sizeof addr, msg, sizeof msg);
    if (!server) {
        cli_error(self, "%s", msg);
        api_cleanup();
        dlog_close();
        reload_shutdown();
        return strncmp(msg, "--listen: \"", 11) == 0 ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
    }
    serve_rules *s = reload_acquire();
    printf("talentflow serve: listening on http://%s/ (rules %s%s%s, decision log %s)\n", addr,
           s->version, cfg.rules_dir ? " from " : ", bundled", cfg.rules_dir ? cfg.rules_dir : "",
           cfg.dlog_path);
    reload_release(s);
    fflush(stdout);

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            rc = reload_now(&err);
            s = reload_acquire();
            if (rc == TF_OK)
                fprintf(stderr, "talentflow serve: SIGHUP: reloaded, rules %s\n", s->version);
            else
                fprintf(stderr, "talentflow serve: SIGHUP: not reloaded (rules %s stay): %s%s",
                        s->version, err ? err : tf_strerror(rc), err && strchr(err, '\n') ? "" : "\n");
            reload_release(s);
            free(err);
            err = NULL;
            continue;
        }
        fprintf(stderr, "talentflow serve: %s: finishing the requests in progress\n",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    http_stop(server, cfg.grace_s);
    dlog_close();
    api_cleanup();
    reload_shutdown();
    fprintf(stderr, "talentflow serve: stopped\n");
    return CLI_EXIT_OK;
}
