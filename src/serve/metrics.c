/*
 * metrics.c — what the service counts, in Prometheus' text format (GET /metrics).
 *
 *   talentflow_http_requests_total{endpoint,code}            requests finished, by status
 *   talentflow_http_errors_total{endpoint,class}             4xx (client) and 5xx (server)
 *   talentflow_http_request_duration_seconds{endpoint}       histogram: first byte of the
 *                                                            request to the response queued
 *   talentflow_limits_total{limit}                           body (413), timeout (idle)
 *   talentflow_rules_info{version,generation}                the rule set in force
 *   talentflow_rules_reloads_total{result}
 *   talentflow_decisions_logged_total, talentflow_decision_log_commits_total,
 *   talentflow_decision_log_failures_total, talentflow_decision_log_queue
 *   talentflow_uptime_seconds
 *
 * Every counter is a relaxed atomic in a fixed table (endpoints x status slots x
 * buckets), so counting takes no lock and no allocation; rendering reads them without
 * stopping the counting, as Prometheus expects.
 */
#define _GNU_SOURCE /* open_memstream is POSIX; kept for symmetry with api.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

static const char *const endpoint_names[EP__COUNT] = {
#define EP_NAME(e, name) name,
    SERVE_ENDPOINTS(EP_NAME)
#undef EP_NAME
};

/* The statuses the service answers with; any other is counted as "other". */
static const int codes[] = {200, 400, 401, 403, 404, 405, 413, 422, 500, 503};
#define NCODES (sizeof codes / sizeof codes[0])

/* Upper bounds of the latency buckets, in seconds (+Inf is implicit). */
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 10};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static atomic_ullong requests[EP__COUNT][NCODES + 1];
static atomic_ullong buckets[EP__COUNT][NBOUNDS + 1];
static atomic_ullong sum_ns[EP__COUNT];
static atomic_ullong client_errors[EP__COUNT], server_errors[EP__COUNT];

static const char *const limit_names[] = {"body", "timeout"};
#define NLIMITS (sizeof limit_names / sizeof limit_names[0])
static atomic_ullong limits[NLIMITS];

const char *metrics_endpoint_name(serve_endpoint ep)
{
    return ep < EP__COUNT ? endpoint_names[ep] : "other";
}

