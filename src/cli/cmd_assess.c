/*
 * cmd_assess.c — `talentflow assess (--scheme ID | --all) CASE.json|-`: points.
 *
 * Loads the rules, reads the case and scores it under one scheme or under every scheme
 * of the rule set, printing each assessment as text or, with --json, as one JSON object
 * (one scheme) or a JSON array (--all).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum { OPT_SCHEME, OPT_ALL, OPT_AS_OF, OPT_JSON, OPT_RULES };

const cli_option cmd_assess_options[] = {
    [OPT_SCHEME] = {"scheme", 0, "ID", "the scheme to score under (e.g. ca.crs)"},
    [OPT_ALL] = {"all", 0, NULL, "score under every scheme"},
    [OPT_AS_OF] = {"as-of", 0, "DATE", "score as of DATE (default: today)"},
    [OPT_JSON] = {"json", 0, NULL, "print JSON"},
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    {NULL, 0, NULL, NULL},
};

int cmd_assess(const cli_command *self, int argc, char **argv)
{
    tf_date as_of = TF_DATE_DEFAULT;
    bool json = false, all = false;
    const char *scheme = NULL, *rules_dir = NULL;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_SCHEME:
            scheme = p.arg;
            break;
        case OPT_ALL:
            all = true;
            break;
        case OPT_AS_OF:
            if (!cli_parse_date(self, "as-of", p.arg, &as_of))
                return CLI_EXIT_USAGE;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_RULES:
            rules_dir = p.arg;
            break;
        }
    }
    int first = cli_operands_start(&p);
    if (!scheme == !all)
        return cli_usage_error(self, "needs --scheme ID or --all (one of them)");
    if (first == argc)
        return cli_usage_error(self, "needs a case file (or - for stdin)");
    if (argc - first > 1)
        return cli_usage_error(self, "\"%s\": one case file only", argv[first + 1]);

    tf_rules *rules = NULL;
    tf_case *c = NULL;
    tf_assessment *a = NULL;
    const char **ids = NULL;
    tf_rc rc = cli_load_rules(self, rules_dir, false, &rules);
    if (rc != TF_OK)
        goto done;
    rc = cli_read_case(rules, argv[first], &c);
    if (rc != TF_OK)
        goto done;
    size_t n = 1;
    if (all) {
        n = tf_rules_schemes(rules, NULL, 0);
        ids = calloc(n ? n : 1, sizeof *ids);
        if (ids)
            tf_rules_schemes(rules, ids, n);
    } else {
        ids = calloc(1, sizeof *ids);
        if (ids)
            ids[0] = scheme;
    }
    a = tf_assessment_new();
    if (!ids || !a) {
        cli_error(self, "out of memory");
        rc = TF_ENOMEM;
        goto done;
    }
    if (json && all)
        fputc('[', stdout);
    for (size_t i = 0; i < n; i++) {
        rc = tf_assess(rules, c, ids[i], as_of, a);
        if (rc != TF_OK) {
            fprintf(stderr, "%s: %s\n", argv[first], tf_assessment_error(a));
            goto done;
        }
        if (json) {
            char *s = tf_assessment_json(a);
            if (!s) {
                cli_error(self, "out of memory");
                rc = TF_ENOMEM;
                goto done;
            }
            fprintf(stdout, "%s%s", i ? "," : "", s);
            free(s);
        } else {
            if (i)
                fputc('\n', stdout);
            tf_assessment_print(a, stdout);
        }
    }
    if (json)
        fputs(all ? "]\n" : "\n", stdout);
done:
    free(ids);
    tf_assessment_free(a);
    tf_case_free(c);
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
