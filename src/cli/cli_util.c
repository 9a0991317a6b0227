/*
 * cli_util.c — the pieces every talentflow subcommand shares.
 *
 * The exit-code mapping (one table, tf_rc -> exit code), the option parser over
 * getopt_long and the --help it generates, reading an input whole with a size limit,
 * date options, loading and compiling rulebooks, and reading-parsing-deciding a case
 * file. The commands themselves stay small: they parse, call the library and format.
 *
 * The CLI's policy on memory differs from the library's: the library reports TF_ENOMEM
 * and carries on; the CLI reports it and exits 70.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/bundled.h"
#include "base/pages.h"
#include "cli/cli.h"

/* ---- exit codes ------------------------------------------------------------------------ */

/* The one mapping from library status to exit code. Several statuses may share a code;
 * a status not listed (a code appended to tf_rc after this table) is an internal error
 * until it is given its own row. */
static const struct {
    tf_rc rc;
    int exit_code;
} rc_exit[] = {
    {TF_OK, CLI_EXIT_OK},
    {TF_ENOMEM, CLI_EXIT_INTERNAL},
    {TF_EIO, CLI_EXIT_IO},
    {TF_ERULES, CLI_EXIT_RULES},
    {TF_ECASE, CLI_EXIT_CASE},
    {TF_ENOTFOUND, CLI_EXIT_NOTFOUND},
    {TF_EARG, CLI_EXIT_USAGE},
    {TF_ETEST, CLI_EXIT_TEST},
    {TF_ELIMIT, CLI_EXIT_IO},
};

int cli_exit_code(tf_rc rc)
{
    for (size_t i = 0; i < sizeof rc_exit / sizeof rc_exit[0]; i++)
        if (rc_exit[i].rc == rc)
            return rc_exit[i].exit_code;
    return CLI_EXIT_INTERNAL;
}

void cli_print_exit_codes(FILE *out)
{
#define CLI_EXIT_PRINT(name, num, text) fprintf(out, "  %2d  %s\n", num, text);
    CLI_EXIT_LIST(CLI_EXIT_PRINT)
#undef CLI_EXIT_PRINT
}

/* ---- messages ---------------------------------------------------------------------------- */

