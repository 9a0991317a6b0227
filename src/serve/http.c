/*
 * http.c — libmicrohttpd wiring: socket, limits, routing to api.c, suspended requests.
 *
 * The daemon runs a pool of threads (one per core by default), each with its own epoll
 * set; every request is handled entirely on the thread that read it. For each request:
 *
 *   1. headers read: a context is made; a Content-Length over the limit is refused at
 *      once with 413 (the body is never read);
 *   2. body chunks: appended to the context's buffer, up to the limit (1 MiB, 64 MiB for
 *      /v1/batch); a chunked body that grows past it is answered 413 at its end;
 *   3. body complete: api_handle answers. A decision is not sent yet: the connection is
 *      suspended and the log record queued (dlog.c); when its transaction commits, the
 *      writer thread resumes the connection and step 4 runs on the pool thread;
 *   4. the answer is queued; after it is sent, the completion callback counts the
 *      request (metrics.c), gives back its rule set (reload.c) and frees the context.
 *
 * Limits: the body sizes above; an idle connection (no byte read or written for
 * --timeout seconds, 30 by default) is closed; at most --max-connections connections
 * are open at once (more are closed as soon as they are accepted); a request's headers
 * must fit libmicrohttpd's per-connection buffer (32 KiB). libmicrohttpd itself answers
 * requests that are not HTTP/1.x at all (a garbled request line or header, a bad
 * Content-Length or chunked encoding, headers too large) with its own 4xx HTML page,
 * built from constants inside it with no call to this file first, so it cannot be JSON
 * (docs/serve.md, "Malformed HTTP"). Everything that does reach this file —
 * unknown paths, wrong methods, bodies over the limit, bad parameters, bad JSON — is
 * answered with a JSON error.
 *
 * Shutdown (http_stop): the listening socket is closed, answers carry "Connection:
 * close", the requests in progress finish (for up to the grace period; the suspended
 * ones always, as libmicrohttpd cannot stop with a connection suspended), then the
 * threads stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve.h"

struct serve_server {
    struct MHD_Daemon *daemon;
    int fd;
};

static const serve_config *config;
static atomic_long active;       /* requests between their headers and their completion */
static atomic_bool draining;
static atomic_long held;         /* requests suspended (or about to be) and not yet completed */
static atomic_bool stopping;     /* the daemon is about to stop: no request may suspend now */
static struct timespec started;

double serve_uptime(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - started.tv_sec) + (double)(now.tv_nsec - started.tv_nsec) / 1e9;
}

typedef enum {
    PH_READING,  /* headers and body */
    PH_LOGGING,  /* suspended until the decision log commits (or a deferred reply is made) */
    PH_LOGGED,   /* resumed: the answer can go */
    PH_ANSWERED,
} phase;

typedef struct {
    struct MHD_Connection *conn;
    struct timespec t0;
    serve_endpoint ep;
    int status;
    phase ph;
    bool too_large;
    bool committed;
    bool held;            /* suspended once: counted in held until it completes */
    char *body;
    size_t len, cap, limit;
    serve_reply reply;
    serve_decision_state st;
} req_ctx;

/* ---- answering ------------------------------------------------------------------------------ */

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    long n = api_stream_read(cls, buf, max);
    if (n < 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    api_stream_free(cls);
}

