/*
** http.c — protocol v1 routes on libmicrohttpd (see http.h and
** docs/protocol.md).
**
** A request's life: the first call of the access handler finds the
** route, checks the token and the announced Content-Length, and may
** answer at once (401, 404, 405, 409, 413) without reading the body; the
** next calls append the body, up to the route's bound: past it the body
** is dropped as it comes (MHD takes no answer in the middle of an
** upload) and 413 is the answer at its end, or the connection is closed
** if it goes on much longer; the last call (no more data) runs the
** route.  The completion callback logs the request and frees it.
**
** Every worker thread owns one database connection and one store,
** opened on its first request and closed by http_stop().
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "audit.h"
#include "auth.h"
#include "codec.h"
#include "cs-sync.h"
#include "db.h"
#include "dups.h"
#include "enrol.h"
#include "http.h"
#include "proto.h"
#include "store.h"
#include "transfer.h"
#include "web.h"

#define HELLO_MAX_BODY PROTO_HELLO_MAX_BODY /* pull has none */
#define AUDIT_MAX_BODY (1024 * 1024) /* POST /v1/audit: a station's lines */
#define AUDIT_MAX_ENTRIES 500
#define RETRY_AFTER "5"
/* A body that passes its bound is discarded; past this much more, the
** connection is dropped (a client that never stops sending). */
#define DISCARD_MAX (1u << 20)

/* GET /v1/conflicts: resolved conflicts of the last 90 days, at most */
#define CONFLICTS_DAYS 90
#define CONFLICTS_MAX 5000

enum route {
    R_NONE,
    R_HELLO,
    R_PUSH,
    R_PULL,
    R_CONFLICTS,
    R_AUDIT,
    R_ADMIN,
    R_ENROL
};

/* Connections (see http.h): defaults, and the grace period during which
** a new connection is never closed to make room. */
#define DEF_MAX_CONNS 512
#define DEF_PER_TOKEN 4
#define DEF_HEADER_S 30
#define DEF_REQUEST_S 300
#define GRACE_MS 5000
/* At a stop, a request still coming in is waited for only while bytes
** keep arriving: one silent this long (half sent, its client gone) is
** not. */
#define STALL_MS 2000
#define REAP_EVERY_MS 250
/* The console's logins: checked on this many threads, this many waiting
** at most (the rest get 503 at once). */
#define LOGIN_THREADS 1
#define LOGIN_QUEUE 8

enum conn_state { C_HEAD, C_BODY, C_BUSY };

/* One a connection, from accept to close (the socket context). */
struct conn {
    struct conn *prev, *next;
    MHD_socket fd;
    unsigned char addr[16]; /* the client's address, v4 or v6 */
    size_t addrlen;
    int64_t born;    /* ms, CLOCK_MONOTONIC: accept */
    int64_t since;   /* ms: start of the current request */
    int64_t last_rx; /* ms: the last bytes of a request body */
    enum conn_state state;
    int authed;  /* a valid token or session came on it */
    int evicted; /* shut down by us: closing */
};

struct worker {
    struct http_server *srv;
    sdb *db;
    struct store store;
    int store_ok;
    struct worker *next;
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_config cfg;
    struct codec_limits lim;
    struct web_config web;
    char county[SW_SITE_MAX + 1];
    pthread_mutex_t lock; /* workers and inflight */
    /* Taken around the stations' writes (hello, push, a failed push's
       note): the workers queue here instead of in SQLite's busy handler,
       which sleeps up to 100 ms between tries (docs/benchmarks.md) */
    pthread_mutex_t wlock;
    struct worker *workers;
    int inflight;
    int answering; /* requests whose answer is queued or being made */
    /* connections, under lock */
    struct conn *conns, *conns_tail;
    unsigned nunauth;         /* not evicted, not authenticated */
    unsigned long n_slow;     /* closed past a deadline, not yet logged */
    unsigned long n_evicted;  /* closed to make room, not yet logged */
    struct token_use *tokens; /* requests in flight by replica */
    pthread_t reaper;
    int reaper_ok, stopping;
    pthread_cond_t stop_cond;
    /* the console's logins (under lock) */
    struct req *lq_head, *lq_tail;
    unsigned lq_n;
    pthread_cond_t lq_cond;
    pthread_t login[LOGIN_THREADS];
    int nlogin;
};

/* Requests in flight with one replica's token. */
struct token_use {
    int64_t id;
    unsigned n;
    struct token_use *next;
};

/* This thread's worker (one server per process). */
static __thread struct worker *my_worker;

struct req {
    struct http_server *srv;
    enum route route;
    char method[16];    /* for the log, cleaned */
    char path[64];      /* for the log, cleaned */
    struct timespec t0; /* CLOCK_MONOTONIC at the first call */
    struct sw_buf body;
    size_t max_body;
    size_t bytes_in; /* body bytes received (kept or not) */
    int too_big;     /* body passed max_body: being discarded */
    int responded;   /* a response is queued */
    unsigned status;
    size_t bytes_out;
    char errcode[24]; /* for the log */
    char errmsg[200];
    struct worker *w;
    int authed;
    struct auth_replica rep;
    char who[ACCT_NAME_MAX + 8]; /* admin console: "admin:USER", for the log */
    struct MHD_Connection *conn;
    struct conn *c;    /* its connection's entry */
    int token_counted; /* counted in srv->tokens */
    int answering;     /* counted in srv->answering */
    /* a login handed to the login thread: queued, then answered */
    struct req *lq_next;
    int login_queued, login_done, login_failed;
    struct web_resp wr;
};

/* ---- small helpers ------------------------------------------------------- */

/* Copy s into out (size n) for the log: printable ASCII only. */
static void clean_copy(char *out, size_t n, const char *s)
{
    size_t i = 0;
    for (; s && *s && i + 1 < n; s++, i++)
        out[i] = (*s > 0x20 && *s < 0x7f) ? *s : '?';
    out[i] = '\0';
}

/* A message for a client or the log: one line of valid UTF-8. */
static void clean_message(char *out, size_t n, const char *s)
{
    int utf8 = sw_utf8_valid(s);
    size_t i = 0;
    for (; *s && i + 1 < n; s++, i++) {
        unsigned char c = (unsigned char)*s;
        out[i] = (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) ? '?' : *s;
    }
    /* cut short in the middle of a character: drop its first bytes */
    if (*s && utf8 && ((unsigned char)*s & 0xc0) == 0x80) {
        while (i > 0 && ((unsigned char)out[i - 1] & 0xc0) == 0x80)
            i--;
        if (i > 0)
            i--;
    }
    out[i] = '\0';
}

