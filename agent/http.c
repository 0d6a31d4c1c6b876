/*
** http.c — the agent's HTTP client on libcurl's easy interface: see
** http.h.  Nothing here prints; errors go into struct sw_err.
*/
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "codec.h"
#include "http.h"

/* An error body is read in full only up to this (after inflating). */
#define HTTP_ERROR_BODY_MAX (64u << 10)
/* Server text quoted in one error line. */
#define HTTP_QUOTE_MAX 200

struct http {
    CURL *curl;
    char *base;   /* server URL without trailing '/' */
    char *auth;   /* "Authorization: Bearer TOKEN": wiped on close */
    char *cacert; /* or NULL */
    long timeout_s;
    size_t max_body;
    char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks of one transfer fill. */
struct xfer {
    struct sw_buf sb;
    size_t max;
    int over; /* the body passed max: aborted */
    struct http_resp *res;
    int hdr_done;   /* the answer's header block ended (empty line) */
    long long clen; /* its Content-Length, -1 when absent */
};

static void wipe(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
}

static void wipe_free(char *s)
{
    wipe(s);
    free(s);
}

int http_open(struct http **out, const struct http_opts *o, struct sw_err *err)
{
    struct http *h;
    struct sw_buf sb;
    size_t n;

    *out = NULL;
    if (!o->server || (strncmp(o->server, "http://", 7) != 0 &&
                       strncmp(o->server, "https://", 8) != 0))
        return sw_fail(err, SW_ECONFIG,
                       _("server '%s': not an http:// or https:// URL"),
                       o->server ? o->server : "");
    h = calloc(1, sizeof(*h));
    if (!h)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    h->timeout_s = o->timeout_s > 0 ? o->timeout_s : HTTP_DEFAULT_TIMEOUT;
    h->max_body = o->max_body;
    h->base = sw_strdup(o->server);
    sb_init(&sb);
    sb_adds(&sb, "Authorization: Bearer ");
    sb_adds(&sb, o->token ? o->token : "");
    if (sb.oom) {
        /* the token may be partly in there */
        if (sb.buf)
            explicit_bzero(sb.buf, sb.cap);
        sb_release(&sb);
    } else {
        h->auth = sb_detach(&sb, NULL);
    }
    if (o->cacert)
        h->cacert = sw_strdup(o->cacert);
    h->curl = curl_easy_init();
    if (!h->base || !h->auth || (o->cacert && !h->cacert) || !h->curl) {
        http_close(h);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    n = strlen(h->base);
    while (n > 0 && h->base[n - 1] == '/')
        h->base[--n] = '\0';
    *out = h;
    return 0;
}

void http_close(struct http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    wipe_free(h->auth);
    free(h->base);
    free(h->cacert);
    free(h);
}

void http_set_max_body(struct http *h, size_t max_body)
{
    h->max_body = max_body;
}

void http_resp_release(struct http_resp *res)
{
    if (!res)
        return;
    free(res->body);
    memset(res, 0, sizeof(*res));
    res->retry_after = -1;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;

    if (n > x->max - x->sb.len) {
        x->over = 1;
        return 0; /* abort the transfer: CURLE_WRITE_ERROR */
    }
    sb_add(&x->sb, p, n);
    return x->sb.oom ? 0 : n;
}

/* Trimmed value of header line "Name: value" if its name is name. */
static int header_value(const char *line, size_t len, const char *name,
                        char *out, size_t outn)
{
    size_t nl = strlen(name), i, j;

    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return 0;
    i = nl + 1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    j = len;
    while (j > i && isspace((unsigned char)line[j - 1]))
        j--;
    if (j - i >= outn)
        j = i + outn - 1;
    memcpy(out, line + i, j - i);
    out[j - i] = '\0';
    return 1;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    char v[64];

    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* a new answer (after a 1xx): forget the headers before */
        x->res->deflated = x->res->encoded = 0;
        x->res->retry_after = -1;
        x->hdr_done = 0;
        x->clen = -1;
    } else if ((n == 2 && p[0] == '\r' && p[1] == '\n') ||
               (n == 1 && p[0] == '\n')) {
        x->hdr_done = 1; /* the end of this answer's headers */
    } else if (header_value(p, n, "Content-Length", v, sizeof(v))) {
        char *end;
        long long cl = strtoll(v, &end, 10);
        x->clen = end != v && *end == '\0' && cl >= 0 ? cl : -1;
    } else if (header_value(p, n, "Content-Encoding", v, sizeof(v))) {
        if (strcasecmp(v, "deflate") == 0)
            x->res->deflated = 1;
        else if (*v && strcasecmp(v, "identity") != 0)
            x->res->encoded = 1;
    } else if (header_value(p, n, "Retry-After", v, sizeof(v))) {
        char *end;
        long s = strtol(v, &end, 10);
        if (end != v && *end == '\0' && s >= 0)
            x->res->retry_after = s;
    }
    return n;
}

/* Free a header list after wiping its strings (one holds the token). */
static void free_headers(struct curl_slist *l)
{
    for (struct curl_slist *i = l; i; i = i->next)
        wipe(i->data);
    curl_slist_free_all(l);
}

static int add_header(struct curl_slist **l, const char *s)
{
    struct curl_slist *n = curl_slist_append(*l, s);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

static const char *curl_what(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return _("cannot resolve the county server's name");
    case CURLE_COULDNT_CONNECT:
        return _("cannot connect to the county server");
    case CURLE_OPERATION_TIMEDOUT:
        return _("the county server did not answer in time");
    case CURLE_PEER_FAILED_VERIFICATION:
        return _("the county server's TLS certificate is not trusted "
                 "(wrong server, or set cacert)");
    case CURLE_SSL_CACERT_BADFILE:
        return _("cannot use the CA certificate file (cacert)");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return _("bad server URL");
    default:
        return _("connection to the county server failed");
    }
}

int http_curl_exit(int curlcode)
{
    switch ((CURLcode)curlcode) {
    case CURLE_OK:
        return 0;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    /* an untrusted certificate does not fix itself: set cacert, or the
    ** URL names the wrong server */
    case CURLE_PEER_FAILED_VERIFICATION:
        return SW_ECONFIG;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_BAD_FUNCTION_ARGUMENT:
        return SW_ESOFTWARE;
    default:
        /* refused, DNS, timeout, cut, TLS handshake, untrusted peer... */
        return SW_ETEMP;
    }
}

static void set_common(struct http *h, struct xfer *x)
{
    CURL *c = h->curl;

    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "swsync/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->timeout_s);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
    /* the raw body: we inflate it ourselves, within our own bound */
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
}

/* Run the transfer set up on h->curl; fills res. */
static int perform(struct http *h, const char *what, const char *path,
                   struct curl_slist *hdrs, struct http_resp *res,
                   struct sw_err *err)
{
    struct xfer x;
    struct sw_buf url;
    curl_off_t pre = 0, start = 0;
    int64_t t0;
    CURLcode cc;
    int rc = 0;

