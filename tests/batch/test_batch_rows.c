/*
 * test_batch_rows.c — nothing lost: every input row gives one output row, whatever it is.
 *
 * Feeds batch_run inputs with every kind of bad row — an unknown code, an impossible
 * date, too many and too few fields, an invalid UTF-8 byte, a 10 MB field, a row cut off
 * inside a quoted field, invalid JSON, a case the check cannot decide — between good
 * ones, and checks that the summary adds up (read = evaluated + rejected = written),
 * that the output has one row per input row in order, that each bad row names its field,
 * that CSV quoting survives (quotes, commas and line breaks inside fields, CRLF, a
 * byte-order mark), that 1 and 2 threads agree, and that --strict stops at the first bad
 * row. The inputs are built here, byte by byte, since some cannot live in a text file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/batch.h"
#include "talentflow.h"

#include "check.h"

static tf_rules *rules;

typedef struct {
    tf_rc rc;
    batch_counts c;
    char err[512];
    char *out;
    size_t len;
} result;

/* Runs a batch over `in` (n bytes). */
static result run(batch_kind kind, const char *id, const char *in, size_t n, int threads, int strict,
                  batch_format out_fmt) {
    result res = {0};
    FILE *fin = tmpfile(), *fout = tmpfile();
    if (!fin || !fout || fwrite(in, 1, n, fin) != n) exit(2);
    fflush(fin);
    lseek(fileno(fin), 0, SEEK_SET);
    tf_date day;
    tf_date_parse("2025-06-01", &day);
    batch_options o = {.ev = {rules, kind, id, kind == BATCH_CHECK ? TF_DATE_DEFAULT : day}, .threads = threads,
                       .out_format = out_fmt, .strict = strict, .name = "in", .in_fd = fileno(fin), .out = fout};
    res.rc = batch_run(&o, &res.c, res.err, sizeof res.err);
    fflush(fout);
    long len = ftell(fout);
    res.out = calloc((size_t)len + 1, 1);
    rewind(fout);
    if (len > 0 && fread(res.out, 1, (size_t)len, fout) != (size_t)len) exit(2);
    res.len = (size_t)len;
    fclose(fin);
    fclose(fout);
    return res;
}

static size_t lines(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* The read = evaluated + rejected = written invariant, and one output line per row. */
static void conserved(const char *what, const result *r, uint64_t rows) {
    CHECK(r->c.read == rows, "%s: read %llu, expected %llu", what, (unsigned long long)r->c.read, (unsigned long long)rows);
    CHECK(r->c.read == r->c.evaluated + r->c.rejected, "%s: read %llu != evaluated %llu + rejected %llu", what,
          (unsigned long long)r->c.read, (unsigned long long)r->c.evaluated, (unsigned long long)r->c.rejected);
    CHECK(r->c.written == r->c.read, "%s: written %llu != read %llu", what, (unsigned long long)r->c.written,
          (unsigned long long)r->c.read);
}

/* The output line of data row k (1-based) of a JSONL output. */
static const char *row_line(const result *r, int k, char *buf, size_t n) {
    const char *s = r->out;
    for (int i = 1; i < k && s; i++) {
        s = strchr(s, '\n');
        if (s) s++;
    }
    if (!s) return "";
    const char *e = strchr(s, '\n');
    size_t l = e ? (size_t)(e - s) : strlen(s);
    snprintf(buf, n, "%.*s", (int)l, s);
    return buf;
}

static const char *HEAD = "id,nationality,trip.to,trip.purpose,trip.entry_date,trip.days\n";
static const char *GOOD = "g,FR,CN,business,2025-03-10,25\n";

/* Builds a CSV: the header, then rows. */
static char *csv(size_t *n, const char *first, ...) {
    size_t cap = 1 << 10, len = 0;
    char *b = malloc(cap);
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        size_t l = strlen(s);
        while (len + l + 1 > cap) b = realloc(b, cap *= 2);
        memcpy(b + len, s, l);
        len += l;
    }
    va_end(ap);
    b[len] = 0;
    *n = len;
    return b;
}

