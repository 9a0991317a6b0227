/*
 * synth.c — synthetic populations of cases, for benchmarks, tests and the simulation.
 *
 * Every draw comes from one xoshiro256** generator seeded through splitmix64, and every
 * distribution is a table of integer weights (docs/batch.md lists them), so no libm
 * function is involved and the same options give the same bytes on any machine.
 * Nationalities are weighted by population (the World Bank's latest figure in
 * data/world/default-world-latest.csv); the rest is drawn per case, each field from the
 * table for it, a few of them conditioned on another (a spouse's fields on having one,
 * a transit's length on the purpose, a residence history on holding one).
 */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/country.h"
#include "base/date.h"
#include "batch/batch.h"

/* ---- the generator --------------------------------------------------------------------- */

typedef struct {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void rng_seed(rng *g, uint64_t seed) {
    for (int i = 0; i < 4; i++) g->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(rng *g) {
    uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* A whole number in [0, n) (Lemire's multiply; the bias below 2^-32 does not matter). */
static uint32_t below(rng *g, uint32_t n) { return (uint32_t)(((next(g) >> 32) * (uint64_t)n) >> 32); }
static int chance(rng *g, uint32_t per_thousand) { return below(g, 1000) < per_thousand; }

/* A draw from a table of integer weights: the index. */
static int pick(rng *g, const uint32_t *w, int n) {
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    uint64_t x = ((next(g) >> 11) % total);
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}
#define PICK(g, table) pick((g), (table), (int)(sizeof(table) / sizeof((table)[0])))

/* ---- the tables (docs/batch.md, "Synthetic populations") ----------------------------- */

static const char *const educations[] = {"none", "secondary", "post_secondary_1y", "post_secondary_2y",
                                         "bachelor", "two_or_more", "master", "doctorate"};
static const uint32_t education_w[] = {3, 17, 5, 10, 35, 5, 20, 5};
static const uint32_t spouse_education_w[] = {4, 22, 6, 10, 33, 4, 17, 4};
/* a language test's level (CLB 4..10); each of the four abilities is the level, or one off */
static const uint32_t clb_w[] = {8, 12, 16, 20, 18, 14, 12};
static const uint32_t ability_w[] = {1, 3, 1}; /* -1, 0, +1 */
/* years of work in one country */
static const char *const years[] = {"0.5", "1", "2", "3", "4", "5", "6", "8", "10", "15"};
static const uint32_t years_w[] = {10, 15, 20, 15, 10, 10, 7, 6, 5, 2};
/* trips */
static const char *const purposes[] = {"tourism", "business", "transit", "family", "study", "work"};
static const uint32_t purpose_w[] = {500, 250, 100, 100, 30, 20};
static const uint32_t stay_days[] = {1, 3, 5, 7, 10, 14, 15, 21, 30, 45, 60, 90, 120};
static const uint32_t stay_w[] = {4, 10, 14, 16, 14, 12, 6, 8, 8, 3, 2, 2, 1};
static const char *const cn_ports[] = {"PEK", "PKX", "PVG", "SHA", "CAN", "SZX", "CTU", "CKG", "XIY", "KMG", "HGH",
                                       "NKG", "XMN", "TAO", "DLC", "URC"};

/* ---- the world: nationalities by population -------------------------------------------- */

typedef struct {
    int country[256];
    uint32_t weight[256];
    int n;
    /* reading state */
    int col, in_pi, code;
    uint64_t pop;
    int header;
} world;

static void world_field(void *f, size_t len, void *u) {
    world *w = u;
    const char *s = f ? f : "";
    if (w->col == 0) w->code = len == 2 ? country_find(s, 2) : -1;
    if (w->col == 8) w->in_pi = len == 1 && s[0] == '1';
    if (w->col == 9) w->pop = strtoull(s, NULL, 10);
    w->col++;
}

static void world_row(int c, void *u) {
    (void)c;
    world *w = u;
    if (!w->header && w->code >= 0 && w->in_pi && w->pop && w->n < 256) {
        w->country[w->n] = w->code;
        w->weight[w->n] = (uint32_t)(w->pop / 1000 + 1); /* thousands: sums fit in 64 bits */
        w->n++;
    }
    w->header = 0;
    w->col = 0;
    w->in_pi = 0;
    w->code = -1;
    w->pop = 0;
}

static int world_read(const char *path, world *w, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open (the population weights of synth)", path);
        return -1;
    }
    struct csv_parser p;
    memset(w, 0, sizeof *w);
    w->header = 1;
    w->code = -1;
    csv_init(&p, 0);
    char buf[1 << 14];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) csv_parse(&p, buf, got, world_field, world_row, w);
    csv_fini(&p, world_field, world_row, w);
    csv_free(&p);
    fclose(f);
    if (w->n < 2) {
        snprintf(err, errlen, "%s: no countries with a population (columns iso2 ... in_passport_index, population)", path);
        return -1;
    }
    return 0;
}

/* ---- one case ----------------------------------------------------------------------------- */

typedef struct {
    char *b;
    size_t n, cap;
} sbuf;

static void sput(sbuf *s, const char *t) {
    size_t l = strlen(t);
    if (s->n + l + 1 > s->cap) {
        s->cap = (s->n + l + 1) * 2;
        s->b = realloc(s->b, s->cap);
        if (!s->b) abort(); /* the CLI's policy: out of memory ends the program */
    }
    memcpy(s->b + s->n, t, l + 1);
    s->n += l;
}

static void sputf(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sputf(sbuf *s, const char *fmt, ...) {
    char t[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    sput(s, t);
}

static const char *code(int c) { return country_at(c)->code; }

/* A CLB list of four abilities around one level: "9;9;8;10". */
static void clb_list(rng *g, char *out, size_t n) {
    int level = 4 + PICK(g, clb_w);
    int a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = level + PICK(g, ability_w) - 1;
        if (a[i] < 1) a[i] = 1;
        if (a[i] > 12) a[i] = 12;
    }
    snprintf(out, n, "%d;%d;%d;%d", a[0], a[1], a[2], a[3]);
}

/* The fields of one case, each a (name, value) pair; an empty value is not given. */
#define NFIELDS 24
static const char *const field_names[NFIELDS] = {
    "id", "nationality", "birth_date", "education", "languages.en.clb", "languages.fr.clb", "work",
    "spouse.accompanying", "spouse.education", "spouse.languages.en.clb", "CA.canadian_education", "CA.job_offer",
    "CA.nomination", "CA.sibling", "CA.certificate_of_qualification", "trip.to", "trip.purpose", "trip.entry_date",
    "trip.days", "trip.entry_port", "trip.from", "trip.onward", "residence.statuses", "residence.absences"};
/* which fields are lists (written as JSON arrays), and of what */
enum { V_STR, V_RAW, V_CLB, V_WORK, V_STATUSES, V_ABSENCES };
static const int field_kind[NFIELDS] = {V_STR, V_STR, V_STR, V_STR, V_CLB, V_CLB, V_WORK, V_RAW, V_STR, V_CLB, V_STR,
                                        V_STR, V_RAW, V_RAW, V_RAW, V_STR, V_STR, V_STR, V_RAW, V_STR, V_STR, V_STR,
                                        V_STATUSES, V_ABSENCES};

static void one_case(rng *g, const world *w, const int *dest, int ndest, int32_t today, uint64_t i,
                     char v[NFIELDS][256]) {
    for (int f = 0; f < NFIELDS; f++) v[f][0] = 0;
    char d1[11], d2[11];
    snprintf(v[0], 256, "p%llu", (unsigned long long)i);
    int nat = w->country[pick(g, w->weight, w->n)];
    snprintf(v[1], 256, "%s", code(nat));
    /* age 22-45 for 70%, 18-64 for the rest; the birthday anywhere in the year */
    int age = chance(g, 700) ? 22 + (int)below(g, 24) : 18 + (int)below(g, 47);
    snprintf(v[2], 256, "%s", date_format(today - age * 365 - (int32_t)(age / 4) - (int32_t)below(g, 365), d1));
    snprintf(v[3], 256, "%s", educations[PICK(g, education_w)]);
    if (chance(g, 700)) clb_list(g, v[4], 256);
    if (chance(g, 150)) clb_list(g, v[5], 256);
    /* work: none (25%), one country (50%), two (25%); the first is the nationality (80%) */
    int nwork = PICK(g, ((const uint32_t[]){25, 50, 25}));
    for (int k = 0; k < nwork; k++) {
        int c = k == 0 && chance(g, 800) ? nat : chance(g, 500) ? country_find("CA", 2) : w->country[below(g, (uint32_t)w->n)];
        size_t l = strlen(v[6]);
        snprintf(v[6] + l, 256 - l, "%s%s:%s", k ? ";" : "", code(c), years[PICK(g, years_w)]);
    }
    /* a spouse (45%), accompanying (80% of them) */
    if (chance(g, 450)) {
        snprintf(v[7], 256, "%s", chance(g, 800) ? "true" : "false");
        snprintf(v[8], 256, "%s", educations[PICK(g, spouse_education_w)]);
        if (chance(g, 500)) clb_list(g, v[9], 256);
    }
    if (chance(g, 100)) snprintf(v[10], 256, "%s", chance(g, 500) ? "1_2y" : "3y_or_more");
    if (chance(g, 80)) snprintf(v[11], 256, "%s", chance(g, 125) ? "noc_00" : "teer_0_3");
    if (chance(g, 50)) snprintf(v[12], 256, "true");
    if (chance(g, 70)) snprintf(v[13], 256, "true");
    if (chance(g, 30)) snprintf(v[14], 256, "true");
    /* a trip: to China (50%) or anywhere with a rulebook; in the next 180 days */
    int to = chance(g, 500) || !ndest ? country_find("CN", 2) : dest[below(g, (uint32_t)ndest)];
    int purpose = PICK(g, purpose_w);
    snprintf(v[15], 256, "%s", code(to));
    snprintf(v[16], 256, "%s", purposes[purpose]);
    snprintf(v[17], 256, "%s", date_format(today + (int32_t)below(g, 181), d1));
    snprintf(v[18], 256, "%u", purpose == 2 ? 1 + below(g, 10) : stay_days[PICK(g, stay_w)]);
    if (to == country_find("CN", 2)) snprintf(v[19], 256, "%s", cn_ports[below(g, sizeof cn_ports / sizeof *cn_ports)]);
    /* a transit comes from one country and goes on to another */
    if (purpose == 2) {
        int from = w->country[pick(g, w->weight, w->n)], onward = w->country[pick(g, w->weight, w->n)];
        snprintf(v[20], 256, "%s", code(from == to ? nat : from));
        snprintf(v[21], 256, "%s", code(onward == to ? nat : onward));
    }
    /* a residence history (30%): temporary from 2-9 years ago, permanent 1-4 years later
     * (60%), up to five absences of 3-60 days in order */
    if (chance(g, 300)) {
        int32_t start = today - 730 - (int32_t)below(g, 7 * 365);
        snprintf(v[22], 256, "temporary:%s", date_format(start, d1));
        int32_t pr = start + 365 + (int32_t)below(g, 4 * 365);
        if (chance(g, 600) && pr < today) {
            size_t l = strlen(v[22]);
            snprintf(v[22] + l, 256 - l, ";permanent:%s", date_format(pr, d1));
        }
        int nabs = (int)below(g, 6);
        int32_t at = start + 30;
        for (int k = 0; k < nabs && at < today - 90; k++) {
            at += 10 + (int32_t)below(g, (uint32_t)((today - 90 - at) / (nabs - k) + 1));
            int32_t back = at + 3 + (int32_t)below(g, 58);
            if (back >= today) break;
            size_t l = strlen(v[23]);
            snprintf(v[23] + l, 256 - l, "%s%s:%s", k ? ";" : "", date_format(at, d1), date_format(back, d2));
            at = back + 1;
        }
    }
}

/* A ';'-separated list as a JSON array (V_CLB: numbers; V_WORK etc.: objects). */
static void json_list(sbuf *s, int kind, const char *text) {
    static const char *const keys[][2] = {[V_WORK] = {"country", "years"},
                                          [V_STATUSES] = {"status", "from"},
                                          [V_ABSENCES] = {"left", "returned"}};
    sput(s, "[");
    const char *p = text;
    int first = 1;
    while (*p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        if (!first) sput(s, ",");
        first = 0;
        if (kind == V_CLB) {
            sput(s, item);
        } else {
            char *colon = strchr(item, ':');
            *colon = 0;
            int num = kind == V_WORK;
            sputf(s, "{\"%s\":\"%s\",\"%s\":%s%s%s}", keys[kind][0], item, keys[kind][1], num ? "" : "\"", colon + 1,
                  num ? "" : "\"");
        }
        p = e ? e + 1 : p + n;
    }
    sput(s, "]");
}

/* One member of a JSON object, when its value is given: "key":value. */
static void member(sbuf *s, int *first, const char *key, int kind, const char *val) {
    if (!val[0]) return;
    sputf(s, "%s\"%s\":", *first ? "" : ",", key);
    *first = 0;
    if (kind == V_STR) sputf(s, "\"%s\"", val);
    else if (kind == V_RAW) sput(s, val);
    else json_list(s, kind, val);
}

/* A CLB list as {"clb":[...]} under key. */
static void member_clb(sbuf *s, int *first, const char *key, const char *val) {
    if (!val[0]) return;
    sputf(s, "%s\"%s\":{\"clb\":", *first ? "" : ",", key);
    *first = 0;
    json_list(s, V_CLB, val);
    sput(s, "}");
}

/* Opens an object member `key` when any of fields [from, to] is given. */
static int open_obj(sbuf *s, const char *key, char v[NFIELDS][256], int from, int to) {
    for (int f = from; f <= to; f++)
        if (v[f][0]) {
            sputf(s, ",\"%s\":{", key);
            return 1;
        }
    return 0;
}

/* Writes one case as a JSON document (PROFILE.md's nesting). */
static void json_case(sbuf *s, char v[NFIELDS][256]) {
    int first = 1;
    sput(s, "{");
    for (int f = 0; f <= 3; f++) member(s, &first, field_names[f], V_STR, v[f]);
    member(s, &first, "work", V_WORK, v[6]);
    if (open_obj(s, "languages", v, 4, 5)) {
        int f1 = 1;
        member_clb(s, &f1, "en", v[4]);
        member_clb(s, &f1, "fr", v[5]);
        sput(s, "}");
    }
    if (open_obj(s, "spouse", v, 7, 9)) {
        int f1 = 1;
        member(s, &f1, "accompanying", V_RAW, v[7]);
        member(s, &f1, "education", V_STR, v[8]);
        if (v[9][0]) {
            sputf(s, "%s\"languages\":{", f1 ? "" : ",");
            int f2 = 1;
            member_clb(s, &f2, "en", v[9]);
            sput(s, "}");
        }
        sput(s, "}");
    }
    if (open_obj(s, "CA", v, 10, 14)) {
        int f1 = 1;
        for (int f = 10; f <= 14; f++) member(s, &f1, field_names[f] + 3, field_kind[f], v[f]);
        sput(s, "}");
    }
    if (open_obj(s, "trip", v, 15, 21)) {
        int f1 = 1;
        for (int f = 15; f <= 21; f++) member(s, &f1, field_names[f] + 5, field_kind[f], v[f]);
        sput(s, "}");
    }
    if (open_obj(s, "residence", v, 22, 23)) {
        int f1 = 1;
        member(s, &f1, "statuses", V_STATUSES, v[22]);
        member(s, &f1, "absences", V_ABSENCES, v[23]);
        sput(s, "}");
    }
    sput(s, "}\n");
}

tf_rc synth_run(const synth_options *o, FILE *out, char *err, size_t errlen) {
    world w;
    if (world_read(o->world_csv, &w, err, errlen)) return TF_EIO;
    rng g;
    rng_seed(&g, o->seed);
    /* destinations other than China: every country of the world table (the world pack
     * has a rulebook for each passport-index country) */
    int dest[256], ndest = 0;
    for (int i = 0; i < w.n; i++)
        if (w.country[i] != country_find("CN", 2)) dest[ndest++] = w.country[i];
    sbuf s = {0};
    char v[NFIELDS][256];
    if (o->format == BATCH_FMT_CSV) {
        for (int f = 0; f < NFIELDS; f++) fprintf(out, "%s%s", f ? "," : "", field_names[f]);
        fputc('\n', out);
    }
    for (uint64_t i = 1; i <= o->n; i++) {
        one_case(&g, &w, dest, ndest, o->today, i, v);
        s.n = 0;
        if (o->format == BATCH_FMT_JSONL) {
            json_case(&s, v);
        } else {
            for (int f = 0; f < NFIELDS; f++) {
                if (f) sput(&s, ",");
                sput(&s, v[f]);
            }
            sput(&s, "\n");
        }
        if (fwrite(s.b, 1, s.n, out) != s.n) {
            free(s.b);
            snprintf(err, errlen, "cannot write the output");
            return TF_EIO;
        }
    }
    free(s.b);
    return TF_OK;
}
