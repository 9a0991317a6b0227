/*
 * cn_compare.c — where China's hand-written rulebook and the world pack disagree.
 *
 * Compiles the bundled case schema with cn/entry.rules alone, and with world/cn.rules
 * alone, so that each decides for destination CN without the other's precedence. For
 * every nationality of the country table it decides the same trip by both: a tourist
 * visit on an ordinary passport entering on the as-of date (default 2025-01-12; the
 * first argument changes it) and leaving the same day, so that no stay is too long.
 * A pair disagrees when the outcomes differ, or both admit with different stated stays.
 * Prints one line per disagreement, in country-code order:
 *
 *   AM  cn.entry: visa_free 30 days (mutual30_90in180)  world.cn: visa_free 90 days (visa_free_90)
 *
 * and a count. tests/world/cn-disagreements.test compares this with the list that
 * docs/data-quality.md explains, one entry at a time.
 */
#include <stdio.h>
#include <string.h>

#include "base/bundled.h"
#include "base/country.h"
#include "kinds/entry.h"
#include "talentflow.h"

static tf_rules *compile_with(const char *name)
{
    tf_source srcs[2];
    size_t n = 0;
    for (size_t i = 0; i < tf_bundled_count; i++)
        if (!strcmp(tf_bundled_sources[i].name, "rulebooks/case.rules") ||
            !strcmp(tf_bundled_sources[i].name, name))
            srcs[n++] = tf_bundled_sources[i];
    tf_rules *r = NULL;
    tf_diags *d = NULL;
    if (n != 2 || tf_compile(srcs, n, &r, &d) != TF_OK) {
        fprintf(stderr, "cn_compare: cannot compile %s\n", name);
        if (d)
            tf_diags_print(d, stderr);
    }
    tf_diags_free(d);
    return r;
}

/* "visa_free 30 days (mutual30)", "visa_required", into buf; the stay in days (-1:
 * none stated) and the outcome go to *stay and the return value. */
static const char *describe(const tf_decision *d, char *buf, size_t n, long *stay)
{
    const char *out = tf_decision_outcome(d);
    *stay = -1;
    if (d->best < 0) {
        snprintf(buf, n, "%s", out);
        return out;
    }
    const rule_result *rr = &d->res[d->best];
    if (rr->has_stay)
        *stay = (long)(rr->stay_min / 1440);
    char st[32] = "";
    if (*stay >= 0)
        snprintf(st, sizeof st, " %ld days", *stay);
    snprintf(buf, n, "%s%s (%s)", out, st, d->rb->rules[d->best].name);
    return out;
}

int main(int argc, char **argv)
{
    const char *as_of_text = argc > 1 ? argv[1] : "2025-01-12";
    tf_date as_of;
    if (!tf_date_parse(as_of_text, &as_of)) {
        fprintf(stderr, "cn_compare: \"%s\" is not a date\n", as_of_text);
        return 2;
    }
    tf_rules *cn = compile_with("rulebooks/cn/entry.rules");
    tf_rules *world = compile_with("rulebooks/world/cn.rules");
    tf_decision *dc = tf_decision_new(), *dw = tf_decision_new();
    int status = 1, disagree = 0;
    if (!cn || !world || !dc || !dw)
        goto done;
    for (int i = 0; i < country_count(); i++) {
        char json[200], err[200], a[96], b[96];
        int len = snprintf(json, sizeof json,
                           "{\"nationality\": \"%s\", \"trip\": {\"to\": \"CN\", \"purpose\": \"tourism\", "
                           "\"entry_date\": \"%s\", \"days\": 0}}",
                           country_at(i)->code, as_of_text);
        tf_case *c1 = NULL, *c2 = NULL;
        if (tf_case_parse_json(cn, json, (size_t)len, &c1, err, sizeof err) != TF_OK ||
            tf_case_parse_json(world, json, (size_t)len, &c2, err, sizeof err) != TF_OK ||
            tf_check(cn, c1, as_of, dc) != TF_OK || tf_check(world, c2, as_of, dw) != TF_OK) {
            fprintf(stderr, "cn_compare: %s: %s%s\n", country_at(i)->code, err, tf_decision_error(dc));
            tf_case_free(c1);
            tf_case_free(c2);
            goto done;
        }
        tf_case_free(c1);
        tf_case_free(c2);
        long s1, s2;
        const char *o1 = describe(dc, a, sizeof a, &s1), *o2 = describe(dw, b, sizeof b, &s2);
        if (!strcmp(o1, o2) && s1 == s2)
            continue;
        printf("%s  cn.entry: %s  world.cn: %s\n", country_at(i)->code, a, b);
        disagree++;
    }
    printf("%d nationalities disagree as of %s\n", disagree, as_of_text);
    status = 0;
done:
    tf_decision_free(dc);
    tf_decision_free(dw);
    tf_rules_free(cn);
    tf_rules_free(world);
    return status;
}