static void verror(const cli_command *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "talentflow %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_buffer_output(FILE *out)
{
    /* glibc ignores a size given without a buffer (setvbuf(out, NULL, ...) keeps 4 KiB).
     * A huge page (base/pages.h), whose first fill is one page fault, not 512; else a
     * static megabyte. Never freed: stdout may be written until exit. */
    static char fallback[1 << 20];
    static char *buf;
    if (!buf)
        buf = pages_alloc(PAGES_HUGE);
    if (buf)
        setvbuf(out, buf, _IOFBF, PAGES_HUGE);
    else
        setvbuf(out, fallback, _IOFBF, sizeof fallback);
}

void cli_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(cmd, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'talentflow %s --help'.\n", cmd->name);
    return CLI_EXIT_USAGE;
}

/* ---- options ------------------------------------------------------------------------------- */

/* getopt_long's value for option i: its short letter, or a number past any character. */
#define LONG_ONLY_BASE 256
#define HELP_VAL 'h'

static int option_val(const cli_option *o, int i)
{
    return o->short_name ? (unsigned char)o->short_name : LONG_ONLY_BASE + i;
}

static const cli_option help_option = {"help", 'h', NULL, "show this help and exit"};

/* The width of "  -v, --name ARG" for the help's first column. */
static size_t option_width(const cli_option *o)
{
    return 6 + 2 + strlen(o->name) + (o->arg ? 1 + strlen(o->arg) : 0);
}

static void print_option(const cli_option *o, size_t width, FILE *out)
{
    int n;
    if (o->short_name)
        n = fprintf(out, "  -%c, --%s", o->short_name, o->name);
    else
        n = fprintf(out, "      --%s", o->name);
    if (o->arg)
        n += fprintf(out, " %s", o->arg);
    fprintf(out, "%*s%s\n", (int)(width - (size_t)n + 2), "", o->help);
}

void cli_print_command_help(const cli_command *cmd, FILE *out)
{
    fprintf(out, "Usage: talentflow %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->help && *cmd->help)
        fprintf(out, "\n%s", cmd->help);
    size_t width = option_width(&help_option);
    for (const cli_option *o = cmd->options; o && o->name; o++)
        if (option_width(o) > width)
            width = option_width(o);
    fputs("\nOptions:\n", out);
    for (const cli_option *o = cmd->options; o && o->name; o++)
        print_option(o, width, out);
    print_option(&help_option, width, out);
}

void cli_parser_init(cli_parser *p, const cli_command *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    /* ':' first: a missing value is reported as ':' rather than '?', so the two errors
     * get their own messages. */
    size_t s = 0, n = 0;
    p->shortopts[s++] = ':';
    for (const cli_option *o = cmd->options; o && o->name && n < CLI_MAX_OPTIONS; o++, n++) {
        p->longopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument,
                                         NULL, option_val(o, (int)n)};
        if (o->short_name) {
            p->shortopts[s++] = o->short_name;
            if (o->arg)
                p->shortopts[s++] = ':';
        }
    }
    p->longopts[n++] = (struct option){"help", no_argument, NULL, HELP_VAL};
    p->longopts[n] = (struct option){NULL, 0, NULL, 0};
    p->shortopts[s++] = 'h';
    p->shortopts[s] = '\0';
    opterr = 0; /* the messages are ours */
    optind = 1;
}

/* The index in cmd->options of getopt's value val, or -1. */
static int option_index(const cli_parser *p, int val)
{
    int i = 0;
    for (const cli_option *o = p->cmd->options; o && o->name; o++, i++)
        if (option_val(o, i) == val)
            return i;
    return -1;
}

/* How the user wrote the option that getopt stopped at: "--as-of" for "--as-of=x". */
static void offending_option(const cli_parser *p, char *buf, size_t size)
{
    const char *text = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "?";
    if (optopt > 0 && optopt < LONG_ONLY_BASE && optopt != HELP_VAL &&
        strncmp(text, "--", 2) != 0) {
        snprintf(buf, size, "-%c", optopt);
        return;
    }
    size_t len = strcspn(text, "=");
    snprintf(buf, size, "%.*s", (int)len, text);
}

int cli_next_option(cli_parser *p)
{
    p->arg = NULL;
    int c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
    if (c == -1)
        return CLI_OPT_END;
    if (c == HELP_VAL) {
        cli_print_command_help(p->cmd, stdout);
        p->exit_code = CLI_EXIT_OK;
        return CLI_OPT_STOP;
    }
    char opt[64];
    if (c == ':') {
        int i = option_index(p, optopt);
        if (i >= 0)
            snprintf(opt, sizeof opt, "--%s", p->cmd->options[i].name);
        else
            offending_option(p, opt, sizeof opt);
        p->exit_code = cli_usage_error(p->cmd, "%s: needs a value (%s)", opt,
                                       i >= 0 ? p->cmd->options[i].arg : "?");
        return CLI_OPT_STOP;
    }
    if (c == '?') {
        offending_option(p, opt, sizeof opt);
        const char *text = p->argv[optind - 1];
        if (strncmp(text, "--", 2) == 0 && strchr(text, '=') && option_index(p, optopt) >= 0)
            p->exit_code = cli_usage_error(p->cmd, "%s: takes no value (\"%s\")", opt,
                                           strchr(text, '=') + 1);
        else
            p->exit_code = cli_usage_error(p->cmd, "%s: unknown option", opt);
        return CLI_OPT_STOP;
    }
    int i = option_index(p, c);
    if (i < 0) { /* cannot happen: getopt returns only what the tables hold */
        p->exit_code = cli_usage_error(p->cmd, "unexpected option");
        return CLI_OPT_STOP;
    }
    p->arg = optarg;
    return i;
}

int cli_operands_start(const cli_parser *p)
{
    (void)p;
    return optind;
}

bool cli_parse_date(const cli_command *cmd, const char *opt, const char *value, tf_date *out)
{
    if (tf_date_parse(value, out))
        return true;
    cli_usage_error(cmd, "--%s: \"%s\" is not a date (YYYY-MM-DD)", opt, value);
    return false;
}

/* ---- inputs ------------------------------------------------------------------------------ */

tf_rc cli_read_input(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return TF_EIO;
    }
    tf_rc rc = TF_OK;
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        rc = TF_ENOMEM;
        goto done;
    }
    for (;;) {
        if (cap - n < 2) {
            /* Grow up to one byte past the limit: reading that byte is how we know the
             * input is too large, without trusting a size from stat (pipes have none). */
            size_t ncap = cap * 2 > CLI_INPUT_MAX + 2 ? CLI_INPUT_MAX + 2 : cap * 2;
            char *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                rc = ncap > cap ? TF_ENOMEM : TF_ELIMIT;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (n > CLI_INPUT_MAX) {
            rc = TF_ELIMIT;
            break;
        }
        if (got == 0) {
            if (ferror(f))
                rc = TF_EIO;
            break;
        }
    }
    if (rc == TF_EIO)
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
    else if (rc == TF_ELIMIT)
        fprintf(stderr, "%s: larger than the limit of %zu MiB\n", path, CLI_INPUT_MAX >> 20);
done:
    if (rc == TF_ENOMEM)
        fprintf(stderr, "%s: out of memory\n", path);
    if (!is_stdin)
        fclose(f);
    if (rc != TF_OK) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return TF_OK;
}

