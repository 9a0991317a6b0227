/*
 * entry_out.c — a decision as JSON (PROFILE.md) and as readable text.
 *
 * Both forms come from the same decision: the outcome and deciding rule, the stay and
 * latest departure, every other rule that admits the trip (`applies`), and the reasons —
 * for an admitted trip the clauses of the deciding rule, for a refused one every clause
 * that failed in every rule in force — each with its source text, location and
 * citation. Nothing here evaluates anything.
 */
#include <stdio.h>
#include <string.h>

#include "base/country.h"
#include "base/jw.h"
#include "base/date.h"
#include "kinds/entry.h"

static void jdate(jw *w, int32_t d) {
    char b[11];
    jw_str(w, date_format(d, b));
}

/* A stay as {"days": n}, or {"hours": n} where it is not whole days or the rule counts
 * in hours (transit). */
static void jstay(jw *w, int64_t minutes, int hours) {
    jw_obj_begin(w);
    if (minutes % 1440 == 0 && !hours) {
        jw_key(w, "days");
        jw_int(w, (long long)(minutes / 1440));
    } else {
        jw_key(w, "hours");
        jw_int(w, (long long)(minutes / 60));
    }
    jw_obj_end(w);
}

/* {"stay": {...}, "in": {...}}: at most a stay in any window. */
static void jlimit(jw *w, const rule_result *rr) {
    jw_key(w, "limit");
    jw_obj_begin(w);
    jw_key(w, "stay");
    jstay(w, rr->limit_min, 0);
    jw_key(w, "in");
    jstay(w, rr->window_min, 0);
    jw_obj_end(w);
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

static void jreason(jw *w, const tf_decision *d, const reason *rs) {
    char buf[256], where[300];
    const ir_source *src = first_source(d, rs);
    const ir_rule *ru = &d->rb->rules[rs->rule];
    jw_obj_begin(w);
    jw_key(w, "rule");
    jw_str(w, ru->id);
    jw_key(w, "clause");
    jw_str(w, reason_text(d, rs, buf, sizeof buf));
    jw_key(w, "holds");
    jw_bool(w, rs->result == R_HOLDS);
    if (rs->result == R_UNKNOWN) {
        jw_key(w, "unknown");
        jw_bool(w, true);
    }
    if (rs->missing >= 0) {
        jw_key(w, "missing");
        jw_str(w, d->r->inputs[rs->missing].name);
    }
    if (rs->kind == RK_CLAUSE && ru->clauses[rs->clause].because) {
        jw_key(w, "because");
        jw_str(w, ru->clauses[rs->clause].because);
    }
    if (src) {
        jw_key(w, "source");
        jw_str(w, src->id);
        jw_key(w, "citation");
        jw_obj_begin(w);
        jw_key(w, "title");
        jw_str(w, src->title);
        jw_key(w, "date");
        jw_str(w, src->date);
        if (src->nurls) {
            jw_key(w, "url");
            jw_str(w, src->urls[0]);
        }
        jw_obj_end(w);
    }
    jw_key(w, "at");
    jw_str(w, ir_where(d->r, reason_span(d, rs), where, sizeof where));
    jw_obj_end(w);
}

/* A rule's outcome, stay and limit: the deciding rule's at the top of a decision, each
 * other admitting rule's in `applies`. */
static void jstay_fields(jw *w, const ir_rule *ru, const rule_result *rr) {
    if (rr->has_stay) {
        jw_key(w, "max_stay");
        jstay(w, rr->stay_min, ru->is_transit);
        jw_key(w, "latest_departure");
        jdate(w, rr->latest);
    }
    if (rr->limit_min) jlimit(w, rr);
}

static void jrule(jw *w, const tf_decision *d, int i) {
    const ir_rule *ru = &d->rb->rules[i];
    jw_obj_begin(w);
    jw_key(w, "regime");
    jw_str(w, ru->id);
    jw_key(w, "title");
    jw_str(w, ru->title);
    jw_key(w, "outcome");
    jw_str(w, outcome_names[ru->out]);
    jstay_fields(w, ru, &d->res[i]);
    jw_obj_end(w);
}

/* Written directly (jw.c) rather than as a jansson tree: the service answers thousands
 * of these a second, and the tree cost more than the decision. The text is the same as
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) of the tree gave, byte for byte. */
char *tf_decision_json(const tf_decision *d) {
    jw w;
    jw_init(&w, 4096, 0);
    jw_obj_begin(&w);
    if (d->rc) {
        jw_key(&w, "error");
        jw_str(&w, tf_strerror(d->rc));
        jw_key(&w, "message");
        jw_str(&w, d->error);
        jw_obj_end(&w);
        return jw_finish(&w, NULL);
    }
    jw_key(&w, "outcome");
    jw_str(&w, outcome_names[d->out]);
    jw_key(&w, "regime");
    if (d->best >= 0) {
        const ir_rule *ru = &d->rb->rules[d->best];
        jw_str(&w, ru->id);
        jw_key(&w, "title");
        jw_str(&w, ru->title);
        jstay_fields(&w, ru, &d->res[d->best]);
        if (ru->is_transit && d->port >= 0 && d->port != PORT_UNDESIGNATED && d->r->ports[d->port].area) {
            jw_key(&w, "stay_area");
            jw_str(&w, d->r->ports[d->port].area);
        }
    } else {
        jw_null(&w);
    }
    jw_key(&w, "as_of");
    jdate(&w, d->as_of);
    jw_key(&w, "rulebook");
    jw_str(&w, d->rb->id);
    if (d->overrides) {
        jw_key(&w, "precedence");
        jw_obj_begin(&w);
        jw_key(&w, "over");
        jw_str(&w, d->overrides->id);
        jw_key(&w, "why");
        jw_str(&w, "a rulebook written for the destination, with cited sources, takes precedence over the "
                   "fallback built from open data");
        jw_obj_end(&w);
    } else if (d->rb->fallback) {
        jw_key(&w, "precedence");
        jw_obj_begin(&w);
        jw_key(&w, "fallback");
        jw_bool(&w, true);
        jw_key(&w, "why");
        jw_str(&w, "no rulebook is written for this destination; the fallback built from open data decides");
        jw_obj_end(&w);
    }
    jw_key(&w, "version");
    jw_str(&w, d->r->version);
    jw_key(&w, "applies");
    jw_arr_begin(&w);
    for (uint32_t i = 0; i < d->rb->nrules; i++)
        if ((int)i != d->best && d->res[i].admitted) jrule(&w, d, (int)i);
    jw_arr_end(&w);
    jw_key(&w, "reasons");
    jw_arr_begin(&w);
    for (uint32_t i = 0; i < d->nreasons; i++)
        if (shows(d, &d->reasons[i])) jreason(&w, d, &d->reasons[i]);
    jw_arr_end(&w);
    if (d->truncated) {
        jw_key(&w, "reasons_truncated");
        jw_bool(&w, true);
    }
    jw_obj_end(&w);
    return jw_finish(&w, NULL);
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