static int64_t elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 +
           (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Digits only, 1..18 of them. */
static int parse_count(const char *s, int64_t *out)
{
    int64_t v = 0;
    size_t n = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++, n++) {
        if (*s < '0' || *s > '9' || n >= 18)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

/* ---- workers ------------------------------------------------------------- */

static void worker_free(struct worker *w)
{
    if (!w)
        return;
    if (w->store_ok)
        store_close(&w->store);
    db_close(w->db);
    free(w);
}

/* This thread's worker, opened on first use. */
static int worker_get(struct http_server *srv, struct worker **out,
                      struct sw_err *err)
{
    struct worker *w = my_worker;
    int rc;

    if (w && w->srv == srv) {
        *out = w;
        return 0;
    }
    *out = NULL;
    if (!(w = calloc(1, sizeof(*w))))
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    w->srv = srv;
    rc = db_open(srv->cfg.db_path, SW_ROLE_COUNTY, &w->db, err);
    if (!rc) {
        rc = store_open(&w->store, w->db, err);
        w->store_ok = 1;
        w->store.max_drift_ms = srv->cfg.max_drift_ms;
    }
    if (rc) {
        worker_free(w);
        return rc;
    }
    pthread_mutex_lock(&srv->lock);
    w->next = srv->workers;
    srv->workers = w;
    pthread_mutex_unlock(&srv->lock);
    my_worker = w;
    *out = w;
    return 0;
}

/* ---- connections: deadlines and caps (see http.h) ------------------------ */

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned cfg_max_conns(const struct http_server *srv)
{
    return srv->cfg.max_conns ? srv->cfg.max_conns : DEF_MAX_CONNS;
}

/* Unauthenticated connections beyond this many make room. */
static unsigned unauth_cap(const struct http_server *srv)
{
    unsigned max = cfg_max_conns(srv);
    unsigned res = srv->cfg.reserved ? srv->cfg.reserved : max / 8;
    return res < max ? max - res : 1;
}

/* Shut c's socket down (under srv->lock): libmicrohttpd sees the end
** of the stream and closes the connection; the socket stays open (ours
** to touch) until its NOTIFY_CLOSED, which unlinks c under the lock. */
static void conn_evict(struct http_server *srv, struct conn *c)
{
    if (c->evicted)
        return;
    c->evicted = 1;
    if (!c->authed)
        srv->nunauth--;
    shutdown(c->fd, SHUT_RDWR);
}

static int same_addr(const struct conn *a, const struct conn *b)
{
    return a->addrlen == b->addrlen && !memcmp(a->addr, b->addr, a->addrlen);
}

/*
** Make room for a new connection nc (under srv->lock).  Past the cap of
** unauthenticated connections, the oldest of them is closed: a client
** that sends its request at once is only closed if that many others came
** after it in the meantime, and connections that trickle are always the
** oldest.  Past the limit for one address, the oldest unauthenticated
** connection from there is closed if it is past the grace period (a burst
** of stations behind one NAT address all get in).
*/
static void make_room(struct http_server *srv, struct conn *nc, int64_t now)
{
    unsigned per_ip = srv->cfg.per_ip_limit, same = 0;
    struct conn *c, *oldest_same = NULL;

    if (srv->nunauth > unauth_cap(srv)) {
        for (c = srv->conns; c; c = c->next)
            if (!c->evicted && !c->authed) {
                conn_evict(srv, c);
                srv->n_evicted++;
                break;
            }
    }
    if (!per_ip || nc->evicted)
        return;
    for (c = srv->conns; c; c = c->next)
        if (!c->evicted && !c->authed && same_addr(c, nc)) {
            same++;
            if (!oldest_same && now - c->born >= GRACE_MS)
                oldest_same = c;
        }
    if (same > per_ip && oldest_same) {
        conn_evict(srv, oldest_same);
        srv->n_evicted++;
    }
}

static void on_connection(void *cls, struct MHD_Connection *conn,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    struct conn *c = *socket_context;
    const union MHD_ConnectionInfo *fi, *ai;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        fi = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        ai = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (!fi || !(c = calloc(1, sizeof(*c))))
            return; /* not tracked: only the idle timeout applies */
        c->fd = fi->connect_fd;
        if (ai && ai->client_addr && ai->client_addr->sa_family == AF_INET) {
            const struct sockaddr_in *a = (const void *)ai->client_addr;
            memcpy(c->addr, &a->sin_addr, 4);
            c->addrlen = 4;
        } else if (ai && ai->client_addr &&
                   ai->client_addr->sa_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const void *)ai->client_addr;
            memcpy(c->addr, &a->sin6_addr, 16);
            c->addrlen = 16;
        }
        c->born = c->since = mono_ms();
        c->state = C_HEAD;
        pthread_mutex_lock(&srv->lock);
        c->prev = srv->conns_tail;
        if (srv->conns_tail)
            srv->conns_tail->next = c;
        else
            srv->conns = c;
        srv->conns_tail = c;
        srv->nunauth++;
        make_room(srv, c, c->born);
        pthread_mutex_unlock(&srv->lock);
        *socket_context = c;
        return;
    }
    if (code != MHD_CONNECTION_NOTIFY_CLOSED || !c)
        return;
    pthread_mutex_lock(&srv->lock);
    if (!c->evicted && !c->authed)
        srv->nunauth--;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        srv->conns_tail = c->prev;
    pthread_mutex_unlock(&srv->lock);
    free(c);
    *socket_context = NULL;
}

/* Set the state of r's connection (a request started, its answer began,
** it ended); authed: it showed a valid token or session. */
static void conn_mark(struct req *r, int state, int authed)
{
    struct http_server *srv = r->srv;
    struct conn *c = r->c;

    if (!c)
        return;
    pthread_mutex_lock(&srv->lock);
    if (state >= 0) {
        if (state == C_HEAD || (c->state == C_HEAD && state == C_BODY))
            c->since = mono_ms();
        if (state == C_BODY)
            c->last_rx = mono_ms();
        c->state = (enum conn_state)state;
    }
    if (authed && !c->authed) {
        c->authed = 1;
        if (!c->evicted)
            srv->nunauth--;
    }
    pthread_mutex_unlock(&srv->lock);
}

