/*
 * diff.c — what changed in the rules between two dates (talentflow diff).
 *
 * The epochs already hold the state of every rulebook between any two dates at which
 * something changes, so the diff is a walk over the epoch boundaries that fall after
 * `from` and on or before `to`: at each, the rules that started or ended, the members
 * each named set gained or lost, and the values that changed. Hoisted (anonymous) sets
 * are left out: their changes show in the named sets they are built from.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "eval/ir.h"

/* Members of b not in a, as a space-separated list (and a JSON array). */
static int members(const tf_rules *r, type_t el, const bits256 *a, const bits256 *b, char *buf, size_t n, json_t *arr) {
    int count = 0;
    size_t len = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < 256; i++)
        if (bits_has(b, i) && !bits_has(a, i)) {
            const char *m = ir_member_name(r, el, i);
            if (len + strlen(m) + 2 < n) len += (size_t)snprintf(buf + len, n - len, "%s%s", count ? " " : "", m);
            if (arr) json_array_append_new(arr, json_string(m));
            count++;
        }
    return count;
}

static void diff_epochs(const tf_rules *r, const ir_rulebook *rb, const ir_epoch *p, const ir_epoch *q, json_t *changes,
                        FILE *out) {
    char date[11], buf[2048], v1[128], v2[128];
    date_format(q->start, date);
    int header = 0;
#define HEADER() \
    if (out && !header++) fprintf(out, "%s  %s\n", date, rb->id)
    for (uint32_t i = 0; i < rb->nrules; i++) {
        if (p->rule_on[i] == q->rule_on[i]) continue;
        const ir_rule *ru = &rb->rules[i];
        const char *what = q->rule_on[i] ? "rule_started" : "rule_ended";
        HEADER();
        if (out) fprintf(out, "  %s %s: %s\n", q->rule_on[i] ? "rule started" : "rule ended  ", ru->name, ru->title);
        if (changes)
            json_array_append_new(changes, json_pack("{s:s,s:s,s:s,s:s,s:s}", "date", date, "rulebook", rb->id, "kind", what,
                                                     "rule", ru->id, "title", ru->title));
    }
    for (uint32_t i = 0; i < rb->nsets; i++) {
        const ir_set *s = &rb->sets[i];
        if (!s->name || !memcmp(&p->sets[i], &q->sets[i], sizeof(bits256))) continue;
        type_t el = TYPE_SET_ELEM(s->type);
        json_t *added = changes ? json_array() : NULL, *removed = changes ? json_array() : NULL;
        HEADER();
        int na = members(r, el, &p->sets[i], &q->sets[i], buf, sizeof buf, added);
        if (out && na) fprintf(out, "  set %s: added %d: %s\n", s->name, na, buf);
        int nr = members(r, el, &q->sets[i], &p->sets[i], buf, sizeof buf, removed);
        if (out && nr) fprintf(out, "  set %s: removed %d: %s\n", s->name, nr, buf);
        if (changes)
            json_array_append_new(changes, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "date", date, "rulebook", rb->id, "kind",
                                                     "set_changed", "set", s->name, "added", added, "removed", removed));
    }
    for (uint32_t i = 0; i < rb->nvals; i++) {
        const ir_value *v = &rb->vals[i];
        int same = p->val_known[i] == q->val_known[i] && (!p->val_known[i] || p->vals[i].i == q->vals[i].i);
        if (same) continue;
        const char *a = p->val_known[i] ? ir_format_value(r, v->type, p->vals[i], v1, sizeof v1) : "(none)";
        const char *b = q->val_known[i] ? ir_format_value(r, v->type, q->vals[i], v2, sizeof v2) : "(none)";
        HEADER();
        if (out) fprintf(out, "  value %s: %s -> %s\n", v->name, a, b);
        if (changes)
            json_array_append_new(changes, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "date", date, "rulebook", rb->id, "kind",
                                                     "value_changed", "value", v->name, "before", a, "after", b));
    }
#undef HEADER
}

void tf_rules_diff(const tf_rules *r, tf_date from, tf_date to, bool json, FILE *out) {
    char b1[11], b2[11];
    json_t *changes = json ? json_array() : NULL;
    if (!json) fprintf(out, "changes after %s up to and including %s\n", date_format(from, b1), date_format(to, b2));
    int any = 0;
    /* in date order across rulebooks: walk dates, then rulebooks */
    int32_t day = from;
    for (;;) {
        int32_t next = INT32_MAX;
        for (uint32_t b = 0; b < r->nbooks; b++)
            for (uint32_t e = 1; e < r->books[b].nepochs; e++) {
                int32_t s = r->books[b].epoch_start[e];
                if (s > day && s <= to && s < next) next = s;
            }
        if (next == INT32_MAX) break;
        for (uint32_t b = 0; b < r->nbooks; b++) {
            const ir_rulebook *rb = &r->books[b];
            for (uint32_t e = 1; e < rb->nepochs; e++)
                if (rb->epoch_start[e] == next) {
                    diff_epochs(r, rb, &rb->epochs[e - 1], &rb->epochs[e], changes, json ? NULL : out);
                    any = 1;
                }
        }
        day = next;
    }
    if (json) {
        json_t *o = json_pack("{s:s,s:s,s:o}", "from", date_format(from, b1), "to", date_format(to, b2), "changes", changes);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s) fprintf(out, "%s\n", s);
        free(s);
        json_decref(o);
    } else if (!any) {
        fprintf(out, "no changes\n");
    }
}