static void bad_rows(void) {
    size_t n;
    char *in = csv(&n, HEAD, GOOD,
                   "b1,ZZ,CN,business,2025-03-10,25\n",       /* unknown country */
                   GOOD,
                   "b2,FR,CN,business,2025-02-30,25\n",       /* impossible date */
                   "b3,FR,CN,business,2025-03-10,25,extra\n", /* too many fields */
                   "b4,FR,CN\n",                              /* too few */
                   "b5,FR,CN,\xff\xfe,2025-03-10,25\n",       /* invalid UTF-8 */
                   "b6,FR,CN,business,2025-03-10,\n",         /* no trip.days: the check refuses */
                   "b7,FR,QQ,business,2025-03-10,25\n",       /* unknown destination code */
                   GOOD, NULL);
    char b[600];
    for (int threads = 1; threads <= 2; threads++) {
        result r = run(BATCH_CHECK, NULL, in, n, threads, 0, BATCH_FMT_JSONL);
        CHECK(r.rc == TF_OK, "bad rows: %s", r.err);
        conserved("bad rows", &r, 10);
        CHECK(r.c.rejected == 7, "bad rows: %llu rejected, expected 7", (unsigned long long)r.c.rejected);
        CHECK(lines(r.out) == 10, "bad rows: %zu output lines", lines(r.out));
        CHECK(strstr(row_line(&r, 2, b, sizeof b), "\"reason\":\"E:nationality\""), "row 2: %s", b);
        CHECK(strstr(row_line(&r, 4, b, sizeof b), "\"reason\":\"E:trip.entry_date\""), "row 4: %s", b);
        CHECK(strstr(b, "is not a date"), "row 4: %s", b);
        CHECK(strstr(row_line(&r, 5, b, sizeof b), "more fields than the header"), "row 5: %s", b);
        CHECK(strstr(row_line(&r, 6, b, sizeof b), "3 fields, the header has 6"), "row 6: %s", b);
        CHECK(strstr(row_line(&r, 7, b, sizeof b), "\"reason\":\"E:trip.purpose\"") && strstr(b, "invalid UTF-8"), "row 7: %s", b);
        CHECK(strstr(row_line(&r, 8, b, sizeof b), "\"reason\":\"E:trip.days\""), "row 8: %s", b);
        CHECK(strstr(row_line(&r, 9, b, sizeof b), "\"reason\":\"E:trip.to\""), "row 9: %s", b);
        CHECK(strstr(row_line(&r, 10, b, sizeof b), "\"row\":10,\"id\":\"g\",\"outcome\":\"visa_free\""), "row 10: %s", b);
        free(r.out);
    }
    /* --strict: the rows before the first bad one, then a stop */
    result r = run(BATCH_CHECK, NULL, in, n, 2, 1, BATCH_FMT_CSV);
    CHECK(r.rc == TF_ECASE, "strict: %s", tf_strerror(r.rc));
    CHECK(strstr(r.err, "row 2: nationality"), "strict: %s", r.err);
    CHECK(r.c.read == 2 && r.c.evaluated == 1 && r.c.rejected == 1 && r.c.written == 1, "strict: %llu %llu %llu %llu",
          (unsigned long long)r.c.read, (unsigned long long)r.c.evaluated, (unsigned long long)r.c.rejected,
          (unsigned long long)r.c.written);
    CHECK(lines(r.out) == 2, "strict: %zu lines (the header and one row)", lines(r.out));
    free(r.out);
    free(in);
}

static void long_field(void) {
    /* a 10 MB field between good rows: rejected by name, the rows around it kept */
    size_t big = (size_t)10 << 20, n = 0;
    char *head = csv(&n, HEAD, GOOD, "big,FR,CN,", NULL);
    char *in = malloc(n + big + 200);
    memcpy(in, head, n);
    memset(in + n, 'x', big);
    n += big;
    n += (size_t)sprintf(in + n, ",2025-03-10,25\n%s", GOOD);
    result r = run(BATCH_CHECK, NULL, in, n, 2, 0, BATCH_FMT_JSONL);
    char b[600];
    CHECK(r.rc == TF_OK, "long field: %s", r.err);
    conserved("long field", &r, 3);
    CHECK(r.c.rejected == 1, "long field: %llu rejected", (unsigned long long)r.c.rejected);
    CHECK(strstr(row_line(&r, 2, b, sizeof b), "\"reason\":\"E:trip.purpose\"") && strstr(b, "longer than"), "long field: %s", b);
    CHECK(strstr(row_line(&r, 3, b, sizeof b), "visa_free"), "long field, the row after: %s", b);
    free(r.out);
    free(in);
    free(head);
}