/* The reaper: every REAP_EVERY_MS, shut down the connections past their
** deadline, and say in the log how many were closed. */
static void *reaper_main(void *arg)
{
    struct http_server *srv = arg;
    int64_t head_ms =
        (int64_t)(srv->cfg.header_timeout_s ? srv->cfg.header_timeout_s
                                            : DEF_HEADER_S) *
        1000;
    int64_t req_ms =
        (int64_t)(srv->cfg.request_timeout_s ? srv->cfg.request_timeout_s
                                             : DEF_REQUEST_S) *
        1000;
    int64_t last_log = 0;

    pthread_mutex_lock(&srv->lock);
    for (int last = 0; !last;) {
        struct timespec until;
        int64_t now = mono_ms();

        for (struct conn *c = srv->conns; c; c = c->next) {
            if (c->evicted || c->state == C_BUSY)
                continue;
            if ((c->state == C_HEAD && now - c->since > head_ms) ||
                (c->state == C_BODY && now - c->since > req_ms)) {
                conn_evict(srv, c);
                srv->n_slow++;
            }
        }
        if ((srv->n_slow || srv->n_evicted) &&
            (now - last_log >= 10000 || srv->stopping)) {
            fprintf(stderr,
                    "swsync-county: http: closed %lu connection%s past "
                    "the deadline (headers %" PRId64 " s, request %" PRId64
                    " s), %lu to make room for new ones\n",
                    srv->n_slow, srv->n_slow == 1 ? "" : "s", head_ms / 1000,
                    req_ms / 1000, srv->n_evicted);
            srv->n_slow = srv->n_evicted = 0;
            last_log = now;
        }
        if ((last = srv->stopping))
            break; /* the counts are said: done */
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += REAP_EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->stop_cond, &srv->lock, &until);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

/* Count one more request of r's replica: 0, or -1 past the limit. */
static int token_take(struct req *r)
{
    struct http_server *srv = r->srv;
    unsigned lim =
        srv->cfg.per_token_limit ? srv->cfg.per_token_limit : DEF_PER_TOKEN;
    struct token_use *t;
    int rc = 0;

    pthread_mutex_lock(&srv->lock);
    for (t = srv->tokens; t && t->id != r->rep.id; t = t->next)
        ;
    if (!t && (t = calloc(1, sizeof(*t)))) {
        t->id = r->rep.id;
        t->next = srv->tokens;
        srv->tokens = t;
    }
    if (!t || t->n >= lim)
        rc = -1;
    else {
        t->n++;
        r->token_counted = 1;
    }
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

static void token_give(struct req *r)
{
    struct http_server *srv = r->srv;
    struct token_use **pp, *t;

    if (!r->token_counted)
        return;
    pthread_mutex_lock(&srv->lock);
    for (pp = &srv->tokens; (t = *pp); pp = &t->next)
        if (t->id == r->rep.id) {
            if (--t->n == 0) {
                *pp = t->next;
                free(t);
            }
            break;
        }
    pthread_mutex_unlock(&srv->lock);
    r->token_counted = 0;
}

/* r's answer is queued (or being made): http_stop waits for it. */
static void mark_answering(struct req *r)
{
    if (r->answering)
        return;
    r->answering = 1;
    pthread_mutex_lock(&r->srv->lock);
    r->srv->answering++;
    pthread_mutex_unlock(&r->srv->lock);
}

/* ---- responses ----------------------------------------------------------- */

/* Under TLS, browsers are told to come back over HTTPS only (a year). */
static void add_hsts(const struct req *r, struct MHD_Response *resp)
{
    if (r->srv->cfg.tls_cert)
        MHD_add_response_header(resp, "Strict-Transport-Security",
                                "max-age=31536000");
}

/*
** Queue body (malloc'd, len bytes; taken over, also on failure) with
** status.  hdr/val: one more header, or NULL.
*/
static enum MHD_Result respond(struct MHD_Connection *conn, struct req *r,
                               unsigned status, char *body, size_t len,
                               int deflated, const char *hdr, const char *val)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    if (deflated)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING,
                                "deflate");
    if (hdr)
        MHD_add_response_header(resp, hdr, val);
    add_hsts(r, resp);
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        r->responded = 1;
        r->status = status;
        r->bytes_out = len;
        mark_answering(r);
    }
    return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *conn, struct req *r,
                                    unsigned status, cJSON *j, const char *hdr,
                                    const char *val)
{
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!s)
        return MHD_NO; /* out of memory: drop the connection */
    return respond(conn, r, status, s, strlen(s), 0, hdr, val);
}

/* A failed push is shown in `station list`. */
static void note_push_error(struct req *r, unsigned status)
{
    char text[sizeof(r->errmsg) + 40];

    if (r->route != R_PUSH || !r->authed || !r->w || status == 503 ||
        status == 507)
        return;
    snprintf(text, sizeof(text), "%u %s: %s", status, r->errcode, r->errmsg);
    pthread_mutex_lock(&r->srv->wlock);
    cs_push_error(r->w->db, r->rep.id, sw_now_ms(), text);
    pthread_mutex_unlock(&r->srv->wlock);
}

/*
** Answer {"error": code, "message": ...}.  A 500's message goes to the
** log only; the client reads "internal error".
*/
static enum MHD_Result fail(struct MHD_Connection *conn, struct req *r,
                            unsigned status, const char *code, const char *fmt,
                            ...) __attribute__((format(printf, 5, 6)));

static enum MHD_Result fail(struct MHD_Connection *conn, struct req *r,
                            unsigned status, const char *code, const char *fmt,
                            ...)
{
    char raw[SW_ERRMSG_MAX];
    cJSON *j;
    va_list ap;
    const char *hdr = NULL, *val = NULL;

    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    snprintf(r->errcode, sizeof(r->errcode), "%s", code);
    clean_message(r->errmsg, sizeof(r->errmsg), raw);
    note_push_error(r, status);

    if (!(j = cJSON_CreateObject()))
        return MHD_NO;
    cJSON_AddStringToObject(j, "error", code);
    cJSON_AddStringToObject(j, "message",
                            status == 500 ? "internal error" : r->errmsg);
    if (status == 503 || status == 429 || status == 507) {
        hdr = MHD_HTTP_HEADER_RETRY_AFTER;
        val = RETRY_AFTER;
    } else if (status == 401) {
        hdr = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
        val = "Bearer";
    } else if (status == 405) {
        hdr = MHD_HTTP_HEADER_ALLOW;
        val = r->route == R_PULL || r->route == R_CONFLICTS ? "GET" : "POST";
    }
    return respond_json(conn, r, status, j, hdr, val);
}

/* An engine error as an answer: its code decides the status. */
static enum MHD_Result fail_err(struct MHD_Connection *conn, struct req *r,
                                const struct sw_err *e)
{
    switch (e->code) {
    case SW_EDATA:
        return fail(conn, r, 400, "bad_request", "%s", e->msg);
    case SW_ETOOBIG:
        return fail(conn, r, 413, "too_large", "%s", e->msg);
    case SW_EPERM:
        return fail(conn, r, 403, "forbidden", "%s", e->msg);
    case SW_ETEMP:
        return fail(conn, r, 503, "busy", "%s", e->msg);
    case SW_EFULL:
        /* nothing was written (one transaction); reads still work */
        return fail(conn, r, 507, "storage_full",
                    "the county's disk is full: nothing was applied, try "
                    "again later");
    default:
        return fail(conn, r, 500, "internal", "%s", e->msg);
    }
}

/* ---- POST /v1/enrol ------------------------------------------------------ */

/* Refused enrolment codes, server-wide: at most ENROL_FAILS_MAX a minute;
** past that every enrolment gets 429 until the minute is over (50-bit
** codes, so guessing stays hopeless). */
#define ENROL_FAILS_MAX 10
static pthread_mutex_t enrol_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t enrol_window;
static int enrol_fails;

static int enrol_limited(int add_fail)
{
    int64_t minute = sw_now_ms() / 60000;
    int over;
    pthread_mutex_lock(&enrol_lock);
    if (minute != enrol_window) {
        enrol_window = minute;
        enrol_fails = 0;
    }
    enrol_fails += add_fail;
    over = enrol_fails >= ENROL_FAILS_MAX;
    pthread_mutex_unlock(&enrol_lock);
    return over;
}

/* {"code": "XXXXX-XXXXX"} -> {"station": CODE, "token": TOKEN}.  Refused:
** 403 enrol_unknown, 410 enrol_used or enrol_expired. */
static enum MHD_Result do_enrol(struct MHD_Connection *conn, struct req *r)
{
    char station[64], tok[AUTH_TOKEN_LEN + 1];
    enum enrol_refusal why;
    struct sw_err err;
    cJSON *j, *ans;
    const char *code;
    int rc;

    if (enrol_limited(0))
        return fail(conn, r, 429, "busy",
                    "too many wrong enrolment codes: try again in a minute");
    j = cJSON_ParseWithLength(r->body.buf ? r->body.buf : "", r->body.len);
    code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "code"));
    if (!code) {
        cJSON_Delete(j);
        return fail(conn, r, 400, "bad_request",
                    "enrol: send {\"code\": \"XXXXX-XXXXX\"}");
    }
    memset(&err, 0, sizeof(err));
    pthread_mutex_lock(&r->srv->wlock);
    rc = enrol_redeem(r->w->db, code, sw_now_ms(), station, tok, &why, &err);
    pthread_mutex_unlock(&r->srv->wlock);
    cJSON_Delete(j);
    if (rc == SW_EPERM) {
        enrol_limited(1);
        if (why == ENROL_UNKNOWN)
            return fail(conn, r, 403, "enrol_unknown", "%s", err.msg);
        return fail(conn, r, 410,
                    why == ENROL_EXPIRED ? "enrol_expired" : "enrol_used", "%s",
                    err.msg);
    }
    if (rc)
        return fail_err(conn, r, &err);
    snprintf(r->who, sizeof(r->who), "enrol:%s", station);
    ans = cJSON_CreateObject();
    if (ans) {
        cJSON_AddStringToObject(ans, "station", station);
        cJSON_AddStringToObject(ans, "token", tok);
    }
    OPENSSL_cleanse(tok, sizeof(tok));
    return respond_json(conn, r, 200, ans, NULL, NULL);
}

