/*
 * entry_out.c — a decision as JSON (PROFILE.md) and as readable text.
 *
 * Both forms come from the same decision: the outcome and deciding rule, the stay and
 * latest departure, every other rule that admits the trip (`applies`), and the reasons —
 * for an admitted trip the clauses of the deciding rule, for a refused one every clause
 * that failed in every rule in force — each with its source text, location and
 * citation. Nothing here evaluates anything.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "kinds/entry.h"

static json_t *jdate(int32_t d) {
    char b[11];
    return json_string(date_format(d, b));
}

/* A stay as {"days": n}, or {"hours": n} where it is not whole days or the rule counts
 * in hours (transit). */
static json_t *jstay(int64_t minutes, int hours) {
    if (minutes % 1440 == 0 && !hours) return json_pack("{s:I}", "days", (json_int_t)(minutes / 1440));
    return json_pack("{s:I}", "hours", (json_int_t)(minutes / 60));
}

/* The words of a stay: "30 days", "240 hours". */
static const char *stay_words(int64_t minutes, int hours, char *b, size_t n) {
    if (minutes % 1440 == 0 && !hours) snprintf(b, n, "%lld days", (long long)(minutes / 1440));
    else snprintf(b, n, "%lld hours", (long long)(minutes / 60));
    return b;
}

static const ir_source *first_source(const tf_decision *d, const reason *rs) {
    const ir_rule *ru = &d->rb->rules[rs->rule];
    if (rs->kind == RK_CLAUSE && ru->clauses[rs->clause].ncites)
        return &d->rb->sources[ru->clauses[rs->clause].cites[0]];
    return ru->ncites ? &d->rb->sources[ru->cites[0]] : NULL;
}

/* The clause text of a reason: the rule's words, or the stay's. */
static const char *reason_text(const tf_decision *d, const reason *rs, char *b, size_t n) {
    const ir_rule *ru = &d->rb->rules[rs->rule];
    if (rs->kind == RK_CLAUSE) return ru->clauses[rs->clause].text;
    char s[32], t[32];
    int64_t trip = d->exit_min - (int64_t)(ru->counting == 0 ? d->entry + 1 : d->entry) * 1440;
    snprintf(b, n, "stay of %s within %s %s", stay_words(trip < 0 ? 0 : trip, ru->is_transit, s, sizeof s),
             stay_words(d->res[rs->rule].stay_min, ru->is_transit, t, sizeof t),
             ru->counting == 0 ? "counted from next midnight" : "counted from the entry day");
    return b;
}

static span reason_span(const tf_decision *d, const reason *rs) {
    const ir_rule *ru = &d->rb->rules[rs->rule];
    return rs->kind == RK_CLAUSE ? ru->clauses[rs->clause].sp : ru->sp;
}

static int shows(const tf_decision *d, const reason *rs) {
    return d->best >= 0 ? rs->rule == d->best : rs->result != R_HOLDS;
}

static json_t *jreason(const tf_decision *d, const reason *rs) {
    char buf[256], where[300];
    const ir_source *src = first_source(d, rs);
    const ir_rule *ru = &d->rb->rules[rs->rule];
    json_t *o = json_pack("{s:s,s:s,s:b}", "rule", ru->id, "clause", reason_text(d, rs, buf, sizeof buf), "holds",
                          rs->result == R_HOLDS);
    if (rs->result == R_UNKNOWN) json_object_set_new(o, "unknown", json_true());
    if (rs->missing >= 0) json_object_set_new(o, "missing", json_string(d->r->inputs[rs->missing].name));
    if (rs->kind == RK_CLAUSE && ru->clauses[rs->clause].because)
        json_object_set_new(o, "because", json_string(ru->clauses[rs->clause].because));
    if (src) {
        json_object_set_new(o, "source", json_string(src->id));
        json_t *cit = json_pack("{s:s,s:s}", "title", src->title, "date", src->date);
        if (src->nurls) json_object_set_new(cit, "url", json_string(src->urls[0]));
        json_object_set_new(o, "citation", cit);
    }
    json_object_set_new(o, "at", json_string(ir_where(d->r, reason_span(d, rs), where, sizeof where)));
    return o;
}

static json_t *jrule(const tf_decision *d, int i) {
    const ir_rule *ru = &d->rb->rules[i];
    const rule_result *rr = &d->res[i];
    json_t *o = json_pack("{s:s,s:s,s:s}", "regime", ru->id, "title", ru->title, "outcome", outcome_names[ru->out]);
    if (rr->has_stay) {
        json_object_set_new(o, "max_stay", jstay(rr->stay_min, ru->is_transit));
        json_object_set_new(o, "latest_departure", jdate(rr->latest));
    }
    if (rr->limit_min)
        json_object_set_new(o, "limit", json_pack("{s:o,s:o}", "stay", jstay(rr->limit_min, 0), "in", jstay(rr->window_min, 0)));
    return o;
}

