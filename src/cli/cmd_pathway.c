/*
 * cmd_pathway.c — `talentflow pathway --route ID CASE.json|-`: residence and presence.
 *
 * Loads the rules, reads the case and evaluates its residence history under one route,
 * printing the result as text or, with --json, as one JSON object.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum { OPT_ROUTE, OPT_AS_OF, OPT_JSON, OPT_RULES };

const cli_option cmd_pathway_options[] = {
    [OPT_ROUTE] = {"route", 0, "ID", "the route (e.g. ca.citizenship)"},
    [OPT_AS_OF] = {"as-of", 0, "DATE", "evaluate as of DATE (default: today)"},
    [OPT_JSON] = {"json", 0, NULL, "print JSON"},
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    {NULL, 0, NULL, NULL},
};

int cmd_pathway(const cli_command *self, int argc, char **argv)
{
    cli_case_opts o = {TF_DATE_DEFAULT, false, NULL};
    const char *route = NULL;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        if (opt == CLI_OPT_STOP)
            return p.exit_code;
        if (opt == OPT_ROUTE)
            route = p.arg;
        else if (cli_case_option(self, self->options[opt].name, p.arg, &o) < 0)
            return CLI_EXIT_USAGE;
    }
    if (!route)
        return cli_usage_error(self, "needs --route ID");
    const char *path = cli_case_operand(self, argc, argv, cli_operands_start(&p));
    if (!path)
        return CLI_EXIT_USAGE;

    tf_rules *rules = NULL;
    tf_case *c = NULL;
    tf_pathway_result *res = NULL;
    tf_rc rc = cli_load_rules_only(self, o.rules_dir, route, &rules); /* a route reads its own rulebook only */
    if (rc != TF_OK)
        goto done;
    rc = cli_read_case(rules, path, &c);
    if (rc != TF_OK)
        goto done;
    res = tf_pathway_new();
    if (!res) {
        cli_error(self, "out of memory");
        rc = TF_ENOMEM;
        goto done;
    }
    rc = tf_pathway(rules, c, route, o.as_of, res);
    if (rc != TF_OK) {
        fprintf(stderr, "%s: %s\n", path, tf_pathway_error(res));
        goto done;
    }
    if (o.json) {
        char *s = tf_pathway_json(res);
        if (!s) {
            cli_error(self, "out of memory");
            rc = TF_ENOMEM;
            goto done;
        }
        printf("%s\n", s);
        free(s);
    } else {
        tf_pathway_print(res, stdout);
    }
done:
    tf_pathway_free(res);
    tf_case_free(c);
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