/* ---- POST /v1/hello ------------------------------------------------------ */

/*
** Bind the site (first hello) and note what the replica told us, in one
** transaction.  SW_EPERM: the site does not fit (409 site_mismatch).
*/
/* When the station's conflicts last changed (detected or resolved, ms;
** 0: never), so that an agent fetches them only then. */
static int64_t conflicts_mark(struct req *r)
{
    return cs_conflicts_mark(r->w->db, r->rep.station);
}

static int hello_update(struct req *r, const char *site, const char *agent,
                        int has_skew, int64_t skew, int64_t *acked,
                        struct sw_err *err)
{
    /* a full disk: a replica whose site is bound may still pull */
    int rc = cs_hello(r->w->db, r->rep.id, site, agent, has_skew, skew,
                      sw_now_ms(), strcmp(r->rep.site, site) == 0, acked, err);
    if (!rc)
        snprintf(r->rep.site, sizeof(r->rep.site), "%s", site);
    return rc;
}

static enum MHD_Result do_hello(struct MHD_Connection *conn, struct req *r)
{
    struct http_server *srv = r->srv;
    const char *enc = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    struct proto_hello h;
    struct proto_hello_answer a;
    char why[SW_ERRMSG_MAX], *ans;
    struct sw_err err;
    int64_t now, acked = 0, schema = 0;
    int rc;
    size_t plen;

    if (enc && strcasecmp(enc, "identity") != 0)
        return fail(conn, r, 400, "bad_request",
                    "hello: the body is plain JSON, not Content-Encoding %s",
                    enc);
    if (proto_hello_parse(r->body.buf, r->body.len, &h, why, sizeof(why)))
        return fail(conn, r, 400, "bad_request", "%s", why);
    if (proto_negotiate(&h, &schema, why, sizeof(why)))
        return fail(conn, r, 409, "version_mismatch", "%s", why);
    if (h.has_station &&
        (!h.station_exact || strcmp(h.station, r->rep.station) != 0))
        return fail(conn, r, 409, "site_mismatch",
                    "this token is station %s's, not %s's", r->rep.station,
                    h.station);
    plen = strlen(r->rep.station);
    if (strncmp(h.site, r->rep.station, plen) != 0 || h.site[plen] != '-' ||
        !h.site[plen + 1] || strcmp(h.site, srv->county) == 0)
        return fail(conn, r, 409, "site_mismatch",
                    "site %s is not a site id of station %s (%s-...)", h.site,
                    r->rep.station, r->rep.station);

    now = sw_now_ms();
    memset(&err, 0, sizeof(err));
    pthread_mutex_lock(&r->srv->wlock);
    rc = hello_update(r, h.site, h.has_agent ? h.agent : NULL, h.has_time == 1,
                      h.time_ms - now, &acked, &err);
    pthread_mutex_unlock(&r->srv->wlock);
    if (rc == SW_EPERM)
        return fail(conn, r, 409, "site_mismatch", "%s", err.msg);
    if (rc)
        return fail_err(conn, r, &err);

    memset(&a, 0, sizeof(a));
    a.schema = schema;
    a.county = srv->county;
    a.server_ms = sw_now_ms();
    a.acked = acked;
    a.max_drift_ms = srv->cfg.max_drift_ms;
    a.conflicts_mark = conflicts_mark(r);
    a.max_body = srv->lim.max_compressed;
    a.max_inflated = srv->lim.max_inflated;
    a.max_changes = srv->lim.max_changes;
    a.push_changes = PROTO_PUSH_CHANGES;
    a.pull_limit = PROTO_PULL_DEFAULT;
    if (!(ans = proto_hello_answer(&a)))
        return MHD_NO;
    return respond(conn, r, 200, ans, strlen(ans), 0, NULL, NULL);
}

/* ---- POST /v1/push ------------------------------------------------------- */

/* The replica's last sync, in the push's own transaction (bookkeeping:
** the push stays applied if this fails). */
static void push_done(struct store *s, const struct push_result *res, void *arg)
{
    struct req *r = arg;
    cs_push_done(s->db, r->rep.id, sw_now_ms(), res->clamped);
}

