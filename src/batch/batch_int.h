/*
 * batch_int.h — what the files of the batch pipeline share: the blocks that travel
 * between its threads, a worker's chunk of columns, and the run's read-only context.
 *
 *   split.c   the reader's side: cutting the input into records (rows), the header
 *   fill.c    a worker's side: one block's records into a chunk of columns
 *   emit.c    a worker's side: the results of a chunk as output rows
 *   batch.c   the threads, the order of writing, the summary; batch_diff
 */
#ifndef TF_BATCH_INT_H
#define TF_BATCH_INT_H

#include <csv.h>
#include <pthread.h>

#include "base/arena.h"
#include "batch/batch.h"
#include "eval/case.h"
#include "kinds/kinds.h"

/* ---- records and blocks ------------------------------------------------------------- */

enum { REC_OK, REC_TOO_LONG, REC_TRUNCATED };

typedef struct {
    uint32_t off, len;   /* the row's bytes in the block (without its line ending) */
    uint8_t err;         /* REC_*: a row the reader could not keep */
    uint32_t field;      /* REC_TOO_LONG: the field (0-based) where the limit was passed */
} batch_rec;

/* Bytes readable after a block's rows (zeros): a row's bytes are searched 64 at a time
 * (fill.c) without copying its last ones. */
#define BATCH_PAD 64

/* A block: whole rows of the input and, once a worker is done, their output. */
typedef struct {
    int state;                  /* SLOT_* (batch.c) */
    uint64_t seq, first_row;    /* first_row: the number of recs[0] (1-based) */
    uint64_t bytes_end;         /* input bytes read when the block was cut */
    char *buf;                  /* len bytes holding the rows (recs say where each one is; the
                                   bytes between two rows are never read), then BATCH_PAD
                                   zeros (cap: all of them) */
    size_t len, cap;
    bool buf_lent, out_lent;    /* buf, out lie in the run's slot region (batch.c): grown by
                                   slot_grow into memory of their own, never freed */
    batch_rec recs[BATCH_ROWS];
    uint32_t nrec;
    /* the worker's output */
    char *out;
    size_t out_len, out_cap;
    uint32_t row_end[BATCH_ROWS];  /* out offset after each row's output */
    uint8_t bad[BATCH_ROWS];       /* rejected rows */
    uint32_t nbad;
    char first_msg[512];           /* the first rejected row's message (for --strict) */
    tf_rc rc;                      /* an internal failure of the worker (TF_ENOMEM) */
    /* batch_diff: each row's decision key under the two evaluations */
    uint32_t key[2][BATCH_ROWS];
} batch_slot;

/* ---- the columns of a chunk --------------------------------------------------------- */

/* How a CSV column is read. */
#define COL_FIELDS 8    /* a list of records: the fields that have a converter of their own */
typedef struct {
    int input;          /* input index, or -1 */
    int is_id;
    const char *name;   /* the header's text */
    uint8_t conv;       /* CONV_* (fill.c): the converter of the column's text, chosen once */
    uint8_t fconv[COL_FIELDS]; /* a list: the converter of each item's field (or the item) */
} batch_col;

/* An enum's members by a hash of their text (fill.c): a slot holds the member + 1 and its
 * length, 0 (none) or ENUM_SCAN (two members share it: the members are compared in order).
 * pad: each member's text in 16 bytes, zeros after it (all zeros when it is longer). */
#define ENUM_SLOTS 128
#define ENUM_SCAN 255
typedef struct {
    uint8_t slot[ENUM_SLOTS];
    uint8_t len[ENUM_SLOTS];
    uint8_t (*pad)[16];   /* [nmembers] */
} batch_members;

/* The schema-bound part of a run, one per rule set (two for a diff of rule sets). */
typedef struct {
    const tf_rules *r;
    batch_col *cols;    /* [ncols] */
    uint32_t ncols;
    int has_id;
    vec_plan **plans;   /* [r->nbooks] */
    int16_t *ports;     /* [26 * 26 * 26]: the declared port of a three-letter code, or -1 */
    batch_members *members; /* [r->nenums] */
    uint8_t *is_list;       /* [r->ninputs] 1 for a list input (vec_rows.is_list) */
    arena mem;
} batch_schema;

/* The distance between two columns of a chunk's cuts: a cache line more than a column,
 * so that the cuts of one row (written together) fall in different sets of the cache
 * rather than all in one (4 KB apart). */
#define CUT_STRIDE (BATCH_ROWS + 16)

/* A worker's chunk: the columns vec.h reads, and where a row's strings and lists live. */
typedef struct {
    const batch_schema *sc;
    vec_rows rows;
    rv *vals;
    uint8_t *known;
    ev_list *lists;
    rv *pool;               /* list elements of the chunk */
    size_t npool, pool_cap;
    int pool_moved;         /* the pool was moved while the chunk was read: list pointers
                             * are set again from list_off */
    uint32_t *list_off;     /* [ninputs * stride]: where a row's list starts in pool */
    arena strs;             /* strings: ids, string values */
    const char *id[BATCH_ROWS];
    uint32_t id_len[BATCH_ROWS];
    uint8_t skip[BATCH_ROWS];
    char msg[BATCH_ROWS][KIND_MSG];
    uint32_t n;
    /* CSV: the plain rows (fill.c), cut at their commas before their columns are read */
    uint32_t *cuts;         /* [(ncols + 1) * CUT_STRIDE]: field j of row k starts at
                             * cuts[j * CUT_STRIDE + k] in the block, and ends a byte
                             * before field j + 1 */
    uint16_t plain[BATCH_ROWS];
    uint32_t nplain;
    /* CSV reading state */
    struct csv_parser csv;
    uint32_t field, row_fields, rows_seen;
    uint32_t cur;           /* the row being filled */
    int row_utf8;           /* the row's text is valid UTF-8: its fields need no check */
    tf_case *jcase;         /* JSONL: the reusable case */
    int failed;             /* out of memory */
} batch_chunk;

