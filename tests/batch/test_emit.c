/*
 * test_emit.c — the batch's output rows (emit.c) against a plain writer of the same rows.
 *
 * A white-box test of emit_chunk: chunks of made-up results for the check, a points
 * scheme and a route, alone and under --all, written as CSV and as JSONL, each row
 * compared with what a writer kept here gives — a field quoted, a string escaped
 * (jw_escape), a number formatted, a byte at a time, as emit.c did before its fast
 * paths. The texts are chosen at the fast paths' boundaries: ids of every length from
 * 0 to 40 (the 1-3, 4-7, 8-15 and 16+ byte searches), each plain and with a comma, a
 * quote, CR, LF, a tab, a space (leading, inside, trailing), a backslash, a control
 * byte, '+' and '-' (either side of the CSV search's '-'), '!' and '#' (of JSON's '#'),
 * UTF-8 and a byte that is not, at its first, middle and last byte; an absent id; ids
 * of 10,000 quotes or control bytes (the row's bound at its worst); totals at the digit
 * counts' edges, negative, fractional, past 1e15, NaN; row numbers carried from 9 to 10,
 * 999..9 to 1000..0; reasons of two pieces past a column's budget and past the 299
 * bytes they are cut at (a UTF-8 character cut too); category names that need quoting;
 * unread rows and undecided ones with messages that need it; a --all label of 319
 * bytes (a JSON name past a column's budget). The output buffer starts
 * at one byte, so that it grows at a row's start and in the middle of one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/jw.h"
#include "batch/batch_int.h"
#include "talentflow.h"

#include "check.h"

/* ---- the plain writer -------------------------------------------------------------- */

typedef struct {
    char *b;
    size_t n, cap;
} sbuf;

static void sb_put(void *ctx, const char *s, size_t n) {
    sbuf *o = ctx;
    if (o->n + n + 1 > o->cap) {
        o->cap = (o->n + n + 1) * 2;
        o->b = realloc(o->b, o->cap);
        if (!o->b) exit(2);
    }
    memcpy(o->b + o->n, s, n);
    o->n += n;
    o->b[o->n] = 0;
}
static void sb_puts(sbuf *o, const char *s) { sb_put(o, s, strlen(s)); }

static void ref_csv(sbuf *o, const char *s, size_t n) {
    int quote = 0;
    for (size_t i = 0; i < n; i++) quote |= s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) return sb_put(o, s, n);
    sb_puts(o, "\"");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') sb_puts(o, "\"");
        sb_put(o, s + i, 1);
    }
    sb_puts(o, "\"");
}

static void ref_json(sbuf *o, const char *s, size_t n) {
    sb_puts(o, "\"");
    jw_escape(s, n, sb_put, o);
    sb_puts(o, "\"");
}

/* A number's text: whole numbers below 1e15 without a point, others %g, NaN none. */
static const char *ref_num(double v, char *b) {
    if (isnan(v)) return NULL;
    if (v == floor(v) && fabs(v) < 1e15) snprintf(b, 32, "%lld", (long long)v);
    else snprintf(b, 32, "%g", v);
    return b;
}

/* The field a message names (the text before its first ": ", without space or quote). */
static void ref_field(const char *msg, char *b) {
    const char *colon = strstr(msg, ": ");
    size_t n = colon ? (size_t)(colon - msg) : 0;
    if (!n || strcspn(msg, " \"") < n) n = 0;
    snprintf(b, 300, "E:%.*s", n ? (int)n : 3, n ? msg : "row");
}

/* A column: JSON name, its text (NULL: none) and whether it is a string. */
typedef struct {
    char name[400];
    const char *s;
    int str;
} col;