static void quoting(void) {
    /* quotes, commas and line breaks inside fields; CRLF; a byte-order mark */
    size_t n1, n2;
    char *lf = csv(&n1, HEAD, "\"a,b\",FR,CN,business,2025-03-10,25\n", "\"say \"\"hi\"\"\",FR,CN,business,2025-03-10,25\n",
                   "\"two\nlines\",FR,CN,business,2025-03-10,25\n", " \"FR-spaced\" , FR , CN ,business,2025-03-10,25\n",
                   "\tspaced , FR , CN ,business,2025-03-10,25\n", "plain,FR,CN,business,2025-03-10,25", NULL);
    char *crlf = csv(&n2, "\xEF\xBB\xBFid,nationality,trip.to,trip.purpose,trip.entry_date,trip.days\r\n",
                     "\"a,b\",FR,CN,business,2025-03-10,25\r\n", "\"say \"\"hi\"\"\",FR,CN,business,2025-03-10,25\r\n",
                     "\"two\nlines\",FR,CN,business,2025-03-10,25\r\n", " \"FR-spaced\" , FR , CN ,business,2025-03-10,25\r\n",
                     "\tspaced , FR , CN ,business,2025-03-10,25\r\n", "plain,FR,CN,business,2025-03-10,25\r\n", NULL);
    result a = run(BATCH_CHECK, NULL, lf, n1, 1, 0, BATCH_FMT_CSV);
    result b = run(BATCH_CHECK, NULL, crlf, n2, 2, 0, BATCH_FMT_CSV);
    CHECK(a.rc == TF_OK && b.rc == TF_OK, "quoting: %s %s", a.err, b.err);
    conserved("quoting", &a, 6);
    conserved("quoting, CRLF and BOM", &b, 6);
    CHECK(a.c.rejected == 0, "quoting: %llu rejected: %s", (unsigned long long)a.c.rejected, a.out);
    CHECK(a.len == b.len && !memcmp(a.out, b.out, a.len), "CRLF and BOM change the output:\n%s\n---\n%s", a.out, b.out);
    CHECK(strstr(a.out, "\n1,\"a,b\",visa_free,"), "quoting: %s", a.out);
    CHECK(strstr(a.out, "\n2,\"say \"\"hi\"\"\",visa_free,"), "quoting: %s", a.out);
    CHECK(strstr(a.out, "\n3,\"two\nlines\",visa_free,"), "quoting: %s", a.out);
    CHECK(strstr(a.out, "\n4,FR-spaced,visa_free,"), "quoting: %s", a.out);
    CHECK(strstr(a.out, "\n5,spaced,visa_free,"), "quoting: %s", a.out);
    free(a.out), free(b.out), free(lf), free(crlf);
}

static void truncated_and_empty(void) {
    size_t n;
    char *in = csv(&n, HEAD, GOOD, "\"cut,FR,CN,business,2025-03-10,25\n", NULL); /* ends inside quotes */
    result r = run(BATCH_CHECK, NULL, in, n, 2, 0, BATCH_FMT_JSONL);
    char b[600];
    CHECK(r.rc == TF_OK, "truncated: %s", r.err);
    conserved("truncated", &r, 2);
    CHECK(strstr(row_line(&r, 2, b, sizeof b), "truncated"), "truncated: %s", b);
    free(r.out);
    free(in);
    result e = run(BATCH_CHECK, NULL, "", 0, 2, 0, BATCH_FMT_AUTO);
    CHECK(e.rc == TF_ECASE && strstr(e.err, "empty") && e.c.read == 0, "empty: %s %s", tf_strerror(e.rc), e.err);
    free(e.out);
    result h = run(BATCH_CHECK, NULL, HEAD, strlen(HEAD), 2, 0, BATCH_FMT_AUTO);
    CHECK(h.rc == TF_OK && h.c.read == 0 && lines(h.out) == 1, "header only: %s", h.err);
    free(h.out);
    result u = run(BATCH_CHECK, NULL, "id,nationality,shoe_size\nx,FR,42\n", 33, 2, 0, BATCH_FMT_AUTO);
    CHECK(u.rc == TF_ECASE && strstr(u.err, "column 3: \"shoe_size\": unknown field"), "unknown column: %s", u.err);
    free(u.out);
}