/* Chooses the converter of each column of sc (after schema_header) and indexes the
 * declared ports by code. Returns TF_OK or TF_ENOMEM. */
tf_rc fill_plan(batch_schema *sc);
int chunk_init(batch_chunk *ch, const batch_schema *sc);
void chunk_free(batch_chunk *ch);
/* Reads the records of slot s into ch: values, or skip[k] with msg[k] for a bad row. */
void chunk_fill(batch_chunk *ch, const batch_slot *s, batch_format fmt);

/* ---- the header (split.c) ------------------------------------------------------------ */

/* Reads the CSV header row text[0..len) into sc's columns; TF_ECASE with the message
 * (an unknown field, a repeated column, an empty name). */
tf_rc schema_header(batch_schema *sc, const char *text, size_t len, char *err, size_t errlen);
/* For JSONL: no columns. */
void schema_plain(batch_schema *sc);
tf_rc schema_init(batch_schema *sc, const tf_rules *r);
void schema_free(batch_schema *sc);

/* ---- the reader (split.c) ------------------------------------------------------------ */

typedef struct {
    int fd;
    batch_format fmt;
    char *buf;
    size_t start, pos, len, cap; /* the record in progress begins at start; scanned to pos */
    int state;                   /* the CSV scanner's state at pos */
    uint32_t field;              /* fields begun in the record in progress */
    int eof, skipping, io_error, at_start;
    size_t skipped;              /* bytes of a too-long record dropped so far */
    uint32_t skip_field;
    uint64_t bytes;
} batch_reader;

int reader_init(batch_reader *rd, int fd);
void reader_free(batch_reader *rd);
/* Sniffs the format: skips a byte-order mark; '{' first (after white space) is JSONL.
 * Returns 0, or -1 when the input is empty (only white space). */
int reader_sniff(batch_reader *rd, batch_format *fmt);
/* The next record: 1 with *rec (its bytes at *text, valid until the next call), 0 at the
 * end of the input, -1 on a read error. */
int reader_next(batch_reader *rd, batch_rec *rec, const char **text);
/* Many records at once, the common ones only: the CSV rows from the next one on, each
 * ended by an LF before any quote, CR or other control byte, found in what was read, up
 * to max rows or until they pass max_bytes. They lie in rd->buf from *from on, *bytes
 * of it (their line breaks between them); recs[i].off is the offset of row i in that
 * run plus `at`. Returns how many (reader_next returns the others, and any row in
 * what is left of the buffer); 0 when the next record is not one of them. */
uint32_t reader_plain(batch_reader *rd, batch_rec *recs, uint32_t max, size_t max_bytes, uint32_t at, size_t *from,
                      size_t *bytes);

/* ---- output (emit.c) ------------------------------------------------------------------ */

/* One kind evaluated over a chunk; a run evaluates at most BATCH_PARTS_MAX (--all: the
 * check, every scheme and every route). */
#define BATCH_PARTS_MAX 64
typedef struct {
    batch_kind kind;               /* BATCH_CHECK, BATCH_SCHEME or BATCH_ROUTE */
    const ir_rulebook *rb;         /* the scheme's or route's rulebook */
    const char *label;             /* the column prefix under --all ("entry", "ca.crs") */
} batch_part;

/* The header line of the output (CSV), or nothing (JSONL). */
void emit_header(FILE *out, batch_format fmt, const batch_part *parts, int nparts, int all);
/* Appends the output rows of the chunk to s->out (row_end, bad and nbad too). res[p][k]
 * is part p's result of row k. Returns -1 when out of memory. */
int emit_chunk(batch_slot *s, const batch_chunk *ch, batch_format fmt, const batch_part *parts, int nparts, int all,
               kind_result *const *res, char (*const *msg)[KIND_MSG]);

/* The decision of a result, as text: check: the outcome; scheme: the category (or pass,
 * fail, the total); route: eligible / not eligible. The total is written into buf, which
 * has n bytes: at least 32, else the total is empty. */
const char *emit_decision(const tf_rules *r, const batch_part *p, const kind_result *res, char *buf, size_t n);

/* ---- the slots' memory (batch.c) ---------------------------------------------------------- */

/* Room for need bytes in *b (*cap of them; the first len kept): when there is not, a
 * buffer of its own, doubled until it fits. When *lent, *b is the slot region's: copied,
 * not reallocated, and *lent becomes false. 0, or -1 when out of memory (*b unchanged). */
int slot_grow(char **b, size_t *cap, bool *lent, size_t len, size_t need);
/* Appends n bytes of text to s's output; -1 when out of memory. */
int slot_put(batch_slot *s, const char *text, size_t n);

#endif
