/*
** web.h — the county admin console: HTML pages and a small JSON API under
** /admin/, served by `swsync-county serve` beside protocol v1 (http.c
** reads the request and hands it here; this module decides the answer).
**
** Pages (server-rendered, they work without JavaScript): /admin/login,
** /admin/ and /admin/stations, /admin/conflicts[/ID], /admin/records
** [/TABLE/ID], /admin/audit; POST /admin/logout, /admin/stations/add,
** /admin/stations/token, /admin/stations/code (a one-time enrolment
** code, with its command as a QR code), /admin/stations/revoke,
** /admin/conflicts/ID/resolve, /admin/records/TABLE/ID/set.  JSON:
** /admin/api/session, /admin/api/stations, /admin/api/conflicts[/ID],
** POST /admin/api/conflicts/ID/resolve, /admin/api/audit,
** /admin/api/cases.  Assets:
** /admin/static/style.css, /admin/static/admin.js (embedded at build
** time from sync/county/web/).
**
** Security: a session cookie (HttpOnly, SameSite=Strict, Path=/admin/,
** Secure under TLS; see account.h); a page without a session redirects
** (303) to the login page, an API call gets 401.  Every POST needs the
** session's CSRF token (form field "csrf" or header X-CSRF-Token) and,
** when the browser sends Origin or Referer, this server's host and port:
** else 403.  Every value put into HTML is escaped.  The headers (CSP,
** X-Frame-Options, ...) are added by http.c.
*/
#ifndef SW_WEB_H
#define SW_WEB_H

#include "sdb.h"
#include <microhttpd.h>
#include <pthread.h>

#include "account.h"
#include "change.h"
#include "store.h"

#define WEB_MAX_BODY (64 * 1024)

struct web_config {
    int tls;                      /* serving HTTPS: cookies are Secure */
    struct acct_limits lim;       /* session lifetimes */
    char county[SW_SITE_MAX + 1]; /* the county's code (its site id) */
    /* the server's writer lock, which station writes take too: held
       around each write of the console (NULL: none) */
    pthread_mutex_t *wlock;
};

/* The answer web_handle() decides; http.c sends it. */
struct web_resp {
    unsigned status;
    const char *ctype; /* Content-Type */
    const char *cache; /* Cache-Control */
    char *body;        /* malloc'd, or static data if persistent */
    size_t len;
    int persistent; /* body is static: not to be freed */
    char location[1024];
    char dispo[128]; /* Content-Disposition, when not empty */
    char cookies[2][256];
    int ncookies;
    char retry_after[24];
    const char *allow; /* for 405 */
    char user[ACCT_NAME_MAX + 1];
    char errcode[24];
    char errmsg[200];
};

/*
** Decide the answer to one request under /admin: method, url (the path,
** as libmicrohttpd gives it), the body (len bytes, may be NULL), a
** database connection and a store open on it.  Returns 0 with *out
** filled, or -1 when memory ran out (drop the connection).
*/
int web_handle(struct MHD_Connection *conn, const struct web_config *cfg,
               sdb *db, struct store *s, const char *method, const char *url,
               const char *body, size_t len, struct web_resp *out);

/* Free what web_handle() allocated.  NULL is fine. */
void web_resp_release(struct web_resp *r);

#endif
