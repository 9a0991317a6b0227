/*
 * cmd_import.c — `talentflow import passport-index FILE --date DATE ... [-o DIR]`: the
 * world pack's rulebooks, written from open data.
 *
 * Reads one or more snapshots of the passport-index data set (the tidy ISO2 CSV; the Nth
 * --date is the date of the Nth FILE) and writes one `fallback` rulebook per destination,
 * DIR/xx.rules. The reading and writing are the library's (src/import/passport_index.c);
 * this command pairs files with dates, reads each file with the CLI's size limit and
 * records, in every file it writes, the command that regenerates it.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "import/passport_index.h"

enum { OPT_DATE, OPT_OUTPUT };

const cli_option cmd_import_options[] = {
    [OPT_DATE] = {"date", 0, "DATE", "the date of the snapshot in the FILE of the same rank"},
    [OPT_OUTPUT] = {"output", 'o', "DIR", "write the rulebooks into DIR (default: .)"},
    {NULL, 0, NULL, NULL},
};

/* Appends word to the command line in buf, single-quoted when a shell would split it. */
static void append_word(char *buf, size_t cap, const char *word)
{
    size_t n = strlen(buf);
    bool plain = *word != 0 && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._/-+=:,@") == strlen(word);
    snprintf(buf + n, cap - n, plain ? "%s%s" : "%s'%s'", n ? " " : "", word);
}

int cmd_import(const cli_command *self, int argc, char **argv)
{
    const char *dates[PI_MAX_SNAPSHOTS + 1];
    tf_date days[PI_MAX_SNAPSHOTS + 1];
    int ndates = 0;
    const char *dir = ".";

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_DATE:
            if (ndates == PI_MAX_SNAPSHOTS)
                return cli_usage_error(self, "at most %d snapshots", PI_MAX_SNAPSHOTS);
            if (!cli_parse_date(self, "date", p.arg, &days[ndates]))
                return CLI_EXIT_USAGE;
            dates[ndates++] = p.arg;
            break;
        case OPT_OUTPUT:
            dir = p.arg;
            break;
        }
    }
    int first = cli_operands_start(&p);
    if (first == argc)
        return cli_usage_error(self, "needs a format (passport-index) and a FILE");
    if (strcmp(argv[first], "passport-index") != 0)
        return cli_usage_error(self, "\"%s\": not a known format (passport-index)", argv[first]);
    char **files = argv + first + 1;
    int nfiles = argc - first - 1;
    if (nfiles == 0)
        return cli_usage_error(self, "needs a FILE (the tidy ISO2 CSV of passport-index)");
    if (nfiles > PI_MAX_SNAPSHOTS)
        return cli_usage_error(self, "at most %d snapshots", PI_MAX_SNAPSHOTS);
    if (ndates != nfiles)
        return cli_usage_error(self, "%d FILE%s but %d --date: give each FILE its --date", nfiles,
                               nfiles == 1 ? "" : "s", ndates);

    /* The command as written into every generated file: canonical, so that running it
     * again gives the same bytes whatever order the options came in. */
    size_t cap = 64 + strlen(dir);
    for (int i = 0; i < nfiles; i++)
        cap += 2 * strlen(files[i]) + 32;
    char *command = calloc(1, cap);
    pi_data *d = pi_new();
    tf_rc rc = TF_ENOMEM;
    char err[512];
    if (!command || !d) {
        cli_error(self, "out of memory");
        goto done;
    }
    append_word(command, cap, "talentflow");
    append_word(command, cap, "import");
    append_word(command, cap, "passport-index");
    for (int i = 0; i < nfiles; i++) {
        append_word(command, cap, files[i]);
        append_word(command, cap, "--date");
        append_word(command, cap, dates[i]);
    }
    append_word(command, cap, "-o");
    append_word(command, cap, dir);

    for (int i = 0; i < nfiles; i++) {
        char *text = NULL;
        size_t len = 0;
        rc = cli_read_input(files[i], &text, &len);
        if (rc != TF_OK)
            goto done;
        rc = pi_read(d, files[i], text, len, days[i], err, sizeof err);
        free(text);
        if (rc == TF_EARG) {
            cli_usage_error(self, "%s", err);
            goto done;
        }
        if (rc != TF_OK) {
            fprintf(stderr, "%s\n", err);
            goto done;
        }
    }
    rc = pi_write_dir(d, dir, command, err, sizeof err);
    if (rc != TF_OK) {
        fprintf(stderr, "%s\n", *err ? err : "out of memory");
        goto done;
    }
    printf("%s: %d rulebooks from %d snapshot%s (", dir, pi_destinations(d), nfiles, nfiles == 1 ? "" : "s");
    for (int i = 0; i < nfiles; i++)
        printf("%s%s", i ? ", " : "", dates[i]);
    printf(")\n");
done:
    pi_free(d);
    free(command);
    return cli_exit_code(rc);
}
