/*
 * harness.h — what the tests of `talentflow serve` share: a server they start
 * themselves, a small HTTP/1.1 client, and a checker of JSON against the OpenAPI
 * document's schemas.
 *
 * The server is the real binary, started with --listen 127.0.0.1:0 (a free port) and a
 * decision log in a temporary folder; the harness reads the address from the first
 * line it prints. The client opens one connection per request (Connection: close) or
 * sends raw bytes, so the tests can also send what no well-behaved client would.
 */
#ifndef TF_SERVE_HARNESS_H
#define TF_SERVE_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- the server ------------------------------------------------------------------------ */

typedef struct {
    pid_t pid;
    int port;
    char dir[512];       /* a temporary folder of its own: the decision log, stderr */
    char dlog[600];      /* dir/decisions.db */
    char err_path[600];  /* dir/stderr */
} server;

/* Starts `BIN serve --listen 127.0.0.1:0 --decision-log DIR/decisions.db EXTRA...` with
 * the environment variable TALENTFLOW_ADMIN_TOKEN set to token (unset when NULL). The
 * folder is made under base. Returns false (with a message on stderr) when the server
 * did not print its address within 30 s. */
bool server_start(server *s, const char *bin, const char *base, const char *token,
                  const char *const *extra);
/* Restarts on the same folder and decision log. */
bool server_restart(server *s, const char *bin, const char *token, const char *const *extra);
/* Sends sig and waits for the process; returns its wait status. */
int server_signal_wait(server *s, int sig);

/* ---- the client -------------------------------------------------------------------------- */

typedef struct {
    int status;          /* 0: no complete response */
    char *head;          /* status line and headers */
    char *body;          /* de-chunked, NUL-terminated */
    size_t len;
    bool complete;       /* the whole body arrived (Content-Length or the last chunk) */
} http_resp;

/* One request on a new connection. extra_headers: "Name: value\r\n" lines or NULL. */
bool http_do(int port, const char *method, const char *target, const char *extra_headers,
             const char *body, size_t len, http_resp *r);
/* Sends raw bytes and reads until the server closes (or 10 s). */
bool http_raw(int port, const char *raw, size_t len, http_resp *r);
void http_free(http_resp *r);
/* A connected socket to the server (no request sent), or -1. */
int http_connect(int port);
/* The value of header name (case-insensitive) into buf, or NULL. */
const char *http_header(const http_resp *r, const char *name, char *buf, size_t n);

/* ---- the OpenAPI document ----------------------------------------------------------------- */

/* Checks that body (JSON) is what spec says path+method answers with status (its
 * application/json schema, or the schema named by component when not NULL). On failure
 * err says where and why. */
bool openapi_check(json_t *spec, const char *path, const char *method, int status,
                   const char *body, char *err, size_t errlen);
bool openapi_check_component(json_t *spec, const char *component, json_t *value, char *err,
                             size_t errlen);

/* Reads a whole file (malloc'd), or NULL. */
char *read_text(const char *path, size_t *len);

#endif