static enum MHD_Result queue_reply(req_ctx *rq)
{
    serve_reply *r = &rq->reply;
    struct MHD_Response *resp;
    if (r->stream) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read,
                                                 r->stream, stream_free);
        if (resp)
            r->stream = NULL; /* the response frees it */
    } else if (r->body_static) {
        resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (resp)
            r->body = NULL; /* the response frees it */
    }
    if (!resp)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->type ? r->type : "application/json");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->version[0])
        MHD_add_response_header(resp, "X-Rules-Version", r->version);
    if (r->dlog && rq->committed) {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, r->dlog->id);
        MHD_add_response_header(resp, "X-Decision-Id", id);
    }
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->cache)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache);
    else if (!r->type || strncmp(r->type, "text/html", 9) != 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->type && strncmp(r->type, "text/html", 9) == 0)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    if (r->authenticate)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    /* Close after a refused body (the rest of it is not worth reading) and while
     * shutting down. */
    if (r->status == 413 || atomic_load_explicit(&draining, memory_order_relaxed))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    rq->status = r->status;
    rq->ph = PH_ANSWERED;
    enum MHD_Result ret = MHD_queue_response(rq->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result queue_error(req_ctx *rq, int status, const char *code, const char *msg)
{
    api_error(&rq->reply, status, code, "%s", msg);
    return queue_reply(rq);
}

/* Suspends the request, unless the daemon is about to stop (false: then it must be
 * answered now). Counted in held until it completes (on_completed), then stopping
 * checked, in the one order of every thread (seq_cst): either http_stop sees this
 * request held and waits for it, or this request sees stopping. */
static bool suspend(req_ctx *rq)
{
    atomic_fetch_add(&held, 1);
    if (atomic_load(&stopping)) {
        atomic_fetch_sub(&held, 1);
        return false;
    }
    rq->held = true;
    MHD_suspend_connection(rq->conn);
    return true;
}

/* The decision log's callback, on the writer thread: the decision is committed (or the
 * log failed); wake the request on its pool thread. */
static void on_logged(dlog_rec *rec, bool committed)
{
    req_ctx *rq = rec->user;
    rq->committed = committed;
    rq->ph = PH_LOGGED;
    MHD_resume_connection(rq->conn); /* takes libmicrohttpd's lock: publishes the above */
}

/* The thread of a deferred reply: does the work, then wakes the request. */
static void *deferred_main(void *arg)
{
    req_ctx *rq = arg;
    rq->reply.deferred(&rq->reply);
    rq->reply.deferred = NULL;
    rq->committed = true;
    rq->ph = PH_LOGGED;
    MHD_resume_connection(rq->conn);
    return NULL;
}

/* A decision or a deferred reply that can no longer wait for its work: the daemon is
 * stopping. Nothing was logged or done. */
static enum MHD_Result refuse_stopping(req_ctx *rq)
{
    rq->reply.dlog = NULL;
    rq->reply.deferred = NULL;
    return queue_error(rq, 503, "shutting_down", "the server is shutting down; try again");
}

/* ---- parameters ------------------------------------------------------------------------------ */

static const char *lookup_arg(void *user, const char *name)
{
    return MHD_lookup_connection_value(user, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct {
    const char *const *known;
    const char *bad;
} unknown_search;

static enum MHD_Result find_unknown(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)value;
    unknown_search *u = cls;
    for (size_t i = 0; u->known[i]; i++)
        if (strcmp(u->known[i], key) == 0)
            return MHD_YES;
    u->bad = key;
    return MHD_NO;
}

static const char *unknown_arg(void *user, const char *const *known)
{
    unknown_search u = {known, NULL};
    MHD_get_connection_values(user, MHD_GET_ARGUMENT_KIND, find_unknown, &u);
    return u.bad;
}

/* ---- the request handler --------------------------------------------------------------------- */

static size_t body_limit(serve_endpoint ep)
{
    return ep == EP_BATCH ? config->batch_max : config->body_max;
}

static enum MHD_Result too_large(req_ctx *rq)
{
    char msg[160];
    snprintf(msg, sizeof msg, "the body is larger than the limit of %zu bytes%s", rq->limit,
             rq->ep == EP_BATCH ? "" : " (POST /v1/batch takes more)");
    metrics_limit("body");
    return queue_error(rq, 413, "body_too_large", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    req_ctx *rq = *con_cls;
    if (!rq) { /* 1. the headers */
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        rq->conn = conn;
        rq->ep = api_endpoint(url);
        rq->limit = body_limit(rq->ep);
        *con_cls = rq;
        /* Counted, then the drain checked, both in the one order of every thread (seq_cst):
         * a request that http_stop's count of active ones missed sees draining, and is
         * refused here instead of being suspended while the daemon stops (which
         * libmicrohttpd does not allow: it aborts). */
        atomic_fetch_add(&active, 1);
        if (atomic_load(&draining))
            return queue_error(rq, 503, "shutting_down", "the server is shutting down; try again");
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == 0 && *end == '\0' && n > rq->limit) {
                rq->too_large = true;
                return too_large(rq);
            }
        }
        return MHD_YES;
    }
    if (rq->ph == PH_ANSWERED) { /* an early 413: drop what still comes */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size > 0) { /* 2. a piece of the body */
        size_t n = *upload_size;
        *upload_size = 0;
        if (rq->too_large)
            return MHD_YES;
        if (rq->len + n > rq->limit) {
            rq->too_large = true;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
            return MHD_YES;
        }
        if (rq->len + n + 1 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 1024;
            while (cap < rq->len + n + 1)
                cap *= 2;
            char *b = realloc(rq->body, cap);
            if (!b)
                return MHD_NO;
            rq->body = b;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        rq->body[rq->len] = '\0';
        return MHD_YES;
    }
    if (rq->ph == PH_LOGGING) /* not resumed yet */
        return MHD_YES;
    if (rq->ph == PH_LOGGED) { /* 4. the log committed (or failed) */
        if (!rq->committed) {
            free(rq->reply.body_static ? NULL : rq->reply.body);
            rq->reply.body = NULL;
            rq->reply.dlog = NULL;
            return queue_error(rq, 503, "decision_log_failed",
                               "the decision could not be recorded in the decision log, so it "
                               "is not given; try again");
        }
        return queue_reply(rq);
    }
    /* 3. the whole request */
    if (rq->too_large)
        return too_large(rq);
    serve_request req = {
        .method = method,
        .path = url,
        .body = rq->body ? rq->body : "",
        .len = rq->len,
        .take_body = &rq->body,
        .authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_AUTHORIZATION),
        .arg = lookup_arg,
        .unknown_arg = unknown_arg,
        .user = conn,
    };
    rq->reply.status = 500;
    api_handle(&req, &rq->ep, &rq->reply, &rq->st, config);
    if (rq->reply.deferred) {
        if (!suspend(rq))
            return refuse_stopping(rq);
        rq->ph = PH_LOGGING;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, deferred_main, rq) != 0)
            deferred_main(rq); /* no thread: do it here */
        pthread_attr_destroy(&attr);
        return MHD_YES;
    }
    if (!rq->reply.dlog)
        return queue_reply(rq);
    /* Suspend before queueing the record: the writer may resume the connection before
     * dlog_submit even returns. */
    if (!suspend(rq))
        return refuse_stopping(rq);
    rq->ph = PH_LOGGING;
    rq->reply.dlog->done = on_logged;
    rq->reply.dlog->user = rq;
    if (!dlog_submit(rq->reply.dlog)) {
        rq->committed = false;
        rq->ph = PH_LOGGED;
        MHD_resume_connection(conn);
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    req_ctx *rq = *con_cls;
    if (!rq)
        return;
    *con_cls = NULL;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - rq->t0.tv_sec) + (double)(now.tv_nsec - rq->t0.tv_nsec) / 1e9;
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
        metrics_limit("timeout");
    /* A request cut off before its answer (timeout, client gone) counts as 499, as
     * proxies do, under "other". */
    metrics_observe(rq->ep, rq->status ? rq->status : 499, secs);
    api_finish(&rq->st);
    if (rq->reply.stream)
        api_stream_free(rq->reply.stream);
    if (!rq->reply.body_static)
        free(rq->reply.body);
    bool was_held = rq->held;
    free(rq->body);
    free(rq);
    if (was_held)
        atomic_fetch_sub(&held, 1);
    atomic_fetch_sub_explicit(&active, 1, memory_order_relaxed);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    fprintf(stderr, "talentflow serve: http: %s\n", line);
}

