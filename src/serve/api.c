/*
 * api.c — the endpoints of `talentflow serve`: requests in, library calls, JSON out.
 *
 *   POST /v1/check      ?as_of=                 one entry decision (tf_check)
 *   POST /v1/assess     ?scheme= ?as_of=        points under one scheme, or every scheme
 *   POST /v1/pathway    ?route= ?as_of=         a residence pathway, or every route
 *   POST /v1/batch      ?kind= ?scheme= ?route= ?as_of= ?explain=   JSONL in, JSONL out
 *   GET  /v1/rulebooks  ?changes= ?sources=     ids, versions, files, counts, changes, sources
 *   GET  /v1/diff       ?from= ?to= ?rulebook=  what changed between two dates
 *   GET  /v1/countries                          the bundled country table (codes, names)
 *   POST /v1/admin/reload                       reload the rulebooks (bearer token)
 *   GET  /healthz, /metrics, /v1/openapi.json, / and the page's files
 *
 * Every answer is JSON (except /metrics and the page); every error is
 *   {"error": {"status": 422, "code": "invalid_case", "message": "trip.entry_date: ..."}}
 * with a message naming the field, parameter or limit at fault. The decision objects
 * are the library's own (tf_decision_json, tf_assessment_json, tf_pathway_json:
 * PROFILE.md's shapes); this file adds nothing to them and decides nothing.
 *
 * A request holds one rule set (reload.c) from start to end. A decision is answered
 * only after the decision log has committed it: the endpoint fills reply->dlog and
 * http.c suspends the connection until the log calls back.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/country.h"
#include "base/jw.h"
#include "serve/serve.h"

#define BATCH_CHUNK_LINES 256      /* rows evaluated, logged and sent together */
#define BATCH_CHUNK_BYTES (64 << 10)

/* ---- replies ------------------------------------------------------------------------------ */

/* The "code" of an error for a library status. */
static int rc_status(tf_rc rc, const char **code)
{
    switch (rc) {
    case TF_ECASE:
        *code = "invalid_case";
        return 422;
    case TF_ENOTFOUND:
        *code = "not_found";
        return 404;
    case TF_EARG:
        *code = "invalid_parameter";
        return 400;
    case TF_ELIMIT:
        *code = "too_large";
        return 413;
    case TF_ENOMEM:
        *code = "out_of_memory";
        return 503;
    default:
        *code = "internal";
        return 500;
    }
}

/* {"error": {"status": S, "code": CODE, "message": MESSAGE}}, malloc'd; NULL when out
 * of memory. */
static char *error_json(int status, const char *code, const char *message, size_t *len)
{
    jw w;
    jw_init(&w, 256, 0);
    jw_obj_begin(&w);
    jw_key(&w, "error");
    jw_obj_begin(&w);
    jw_key(&w, "status");
    jw_int(&w, status);
    jw_key(&w, "code");
    jw_str(&w, code);
    jw_key(&w, "message");
    jw_str(&w, message);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return jw_finish(&w, len);
}

void api_error(serve_reply *reply, int status, const char *code, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    free(reply->body_static ? NULL : reply->body);
    reply->status = status;
    reply->body_static = false;
    reply->body = error_json(status, code, message, &reply->len);
    if (!reply->body) {
        static char oom[] = "{\"error\":{\"status\":503,\"code\":\"out_of_memory\","
                            "\"message\":\"out of memory\"}}";
        reply->status = 503;
        reply->body = oom;
        reply->len = sizeof oom - 1;
        reply->body_static = true;
    }
}

static void reply_json(serve_reply *reply, int status, char *json)
{
    if (!json) {
        api_error(reply, 503, "out_of_memory", "out of memory");
        return;
    }
    reply->status = status;
    reply->body = json;
    reply->len = strlen(json);
    reply->body_static = false;
}

static void reply_static(serve_reply *reply, const char *body, size_t len, const char *type)
{
    reply->status = 200;
    reply->body = (char *)body;
    reply->len = len;
    reply->body_static = true;
    reply->type = type;
}

/* ---- parameters --------------------------------------------------------------------------- */

/* Reports the first parameter not in known as an error. */
static bool check_args(const serve_request *req, const char *const *known, serve_reply *reply)
{
    const char *bad = req->unknown_arg(req->user, known);
    if (!bad)
        return true;
    char list[256] = "";
    for (size_t i = 0; known[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, known[i], sizeof list - strlen(list) - 1);
    }
    api_error(reply, 400, "invalid_parameter", "%s: unknown parameter (known: %s)", bad,
              *list ? list : "none");
    return false;
}

/* Reads the date parameter name; absent leaves *out unchanged. */
static bool date_arg(const serve_request *req, const char *name, tf_date *out,
                     serve_reply *reply)
{
    const char *v = req->arg(req->user, name);
    if (!v)
        return true;
    if (tf_date_parse(v, out))
        return true;
    api_error(reply, 400, "invalid_parameter", "%s: \"%.40s\" is not a date (YYYY-MM-DD)", name,
              v);
    return false;
}

