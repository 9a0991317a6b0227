/*
 * cmd_lint.c — `talentflow lint FILE...`: check rulebook files, report every diagnostic.
 *
 * The files are compiled together (a rulebook may use names another declares), with the
 * bundled case schema unless a case.rules is among them. Diagnostics go to stderr in the
 * library's format (file:line:col: error: message, the source line, a caret); each file
 * with no error gets a "FILE: ok" line on stdout.
 *
 * The public API prints diagnostics but does not say which file each belongs to, so lint
 * reads the printed text back: a file has errors when a line starts with
 * "FILE:LINE:COL: error". That is the documented format of tf_diags_print.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* open_memstream; the build defines it for every file */
#endif
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

const cli_option cmd_lint_options[] = {
    {NULL, 0, NULL, NULL},
};

/* True when `line` reads "PATH:LINE:COL: error". */
static bool is_error_line(const char *line, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(line, path, n) != 0 || line[n] != ':')
        return false;
    const char *s = line + n + 1;
    for (int field = 0; field < 2; field++) {
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
        if (*s++ != ':')
            return false;
    }
    return strncmp(s, " error", 6) == 0;
}

static bool file_has_error(const char *text, const char *path)
{
    for (const char *line = text; line && *line;) {
        if (is_error_line(line, path))
            return true;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return false;
}

int cmd_lint(const cli_command *self, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;)
        if (opt == CLI_OPT_STOP)
            return p.exit_code;
    int first = cli_operands_start(&p);
    if (first == argc)
        return cli_usage_error(self, "needs at least one rulebook file");
    size_t nfiles = (size_t)(argc - first);
    char *const *files = argv + first;

    tf_rules *rules = NULL;
    tf_diags *diags = NULL;
    tf_rc rc = cli_compile_files(files, nfiles, &rules, &diags);
    if (!diags) {
        if (rc == TF_ENOMEM)
            cli_error(self, "out of memory");
        tf_rules_free(rules);
        return cli_exit_code(rc == TF_OK ? TF_ENOMEM : rc);
    }

    /* Print the diagnostics into memory first, to see which files they name. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        tf_diags_print(diags, mem);
        if (fclose(mem) != 0) {
            free(text);
            text = NULL;
        }
    }
    if (text)
        fputs(text, stderr);
    else
        tf_diags_print(diags, stderr);

    for (size_t i = 0; i < nfiles; i++) {
        bool clean = text ? !file_has_error(text, files[i]) : tf_diags_errors(diags) == 0;
        if (clean)
            printf("%s: ok\n", files[i]);
    }
    cli_print_diag_count(self, diags);
    if (rc != TF_OK && tf_diags_errors(diags) == 0)
        cli_error(self, "%s", tf_strerror(rc));
    free(text);
    tf_diags_free(diags);
    tf_rules_free(rules);
    return cli_exit_code(rc);
}