char *tf_decision_json(const tf_decision *d) {
    json_t *o;
    if (d->rc) {
        o = json_pack("{s:s,s:s}", "error", tf_strerror(d->rc), "message", d->error);
    } else {
        o = json_pack("{s:s}", "outcome", outcome_names[d->out]);
        json_object_set_new(o, "regime", d->best >= 0 ? json_string(d->rb->rules[d->best].id) : json_null());
        if (d->best >= 0) {
            const ir_rule *ru = &d->rb->rules[d->best];
            const rule_result *rr = &d->res[d->best];
            json_object_set_new(o, "title", json_string(ru->title));
            if (rr->has_stay) {
                json_object_set_new(o, "max_stay", jstay(rr->stay_min, ru->is_transit));
                json_object_set_new(o, "latest_departure", jdate(rr->latest));
            }
            if (rr->limit_min)
                json_object_set_new(o, "limit", json_pack("{s:o,s:o}", "stay", jstay(rr->limit_min, 0), "in", jstay(rr->window_min, 0)));
            if (ru->is_transit && d->port >= 0 && d->port != PORT_UNDESIGNATED && d->r->ports[d->port].area)
                json_object_set_new(o, "stay_area", json_string(d->r->ports[d->port].area));
        }
        json_object_set_new(o, "as_of", jdate(d->as_of));
        json_object_set_new(o, "rulebook", json_string(d->rb->id));
        if (d->rb->fallback)
            json_object_set_new(o, "precedence",
                                json_pack("{s:b,s:s}", "fallback", 1, "why",
                                          "no rulebook is written for this destination; the fallback built from "
                                          "open data decides"));
        if (d->overrides)
            json_object_set_new(o, "precedence",
                                json_pack("{s:s,s:s}", "over", d->overrides->id, "why",
                                          "a rulebook written for the destination, with cited sources, takes precedence "
                                          "over the fallback built from open data"));
        json_object_set_new(o, "version", json_string(d->r->version));
        json_t *ap = json_array();
        for (uint32_t i = 0; i < d->rb->nrules; i++)
            if ((int)i != d->best && d->res[i].admitted) json_array_append_new(ap, jrule(d, (int)i));
        json_object_set_new(o, "applies", ap);
        json_t *rs = json_array();
        for (uint32_t i = 0; i < d->nreasons; i++)
            if (shows(d, &d->reasons[i])) json_array_append_new(rs, jreason(d, &d->reasons[i]));
        json_object_set_new(o, "reasons", rs);
        if (d->truncated) json_object_set_new(o, "reasons_truncated", json_true());
    }
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

static void print_source(const tf_decision *d, const ir_source *src, FILE *out) {
    (void)d;
    fprintf(out, "    source %s: %s (%s)%s%s\n", src->id, src->title, src->date, src->nurls ? " " : "",
            src->nurls ? src->urls[0] : "");
}

void tf_decision_print(const tf_decision *d, FILE *out) {
    char b1[11], b2[11], s1[32], where[300], buf[256];
    if (d->rc) {
        fprintf(out, "error: %s\n", d->error);
        return;
    }
    const ir_rulebook *rb = d->rb;
    if (d->best >= 0) {
        const ir_rule *ru = &rb->rules[d->best];
        const rule_result *rr = &d->res[d->best];
        fprintf(out, "%s: %s (%s)\n", outcome_names[d->out], ru->title, ru->id);
        if (rr->has_stay)
            fprintf(out, "  stay up to %s from %s: leave by %s\n", stay_words(rr->stay_min, ru->is_transit, s1, sizeof s1),
                    date_format(d->entry, b1), date_format(rr->latest, b2));
        if (rr->limit_min) {
            char s2[32];
            fprintf(out, "  at most %s in any %s\n", stay_words(rr->limit_min, 0, s1, sizeof s1),
                    stay_words(rr->window_min, 0, s2, sizeof s2));
        }
        if (ru->is_transit && d->port >= 0 && d->port != PORT_UNDESIGNATED && d->r->ports[d->port].area)
            fprintf(out, "  stay area: %s (entry at %s)\n", d->r->ports[d->port].area, d->r->ports[d->port].code);
    } else {
        fprintf(out, "%s: no rule of %s admits this trip\n", outcome_names[d->out], rb->id);
    }
    fprintf(out, "  as of %s, rulebook %s (%s), version %s\n", date_format(d->as_of, b1), rb->id, rb->title,
            d->r->version);
    if (rb->fallback)
        fprintf(out, "  no rulebook is written for this destination: the fallback %s, built from open data,\n"
                     "  decides\n", rb->id);
    if (d->overrides)
        fprintf(out, "  %s is written for this destination with cited sources; it takes precedence over the\n"
                     "  fallback %s (%s)\n", rb->id, d->overrides->id, d->overrides->title);
    int first = 1;
    for (uint32_t i = 0; i < rb->nrules; i++) {
        if ((int)i == d->best || !d->res[i].admitted) continue;
        fprintf(out, "%s %s (%s)", first ? "  also admitted by:" : ",", rb->rules[i].id, outcome_names[rb->rules[i].out]);
        first = 0;
    }
    if (!first) fputc('\n', out);
    fputs(d->best >= 0 ? "because\n" : "because, in each rule in force\n", out);
    int last_rule = -1;
    for (uint32_t i = 0; i < d->nreasons; i++) {
        const reason *rs = &d->reasons[i];
        if (!shows(d, rs)) continue;
        const ir_rule *ru = &rb->rules[rs->rule];
        if (d->best < 0 && rs->rule != last_rule) fprintf(out, "  %s — %s\n", ru->id, ru->title);
        last_rule = rs->rule;
        const char *mark = rs->result == R_HOLDS ? "holds" : rs->result == R_FAILS ? "FAILS" : "UNKNOWN";
        fprintf(out, "  %-7s %s", mark, reason_text(d, rs, buf, sizeof buf));
        if (rs->missing >= 0) fprintf(out, " (%s is not given)", d->r->inputs[rs->missing].name);
        if (rs->kind == RK_CLAUSE && ru->clauses[rs->clause].because) fprintf(out, " — %s", ru->clauses[rs->clause].because);
        fprintf(out, "\n          at %s\n", ir_where(d->r, reason_span(d, rs), where, sizeof where));
        const ir_source *src = first_source(d, rs);
        if (src) print_source(d, src, out);
    }
    if (d->truncated) fputs("  (further reasons omitted)\n", out);
}
