/*
 * passport_index.c — reading passport-index snapshots and writing the world pack.
 *
 * Reading: the CSV goes through libcsv (strict mode), fed one line at a time so that a
 * row can be named by its line number. Each value is checked as it arrives — codes
 * against the bundled country table, read as text so that Namibia's NA stays a code —
 * and stored in a 256 x 256 matrix per snapshot (passport, destination) as a small
 * integer: a number of days, or one of the kinds below. A snapshot is added to the
 * pi_data only once the whole file has been read without error.
 *
 * Writing: for one destination, every requirement found in any snapshot becomes a
 * category (visa_free_90, e_visa, ...) with one `set` whose items are the passports of
 * that category over a run of consecutive snapshots, dated with the run's period and
 * cited to its snapshots, and one `entry` rule over that set. "visa required" has no rule: it is the rulebook's
 * `otherwise`. Categories, items and codes are sorted, so the output is deterministic.
 */
#include "import/passport_index.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/country.h"
#include "base/date.h"

/* A cell of the matrix: > 0 a visa-free stay of that many days; 0 no row; < 0 a kind. */
enum {
    K_NONE = 0,
    K_OWN = -1, /* "-1": the traveller's own country */
    K_VISA_FREE = -2,
    K_VOA = -3,
    K_ETA = -4,
    K_EVISA = -5,
    K_REQUIRED = -6,
    K_NO_ADMISSION = -7,
};
#define PI_MAX_DAYS 3650 /* a stay longer than ten years is not a short visit */