static bool bool_arg(const serve_request *req, const char *name, bool *out, serve_reply *reply)
{
    const char *v = req->arg(req->user, name);
    if (!v)
        return true;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || *v == '\0')
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else {
        api_error(reply, 400, "invalid_parameter", "%s: \"%.40s\" is not true or false", name, v);
        return false;
    }
    return true;
}

/* ---- cases -------------------------------------------------------------------------------- */

/* Parses the body as a case against the rule set, or fills reply with the error: 400
 * for a body that is not JSON at all (with jansson's line and column), 422 for a
 * document the case schema rejects (with the library's message naming the field). */
static tf_case *parse_case(const serve_rules *s, const char *body, size_t len,
                           serve_reply *reply)
{
    if (len == 0) {
        api_error(reply, 400, "empty_body", "the request has no body: send a case document "
                                            "(JSON, see PROFILE.md)");
        return NULL;
    }
    tf_case *c = NULL;
    char err[512] = "";
    tf_rc rc = tf_case_parse_json(s->rules, body, len, &c, err, sizeof err);
    if (rc == TF_OK)
        return c;
    if (rc == TF_ECASE) {
        json_error_t jerr;
        json_t *probe = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
        if (!probe) {
            api_error(reply, 400, "invalid_json", "the body is not JSON: line %d, column %d: %s",
                      jerr.line, jerr.column, jerr.text);
            return NULL;
        }
        json_decref(probe);
    }
    const char *code;
    int status = rc_status(rc, &code);
    api_error(reply, status, code, "%s", *err ? err : tf_strerror(rc));
    return NULL;
}

/* Copies the string value of the first "key":"..." in compact JSON into buf. */
static const char *json_field(const char *json, const char *key, char *buf, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *at = strstr(json, pat);
    buf[0] = '\0';
    if (!at)
        return NULL;
    at += strlen(pat);
    size_t i = 0;
    while (at[i] && at[i] != '"' && i + 1 < n) {
        buf[i] = at[i];
        i++;
    }
    buf[i] = '\0';
    return buf;
}

/* Starts the log record of a decision made by st->rules from req's body. */
static void log_decision(serve_decision_state *st, serve_reply *reply, const char *endpoint,
                         const char *subject, const serve_request *req)
{
    st->rec = (dlog_rec){
        .endpoint = endpoint,
        .version = st->rules->version,
        .as_of = st->as_of[0] ? st->as_of : NULL,
        .subject = subject,
        .outcome = st->outcome,
        .request = req->body,
        .request_len = req->len,
    };
    reply->dlog = &st->rec;
}

/* ---- POST /v1/check ------------------------------------------------------------------------ */

/* Each pool thread keeps one tf_decision (29 KB, zeroed when made) and reuses it, as the
 * library intends; it is freed when the thread ends (at shutdown). */
static pthread_key_t decision_key;
static pthread_once_t decision_once = PTHREAD_ONCE_INIT;

static void decision_key_free(void *d)
{
    tf_decision_free(d);
}

static void decision_key_make(void)
{
    pthread_key_create(&decision_key, decision_key_free);
}

static tf_decision *thread_decision(void)
{
    pthread_once(&decision_once, decision_key_make);
    tf_decision *d = pthread_getspecific(decision_key);
    if (!d && (d = tf_decision_new()) && pthread_setspecific(decision_key, d) != 0) {
        tf_decision_free(d);
        d = NULL;
    }
    return d;
}

static void do_check(const serve_request *req, serve_reply *reply, serve_decision_state *st)
{
    static const char *const known[] = {"as_of", NULL};
    tf_date as_of = TF_DATE_DEFAULT;
    if (!check_args(req, known, reply) || !date_arg(req, "as_of", &as_of, reply))
        return;
    tf_case *c = parse_case(st->rules, req->body, req->len, reply);
    if (!c)
        return;
    tf_decision *d = thread_decision();
    if (!d) {
        tf_case_free(c);
        api_error(reply, 503, "out_of_memory", "out of memory");
        return;
    }
    tf_rc rc = tf_check(st->rules->rules, c, as_of, d);
    if (rc != TF_OK) {
        const char *code, *msg = tf_decision_error(d);
        int status = rc_status(rc, &code);
        api_error(reply, status, code, "%s", msg && *msg ? msg : tf_strerror(rc));
    } else {
        char *json = tf_decision_json(d);
        reply_json(reply, 200, json);
        if (json) {
            char rulebook[64];
            json_field(json, "as_of", st->as_of, sizeof st->as_of);
            json_field(json, "rulebook", rulebook, sizeof rulebook);
            const char *regime = tf_decision_regime(d);
            snprintf(st->outcome, sizeof st->outcome, "%s%s%s", tf_decision_outcome(d),
                     regime ? " " : "", regime ? regime : "");
            snprintf(st->subject, sizeof st->subject, "%s", rulebook);
            log_decision(st, reply, "check", st->subject, req);
        }
    }
    tf_case_free(c);
}