/* One row, as emit.c once wrote it. */
static void ref_row(sbuf *o, int json, unsigned long long num, const char *id, size_t idn, const col *c, int nc,
                    const char *err) {
    char b[32];
    snprintf(b, sizeof b, "%llu", num);
    if (json) {
        sb_puts(o, "{\"row\":"), sb_puts(o, b);
        if (id) sb_puts(o, ",\"id\":"), ref_json(o, id, idn);
        for (int i = 0; i < nc; i++) {
            sb_puts(o, ",\""), sb_puts(o, c[i].name), sb_puts(o, "\":");
            if (!c[i].s || !*c[i].s) sb_puts(o, "null");
            else if (c[i].str) ref_json(o, c[i].s, strlen(c[i].s));
            else sb_puts(o, c[i].s);
        }
        if (err) sb_puts(o, ",\"error\":"), ref_json(o, err, strlen(err));
        sb_puts(o, "}\n");
        return;
    }
    sb_puts(o, b), sb_puts(o, ",");
    if (id) ref_csv(o, id, idn);
    for (int i = 0; i < nc; i++) {
        sb_puts(o, ",");
        if (c[i].s && *c[i].s) ref_csv(o, c[i].s, strlen(c[i].s));
    }
    sb_puts(o, ",");
    if (err) ref_csv(o, err, strlen(err));
    sb_puts(o, "\n");
}

/* ---- the rows ------------------------------------------------------------------------ */

static char texts[BATCH_ROWS][12][300]; /* the columns' texts of each row */

/* The reason and the columns of part p for result res (message msg): into c, their
 * number returned. */
static int ref_part(const tf_rules *r, const batch_part *p, const kind_result *res, const char *msg, int all, col *c,
                    char (*t)[300]) {
    int ok = !res->status;
    char *reason = t[0];
    if (!ok) ref_field(msg, reason);
    else if (p->kind == BATCH_CHECK) snprintf(reason, 300, "%s", res->rule >= 0 ? r->books[res->book].rules[res->rule].id : "no_rule");
    else if (p->kind == BATCH_SCHEME) {
        const ir_points *pt = p->rb->points;
        if (!res->complete) snprintf(reason, 300, "incomplete:%s", res->missing >= 0 ? r->inputs[res->missing].name : "?");
        else snprintf(reason, 300, "%s", res->category >= 0 ? pt->categories[res->category].name : pt->ncategories ? "none"
                                            : res->passes >= 0 ? (res->passes ? "pass" : "fail") : "scored");
    } else if (res->passes > 0) snprintf(reason, 300, "eligible");
    else snprintf(reason, 300, "%s:%s", res->date == TF_DATE_DEFAULT ? "never" : "binding", pathway_label(p->rb, res->missing));
    int n = 0;
    if (all) {
        snprintf(c[n].name, sizeof c[n].name, "%s", p->label);
        c[n].str = p->kind != BATCH_SCHEME;
        c[n++].s = !ok ? NULL
                   : p->kind == BATCH_CHECK ? (res->outcome >= 0 ? outcome_names[res->outcome] : "")
                   : p->kind == BATCH_SCHEME ? ref_num(res->total, t[1])
                   : res->passes > 0 ? "eligible" : "not_eligible";
        snprintf(c[n].name, sizeof c[n].name, "%s.reason", p->label);
        c[n].str = 1, c[n++].s = reason;
        return n;
    }
    const char *date = ok && res->date != TF_DATE_DEFAULT ? date_format(res->date, t[2]) : NULL;
    switch (p->kind) {
    case BATCH_CHECK:
        c[n++] = (col){"outcome", ok && res->outcome >= 0 ? outcome_names[res->outcome] : NULL, 1};
        c[n++] = (col){"latest_departure", date, 1};
        break;
    case BATCH_SCHEME:
        c[n++] = (col){"total", ok ? ref_num(res->total, t[1]) : NULL, 0};
        c[n++] = (col){"category", ok && res->category >= 0 ? p->rb->points->categories[res->category].name : NULL, 1};
        c[n++] = (col){"passes", ok && res->passes >= 0 ? (res->passes ? "true" : "false") : NULL, 0};
        break;
    default:
        c[n++] = (col){"eligible", ok ? (res->passes > 0 ? "true" : "false") : NULL, 0};
        c[n++] = (col){"earliest_date", date, 1};
        c[n++] = (col){"counted_days", ok ? ref_num(res->total, t[1]) : NULL, 0};
        break;
    }
    c[n++] = (col){"reason", reason, 1};
    return n;
}