/* ---- the listening socket ---------------------------------------------------------------------- */

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT" (every address). */
static bool split_listen(const char *listen, char *host, size_t hostlen, char *port,
                         size_t portlen)
{
    const char *colon;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            return false;
        snprintf(host, hostlen, "%.*s", (int)(close - listen - 1), listen + 1);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            return false;
        snprintf(host, hostlen, "%.*s", (int)(colon - listen), listen);
    }
    snprintf(port, portlen, "%s", colon + 1);
    if (!*port || strspn(port, "0123456789") != strlen(port) || strtol(port, NULL, 10) > 65535)
        return false;
    return true;
}

static int open_listener(const char *where, char *addr, size_t addrlen, char *err,
                         size_t errlen)
{
    char host[256], port[16];
    if (!split_listen(where, host, sizeof host, port, sizeof port)) {
        snprintf(err, errlen, "--listen: \"%s\" is not HOST:PORT (e.g. 127.0.0.1:8080)", where);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "--listen: %s: %s", where, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "--listen: %s: %s", where, strerror(saved));
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    int bound = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
            bound = ntohs(s6->sin6_port);
            snprintf(addr, addrlen, "[%s]:%d", ip, bound);
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
            bound = ntohs(s4->sin_port);
            snprintf(addr, addrlen, "%s:%d", ip, bound);
        }
    }
    return fd;
}

