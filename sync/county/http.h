/*
** http.h — the county's protocol v1 server (docs/protocol.md) on
** libmicrohttpd: POST /v1/hello, POST /v1/push, GET /v1/pull, GET
** /v1/conflicts; and the admin console under /admin/ (web.h).
**
** A pool of worker threads serves the requests; each worker opens its
** own connection to the county store the first time it needs one (WAL:
** readers do not wait; writers wait on busy_timeout, and a write that
** still finds the store busy gets 503 with Retry-After).  One line a
** request is logged to stderr; tokens never are.
**
** Slow and hostile clients (docs/design-notes.md, "Connections"): a
** request's headers must be in within header_timeout_s of its start (the
** connection's accept, or the end of the previous answer on it), the
** whole request within request_timeout_s, whatever trickles in; a
** connection past its deadline is shut down by a reaper thread.  When
** more than max_conns - reserved connections have not yet shown a valid
** token or session, or more than per_ip_limit of them come from one
** address, the oldest such connection (older than a grace period) is
** closed to make room: a station that sends its request at once gets in.
** Requests at once with one token are bounded by per_token_limit (429),
** not by address, so that many stations behind one NAT address work.
** Password checks (the console's login) run on their own thread, a few
** queued at most (503 past that), never on the workers that serve sync.
*/
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sw.h"

struct http_config {
    const char *db_path; /* the county store; must stay valid while served */
    struct sockaddr_storage addr; /* where to listen (IPv4 or IPv6) */
    socklen_t addrlen;
    const char *tls_cert;       /* PEM text (not a file name), or NULL: plain */
    const char *tls_key;        /* PEM text of the unencrypted key */
    int64_t max_drift_ms;       /* versions further ahead are clamped */
    unsigned threads;           /* worker threads (0: 4) */
    unsigned per_ip_limit;      /* unauthenticated connections from one
                                   address past the grace period (0: any) */
    unsigned per_token_limit;   /* requests at once with one token (0: 4) */
    unsigned max_conns;         /* connections at once (0: 512) */
    unsigned reserved;          /* of max_conns, kept for authenticated
                                   connections (0: max_conns / 8) */
    unsigned header_timeout_s;  /* a request's headers (0: 30 s) */
    unsigned request_timeout_s; /* a whole request, body too (0: 300 s) */
    size_t max_body;            /* bytes of a push body, deflated (0: 4 MiB) */
    size_t max_inflated;        /* bytes of a push body inflated (0: 32 MiB) */
    size_t max_changes;         /* changes in one push (0: 50 000) */
    int64_t session_idle_ms; /* admin console: idle session ends (0: 30 min) */
    int64_t session_max_ms;  /* admin console: any session ends (0: 8 h) */
    int secure_cookies;      /* cookies Secure without TLS here (a proxy does
                                it); with tls_cert they always are */
};

struct http_server;

/*
** Check the store, then start listening and serving.  The PEM strings
** must stay valid until http_stop().  *out is freed by http_stop().
** Returns 0, SW_ECONFIG (cannot listen there, bad TLS material, store
** without a county code) or another code from sw.h.
*/
int http_start(const struct http_config *cfg, struct http_server **out,
               struct sw_err *err);

/* The port actually listened on (port 0 in the config: a free one). */
unsigned http_port(const struct http_server *srv);

/*
** Stop accepting connections, let the requests in flight finish (at
** most wait_ms), stop the workers, close their database connections
** and free srv.  NULL is fine.
*/
void http_stop(struct http_server *srv, int wait_ms);

/* The SQL statements of the station's sync routes (hello, push, pull,
** conflicts, audit) run by this file, NULL-terminated: tests/test-plans.c
** checks their query plans.  Its conflicts mark: */
const char *const *http_sync_sql(void);
extern const char HTTP_SQL_CONFLICTS_MARK[];

#endif
