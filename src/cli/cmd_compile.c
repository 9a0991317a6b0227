/*
 * cmd_compile.c — `talentflow compile [--dump-ir] [FILE...]`: compile; show the IR.
 *
 * Compiles the named files (with the bundled case schema, as lint does), or the bundled
 * rulebooks, or those under --rules DIR. With --dump-ir the compiled rule set is printed
 * by tf_rules_dump, so what the evaluator will run can be read and diffed; without it
 * the rule set's version line says the compilation succeeded and what it holds.
 * Diagnostics, warnings included, go to stderr.
 */
#include "cli/cli.h"

enum { OPT_DUMP_IR, OPT_RULES };

const cli_option cmd_compile_options[] = {
    [OPT_DUMP_IR] = {"dump-ir", 0, NULL, "print the compiled rules (the IR)"},
    [OPT_RULES] = {"rules", 0, "DIR", "compile the rulebooks under DIR (no FILE allowed)"},
    {NULL, 0, NULL, NULL},
};

int cmd_compile(const cli_command *self, int argc, char **argv)
{
    const char *rules_dir = NULL;
    bool dump = false;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_DUMP_IR:
            dump = true;
            break;
        case OPT_RULES:
            rules_dir = p.arg;
            break;
        }
    }
    int first = cli_operands_start(&p);
    size_t nfiles = (size_t)(argc - first);
    if (nfiles > 0 && rules_dir)
        return cli_usage_error(self, "--rules %s: give a folder or files, not both",
                               rules_dir);

    tf_rules *rules = NULL;
    tf_rc rc = cli_load_rule_set(self, argv + first, nfiles, rules_dir, &rules);
    if (rc == TF_OK) {
        if (dump)
            tf_rules_dump(rules, stdout);
        else
            printf("%s\n", tf_rules_version(rules));
    }
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
