/*
 * cmd_check.c — `talentflow check CASE.json|-`: one entry decision, with its reasons.
 *
 * Loads the rules (bundled, or --rules DIR), reads and parses the case, decides it as of
 * --as-of (default: the trip's entry date) and prints the decision as text or, with
 * --json, as one JSON object and a newline. With --trace the evaluation's steps are
 * printed before the decision: on stdout for text output, on stderr with --json so that
 * stdout stays one JSON document.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum { OPT_AS_OF, OPT_JSON, OPT_TRACE, OPT_RULES };

const cli_option cmd_check_options[] = {
    [OPT_AS_OF] = {"as-of", 0, "DATE", "decide as of DATE (default: the trip's entry date)"},
    [OPT_JSON] = {"json", 0, NULL, "print the decision as one JSON object"},
    [OPT_TRACE] = {"trace", 0, NULL, "print each step of the evaluation first"},
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    {NULL, 0, NULL, NULL},
};

/* Writes the decision as JSON and a newline. TF_ENOMEM when it cannot be built. */
static tf_rc print_json(const tf_decision *d)
{
    char *json = tf_decision_json(d);
    if (!json)
        return TF_ENOMEM;
    size_t len = strlen(json);
    fputs(json, stdout);
    if (len == 0 || json[len - 1] != '\n')
        fputc('\n', stdout);
    free(json);
    return TF_OK;
}

int cmd_check(const cli_command *self, int argc, char **argv)
{
    cli_case_opts o = {TF_DATE_DEFAULT, false, NULL};
    bool trace = false;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        if (opt == CLI_OPT_STOP)
            return p.exit_code;
        if (opt == OPT_TRACE)
            trace = true;
        else if (cli_case_option(self, self->options[opt].name, p.arg, &o) < 0)
            return CLI_EXIT_USAGE;
    }
    const char *path = cli_case_operand(self, argc, argv, cli_operands_start(&p));
    if (!path)
        return CLI_EXIT_USAGE;
    bool json = o.json;

    tf_rules *rules = NULL;
    tf_decision *d = NULL;
    tf_rc rc = cli_load_rules(self, o.rules_dir, false, &rules);
    if (rc != TF_OK)
        goto done;
    d = tf_decision_new();
    if (!d) {
        cli_error(self, "out of memory");
        rc = TF_ENOMEM;
        goto done;
    }
    rc = cli_decide_file(rules, path, o.as_of, d, trace ? (json ? stderr : stdout) : NULL);
    if (rc != TF_OK)
        goto done;
    if (json && (rc = print_json(d)) != TF_OK)
        cli_error(self, "out of memory");
    else if (!json)
        tf_decision_print(d, stdout);
done:
    tf_decision_free(d);
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
