/*
 * cmd_diff_population.c — `talentflow diff --population INPUT`: who a change reaches.
 *
 *   diff --population INPUT --from DATE --to DATE     the same rules as of two dates
 *   diff --population INPUT --rules A --vs B [--from DATE]   two rule sets, as of one date
 *                                                   (default: each trip's entry date)
 *
 * Every case of INPUT (CSV or JSONL, as `batch` reads it) is decided twice — the entry
 * check, or with --scheme the scheme's tier, or with --route the eligibility — and the
 * rows whose decision differs are counted by transition, with a few row ids each
 * (batch_diff, src/batch/batch.c). Rows that cannot be read or decided are counted as
 * rejected, as in a batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "cli/cli.h"

/* A whole number in [lo, hi] from an option's text, or -1 after a usage error. */
static long number(const cli_command *self, const char *opt, const char *text, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || end == text || v < lo || v > hi) {
        cli_usage_error(self, "--%s: \"%s\" is not a number from %ld to %ld", opt, text, lo, hi);
        return -1;
    }
    return v;
}

int cmd_diff_population(const cli_command *self, const diff_population *dp) {
    if (!dp->input) return cli_usage_error(self, "--vs, --scheme, --route, --samples and --threads go with --population");
    if (dp->scheme && dp->route) return cli_usage_error(self, "--scheme or --route, not both");
    if (!dp->vs && (!dp->from || !dp->to))
        return cli_usage_error(self, "--population needs --from DATE --to DATE, or --rules DIR --vs DIR");
    if (dp->vs && dp->to) return cli_usage_error(self, "with --vs, one date at most (--from)");
    if (!dp->vs && *dp->from >= *dp->to) return cli_usage_error(self, "--from is not before --to");
    long samples = dp->samples_text ? number(self, "samples", dp->samples_text, 0, 1000) : 5;
    long threads = dp->threads_text ? number(self, "threads", dp->threads_text, 1, 256) : sysconf(_SC_NPROCESSORS_ONLN);
    if (samples < 0 || threads < 0) return CLI_EXIT_USAGE;

    tf_rules *a = NULL, *b = NULL;
    tf_rc rc = cli_load_rules(self, dp->rules, false, &a);
    if (rc == TF_OK && dp->vs) rc = cli_load_rules(self, dp->vs, false, &b);
    if (rc != TF_OK) {
        tf_rules_free(a);
        return cli_exit_code(rc);
    }
    batch_kind kind = dp->scheme ? BATCH_SCHEME : dp->route ? BATCH_ROUTE : BATCH_CHECK;
    const char *id = dp->scheme ? dp->scheme : dp->route;
    tf_date from = dp->from ? *dp->from : TF_DATE_DEFAULT;
    batch_eval vs = {b ? b : a, kind, id, b ? from : *dp->to};
    batch_options o = {.ev = {a, kind, id, from}, .threads = (int)(threads < 1 ? 1 : threads), .name = dp->input,
                       .out = stdout, .vs = &vs, .samples = (int)samples, .json = dp->json};
    int fd = strcmp(dp->input, "-") ? open(dp->input, O_RDONLY) : 0;
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open: %s\n", dp->input, strerror(errno));
        rc = TF_EIO;
    } else {
        o.in_fd = fd;
        batch_counts c;
        char err[600] = "";
        rc = batch_diff(&o, &c, err, sizeof err);
        if (rc == TF_ENOTFOUND) cli_error(self, "%s", err);
        else if (rc != TF_OK) fprintf(stderr, "%s: %s\n", dp->input, err);
        if (fd > 0) close(fd);
    }
    tf_rules_free(a);
    tf_rules_free(b);
    return cli_exit_code(rc);
}