void metrics_observe(serve_endpoint ep, int status, double seconds)
{
    if (ep >= EP__COUNT)
        ep = EP_OTHER;
    size_t c = NCODES;
    for (size_t i = 0; i < NCODES; i++)
        if (codes[i] == status) {
            c = i;
            break;
        }
    atomic_fetch_add_explicit(&requests[ep][c], 1, memory_order_relaxed);
    size_t b = NBOUNDS;
    for (size_t i = 0; i < NBOUNDS; i++)
        if (seconds <= bounds[i]) {
            b = i;
            break;
        }
    atomic_fetch_add_explicit(&buckets[ep][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_ns[ep], (unsigned long long)(seconds * 1e9),
                              memory_order_relaxed);
    if (status >= 500)
        atomic_fetch_add_explicit(&server_errors[ep], 1, memory_order_relaxed);
    else if (status >= 400)
        atomic_fetch_add_explicit(&client_errors[ep], 1, memory_order_relaxed);
}

void metrics_limit(const char *which)
{
    for (size_t i = 0; i < NLIMITS; i++)
        if (strcmp(limit_names[i], which) == 0)
            atomic_fetch_add_explicit(&limits[i], 1, memory_order_relaxed);
}

static unsigned long long get(atomic_ullong *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

char *metrics_render(size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);
    if (!out)
        return NULL;

    fputs("# HELP talentflow_http_requests_total Requests answered, by endpoint and status.\n"
          "# TYPE talentflow_http_requests_total counter\n",
          out);
    for (int e = 0; e < EP__COUNT; e++)
        for (size_t c = 0; c <= NCODES; c++) {
            unsigned long long v = get(&requests[e][c]);
            if (!v && c != 0)
                continue; /* the 200 series always, the others once they happen */
            if (c < NCODES)
                fprintf(out, "talentflow_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n",
                        endpoint_names[e], codes[c], v);
            else
                fprintf(out, "talentflow_http_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n",
                        endpoint_names[e], v);
        }

    fputs("# HELP talentflow_http_errors_total Requests answered with an error, by endpoint: "
          "client (4xx) or server (5xx).\n"
          "# TYPE talentflow_http_errors_total counter\n",
          out);
    for (int e = 0; e < EP__COUNT; e++) {
        fprintf(out, "talentflow_http_errors_total{endpoint=\"%s\",class=\"client\"} %llu\n",
                endpoint_names[e], get(&client_errors[e]));
        fprintf(out, "talentflow_http_errors_total{endpoint=\"%s\",class=\"server\"} %llu\n",
                endpoint_names[e], get(&server_errors[e]));
    }

    fputs("# HELP talentflow_http_request_duration_seconds Time from the request's headers to "
          "its response, by endpoint.\n"
          "# TYPE talentflow_http_request_duration_seconds histogram\n",
          out);
    for (int e = 0; e < EP__COUNT; e++) {
        unsigned long long cum = 0;
        for (size_t b = 0; b <= NBOUNDS; b++) {
            cum += get(&buckets[e][b]);
            if (b < NBOUNDS)
                fprintf(out,
                        "talentflow_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
                        endpoint_names[e], bounds[b], cum);
            else
                fprintf(out,
                        "talentflow_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
                        endpoint_names[e], cum);
        }
        fprintf(out, "talentflow_http_request_duration_seconds_sum{endpoint=\"%s\"} %.9f\n",
                endpoint_names[e], (double)get(&sum_ns[e]) / 1e9);
        fprintf(out, "talentflow_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
                endpoint_names[e], cum);
    }

    fputs("# HELP talentflow_limits_total Requests refused (body) or connections closed (timeout) by a limit.\n"
          "# TYPE talentflow_limits_total counter\n",
          out);
    for (size_t i = 0; i < NLIMITS; i++)
        fprintf(out, "talentflow_limits_total{limit=\"%s\"} %llu\n", limit_names[i],
                get(&limits[i]));

    serve_rules *s = reload_acquire();
    uint64_t ok = 0, failed = 0;
    reload_counts(&ok, &failed);
    fputs("# HELP talentflow_rules_info The rule set in force.\n"
          "# TYPE talentflow_rules_info gauge\n",
          out);
    if (s)
        fprintf(out, "talentflow_rules_info{version=\"%s\",generation=\"%llu\"} 1\n", s->version,
                (unsigned long long)s->generation);
    reload_release(s);
    fprintf(out,
            "# HELP talentflow_rules_reloads_total Reloads of the rulebooks, by result.\n"
            "# TYPE talentflow_rules_reloads_total counter\n"
            "talentflow_rules_reloads_total{result=\"ok\"} %llu\n"
            "talentflow_rules_reloads_total{result=\"failed\"} %llu\n",
            (unsigned long long)ok, (unsigned long long)failed);

    uint64_t rows = 0, commits = 0, failures = 0;
    long queued = 0;
    dlog_counts(&rows, &commits, &failures, &queued);
    fprintf(out,
            "# HELP talentflow_decisions_logged_total Decisions committed to the decision log.\n"
            "# TYPE talentflow_decisions_logged_total counter\n"
            "talentflow_decisions_logged_total %llu\n"
            "# HELP talentflow_decision_log_commits_total Transactions committed (a group of "
            "decisions each).\n"
            "# TYPE talentflow_decision_log_commits_total counter\n"
            "talentflow_decision_log_commits_total %llu\n"
            "# HELP talentflow_decision_log_failures_total Transactions that failed.\n"
            "# TYPE talentflow_decision_log_failures_total counter\n"
            "talentflow_decision_log_failures_total %llu\n"
            "# HELP talentflow_decision_log_queue Decisions waiting for their commit.\n"
            "# TYPE talentflow_decision_log_queue gauge\n"
            "talentflow_decision_log_queue %ld\n"
            "# HELP talentflow_uptime_seconds Seconds since the server started.\n"
            "# TYPE talentflow_uptime_seconds gauge\n"
            "talentflow_uptime_seconds %.3f\n",
            (unsigned long long)rows, (unsigned long long)commits,
            (unsigned long long)failures, queued, serve_uptime());
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}
