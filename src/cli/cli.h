/*
 * cli.h — what the subcommands of the talentflow CLI share.
 *
 * The CLI is a thin layer over the public API (include/talentflow.h): main.c holds the
 * table of commands and dispatches; each cmd_*.c parses its options and arguments, calls
 * the library and formats what it returns. Everything more than one command needs lives
 * in cli_util.c: the option parser built on getopt_long (so every command reports a bad
 * option the same way and generates its --help option list from the same table it
 * parses), reading an input with a size limit, parsing a date option, loading or
 * compiling rulebooks, and the one mapping from tf_rc to exit code.
 *
 * Conventions for messages: a problem with the command line starts with the command
 * ("talentflow check: --as-of: ...") and exits 2; a problem with an input starts with
 * the input's name ("case.json: trip.entry_date: ...", "-" for stdin), like a
 * compiler's diagnostics. Results go to stdout, messages to stderr.
 */
#ifndef TF_CLI_H
#define TF_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "talentflow.h"

/* ---- exit codes ----------------------------------------------------------------------- */

/* The exit codes of the CLI, documented in docs/cli.md and printed by `talentflow --help`.
 * Append-only, like tf_rc: scripts test these numbers. */
#define CLI_EXIT_LIST(X)                                                                    \
    X(CLI_EXIT_OK, 0, "ok (check: a decision was made, whatever its outcome)")              \
    X(CLI_EXIT_TEST, 1, "a rulebook test failed (test)")                                    \
    X(CLI_EXIT_USAGE, 2, "usage error: a bad command, option or argument")                  \
    X(CLI_EXIT_RULES, 3, "the rulebooks have errors (lint, compile, any load)")            \
    X(CLI_EXIT_CASE, 4, "invalid case: bad JSON, an unknown field, a bad value")           \
    X(CLI_EXIT_NOTFOUND, 5, "no rulebook for the destination (check), no such scheme")     \
    X(CLI_EXIT_IO, 6, "an input cannot be read (missing, unreadable, over a size limit)")  \
    X(CLI_EXIT_INTERNAL, 70, "internal error: out of memory, output cannot be written")

enum {
#define CLI_EXIT_ENUM(name, num, text) name = num,
    CLI_EXIT_LIST(CLI_EXIT_ENUM)
#undef CLI_EXIT_ENUM
};

/* The exit code for a status returned by the library (or by a helper below). */
int cli_exit_code(tf_rc rc);

/* Writes the exit-code table, one "  N  meaning" line per code, to out. */
void cli_print_exit_codes(FILE *out);

/* ---- commands and options ------------------------------------------------------------- */

/* One option of a command. The parser and the "Options:" section of the command's help
 * are both generated from an array of these, ended by an entry whose name is NULL. */
typedef struct {
    const char *name; /* long name without "--": "as-of" */
    char short_name;  /* 'v' for -v, or 0 */
    const char *arg;  /* the value's placeholder ("DATE"), or NULL for a flag */
    const char *help; /* one line */
} cli_option;

typedef struct cli_command cli_command;
struct cli_command {
    const char *name;                                           /* "check" */
    int (*run)(const cli_command *self, int argc, char **argv); /* returns an exit code */
    const char *summary;                                        /* one line, for --help */
    const char *usage;    /* the synopsis after "talentflow NAME " */
    const char *help;     /* what it does, examples; printed after the synopsis */
    const cli_option *options;
};

/* Writes the full help of cmd (synopsis, text, options) to out. */
void cli_print_command_help(const cli_command *cmd, FILE *out);

/* Prints "talentflow CMD: <message>" and a hint to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "talentflow CMD: <message>" to stderr (no hint). */
void cli_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CLI_MAX_OPTIONS 16

/* Iterates over the options of a command line (getopt_long with GNU permutation, so
 * options and operands may come in any order; "--" ends the options). */