/* ---- start and stop ------------------------------------------------------------------------------ */

serve_server *http_start(const serve_config *cfg, char *addr, size_t addrlen, char *err,
                         size_t errlen)
{
    config = cfg;
    clock_gettime(CLOCK_MONOTONIC, &started);
    atomic_store(&draining, false);
    serve_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = open_listener(cfg->listen, addr, addrlen, err, errlen);
    if (s->fd < 0) {
        free(s);
        return NULL;
    }
    /* Not MHD_USE_TURBO: measured three times interleaved, it gave no gain (CPU per
     * decision 42-53 us with it, 41-46 without; the same system calls per request, plus
     * a recv that fails with EAGAIN after each one). */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, /* first, so that it gets every message */
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads ? cfg->threads : 1),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
        close(s->fd);
        free(s);
        return NULL;
    }
    return s;
}

void http_stop(serve_server *s, unsigned grace_s)
{
    if (!s)
        return;
    atomic_store(&draining, true);
    /* No new connections from now: the listening socket is shut down at once, but closed
     * only once the daemon has stopped. Each of its threads takes the socket out of its
     * own epoll set in its own time after MHD_quiesce_daemon, and a socket closed before
     * that makes libmicrohttpd abort ("Failed to remove listen FD from epoll set"; it
     * happened in serve/durable under load). */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        shutdown(fd, SHUT_RDWR);
    struct timespec t0, now, tick = {0, 10 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&active) == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)grace_s)
            break;
        nanosleep(&tick, NULL);
    }
    /* The grace period is over (or nothing is left). A suspended request must still be
     * resumed before the daemon stops, or libmicrohttpd aborts: no request may suspend
     * from now, and those that did are waited for until they complete. Each waits for
     * the decision log's commit (which gives up after its busy timeout) or for a reload,
     * then for its answer to be sent (or its connection to time out), so the wait ends;
     * and the client of a decision that was logged gets its answer. */
    atomic_store(&stopping, true);
    long waiting = atomic_load(&held);
    if (waiting > 0)
        fprintf(stderr, "talentflow serve: the grace period is over; waiting for %ld request%s "
                        "suspended for the decision log or a reload\n",
                waiting, waiting == 1 ? "" : "s");
    while (atomic_load(&held) > 0)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(s);
}
