/*
 * pairs.c — who a change in the entry rules reaches, pair by pair.
 *
 * For every rulebook with a destination and every nationality in the country table,
 * the entry kind decides a nominal trip — a one-day tourist visit on an ordinary
 * passport, entering on the date compared — as of each of the two dates. A pair
 * changes when its deciding rule (or, with none, its outcome) differs. The changes are
 * counted by transition and listed. This is how the world pack's two snapshots are
 * compared with the data itself (3,761 pairs differ between 2024-01-05 and 2025-01-12).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "kinds/entry.h"

typedef struct {
    char from[96], to[96];
    long count;
} transition;

typedef struct {
    uint16_t nat, dest;
    uint32_t tr;
} pair;

/* The state of a decision: the deciding rule's name, or the outcome when none. */
static void state(const tf_decision *d, char *buf, size_t n) {
    if (d->rc) snprintf(buf, n, "error");
    else if (d->best >= 0) snprintf(buf, n, "%s", d->rb->rules[d->best].name);
    else snprintf(buf, n, "%s", outcome_names[d->out]);
}

static int cmp_tr(const void *a, const void *b) {
    const transition *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    int c = strcmp(x->from, y->from);
    return c ? c : strcmp(x->to, y->to);
}

long tf_rules_diff_pairs(const tf_rules *r, tf_date from, tf_date to, const char *prefix, bool json, FILE *out) {
    if (r->in_purpose < 0 || r->in_to < 0 || r->in_entry_date < 0 || r->in_days < 0 || r->in_nationality < 0)
        return -1;
    tf_case *c = case_new(r);
    tf_decision *da = tf_decision_new(), *db = tf_decision_new();
    transition *tr = NULL;
    size_t ntr = 0, cap = 0;
    pair *pv = NULL;
    size_t npv = 0, pcap = 0;
    long changed = 0;
    char sa[96], sb[96], b1[11], b2[11];
    int tourism = -1;
    const ir_enum *pe = &r->enums[TYPE_ARG(r->inputs[r->in_purpose].type)];
    for (uint32_t i = 0; i < pe->nmembers; i++)
        if (!strcmp(pe->members[i], "tourism")) tourism = (int)i;
    if (!c || !da || !db || tourism < 0) {
        changed = -1;
        goto done;
    }
    case_set(c, (uint32_t)r->in_purpose, (rv){.i = tourism}, NULL);
    case_set(c, (uint32_t)r->in_days, (rv){.i = 0}, NULL);
    case_apply_defaults(c);
    for (uint32_t b = 0; b < r->nbooks; b++) {
        const ir_rulebook *rb = &r->books[b];
        if (rb->dest < 0 || (prefix && strncmp(rb->id, prefix, strlen(prefix)))) continue;
        case_set(c, (uint32_t)r->in_to, (rv){.i = rb->dest}, NULL);
        for (int n = 0; n < country_count(); n++) {
            case_set(c, (uint32_t)r->in_nationality, (rv){.i = n}, NULL);
            case_set(c, (uint32_t)r->in_entry_date, (rv){.i = from}, NULL);
            entry_decide(r, rb, c, from, da);
            case_set(c, (uint32_t)r->in_entry_date, (rv){.i = to}, NULL);
            entry_decide(r, rb, c, to, db);
            state(da, sa, sizeof sa);
            state(db, sb, sizeof sb);
            if (!strcmp(sa, sb)) continue;
            changed++;
            size_t k = 0;
            while (k < ntr && (strcmp(tr[k].from, sa) || strcmp(tr[k].to, sb))) k++;
            if (k == ntr) {
                if (ntr == cap) {
                    cap = cap ? cap * 2 : 64;
                    transition *nt = realloc(tr, cap * sizeof *nt);
                    if (!nt) {
                        changed = -1;
                        goto done;
                    }
                    tr = nt;
                }
                memset(&tr[ntr], 0, sizeof *tr);
                snprintf(tr[ntr].from, sizeof tr[ntr].from, "%s", sa);
                snprintf(tr[ntr].to, sizeof tr[ntr].to, "%s", sb);
                ntr++;
            }
            tr[k].count++;
            if (npv == pcap) {
                pcap = pcap ? pcap * 2 : 1024;
                pair *np = realloc(pv, pcap * sizeof *np);
                if (!np) {
                    changed = -1;
                    goto done;
                }
                pv = np;
            }
            pv[npv++] = (pair){(uint16_t)n, (uint16_t)rb->dest, (uint32_t)k};
        }
    }
    /* transitions most frequent first; pairs keep their order (destination, nationality) */
    transition *sorted = malloc((ntr ? ntr : 1) * sizeof *sorted);
    if (!sorted) {
        changed = -1;
        goto done;
    }
    if (ntr) memcpy(sorted, tr, ntr * sizeof *tr); /* tr is NULL when nothing changed */
    qsort(sorted, ntr, sizeof *sorted, cmp_tr);
    if (json) {
        json_t *pairs = json_array();
        for (size_t i = 0; i < npv; i++)
            json_array_append_new(pairs, json_pack("{s:s,s:s,s:s,s:s}", "nationality", country_at(pv[i].nat)->code,
                                                   "destination", country_at(pv[i].dest)->code, "from",
                                                   tr[pv[i].tr].from, "to", tr[pv[i].tr].to));
        json_t *counts = json_array();
        for (size_t k = 0; k < ntr; k++)
            json_array_append_new(counts, json_pack("{s:s,s:s,s:I}", "from", sorted[k].from, "to", sorted[k].to, "count",
                                                    (json_int_t)sorted[k].count));
        json_t *o = json_pack("{s:s,s:s,s:I,s:o,s:o}", "from", date_format(from, b1), "to", date_format(to, b2),
                              "changed", (json_int_t)changed, "transitions", counts, "pairs", pairs);
        char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (txt) fprintf(out, "%s\n", txt);
        free(txt);
        json_decref(o);
    } else {
        fprintf(out, "%ld pairs changed between %s and %s\n", changed, date_format(from, b1), date_format(to, b2));
        for (size_t k = 0; k < ntr; k++)
            fprintf(out, "  %s -> %s: %ld\n", sorted[k].from, sorted[k].to, sorted[k].count);
        fprintf(out, "pairs (nationality -> destination: before -> after)\n");
        for (size_t i = 0; i < npv; i++)
            fprintf(out, "  %s -> %s: %s -> %s\n", country_at(pv[i].nat)->code, country_at(pv[i].dest)->code,
                    tr[pv[i].tr].from, tr[pv[i].tr].to);
    }
    free(sorted);
done:
    free(pv);
    free(tr);
    tf_decision_free(da);
    tf_decision_free(db);
    tf_case_free(c);
    return changed;
}