/* The texts tried: ids (and messages) at the fast paths' boundaries. */
static char ids[2048][48];
static size_t nids;

static void make_ids(void) {
    static const char *const odd[] = {",", "\"", "\r", "\n", "\t", " ", "\\", "\x01", "+", "-", "!", "#", "\xC3\xA9", "\xFF", "\x7F"};
    for (size_t len = 0; len <= 40; len++) {
        for (size_t i = 0; i < len; i++) ids[nids][i] = (char)('a' + i % 26);
        nids++;
        for (size_t o = 0; o < sizeof odd / sizeof odd[0] && len; o++)
            for (int at = 0; at < 3; at++) {
                size_t pos = at == 0 ? 0 : at == 1 ? len / 2 : len - 1, ol = strlen(odd[o]);
                if (len < ol) continue;
                for (size_t i = 0; i < len; i++) ids[nids][i] = (char)('a' + i % 26);
                memcpy(ids[nids] + (pos + ol > len ? len - ol : pos), odd[o], ol);
                nids++;
            }
    }
}

static const double totals[] = {0,     9,      10,     99,      100,     999,      1000,         9999,
                                10000, 99999,  100000, 123456,  1e9 - 1, 1e9,      4294967295.0, 4294967296.0,
                                -1,    -9,     -10,    -99,     -100,    -1000,    1e15 - 1,     -1e15 + 1,
                                1e15,  -1e15,  1e20,   0.5,     -0.5,    1.25e-7,  271,          -0.0,
                                NAN,   INFINITY, 999999999999999.0, 100000000000000.0};

static const char *const messages[] = {
    "trip.to: \"X,Y\" is not a country code",
    "residence.statuses: missing (a pathway needs at least one status)",
    "row: has 3 fields, the header 7",
    "a \"quoted\": thing",
    ": starts with a colon",
    "a:b: c",
    "no colon at all",
    "line\nbreak: inside",
    "trip.entry_date: 2025-02-30 is not a date, \r\n nor a \"day\"",
    "birth_date: \xC3\xA9t\xC3\xA9 \xFF",
};

typedef struct {
    const tf_rules *r;
    batch_part parts[3];
    int nparts, all;
} setup;

/* Emits chunks of made-up rows for setup su in format fmt and compares them with the
 * plain writer's, row by row. */