/* ---- POST /v1/assess, /v1/pathway ----------------------------------------------------------- */

/* Appends ", " and text to the outcome summary, while it fits. */
static void summary_add(serve_decision_state *st, const char *text)
{
    size_t n = strlen(st->outcome);
    if (n + strlen(text) + 3 < sizeof st->outcome)
        snprintf(st->outcome + n, sizeof st->outcome - n, "%s%s", n ? "; " : "", text);
}

static void today(char buf[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

/* One assessment as JSON, its summary added to st; or the error object of one scheme
 * (in a list: *rc says which). */
static json_t *assess_one(const serve_rules *s, const tf_case *c, const char *scheme,
                          tf_date as_of, tf_assessment *a, serve_decision_state *st, tf_rc *rc)
{
    *rc = tf_assess(s->rules, c, scheme, as_of, a);
    if (*rc != TF_OK) {
        const char *code, *msg = tf_assessment_error(a);
        int status = rc_status(*rc, &code);
        return json_pack("{s:s,s:{s:i,s:s,s:s}}", "scheme", scheme, "error", "status", status,
                         "code", code, "message", msg && *msg ? msg : tf_strerror(*rc));
    }
    char *text = tf_assessment_json(a);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    char line[128];
    const char *cat = tf_assessment_category(a);
    int passes = tf_assessment_passes(a);
    snprintf(line, sizeof line, "%s %g%s%s%s", scheme, tf_assessment_total(a), cat ? " " : "",
             cat ? cat : "", passes == 1 ? " passes" : passes == 0 ? " fails" : "");
    summary_add(st, line);
    return o;
}

static json_t *pathway_one(const serve_rules *s, const tf_case *c, const char *route,
                           tf_date as_of, tf_pathway_result *p, serve_decision_state *st,
                           tf_rc *rc)
{
    *rc = tf_pathway(s->rules, c, route, as_of, p);
    if (*rc != TF_OK) {
        const char *code, *msg = tf_pathway_error(p);
        int status = rc_status(*rc, &code);
        return json_pack("{s:s,s:{s:i,s:s,s:s}}", "route", route, "error", "status", status,
                         "code", code, "message", msg && *msg ? msg : tf_strerror(*rc));
    }
    char *text = tf_pathway_json(p);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    char line[128], date[11] = "none";
    if (tf_pathway_earliest(p) != TF_DATE_DEFAULT)
        tf_date_format(tf_pathway_earliest(p), date);
    snprintf(line, sizeof line, "%s %s earliest %s", route,
             tf_pathway_eligible(p) == 1 ? "eligible" : "not eligible", date);
    summary_add(st, line);
    return o;
}

typedef enum { KIND_CHECK, KIND_ASSESS, KIND_PATHWAY } decision_kind;

/* /v1/assess and /v1/pathway: one scheme or route (?scheme=, ?route=): its object, as
 * the library writes it; none: {"as_of", "version", "assessments"|"pathways": [...]},
 * one object per scheme or route, an error object in place of one that failed. */
static void do_scored(const serve_request *req, serve_reply *reply, serve_decision_state *st,
                      decision_kind kind)
{
    const char *param = kind == KIND_ASSESS ? "scheme" : "route";
    const char *const known[] = {"as_of", param, NULL};
    tf_date as_of = TF_DATE_DEFAULT;
    if (!check_args(req, known, reply) || !date_arg(req, "as_of", &as_of, reply))
        return;
    const char *one = req->arg(req->user, param);
    if (one && !*one) {
        api_error(reply, 400, "invalid_parameter", "%s: empty (give an id, or leave it out for all)",
                  param);
        return;
    }
    tf_case *c = parse_case(st->rules, req->body, req->len, reply);
    if (!c)
        return;
    tf_assessment *a = kind == KIND_ASSESS ? tf_assessment_new() : NULL;
    tf_pathway_result *p = kind == KIND_PATHWAY ? tf_pathway_new() : NULL;
    json_t *list = NULL, *root = NULL;
    if (!a && !p) {
        api_error(reply, 503, "out_of_memory", "out of memory");
        goto done;
    }
    const char *const *ids = kind == KIND_ASSESS ? st->rules->schemes : st->rules->routes;
    size_t n = kind == KIND_ASSESS ? st->rules->nschemes : st->rules->nroutes;
    if (one) {
        tf_rc rc;
        json_t *o = kind == KIND_ASSESS ? assess_one(st->rules, c, one, as_of, a, st, &rc)
                                        : pathway_one(st->rules, c, one, as_of, p, st, &rc);
        if (rc != TF_OK) {
            json_t *e = json_object_get(o, "error");
            api_error(reply, (int)json_integer_value(json_object_get(e, "status")),
                      json_string_value(json_object_get(e, "code")), "%s",
                      json_string_value(json_object_get(e, "message")));
            json_decref(o);
            goto done;
        }
        root = o;
    } else {
        list = json_array();
        for (size_t i = 0; list && i < n; i++) {
            tf_rc rc;
            json_t *o = kind == KIND_ASSESS ? assess_one(st->rules, c, ids[i], as_of, a, st, &rc)
                                            : pathway_one(st->rules, c, ids[i], as_of, p, st, &rc);
            if (!o || json_array_append_new(list, o) != 0) {
                json_decref(list);
                list = NULL;
            }
        }
        char date[11];
        if (as_of == TF_DATE_DEFAULT)
            today(date);
        else
            tf_date_format(as_of, date);
        root = list ? json_pack("{s:s,s:s,s:O}", "as_of", date, "version", st->rules->version,
                                kind == KIND_ASSESS ? "assessments" : "pathways", list)
                    : NULL;
    }
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    reply_json(reply, 200, text);
    if (text) {
        json_field(text, "as_of", st->as_of, sizeof st->as_of);
        snprintf(st->subject, sizeof st->subject, "%s", one ? one : (kind == KIND_ASSESS ? "all schemes" : "all routes"));
        log_decision(st, reply, kind == KIND_ASSESS ? "assess" : "pathway", st->subject, req);
    }
done:
    json_decref(root);
    json_decref(list);
    tf_assessment_free(a);
    tf_pathway_free(p);
    tf_case_free(c);
}

/* ---- POST /v1/batch ------------------------------------------------------------------------- */

struct serve_stream {
    serve_rules *rules;
    char *body;                /* owned */
    size_t len, pos;
    long line;
    decision_kind kind;
    char *id;                  /* the scheme or route, or NULL for all */
    tf_date as_of;
    bool explain;
    tf_decision *d;
    tf_assessment *a;
    tf_pathway_result *p;
    char *out;                 /* output produced and not yet read */
    size_t out_len, out_off, out_cap;
    dlog_rec recs[BATCH_CHUNK_LINES];
    char notes[BATCH_CHUNK_LINES][160]; /* the outcome and as_of of each logged row */
    bool failed;
};

static bool out_put(serve_stream *s, const char *text, size_t n)
{
    if (s->out_len + n + 1 > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 1 << 16;
        while (cap < s->out_len + n + 1)
            cap *= 2;
        char *o = realloc(s->out, cap);
        if (!o)
            return false;
        s->out = o;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, text, n);
    s->out_len += n;
    return true;
}

static bool out_json(serve_stream *s, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    bool ok = text && out_put(s, text, strlen(text)) && out_put(s, "\n", 1);
    free(text);
    return ok;
}

/* The row of one line: {"line": N, ...the compact result, or the full object with
 * explain...} or {"line": N, "error": {...}}. Returns the JSON and, for a decision,
 * whether it is to be logged (*logged, with its outcome in note). */
static json_t *batch_row(serve_stream *s, const char *text, size_t n, char *note,
                         size_t note_len, bool *logged)
{
    *logged = false;
    json_t *row = json_pack("{s:I}", "line", (json_int_t)s->line);
    char err[512] = "";
    tf_case *c = NULL;
    tf_rc rc = tf_case_parse_json(s->rules->rules, text, n, &c, err, sizeof err);
    if (rc != TF_OK) {
        const char *code;
        int status = rc_status(rc, &code);
        json_error_t jerr;
        json_t *probe = rc == TF_ECASE ? json_loadb(text, n, JSON_DECODE_ANY, &jerr) : NULL;
        if (rc == TF_ECASE && !probe) {
            snprintf(err, sizeof err, "not JSON: column %d: %s", jerr.column, jerr.text);
            code = "invalid_json";
            status = 400;
        }
        json_decref(probe);
        json_object_set_new(row, "error", json_pack("{s:i,s:s,s:s}", "status", status, "code",
                                                    code, "message", *err ? err : tf_strerror(rc)));
        return row;
    }
    char date[11] = "";
    if (s->kind == KIND_CHECK) {
        rc = tf_check(s->rules->rules, c, s->as_of, s->d);
        if (rc == TF_OK) {
            const char *regime = tf_decision_regime(s->d);
            tf_date dep = tf_decision_latest_departure(s->d);
            if (s->explain) {
                char *full = tf_decision_json(s->d);
                json_t *o = full ? json_loads(full, 0, NULL) : NULL;
                free(full);
                json_object_set_new(row, "result", o ? o : json_null());
            } else {
                json_object_set_new(row, "outcome", json_string(tf_decision_outcome(s->d)));
                json_object_set_new(row, "regime", regime ? json_string(regime) : json_null());
                json_object_set_new(row, "latest_departure",
                                    dep != TF_DATE_DEFAULT ? json_string(tf_date_format(dep, date))
                                                           : json_null());
            }
            snprintf(note, note_len, "%s%s%s", tf_decision_outcome(s->d), regime ? " " : "",
                     regime ? regime : "");
            *logged = true;
        } else {
            const char *code, *msg = tf_decision_error(s->d);
            int status = rc_status(rc, &code);
            json_object_set_new(row, "error",
                                json_pack("{s:i,s:s,s:s}", "status", status, "code", code,
                                          "message", msg && *msg ? msg : tf_strerror(rc)));
        }
    } else {
        const char *const *ids = s->kind == KIND_ASSESS ? s->rules->schemes : s->rules->routes;
        size_t count = s->id ? 1 : (s->kind == KIND_ASSESS ? s->rules->nschemes : s->rules->nroutes);
        json_t *list = json_array();
        note[0] = '\0';
        for (size_t i = 0; i < count; i++) {
            const char *id = s->id ? s->id : ids[i];
            json_t *o;
            if (s->kind == KIND_ASSESS) {
                rc = tf_assess(s->rules->rules, c, id, s->as_of, s->a);
                if (rc == TF_OK && s->explain) {
                    char *full = tf_assessment_json(s->a);
                    o = full ? json_loads(full, 0, NULL) : json_null();
                    free(full);
                } else if (rc == TF_OK) {
                    const char *cat = tf_assessment_category(s->a);
                    int passes = tf_assessment_passes(s->a);
                    o = json_pack("{s:s,s:f,s:o,s:o}", "scheme", id, "total",
                                  tf_assessment_total(s->a), "category",
                                  cat ? json_string(cat) : json_null(), "passes",
                                  passes < 0 ? json_null() : json_boolean(passes));
                    size_t m = strlen(note);
                    snprintf(note + m, note_len - m, "%s%s %g%s%s", m ? "; " : "", id,
                             tf_assessment_total(s->a), cat ? " " : "", cat ? cat : "");
                } else {
                    o = NULL;
                }
            } else {
                rc = tf_pathway(s->rules->rules, c, id, s->as_of, s->p);
                if (rc == TF_OK && s->explain) {
                    char *full = tf_pathway_json(s->p);
                    o = full ? json_loads(full, 0, NULL) : json_null();
                    free(full);
                } else if (rc == TF_OK) {
                    tf_date e = tf_pathway_earliest(s->p);
                    o = json_pack("{s:s,s:b,s:o}", "route", id, "eligible",
                                  tf_pathway_eligible(s->p) == 1, "earliest_date",
                                  e != TF_DATE_DEFAULT ? json_string(tf_date_format(e, date))
                                                       : json_null());
                    size_t m = strlen(note);
                    snprintf(note + m, note_len - m, "%s%s %s", m ? "; " : "", id,
                             tf_pathway_eligible(s->p) == 1 ? "eligible" : "not eligible");
                } else {
                    o = NULL;
                }
            }
            if (rc != TF_OK) {
                const char *code, *msg = s->kind == KIND_ASSESS ? tf_assessment_error(s->a)
                                                                : tf_pathway_error(s->p);
                int status = rc_status(rc, &code);
                o = json_pack("{s:s,s:{s:i,s:s,s:s}}", s->kind == KIND_ASSESS ? "scheme" : "route",
                              id, "error", "status", status, "code", code, "message",
                              msg && *msg ? msg : tf_strerror(rc));
            }
            json_array_append_new(list, o);
            if (s->id && rc != TF_OK) { /* one scheme asked: its error is the row's */
                json_object_set(row, "error", json_object_get(o, "error"));
                json_decref(list);
                list = NULL;
                break;
            }
            *logged = *logged || rc == TF_OK;
        }
        if (list)
            json_object_set_new(row, s->kind == KIND_ASSESS ? "assessments" : "pathways", list);
    }
    tf_case_free(c);
    return row;
}

/* Evaluates the next chunk of lines into s->out, logging its decisions. */
static bool batch_chunk(serve_stream *s)
{
    size_t nrecs = 0;
    char as_of[11] = "";
    if (s->as_of != TF_DATE_DEFAULT)
        tf_date_format(s->as_of, as_of);
    while (s->pos < s->len && nrecs < BATCH_CHUNK_LINES && s->out_len < BATCH_CHUNK_BYTES) {
        const char *start = s->body + s->pos;
        const char *nl = memchr(start, '\n', s->len - s->pos);
        size_t n = nl ? (size_t)(nl - start) : s->len - s->pos;
        s->pos += n + (nl ? 1 : 0);
        s->line++;
        size_t k = n;
        while (k > 0 && (start[k - 1] == '\r' || start[k - 1] == ' ' || start[k - 1] == '\t'))
            k--;
        size_t lead = 0;
        while (lead < k && (start[lead] == ' ' || start[lead] == '\t'))
            lead++;
        if (lead == k)
            continue; /* blank lines are skipped, but counted */
        bool logged;
        json_t *row = batch_row(s, start, k, s->notes[nrecs], sizeof s->notes[nrecs], &logged);
        bool ok = out_json(s, row);
        json_decref(row);
        if (!ok)
            return false;
        if (logged) /* nrecs is read in the record: it is counted after, not in the index */
            s->recs[nrecs] = (dlog_rec){
                .endpoint = "batch",
                .version = s->rules->version,
                .as_of = as_of[0] ? as_of : NULL,
                .subject = s->id ? s->id
                           : s->kind == KIND_CHECK ? "entry"
                           : s->kind == KIND_ASSESS ? "all schemes" : "all routes",
                .outcome = s->notes[nrecs],
                .request = start,
                .request_len = k,
            };
        nrecs += logged;
    }
    /* The rows go out only once their decisions are committed. */
    return dlog_submit_wait(s->recs, nrecs);
}

long api_stream_read(serve_stream *s, char *buf, size_t max)
{
    if (s->failed)
        return -1;
    if (s->out_off == s->out_len) {
        s->out_off = s->out_len = 0;
        if (s->pos >= s->len)
            return 0;
        if (!batch_chunk(s)) {
            s->failed = true;
            return -1;
        }
        if (s->out_len == 0)
            return s->pos >= s->len ? 0 : api_stream_read(s, buf, max);
    }
    size_t n = s->out_len - s->out_off < max ? s->out_len - s->out_off : max;
    memcpy(buf, s->out + s->out_off, n);
    s->out_off += n;
    return (long)n;
}

void api_stream_free(serve_stream *s)
{
    if (!s)
        return;
    reload_release(s->rules);
    free(s->body);
    free(s->id);
    free(s->out);
    tf_decision_free(s->d);
    tf_assessment_free(s->a);
    tf_pathway_free(s->p);
    free(s);
}

static void do_batch(const serve_request *req, serve_reply *reply, serve_decision_state *st)
{
    static const char *const known[] = {"kind", "scheme", "route", "as_of", "explain", NULL};
    tf_date as_of = TF_DATE_DEFAULT;
    bool explain = false;
    if (!check_args(req, known, reply) || !date_arg(req, "as_of", &as_of, reply) ||
        !bool_arg(req, "explain", &explain, reply))
        return;
    const char *kind = req->arg(req->user, "kind");
    decision_kind k = KIND_CHECK;
    if (!kind || strcmp(kind, "check") == 0)
        k = KIND_CHECK;
    else if (strcmp(kind, "assess") == 0)
        k = KIND_ASSESS;
    else if (strcmp(kind, "pathway") == 0)
        k = KIND_PATHWAY;
    else {
        api_error(reply, 400, "invalid_parameter",
                  "kind: \"%.40s\" is not check, assess or pathway", kind);
        return;
    }
    const char *scheme = req->arg(req->user, "scheme"), *route = req->arg(req->user, "route");
    if ((scheme && k != KIND_ASSESS) || (route && k != KIND_PATHWAY)) {
        api_error(reply, 400, "invalid_parameter", "%s: only with kind=%s",
                  scheme && k != KIND_ASSESS ? "scheme" : "route",
                  scheme && k != KIND_ASSESS ? "assess" : "pathway");
        return;
    }
    const char *id = k == KIND_ASSESS ? scheme : route;
    if (id) { /* an unknown id is one error for the request, not one per row */
        const char *const *ids = k == KIND_ASSESS ? st->rules->schemes : st->rules->routes;
        bool found = false;
        for (size_t i = 0; ids[i]; i++)
            found = found || strcmp(ids[i], id) == 0;
        if (!found) {
            api_error(reply, 404, "not_found", "no %s \"%.60s\"",
                      k == KIND_ASSESS ? "points scheme" : "pathway", id);
            return;
        }
    }
    if (req->len == 0) {
        api_error(reply, 400, "empty_body", "the request has no body: send one case document "
                                            "(JSON) per line");
        return;
    }
    serve_stream *s = calloc(1, sizeof *s);
    if (!s || (id && !(s->id = strdup(id))) ||
        (k == KIND_CHECK && !(s->d = tf_decision_new())) ||
        (k == KIND_ASSESS && !(s->a = tf_assessment_new())) ||
        (k == KIND_PATHWAY && !(s->p = tf_pathway_new()))) {
        api_stream_free(s);
        api_error(reply, 503, "out_of_memory", "out of memory");
        return;
    }
    s->kind = k;
    s->as_of = as_of;
    s->explain = explain;
    s->rules = st->rules; /* the stream holds the request's reference from now on */
    st->rules = NULL;
    s->body = *req->take_body;
    *req->take_body = NULL;
    s->len = req->len;
    reply->status = 200;
    reply->type = "application/x-ndjson";
    reply->stream = s;
}

/* ---- GET endpoints ------------------------------------------------------------------------- */

static void do_diff(const serve_request *req, serve_reply *reply, serve_decision_state *st)
{
    static const char *const known[] = {"from", "to", "rulebook", NULL};
    if (!check_args(req, known, reply))
        return;
    tf_date from = TF_DATE_DEFAULT, to = TF_DATE_DEFAULT;
    if (!date_arg(req, "from", &from, reply) || !date_arg(req, "to", &to, reply))
        return;
    if (from == TF_DATE_DEFAULT || to == TF_DATE_DEFAULT) {
        api_error(reply, 400, "invalid_parameter", "%s: required (YYYY-MM-DD)",
                  from == TF_DATE_DEFAULT ? "from" : "to");
        return;
    }
    if (from >= to) {
        api_error(reply, 400, "invalid_parameter", "from must be before to");
        return;
    }
    const char *only = req->arg(req->user, "rulebook");
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    if (!mem) {
        api_error(reply, 503, "out_of_memory", "out of memory");
        return;
    }
    tf_rules_diff(st->rules->rules, from, to, true, mem);
    fclose(mem);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!o) {
        api_error(reply, 500, "internal", "the library's diff is not JSON");
        return;
    }
    json_t *changes = json_object_get(o, "changes");
    if (only && json_is_array(changes)) {
        /* rulebook=cn.entry: that rulebook; rulebook=world.: every id with the prefix */
        size_t plen = strlen(only);
        bool prefix = plen > 0 && only[plen - 1] == '.';
        json_t *kept = json_array();
        size_t i;
        json_t *ch;
        json_array_foreach(changes, i, ch) {
            const char *rb = json_string_value(json_object_get(ch, "rulebook"));
            if (rb && (prefix ? strncmp(rb, only, plen) == 0 : strcmp(rb, only) == 0))
                json_array_append(kept, ch);
        }
        json_object_set_new(o, "changes", kept);
        json_object_set_new(o, "rulebook", json_string(only));
    }
    json_object_set_new(o, "version", json_string(st->rules->version));
    reply_json(reply, 200, json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER));
    json_decref(o);
}

