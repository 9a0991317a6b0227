/*
 * batch.h — screening many cases at once (prefix batch_).
 *
 * A batch reads cases as CSV (a header row, columns named as the case document's fields
 * with nested names joined by '.') or JSONL (one case document per line), decides every
 * row — an entry check, a points scheme, a residence route, or all of them — and writes
 * one output row per input row, in input order: the row's result and a compact reason
 * code, or, for a row that cannot be read or decided, an error row naming the field.
 * docs/batch.md describes the formats and the reason codes.
 *
 * The run is a pipeline: a reader thread cuts the input into blocks of whole rows,
 * worker threads parse a block into a chunk of columns, evaluate it (the column
 * evaluator, src/eval/vec.c, through the kinds' batch functions) and format its output,
 * and the calling thread writes the blocks in order. A fixed number of blocks is in
 * flight, so memory does not grow with the input.
 *
 * The same machinery compares two evaluations of every row (batch_diff: two dates or
 * two rule sets) and counts the rows whose decision changes, by transition.
 */
#ifndef TF_BATCH_H
#define TF_BATCH_H

#include <stdint.h>
#include <stdio.h>

#include "talentflow.h"

typedef enum { BATCH_CHECK, BATCH_SCHEME, BATCH_ROUTE, BATCH_ALL } batch_kind;
typedef enum { BATCH_FMT_AUTO, BATCH_FMT_CSV, BATCH_FMT_JSONL } batch_format;

/* What each row is evaluated against. */
typedef struct {
    const tf_rules *r;
    batch_kind kind;
    const char *id;   /* the scheme (BATCH_SCHEME) or route (BATCH_ROUTE) */
    tf_date as_of;    /* TF_DATE_DEFAULT: the kind's default (the trip's entry date; today) */
} batch_eval;

typedef struct {
    uint64_t read, evaluated, rejected, written;
    uint64_t bytes;   /* input bytes read so far */
} batch_counts;

/* Called by the writing thread about every 200 ms, and once with done = 1 at the end. */
typedef void (*batch_progress_fn)(void *user, const batch_counts *c, int done);

typedef struct {
    batch_eval ev;
    int threads;               /* worker threads, >= 1 */
    batch_format in_format;    /* BATCH_FMT_AUTO: '{' first means JSONL, else CSV */
    batch_format out_format;   /* BATCH_FMT_AUTO: the input's */
    int strict;                /* stop at the first row that cannot be read or decided */
    const char *name;          /* the input's name in messages ("-" for stdin) */
    int in_fd;
    FILE *out;
    batch_progress_fn progress;
    void *user;
    /* batch_diff only */
    const batch_eval *vs;      /* the second evaluation */
    int samples;               /* row ids kept per transition */
    int json;                  /* the diff's report as JSON */
} batch_options;

#define BATCH_ROWS 1024                   /* rows per chunk */
#define BATCH_MAX_ROW ((size_t)1 << 20)   /* bytes in one row: a longer row is rejected */
#define BATCH_MAX_ITEMS 10000             /* items in one list field (as case.c) */

/* Runs the batch: reads o->in_fd to its end, writes o->out. *counts holds the totals
 * (read == evaluated + rejected; written == read unless --strict stopped early).
 * Returns TF_OK when every row was read (rejected rows included), TF_ECASE when --strict
 * stopped at a bad row or the input cannot be read as a table (an empty input, a bad
 * header: err says why), TF_ENOTFOUND for an unknown scheme or route, TF_EIO when the
 * input cannot be read or the output written, TF_ENOMEM. */
tf_rc batch_run(const batch_options *o, batch_counts *counts, char *err, size_t errlen);

/* Evaluates every row with o->ev and with *o->vs, and writes the rows whose decision
 * differs, counted by transition ("visa_required -> transit_visa_free: 12,345") with up
 * to o->samples row ids each, to o->out. Returns as batch_run. */
tf_rc batch_diff(const batch_options *o, batch_counts *counts, char *err, size_t errlen);

/* ---- synthetic populations (synth.c) --------------------------------------------------- */

typedef struct {
    uint64_t n, seed;
    batch_format format;       /* CSV or JSONL */
    int32_t today;             /* the reference date of ages and trips */
    const char *world_csv;     /* data/world/default-world-latest.csv */
} synth_options;

/* Writes n synthetic cases to out (docs/batch.md gives the distributions). The same
 * options give the same bytes. TF_EIO when the world table cannot be read or the output
 * written. */
tf_rc synth_run(const synth_options *o, FILE *out, char *err, size_t errlen);

#endif