typedef struct {
    const cli_command *cmd;
    int argc;
    char **argv;
    struct option longopts[CLI_MAX_OPTIONS + 2]; /* the command's options, --help, end */
    char shortopts[2 * CLI_MAX_OPTIONS + 4];
    const char *arg; /* the value of the option just returned, or NULL */
    int exit_code;   /* when cli_next_option returns CLI_OPT_STOP: what to exit with */
} cli_parser;

enum {
    CLI_OPT_END = -1,  /* no more options: operands are argv[cli_operands_start()...] */
    CLI_OPT_STOP = -2, /* --help was printed or a usage error reported: exit with exit_code */
};

void cli_parser_init(cli_parser *p, const cli_command *cmd, int argc, char **argv);
/* Returns the index in cmd->options of the next option given (its value in p->arg), or
 * CLI_OPT_END, or CLI_OPT_STOP after printing the help (exit 0) or a usage error naming
 * the option (exit 2). */
int cli_next_option(cli_parser *p);
/* After CLI_OPT_END: the operands are argv[*first .. argc-1]. */
int cli_operands_start(const cli_parser *p);

/* Parses the value of option --NAME as a date; on failure prints
 * `talentflow CMD: --NAME: "VALUE" is not a date (YYYY-MM-DD)` and returns false. */
bool cli_parse_date(const cli_command *cmd, const char *opt, const char *value, tf_date *out);

/* ---- inputs --------------------------------------------------------------------------- */

#define CLI_INPUT_MAX ((size_t)16 << 20) /* 16 MiB: no case or rulebook comes close */

/* Reads the whole file at path ("-": stdin) into a malloc'd, NUL-terminated buffer.
 * TF_EIO when it cannot be opened or read, TF_ELIMIT when it is larger than
 * CLI_INPUT_MAX, TF_ENOMEM; on failure the message ("PATH: cannot open: REASON") is
 * printed to stderr and *text is NULL. The caller frees *text. */
tf_rc cli_read_input(const char *path, char **text, size_t *len);

/* Gives out (a command's main output: batch rows, synthetic cases) a 2 MiB buffer in a
 * huge page, so that it is written two megabytes at a time. One output per process: the
 * buffer is the program's, since stdout keeps it until exit. */
void cli_buffer_output(FILE *out);

/* ---- rules ---------------------------------------------------------------------------- */

/* Loads the rule set: the rulebooks under dir (tf_rules_load_dir), or the bundled ones
 * when dir is NULL. Diagnostics are printed to stderr when the load fails, and also on
 * success when show_warnings is true. On failure *out is NULL. A folder that cannot be
 * opened is reported as "DIR: cannot open: REASON" (TF_EIO); any other failure without
 * an error diagnostic as "talentflow CMD: DIR: cannot load the rulebooks: ...". */
tf_rc cli_load_rules(const cli_command *cmd, const char *dir, bool show_warnings,
                     tf_rules **out);

/* As cli_load_rules, for a command that decides no entry (a points scheme, a residence
 * route): the bundled rulebooks are then loaded without the world pack
 * (tf_rules_load_bundled_without_world), a quarter of the start-up's work. */
tf_rc cli_load_rules_no_entry(const cli_command *cmd, const char *dir, bool show_warnings,
                              tf_rules **out);

/* As cli_load_rules, for a command that evaluates the one rulebook `id` (a points scheme
 * or a residence route): of the bundled rulebooks, only that one and case.rules are
 * compiled (tf_rules_load_bundled_only), a twentieth of the whole set's work. */
tf_rc cli_load_rules_only(const cli_command *cmd, const char *dir, const char *id, tf_rules **out);

/* Compiles the rulebook files at paths[0..n-1] into one rule set, adding the bundled
 * case schema (rulebooks/case.rules) unless one of the files is named case.rules. The
 * diagnostics (errors or warnings) are returned in *diags, not printed; an unreadable
 * file is reported on stderr (TF_EIO or TF_ELIMIT, *diags NULL). */
tf_rc cli_compile_files(char *const *paths, size_t n, tf_rules **out, tf_diags **diags);

/* The rule set of test and compile: the files at paths[0..n-1] compiled as
 * cli_compile_files does when n > 0 and dir is NULL; otherwise cli_load_rules(dir).
 * Every diagnostic, warnings included, is printed to stderr. */