/* The converters the CSV reader chooses per column (a date, a code, a member, a port,
 * plain digits, a list of whole numbers) against the JSON reader on the same cases: a
 * row that reads gives the same output row either way; a row that does not names its
 * field with the JSON reader's message. */
static void converters(void) {
    static const struct {
        const char *csv, *json, *reason, *msg;
    } cases[] = {
        {"leap,1996-02-29,master,9;9;8;10,FR:3;CA:1,true,noc_00,PEK",
         "{\"id\":\"leap\",\"birth_date\":\"1996-02-29\",\"education\":\"master\",\"languages\":{\"en\":{\"clb\":[9,9,8,10]}},"
         "\"work\":[{\"country\":\"FR\",\"years\":3},{\"country\":\"CA\",\"years\":1}],\"spouse\":{\"accompanying\":true},"
         "\"CA\":{\"job_offer\":\"noc_00\"},\"trip\":{\"entry_port\":\"PEK\"}}", NULL, NULL},
        {"\"quoted\",\"1990-05-01\",\"bachelor\",\"7;7;7;7\",\"GH:0.5\",false,,\"ZZZ\"",
         "{\"id\":\"quoted\",\"birth_date\":\"1990-05-01\",\"education\":\"bachelor\",\"languages\":{\"en\":{\"clb\":[7,7,7,7]}},"
         "\"work\":[{\"country\":\"GH\",\"years\":0.5}],\"spouse\":{\"accompanying\":false},\"trip\":{\"entry_port\":\"ZZZ\"}}",
         NULL, NULL},
        {"empty,,,,,,,", "{\"id\":\"empty\"}", NULL, NULL},
        {"digits,1980-12-31,doctorate,007;10;9;9,,,teer_0_3,",
         "{\"id\":\"digits\",\"birth_date\":\"1980-12-31\",\"education\":\"doctorate\",\"languages\":{\"en\":{\"clb\":[7,10,9,9]}},"
         "\"CA\":{\"job_offer\":\"teer_0_3\"}}", NULL, NULL},
        {"spaced , 1990-05-01 , master ,9; 9;9;9, CA:2 ,true, ,",
         "{\"id\":\"spaced\",\"birth_date\":\"1990-05-01\",\"education\":\"master\",\"languages\":{\"en\":{\"clb\":[9,9,9,9]}},"
         "\"work\":[{\"country\":\"CA\",\"years\":2}],\"spouse\":{\"accompanying\":true}}", NULL, NULL},
        {"b1,2023-02-29,master,,,,,", NULL, "E:birth_date", "\"\"2023-02-29\"\" is not a date (YYYY-MM-DD)"},
        {"b2,1990-13-01,master,,,,,", NULL, "E:birth_date", "is not a date"},
        {"b3,1990-01-01,master,,ZZ:1,,,", NULL, "E:work[0].country", "is not a country code"},
        {"b4,1990-01-01,phd,,,,,", NULL, "E:education", "is not one of none, secondary"},
        {"b5,1990-01-01,master,9;;9,,,,", NULL, "E:languages.en.clb[1]", "is not a whole number"},
        {"b6,1990-01-01,master,,,,,pek", NULL, "E:trip.entry_port", "is not a port code"},
        {"b7,1990-01-01,master,,,yes,,", NULL, "E:spouse.accompanying", "is not true or false"},
        {"b8,1990-01-01,master,9;9;9;1234567890123,,,,", NULL, "E:languages.en.clb[3]", "is not a whole number"},
    };
    size_t nc = sizeof cases / sizeof cases[0], n_csv = 0, n_json = 0;
    char *in_csv = malloc(1 << 14), *in_json = malloc(1 << 14);
    n_csv = (size_t)sprintf(in_csv, "id,birth_date,education,languages.en.clb,work,spouse.accompanying,CA.job_offer,"
                                    "trip.entry_port\n");
    for (size_t i = 0; i < nc; i++) {
        n_csv += (size_t)sprintf(in_csv + n_csv, "%s\n", cases[i].csv);
        n_json += (size_t)sprintf(in_json + n_json, "%s\n", cases[i].json ? cases[i].json : "{}");
    }
    result a = run(BATCH_SCHEME, "ca.crs", in_csv, n_csv, 1, 0, BATCH_FMT_CSV);
    result b = run(BATCH_SCHEME, "ca.crs", in_json, n_json, 1, 0, BATCH_FMT_CSV);
    CHECK(a.rc == TF_OK && b.rc == TF_OK, "converters: %s %s", a.err, b.err);
    conserved("converters", &a, nc);
    char la[600], lb[600];
    for (size_t i = 0; i < nc; i++) {
        row_line(&a, (int)i + 2, la, sizeof la); /* after the header */
        row_line(&b, (int)i + 2, lb, sizeof lb);
        if (!cases[i].reason) {
            /* the JSONL row has no id column: compare from the total on */
            const char *ta = strchr(strchr(la, ',') + 1, ','), *tb = strchr(strchr(lb, ',') + 1, ',');
            CHECK(ta && tb && !strcmp(ta, tb) && !strstr(la, "E:"), "converters, %s: CSV %s, JSONL %s", cases[i].csv, la, lb);
        } else {
            CHECK(strstr(la, cases[i].reason) && strstr(la, cases[i].msg), "converters, %s: %s (expected %s, %s)", cases[i].csv,
                  la, cases[i].reason, cases[i].msg);
        }
    }
    free(a.out), free(b.out), free(in_csv), free(in_json);
}

