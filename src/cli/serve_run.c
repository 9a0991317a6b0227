/*
 * serve_run.c — `talentflow serve` in the program talentflow-serve: runs the server.
 *
 * Loads the rulebooks (reload.c), opens the decision log (dlog.c), starts the server
 * (http.c), prints the address it listens on, and then waits for signals on the main
 * thread: SIGHUP reloads the rulebooks (atomically: requests in progress finish with the
 * rule set they started with), SIGTERM and SIGINT shut down gracefully (stop accepting,
 * finish the requests in progress, commit the log). The signals are blocked in every
 * other thread, so none of them is interrupted by one. Only talentflow-serve links this
 * file (cli.h, "serve: two programs").
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "serve/serve.h"

int serve_run(const cli_command *self, int argc, char **argv, serve_config *cfg)
{
    (void)argc;
    (void)argv;
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
    tf_rc rc = reload_init(cfg->rules_dir, &err);
    if (rc != TF_OK) {
        fprintf(stderr, "%s%s", err ? err : tf_strerror(rc), err && strchr(err, '\n') ? "" : "\n");
        cli_error(self, "%s: cannot load the rulebooks", cfg->rules_dir ? cfg->rules_dir : "(bundled)");
        free(err);
        return cli_exit_code(rc);
    }
    char msg[512];
    if (!dlog_open(cfg->dlog_path, cfg->dlog_full_sync, msg, sizeof msg)) {
        fprintf(stderr, "%s: cannot open the decision log: %s\n", cfg->dlog_path, msg);
        reload_shutdown();
        return CLI_EXIT_IO;
    }
    api_init();
    char addr[300] = "";
    serve_server *server = http_start(cfg, addr, sizeof addr, msg, sizeof msg);
    if (!server) {
        cli_error(self, "%s", msg);
        api_cleanup();
        dlog_close();
        reload_shutdown();
        return strncmp(msg, "--listen: \"", 11) == 0 ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
    }
    serve_rules *s = reload_acquire();
    printf("talentflow serve: listening on http://%s/ (rules %s%s%s, decision log %s)\n", addr,
           s->version, cfg->rules_dir ? " from " : ", bundled", cfg->rules_dir ? cfg->rules_dir : "",
           cfg->dlog_path);
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
    http_stop(server, cfg->grace_s);
    dlog_close();
    api_cleanup();
    reload_shutdown();
    fprintf(stderr, "talentflow serve: stopped\n");
    return CLI_EXIT_OK;
}