/* ---- rules ------------------------------------------------------------------------------ */

void cli_print_diag_count(const cli_command *cmd, const tf_diags *d)
{
    if (!d || tf_diags_count(d) == 0)
        return;
    size_t errors = tf_diags_errors(d), warnings = tf_diags_count(d) - errors;
    fprintf(stderr, "talentflow %s: ", cmd->name);
    if (errors)
        fprintf(stderr, "%zu error%s%s", errors, errors == 1 ? "" : "s", warnings ? ", " : "");
    if (warnings)
        fprintf(stderr, "%zu warning%s", warnings, warnings == 1 ? "" : "s");
    fputc('\n', stderr);
}

void cli_print_diags(const cli_command *cmd, const tf_diags *d)
{
    if (!d || tf_diags_count(d) == 0)
        return;
    tf_diags_print(d, stderr);
    cli_print_diag_count(cmd, d);
}

/* Which of the bundled rulebooks load_rules compiles. */
typedef enum {
    BUNDLED_ALL,
    BUNDLED_NO_WORLD, /* tf_rules_load_bundled_without_world */
    BUNDLED_ONLY,     /* tf_rules_load_bundled_only, one ID */
} bundled_part;

static tf_rc load_rules(const cli_command *cmd, const char *dir, bool show_warnings, bundled_part part,
                        const char *id, tf_rules **out);

tf_rc cli_load_rules(const cli_command *cmd, const char *dir, bool show_warnings,
                     tf_rules **out)
{
    return load_rules(cmd, dir, show_warnings, BUNDLED_ALL, NULL, out);
}

tf_rc cli_load_rules_no_entry(const cli_command *cmd, const char *dir, bool show_warnings,
                              tf_rules **out)
{
    return load_rules(cmd, dir, show_warnings, BUNDLED_NO_WORLD, NULL, out);
}

tf_rc cli_load_rules_only(const cli_command *cmd, const char *dir, const char *id, tf_rules **out)
{
    return load_rules(cmd, dir, false, BUNDLED_ONLY, id, out);
}

/* cli_load_rules; without dir, `part` of the bundled rulebooks (`id` for BUNDLED_ONLY). */
static tf_rc load_rules(const cli_command *cmd, const char *dir, bool show_warnings, bundled_part part,
                        const char *id, tf_rules **out)
{
    tf_diags *diags = NULL;
    *out = NULL;
    /* The library says only "cannot read input" for a folder it cannot open; say why. */
    DIR *probe = dir ? opendir(dir) : NULL;
    if (dir && !probe) {
        fprintf(stderr, "%s: cannot open: %s\n", dir, strerror(errno));
        return TF_EIO;
    }
    if (probe)
        closedir(probe);
    tf_rc rc = dir                        ? tf_rules_load_dir(dir, out, &diags)
               : part == BUNDLED_ALL      ? tf_rules_load_bundled(out, &diags)
               : part == BUNDLED_NO_WORLD ? tf_rules_load_bundled_without_world(out, &diags)
                                          : tf_rules_load_bundled_only(&id, 1, out, &diags);
    if (rc != TF_OK || show_warnings)
        cli_print_diags(cmd, diags);
    if (rc != TF_OK && (!diags || tf_diags_errors(diags) == 0))
        cli_error(cmd, "%s: cannot load the rulebooks: %s", dir ? dir : "(bundled)",
                  tf_strerror(rc));
    tf_diags_free(diags);
    if (rc != TF_OK) {
        tf_rules_free(*out);
        *out = NULL;
    }
    return rc;
}