/* The written values other than a number of days, and what each becomes. */
static const struct {
    const char *text;    /* as in the data */
    int kind;
    const char *name;    /* the set and rule name */
    const char *title;
    const char *outcome; /* NULL: visa_free, the entry default */
} kinds[] = {
    {"-1", K_OWN, "own_country", "The traveller's own country", NULL},
    {"visa free", K_VISA_FREE, "visa_free", "Visa-free, no stated limit", NULL},
    {"visa on arrival", K_VOA, "visa_on_arrival", "Visa on arrival", "visa_on_arrival"},
    {"eta", K_ETA, "eta", "Electronic travel authorisation (eTA)", "eta"},
    {"e-visa", K_EVISA, "e_visa", "e-visa", "e_visa"},
    {"visa required", K_REQUIRED, NULL, NULL, NULL},
    {"no admission", K_NO_ADMISSION, "no_admission", "No admission", "no_admission"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

typedef struct {
    tf_date date;
    char *name;
    int16_t v[COUNTRY_MAX][COUNTRY_MAX]; /* [passport][destination] */
} snapshot;

struct pi_data {
    snapshot *snaps[PI_MAX_SNAPSHOTS]; /* ascending by date */
    int nsnaps;
};

pi_data *pi_new(void) { return calloc(1, sizeof(pi_data)); }

static void snapshot_free(snapshot *s) {
    if (!s) return;
    free(s->name);
    free(s);
}

void pi_free(pi_data *d) {
    if (!d) return;
    for (int i = 0; i < d->nsnaps; i++) snapshot_free(d->snaps[i]);
    free(d);
}

/* ---- reading -------------------------------------------------------------------- */

static const char *const header[3] = {"Passport", "Destination", "Requirement"};

typedef struct {
    snapshot *s;
    const char *name;
    long line;          /* the line being fed to the parser */
    long row;           /* records seen, the header included */
    int nfields;
    char field[3][PI_MAX_FIELD + 1];
    int overlong;       /* a field of the current record was too long */
    uint32_t *first_row; /* [passport * 256 + destination]: the line that gave the pair */
    tf_rc rc;
    char *err;
    size_t errlen;
} reader;

static void rfail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rfail(reader *r, const char *fmt, ...) {
    if (r->rc) return; /* the first error is the one reported */
    r->rc = TF_ECASE;
    int n = snprintf(r->err, r->errlen, "%s:%ld: ", r->name, r->line);
    if (n < 0 || (size_t)n >= r->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void on_field(void *data, size_t len, void *user) {
    reader *r = user;
    if (r->nfields < 3) {
        if (len > PI_MAX_FIELD) r->overlong = 1;
        else {
            memcpy(r->field[r->nfields], data ? data : "", len);
            r->field[r->nfields][len] = 0;
        }
    }
    r->nfields++;
}

/* The cell value of a requirement, or K_NONE when it is not a known value. */
static int parse_requirement(const char *t) {
    for (size_t i = 0; i < NKINDS; i++)
        if (!strcmp(t, kinds[i].text)) return kinds[i].kind;
    if (t[0] < '1' || t[0] > '9') return K_NONE;
    long days = 0;
    for (const char *p = t; *p; p++) {
        if (*p < '0' || *p > '9') return K_NONE;
        days = days * 10 + (*p - '0');
        if (days > PI_MAX_DAYS) return K_NONE;
    }
    return (int)days;
}

static void on_row(int term, void *user) {
    (void)term;
    reader *r = user;
    int n = r->nfields;
    r->nfields = 0;
    if (r->rc) return;
    r->row++;
    if (r->overlong) {
        r->overlong = 0;
        rfail(r, "a field is longer than %d bytes", PI_MAX_FIELD);
        return;
    }
    if (r->row == 1) {
        if (n != 3 || strcmp(r->field[0], header[0]) || strcmp(r->field[1], header[1]) ||
            strcmp(r->field[2], header[2]))
            rfail(r, "expected the header \"Passport,Destination,Requirement\"");
        return;
    }
    if (n != 3) {
        rfail(r, "expected 3 fields (Passport,Destination,Requirement), found %d", n);
        return;
    }
    int p = country_find(r->field[0], strlen(r->field[0]));
    if (p < 0) {
        rfail(r, "Passport \"%s\" is not a country code", r->field[0]);
        return;
    }
    int dst = country_find(r->field[1], strlen(r->field[1]));
    if (dst < 0) {
        rfail(r, "Destination \"%s\" is not a country code", r->field[1]);
        return;
    }
    int v = parse_requirement(r->field[2]);
    if (v == K_NONE) {
        rfail(r, "Requirement \"%s\" is not a known value", r->field[2]);
        return;
    }
    if ((v == K_OWN) != (p == dst)) {
        rfail(r, v == K_OWN ? "Requirement \"-1\" (own country) for passport %s at destination %s"
                            : "Requirement \"%s\" for passport %s in its own country (expected -1)",
              v == K_OWN ? r->field[0] : r->field[2], v == K_OWN ? r->field[1] : r->field[0]);
        return;
    }
    uint32_t *first = &r->first_row[p * COUNTRY_MAX + dst];
    if (*first) {
        rfail(r, "the pair %s -> %s is listed twice (first at line %u)", r->field[0], r->field[1], *first);
        return;
    }
    *first = (uint32_t)r->line;
    r->s->v[p][dst] = (int16_t)v;
}

/* libcsv's error, in the terms of a CSV file rather than of the parser. */
static const char *csv_message(const struct csv_parser *cp) {
    switch (csv_error((struct csv_parser *)cp)) {
    case CSV_EPARSE: return "malformed CSV: a quoted field is not closed, or a quote is misplaced";
    case CSV_ENOMEM: return "out of memory";
    case CSV_ETOOBIG: return "malformed CSV: a field is too large";
    default: return "malformed CSV";
    }
}

tf_rc pi_read(pi_data *d, const char *name, const char *text, size_t len, tf_date date, char *err,
              size_t errlen) {
    if (errlen) err[0] = 0;
    char b[11];
    for (int i = 0; i < d->nsnaps; i++)
        if (d->snaps[i]->date == date) {
            snprintf(err, errlen, "%s: a snapshot of %s was read already (%s)", name, date_format(date, b),
                     d->snaps[i]->name);
            return TF_EARG;
        }
    if (d->nsnaps == PI_MAX_SNAPSHOTS) {
        snprintf(err, errlen, "%s: more than %d snapshots", name, PI_MAX_SNAPSHOTS);
        return TF_EARG;
    }
    struct csv_parser cp;
    reader r = {.name = name, .err = err, .errlen = errlen, .line = 1};
    r.s = calloc(1, sizeof *r.s);
    r.first_row = calloc(COUNTRY_MAX * COUNTRY_MAX, sizeof *r.first_row);
    int csv_ok = csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) == 0;
    if (r.s) r.s->name = strdup(name);
    if (!r.s || !r.s->name || !r.first_row || !csv_ok) {
        r.rc = TF_ENOMEM;
        goto done;
    }
    r.s->date = date;
    /* a UTF-8 byte-order mark is not part of the header */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) text += 3, len -= 3;
    size_t pos = 0;
    long last = 1; /* the last line fed: where an unclosed quote at the end is reported */
    while (pos < len && !r.rc) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        last = r.line;
        if (csv_parse(&cp, text + pos, n, on_field, on_row, &r) != n) rfail(&r, "%s", csv_message(&cp));
        pos += n;
        if (nl && !r.rc) r.line++;
    }
    if (!r.rc) {
        r.line = last;
        if (csv_fini(&cp, on_field, on_row, &r) != 0) rfail(&r, "%s", csv_message(&cp));
    }
    if (!r.rc && r.row == 0) {
        r.rc = TF_ECASE;
        snprintf(err, errlen, "%s: empty (expected the header \"Passport,Destination,Requirement\")", name);
    } else if (!r.rc && r.row == 1) {
        r.rc = TF_ECASE;
        snprintf(err, errlen, "%s: has a header and no rows", name);
    }
done:
    if (csv_ok) csv_free(&cp);
    free(r.first_row);
    if (r.rc) {
        if (r.rc == TF_ENOMEM) snprintf(err, errlen, "%s: out of memory", name);
        snapshot_free(r.s);
        return r.rc;
    }
    int at = d->nsnaps;
    while (at > 0 && d->snaps[at - 1]->date > date) {
        d->snaps[at] = d->snaps[at - 1];
        at--;
    }
    d->snaps[at] = r.s;
    d->nsnaps++;
    return TF_OK;
}

/* ---- destinations --------------------------------------------------------------- */

static int has_destination(const pi_data *d, int dest) {
    for (int s = 0; s < d->nsnaps; s++)
        for (int p = 0; p < COUNTRY_MAX; p++)
            if (d->snaps[s]->v[p][dest]) return 1;
    return 0;
}

int pi_destinations(const pi_data *d) {
    int n = 0;
    for (int c = 0; c < country_count(); c++) n += has_destination(d, c);
    return n;
}

int pi_destination_at(const pi_data *d, int i) {
    for (int c = 0; c < country_count(); c++)
        if (has_destination(d, c) && i-- == 0) return c;
    return -1;
}

const char *pi_file_name(int dest, char buf[16]) {
    const char *code = country_at(dest)->code;
    snprintf(buf, 16, "%c%c.rules", code[0] | 0x20, code[1] | 0x20);
    return buf;
}

/* ---- writing -------------------------------------------------------------------- */

/* Output order of categories: own country, no stated limit, longest stay first, then
 * visa on arrival, eta, e-visa, no admission. */
static int rank(int v) {
    switch (v) {
    case K_OWN: return 0;
    case K_VISA_FREE: return 1;
    case K_VOA: return 2 + PI_MAX_DAYS + 1;
    case K_ETA: return 2 + PI_MAX_DAYS + 2;
    case K_EVISA: return 2 + PI_MAX_DAYS + 3;
    case K_NO_ADMISSION: return 2 + PI_MAX_DAYS + 4;
    default: return 2 + PI_MAX_DAYS - v; /* days: more first */
    }
}

static int cmp_rank(const void *a, const void *b) { return rank(*(const int *)a) - rank(*(const int *)b); }

static size_t kind_at(int v) {
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i].kind == v) return i;
    return 0;
}

