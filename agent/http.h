/*
** http.h — the station agent's HTTP client for protocol v1
** (docs/protocol.md), on libcurl's easy interface.
**
** One struct http per sync: it keeps one curl handle, so the hello, the
** pushes and the pulls reuse one connection (one TLS handshake on a slow
** link).  Every request carries "Authorization: Bearer TOKEN"; the token
** is never logged, never put in an error message, and wiped from memory
** when the client is closed.
**
** Timing: a connect timeout and a low-speed limit (less than 1 byte/s for
** timeout seconds aborts), never a total timeout: a slow link finishes,
** a dead one fails.  Answers are read raw: curl is never asked to decode
** a Content-Encoding, and an answer longer than max_body is cut off
** (SW_ETOOBIG) while it arrives, before it is all in memory.
**
** Only a whole answer is an answer: one whose connection was cut inside
** its headers (curl takes what came as the answer) or whose body is short
** of its Content-Length is a cut connection (SW_ETEMP), never judged as a
** malformed answer.
**
** A transport failure (refused, DNS, timeout, cut, TLS) is an error
** (SW_ETEMP, or SW_ECONFIG for an unusable local CA file or URL).  Any
** HTTP answer, 200 or not, is a success of http_post/http_get: the caller
** looks at res->status and turns a non-200 into an error with
** http_answer_fail().
*/
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sw.h"

/* Default connect timeout / low-speed time, seconds. */
#define HTTP_DEFAULT_TIMEOUT 30

struct http;

struct http_opts {
    const char *server; /* base URL: http(s)://host[:port][/prefix] */
    const char *token;  /* bearer token (copied; wiped on close) */
    const char *cacert; /* CA file to trust; NULL: the system's */
    long timeout_s;     /* connect timeout and low-speed time; 0: default */
    size_t max_body;    /* longest answer body accepted, bytes */
};

struct http_resp {
    long status;         /* HTTP status code */
    unsigned char *body; /* malloc'd, NUL-terminated (not in len); or NULL */
    size_t len;
    int deflated;     /* Content-Encoding: deflate */
    int encoded;      /* some other Content-Encoding than identity */
    long retry_after; /* Retry-After seconds, -1 when absent */
    int64_t sent_ms;  /* wall clock: request sent */
    int64_t recv_ms;  /* wall clock: first byte of the answer */
};

/*
** Make a client.  Returns 0, SW_ECONFIG (bad URL), or SW_ESOFTWARE.  *out
** is freed with http_close() (also after a failure: *out is then NULL).
** curl_global_init must have been called.
*/
int http_open(struct http **out, const struct http_opts *o, struct sw_err *err);

/* Free the client, wiping the token.  NULL is fine. */
void http_close(struct http *h);

/* Change the longest answer accepted (after the hello gave the limit). */
void http_set_max_body(struct http *h, size_t max_body);

/*
** POST body (len bytes) to server + path with the given Content-Type, and
** "Content-Encoding: deflate" when deflated.  res is filled (release it
** with http_resp_release(), also on failure).  what names the step in
** error messages ("push").
*/
int http_post(struct http *h, const char *what, const char *path,
              const char *ctype, int deflated, const void *body, size_t len,
              struct http_resp *res, struct sw_err *err);

/* GET server + path (path may carry a query). */
int http_get(struct http *h, const char *what, const char *path,
             struct http_resp *res, struct sw_err *err);

void http_resp_release(struct http_resp *res); /* NULL is fine */

/*
** The exit code (sw.h) for an HTTP answer: status and the "error" CODE of
** its JSON body (NULL if none), per the table in docs/protocol.md.  200
** gives 0.  413 gives SW_ETOOBIG (the caller halves its batch first).
** Pure function.
*/
int http_status_exit(long status, const char *code);

/*
** The exit code for a libcurl failure (a CURLcode, as int): SW_ECONFIG for
** what only the local configuration can fix (unsupported scheme, bad URL,
** unreadable CA file), SW_ETEMP for everything else.  Pure function.
*/
int http_curl_exit(int curlcode);

/*
** Turn a non-200 answer into an error: reads {"error", "message"} from
** the body (if it is that JSON), and fills err with one line:
**   "push: county answered 401 unauthorized: token revoked (...hint)".
** The server's text is cleaned of control characters and shortened.
** Returns http_status_exit().
*/
int http_answer_fail(const struct http_resp *res, const char *what,
                     struct sw_err *err);

/*
** Copy server-supplied text into out[n] for printing: control characters
** (C0, DEL, C1) and invalid UTF-8 become '?', at most n - 1 bytes, not
** cutting a UTF-8 sequence.  Pure function.
*/
void http_clean_text(const char *in, size_t inlen, char *out, size_t n);

#endif
