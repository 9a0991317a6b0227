/*
 * cmd_batch.c — `talentflow batch (--check | --scheme ID | --route ID | --all) INPUT`.
 *
 * Screens a CSV or JSONL file of cases (or stdin) and writes one output row per input
 * row (src/batch/batch.h; docs/batch.md), then the summary on stderr: read, evaluated,
 * rejected, written. A progress bar is drawn on stderr while it is a terminal. A rejected
 * row is an error row of the output and the run goes on; with --strict the first one
 * stops the run (exit 4) after the rows before it are written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch/batch.h"
#include "cli/cli.h"

enum {
    OPT_CHECK, OPT_SCHEME, OPT_ROUTE, OPT_ALL, OPT_AS_OF, OPT_OUTPUT, OPT_FORMAT, OPT_INPUT_FORMAT, OPT_THREADS,
    OPT_STRICT, OPT_RULES
};

const cli_option cmd_batch_options[] = {
    [OPT_CHECK] = {"check", 0, NULL, "entry decisions (the rulebook of each row's trip.to)"},
    [OPT_SCHEME] = {"scheme", 0, "ID", "points under the scheme ID (e.g. ca.crs)"},
    [OPT_ROUTE] = {"route", 0, "ID", "the residence route ID (e.g. ca.citizenship)"},
    [OPT_ALL] = {"all", 0, NULL, "the entry check, every scheme and every route"},
    [OPT_AS_OF] = {"as-of", 0, "DATE", "decide as of DATE (default: each trip's entry date; today)"},
    [OPT_OUTPUT] = {"output", 'o', "FILE", "write to FILE (default: stdout)"},
    [OPT_FORMAT] = {"format", 0, "FMT", "output format: csv or jsonl (default: the input's)"},
    [OPT_INPUT_FORMAT] = {"input-format", 0, "FMT", "input format: csv or jsonl (default: '{' first is jsonl)"},
    [OPT_THREADS] = {"threads", 0, "N", "worker threads (default: every core)"},
    [OPT_STRICT] = {"strict", 0, NULL, "stop at the first row that cannot be read or decided"},
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    {NULL, 0, NULL, NULL},
};

typedef struct {
    off_t size;     /* the input's size, or 0 when unknown */
    double start;
    int drawn;
} progress_state;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The progress bar: rows, rate, and the share of the input read when its size is known. */
static void progress(void *user, const batch_counts *c, int done) {
    progress_state *ps = user;
    if (done) {
        if (ps->drawn) fputs("\r\033[K", stderr);
        return;
    }
    double t = now_s() - ps->start;
    char bar[32] = "";
    int pct = -1;
    if (ps->size > 0) {
        pct = (int)(100.0 * (double)c->bytes / (double)ps->size);
        if (pct > 100) pct = 100;
        int fill = pct / 5;
        for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
    }
    fprintf(stderr, "\r\033[K  %llu rows  %.2fM rows/s", (unsigned long long)c->read,
            t > 0 ? (double)c->read / t / 1e6 : 0.0);
    if (pct >= 0) fprintf(stderr, "  [%s] %d%%", bar, pct);
    fflush(stderr);
    ps->drawn = 1;
}

static int parse_format(const cli_command *self, const char *opt, const char *v, batch_format *f) {
    if (!strcmp(v, "csv")) *f = BATCH_FMT_CSV;
    else if (!strcmp(v, "jsonl")) *f = BATCH_FMT_JSONL;
    else return cli_usage_error(self, "--%s: \"%s\" is not csv or jsonl", opt, v), -1;
    return 0;
}