static void jsonl(void) {
    const char *in = "{\"id\":\"j1\",\"nationality\":\"FR\",\"trip\":{\"to\":\"CN\",\"purpose\":\"business\",\"entry_date\":\"2025-03-10\",\"days\":25}}\n"
                     "\n"
                     "{\"id\":2,\"nationality\":\"FR\",\"trip\":{\"to\":\"CN\"\n"
                     "{\"id\":\"j3\",\"nationality\":\"FR\",\"shoe_size\":42}\n"
                     "[1,2]\n"
                     "{\"id\":\"j5\",\"nationality\":\"FR\",\"trip\":{\"to\":\"CN\",\"purpose\":\"business\",\"entry_date\":\"2025-03-10\",\"days\":25}}";
    char b[600];
    result r = run(BATCH_CHECK, NULL, in, strlen(in), 2, 0, BATCH_FMT_AUTO);
    CHECK(r.rc == TF_OK, "jsonl: %s", r.err);
    conserved("jsonl", &r, 5);
    CHECK(r.c.rejected == 3, "jsonl: %llu rejected", (unsigned long long)r.c.rejected);
    CHECK(strstr(row_line(&r, 1, b, sizeof b), "{\"row\":1,\"id\":\"j1\",\"outcome\":\"visa_free\""), "jsonl 1: %s", b);
    CHECK(strstr(row_line(&r, 2, b, sizeof b), "\"reason\":\"E:row\"") && strstr(b, "invalid JSON"), "jsonl 2: %s", b);
    CHECK(strstr(row_line(&r, 3, b, sizeof b), "\"reason\":\"E:shoe_size\""), "jsonl 3: %s", b);
    CHECK(strstr(row_line(&r, 4, b, sizeof b), "must be a JSON object"), "jsonl 4: %s", b);
    CHECK(strstr(row_line(&r, 5, b, sizeof b), "\"id\":\"j5\",\"outcome\":\"visa_free\""), "jsonl 5: %s", b);
    free(r.out);
}

int main(void) {
    rules = bundled_rules();
    if (!rules) return 2;
    bad_rows();
    long_field();
    quoting();
    truncated_and_empty();
    jsonl();
    converters();
    tf_rules_free(rules);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
