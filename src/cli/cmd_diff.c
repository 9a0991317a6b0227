/*
 * cmd_diff.c — `talentflow diff --from DATE --to DATE`: what changed between two dates.
 *
 * Compares the rules in force on --from with those in force on --to, for every rulebook
 * of the rule set (bundled, or --rules DIR): rules started or ended, set members added or
 * removed, values changed. The comparison itself is the library's (tf_rules_diff); this
 * command checks the dates and picks the format. With --pairs it compares decisions pair
 * by pair instead (tf_rules_diff_pairs), over the rulebooks whose id starts with --pack, and ends the JSON with a newline as
 * every other output of the CLI ends.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* open_memstream; the build defines it for every file */
#endif
#include <stdlib.h>

#include "cli/cli.h"

enum { OPT_FROM, OPT_TO, OPT_RULES, OPT_JSON, OPT_PAIRS, OPT_PACK, OPT_POPULATION, OPT_VS, OPT_SCHEME, OPT_ROUTE, OPT_SAMPLES,
       OPT_THREADS };

const cli_option cmd_diff_options[] = {
    [OPT_FROM] = {"from", 0, "DATE", "the earlier date (required)"},
    [OPT_TO] = {"to", 0, "DATE", "the later date (required)"},
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    [OPT_JSON] = {"json", 0, NULL, "print the changes as JSON"},
    [OPT_PAIRS] = {"pairs", 0, NULL, "compare decisions pair by pair (nationality, destination)"},
    [OPT_PACK] = {"pack", 0, "PREFIX", "with --pairs: only rulebooks whose id starts with PREFIX"},
    [OPT_POPULATION] = {"population", 0, "INPUT", "compare the decisions of every case of INPUT (CSV or JSONL)"},
    [OPT_VS] = {"vs", 0, "DIR", "with --population: compare --rules (or the bundled) with the rulebooks under DIR"},
    [OPT_SCHEME] = {"scheme", 0, "ID", "with --population: compare the scheme ID's tiers, not entry decisions"},
    [OPT_ROUTE] = {"route", 0, "ID", "with --population: compare eligibility under the route ID"},
    [OPT_SAMPLES] = {"samples", 0, "N", "with --population: row ids shown per transition (default 5)"},
    [OPT_THREADS] = {"threads", 0, "N", "with --population: worker threads (default: every core)"},
    {NULL, 0, NULL, NULL},
};

/* Writes the changes as JSON and, if the library did not, a newline. */
static void print_json_diff(const tf_rules *r, tf_date from, tf_date to)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) { /* unbuffered fallback: the newline is then always added */
        tf_rules_diff(r, from, to, true, stdout);
        fputc('\n', stdout);
        return;
    }
    tf_rules_diff(r, from, to, true, mem);
    if (fclose(mem) == 0 && text) {
        fwrite(text, 1, len, stdout);
        if (len == 0 || text[len - 1] != '\n')
            fputc('\n', stdout);
    }
    free(text);
}

int cmd_diff(const cli_command *self, int argc, char **argv)
{
    const char *from_text = NULL, *to_text = NULL, *rules_dir = NULL;
    tf_date from = 0, to = 0;
    bool json = false, pairs = false;
    const char *pack = NULL;
    diff_population pop = {.samples = 5};

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_FROM:
            if (!cli_parse_date(self, "from", p.arg, &from))
                return CLI_EXIT_USAGE;
            from_text = p.arg;
            break;
        case OPT_TO:
            if (!cli_parse_date(self, "to", p.arg, &to))
                return CLI_EXIT_USAGE;
            to_text = p.arg;
            break;
        case OPT_RULES:
            rules_dir = p.arg;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_PAIRS:
            pairs = true;
            break;
        case OPT_PACK:
            pack = p.arg;
            break;
        case OPT_POPULATION: pop.input = p.arg; break;
        case OPT_VS: pop.vs = p.arg; break;
        case OPT_SCHEME: pop.scheme = p.arg; break;
        case OPT_ROUTE: pop.route = p.arg; break;
        case OPT_SAMPLES: pop.samples_text = p.arg; break;
        case OPT_THREADS: pop.threads_text = p.arg; break;
        }
    }
    int first = cli_operands_start(&p);
    if (pop.input || pop.vs || pop.scheme || pop.route || pop.samples_text || pop.threads_text) {
        if (first < argc) return cli_usage_error(self, "\"%s\": takes no operand", argv[first]);
        pop.from = from_text ? &from : NULL;
        pop.to = to_text ? &to : NULL;
        pop.rules = rules_dir;
        pop.json = json;
        if (pairs) return cli_usage_error(self, "--pairs and --population do not go together");
        return cmd_diff_population(self, &pop);
    }
    if (first < argc)
        return cli_usage_error(self, "\"%s\": takes no operand (dates go with --from, --to)",
                               argv[first]);
    if (!from_text || !to_text)
        return cli_usage_error(self, "--%s DATE is required", from_text ? "to" : "from");
    if (from >= to)
        return cli_usage_error(self, "--from %s is not before --to %s", from_text, to_text);
    if (pack && !pairs)
        return cli_usage_error(self, "--pack goes with --pairs");

    tf_rules *rules = NULL;
    tf_rc rc = cli_load_rules(self, rules_dir, false, &rules);
    if (rc == TF_OK && pairs) {
        if (tf_rules_diff_pairs(rules, from, to, pack, json, stdout) < 0) {
            cli_error(self, "out of memory");
            rc = TF_ENOMEM;
        }
    } else if (rc == TF_OK && json)
        print_json_diff(rules, from, to);
    else if (rc == TF_OK)
        tf_rules_diff(rules, from, to, false, stdout);
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
