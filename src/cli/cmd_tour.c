/*
 * cmd_tour.c — `talentflow tour [DIR]`: decide every example case, with its reasons.
 *
 * A guided look at what the engine answers: every *.json case file in DIR (./examples by
 * default, or ../examples when run from the build folder), in name order, is checked as
 * `talentflow check FILE` would check it, and printed as
 *
 *   == FILE
 *   <the decision and its reasons>
 *   <a blank line>
 *
 * followed by one summary line. A case that cannot be decided is reported on stderr and
 * the tour goes on; the exit code is then that of the first failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum { OPT_RULES };

const cli_option cmd_tour_options[] = {
    [OPT_RULES] = {"rules", 0, "DIR", "use the rulebooks under DIR, not the bundled ones"},
    {NULL, 0, NULL, NULL},
};

#define TOUR_MAX_CASES 1000

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_case_file(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Lists the *.json files of dir as "dir/name", sorted, in a malloc'd array of malloc'd
 * strings. TF_EIO (reported) when the folder cannot be read or has more than
 * TOUR_MAX_CASES cases. */
static tf_rc list_cases(const cli_command *self, const char *dir, char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open: %s\n", dir, strerror(errno));
        return TF_EIO;
    }
    tf_rc rc = TF_OK;
    size_t n = 0;
    char **names = calloc(TOUR_MAX_CASES, sizeof *names);
    if (!names)
        rc = TF_ENOMEM;
    for (struct dirent *e; rc == TF_OK && (e = readdir(d));) {
        if (!is_case_file(e->d_name))
            continue;
        if (n == TOUR_MAX_CASES) {
            fprintf(stderr, "%s: more than %d case files\n", dir, TOUR_MAX_CASES);
            rc = TF_ELIMIT;
            break;
        }
        size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
        if (!(names[n] = malloc(len))) {
            rc = TF_ENOMEM;
            break;
        }
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (rc == TF_ENOMEM)
        cli_error(self, "out of memory");
    if (rc != TF_OK) {
        free_names(names, n);
        return rc;
    }
    qsort(names, n, sizeof *names, compare_names);
    *out = names;
    *count = n;
    return TF_OK;
}

/* The default folder: ./examples, else ../examples. */
static const char *default_dir(void)
{
    DIR *d = opendir("examples");
    if (d) {
        closedir(d);
        return "examples";
    }
    d = opendir("../examples");
    if (d) {
        closedir(d);
        return "../examples";
    }
    return "examples"; /* reported as missing by list_cases */
}

int cmd_tour(const cli_command *self, int argc, char **argv)
{
    const char *rules_dir = NULL;

    cli_parser p;
    cli_parser_init(&p, self, argc, argv);
    for (int opt; (opt = cli_next_option(&p)) != CLI_OPT_END;) {
        switch (opt) {
        case CLI_OPT_STOP:
            return p.exit_code;
        case OPT_RULES:
            rules_dir = p.arg;
            break;
        }
    }
    int first = cli_operands_start(&p);
    if (argc - first > 1)
        return cli_usage_error(self, "\"%s\": one folder only", argv[first + 1]);
    const char *dir = first < argc ? argv[first] : default_dir();

    char **cases = NULL;
    size_t ncases = 0, decided = 0;
    tf_rules *rules = NULL;
    tf_decision *d = NULL;
    tf_rc rc = list_cases(self, dir, &cases, &ncases);
    if (rc != TF_OK)
        goto done;
    if (ncases == 0) {
        fprintf(stderr, "%s: no *.json case file\n", dir);
        rc = TF_EIO;
        goto done;
    }
    if ((rc = cli_load_rules(self, rules_dir, false, &rules)) != TF_OK)
        goto done;
    if (!(d = tf_decision_new())) {
        cli_error(self, "out of memory");
        rc = TF_ENOMEM;
        goto done;
    }

    for (size_t i = 0; i < ncases; i++) {
        printf("== %s\n", cases[i]);
        fflush(stdout); /* keep the file name ahead of an error on stderr */
        tf_rc one = cli_decide_file(rules, cases[i], TF_DATE_DEFAULT, d, NULL);
        if (one == TF_OK) {
            tf_decision_print(d, stdout);
            decided++;
        } else if (rc == TF_OK) {
            rc = one;
        }
        putchar('\n');
    }
    printf("tour: %zu case%s, %zu decided, rules %s\n", ncases, ncases == 1 ? "" : "s",
           decided, tf_rules_version(rules));
done:
    tf_decision_free(d);
    tf_rules_free(rules);
    free_names(cases, ncases);
    return cli_exit_code(rc);
}
