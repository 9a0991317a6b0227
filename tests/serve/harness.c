/*
 * harness.c — a server started by the test, an HTTP client, an OpenAPI schema checker.
 * See harness.h.
 *
 * The schema checker covers the part of JSON Schema that src/serve/openapi.json uses:
 * $ref (local), type (one or a list), properties, required, additionalProperties (false
 * or a schema), items, enum, oneOf, anyOf, minProperties, minimum and format "date".
 */
#define _GNU_SOURCE /* memmem */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- files ---------------------------------------------------------------------------------- */

char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* ---- the server ------------------------------------------------------------------------------- */

static bool spawn(server *s, const char *bin, const char *token, const char *const *extra)
{
    int out[2];
    if (pipe(out) != 0)
        return false;
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        const char *argv[32];
        int n = 0;
        argv[n++] = bin;
        argv[n++] = "serve";
        argv[n++] = "--listen";
        argv[n++] = "127.0.0.1:0";
        argv[n++] = "--decision-log";
        argv[n++] = s->dlog;
        for (size_t i = 0; extra && extra[i] && n < 30; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;
        if (token)
            setenv("TALENTFLOW_ADMIN_TOKEN", token, 1);
        else
            unsetenv("TALENTFLOW_ADMIN_TOKEN");
        dup2(out[1], 1);
        int err = open(s->err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (err >= 0)
            dup2(err, 2);
        close(out[0]);
        close(out[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    s->pid = pid;
    s->port = 0;
    /* The first line: "talentflow serve: listening on http://127.0.0.1:PORT/ (...)". */
    char line[1024];
    size_t n = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (n + 1 < sizeof line) {
        struct pollfd p = {out[0], POLLIN, 0};
        clock_gettime(CLOCK_MONOTONIC, &now);
        int left = 30000 - (int)((now.tv_sec - t0.tv_sec) * 1000);
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t got = read(out[0], line + n, 1);
        if (got <= 0)
            break;
        if (line[n++] == '\n')
            break;
    }
    line[n] = '\0';
    close(out[0]); /* later output (none) would get EPIPE, ignored by the server */
    const char *at = strstr(line, "http://127.0.0.1:");
    if (at)
        s->port = atoi(at + strlen("http://127.0.0.1:"));
    if (!s->port) {
        fprintf(stderr, "harness: the server did not print its address: \"%s\"\n", line);
        char *err = read_text(s->err_path, NULL);
        fprintf(stderr, "harness: its stderr: %s\n", err ? err : "(none)");
        free(err);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return false;
    }
    return true;
}

bool server_start(server *s, const char *bin, const char *base, const char *token,
                  const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s/serve-test-XXXXXX", base);
    mkdir(base, 0755);
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", s->dir, strerror(errno));
        return false;
    }
    snprintf(s->dlog, sizeof s->dlog, "%s/decisions.db", s->dir);
    snprintf(s->err_path, sizeof s->err_path, "%s/stderr", s->dir);
    return spawn(s, bin, token, extra);
}

bool server_restart(server *s, const char *bin, const char *token, const char *const *extra)
{
    return spawn(s, bin, token, extra);
}

int server_signal_wait(server *s, int sig)
{
    int status = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    s->pid = 0;
    return status;
}

/* ---- the client --------------------------------------------------------------------------------- */

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int http_connect(int port)
{
    return connect_to(port);
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads until the peer closes; malloc'd. */
static char *recv_all(int fd, size_t *len)
{
    size_t cap = 1 << 14, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t got = recv(fd, buf + n, cap - n, 0);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

const char *http_header(const http_resp *r, const char *name, char *buf, size_t n)
{
    if (!r->head)
        return NULL;
    size_t nl = strlen(name);
    for (const char *line = strstr(r->head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1;
            while (*v == ' ')
                v++;
            size_t k = strcspn(v, "\r\n");
            snprintf(buf, n, "%.*s", (int)k, v);
            return buf;
        }
    }
    return NULL;
}

static void parse_response(char *raw, size_t len, http_resp *r)
{
    memset(r, 0, sizeof *r);
    char *end = strstr(raw, "\r\n\r\n");
    if (!end || strncmp(raw, "HTTP/1.", 7) != 0) {
        r->head = raw;
        return;
    }
    r->status = atoi(raw + 9);
    size_t hlen = (size_t)(end - raw) + 2;
    r->head = malloc(hlen + 1);
    memcpy(r->head, raw, hlen);
    r->head[hlen] = '\0';
    char *body = end + 4;
    size_t blen = len - (size_t)(body - raw);
    char te[64], cl[32];
    if (http_header(r, "Transfer-Encoding", te, sizeof te) && strcasecmp(te, "chunked") == 0) {
        char *out = malloc(blen + 1);
        size_t o = 0, i = 0;
        for (;;) {
            char *crlf = memmem(body + i, blen - i, "\r\n", 2);
            if (!crlf)
                break;
            size_t size = strtoul(body + i, NULL, 16);
            i = (size_t)(crlf - body) + 2;
            if (size == 0) {
                r->complete = true;
                break;
            }
            if (i + size > blen)
                break;
            memcpy(out + o, body + i, size);
            o += size;
            i += size + 2;
        }
        out[o] = '\0';
        r->body = out;
        r->len = o;
    } else {
        r->body = malloc(blen + 1);
        memcpy(r->body, body, blen);
        r->body[blen] = '\0';
        r->len = blen;
        r->complete = !http_header(r, "Content-Length", cl, sizeof cl) ||
                      strtoul(cl, NULL, 10) == blen;
    }
    free(raw);
}

bool http_raw(int port, const char *raw, size_t len, http_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = connect_to(port);
    if (fd < 0)
        return false;
    bool ok = send_all(fd, raw, len);
    shutdown(fd, SHUT_WR);
    size_t n = 0;
    char *text = recv_all(fd, &n);
    close(fd);
    if (!ok && n == 0) {
        free(text);
        return false;
    }
    parse_response(text, n, r);
    if (r->head == text) { /* not HTTP: keep the bytes as the body */
        r->head = NULL;
        r->body = text;
        r->len = n;
    }
    return true;
}

bool http_do(int port, const char *method, const char *target, const char *extra_headers,
             const char *body, size_t len, http_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = connect_to(port);
    if (fd < 0)
        return false;
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     method, target, body ? len : 0, extra_headers ? extra_headers : "");
    bool ok = send_all(fd, head, (size_t)n) && (!body || send_all(fd, body, len));
    size_t got = 0;
    char *text = recv_all(fd, &got);
    close(fd);
    if (got == 0) {
        free(text);
        return false;
    }
    parse_response(text, got, r);
    if (r->head == text) {
        free(text);
        r->head = NULL;
        return false;
    }
    return ok || r->status > 0;
}

void http_free(http_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* ---- JSON Schema (the part the OpenAPI document uses) ---------------------------------------- */

static bool check(json_t *spec, json_t *schema, json_t *v, const char *at, char *err, size_t n);

static json_t *resolve(json_t *spec, const char *ref)
{
    const char *prefix = "#/components/schemas/";
    if (strncmp(ref, prefix, strlen(prefix)) != 0)
        return NULL;
    return json_object_get(json_object_get(json_object_get(spec, "components"), "schemas"),
                           ref + strlen(prefix));
}

static bool has_type(json_t *v, const char *t)
{
    if (strcmp(t, "object") == 0)
        return json_is_object(v);
    if (strcmp(t, "array") == 0)
        return json_is_array(v);
    if (strcmp(t, "string") == 0)
        return json_is_string(v);
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(t, "null") == 0)
        return json_is_null(v);
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(v) ||
               (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
    return false;
}

static bool is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = atoi(s + 5), d = atoi(s + 8);
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static bool fail(char *err, size_t n, const char *at, const char *what, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(err, n, "%s: %s (got %.200s)", *at ? at : "(root)", what, text ? text : "?");
    free(text);
    return false;
}

static bool check(json_t *spec, json_t *schema, json_t *v, const char *at, char *err, size_t n)
{
    if (!json_is_object(schema))
        return true;
    json_t *ref = json_object_get(schema, "$ref");
    if (ref) {
        json_t *target = resolve(spec, json_string_value(ref));
        if (!target)
            return fail(err, n, at, "unresolved $ref", ref);
        return check(spec, target, v, at, err, n);
    }
    json_t *type = json_object_get(schema, "type");
    if (type) {
        bool ok = false;
        if (json_is_string(type))
            ok = has_type(v, json_string_value(type));
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t) ok = ok || has_type(v, json_string_value(t));
        if (!ok) {
            char what[128];
            char *ts = json_dumps(type, JSON_COMPACT | JSON_ENCODE_ANY);
            snprintf(what, sizeof what, "not of type %s", ts ? ts : "?");
            free(ts);
            return fail(err, n, at, what, v);
        }
    }
    json_t *en = json_object_get(schema, "enum");
    if (en) {
        bool found = false;
        size_t i;
        json_t *e;
        json_array_foreach(en, i, e) found = found || json_equal(e, v);
        if (!found)
            return fail(err, n, at, "not one of the enum", v);
    }
    json_t *fmt = json_object_get(schema, "format");
    if (fmt && json_is_string(v) && strcmp(json_string_value(fmt), "date") == 0 &&
        !is_date(json_string_value(v)))
        return fail(err, n, at, "not a date (YYYY-MM-DD)", v);
    json_t *min = json_object_get(schema, "minimum");
    if (min && json_is_number(v) && json_number_value(v) < json_number_value(min))
        return fail(err, n, at, "below the minimum", v);
    if (json_is_object(v)) {
        json_t *props = json_object_get(schema, "properties");
        json_t *req = json_object_get(schema, "required");
        size_t i;
        json_t *r;
        json_array_foreach(req, i, r) {
            if (!json_object_get(v, json_string_value(r))) {
                char what[160];
                snprintf(what, sizeof what, "lacks the required \"%s\"", json_string_value(r));
                return fail(err, n, at, what, v);
            }
        }
        json_t *minp = json_object_get(schema, "minProperties");
        if (minp && json_object_size(v) < (size_t)json_integer_value(minp))
            return fail(err, n, at, "too few properties", v);
        json_t *addl = json_object_get(schema, "additionalProperties");
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s.%s", at, key);
            json_t *ps = json_object_get(props, key);
            if (ps) {
                if (!check(spec, ps, val, sub, err, n))
                    return false;
            } else if (json_is_false(addl)) {
                return fail(err, n, sub, "is not allowed here", val);
            } else if (json_is_object(addl) && !check(spec, addl, val, sub, err, n)) {
                return false;
            }
        }
    }
    if (json_is_array(v)) {
        json_t *items = json_object_get(schema, "items");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s[%zu]", at, i);
            if (items && !check(spec, items, e, sub, err, n))
                return false;
        }
    }
    json_t *one = json_object_get(schema, "oneOf"), *any = json_object_get(schema, "anyOf");
    if (one || any) {
        int matches = 0;
        char first[1024] = "";
        size_t i;
        json_t *alt;
        json_array_foreach(one ? one : any, i, alt) {
            char e2[1024];
            if (check(spec, alt, v, at, e2, sizeof e2))
                matches++;
            else if (!*first)
                snprintf(first, sizeof first, "%s", e2);
        }
        if (matches == 0) {
            snprintf(err, n, "%s: matches none of the alternatives; the first says: %s",
                     *at ? at : "(root)", first);
            return false;
        }
        if (one && matches > 1)
            return fail(err, n, at, "matches more than one alternative of oneOf", v);
    }
    return true;
}

bool openapi_check_component(json_t *spec, const char *component, json_t *value, char *err,
                             size_t errlen)
{
    char ref[256];
    snprintf(ref, sizeof ref, "#/components/schemas/%s", component);
    json_t *schema = resolve(spec, ref);
    if (!schema) {
        snprintf(err, errlen, "no schema %s in the OpenAPI document", component);
        return false;
    }
    return check(spec, schema, value, "", err, errlen);
}

bool openapi_check(json_t *spec, const char *path, const char *method, int status,
                   const char *body, char *err, size_t errlen)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_t *op = json_object_get(json_object_get(json_object_get(spec, "paths"), path), method);
    json_t *resp = json_object_get(json_object_get(op, "responses"), code);
    if (!resp) {
        snprintf(err, errlen, "the OpenAPI document has no %s %s response %d", method, path,
                 status);
        return false;
    }
    json_t *schema =
        json_object_get(json_object_get(json_object_get(resp, "content"), "application/json"),
                        "schema");
    if (!schema) {
        snprintf(err, errlen, "%s %s %d: no application/json schema", method, path, status);
        return false;
    }
    json_error_t jerr;
    json_t *v = json_loads(body, JSON_DECODE_ANY, &jerr);
    if (!v) {
        snprintf(err, errlen, "%s %s %d: the body is not JSON: %s: %.200s", method, path, status,
                 jerr.text, body);
        return false;
    }
    bool ok = check(spec, schema, v, "", err, errlen);
    json_decref(v);
    return ok;
}