/* The set and rule name of category v, into buf. */
static const char *cat_name(int v, char *buf, size_t n) {
    if (v > 0) snprintf(buf, n, "visa_free_%d", v);
    else snprintf(buf, n, "%s", kinds[kind_at(v)].name);
    return buf;
}

static const char *cat_title(int v, char *buf, size_t n) {
    if (v > 0) snprintf(buf, n, "Visa-free, %d day%s", v, v == 1 ? "" : "s");
    else snprintf(buf, n, "%s", kinds[kind_at(v)].title);
    return buf;
}

/* Writes s as a string literal of the language (quotes and backslashes escaped). */
static void put_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void source_id(const snapshot *s, char *buf, size_t n) {
    char b[11];
    snprintf(buf, n, "pi-%s", date_format(s->date, b));
}

/* Does category v have a member at dest in snapshot s? */
static int in_snapshot(const snapshot *s, int dest, int v) {
    for (int p = 0; p < COUNTRY_MAX; p++)
        if (s->v[p][dest] == v) return 1;
    return 0;
}

#define WRAP 88

/* Does passport p hold category v at dest in exactly the snapshots a..b of a run? */
static int in_run(const pi_data *d, int p, int dest, int v, int a, int b) {
    if (a > 0 && d->snaps[a - 1]->v[p][dest] == v) return 0;
    if (b + 1 < d->nsnaps && d->snaps[b + 1]->v[p][dest] == v) return 0;
    for (int s = a; s <= b; s++)
        if (d->snaps[s]->v[p][dest] != v) return 0;
    return 1;
}

