/*
 * dlog.c — the decision log: every decision the service makes, in a SQLite file.
 *
 * One row per decision (table `decisions`): when it was written, the endpoint, the
 * version of the rule set that made it, the date it was made as of, what it was about
 * (rulebook, scheme or route), a short outcome, and the case document as received — so
 * any decision can be replayed against the same rule set version.
 *
 * The promise: a decision's response is sent only after its row is committed. Request
 * threads never touch SQLite; they queue a record and suspend their connection. One
 * writer thread takes everything queued, writes it in one transaction with one prepared
 * statement, commits, and only then wakes the requests (group commit). Under load a
 * commit carries dozens of decisions, so the log costs one commit per batch, not per
 * request; when idle a decision waits only for its own commit.
 *
 * Durability: the database is in WAL mode. With synchronous=NORMAL (the default) a
 * commit appends to the WAL with write(2) and does not fsync; the WAL is fsynced at each
 * checkpoint. A committed transaction is then in the operating system's page cache before
 * the response leaves, so killing the process — kill -9 included, at any instant — loses
 * no acknowledged decision (tests/serve checks exactly this). What NORMAL gives up is the
 * last commits before a power failure or kernel crash, and the database stays consistent
 * even then. --decision-log-sync full makes every commit fsync the WAL as well (one
 * fsync per group, not per request), for a log that must survive power loss; it costs
 * throughput on disks with slow flushes.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "serve/serve.h"

#define DLOG_QUEUE_MAX 100000 /* records waiting: beyond this, requests get 503 */

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS decisions (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  at            TEXT NOT NULL,  -- UTC, when the row was written\n"
    "  endpoint      TEXT NOT NULL,  -- check, assess, pathway, batch\n"
    "  rules_version TEXT NOT NULL,  -- tf_rules_version of the rule set that decided\n"
    "  as_of         TEXT,           -- the date the decision was made as of\n"
    "  subject       TEXT,           -- the rulebook, scheme or route\n"
    "  outcome       TEXT,           -- e.g. visa_free; total 88 category A; eligible\n"
    "  request       TEXT NOT NULL   -- the case document as received\n"
    ");";

static sqlite3 *db;
static sqlite3_stmt *insert_stmt, *begin_stmt, *commit_stmt, *rollback_stmt;
static pthread_t writer;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static dlog_rec *queue_head, *queue_tail;
static long queued;
static bool closing, running;
static atomic_ullong rows_written, commits, failures;

static bool exec_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* Writes the records of the list in one transaction. */
static bool write_batch(dlog_rec *list)
{
    char at[32];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(at + n, sizeof at - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

    if (!exec_stmt(begin_stmt))
        return false;
    uint64_t count = 0;
    for (dlog_rec *r = list; r; r = r->next) {
        sqlite3_stmt *st = insert_stmt;
        sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->endpoint, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->as_of, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, r->outcome, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, r->request ? r->request : "", (int)r->request_len,
                          SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "talentflow serve: decision log: %s\n", sqlite3_errmsg(db));
            exec_stmt(rollback_stmt);
            return false;
        }
        r->id = sqlite3_last_insert_rowid(db);
        count++;
    }
    if (!exec_stmt(commit_stmt)) {
        fprintf(stderr, "talentflow serve: decision log: commit: %s\n", sqlite3_errmsg(db));
        exec_stmt(rollback_stmt);
        return false;
    }
    atomic_fetch_add(&rows_written, count);
    atomic_fetch_add(&commits, 1);
    return true;
}

static void *writer_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&queue_lock);
        while (!queue_head && !closing)
            pthread_cond_wait(&queue_cond, &queue_lock);
        dlog_rec *list = queue_head;
        queue_head = queue_tail = NULL;
        queued = 0;
        bool stop = closing && !list;
        pthread_mutex_unlock(&queue_lock);
        if (stop)
            break;
        bool ok = write_batch(list);
        if (!ok)
            atomic_fetch_add(&failures, 1);
        for (dlog_rec *r = list, *next; r; r = next) {
            next = r->next; /* done may free r */
            r->next = NULL;
            r->done(r, ok);
        }
    }
    return NULL;
}

static bool prepare(const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
        return true;
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return false;
}