static bool is_schema_name(const char *name)
{
    const char *base = strrchr(name, '/');
    return strcmp(base ? base + 1 : name, "case.rules") == 0;
}

tf_rc cli_compile_files(char *const *paths, size_t n, tf_rules **out, tf_diags **diags)
{
    *out = NULL;
    *diags = NULL;
    tf_rc rc = TF_OK;
    bool has_schema = false;
    for (size_t i = 0; i < n; i++)
        has_schema = has_schema || is_schema_name(paths[i]);

    /* The schema first, as in the bundled set, when the files do not bring their own. */
    const tf_source *schema = NULL;
    for (size_t i = 0; !has_schema && i < tf_bundled_count; i++)
        if (tf_bundled_sources[i].name && is_schema_name(tf_bundled_sources[i].name)) {
            schema = &tf_bundled_sources[i];
            break;
        }

    size_t m = 0;
    tf_source *srcs = calloc(n + 1, sizeof *srcs);
    if (!srcs)
        return TF_ENOMEM;
    if (schema)
        srcs[m++] = *schema;
    size_t first_read = m;
    for (size_t i = 0; i < n; i++, m++) {
        char *text;
        size_t len;
        rc = cli_read_input(paths[i], &text, &len);
        if (rc != TF_OK)
            goto done;
        srcs[m] = (tf_source){paths[i], text, len};
    }
    rc = tf_compile(srcs, m, out, diags);
done:
    for (size_t i = first_read; i < m; i++)
        free((char *)srcs[i].text);
    free(srcs);
    return rc;
}

tf_rc cli_load_rule_set(const cli_command *cmd, char *const *paths, size_t n, const char *dir,
                        tf_rules **out)
{
    if (n == 0 || dir)
        return cli_load_rules(cmd, dir, true, out);
    tf_diags *diags = NULL;
    tf_rc rc = cli_compile_files(paths, n, out, &diags);
    cli_print_diags(cmd, diags);
    tf_diags_free(diags);
    if (rc == TF_ENOMEM)
        cli_error(cmd, "out of memory");
    return rc;
}

/* ---- deciding a case ---------------------------------------------------------------------- */

static void trace_line(void *user, const char *line)
{
    fprintf((FILE *)user, "%s\n", line);
}

int cli_case_option(const cli_command *cmd, const char *name, const char *arg, cli_case_opts *o)
{
    if (!strcmp(name, "as-of"))
        return cli_parse_date(cmd, "as-of", arg, &o->as_of) ? 1 : -1;
    if (!strcmp(name, "json"))
        o->json = true;
    else if (!strcmp(name, "rules"))
        o->rules_dir = arg;
    else
        return 0;
    return 1;
}

const char *cli_case_operand(const cli_command *cmd, int argc, char **argv, int first)
{
    if (first == argc) {
        cli_usage_error(cmd, "needs a case file (or - for stdin)");
        return NULL;
    }
    if (argc - first > 1) {
        cli_usage_error(cmd, "\"%s\": one case file only", argv[first + 1]);
        return NULL;
    }
    return argv[first];
}

tf_rc cli_read_case(const tf_rules *r, const char *path, tf_case **out)
{
    char *text;
    size_t len;
    *out = NULL;
    tf_rc rc = cli_read_input(path, &text, &len);
    if (rc != TF_OK)
        return rc;
    char err[512] = "";
    rc = tf_case_parse_json(r, text, len, out, err, sizeof err);
    free(text);
    if (rc != TF_OK)
        fprintf(stderr, "%s: %s\n", path, *err ? err : tf_strerror(rc));
    return rc;
}

tf_rc cli_decide_file(const tf_rules *r, const char *path, tf_date as_of, tf_decision *d,
                      FILE *trace)
{
    tf_case *c = NULL;
    tf_rc rc = cli_read_case(r, path, &c);
    if (rc != TF_OK)
        return rc;

    rc = trace ? tf_check_traced(r, c, as_of, d, trace_line, trace) : tf_check(r, c, as_of, d);
    if (rc != TF_OK) {
        const char *msg = tf_decision_error(d);
        fprintf(stderr, "%s: %s\n", path, msg && *msg ? msg : tf_strerror(rc));
    }
    tf_case_free(c);
    return rc;
}
