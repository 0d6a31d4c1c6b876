/*
** fuzz-form.c — a request to the admin console as web_handle() decides
** it (sync/county/web.c, included: its form and query decoding are
** static there): the query string, the form body
** (application/x-www-form-urlencoded), and every page or API call they
** reach, for a logged-in admin on a county store.
**
** Input: "METHOD PATH[?QUERY]\n" then the body.  libmicrohttpd is
** replaced by the three calls web.c makes: the query is split and
** unescaped here as libmicrohttpd does it; the session cookie, the CSRF
** header, Host and Content-Type are those of a real browser's request.
** POST /admin/login is left out (the password hash of an unknown name
** takes 600 000 rounds: one input a second).  The store goes back to its
** first state after each input.
*/
#include "../../sync/county/web.c"

#include "fixture.h"

#define ARGS_MAX 64

static struct fixture F;
static struct store S;
static struct web_config cfg;
static char session[ACCT_COOKIE_LEN + 1], csrf[ACCT_CSRF_LEN + 1];
static struct {
    char *k, *v;
} args[ARGS_MAX];
static int nargs, post;

/* ---- libmicrohttpd, replaced ------------------------------------------ */

const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
                                        enum MHD_ValueKind kind,
                                        const char *key)
{
    (void)connection;
    if (kind == MHD_GET_ARGUMENT_KIND) {
        for (int i = 0; i < nargs; i++)
            if (strcmp(args[i].k, key) == 0)
                return args[i].v;
    } else if (kind == MHD_COOKIE_KIND) {
        if (strcmp(key, SESSION_COOKIE) == 0)
            return session;
    } else if (kind == MHD_HEADER_KIND) {
        if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
            return "127.0.0.1:8443";
        if (strcasecmp(key, "X-CSRF-Token") == 0)
            return csrf;
        if (post && strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0)
            return "application/x-www-form-urlencoded";
    }
    return NULL;
}

int MHD_get_connection_values(struct MHD_Connection *connection,
                              enum MHD_ValueKind kind,
                              MHD_KeyValueIterator iterator, void *iterator_cls)
{
    int n = 0;
    (void)connection;
    if (kind != MHD_GET_ARGUMENT_KIND)
        return 0;
    for (int i = 0; i < nargs; i++, n++)
        if (iterator &&
            iterator(iterator_cls, kind, args[i].k, args[i].v) != MHD_YES)
            return n + 1;
    return n;
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection,
                        enum MHD_ConnectionInfoType info_type, ...)
{
    static struct sockaddr_in sin;
    static union MHD_ConnectionInfo ci;
    (void)connection;
    if (info_type != MHD_CONNECTION_INFO_CLIENT_ADDRESS)
        return NULL;
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    ci.client_addr = (struct sockaddr *)&sin;
    return &ci;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* libmicrohttpd's unescaping: %XX; a bad escape stays as it is */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        int hi, lo;
        if (*s == '%' && (hi = hexv(s[1])) >= 0 && (lo = hexv(s[2])) >= 0) {
            *o++ = (char)(hi << 4 | lo);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* Split a query as libmicrohttpd does: & between arguments, = before a
** value, + a space, then unescaped. */
static void parse_query(char *q)
{
    char *save = NULL, *tok;
    nargs = 0;
    for (tok = strtok_r(q, "&", &save); tok && nargs < ARGS_MAX;
         tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        for (char *p = tok; *p; p++)
            if (*p == '+')
                *p = ' ';
        if (eq)
            *eq++ = '\0';
        unescape(tok);
        if (eq)
            unescape(eq);
        args[nargs].k = tok;
        args[nargs].v = eq ? eq : NULL;
        nargs++;
    }
}

/* ---- the target -----------------------------------------------------------
 */

static void setup(void)
{
    struct sw_err err;
    enum acct_outcome outcome;
    int64_t retry;

    memset(&err, 0, sizeof(err));
    fixture_open(&F, SW_ROLE_COUNTY);
    if (store_open(&S, F.db, &err) ||
        store_add_site(&S, "A01", "A01-fuzz", &err))
        fixture_die("county store", &err);
    /* an admin with a cheap hash (the stored form carries its rounds) */
    if (db_exec(F.db,
                "INSERT INTO admins (name, pw_hash, created_at, created_by) "
                "VALUES ('fuzz', 'pbkdf2-sha256$1000$"
                "00000000000000000000000000000000$910eb444e872ae90b1fa5484ef69"
                "64938d2365ed3377e146da6ff4ac8a08d8d1', 0, 'fuzz')",
                &err))
        fixture_die("admin", &err);
    cfg.lim.idle_ms = INT64_C(30) * 86400 * 1000; /* a long fuzz run */
    cfg.lim.max_ms = INT64_C(30) * 86400 * 1000;
    snprintf(cfg.county, sizeof(cfg.county), "C01");
    if (acct_login(F.db, "fuzz", "fuzz", "127.0.0.1", &cfg.lim, NULL, &outcome,
                   session, &retry, &err) ||
        outcome != ACCT_OK)
        fixture_die("login", &err);
    acct_csrf(session, csrf);
    fixture_snapshot(&F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    char *line, *sp, *q, *url;
    struct web_resp out;
    size_t llen;

    if (!F.db)
        setup();
    if (!nl)
        return 0;
    llen = (size_t)(nl - data);
    if (!(line = malloc(llen + 1)))
        abort();
    memcpy(line, data, llen);
    line[llen] = '\0';
    sp = strchr(line, ' ');
    if (!sp || memchr(line, '\0', llen) ||
        (strncmp(sp + 1, "/admin", 6) != 0)) {
        free(line);
        return 0; /* http.c routes only /admin... here */
    }
    *sp = '\0';
    url = sp + 1;
    post = strcmp(line, "POST") == 0;
    if (post && strncmp(url, "/admin/login", 12) == 0) {
        free(line);
        return 0;
    }
    q = strchr(url, '?');
    nargs = 0;
    if (q) {
        *q++ = '\0';
        parse_query(q);
    }
    unescape(url);
    memset(&out, 0, sizeof(out));
    if (web_handle(NULL, &cfg, F.db, &S, line, url, (const char *)nl + 1,
                   size - llen - 1, &out) == 0) {
        /* an answer is whole: a status, a body for it */
        if (out.status < 200 || out.status > 599 || (!out.body && out.len))
            abort();
    }
    web_resp_release(&out);
    free(line);
    fixture_reset(&F);
    return 0;
}
