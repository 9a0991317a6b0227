/*
 * ruletest.c — running the tests written inside rulebooks.
 *
 * A test's givens are already typed constants (the checker checked them as a case's
 * fields); here they become a case, the entry kind decides it, and the outcome, the
 * deciding rule and the latest departure are compared with what the test expects. A
 * failure prints the test's location and both sides.
 */
#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "kinds/entry.h"

/* True when the rulebook's file is among files (or files is empty). */
static int selected(const tf_rules *r, const ir_rulebook *rb, const char *const *files, size_t n) {
    if (!n) return 1;
    const char *name = r->files[rb->file].name;
    for (size_t i = 0; i < n; i++) {
        size_t a = strlen(name), b = strlen(files[i]);
        if (!strcmp(name, files[i]) || (a > b && !strcmp(name + a - b, files[i]) && name[a - b - 1] == '/') ||
            (b > a && !strcmp(files[i] + b - a, name) && files[i][b - a - 1] == '/'))
            return 1;
    }
    return 0;
}

/* Runs a points test: the total, and the category and pass where the test states them. */
static int run_points(const tf_rules *r, const ir_rulebook *rb, const ir_test *t, const tf_case *c, int verbose, FILE *out) {
    char where[300];
    ir_where(r, t->sp, where, sizeof where);
    tf_assessment *a = tf_assessment_new();
    if (!a) return 0;
    int ok = 0;
    if (tf_assess(r, c, rb->id, t->as_of, a) != TF_OK) {
        fprintf(out, "%s: FAIL test \"%s\": %s\n", where, t->name, tf_assessment_error(a));
        goto done;
    }
    double total = tf_assessment_total(a);
    const char *cat = tf_assessment_category(a);
    int passes = tf_assessment_passes(a);
    ok = total == t->total && (!t->category || (cat && !strcmp(cat, t->category))) && (!t->no_category || !cat) &&
         (t->passes < 0 || passes == t->passes);
    if (!ok) {
        fprintf(out, "%s: FAIL test \"%s\"\n    expected total %g", where, t->name, t->total);
        if (t->category) fprintf(out, " category %s", t->category);
        if (t->no_category) fprintf(out, " no category");
        if (t->passes >= 0) fprintf(out, " %s", t->passes ? "passes" : "fails");
        fprintf(out, "\n    got      total %g category %s %s\n", total, cat ? cat : "(none)",
                passes < 0 ? "" : passes ? "passes" : "fails");
        if (verbose) tf_assessment_print(a, out);
    } else if (verbose) {
        fprintf(out, "%s: ok test \"%s\"\n", where, t->name);
    }
done:
    tf_assessment_free(a);
    return ok;
}

/* Runs a pathway test: eligibility, and the earliest date and days counted where stated. */
static int run_pathway(const tf_rules *r, const ir_rulebook *rb, const ir_test *t, const tf_case *c, int verbose,
                       FILE *out) {
    char where[300], b1[11], b2[11];
    ir_where(r, t->sp, where, sizeof where);
    tf_pathway_result *p = tf_pathway_new();
    if (!p) return 0;
    int ok = 0;
    if (tf_pathway(r, c, rb->id, t->as_of, p) != TF_OK) {
        fprintf(out, "%s: FAIL test \"%s\": %s\n", where, t->name, tf_pathway_error(p));
        goto done;
    }
    int eligible = tf_pathway_eligible(p);
    tf_date earliest = tf_pathway_earliest(p);
    double counted = tf_pathway_counted(p);
    ok = eligible == t->eligible &&
         (!t->has_earliest || (t->earliest_none ? earliest == TF_DATE_DEFAULT : earliest == t->earliest)) &&
         (!t->has_counted || counted == t->counted);
    if (!ok) {
        fprintf(out, "%s: FAIL test \"%s\"\n    expected %s", where, t->name, t->eligible ? "eligible" : "ineligible");
        if (t->has_earliest) fprintf(out, " earliest %s", t->earliest_none ? "none" : date_format(t->earliest, b1));
        if (t->has_counted) fprintf(out, " counted %g", t->counted);
        fprintf(out, "\n    got      %s earliest %s counted %g\n", eligible ? "eligible" : "ineligible",
                earliest == TF_DATE_DEFAULT ? "none" : date_format(earliest, b2), counted);
        if (verbose) tf_pathway_print(p, out);
    } else if (verbose) {
        fprintf(out, "%s: ok test \"%s\"\n", where, t->name);
    }
done:
    tf_pathway_free(p);
    return ok;
}

