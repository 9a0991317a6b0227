/*
 * cmd_test.c — `talentflow test [FILE...]`: run the tests written inside rulebooks.
 *
 * Which rule set, and which of its tests:
 *   no FILE, no --rules      every test of the bundled rulebooks
 *   --rules DIR [FILE...]    the rulebooks under DIR; the tests of the named files (all
 *                            when none is named), named as the rule set names them
 *                            (a usage error when the names select no test)
 *   FILE...                  the files compiled as `lint` compiles them; their tests
 * The library prints a line per failure and a summary to stdout; the exit code is 1
 * when any test failed.
 */
#include "cli/cli.h"

enum { OPT_RULES, OPT_VERBOSE };

const cli_option cmd_test_options[] = {
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    [OPT_VERBOSE] = {"verbose", 'v', NULL, "print a line for every test, passed or not"},
    {NULL, 0, NULL, NULL},
};

int cmd_test(const cli_command *self, int argc, char **argv)
{
    const char *rules_dir = NULL;
    bool verbose = false;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_RULES:
            rules_dir = p.arg;
            break;
        case OPT_VERBOSE:
            verbose = true;
            break;
        }
    }
    int first = cli_operands_start(&p);
    size_t nfiles = (size_t)(argc - first);
    char *const *files = argv + first;

    tf_rules *rules = NULL;
    tf_rc rc = cli_load_rule_set(self, files, nfiles, rules_dir, &rules);
    if (rc == TF_OK) {
        int passed = 0, failed = 0;
        rc = tf_rules_test(rules, (const char *const *)files, nfiles, verbose, stdout, &passed,
                           &failed);
        if (rc != TF_OK && rc != TF_ETEST)
            cli_error(self, "%s", tf_strerror(rc));
        /* With --rules the files only select tests by name: a name that selects none is
         * most likely a typo, which must not pass silently in CI. */
        if (rc == TF_OK && rules_dir && nfiles > 0 && passed + failed == 0) {
            cli_usage_error(self, "no test ran: no rulebook under %s with tests has the "
                                  "names given",
                            rules_dir);
            rc = TF_EARG;
        }
    }
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