/* Writes the set item of the passports whose run in category v is a..b, if any. */
static void write_item(FILE *out, const pi_data *d, int dest, int v, int a, int b) {
    int col = 0, first = 1;
    for (int p = 0; p < country_count(); p++) {
        if (!in_run(d, p, dest, v, a, b)) continue;
        if (first) col = fprintf(out, "  {");
        else if (col + 3 > WRAP) {
            fputs("\n  ", out);
            col = 2;
        }
        col += fprintf(out, "%s%s", first ? "" : " ", country_at(p)->code);
        first = 0;
    }
    if (first) return;
    char b1[11], sid[32];
    fprintf(out, "} from %s", date_format(d->snaps[a]->date, b1));
    if (b + 1 < d->nsnaps) fprintf(out, " until %s", date_format(d->snaps[b + 1]->date - 1, b1));
    fputs(" cite ", out);
    for (int s = a; s <= b; s++) {
        source_id(d->snaps[s], sid, sizeof sid);
        fprintf(out, "%s%s", s > a ? ", " : "", sid);
    }
    fputc('\n', out);
}

tf_rc pi_write_rulebook(const pi_data *d, int dest, const char *command, FILE *out) {
    const country_info *ci = country_at(dest);
    char id[32], b1[11], name[32], title[64];
    snprintf(id, sizeof id, "world.%c%c", ci->code[0] | 0x20, ci->code[1] | 0x20);

    /* Kept short: the arena of a compiled rule set holds every rulebook's text. */
    fprintf(out, "# %s.rules — %s (%s): entry by passport, from open data (docs/world.md).\n",
            id + 6, ci->name, ci->code);
    fprintf(out, "# GENERATED: do not edit by hand. Data: ilyankou/passport-index-dataset (MIT\n"
                 "# licence), tidy ISO2 files, each in force from its date to the next one's:\n");
    for (int s = 0; s < d->nsnaps; s++)
        fprintf(out, "#   %s  %s\n", date_format(d->snaps[s]->date, b1), d->snaps[s]->name);
    if (command) fprintf(out, "# Generated by:\n#   %s\n", command);
    fprintf(out, "\nrulebook %s ", id);
    snprintf(title, sizeof title, "%s: entry by passport (passport-index data)", ci->name);
    put_string(out, title);
    fprintf(out, "\n  fallback\n  destination %s\n  otherwise visa_required\n\n", ci->code);

    for (int s = 0; s < d->nsnaps; s++) {
        char sid[32], st[160];
        source_id(d->snaps[s], sid, sizeof sid);
        snprintf(st, sizeof st, "Passport Index data set (ilyankou/passport-index-dataset), snapshot of %s, MIT licence",
                 date_format(d->snaps[s]->date, b1));
        fprintf(out, "source %s ", sid);
        put_string(out, st);
        fprintf(out, " %s\n  url \"https://github.com/ilyankou/passport-index-dataset\"\n", b1);
    }

    /* the categories of this destination, in output order */
    int cats[NKINDS + PI_MAX_DAYS], ncats = 0;
    for (int s = 0; s < d->nsnaps; s++)
        for (int p = 0; p < COUNTRY_MAX; p++) {
            int v = d->snaps[s]->v[p][dest];
            if (v == K_NONE || v == K_REQUIRED) continue;
            int k = 0;
            while (k < ncats && cats[k] != v) k++;
            if (k == ncats) cats[ncats++] = v;
        }
    qsort(cats, (size_t)ncats, sizeof *cats, cmp_rank);

    for (int k = 0; k < ncats; k++) {
        int v = cats[k];
        fprintf(out, "\nset %s ", cat_name(v, name, sizeof name));
        put_string(out, cat_title(v, title, sizeof title));
        fputc('\n', out);
        /* One item per run of consecutive snapshots: a passport in this category from
         * snapshot a to snapshot b (and not just before a or just after b) belongs to
         * the item of (a, b), in force from a's date until the day before the snapshot
         * after b, citing a..b. Most pairs do not change between snapshots, so this
         * writes each code about once rather than once per snapshot. */
        for (int a = 0; a < d->nsnaps; a++)
            for (int b = d->nsnaps - 1; b >= a; b--)
                write_item(out, d, dest, v, a, b);
    }

    for (int k = 0; k < ncats; k++) {
        int v = cats[k];
        fprintf(out, "\nentry %s ", cat_name(v, name, sizeof name));
        put_string(out, cat_title(v, title, sizeof title));
        /* the rule's citation comes before its clauses: after a `require` it would be
         * read as that clause's own */
        fprintf(out, "\n  from %s\n  cite ", date_format(d->snaps[0]->date, b1));
        int first = 1;
        for (int s = 0; s < d->nsnaps; s++) {
            if (!in_snapshot(d->snaps[s], dest, v)) continue;
            char sid[32];
            source_id(d->snaps[s], sid, sizeof sid);
            fprintf(out, "%s%s", first ? "" : ", ", sid);
            first = 0;
        }
        fprintf(out, "\n  require nationality in %s\n", name);
        /* No admission and one's own country concern the person, whatever the trip. */
        if (v != K_OWN && v != K_NO_ADMISSION)
            fputs("  require document = ordinary because \"the data set covers ordinary passports\"\n"
                  "  require trip.purpose = tourism because \"the data set describes tourist visits only\"\n",
                  out);
        if (v > 0) fprintf(out, "  stay %d days counted from entry_day\n", v);
        if (v < 0 && kinds[kind_at(v)].outcome) fprintf(out, "  outcome %s\n", kinds[kind_at(v)].outcome);
    }
    return ferror(out) ? TF_EIO : TF_OK;
}

tf_rc pi_write_dir(const pi_data *d, const char *dir, const char *command, char *err, size_t errlen) {
    if (errlen) err[0] = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create the folder: %s", dir, strerror(errno));
        return TF_EIO;
    }
    size_t cap = strlen(dir) + 16;
    char *path = malloc(cap);
    if (!path) return TF_ENOMEM;
    tf_rc rc = TF_OK;
    for (int c = 0; c < country_count() && !rc; c++) {
        if (!has_destination(d, c)) continue;
        char fn[16];
        snprintf(path, cap, "%s/%s", dir, pi_file_name(c, fn));
        FILE *f = fopen(path, "w");
        if (!f) {
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
            rc = TF_EIO;
            break;
        }
        rc = pi_write_rulebook(d, c, command, f);
        if (fclose(f) != 0 || rc) {
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
            rc = TF_EIO;
        }
    }
    free(path);
    return rc;
}
