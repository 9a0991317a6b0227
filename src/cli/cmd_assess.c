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
    cli_case_opts o = {TF_DATE_DEFAULT, false, NULL};
    bool all = false;
    const char *scheme = NULL;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        if (opt == CLI_OPT_STOP)
            return p.exit_code;
        if (opt == OPT_SCHEME)
            scheme = p.arg;
        else if (opt == OPT_ALL)
            all = true;
        else if (cli_case_option(self, self->options[opt].name, p.arg, &o) < 0)
            return CLI_EXIT_USAGE;
    }
    if (!scheme == !all)
        return cli_usage_error(self, "needs --scheme ID or --all (one of them)");
    const char *path = cli_case_operand(self, argc, argv, cli_operands_start(&p));
    if (!path)
        return CLI_EXIT_USAGE;
    bool json = o.json;

    tf_rules *rules = NULL;
    tf_case *c = NULL;
    tf_assessment *a = NULL;
    const char **ids = NULL;
    /* a scheme reads its own rulebook only; --all, every scheme: nothing of the world pack */
    tf_rc rc = scheme ? cli_load_rules_only(self, o.rules_dir, scheme, &rules)
                      : cli_load_rules_no_entry(self, o.rules_dir, false, &rules);
    if (rc != TF_OK)
        goto done;
    rc = cli_read_case(rules, path, &c);
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
        rc = tf_assess(rules, c, ids[i], o.as_of, a);
        if (rc != TF_OK) {
            fprintf(stderr, "%s: %s\n", path, tf_assessment_error(a));
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