    memset(res, 0, sizeof(*res));
    res->retry_after = -1;
    sb_init(&x.sb);
    x.max = h->max_body;
    x.over = 0;
    x.res = res;
    x.hdr_done = 0;
    x.clen = -1;
    sb_init(&url);
    sb_adds(&url, h->base);
    sb_adds(&url, path);
    if (url.oom) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    set_common(h, &x);
    curl_easy_setopt(h->curl, CURLOPT_URL, url.buf);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
    h->errbuf[0] = '\0';
    t0 = sw_now_ms();
    cc = curl_easy_perform(h->curl);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    if (cc != CURLE_OK) {
        if (x.over)
            rc = sw_fail(err, SW_ETOOBIG,
                         _("%s: the county's answer is over %zu bytes"), what,
                         h->max_body);
        else if (x.sb.oom)
            rc = sw_fail(err, SW_ESOFTWARE, _("%s: out of memory"), what);
        else if (cc == CURLE_SSL_CONNECT_ERROR &&
                 strstr(h->errbuf, "wrong version number"))
            /* a plain-HTTP server answered the TLS handshake: set-up */
            rc = sw_fail(err, SW_ECONFIG,
                         _("%s: the county server does not speak https on this "
                           "port: use an http:// URL, or the port it serves "
                           "https on (%s)"),
                         what, h->errbuf);
        else if (cc == CURLE_GOT_NOTHING && strncmp(h->base, "http:", 5) == 0)
            /* a TLS server says nothing to plain HTTP; so does a cut link:
            ** still 75, with the likely fix */
            rc = sw_fail(err, SW_ETEMP,
                         _("%s: %s: %s (if the county serves https on this "
                           "port, use an https:// URL)"),
                         what, curl_what(cc),
                         h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
        else
            rc = sw_fail(err, http_curl_exit((int)cc), "%s: %s: %s", what,
                         curl_what(cc),
                         h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
        goto out;
    }
    /* only a whole answer may be judged: a connection cut inside the
       headers (curl takes what came as the answer), or a body short of
       its Content-Length, is a cut connection like any other */
    if (!x.hdr_done || (x.clen >= 0 && (long long)x.sb.len != x.clen)) {
        rc = sw_fail(err, SW_ETEMP,
                     _("%s: connection to the county server failed: the "
                       "answer was cut short"),
                     what);
        goto out;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &res->status);
    /* the request went out after connecting (and the TLS handshake); the
    ** answer began at the first byte: the server's clock was read between
    ** the two, which makes the offset estimate tighter than t0..now */
    curl_easy_getinfo(h->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(h->curl, CURLINFO_STARTTRANSFER_TIME_T, &start);
    res->sent_ms = t0 + (int64_t)(pre / 1000);
    res->recv_ms = t0 + (int64_t)(start / 1000);
    if (res->recv_ms < res->sent_ms)
        res->recv_ms = sw_now_ms();
    res->body = (unsigned char *)sb_detach(&x.sb, &res->len);
    if (!res->body)
        rc = sw_fail(err, SW_ESOFTWARE, _("%s: out of memory"), what);
out:
    sb_release(&x.sb);
    sb_release(&url);
    return rc;
}

/* The headers every request carries, plus extra (NULL-terminated). */
static struct curl_slist *headers(struct http *h, const char *const *extra)
{
    struct curl_slist *l = NULL;
    int bad = add_header(&l, h->auth) || add_header(&l, "Expect:");
    for (; !bad && extra && *extra; extra++)
        bad = add_header(&l, *extra);
    if (bad) {
        free_headers(l);
        return NULL;
    }
    return l;
}

int http_post(struct http *h, const char *what, const char *path,
              const char *ctype, int deflated, const void *body, size_t len,
              struct http_resp *res, struct sw_err *err)
{
    char ct[128];
    const char *extra[] = {ct, deflated ? "Content-Encoding: deflate" : NULL,
                           NULL};
    struct curl_slist *l;
    int rc;

    memset(res, 0, sizeof(*res));
    res->retry_after = -1;
    snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
    l = headers(h, extra);
    if (!l)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    rc = perform(h, what, path, l, res, err);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    free_headers(l);
    return rc;
}

int http_get(struct http *h, const char *what, const char *path,
             struct http_resp *res, struct sw_err *err)
{
    const char *extra[] = {"Accept-Encoding: deflate", NULL};
    struct curl_slist *l;
    int rc;

    memset(res, 0, sizeof(*res));
    res->retry_after = -1;
    l = headers(h, extra);
    if (!l)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
    rc = perform(h, what, path, l, res, err);
    free_headers(l);
    return rc;
}

int http_status_exit(long status, const char *code)
{
    if (status == 200)
        return 0;
    switch (status) {
    case 400:
        return SW_EDATA;
    case 401:
    case 403:
        return SW_EPERM;
    case 409:
        return code && strcmp(code, "site_mismatch") == 0 ? SW_EPERM
                                                          : SW_EUNAVAIL;
    case 413:
        return SW_ETOOBIG;
    case 408:
    case 429:
        return SW_ETEMP;
    default:
        break;
    }
    if (status >= 500 && status <= 599)
        return SW_ETEMP;
    /* 404, 405, redirects, other 4xx, odd 1xx/2xx: not a server we speak
    ** with */
    return SW_EUNAVAIL;
}

void http_clean_text(const char *in, size_t inlen, char *out, size_t n)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0;

    if (n == 0)
        return;
    while (i < inlen && s[i] && o + 1 < n) {
        unsigned char c = s[i];
        size_t k = 0; /* bytes of a valid UTF-8 sequence at s[i] */
        uint32_t cp = 0;

        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            k = 2, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0)
            k = 3, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0)
            k = 4, cp = c & 0x07;
        for (size_t j = 1; k && j < k; j++) {
            if (i + j >= inlen || (s[i + j] & 0xc0) != 0x80)
                k = 0;
            else
                cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (k == 2 && cp >= 0x80 && cp < 0xa0) {
            out[o++] = '?'; /* a C1 control such as CSI: one '?' */
            i += 2;
            continue;
        }
        if (k && ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) ||
                  (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
                  (cp >= 0xd800 && cp <= 0xdfff)))
            k = 0; /* overlong, out of range, surrogate */
        if (k == 0) {
            out[o++] = '?';
            i++;
            continue;
        }
        if (o + k >= n)
            break; /* do not cut a character */
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    out[o] = '\0';
}

static const char *hint(long status, const char *code, long retry_after,
                        char *buf, size_t n)
{
    switch (status) {
    case 400:
        return _("the county could not read what this agent sent");
    case 401:
        return _("the county does not accept this replica's token (wrong "
                 "or revoked): ask the county for a new one");
    case 403:
        return _("the county refused a change outside this station's scope");
    case 404:
    case 405:
    case 415:
        return _("not a swsync county server at this URL: give the server's "
                 "address with no path (e.g. https://county.example:8443), "
                 "see swsync config");
    case 409:
        if (code && strcmp(code, "site_mismatch") == 0)
            return _("the token belongs to another replica; a re-created "
                     "replica needs a new token");
        return _("swsync and the county server speak different versions: "
                 "upgrade");
    case 413:
        return _("too large for the county");
    case 429:
    case 503:
        if (retry_after >= 0) {
            snprintf(buf, n, _("the county is busy: try again in %ld s"),
                     retry_after);
            return buf;
        }
        return _("the county is busy: try again later");
    default:
        if (status >= 500)
            return _("the county server failed: try again later");
        return NULL;
    }
}

int http_answer_fail(const struct http_resp *res, const char *what,
                     struct sw_err *err)
{
    char code[64] = "", msg[HTTP_QUOTE_MAX + 1] = "", hb[96];
    const char *h;
    unsigned char *plain = NULL;
    const unsigned char *body = res->body;
    size_t len = res->len;
    cJSON *j = NULL;
    int rc;

    if (res->deflated && body && len > 0) {
        if (codec_inflate(body, len, HTTP_ERROR_BODY_MAX, &plain, &len, NULL) ==
            0)
            body = plain;
        else
            body = NULL;
    }
    if (body && len > 0 && !res->encoded)
        j = cJSON_ParseWithLength((const char *)body, len);
    if (cJSON_IsObject(j)) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        if (cJSON_IsString(e))
            http_clean_text(e->valuestring, strlen(e->valuestring), code,
                            sizeof(code));
        if (cJSON_IsString(m))
            http_clean_text(m->valuestring, strlen(m->valuestring), msg,
                            sizeof(msg));
    }
    cJSON_Delete(j);
    free(plain);
    rc = http_status_exit(res->status, code[0] ? code : NULL);
    h = hint(res->status, code, res->retry_after, hb, sizeof(hb));
    sw_fail(err, rc, _("%s: county answered %ld%s%s%s%s%s%s"), what,
            res->status, code[0] ? " " : "", code, msg[0] ? ": " : "", msg,
            h ? "; " : "", h ? h : "");
    return rc;
}