static void run(const setup *su, batch_format fmt, const char *what) {
    int json = fmt == BATCH_FMT_JSONL;
    batch_schema sc = {.r = su->r};
    batch_chunk *ch = calloc(1, sizeof *ch);
    batch_slot *s = calloc(1, sizeof *s);
    kind_result *res[3];
    char (*msg[3])[KIND_MSG];
    for (int p = 0; p < 3; p++) {
        res[p] = calloc(BATCH_ROWS, sizeof **res);
        msg[p] = calloc(BATCH_ROWS, KIND_MSG);
        if (!res[p] || !msg[p]) exit(2);
    }
    if (!ch || !s) exit(2);
    ch->sc = &sc;
    s->out = malloc(1), s->out_cap = 1; /* grown by the first rows, and in the middle of one */
    static const unsigned long long firsts[] = {1, 95, 999990, 9999999999999999990ull};
    static char big[2][10000];
    memset(big[0], '"', sizeof big[0]), memset(big[1], '\x02', sizeof big[1]);
    sbuf want = {0};
    uint32_t seed = 7;
    for (int round = 0; round < 8; round++) {
        uint32_t n = round == 0 ? (uint32_t)nids % BATCH_ROWS : round % 2 ? BATCH_ROWS : 40 + (uint32_t)round;
        unsigned long long first = firsts[round % 4];
        s->first_row = first, s->out_len = 0;
        ch->n = n;
        for (uint32_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t x = seed >> 8, i = (uint32_t)((k + (uint32_t)round * 977u) % nids);
            ch->id[k] = x % 53 == 0 ? NULL : ids[i];
            ch->id_len[k] = ch->id[k] ? (uint32_t)strlen(ids[i]) : 0;
            if (x % 211 == 0) ch->id[k] = big[x % 2], ch->id_len[k] = sizeof big[0];
            ch->skip[k] = x % 17 == 0;
            snprintf(ch->msg[k], KIND_MSG, "%s", messages[x % 10]);
            for (int p = 0; p < su->nparts; p++) {
                kind_result *rs = &res[p][k];
                kind_result_clear(rs);
                uint32_t y = x / (7u + (uint32_t)p);
                rs->status = y % 13 == 0 ? TF_ECASE : 0;
                snprintf(msg[p][k], KIND_MSG, "%s", messages[(y / 13) % 10]);
                rs->total = totals[(k + (uint32_t)p) % (sizeof totals / sizeof totals[0])];
                rs->date = y % 3 == 0 ? TF_DATE_DEFAULT : 19000 + (int32_t)(y % 5000);
                const batch_part *pt = &su->parts[p];
                if (pt->kind == BATCH_CHECK) {
                    rs->book = (int16_t)(y % su->r->nbooks);
                    rs->rule = su->r->books[rs->book].nrules && y % 4 ? (int32_t)(y % su->r->books[rs->book].nrules) : -1;
                    rs->outcome = (int8_t)(y % 5 == 0 ? -1 : (int)(y % OUT__COUNT));
                } else if (pt->kind == BATCH_SCHEME) {
                    uint32_t nc = pt->rb->points->ncategories;
                    rs->category = (int16_t)(nc && y % 3 ? (int)(y % nc) : -1);
                    rs->passes = (int8_t)((int)(y % 3) - 1);
                    rs->complete = y % 4 != 0;
                    rs->missing = (int16_t)(y % 5 == 0 ? -1 : (int)(y % su->r->ninputs));
                } else {
                    rs->passes = (int8_t)(y % 4 == 0);
                    rs->missing = (int16_t)((int)(y % (pt->rb->pathway->nclauses + 1)) - 1);
                    if (k == 0) rs->passes = 0, rs->missing = 0, rs->status = 0; /* the longest reason, first */
                }
            }
        }
        CHECK(emit_chunk(s, ch, fmt, su->parts, su->nparts, su->all, res, msg) == 0, "%s: emit_chunk failed", what);
        uint32_t nbad = 0, start = 0;
        for (uint32_t k = 0; k < n; k++) {
            want.n = 0;
            col c[12];
            int nc = 0;
            const char *err = ch->skip[k] ? ch->msg[k] : !su->all && res[0][k].status ? msg[0][k] : NULL;
            if (ch->skip[k]) {
                for (int p = 0; p < su->nparts && !(json && p); p++) {
                    int empty = json ? 0 : su->all ? 1 : su->parts[p].kind == BATCH_CHECK ? 2 : 3;
                    for (int e = 0; e < empty; e++) c[nc++] = (col){"", NULL, 1};
                    ref_field(err, texts[k][nc]);
                    c[nc] = (col){"reason", texts[k][nc], 1}, nc++;
                }
            } else {
                for (int p = 0; p < su->nparts; p++)
                    nc += ref_part(su->r, &su->parts[p], &res[p][k], msg[p][k], su->all, c + nc, texts[k] + 4 * p);
            }
            ref_row(&want, json, first + k, ch->id[k], ch->id_len[k], c, nc, err);
            nbad += err != NULL;
            uint32_t end = s->row_end[k];
            int same = end >= start && end - start == want.n && !memcmp(s->out + start, want.b, want.n);
            CHECK(same, "%s, row %llu: wrote\n  %.*s\nwant\n  %s", what, first + k, (int)(end - start), s->out + start,
                  want.b);
            CHECK(s->bad[k] == (err != NULL), "%s, row %llu: bad %d", what, first + k, s->bad[k]);
            start = end;
            if (!same) break;
        }
        CHECK(s->nbad == nbad && s->out_len == start, "%s: nbad %u (want %u), out_len %zu (rows end at %u)", what,
              s->nbad, nbad, s->out_len, start);
    }
    free(want.b);
    for (int p = 0; p < 3; p++) free(res[p]), free(msg[p]);
    free(s->out), free(s), free(ch);
}

