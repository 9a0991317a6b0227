/*
 * cmd_synth.c — `talentflow synth --n N [--seed S] [--format csv|jsonl]`: synthetic cases.
 *
 * Writes N cases drawn from the distributions of docs/batch.md (src/batch/synth.c), as
 * CSV with a header row (the columns `talentflow batch` reads) or as JSONL. The same
 * --n, --seed, --format and --today always give the same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "cli/cli.h"

enum { OPT_N, OPT_SEED, OPT_FORMAT, OPT_TODAY, OPT_WORLD, OPT_OUTPUT };

const cli_option cmd_synth_options[] = {
    [OPT_N] = {"n", 0, "N", "the number of cases (required)"},
    [OPT_SEED] = {"seed", 0, "S", "the seed of the generator (default 1)"},
    [OPT_FORMAT] = {"format", 0, "FMT", "csv (default) or jsonl"},
    [OPT_TODAY] = {"today", 0, "DATE", "the reference date of ages and trips (default 2025-06-01)"},
    [OPT_WORLD] = {"world", 0, "FILE", "population weights (default data/world/default-world-latest.csv)"},
    [OPT_OUTPUT] = {"output", 'o', "FILE", "write to FILE (default: stdout)"},
    {NULL, 0, NULL, NULL},
};

static int parse_count(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || s[0] == '-') return -1;
    *out = v;
    return 0;
}

/* The population weights that ship with talentflow: data/world/default-world-latest.csv
 * in the source tree, found beside the executable (build/talentflow -> ../data/...) so
 * that synth works from any directory; else relative to the current directory. */
static const char *world_weights(char *buf, size_t n)
{
    static const char rel[] = "data/world/default-world-latest.csv";
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len > 0) {
        buf[len] = 0;
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(buf, '/');
            if (!slash)
                break;
            *slash = 0;
            size_t l = strlen(buf);
            if (l + 1 + sizeof rel <= n) {
                char *end = buf + l;
                snprintf(end, n - l, "/%s", rel);
                if (access(buf, R_OK) == 0)
                    return buf;
                *end = 0;
            }
        }
    }
    return rel;
}

int cmd_synth(const cli_command *self, int argc, char **argv) {
    synth_options o = {.seed = 1, .format = BATCH_FMT_CSV, .world_csv = NULL};
    int have_n = 0;
    const char *output = NULL;
    tf_date today;
    tf_date_parse("2025-06-01", &today);
    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP: return p.exit_code;
        case OPT_N:
            if (parse_count(p.arg, &o.n)) return cli_usage_error(self, "--n: \"%s\" is not a number of cases", p.arg);
            have_n = 1;
            break;
        case OPT_SEED:
            if (parse_count(p.arg, &o.seed)) return cli_usage_error(self, "--seed: \"%s\" is not a whole number", p.arg);
            break;
        case OPT_FORMAT:
            if (!strcmp(p.arg, "csv")) o.format = BATCH_FMT_CSV;
            else if (!strcmp(p.arg, "jsonl")) o.format = BATCH_FMT_JSONL;
            else return cli_usage_error(self, "--format: \"%s\" is not csv or jsonl", p.arg);
            break;
        case OPT_TODAY:
            if (!cli_parse_date(self, "today", p.arg, &today)) return CLI_EXIT_USAGE;
            break;
        case OPT_WORLD: o.world_csv = p.arg; break;
        case OPT_OUTPUT: output = p.arg; break;
        }
    }
    if (cli_operands_start(&p) < argc)
        return cli_usage_error(self, "\"%s\": takes no operand", argv[cli_operands_start(&p)]);
    if (!have_n) return cli_usage_error(self, "--n N is required");
    o.today = today;
    char found[4096];
    if (!o.world_csv)
        o.world_csv = world_weights(found, sizeof found);
    FILE *out = output ? fopen(output, "w") : stdout;
    if (!out) {
        fprintf(stderr, "%s: cannot open: %s\n", output, strerror(errno));
        return CLI_EXIT_IO;
    }
    cli_buffer_output(out);
    char err[400] = "";
    tf_rc rc = synth_run(&o, out, err, sizeof err);
    if (rc) fprintf(stderr, "talentflow synth: %s\n", err);
    if (out != stdout && fclose(out) != 0 && !rc) {
        fprintf(stderr, "%s: cannot write: %s\n", output, strerror(errno));
        rc = TF_ENOMEM;
    }
    return cli_exit_code(rc);
}