static enum MHD_Result do_push(struct MHD_Connection *conn, struct req *r)
{
    const char *enc = MHD_lookup_connection_value(
        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    struct sw_batch b;
    struct push_result res;
    struct proto_push_answer pa;
    struct sw_err err;
    char *ans;
    int rc;

    if (!enc || strcasecmp(enc, "deflate") != 0)
        return fail(conn, r, 400, "bad_request",
                    "push: the body must be sent with Content-Encoding: "
                    "deflate");
    memset(&err, 0, sizeof(err));
    rc = codec_decode_push(r->body.buf ? r->body.buf : "", r->body.len,
                           &r->srv->lim, &b, &err);
    /* decoded and checked above, outside the writer lock; under it only
       the apply and its commit (with the replica's note in it) */
    pthread_mutex_lock(&r->srv->wlock);
    r->w->store.push_note = push_done;
    r->w->store.push_note_arg = r;
    if (!rc)
        rc = store_apply_push(&r->w->store, r->rep.station, r->rep.site, &b,
                              &res, &err);
    r->w->store.push_note = NULL;
    r->w->store.push_note_arg = NULL;
    pthread_mutex_unlock(&r->srv->wlock);
    batch_release(&b);
    if (rc)
        return fail_err(conn, r, &err);
    pa.acked = res.acked;
    pa.applied = res.applied;
    pa.duplicates = res.duplicates;
    pa.conflicts = res.conflicts;
    pa.clamped = res.clamped;
    pa.refused = res.refused;
    pa.stream_from = res.stream_from;
    pa.stream_to = res.stream_to;
    if (!(ans = proto_push_answer(&pa)))
        return MHD_NO;
    return respond(conn, r, 200, ans, strlen(ans), 0, NULL, NULL);
}

/* ---- GET /v1/pull -------------------------------------------------------- */

/* Per change, the most JSON a pull row can take besides its text: keys,
** table, id, station, version, base, punctuation. */
#define PULL_ROW_MAX 256

/*
** An upper bound of the inflated JSON of a pull batch, so that no answer
** passes the max_inflated this server announces (the agent holds us to
** it): every change as its own row, text as escaped JSON.
*/
static size_t pull_json_bound(const struct sw_batch *b)
{
    size_t n = 64;
    for (size_t i = 0; i < b->n; i++) {
        n += PULL_ROW_MAX;
        if (b->v[i].vtype == SW_V_TEXT)
            for (const unsigned char *p = (const unsigned char *)b->v[i].text;
                 *p; p++)
                n += *p < 0x20 ? 6 : (*p == '"' || *p == '\\') ? 2 : 1;
    }
    /* link notices: ids, code and two short texts (escaped at worst) */
    n += 128 + b->nlink * (128 + 12 * SW_LINK_TEXT_MAX);
    return n;
}

/* A connection silent this long is closed (a slow link still sends). */
#define CONN_IDLE_S 60

static const char *pull_arg(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result do_pull(struct MHD_Connection *conn, struct req *r)
{
    const struct codec_limits *lim = &r->srv->lim;
    /* echo=1: also the fields whose value came from the asking site (a
       replica restored from an old backup lost its own later writes);
       count=1: also say how many fields remain after this answer (for
       the agent's progress on a terminal; costs an index range scan);
       schema, backfill, upto: what the station's schema holds, and a
       migrated replica's column backfill (sync/proto.h) */
    struct proto_pull_query q;
    const char *skip_site;
    int64_t limit;
    struct sw_batch b;
    struct sw_err err;
    char why[SW_ERRMSG_MAX];
    unsigned char *out = NULL;
    size_t outlen = 0;
    int rc;

    if (proto_pull_parse(pull_arg, conn, &q, why, sizeof(why)))
        return fail(conn, r, 400, "bad_request", "%s", why);
    skip_site = q.echo ? NULL : r->rep.site;
    limit = q.limit;
    if ((uint64_t)limit > lim->max_changes)
        limit = (int64_t)lim->max_changes;
    memset(&err, 0, sizeof(err));
    for (;;) {
        batch_init(&b);
        rc = store_read_pull_q(&r->w->store, r->rep.station, skip_site, &q,
                               (size_t)limit, &b, &err);
        if (!rc && limit > 1 && pull_json_bound(&b) > lim->max_inflated) {
            /* long texts: fewer fields, the rest on the next pull */
            batch_release(&b);
            limit /= 2;
            continue;
        }
        /* links=DIGEST (agents since issue 15): the station's link
           notices when they differ from the agent's (sync/county/dups.c) */
        if (!rc && q.links && !q.backfill)
            rc = dups_pull_links(r->w->store.db, r->rep.station, q.links, &b,
                                 &err);
        if (!rc && q.count && !q.backfill)
            rc = store_pull_remaining(&r->w->store, r->rep.station, skip_site,
                                      b.cursor, &b.remaining, &err);
        if (!rc)
            rc = codec_encode_pull(&b, &out, &outlen, &err);
        batch_release(&b);
        if (!rc && limit > 1 && outlen > lim->max_compressed) {
            free(out);
            out = NULL;
            limit /= 2;
            continue;
        }
        break;
    }
    if (rc)
        return fail_err(conn, r, &err);
    return respond(conn, r, 200, (char *)out, outlen, 1, NULL, NULL);
}

/* ---- GET /v1/conflicts --------------------------------------------------- */

static enum MHD_Result do_conflicts(struct MHD_Connection *conn, struct req *r)
{
    struct sw_err err;
    cJSON *arr = NULL, *ans;
    int64_t since = sw_now_ms() - (int64_t)CONFLICTS_DAYS * 86400 * 1000;
    int64_t schema;
    char why[SW_ERRMSG_MAX];

    if (proto_schema_arg(pull_arg(conn, "schema"), &schema, why, sizeof(why)))
        return fail(conn, r, 400, "bad_request", "conflicts: %s", why);
    memset(&err, 0, sizeof(err));
    if (admin_station_conflicts_json(r->w->db, r->rep.station, since,
                                     CONFLICTS_MAX, &arr, &err))
        return fail_err(conn, r, &err);
    /* only what the station's schema knows (sync/proto.h) */
    proto_conflicts_filter(schema, arr);
    if (!(ans = cJSON_CreateObject()) ||
        !cJSON_AddItemToObject(ans, "conflicts", arr)) {
        cJSON_Delete(ans);
        cJSON_Delete(arr);
        return MHD_NO;
    }
    return respond_json(conn, r, 200, ans, NULL, NULL);
}

/* ---- POST /v1/audit ------------------------------------------------------ */

/*
** A station's request to move a case rides its audit lines (action
** TRANSFER_ASK_ACTION, detail "CASE_ID STATION NOTE": sync/transfer.h):
** kept as a pending request for the console.  One the county cannot take
** (not the station's case, a bad note) stays an audit line only.
*/
static int station_transfer_ask(sdb *db, const char *station, const char *site,
                                int64_t local_id, const char *who, int64_t at,
                                const char *det, struct sw_err *err)
{
    char case_id[SW_UUID_LEN + 1], to[SW_CODE_MAX + 1];
    const char *sp = strchr(det, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
    struct sw_err e2;

    if (!sp || !sp2 || sp - det != SW_UUID_LEN || sp2 - sp - 1 > SW_CODE_MAX)
        return 0;
    memcpy(case_id, det, SW_UUID_LEN);
    case_id[SW_UUID_LEN] = '\0';
    memcpy(to, sp + 1, (size_t)(sp2 - sp - 1));
    to[sp2 - sp - 1] = '\0';
    memset(&e2, 0, sizeof(e2));
    if (admin_transfer_ask(db, station, site, local_id, case_id, to, sp2 + 1,
                           sw_author_valid(who) ? who : NULL, at, &e2) == 0 ||
        e2.code == SW_EUSAGE)
        return 0;
    *err = e2;
    return e2.code;
}

/* One station line into the county audit, once (docs/protocol.md). */
static int station_audit_one(sdb *db, const char *station, const char *site,
                             const cJSON *e, int64_t *id, struct sw_err *err)
{
    const cJSON *jid = cJSON_GetObjectItemCaseSensitive(e, "id");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "at");
    const cJSON *who = cJSON_GetObjectItemCaseSensitive(e, "who");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(e, "action");
    const cJSON *det = cJSON_GetObjectItemCaseSensitive(e, "detail");
    struct audit_src src;
    char action[64], details[AUDIT_DETAILS_MAX + 1];
    int64_t audit_id = 0;
    int seen = 0, rc = 0;

    if (!cJSON_IsNumber(jid) || jid->valuedouble < 1 ||
        jid->valuedouble > 9007199254740991.0 || !cJSON_IsNumber(at) ||
        !cJSON_IsString(who) || !cJSON_IsString(act) ||
        strlen(act->valuestring) > 40 ||
        (det && !cJSON_IsNull(det) && !cJSON_IsString(det)))
        return sw_fail(err, SW_EDATA,
                       "audit: an entry is not {id, at, who, "
                       "action, detail}");
    *id = (int64_t)jid->valuedouble;
    rc = cs_station_audit_seen(db, site, *id, &seen, err);
    if (rc || seen)
        return rc; /* seen: sent before */
    /* who: the replica and its user; where from: the station's replica;
       when: the station's time is in the details (the row's is ours) */
    snprintf(src.actor, sizeof(src.actor), "%s:%s", site, who->valuestring);
    snprintf(src.source, sizeof(src.source), "station %s", site);
    snprintf(action, sizeof(action), "station_%s", act->valuestring);
    snprintf(details, sizeof(details), "at %" PRId64 "; %s",
             (int64_t)at->valuedouble,
             cJSON_IsString(det) ? det->valuestring : "");
    rc = audit_log_id(db, &src, action, NULL, details, &audit_id, err);
    if (!rc && strcmp(act->valuestring, TRANSFER_ASK_ACTION) == 0 &&
        cJSON_IsString(det))
        rc = station_transfer_ask(db, station, site, *id, who->valuestring,
                                  (int64_t)at->valuedouble, det->valuestring,
                                  err);
    if (!rc)
        rc = cs_station_audit_add(db, site, *id, audit_id, err);
    return rc;
}

static enum MHD_Result do_station_audit(struct MHD_Connection *conn,
                                        struct req *r)
{
    sdb *db = r->w->db;
    struct sw_err err;
    cJSON *j, *ans;
    const cJSON *arr, *e;
    int64_t acked = 0, id = 0;
    int rc;

    memset(&err, 0, sizeof(err));
    j = cJSON_ParseWithLength(r->body.buf ? r->body.buf : "", r->body.len);
    arr = j ? cJSON_GetObjectItemCaseSensitive(j, "entries") : NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > AUDIT_MAX_ENTRIES) {
        cJSON_Delete(j);
        return fail(conn, r, 400, "bad_request",
                    "audit: want {\"entries\": [...]}, at most %d",
                    AUDIT_MAX_ENTRIES);
    }
    pthread_mutex_lock(&r->srv->wlock);
    rc = db_begin(db, &err);
    cJSON_ArrayForEach (e, arr) {
        if (rc)
            break;
        rc = station_audit_one(db, r->rep.station, r->rep.site, e, &id, &err);
        if (!rc && id > acked)
            acked = id;
    }
    if (!rc)
        rc = db_commit(db, &err);
    else
        db_rollback(db);
    pthread_mutex_unlock(&r->srv->wlock);
    cJSON_Delete(j);
    if (rc == SW_EDATA)
        return fail(conn, r, 400, "bad_request", "%s", err.msg);
    if (rc)
        return fail_err(conn, r, &err);
    if (!(ans = cJSON_CreateObject()))
        return MHD_NO;
    cJSON_AddNumberToObject(ans, "acked", (double)acked);
    return respond_json(conn, r, 200, ans, NULL, NULL);
}

/* ---- the admin console --------------------------------------------------- */

static const char CSP[] = "default-src 'self'; base-uri 'none'; "
                          "form-action 'self'; frame-ancestors 'none'";

/* ---- the console's logins, on their own thread ----------------------------
 */

static int is_login(const char *url, const char *method)
{
    return strcmp(method, MHD_HTTP_METHOD_POST) == 0 &&
           strcmp(url, "/admin/login") == 0;
}

/*
** Hand a login to the login thread: the connection is suspended until
** its answer is made (r->wr), then resumed, and the access handler is
** called again to send it.  A full queue: 503 at once.
*/
static enum MHD_Result login_enqueue(struct MHD_Connection *conn, struct req *r)
{
    struct http_server *srv = r->srv;
    int full;