int main(void) {
    tf_rules *r = bundled_rules();
    if (!r) return 2;
    make_ids();
    const ir_rulebook *scheme = NULL, *route = NULL;
    for (uint32_t b = 0; b < r->nbooks; b++) {
        if (r->books[b].points && !strcmp(r->books[b].id, "ca.crs")) scheme = &r->books[b];
        if (r->books[b].pathway && !strcmp(r->books[b].id, "gb.ilr")) route = &r->books[b];
    }
    if (!scheme || !route) return fprintf(stderr, "no ca.crs or gb.ilr\n"), 2;

    /* a scheme with categories whose names need quoting, and a route with long labels:
     * copies of the real ones, their names changed */
    static char longest[400];
    for (size_t i = 0; i < sizeof longest - 1; i++) longest[i] = (char)(i % 50 == 49 ? ' ' : 'a' + i % 26);
    memcpy(longest + 290, "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 9); /* a character cut at byte 299 */
    static const char *const cats[] = {"A", "", "a,b", "say \"hi\"", "two\nlines", " lead", "tail ", "\xC3\xA9l\xC3\xA8ve",
                                       "ok-category_with.a.name.longer.than.forty.eight.bytes"};
    ir_cond conds[sizeof cats / sizeof cats[0]];
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) conds[i] = (ir_cond){cats[i], 0, {0}};
    ir_points pts = *scheme->points;
    pts.categories = conds, pts.ncategories = sizeof cats / sizeof cats[0];
    ir_rulebook scheme2 = *scheme;
    scheme2.points = &pts;
    ir_pathway pw = *route->pathway;
    ir_wclause *cl = calloc(pw.nclauses + 2, sizeof *cl);
    if (!cl) return 2;
    memcpy(cl, pw.clauses, pw.nclauses * sizeof *cl);
    cl[0].label = longest;
    cl[pw.nclauses].label = "a label, with \"quotes\" and a comma, long enough to pass a column's budget";
    cl[pw.nclauses + 1].label = "x";
    pw.nclauses += 2, pw.clauses = cl;
    ir_rulebook route2 = *route;
    route2.pathway = &pw;

    static char long_label[320];
    for (size_t i = 0; i < sizeof long_label - 1; i++) long_label[i] = (char)('a' + i % 26);
    batch_part check = {BATCH_CHECK, NULL, "entry"}, long_part = {BATCH_SCHEME, scheme, long_label};
    batch_part sch[2] = {{BATCH_SCHEME, scheme, "ca.crs"}, {BATCH_SCHEME, &scheme2, "made.up"}};
    batch_part rt[2] = {{BATCH_ROUTE, route, "gb.ilr"}, {BATCH_ROUTE, &route2, "long.labels"}};
    const setup setups[] = {
        {r, {check}, 1, 0},
        {r, {sch[0]}, 1, 0},
        {r, {sch[1]}, 1, 0},
        {r, {rt[0]}, 1, 0},
        {r, {rt[1]}, 1, 0},
        {r, {check, sch[1], rt[1]}, 3, 1},
        {r, {check, sch[0], rt[0]}, 3, 1},
        {r, {long_part, rt[1]}, 2, 1},
    };
    for (size_t i = 0; i < sizeof setups / sizeof setups[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "setup %zu, CSV", i);
        run(&setups[i], BATCH_FMT_CSV, what);
        snprintf(what, sizeof what, "setup %zu, JSONL", i);
        run(&setups[i], BATCH_FMT_JSONL, what);
    }
    free(cl);
    tf_rules_free(r);
    printf("%d checks, %d failed (%zu ids)\n", checks, failures, nids);
    return failures != 0;
}