int cmd_batch(const cli_command *self, int argc, char **argv) {
    batch_options o = {.ev = {.kind = BATCH_CHECK, .as_of = TF_DATE_DEFAULT}, .in_fd = -1, .out = stdout};
    int kinds = 0;
    const char *rules_dir = NULL, *output = NULL;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP: return p.exit_code;
        case OPT_CHECK: o.ev.kind = BATCH_CHECK, kinds++; break;
        case OPT_SCHEME: o.ev.kind = BATCH_SCHEME, o.ev.id = p.arg, kinds++; break;
        case OPT_ROUTE: o.ev.kind = BATCH_ROUTE, o.ev.id = p.arg, kinds++; break;
        case OPT_ALL: o.ev.kind = BATCH_ALL, kinds++; break;
        case OPT_AS_OF:
            if (!cli_parse_date(self, "as-of", p.arg, &o.ev.as_of)) return CLI_EXIT_USAGE;
            break;
        case OPT_OUTPUT: output = p.arg; break;
        case OPT_FORMAT:
            if (parse_format(self, "format", p.arg, &o.out_format)) return CLI_EXIT_USAGE;
            break;
        case OPT_INPUT_FORMAT:
            if (parse_format(self, "input-format", p.arg, &o.in_format)) return CLI_EXIT_USAGE;
            break;
        case OPT_THREADS: {
            char *end;
            errno = 0;
            threads = strtol(p.arg, &end, 10);
            if (errno || *end || end == p.arg || threads < 1 || threads > 256)
                return cli_usage_error(self, "--threads: \"%s\" is not a number of threads (1 to 256)", p.arg);
            break;
        }
        case OPT_STRICT: o.strict = 1; break;
        case OPT_RULES: rules_dir = p.arg; break;
        }
    }
    int first = cli_operands_start(&p);
    if (kinds != 1) return cli_usage_error(self, "needs one of --check, --scheme ID, --route ID, --all");
    if (first == argc) return cli_usage_error(self, "needs an input file (or - for stdin)");
    if (argc - first > 1) return cli_usage_error(self, "\"%s\": one input only", argv[first + 1]);
    o.name = argv[first];
    o.threads = threads < 1 ? 1 : (int)threads;

    tf_rules *rules = NULL;
    /* a scheme or a route reads its own rulebook only: of the bundled ones, that one */
    tf_rc rc = o.ev.kind == BATCH_SCHEME || o.ev.kind == BATCH_ROUTE
                   ? cli_load_rules_only(self, rules_dir, o.ev.id, &rules)
                   : cli_load_rules(self, rules_dir, false, &rules);
    if (rc != TF_OK) return cli_exit_code(rc);
    o.ev.r = rules;
    progress_state ps = {0, now_s(), 0};
    int fd = strcmp(o.name, "-") ? open(o.name, O_RDONLY) : 0;
    FILE *out = NULL;
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open: %s\n", o.name, strerror(errno));
        rc = TF_EIO;
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: cannot read: Is a directory\n", o.name);
        rc = TF_EIO;
        goto done;
    }
    if (S_ISREG(st.st_mode)) ps.size = st.st_size;
    out = output ? fopen(output, "w") : stdout;
    if (!out) {
        fprintf(stderr, "%s: cannot open: %s\n", output, strerror(errno));
        rc = TF_EIO;
        goto done;
    }
    cli_buffer_output(out);
    o.in_fd = fd;
    o.out = out;
    if (isatty(2)) {
        o.progress = progress;
        o.user = &ps;
    }
    batch_counts c;
    char err[600] = "";
    rc = batch_run(&o, &c, err, sizeof err);
    if (rc == TF_ENOTFOUND) {
        cli_error(self, "%s", err);
        goto done;
    }
    if (rc != TF_OK) fprintf(stderr, "%s: %s\n", o.name, err);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "talentflow batch: cannot write the output: %s\n", strerror(errno));
        if (rc == TF_OK) rc = TF_ENOMEM; /* exit 70, as for any unwritable output */
    }
    if (rc == TF_OK || rc == TF_ECASE || c.read)
        fprintf(stderr, "talentflow batch: read %llu, evaluated %llu, rejected %llu, written %llu\n",
                (unsigned long long)c.read, (unsigned long long)c.evaluated, (unsigned long long)c.rejected,
                (unsigned long long)c.written);
done:
    if (fd > 0) close(fd);
    if (out && out != stdout) fclose(out);
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