    pthread_mutex_lock(&srv->lock);
    full = srv->stopping || srv->lq_n >= LOGIN_QUEUE || !srv->nlogin;
    pthread_mutex_unlock(&srv->lock);
    if (full)
        return fail(conn, r, 503, "busy",
                    "too many logins at once: try again in a few seconds");
    mark_answering(r);
    MHD_suspend_connection(conn);
    pthread_mutex_lock(&srv->lock);
    r->login_queued = 1;
    r->lq_next = NULL;
    if (srv->lq_tail)
        srv->lq_tail->lq_next = r;
    else
        srv->lq_head = r;
    srv->lq_tail = r;
    srv->lq_n++;
    pthread_cond_signal(&srv->lq_cond);
    pthread_mutex_unlock(&srv->lock);
    return MHD_YES;
}

/* The login thread: check one login at a time with its own store
** connection; when stopping, the logins still queued get 503. */
static void *login_main(void *arg)
{
    struct http_server *srv = arg;
    struct worker *w;
    struct sw_err err;
    struct req *r;

    pthread_mutex_lock(&srv->lock);
    for (;;) {
        while (!srv->lq_head && !srv->stopping)
            pthread_cond_wait(&srv->lq_cond, &srv->lock);
        if (!(r = srv->lq_head))
            break;
        srv->lq_head = r->lq_next;
        if (!srv->lq_head)
            srv->lq_tail = NULL;
        srv->lq_n--;
        if (srv->stopping) {
            r->login_failed = 1;
        } else {
            pthread_mutex_unlock(&srv->lock);
            memset(&err, 0, sizeof(err));
            if (worker_get(srv, &w, &err) ||
                web_handle(r->conn, &srv->web, w->db, &w->store,
                           MHD_HTTP_METHOD_POST, "/admin/login", r->body.buf,
                           r->body.len, &r->wr) != 0)
                r->login_failed = 1;
            pthread_mutex_lock(&srv->lock);
        }
        r->login_done = 1;
        /* not under our lock: libmicrohttpd takes its own */
        pthread_mutex_unlock(&srv->lock);
        MHD_resume_connection(r->conn);
        pthread_mutex_lock(&srv->lock);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

static enum MHD_Result do_admin(struct MHD_Connection *conn, struct req *r,
                                const char *url, const char *method)
{
    struct web_resp wr;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (r->login_queued && !r->login_done)
        return MHD_YES; /* resumed by libmicrohttpd itself: not yet */
    if (r->login_done) {
        wr = r->wr;
        memset(&r->wr, 0, sizeof(r->wr));
        if (r->login_failed) {
            web_resp_release(&wr);
            return fail(conn, r, 503, "busy",
                        "cannot check the login now: try again");
        }
    } else if (is_login(url, method)) {
        return login_enqueue(conn, r);
    } else if (web_handle(conn, &r->srv->web, r->w->db, &r->w->store, method,
                          url, r->body.buf, r->body.len, &wr) != 0) {
        web_resp_release(&wr);
        return MHD_NO;
    }
    if (wr.user[0]) {
        snprintf(r->who, sizeof(r->who), "admin:%s", wr.user);
        conn_mark(r, -1, 1);
    }
    if (wr.errcode[0]) {
        snprintf(r->errcode, sizeof(r->errcode), "%s", wr.errcode);
        clean_message(r->errmsg, sizeof(r->errmsg), wr.errmsg);
    }
    resp = MHD_create_response_from_buffer(
        wr.len, wr.body,
        wr.persistent ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        web_resp_release(&wr);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            wr.ctype ? wr.ctype : "text/plain");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            wr.cache ? wr.cache : "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    if (wr.location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, wr.location);
    if (wr.dispo[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                wr.dispo);
    for (int i = 0; i < wr.ncookies; i++)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
                                wr.cookies[i]);
    if (wr.retry_after[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
                                wr.retry_after);
    if (wr.allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, wr.allow);
    add_hsts(r, resp);
    ret = MHD_queue_response(conn, wr.status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        r->responded = 1;
        r->status = wr.status;
        r->bytes_out = wr.len;
        mark_answering(r);
    }
    return ret;
}

/* ---- the access handler -------------------------------------------------- */

static enum route find_route(const char *url, const char *method,
                             int *method_ok)
{
    static const struct {
        const char *path, *method;
        enum route route;
    } routes[] = {
        {"/v1/hello", MHD_HTTP_METHOD_POST, R_HELLO},
        {"/v1/push", MHD_HTTP_METHOD_POST, R_PUSH},
        {"/v1/pull", MHD_HTTP_METHOD_GET, R_PULL},
        {"/v1/conflicts", MHD_HTTP_METHOD_GET, R_CONFLICTS},
        {"/v1/audit", MHD_HTTP_METHOD_POST, R_AUDIT},
        {"/v1/enrol", MHD_HTTP_METHOD_POST, R_ENROL},
    };
    if (strcmp(url, "/admin") == 0 || strncmp(url, "/admin/", 7) == 0) {
        *method_ok = 1; /* the console answers 405 itself */
        return R_ADMIN;
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(url, routes[i].path) == 0) {
            *method_ok = strcmp(method, routes[i].method) == 0;
            return routes[i].route;
        }
    *method_ok = 0;
    return R_NONE;
}

/*
** Ambiguous framing: Content-Length headers that differ, or one beside a
** Transfer-Encoding.  A proxy in front may frame the body one way and
** libmicrohttpd (0.9.75 takes the first Content-Length, and chunked over
** a Content-Length, without a word) the other: request smuggling.
*/
struct framing {
    const char *clen;
    int differ, te;
};

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
    struct framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->clen && strcmp(f->clen, value ? value : "") != 0)
            f->differ = 1;
        f->clen = value ? value : "";
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->te = 1;
    }
    return MHD_YES;
}

static int framing_ambiguous(struct MHD_Connection *conn)
{
    struct framing f = {NULL, 0, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header, &f);
    return f.differ || (f.clen && f.te);
}

/* The first call: route, token, announced size. */
static enum MHD_Result begin(struct MHD_Connection *conn, struct req *r,
                             const char *url, const char *method)
{
    struct http_server *srv = r->srv;
    char tok[AUTH_TOKEN_LEN + 1];
    const char *hdr;
    struct sw_err err;
    int method_ok, found = 0, rc;
    int64_t clen;

    if (framing_ambiguous(conn))
        return fail(conn, r, 400, "bad_request",
                    "ambiguous body length: Content-Length headers that "
                    "differ, or Content-Length with Transfer-Encoding");
    r->route = find_route(url, method, &method_ok);
    if (r->route == R_NONE)
        return fail(conn, r, 404, "not_found", "no route %s", r->path);
    if (!method_ok)
        return fail(
            conn, r, 405, "method_not_allowed", "%s takes %s, not %s", r->path,
            r->route == R_PULL || r->route == R_CONFLICTS ? "GET" : "POST",
            r->method);
    r->max_body = r->route == R_PUSH    ? srv->lim.max_compressed
                  : r->route == R_AUDIT ? AUDIT_MAX_BODY
                                        : HELLO_MAX_BODY;
    if (r->route == R_ADMIN) {
        /* the console's own login; a bearer token does not count here */
        r->max_body = WEB_MAX_BODY;
        memset(&err, 0, sizeof(err));
        if (worker_get(srv, &r->w, &err))
            return fail_err(conn, r, &err);
        hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                          MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (hdr && parse_count(hdr, &clen) == 0 && (uint64_t)clen > r->max_body)
            return fail(conn, r, 413, "too_large",
                        "body of %" PRId64 " bytes is over the bound of %zu",
                        clen, r->max_body);
        return MHD_YES;
    }

    if (r->route == R_ENROL) {
        /* no token yet: the enrolment code is the credential */
        memset(&err, 0, sizeof(err));
        if (worker_get(srv, &r->w, &err))
            return fail_err(conn, r, &err);
        return MHD_YES;
    }

    hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth_from_header(hdr, tok))
        return fail(conn, r, 401, "unauthorized",
                    hdr ? "malformed bearer token"
                        : "no token (Authorization: Bearer TOKEN)");
    memset(&err, 0, sizeof(err));
    rc = worker_get(srv, &r->w, &err);
    if (!rc)
        rc = auth_lookup(r->w->db, tok, &r->rep, &found, &err);
    OPENSSL_cleanse(tok, sizeof(tok));
    if (rc)
        return fail_err(conn, r, &err);
    if (!found)
        return fail(conn, r, 401, "unauthorized", "unknown or revoked token");
    r->authed = 1;
    conn_mark(r, -1, 1);
    if (token_take(r))
        return fail(conn, r, 429, "busy",
                    "too many requests at once with this token");