bool dlog_open(const char *path, bool full_sync, char *err, size_t errlen)
{
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                            SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(db, 5000); /* a reader (sqlite3, a test) may hold a lock briefly */
    char *msg = NULL;
    const char *setup = full_sync ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
    if (sqlite3_exec(db, setup, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        goto fail;
    }
    /* journal_mode=WAL answers with the mode it got: a file system without shared
     * memory may refuse WAL, and the promise above needs it. */
    sqlite3_stmt *mode = NULL;
    if (!prepare("PRAGMA journal_mode", &mode, err, errlen))
        goto fail;
    bool wal = sqlite3_step(mode) == SQLITE_ROW &&
               strcmp((const char *)sqlite3_column_text(mode, 0), "wal") == 0;
    sqlite3_finalize(mode);
    if (!wal) {
        snprintf(err, errlen, "cannot use WAL mode on this file system");
        goto fail;
    }
    if (!prepare("INSERT INTO decisions (at, endpoint, rules_version, as_of, subject, outcome, "
                 "request) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 &insert_stmt, err, errlen) ||
        !prepare("BEGIN IMMEDIATE", &begin_stmt, err, errlen) ||
        !prepare("COMMIT", &commit_stmt, err, errlen) ||
        !prepare("ROLLBACK", &rollback_stmt, err, errlen))
        goto fail;
    closing = false;
    if (pthread_create(&writer, NULL, writer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        goto fail;
    }
    running = true;
    return true;
fail:
    sqlite3_finalize(insert_stmt);
    sqlite3_finalize(begin_stmt);
    sqlite3_finalize(commit_stmt);
    sqlite3_finalize(rollback_stmt);
    insert_stmt = begin_stmt = commit_stmt = rollback_stmt = NULL;
    sqlite3_close(db);
    db = NULL;
    return false;
}

bool dlog_submit(dlog_rec *rec)
{
    rec->next = NULL;
    pthread_mutex_lock(&queue_lock);
    bool ok = running && !closing && queued < DLOG_QUEUE_MAX;
    if (ok) {
        if (queue_tail)
            queue_tail->next = rec;
        else
            queue_head = rec;
        queue_tail = rec;
        queued++;
        pthread_cond_signal(&queue_cond);
    }
    pthread_mutex_unlock(&queue_lock);
    return ok;
}

/* dlog_submit_wait's rendezvous with the writer. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t remaining;
    bool ok;
} waiter;

static void wake(dlog_rec *rec, bool committed)
{
    waiter *w = rec->user;
    pthread_mutex_lock(&w->lock);
    if (!committed)
        w->ok = false;
    if (--w->remaining == 0)
        pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

bool dlog_submit_wait(dlog_rec *recs, size_t n)
{
    if (n == 0)
        return true;
    waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, n, true};
    for (size_t i = 0; i < n; i++) {
        recs[i].done = wake;
        recs[i].user = &w;
        recs[i].next = i + 1 < n ? &recs[i + 1] : NULL;
    }
    pthread_mutex_lock(&queue_lock);
    bool ok = running && !closing && queued < DLOG_QUEUE_MAX;
    if (ok) {
        if (queue_tail)
            queue_tail->next = &recs[0];
        else
            queue_head = &recs[0];
        queue_tail = &recs[n - 1];
        queued += (long)n;
        pthread_cond_signal(&queue_cond);
    }
    pthread_mutex_unlock(&queue_lock);
    if (!ok)
        return false;
    pthread_mutex_lock(&w.lock);
    while (w.remaining > 0)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.cond);
    return w.ok;
}

void dlog_close(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&queue_lock);
    closing = true;
    pthread_cond_signal(&queue_cond);
    pthread_mutex_unlock(&queue_lock);
    pthread_join(writer, NULL);
    running = false;
    sqlite3_finalize(insert_stmt);
    sqlite3_finalize(begin_stmt);
    sqlite3_finalize(commit_stmt);
    sqlite3_finalize(rollback_stmt);
    insert_stmt = begin_stmt = commit_stmt = rollback_stmt = NULL;
    sqlite3_close(db);
    db = NULL;
}

void dlog_counts(uint64_t *rows, uint64_t *ncommits, uint64_t *nfailures, long *nqueued)
{
    *rows = atomic_load(&rows_written);
    *ncommits = atomic_load(&commits);
    *nfailures = atomic_load(&failures);
    pthread_mutex_lock(&queue_lock);
    *nqueued = queued;
    pthread_mutex_unlock(&queue_lock);
}