static char *countries_json;
static size_t countries_len;

static void do_countries(const serve_request *req, serve_reply *reply)
{
    static const char *const known[] = {NULL};
    if (!check_args(req, known, reply))
        return;
    if (!countries_json) { /* built once, before the server starts (api_init) */
        api_error(reply, 503, "out_of_memory", "out of memory");
        return;
    }
    reply_static(reply, countries_json, countries_len, NULL);
    reply->cache = "public, max-age=3600";
}

static void do_healthz(serve_reply *reply, serve_decision_state *st)
{
    uint64_t rows, commits, failures;
    long queued;
    dlog_counts(&rows, &commits, &failures, &queued);
    json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:f,s:{s:I,s:I}}", "status", "ok", "talentflow",
                          TF_VERSION, "version", st->rules->version, "generation",
                          (json_int_t)st->rules->generation, "uptime_seconds", serve_uptime(),
                          "decision_log", "logged", (json_int_t)rows, "queued",
                          (json_int_t)queued);
    reply_json(reply, 200, o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL);
    json_decref(o);
}

/* Compares without stopping at the first difference, so the time taken does not tell
 * an attacker how much of the token was right. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
    return diff == 0;
}

static void reload_deferred(serve_reply *reply);

static void do_reload(const serve_request *req, serve_reply *reply, const serve_config *cfg)
{
    static const char *const known[] = {NULL};
    if (!check_args(req, known, reply))
        return;
    if (!cfg->admin_token || !*cfg->admin_token) {
        api_error(reply, 403, "forbidden",
                  "reloading over HTTP is disabled: start the server with %s set (or send SIGHUP)",
                  SERVE_ADMIN_TOKEN_ENV);
        return;
    }
    const char *auth = req->authorization;
    if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !same_secret(auth + 7, cfg->admin_token)) {
        api_error(reply, 401, "unauthorized", "%s",
                  auth ? "the bearer token is not the admin token"
                       : "needs the header Authorization: Bearer <the admin token>");
        reply->authenticate = true;
        return;
    }
    reply->deferred = reload_deferred; /* compiling takes a while: not on a pool thread */
}