    if ((r->route == R_PUSH || r->route == R_PULL || r->route == R_CONFLICTS ||
         r->route == R_AUDIT) &&
        !r->rep.site[0])
        return fail(conn, r, 409, "site_mismatch",
                    "this token has no site id yet: send hello first");

    hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (hdr && parse_count(hdr, &clen) == 0 && (uint64_t)clen > r->max_body)
        return fail(conn, r, 413, "too_large",
                    "body of %" PRId64 " bytes is over the bound of %zu", clen,
                    r->max_body);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct req *r = *con_cls;

    if (!r) {
        if (!(r = calloc(1, sizeof(*r))))
            return MHD_NO;
        r->srv = srv;
        r->conn = conn;
        {
            const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
                conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
            r->c = ci ? ci->socket_context : NULL;
        }
        conn_mark(r, C_BODY, 0);
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        clean_copy(r->method, sizeof(r->method), method);
        clean_copy(r->path, sizeof(r->path), url);
        sb_init(&r->body);
        *con_cls = r;
        pthread_mutex_lock(&srv->lock);
        srv->inflight++;
        pthread_mutex_unlock(&srv->lock);
        return begin(conn, r, url, method);
    }

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->bytes_in += n;
        conn_mark(r, C_BODY, 0);
        if (r->responded)
            return MHD_YES;
        if (r->too_big || n > r->max_body - r->body.len) {
            /* MHD takes no answer in the middle of an upload: drop the
            ** body and answer 413 at its end, unless it never ends */
            r->too_big = 1;
            sb_release(&r->body);
            if (r->bytes_in - r->max_body > DISCARD_MAX) {
                snprintf(r->errcode, sizeof(r->errcode), "too_large");
                snprintf(r->errmsg, sizeof(r->errmsg),
                         "body far over the bound of %zu bytes: connection "
                         "dropped",
                         r->max_body);
                return MHD_NO;
            }
            return MHD_YES;
        }
        sb_add(&r->body, upload_data, n);
        if (r->body.oom)
            return MHD_NO;
        return MHD_YES;
    }

    if (r->responded)
        return MHD_YES;
    conn_mark(r, C_BUSY, 0); /* all in: the deadlines no longer apply */
    if (r->too_big)
        return fail(conn, r, 413, "too_large",
                    "body over the bound of %zu bytes", r->max_body);
    switch (r->route) {
    case R_HELLO:
        return do_hello(conn, r);
    case R_PUSH:
        return do_push(conn, r);
    case R_PULL:
        return do_pull(conn, r);
    case R_CONFLICTS:
        return do_conflicts(conn, r);
    case R_AUDIT:
        return do_station_audit(conn, r);
    case R_ADMIN:
        return do_admin(conn, r, url, method);
    case R_ENROL:
        return do_enrol(conn, r);
    default:
        return MHD_NO;
    }
}