tf_rc cli_load_rule_set(const cli_command *cmd, char *const *paths, size_t n, const char *dir,
                        tf_rules **out);

/* Prints the diagnostics to stderr, then their count (cli_print_diag_count). A NULL d
 * prints nothing. */
void cli_print_diags(const cli_command *cmd, const tf_diags *d);

/* Prints "talentflow CMD: N errors, M warnings" to stderr when there are any. */
void cli_print_diag_count(const cli_command *cmd, const tf_diags *d);

/* ---- the subcommands ------------------------------------------------------------------ */

#define CLI_COMMAND_DECLS(X) X(check) X(assess) X(pathway) X(lint) X(test) X(compile) X(diff) X(tour) X(import) X(serve) X(batch) X(synth)

#define CLI_DECLARE(name)                                               \
    int cmd_##name(const cli_command *self, int argc, char **argv);     \
    extern const cli_option cmd_##name##_options[];
CLI_COMMAND_DECLS(CLI_DECLARE)
#undef CLI_DECLARE

/* ---- serve: two programs ---------------------------------------------------------------
 *
 * The server links libmicrohttpd, which brings GnuTLS and a dozen more libraries, and
 * SQLite: loading them costs every run of the program about 4 ms, twice what the whole
 * start-up of `check` costs without them. So the program `talentflow` does not link the
 * server. `talentflow serve` reads its options (cmd_serve.c), then calls serve_run: in
 * talentflow (serve_exec.c), it runs the program talentflow-serve, built beside it, with
 * the same command line; talentflow-serve is the same CLI with the server linked in, and
 * its serve_run (serve_run.c) serves. */

struct serve_config;
/* Runs the server configured by cfg until SIGTERM or SIGINT; argv, from "serve", is the
 * command line cfg was read from. Returns the exit code. */
int serve_run(const cli_command *self, int argc, char **argv, struct serve_config *cfg);

/* ---- diff --population (cmd_diff_population.c) ------------------------------------------ */

typedef struct {
    const char *input, *vs, *scheme, *route, *rules, *samples_text, *threads_text;
    const tf_date *from, *to; /* NULL when not given */
    bool json;
    int samples;
} diff_population;

/* `talentflow diff --population INPUT`: the rows whose decision changes between two dates
 * or two rule sets, by transition. Returns the exit code. */
int cmd_diff_population(const cli_command *self, const diff_population *dp);

/* ---- the decision ------------------------------------------------------------------------ */

/* Options shared by the commands that evaluate one case (check, assess, pathway). */
typedef struct {
    tf_date as_of;         /* --as-of DATE, or TF_DATE_DEFAULT */
    bool json;             /* --json */
    const char *rules_dir; /* --rules DIR, or NULL */
} cli_case_opts;

/* Takes the option named `name` with value `arg` when it is one of cli_case_opts':
 * returns 1 when taken, 0 when the option is not a shared one, -1 after printing a usage
 * error (a bad date). */
int cli_case_option(const cli_command *cmd, const char *name, const char *arg, cli_case_opts *o);

/* The one case-file operand of a command: argv[first], when it is the only operand.
 * Otherwise prints a usage error and returns NULL. */
const char *cli_case_operand(const cli_command *cmd, int argc, char **argv, int first);

/* Reads the case at path ("-": stdin) and parses it against r. Prints input errors
 * ("PATH: field: ...") to stderr and returns the status; on TF_OK *out is the case,
 * which the caller frees. */
tf_rc cli_read_case(const tf_rules *r, const char *path, tf_case **out);

/* Reads the case at path ("-": stdin), parses it against r and decides it as of as_of.
 * Prints input errors ("PATH: field: ...") to stderr and returns the status; on TF_OK the
 * decision is in d. With trace non-NULL, the evaluation's trace lines are written to it.
 * Shared by check and tour. */
tf_rc cli_decide_file(const tf_rules *r, const char *path, tf_date as_of, tf_decision *d,
                      FILE *trace);

#endif
