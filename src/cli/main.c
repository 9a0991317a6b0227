/*
 * main.c — the talentflow command: the table of subcommands and the dispatch.
 *
 * `talentflow COMMAND ARGS...` runs the command's function with argv starting at the
 * command's name. Each command lives in its own cmd_NAME.c and parses its own options
 * (the options table sits beside the parser); this table holds what is shown about a
 * command: its one-line summary, its synopsis and its help text. docs/cli.md says the
 * same at more length, and tests/cli/ checks every --help against it.
 *
 * Global options are only --help and --version; `talentflow help CMD` is `CMD --help`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cli_command commands[] = {
    {"check", cmd_check, "Decide whether a trip is admitted without a visa.",
     "[OPTIONS] CASE.json|-",
     "Reads a case document (a JSON file, or stdin for -), evaluates its trip against the\n"
     "rulebook of the trip's destination (trip.to) and prints the decision with its\n"
     "reasons: the outcome, the deciding rule, the latest departure date and, for each\n"
     "clause, whether it held and the source it cites. The decision is made as of the\n"
     "trip's entry date unless --as-of says otherwise. Any outcome, visa_required\n"
     "included, exits 0.\n"
     "\n"
     "Examples:\n"
     "  talentflow check examples/01-fr-business-visitor.json\n"
     "  talentflow check --json --as-of 2024-11-29 case.json\n"
     "  echo '{\"nationality\": \"US\", \"trip\": {...}}' | talentflow check -\n",
     cmd_check_options},
    {"assess", cmd_assess, "Score a case under a points scheme, with the gap to the next tier.",
     "[OPTIONS] (--scheme ID | --all) CASE.json|-",
     "Reads a case document and scores it under the points scheme ID (cn.work_permit,\n"
     "ca.crs, jp.hsp, gb.skilled_worker, au.skilled_189, or any scheme of --rules), or\n"
     "under every scheme with --all: the points of every factor with the clause and source\n"
     "behind them, the total, the category or whether the pass mark is met, the smallest\n"
     "single changes that reach the next tier, and the dated changes ahead. As of today\n"
     "unless --as-of says otherwise.\n"
     "\n"
     "Examples:\n"
     "  talentflow assess --scheme cn.work_permit examples/points-cn-engineer.json\n"
     "  talentflow assess --all --json --as-of 2025-06-01 case.json\n",
     cmd_assess_options},
    {"pathway", cmd_pathway, "Check a residence history against a route to residence or citizenship.",
     "[OPTIONS] --route ID CASE.json|-",
     "Reads a case document with a residence history (statuses and absences) and\n"
     "evaluates it under the route ID (ca.citizenship, ca.pr_residency, gb.ilr,\n"
     "gb.naturalisation, us.naturalization, cn.permanent_residence, or any route of\n"
     "--rules): whether each requirement holds, the days counted and required, and the\n"
     "earliest date on or after the evaluation date on which the person qualifies if no\n"
     "further absence occurs, with the requirement that binds it. As of today unless\n"
     "--as-of says otherwise.\n"
     "\n"
     "Example:\n"
     "  talentflow pathway --route ca.citizenship --as-of 2020-08-31 case.json\n",
     cmd_pathway_options},
    {"batch", cmd_batch, "Screen a file of cases (CSV or JSONL): one result row per row.",
     "[OPTIONS] (--check | --scheme ID | --route ID | --all) INPUT|-",
     "Reads cases from INPUT (or stdin for -): CSV with a header row naming the case\n"
     "document's fields (nested names joined by '.', lists ';'-separated: languages.en.clb\n"
     "= 9;9;9;9, work = FR:3;CA:1), or JSONL, one case document per line. Decides every\n"
     "row and writes one output row per input row, in input order, as CSV or JSONL: the\n"
     "row number, the row's id, the outcome (or total, or eligibility) and a reason code;\n"
     "a row that cannot be read or decided is an error row naming the field (reason\n"
     "E:field), and the run goes on unless --strict. Ends with a summary on stderr: read,\n"
     "evaluated, rejected, written. Uses every core unless --threads says otherwise; the\n"
     "output does not depend on the number of threads. See docs/batch.md.\n"
     "\n"
     "Examples:\n"
     "  talentflow batch --check cases.csv -o decisions.csv\n"
     "  talentflow batch --scheme ca.crs --as-of 2025-06-01 --threads 2 cases.csv\n"
     "  talentflow synth --n 1000 --seed 1 | talentflow batch --all -\n",
     cmd_batch_options},
    {"synth", cmd_synth, "Write a synthetic population of cases.",
     "--n N [--seed S] [--format csv|jsonl] [OPTIONS]",
     "Writes N realistic cases: nationalities weighted by population (data/world/),\n"
     "ages, education, languages, work years, a spouse, a trip and a residence history\n"
     "drawn from the distributions stated in docs/batch.md, for benchmarks and tests. The\n"
     "same --n, --seed, --format and --today give the same bytes.\n"
     "\n"
     "Example:\n"
     "  talentflow synth --n 1000000 --seed 7 > cases.csv\n",
     cmd_synth_options},
    {"lint", cmd_lint, "Check rulebook files for errors.", "FILE...",
     "Compiles the given rulebook files together, with the bundled case schema\n"
     "(rulebooks/case.rules) unless one of them is named case.rules. Prints every\n"
     "diagnostic to stderr (file:line:col, the source line and a caret) and \"FILE: ok\"\n"
     "on stdout for each file without errors. Exits 3 when there are errors.\n"
     "\n"
     "Example:\n"
     "  talentflow lint rulebooks/cn/entry.rules\n",
     cmd_lint_options},
    {"test", cmd_test, "Run the tests written in rulebooks.", "[OPTIONS] [FILE...]",
     "Runs the `test` blocks of the rulebooks: of the given files, compiled as lint\n"
     "compiles them (or, with --rules, those of the files under DIR that are named), or of\n"
     "every bundled rulebook when no file is given. Prints a line for each failure and a\n"
     "summary; exits 1 when a test failed.\n"
     "\n"
     "Examples:\n"
     "  talentflow test\n"
     "  talentflow test -v rulebooks/cn/entry.rules\n",
     cmd_test_options},
    {"compile", cmd_compile, "Compile rulebooks; show the compiled IR.",
     "[OPTIONS] [FILE...]",
     "Compiles the given rulebook files (with the bundled case schema, as lint does), or\n"
     "the bundled rulebooks (or those under --rules DIR) when no file is given. With\n"
     "--dump-ir prints the compiled rules in a readable form; otherwise prints the rule\n"
     "set's version (its rulebooks and a content hash).\n"
     "\n"
     "Example:\n"
     "  talentflow compile --dump-ir rulebooks/cn/entry.rules\n",
     cmd_compile_options},
    {"diff", cmd_diff, "Show what changed in the rules between two dates.",
     "--from DATE --to DATE [OPTIONS]",
     "Lists, for every rulebook, what differs between the rules in force on --from and\n"
     "those in force on --to: rules started or ended, set members added or removed,\n"
     "values changed. --from must be before --to. With --pairs, compares decisions\n"
     "instead: a one-day tourist visit for every (nationality, destination) pair, as of\n"
     "each date; prints the count by transition and every pair whose decision changed.\n"
     "With --population INPUT, compares the decisions of every case of a CSV or JSONL\n"
     "file (as batch reads it) as of --from and --to, or under --rules DIR and --vs DIR:\n"
     "the rows whose decision changes, counted by transition, with a few row ids each.\n"
     "\n"
     "Examples:\n"
     "  talentflow diff --from 2024-12-16 --to 2024-12-17\n"
     "  talentflow diff --pairs --pack world. --from 2024-01-05 --to 2025-01-12\n"
     "  talentflow diff --population cases.csv --from 2024-12-16 --to 2024-12-17\n",
     cmd_diff_options},
    {"tour", cmd_tour, "Decide every example case, with reasons.", "[OPTIONS] [DIR]",
     "Runs `check` on every *.json case file in DIR, in name order, printing for each its\n"
     "file name, the decision with its reasons and a blank line, then a summary line.\n"
     "DIR defaults to ./examples, or ../examples when there is none (running from the\n"
     "build folder). `make run` runs this.\n"
     "\n"
     "Example:\n"
     "  talentflow tour examples\n",
     cmd_tour_options},
    {"serve", cmd_serve, "Serve the HTTP JSON API and the web page.", "[OPTIONS]",
     "Starts an HTTP server with the bundled rulebooks (or those under --rules DIR):\n"
     "POST /v1/check, /v1/assess, /v1/pathway and /v1/batch decide cases; GET\n"
     "/v1/rulebooks, /v1/diff, /healthz, /metrics and /v1/openapi.json describe the\n"
     "service; / is the web page. Every decision is committed to the SQLite decision log\n"
     "(--decision-log) before it is answered. Prints the address, then runs until SIGTERM\n"
     "or SIGINT (a graceful stop); SIGHUP, or POST /v1/admin/reload with the token of\n"
     "TALENTFLOW_ADMIN_TOKEN, reloads the rulebooks. See docs/serve.md.\n"
     "\n"
     "Examples:\n"
     "  talentflow serve\n"
     "  talentflow serve --listen 0.0.0.0:8080 --rules rulebooks --decision-log /var/lib/tf.db\n",
     cmd_serve_options},
    {"import", cmd_import, "Write rulebooks from open data (the world pack).",
     "passport-index FILE --date DATE [FILE --date DATE]... [-o DIR]",
     "Reads snapshots of the passport-index visa-requirement data set (its tidy ISO2 CSV:\n"
     "Passport,Destination,Requirement; the Nth --date is the date of the Nth FILE) and\n"
     "writes one fallback rulebook per destination, DIR/xx.rules. Each snapshot is in\n"
     "force from its date until the day before the next one's. An unknown value or code\n"
     "is an error naming the file and line (exit 4). See docs/world.md.\n"
     "\n"
     "Example:\n"
     "  talentflow import passport-index \\\n"
     "      data/passport-index/2024-01-05/passport-index-tidy-iso2.csv --date 2024-01-05 \\\n"
     "      data/passport-index/2025-01-12/passport-index-tidy-iso2.csv --date 2025-01-12 \\\n"
     "      -o rulebooks/world\n",
     cmd_import_options},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_usage(FILE *out)
{
    fputs("Usage: talentflow COMMAND [OPTIONS] [ARGUMENTS]\n"
          "       talentflow help COMMAND\n"
          "       talentflow --help | --version\n",
          out);
}

static void print_help(FILE *out)
{
    print_usage(out);
    fputs("\ntalentflow answers questions about the rules of international talent mobility,\n"
          "from rulebooks written as dated, cited text.\n\nCommands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'talentflow help COMMAND' or 'talentflow COMMAND --help' for its options.\n"
          "\nExit codes:\n",
          out);
    cli_print_exit_codes(out);
}

/* talentflow help [COMMAND] */
static int run_help(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *cmd = find_command(argv[1]);
    if (!cmd || argc > 2) {
        fprintf(stderr, "talentflow help: \"%s\" is not a command (see talentflow --help)\n",
                cmd ? argv[2] : argv[1]);
        return CLI_EXIT_USAGE;
    }
    cli_print_command_help(cmd, stdout);
    return CLI_EXIT_OK;
}

/* A result that could not be written (a full disk, a closed pipe) must not exit 0. */
static int finish_output(int code)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "talentflow: cannot write the output: %s\n", strerror(errno));
        return code == CLI_EXIT_OK ? CLI_EXIT_INTERNAL : code;
    }
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        fputs("Run 'talentflow --help' for the commands.\n", stderr);
        return CLI_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
        print_help(stdout);
        return finish_output(CLI_EXIT_OK);
    }
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) {
        printf("talentflow %s\n", TF_VERSION);
        return finish_output(CLI_EXIT_OK);
    }
    if (strcmp(word, "help") == 0)
        return finish_output(run_help(argc - 1, argv + 1));
    if (word[0] == '-') {
        fprintf(stderr, "talentflow: %s: unknown option (see talentflow --help)\n", word);
        return CLI_EXIT_USAGE;
    }
    const cli_command *cmd = find_command(word);
    if (!cmd) {
        fprintf(stderr, "talentflow: \"%s\" is not a command (see talentflow --help)\n", word);
        return CLI_EXIT_USAGE;
    }
    return finish_output(cmd->run(cmd, argc - 1, argv + 1));
}