/* One line a request: time, station, site, method, route, status, bytes
** in, bytes out, ms.  Never the token. */
static void log_request(const struct req *r,
                        enum MHD_RequestTerminationCode toe)
{
    char line[600], when[40], status[16];
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    if (r->responded)
        snprintf(status, sizeof(status), "%u", r->status);
    else
        snprintf(status, sizeof(status), "-");
    snprintf(line, sizeof(line),
             "%s.%03ldZ %s %s %s %s %s in=%zu out=%zu %" PRId64 "ms%s%s%s%s\n",
             when, ts.tv_nsec / 1000000,
             r->rep.station[0] ? r->rep.station : "-",
             r->rep.site[0] ? r->rep.site
             : r->who[0]    ? r->who
                            : "-",
             r->method, r->path, status, r->bytes_in, r->bytes_out,
             elapsed_ms(&r->t0), r->errcode[0] ? " " : "", r->errcode,
             r->errcode[0] ? ": " : "", r->errmsg);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        size_t n = strlen(line);
        snprintf(line + n - 1, sizeof(line) - n + 1, " (%s)\n",
                 toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN
                     ? "server shutdown"
                 : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                     ? "timeout"
                     : "connection closed");
    }
    fputs(line, stderr);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct req *r = *con_cls;

    if (!r)
        return;
    *con_cls = NULL;
    log_request(r, toe);
    token_give(r);
    conn_mark(r, C_HEAD, 0); /* the next request's deadlines start now */
    sb_release(&r->body);
    web_resp_release(&r->wr);
    pthread_mutex_lock(&srv->lock);
    srv->inflight--;
    if (r->answering)
        srv->answering--;
    pthread_mutex_unlock(&srv->lock);
    free(r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char raw[512], msg[512];
    size_t n;
    vsnprintf(raw, sizeof(raw), fmt, ap);
    n = strlen(raw);
    while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
        raw[--n] = '\0';
    /* a client gone (or a connection we shut down) is in the request's
       own line, or counted by the reaper: not one line more each */
    if (strstr(raw, "closed by remote side") ||
        strstr(raw, "detected connection closure"))
        return;
    clean_message(msg, sizeof(msg), raw);
    fprintf(stderr, "swsync-county: http: %s\n", msg);
}

/* ---- start and stop ------------------------------------------------------ */

static int check_store(struct http_server *srv, struct sw_err *err)
{
    sdb *db = NULL;
    struct store s;
    int rc = db_open(srv->cfg.db_path, SW_ROLE_COUNTY, &db, err);
    if (rc)
        return rc;
    rc = store_open(&s, db, err);
    if (!rc)
        snprintf(srv->county, sizeof(srv->county), "%s", s.county);
    store_close(&s);
    db_close(db);
    return rc;
}

int http_start(const struct http_config *cfg, struct http_server **out,
               struct sw_err *err)
{
    struct http_server *srv;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    int rc;

    *out = NULL;
    if (!(srv = calloc(1, sizeof(*srv))))
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    srv->cfg = *cfg;
    if (!srv->cfg.threads)
        srv->cfg.threads = 4;
    srv->lim = codec_default_limits;
    if (cfg->max_body)
        srv->lim.max_compressed = cfg->max_body;
    if (cfg->max_inflated)
        srv->lim.max_inflated = cfg->max_inflated;
    if (cfg->max_changes)
        srv->lim.max_changes = cfg->max_changes;
    if (pthread_mutex_init(&srv->lock, NULL) != 0) {
        free(srv);
        return sw_fail(err, SW_ESOFTWARE, "cannot make a mutex");
    }
    if (pthread_mutex_init(&srv->wlock, NULL) != 0) {
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return sw_fail(err, SW_ESOFTWARE, "cannot make a mutex");
    }
    if (pthread_cond_init(&srv->stop_cond, NULL) != 0 ||
        pthread_cond_init(&srv->lq_cond, NULL) != 0) {
        /* not destroyed: a failed init leaves nothing to free on Linux */
        pthread_mutex_destroy(&srv->lock);
        pthread_mutex_destroy(&srv->wlock);
        free(srv);
        return sw_fail(err, SW_ESOFTWARE, "cannot make a condition");
    }
    rc = check_store(srv, err);
    if (rc) {
        http_stop(srv, 0);
        return rc;
    }
    srv->web.tls = cfg->tls_cert != NULL || cfg->secure_cookies;
    srv->web.wlock = &srv->wlock;
    srv->web.lim.idle_ms = cfg->session_idle_ms;
    srv->web.lim.max_ms = cfg->session_max_ms;
    snprintf(srv->web.county, sizeof(srv->web.county), "%s", srv->county);
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls_cert)
        flags |= MHD_USE_TLS;

    if (cfg->tls_cert)
        srv->d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
            mhd_log, srv, MHD_OPTION_SOCK_ADDR,
            (const struct sockaddr *)&srv->cfg.addr,
            MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads,
            MHD_OPTION_NOTIFY_COMPLETED, on_done, srv,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_IDLE_S,
            MHD_OPTION_CONNECTION_LIMIT, cfg_max_conns(srv),
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
            MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert, MHD_OPTION_HTTPS_MEM_KEY,
            cfg->tls_key, MHD_OPTION_END);
    else
        srv->d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
            mhd_log, srv, MHD_OPTION_SOCK_ADDR,
            (const struct sockaddr *)&srv->cfg.addr,
            MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads,
            MHD_OPTION_NOTIFY_COMPLETED, on_done, srv,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_IDLE_S,
            MHD_OPTION_CONNECTION_LIMIT, cfg_max_conns(srv),
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
    if (!srv->d) {
        http_stop(srv, 0);
        return sw_fail(err, SW_ECONFIG,
                       "cannot serve there (address in use or not ours, "
                       "or bad TLS certificate or key)");
    }
    if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0) {
        http_stop(srv, 0);
        return sw_fail(err, SW_ESOFTWARE, "cannot start a thread");
    }
    srv->reaper_ok = 1;
    for (int i = 0; i < LOGIN_THREADS; i++) {
        if (pthread_create(&srv->login[i], NULL, login_main, srv) != 0) {
            http_stop(srv, 0);
            return sw_fail(err, SW_ESOFTWARE, "cannot start a thread");
        }
        srv->nlogin++;
    }
    *out = srv;
    return 0;
}

unsigned http_port(const struct http_server *srv)
{
    const union MHD_DaemonInfo *info =
        srv && srv->d ? MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT)
                      : NULL;
    return info ? info->port : 0;
}

void http_stop(struct http_server *srv, int wait_ms)
{
    struct worker *w, *next;

    if (!srv)
        return;
    if (srv->d) {
        MHD_socket fd = MHD_quiesce_daemon(srv->d);
        /* the login thread answers what it holds (the rest: 503), the
           reaper stops */
        pthread_mutex_lock(&srv->lock);
        srv->stopping = 1;
        pthread_cond_broadcast(&srv->lq_cond);
        pthread_cond_broadcast(&srv->stop_cond);
        pthread_mutex_unlock(&srv->lock);
        for (int i = 0; i < srv->nlogin; i++)
            pthread_join(srv->login[i], NULL);
        if (srv->reaper_ok)
            pthread_join(srv->reaper, NULL);
        /* let the answers being made or sent finish, and the requests
           whose bodies are still arriving; one whose bytes stopped coming
           (half sent, its client gone) is not waited for */
        for (int waited = 0; waited < wait_ms; waited += 20) {
            struct timespec ts = {0, 20 * 1000000L};
            int64_t now = mono_ms();
            int n;
            pthread_mutex_lock(&srv->lock);
            n = srv->answering;
            for (struct conn *c = srv->conns; c; c = c->next)
                if (!c->evicted &&
                    (c->state == C_BUSY ||
                     (c->state == C_BODY && now - c->last_rx < STALL_MS)))
                    n++; /* being answered, or still arriving */
            pthread_mutex_unlock(&srv->lock);
            if (n == 0)
                break;
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(srv->d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    for (w = srv->workers; w; w = next) {
        next = w->next;
        worker_free(w);
    }
    while (srv->tokens) {
        struct token_use *t = srv->tokens;
        srv->tokens = t->next;
        free(t);
    }
    pthread_cond_destroy(&srv->stop_cond);
    pthread_cond_destroy(&srv->lq_cond);
    pthread_mutex_destroy(&srv->lock);
    pthread_mutex_destroy(&srv->wlock);
    free(srv);
}