/* Runs one test; returns 1 when it passed. Writes the failure to out. */
static int run_one(const tf_rules *r, const ir_rulebook *rb, const ir_test *t, tf_decision *d, int verbose, FILE *out) {
    char where[300], b1[11], b2[11];
    tf_case *c = case_new(r);
    if (!c) {
        fprintf(out, "%s: test \"%s\": out of memory\n", ir_where(r, t->sp, where, sizeof where), t->name);
        return 0;
    }
    for (uint32_t i = 0; i < t->ngivens; i++) {
        const ir_given *g = &t->givens[i];
        if (g->is_list) c->lists[g->input] = (ev_list){g->n, g->nfields, g->items};
        else case_set(c, g->input, g->val, g->text);
    }
    case_apply_defaults(c);
    if (t->is_points || t->is_pathway) {
        int ok = t->is_points ? run_points(r, rb, t, c, verbose, out) : run_pathway(r, rb, t, c, verbose, out);
        tf_case_free(c);
        return ok;
    }
    tf_rc rc = tf_check(r, c, t->as_of, d);
    tf_case_free(c);
    ir_where(r, t->sp, where, sizeof where);
    if (rc) {
        fprintf(out, "%s: FAIL test \"%s\": %s\n", where, t->name, d->error);
        return 0;
    }
    if (d->rb != rb) {
        fprintf(out, "%s: FAIL test \"%s\": decided by rulebook %s, not %s (check trip.to)\n", where, t->name,
                d->rb->id, rb->id);
        return 0;
    }
    int ok = d->out == t->expect && (t->by < 0 || d->best == t->by) &&
             (t->until == TF_DATE_DEFAULT || (d->best >= 0 && d->res[d->best].latest == t->until));
    if (!ok) {
        fprintf(out, "%s: FAIL test \"%s\"\n", where, t->name);
        fprintf(out, "    expected %s", outcome_names[t->expect]);
        if (t->by >= 0) fprintf(out, " by %s", rb->rules[t->by].name);
        if (t->until != TF_DATE_DEFAULT) fprintf(out, " until %s", date_format(t->until, b1));
        fprintf(out, "\n    got      %s", outcome_names[d->out]);
        if (d->best >= 0) {
            fprintf(out, " by %s", rb->rules[d->best].name);
            if (d->res[d->best].has_stay) fprintf(out, " until %s", date_format(d->res[d->best].latest, b2));
        }
        fputc('\n', out);
        if (verbose) tf_decision_print(d, out);
    } else if (verbose) {
        fprintf(out, "%s: ok test \"%s\"\n", where, t->name);
    }
    return ok;
}

tf_rc tf_rules_test(const tf_rules *r, const char *const *files, size_t nfiles, bool verbose, FILE *out, int *passed,
                    int *failed) {
    *passed = *failed = 0;
    tf_decision *d = tf_decision_new();
    if (!d) return TF_ENOMEM;
    for (uint32_t b = 0; b < r->nbooks; b++) {
        const ir_rulebook *rb = &r->books[b];
        if (!selected(r, rb, files, nfiles)) continue;
        for (uint32_t i = 0; i < rb->ntests; i++) {
            if (run_one(r, rb, &rb->tests[i], d, verbose, out)) ++*passed;
            else ++*failed;
        }
    }
    tf_decision_free(d);
    fprintf(out, "%d passed, %d failed\n", *passed, *failed);
    return *failed ? TF_ETEST : TF_OK;
}