/* The reload itself, on a thread of its own (http.c). */
static void reload_deferred(serve_reply *reply)
{
    serve_rules *before = reload_acquire();
    char *err = NULL;
    tf_rc rc = reload_now(&err);
    if (rc != TF_OK) {
        api_error(reply, 422, "rules_invalid", "the rulebooks were not reloaded (version %s stays in force): %s",
                  before ? before->version : "?", err ? err : tf_strerror(rc));
    } else {
        serve_rules *after = reload_acquire();
        json_t *o = json_pack("{s:b,s:s,s:s,s:I}", "reloaded", 1, "version", after->version,
                              "previous", before ? before->version : "", "generation",
                              (json_int_t)after->generation);
        reply_json(reply, 200, o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL);
        snprintf(reply->version, sizeof reply->version, "%s", after->version);
        json_decref(o);
        reload_release(after);
    }
    free(err);
    reload_release(before);
}

/* ---- routing -------------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    serve_endpoint ep;
    const char *method;        /* "POST" or "GET" (GET also answers HEAD) */
    bool needs_rules;
} route;

static const route routes[] = {
    {"/v1/check", EP_CHECK, "POST", true},
    {"/v1/assess", EP_ASSESS, "POST", true},
    {"/v1/pathway", EP_PATHWAY, "POST", true},
    {"/v1/batch", EP_BATCH, "POST", true},
    {"/v1/rulebooks", EP_RULEBOOKS, "GET", true},
    {"/v1/diff", EP_DIFF, "GET", true},
    {"/v1/countries", EP_COUNTRIES, "GET", false},
    {"/v1/admin/reload", EP_RELOAD, "POST", false},
    {"/healthz", EP_HEALTHZ, "GET", true},
    {"/metrics", EP_METRICS, "GET", false},
    {"/v1/openapi.json", EP_OPENAPI, "GET", false},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const serve_asset *find_asset(const char *path)
{
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (size_t i = 0; i < serve_asset_count; i++)
        if (strcmp(serve_assets[i].path, path) == 0)
            return &serve_assets[i];
    return NULL;
}

serve_endpoint api_endpoint(const char *path)
{
    for (size_t i = 0; i < NROUTES; i++)
        if (strcmp(routes[i].path, path) == 0)
            return routes[i].ep;
    return find_asset(path) ? EP_PAGE : EP_OTHER;
}

void api_init(void)
{
    json_t *list = json_array();
    for (int i = 0; list && i < country_count(); i++) {
        const country_info *ci = country_at(i);
        json_array_append_new(list, json_pack("{s:s,s:s}", "code", ci->code, "name", ci->name));
    }
    json_t *o = list ? json_pack("{s:I,s:o}", "count", (json_int_t)json_array_size(list),
                                 "countries", list)
                     : NULL;
    countries_json = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    countries_len = countries_json ? strlen(countries_json) : 0;
    json_decref(o);
}

void api_cleanup(void)
{
    free(countries_json);
    countries_json = NULL;
}

void api_handle(const serve_request *req, serve_endpoint *ep, serve_reply *reply,
                serve_decision_state *st, const serve_config *cfg)
{
    bool is_get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    const route *r = NULL;
    for (size_t i = 0; i < NROUTES && !r; i++)
        if (strcmp(routes[i].path, req->path) == 0)
            r = &routes[i];
    if (!r) {
        const serve_asset *a = find_asset(req->path);
        *ep = a ? EP_PAGE : EP_OTHER;
        if (!a) {
            api_error(reply, 404, "not_found", "%.200s: no such resource (the API is under /v1/, "
                                               "see /v1/openapi.json)", req->path);
            return;
        }
        if (!is_get) {
            api_error(reply, 405, "method_not_allowed", "%s %.200s: use GET", req->method,
                      req->path);
            reply->allow = "GET, HEAD";
            return;
        }
        reply_static(reply, (const char *)a->data, a->len, a->type);
        reply->cache = strcmp(a->path, "/index.html") == 0 ? "no-cache" : "public, max-age=300";
        return;
    }
    *ep = r->ep;
    bool post = strcmp(r->method, "POST") == 0;
    if (post ? strcmp(req->method, "POST") != 0 : !is_get) {
        api_error(reply, 405, "method_not_allowed", "%s %s: use %s", req->method, r->path,
                  post ? "POST" : "GET");
        reply->allow = post ? "POST" : "GET, HEAD";
        return;
    }
    if (r->needs_rules) {
        st->rules = reload_acquire();
        if (!st->rules) {
            api_error(reply, 503, "unavailable", "no rule set is loaded");
            return;
        }
        snprintf(reply->version, sizeof reply->version, "%s", st->rules->version);
    }
    switch (r->ep) {
    case EP_CHECK:
        do_check(req, reply, st);
        break;
    case EP_ASSESS:
        do_scored(req, reply, st, KIND_ASSESS);
        break;
    case EP_PATHWAY:
        do_scored(req, reply, st, KIND_PATHWAY);
        break;
    case EP_BATCH:
        do_batch(req, reply, st);
        break;
    case EP_RULEBOOKS: {
        static const char *const known[] = {"changes", "sources", NULL};
        bool changes = true, sources = true;
        if (!check_args(req, known, reply) || !bool_arg(req, "changes", &changes, reply) ||
            !bool_arg(req, "sources", &sources, reply))
            break;
        reply_static(reply, st->rules->catalog[changes][sources],
                     st->rules->catalog_len[changes][sources], NULL);
        break;
    }
    case EP_DIFF:
        do_diff(req, reply, st);
        break;
    case EP_COUNTRIES:
        do_countries(req, reply);
        break;
    case EP_RELOAD:
        do_reload(req, reply, cfg);
        break;
    case EP_HEALTHZ:
        do_healthz(reply, st);
        break;
    case EP_METRICS: {
        size_t n = 0;
        char *text = metrics_render(&n);
        reply_json(reply, 200, text);
        reply->type = "text/plain; version=0.0.4; charset=utf-8";
        break;
    }
    case EP_OPENAPI: {
        const serve_asset *a = find_asset("/v1/openapi.json");
        if (a)
            reply_static(reply, (const char *)a->data, a->len, a->type);
        else
            api_error(reply, 404, "not_found", "no OpenAPI document was built in");
        break;
    }
    default:
        api_error(reply, 404, "not_found", "%.200s: no such resource", req->path);
    }
}

void api_finish(serve_decision_state *st)
{
    reload_release(st->rules);
    st->rules = NULL;
}
