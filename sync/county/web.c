/*
** web.c — the county admin console (see web.h): routing, sessions and
** CSRF, forms, and the pages.  Pages are built into a struct sw_buf with
** html_esc() around every value, then put into the embedded layout.
*/
#include "config.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "account.h"
#include "admin.h"
#include "assets.h"
#include "audit.h"
#include "cs-console.h"
#include "due.h"
#include "dups.h"
#include "enrol.h"
#include "form.h"
#include "hlc.h"
#include "html.h"
#include "i18n.h"
#include "labels.h"
#include "report.h"
#include "table.h"
#include "web.h"

#define SESSION_COOKIE "swsync_session"
#define LANG_COOKIE "lang"
#define NOTE_MAX 1000
#define SEARCH_MAX 100
#define AUDIT_PAGE 100
#define LIST_VALUE_CHARS 60
#define STALE_MS (24 * 3600 * 1000LL)
#define STATION_CONFLICTS_MAX 5000

static const char CT_HTML[] = "text/html; charset=utf-8";
static const char CT_JSON[] = "application/json";
static const char NO_STORE[] = "no-store";

struct web {
    struct MHD_Connection *conn;
    const struct web_config *cfg;
    sdb *db;
    struct store *store;
    const char *method;
    const char *path;
    const char *here; /* the GET page to switch languages on */
    int post, api;
    enum i18n_lang lang;
    char cookie[ACCT_COOKIE_LEN + 1];
    int authed;
    struct acct_session sess;
    char csrf[ACCT_CSRF_LEN + 1];
    char client[AUDIT_SOURCE_MAX + 1];
    struct form form;
    struct web_resp *out;
    struct sw_err err;
};

/* ---- request helpers ----------------------------------------------------- */

/* Around each write: station writes queue on the same lock (http.c), so
** a console write and a push never meet in SQLite's busy handler. */
static void wlock(const struct web *w)
{
    if (w->cfg->wlock)
        pthread_mutex_lock(w->cfg->wlock);
}

static void wunlock(const struct web *w)
{
    if (w->cfg->wlock)
        pthread_mutex_unlock(w->cfg->wlock);
}

static const char *qarg(struct web *w, const char *k)
{
    return MHD_lookup_connection_value(w->conn, MHD_GET_ARGUMENT_KIND, k);
}

static const char *hdr(struct web *w, const char *k)
{
    return MHD_lookup_connection_value(w->conn, MHD_HEADER_KIND, k);
}

static const char *farg(struct web *w, const char *k)
{
    return form_get(&w->form, k);
}

/* The client's address, as text. */
static void client_addr(struct web *w)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(w->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(w->client, sizeof(w->client), "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                  w->client, sizeof(w->client));
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  w->client, sizeof(w->client));
}

static int origin_ok(struct web *w)
{
    return form_origin_ok(hdr(w, MHD_HTTP_HEADER_HOST), hdr(w, "Origin"),
                          hdr(w, MHD_HTTP_HEADER_REFERER));
}

static int local_path_ok(const char *p)
{
    return form_local_path_ok(p, "/admin/");
}

/* ---- responses ----------------------------------------------------------- */

static void set_cookie(struct web *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_cookie(struct web *w, const char *fmt, ...)
{
    struct web_resp *o = w->out;
    size_t n;
    va_list ap;
    if (o->ncookies >= 2)
        return;
    va_start(ap, fmt);
    vsnprintf(o->cookies[o->ncookies], sizeof(o->cookies[0]), fmt, ap);
    va_end(ap);
    n = strlen(o->cookies[o->ncookies]);
    if (w->cfg->tls)
        snprintf(o->cookies[o->ncookies] + n, sizeof(o->cookies[0]) - n,
                 "; Secure");
    o->ncookies++;
}

static void note_error(struct web *w, const char *code, const char *msg)
{
    snprintf(w->out->errcode, sizeof(w->out->errcode), "%s", code);
    size_t n = msg ? strlen(msg) : 0;
    if (n >= sizeof(w->out->errmsg))
        n = sizeof(w->out->errmsg) - 1;
    if (n)
        memcpy(w->out->errmsg, msg, n);
    w->out->errmsg[n] = '\0';
}

static int take_buf(struct web *w, struct sw_buf *b, unsigned status,
                    const char *ctype)
{
    if (b->oom) {
        sb_release(b);
        return -1;
    }
    w->out->status = status;
    w->out->ctype = ctype;
    w->out->cache = NO_STORE;
    w->out->body = sb_detach(b, &w->out->len);
    if (!w->out->body) {
        w->out->body = sw_strdup("");
        w->out->len = 0;
    }
    return w->out->body ? 0 : -1;
}

static int send_json(struct web *w, unsigned status, cJSON *j)
{
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!s)
        return -1;
    w->out->status = status;
    w->out->ctype = CT_JSON;
    w->out->cache = NO_STORE;
    w->out->body = s;
    w->out->len = strlen(s);
    return 0;
}

/* {"KEY": item} */
static int send_wrapped(struct web *w, const char *key, cJSON *item)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !item || !cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(o);
        cJSON_Delete(item);
        return -1;
    }
    return send_json(w, 200, o);
}

static int api_error(struct web *w, unsigned status, const char *code,
                     const char *msg)
{
    cJSON *j = cJSON_CreateObject();
    note_error(w, code, msg);
    if (!j || !cJSON_AddStringToObject(j, "error", code) ||
        !cJSON_AddStringToObject(j, "message", msg)) {
        cJSON_Delete(j);
        return -1;
    }
    return send_json(w, status, j);
}

static int redirect(struct web *w, const char *location)
{
    struct sw_buf b;
    sb_init(&b);
    snprintf(w->out->location, sizeof(w->out->location), "%s", location);
    return take_buf(w, &b, 303, CT_HTML);
}

/* The language switch: this page with lang=OTHER and its other args. */
struct argbuf {
    struct sw_buf *b;
    int n;
};

static enum MHD_Result keep_arg(void *cls, enum MHD_ValueKind kind,
                                const char *k, const char *v)
{
    struct argbuf *a = cls;
    if (!k || strcmp(k, "lang") == 0 || strcmp(k, "msg") == 0)
        return MHD_YES;
    sb_adds(a->b, a->n++ ? "&" : "?");
    html_url(a->b, k);
    sb_adds(a->b, "=");
    html_url(a->b, v ? v : "");
    return MHD_YES;
}

static void nav_link(struct web *w, struct sw_buf *b, const char *href,
                     enum i18n_msg m, int cur, const char *badge)
{
    sb_addf(b, "<a href=\"%s\"%s>", href, cur ? " class=\"cur\"" : "");
    html_esc(b, tr(w->lang, m));
    if (badge) {
        sb_adds(b, " <span class=\"badge\">");
        html_esc(b, badge);
        sb_adds(b, "</span>");
    }
    sb_adds(b, "</a>");
}

/*
** Put main (taken over) into the layout and make it the answer.  title
** is a message, with arg for its "%s".
*/
static int send_page(struct web *w, unsigned status, enum i18n_msg title,
                     const char *arg, struct sw_buf *main)
{
    struct sw_buf page, head, t, foot;
    const char *names[] = {"lang",   "csrf",   "title", "app",   "version",
                           "county", "header", "main",  "footer"};
    const char *vals[9];
    char county[SW_SITE_MAX * 6 + 1];
    const char *here = w->here ? w->here : w->path;
    int rc;

    sb_init(&page);
    sb_init(&head);
    sb_init(&t);
    sb_init(&foot);
    i18n_fmt(&t, w->lang, title, arg);
    if (w->authed) {
        const char *p = w->path + 6; /* after "/admin" */
        char n[24];
        int64_t open = cs_open_conflicts(w->db);
        struct argbuf a = {&head, 0};
        snprintf(n, sizeof(n), "%" PRId64, open);
        sb_adds(&head, "<nav class=\"main\">");
        nav_link(w, &head, "/admin/stations", M_NAV_STATIONS,
                 strcmp(p, "/") == 0 || strncmp(p, "/stations", 9) == 0, NULL);
        nav_link(w, &head, "/admin/conflicts", M_NAV_CONFLICTS,
                 strncmp(p, "/conflicts", 10) == 0, open ? n : NULL);
        nav_link(w, &head, "/admin/records", M_NAV_RECORDS,
                 strncmp(p, "/records", 8) == 0, NULL);
        nav_link(w, &head, "/admin/duplicates", M_NAV_DUPS,
                 strncmp(p, "/duplicates", 11) == 0, NULL);
        nav_link(w, &head, "/admin/report", M_NAV_REPORT,
                 strncmp(p, "/report", 7) == 0, NULL);
        nav_link(w, &head, "/admin/followup", M_NAV_FOLLOWUP,
                 strncmp(p, "/followup", 9) == 0, NULL);
        nav_link(w, &head, "/admin/resources", M_NAV_RESOURCES,
                 strncmp(p, "/resources", 10) == 0, NULL);
        {
            char tn[24];
            int64_t asks = cs_pending_transfers(w->db);
            snprintf(tn, sizeof(tn), "%" PRId64, asks);
            nav_link(w, &head, "/admin/transfers", M_NAV_TRANSFERS,
                     strncmp(p, "/transfers", 10) == 0, asks ? tn : NULL);
        }
        nav_link(w, &head, "/admin/audit", M_NAV_AUDIT,
                 strncmp(p, "/audit", 6) == 0, NULL);
        sb_adds(&head, "</nav><div class=\"who\"><span>");
        html_esc(&head, tr(w->lang, M_SIGNED_IN_AS));
        sb_adds(&head, "<strong id=\"user\">");
        html_esc(&head, w->sess.admin);
        sb_adds(&head, "</strong></span><a id=\"lang-switch\" href=\"");
        html_esc(&head, here);
        /* the args, escaped for a URL, then for the attribute */
        {
            struct sw_buf q;
            sb_init(&q);
            a.b = &q;
            if (!w->post)
                MHD_get_connection_values(w->conn, MHD_GET_ARGUMENT_KIND,
                                          keep_arg, &a);
            sb_addf(&q, "%slang=%s", a.n ? "&" : "?",
                    w->lang == LANG_EN ? "zh" : "en");
            html_esc(&head, q.buf);
            if (q.oom)
                head.oom = 1;
            sb_release(&q);
        }
        sb_addf(&head, "\" hreflang=\"%s\" title=\"",
                w->lang == LANG_EN ? "zh" : "en");
        html_esc(&head, tr(w->lang, M_LANG_OTHER_TITLE));
        sb_adds(&head, "\">");
        html_esc(&head, tr(w->lang, M_LANG_OTHER));
        sb_adds(&head, "</a><form method=\"post\" action=\"/admin/logout\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_esc(&head, w->csrf);
        sb_adds(&head, "\"><button type=\"submit\" id=\"logout\">");
        html_esc(&head, tr(w->lang, M_LOGOUT));
        sb_adds(&head, "</button></form></div>");
    } else {
        sb_adds(&head, "<nav class=\"main\"></nav><div class=\"who\">"
                       "<a id=\"lang-switch\" href=\"/admin/login?lang=");
        sb_adds(&head, w->lang == LANG_EN ? "zh" : "en");
        sb_adds(&head, "\">");
        html_esc(&head, tr(w->lang, M_LANG_OTHER));
        sb_adds(&head, "</a></div>");
    }
    html_esc(&foot, tr(w->lang, M_FOOTER));
    sb_adds(&foot, " swsync " PACKAGE_VERSION);
    {
        struct sw_buf c;
        sb_init(&c);
        html_esc(&c, w->cfg->county);
        snprintf(county, sizeof(county), "%s", c.buf ? c.buf : "");
        sb_release(&c);
    }
    vals[0] = w->lang == LANG_EN ? "en" : "zh-CN";
    vals[1] = w->authed ? w->csrf : "";
    vals[2] = t.buf ? t.buf : "";
    vals[3] = tr(w->lang, M_APP); /* no markup in it */
    vals[4] = PACKAGE_VERSION;
    vals[5] = county;
    vals[6] = head.buf ? head.buf : "";
    vals[7] = main->buf ? main->buf : "";
    vals[8] = foot.buf ? foot.buf : "";
    if (head.oom || t.oom || foot.oom)
        page.oom = 1;
    else
        html_fill(&page, web_layout_html, names, vals, 9);
    sb_release(&head);
    sb_release(&t);
    sb_release(&foot);
    sb_release(main);
    rc = take_buf(w, &page, status, CT_HTML);
    return rc;
}

/* A page holding only a message (errors). */
static int html_message(struct web *w, unsigned status, const char *code,
                        enum i18n_msg m, enum i18n_msg title)
{
    struct sw_buf b;
    note_error(w, code, tr(LANG_EN, m));
    if (w->post && !w->here)
        w->here = "/admin/";
    sb_init(&b);
    sb_adds(&b, "<h1>");
    html_esc(&b, tr(w->lang, title));
    sb_adds(&b, "</h1><p class=\"flash bad\" id=\"error\">");
    html_esc(&b, tr(w->lang, m));
    sb_adds(&b, "</p><p><a href=\"/admin/\">");
    html_esc(&b, tr(w->lang, M_BACK));
    sb_adds(&b, "</a></p>");
    return send_page(w, status, title, NULL, &b);
}

/* An error in the form the request wants (API: JSON; page: HTML). */
static int fail(struct web *w, unsigned status, const char *code,
                enum i18n_msg m)
{
    if (w->api)
        return api_error(w, status, code, tr(LANG_EN, m));
    return html_message(w, status, code, m, m);
}

/* An engine error: its code decides the status. */
static int fail_err(struct web *w)
{
    note_error(w, "engine", w->err.msg);
    switch (w->err.code) {
    case SW_ETEMP:
        snprintf(w->out->retry_after, sizeof(w->out->retry_after), "5");
        return fail(w, 503, "busy", M_ERR_BUSY);
    case SW_EDATA:
        if (w->api)
            return api_error(w, 400, "bad_request", w->err.msg);
        return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
    default:
        return fail(w, 500, "internal", M_ERR_INTERNAL);
    }
}

static void flash(struct sw_buf *b, const char *kind, const char *id,
                  const char *html)
{
    sb_addf(b, "<p class=\"flash %s\" id=\"%s\" role=\"status\">%s</p>", kind,
            id, html);
}

static void flash_msg(struct web *w, struct sw_buf *b, const char *kind,
                      const char *id, enum i18n_msg m, const char *arg)
{
    struct sw_buf t;
    sb_init(&t);
    i18n_fmt(&t, w->lang, m, arg);
    flash(b, kind, id, t.buf ? t.buf : "");
    if (t.oom)
        b->oom = 1;
    sb_release(&t);
}

static void hidden_csrf(struct web *w, struct sw_buf *b)
{
    sb_adds(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_esc(b, w->csrf);
    sb_adds(b, "\">");
}

static void text(struct web *w, struct sw_buf *b, enum i18n_msg m)
{
    html_esc(b, tr(w->lang, m));
}

/* At most n characters of s, "…" if cut, escaped. */
static void esc_short(struct sw_buf *b, const char *s, int n)
{
    const char *p = s;
    int k = 0;
    struct sw_buf t;
    if (!s)
        return;
    while (*p && k < n) {
        p++;
        while (((unsigned char)*p & 0xc0) == 0x80)
            p++;
        k++;
    }
    if (!*p) {
        html_esc(b, s);
        return;
    }
    sb_init(&t);
    sb_add(&t, s, (size_t)(p - s));
    html_esc(b, t.buf);
    if (t.oom)
        b->oom = 1;
    sb_release(&t);
    sb_adds(b, "…");
}

/* ---- values -------------------------------------------------------------- */

/* A field value (text form, NULL: empty), with the label of an enum. */
static void put_value(struct web *w, struct sw_buf *b, const char *col,
                      const char *v, int maxchars)
{
    const char *l;
    if (!v) {
        sb_adds(b, "<span class=\"empty\">");
        text(w, b, M_EMPTY_VALUE);
        sb_adds(b, "</span>");
        return;
    }
    if (maxchars)
        esc_short(b, v, maxchars);
    else
        html_esc(b, v);
    l = i18n_value(w->lang, col, v);
    if (l && strcmp(l, v) != 0) {
        sb_adds(b, " <span class=\"sub\">(");
        html_esc(b, l);
        sb_adds(b, ")</span>");
    }
}

/* The text form of a JSON value (NULL for null) into buf or the item. */
static const char *jtext(const cJSON *j, char *buf, size_t n)
{
    if (cJSON_IsString(j))
        return j->valuestring;
    if (cJSON_IsNumber(j)) {
        snprintf(buf, n, "%" PRId64, (int64_t)j->valuedouble);
        return buf;
    }
    return NULL;
}

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(jget(o, k));
}

static int64_t jint(const cJSON *o, const char *k)
{
    const cJSON *j = jget(o, k);
    return cJSON_IsNumber(j) ? (int64_t)j->valuedouble : 0;
}

static void put_time(struct sw_buf *b, int64_t ms)
{
    char t[20];
    html_time(ms, t);
    sb_adds(b, t);
}

/* Under a value in the conflicts list: who wrote it, if known. */
static void put_author(struct sw_buf *b, const char *author)
{
    if (!author)
        return;
    sb_adds(b, "<br><span class=\"sub author\">");
    html_esc(b, author);
    sb_adds(b, "</span>");
}

/* Who wrote a version: the county, or a station's replica. */
static void put_site(struct web *w, struct sw_buf *b, const char *site)
{
    char *station, *device;
    if (!site) {
        sb_adds(b, "-");
        return;
    }
    if (strcmp(site, w->cfg->county) == 0) {
        text(w, b, M_COUNTY_SITE);
        sb_adds(b, " <span class=\"sub\">");
        html_esc(b, site);
        sb_adds(b, "</span>");
        return;
    }
    if (cs_site_owner(w->db, site, &station, &device, NULL) == 0) {
        text(w, b, M_COL_STATION);
        sb_adds(b, " ");
        html_esc(b, station);
        sb_adds(b, " · ");
        text(w, b, M_COL_DEVICE);
        sb_adds(b, " ");
        html_esc(b, device);
        sb_adds(b, " <span class=\"sub\">");
        html_esc(b, site);
        sb_adds(b, "</span>");
        free(station);
        free(device);
        return;
    }
    html_esc(b, site);
}

/* The case a record is about: its name, linked (cases: itself). */
static void put_record_label(struct web *w, struct sw_buf *b, const char *table,
                             const char *id)
{
    int is_case = strcmp(table, "cases") == 0;
    char *name = NULL;
    /* no name (not found, or a failure): the table's name stands */
    cs_case_name(w->db, is_case, id, &name, NULL);
    sb_adds(b, "<a href=\"/admin/records/");
    html_url(b, table);
    sb_adds(b, "/");
    html_url(b, id);
    sb_adds(b, "\">");
    if (name) {
        esc_short(b, name, 20);
        if (!is_case) {
            sb_adds(b, " · ");
            html_esc(b, i18n_table(w->lang, table));
        }
    } else {
        html_esc(b, i18n_table(w->lang, table));
    }
    sb_adds(b, "</a> <span class=\"sub\">");
    sb_add(b, id, strlen(id) > 8 ? 8 : strlen(id));
    sb_adds(b, "…</span>");
    free(name);
}

struct options_arg {
    struct sw_buf *b;
    const char *sel;
};

static int station_option(void *arg, const char *code, const char *name)
{
    struct options_arg *o = arg;
    sb_adds(o->b, "<option value=\"");
    html_esc(o->b, code);
    sb_addf(o->b, "\"%s>",
            o->sel && code && strcmp(o->sel, code) == 0 ? " selected" : "");
    html_esc(o->b, code);
    if (name) {
        sb_adds(o->b, " ");
        esc_short(o->b, name, 16);
    }
    sb_adds(o->b, "</option>");
    return 0;
}

/* <option>s of the enrolled stations, sel selected. */
static void station_options(struct web *w, struct sw_buf *b, const char *sel)
{
    struct options_arg o = {b, sel};
    cs_station_codes(w->db, station_option, &o, NULL);
}

/* "+1.2s", "-3m", "+2d": a clock skew, short. */
static void put_skew(struct sw_buf *b, const cJSON *j)
{
    int64_t ms, a;
    char sign;
    if (!cJSON_IsNumber(j)) {
        sb_adds(b, "-");
        return;
    }
    ms = (int64_t)j->valuedouble;
    a = ms < 0 ? -ms : ms;
    sign = ms < 0 ? '-' : '+';
    if (a < 1000)
        sb_addf(b, "%c%" PRId64 "ms", sign, a);
    else if (a < 120000)
        sb_addf(b, "%c%.1fs", sign, (double)a / 1000);
    else if (a < 2 * 3600000)
        sb_addf(b, "%c%" PRId64 "m", sign, a / 60000);
    else if (a < 2 * (int64_t)86400000)
        sb_addf(b, "%c%" PRId64 "h", sign, a / 3600000);
    else
        sb_addf(b, "%c%" PRId64 "d", sign, a / (int64_t)86400000);
}

/* ---- login, logout ------------------------------------------------------- */

static int login_page(struct web *w, unsigned status, enum i18n_msg msg,
                      const char *arg, const char *kind, const char *user,
                      const char *next)
{
    struct sw_buf b, m, u, n;
    const char *names[] = {"heading", "message",        "next",  "user_label",
                           "user",    "password_label", "button"};
    const char *vals[7];

    sb_init(&b);
    sb_init(&m);
    sb_init(&u);
    sb_init(&n);
    if (kind) {
        struct sw_buf t;
        sb_init(&t);
        i18n_fmt(&t, w->lang, msg, arg);
        flash(&m, kind, "login-message", t.buf ? t.buf : "");
        sb_release(&t);
    }
    html_esc(&u, user ? user : "");
    html_esc(&n, next && local_path_ok(next) ? next : "/admin/");
    vals[0] = tr(w->lang, M_LOGIN_TITLE);
    vals[1] = m.buf ? m.buf : "";
    vals[2] = n.buf ? n.buf : "";
    vals[3] = tr(w->lang, M_USER);
    vals[4] = u.buf ? u.buf : "";
    vals[5] = tr(w->lang, M_PASSWORD);
    vals[6] = tr(w->lang, M_LOGIN_BUTTON);
    if (m.oom || u.oom || n.oom)
        b.oom = 1;
    else
        html_fill(&b, web_login_html, names, vals, 7);
    sb_release(&m);
    sb_release(&u);
    sb_release(&n);
    w->here = "/admin/login";
    return send_page(w, status, M_LOGIN_TITLE, NULL, &b);
}

static int do_login_get(struct web *w)
{
    const char *why = qarg(w, "why");
    if (w->authed)
        return redirect(w, "/admin/");
    if (why && strcmp(why, "expired") == 0)
        return login_page(w, 200, M_SESSION_EXPIRED, NULL, "warn", NULL,
                          qarg(w, "next"));
    if (why && strcmp(why, "out") == 0)
        return login_page(w, 200, M_LOGGED_OUT, NULL, "ok", NULL, NULL);
    return login_page(w, 200, M_LOGIN_NEEDED, NULL, NULL, NULL,
                      qarg(w, "next"));
}

static int do_login_post(struct web *w)
{
    const char *user = farg(w, "user"), *pw = farg(w, "password");
    const char *next = farg(w, "next");
    char cookie[ACCT_COOKIE_LEN + 1], secs[24];
    enum acct_outcome outcome;
    int64_t retry = 0;
    int rc;

    if (!origin_ok(w))
        return fail(w, 403, "forbidden", M_ERR_ORIGIN);
    if (!user || !pw)
        return login_page(w, 400, M_LOGIN_FAILED, NULL, "bad", user, next);
    rc = acct_login(w->db, user, pw, w->client, &w->cfg->lim, w->cfg->wlock,
                    &outcome, cookie, &retry, &w->err);
    if (rc)
        return fail_err(w);
    snprintf(w->out->user, sizeof(w->out->user), "%s",
             acct_name_valid(user) ? user : "?");
    if (outcome == ACCT_THROTTLED) {
        snprintf(secs, sizeof(secs), "%" PRId64, retry);
        snprintf(w->out->retry_after, sizeof(w->out->retry_after), "%s", secs);
        note_error(w, "throttled", "too many failed logins");
        if (w->api)
            return api_error(w, 429, "busy", "too many failed logins");
        return login_page(w, 429, M_LOGIN_THROTTLED, secs, "bad", user, next);
    }
    if (outcome == ACCT_DENIED) {
        note_error(w, "unauthorized", "wrong user name or password");
        return login_page(w, 401, M_LOGIN_FAILED, NULL, "bad", user, next);
    }
    set_cookie(w, SESSION_COOKIE "=%s; Path=/admin/; HttpOnly; SameSite=Strict",
               cookie);
    memset(cookie, 0, sizeof(cookie));
    return redirect(w, next && local_path_ok(next) ? next : "/admin/");
}

static int do_logout(struct web *w)
{
    struct audit_src src;
    int rc;
    snprintf(src.actor, sizeof(src.actor), "%s", w->sess.admin);
    snprintf(src.source, sizeof(src.source), "%s", w->client);
    wlock(w);
    rc = acct_logout(w->db, w->cookie, &src, &w->err);
    wunlock(w);
    if (rc)
        return fail_err(w);
    set_cookie(w, SESSION_COOKIE
               "=; Path=/admin/; HttpOnly; SameSite=Strict; Max-Age=0");
    return redirect(w, "/admin/login?why=out");
}

/* ---- stations ------------------------------------------------------------ */

enum st_state { ST_OK, ST_STALE, ST_ERROR, ST_NEVER, ST_REVOKED };

static enum st_state station_state(const cJSON *o, int64_t now)
{
    const cJSON *ls = jget(o, "last_sync");
    if (cJSON_IsTrue(jget(o, "revoked")))
        return ST_REVOKED;
    if (!cJSON_IsString(jget(o, "device")))
        return ST_NEVER; /* a station without a replica */
    if (cJSON_IsNumber(ls) ? now - (int64_t)ls->valuedouble > STALE_MS
                           : now - jint(o, "created_at") > STALE_MS)
        return ST_STALE;
    if (cJSON_IsString(jget(o, "last_error")))
        return ST_ERROR;
    if (!cJSON_IsNumber(ls))
        return ST_NEVER;
    return ST_OK;
}

static void put_state(struct web *w, struct sw_buf *b, enum st_state s)
{
    static const char *const cls[] = {"ok", "stale", "error", "never",
                                      "revoked"};
    static const enum i18n_msg msg[] = {M_STATE_OK, M_STATE_STALE,
                                        M_STATE_ERROR, M_STATE_NEVER,
                                        M_STATE_REVOKED};
    sb_addf(b, "<span class=\"state %s\">", cls[s]);
    text(w, b, msg[s]);
    sb_adds(b, "</span>");
}

static void th(struct web *w, struct sw_buf *b, enum i18n_msg m,
               const char *cls)
{
    sb_adds(b, "<th");
    if (cls)
        sb_addf(b, " class=\"%s\"", cls);
    sb_adds(b, ">");
    text(w, b, m);
    sb_adds(b, "</th>");
}

/* The four forms: enrol, new token, enrolment code, revoke. */
static void station_forms(struct web *w, struct sw_buf *b)
{
    sb_adds(b, "<h2>");
    text(w, b, M_MANAGE_TITLE);
    sb_adds(b, "</h2><div class=\"grid3\">");

    sb_adds(b, "<form method=\"post\" action=\"/admin/stations/add\" "
               "class=\"card stack\" id=\"enrol-form\"><strong>");
    text(w, b, M_ENROL_TITLE);
    sb_adds(b, "</strong>");
    hidden_csrf(w, b);
    sb_adds(b, "<label for=\"enrol-code\">");
    text(w, b, M_ENROL_CODE);
    sb_adds(b, "</label><input id=\"enrol-code\" name=\"code\" required "
               "maxlength=\"32\" pattern=\"[A-Za-z0-9_][A-Za-z0-9_.\\-]*\">"
               "<label for=\"enrol-name\">");
    text(w, b, M_ENROL_NAME);
    sb_adds(b, "</label><input id=\"enrol-name\" name=\"name\" "
               "maxlength=\"60\"><button type=\"submit\">");
    text(w, b, M_ENROL_BUTTON);
    sb_adds(b, "</button></form>");

    sb_adds(b, "<form method=\"post\" action=\"/admin/stations/token\" "
               "class=\"card stack\" id=\"token-form\"><strong>");
    text(w, b, M_TOKEN_TITLE);
    sb_adds(b, "</strong>");
    hidden_csrf(w, b);
    sb_adds(b, "<label for=\"token-station\">");
    text(w, b, M_CHOOSE_STATION);
    sb_adds(b, "</label><select id=\"token-station\" name=\"code\" required>");
    station_options(w, b, NULL);
    sb_adds(b, "</select><label for=\"token-device\">");
    text(w, b, M_TOKEN_DEVICE);
    sb_adds(b, "</label><input id=\"token-device\" name=\"device\" "
               "maxlength=\"32\"><button type=\"submit\">");
    text(w, b, M_TOKEN_BUTTON);
    sb_adds(b, "</button></form>");

    sb_adds(b, "<form method=\"post\" action=\"/admin/stations/code\" "
               "class=\"card stack\" id=\"code-form\"><strong>");
    text(w, b, M_CODE_TITLE);
    sb_adds(b, "</strong>");
    hidden_csrf(w, b);
    sb_adds(b, "<label for=\"code-station\">");
    text(w, b, M_CHOOSE_STATION);
    sb_adds(b, "</label><select id=\"code-station\" name=\"code\" required>");
    station_options(w, b, NULL);
    sb_adds(b, "</select><label for=\"code-device\">");
    text(w, b, M_TOKEN_DEVICE);
    sb_adds(b, "</label><input id=\"code-device\" name=\"device\" "
               "maxlength=\"32\"><label for=\"code-expires\">");
    text(w, b, M_CODE_EXPIRES);
    sb_adds(b, "</label><select id=\"code-expires\" name=\"expires\">"
               "<option value=\"1h\">");
    text(w, b, M_CODE_1H);
    sb_adds(b, "</option><option value=\"24h\" selected>");
    text(w, b, M_CODE_24H);
    sb_adds(b, "</option><option value=\"7d\">");
    text(w, b, M_CODE_7D);
    sb_adds(b, "</option></select><button type=\"submit\">");
    text(w, b, M_CODE_BUTTON);
    sb_adds(b, "</button></form>");

    sb_adds(b, "<form method=\"post\" action=\"/admin/stations/revoke\" "
               "class=\"card stack\" id=\"revoke-form\" data-confirm=\"");
    text(w, b, M_REVOKE_CONFIRM);
    sb_adds(b, "\"><strong>");
    text(w, b, M_REVOKE_TITLE);
    sb_adds(b, "</strong>");
    hidden_csrf(w, b);
    sb_adds(b, "<label for=\"revoke-station\">");
    text(w, b, M_CHOOSE_STATION);
    sb_adds(b, "</label><select id=\"revoke-station\" name=\"code\" required>");
    station_options(w, b, NULL);
    sb_adds(b, "</select><label for=\"revoke-device\">");
    text(w, b, M_REVOKE_DEVICE);
    sb_adds(b, "</label><input id=\"revoke-device\" name=\"device\" "
               "maxlength=\"32\"><button type=\"submit\" class=\"danger\">");
    text(w, b, M_REVOKE_BUTTON);
    sb_adds(b, "</button></form></div>");
}

static int do_stations(struct web *w)
{
    cJSON *arr = NULL, *o;
    struct sw_buf b;
    int64_t now = sw_now_ms();
    int stale = 0, n = 0;
    char num[24];

    if (admin_stations_json(w->db, &arr, &w->err))
        return fail_err(w);
    if (w->api)
        return send_wrapped(w, "stations", arr);
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_STATIONS_TITLE);
    sb_adds(&b, "</h1>");
    cJSON_ArrayForEach (o, arr)
        if (station_state(o, now) == ST_STALE)
            stale++;
    if (stale) {
        snprintf(num, sizeof(num), "%d", stale);
        flash_msg(w, &b, "warn", "stale-summary", M_STALE_SUMMARY, num);
    }
    sb_adds(&b, "<div class=\"scroll\"><table id=\"stations\"><thead><tr>");
    th(w, &b, M_COL_STATION, NULL);
    th(w, &b, M_COL_NAME, NULL);
    th(w, &b, M_COL_DEVICE, NULL);
    th(w, &b, M_COL_STATE, NULL);
    th(w, &b, M_COL_LAST_SYNC, NULL);
    th(w, &b, M_COL_LAST_ERROR, NULL);
    th(w, &b, M_COL_OPEN_CONFLICTS, "num");
    th(w, &b, M_COL_SKEW, "num");
    th(w, &b, M_COL_AGENT, NULL);
    th(w, &b, M_COL_SITE, NULL);
    sb_adds(&b, "</tr></thead><tbody>");
    cJSON_ArrayForEach (o, arr) {
        static const char *const rowcls[] = {"ok", "stale", "error", "never",
                                             "revoked"};
        enum st_state s = station_state(o, now);
        const char *code = jstr(o, "code");
        int64_t open = jint(o, "open_conflicts");
        n++;
        sb_addf(&b, "<tr class=\"%s\" data-station=\"", rowcls[s]);
        html_esc(&b, code);
        sb_adds(&b, "\"><td>");
        html_esc(&b, code);
        sb_adds(&b, "</td><td>");
        esc_short(&b, jstr(o, "name"), 24);
        sb_adds(&b, "</td><td>");
        html_esc(&b, jstr(o, "device") ? jstr(o, "device") : "-");
        sb_adds(&b, "</td><td>");
        put_state(w, &b, s);
        sb_adds(&b, "</td><td class=\"nowrap\">");
        if (cJSON_IsNumber(jget(o, "last_sync")))
            put_time(&b, jint(o, "last_sync"));
        else
            text(w, &b, M_NEVER);
        sb_adds(&b, "</td><td class=\"err-text\">");
        esc_short(&b, jstr(o, "last_error"), 120);
        sb_adds(&b, "</td><td class=\"num\">");
        if (open) {
            sb_adds(&b, "<a href=\"/admin/conflicts?station=");
            html_url(&b, code);
            sb_addf(&b, "\">%" PRId64 "</a>", open);
        } else {
            sb_adds(&b, "0");
        }
        sb_adds(&b, "</td><td class=\"num nowrap\">");
        put_skew(&b, jget(o, "skew_ms"));
        if (jint(o, "clamped") > 0) {
            sb_addf(&b, "<br><span class=\"sub\">%" PRId64 " ",
                    jint(o, "clamped"));
            text(w, &b, M_CLAMPED);
            sb_adds(&b, "</span>");
        }
        sb_adds(&b, "</td><td>");
        html_esc(&b, jstr(o, "agent_version") ? jstr(o, "agent_version") : "-");
        sb_adds(&b, "</td><td class=\"sub\">");
        html_esc(&b, jstr(o, "site") ? jstr(o, "site") : "-");
        sb_adds(&b, "</td></tr>");
    }
    sb_adds(&b, "</tbody></table></div>");
    if (!n) {
        sb_adds(&b, "<p class=\"empty\">");
        text(w, &b, M_NO_STATIONS);
        sb_adds(&b, "</p>");
    }
    cJSON_Delete(arr);
    station_forms(w, &b);
    return send_page(w, 200, M_STATIONS_TITLE, NULL, &b);
}

/* The page that shows a new token once. */
static int token_page(struct web *w, enum i18n_msg m, const char *arg,
                      const char *tok)
{
    struct sw_buf b;
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_STATIONS_TITLE);
    sb_adds(&b, "</h1>");
    flash_msg(w, &b, "ok", "done", m, arg);
    sb_adds(&b, "<div class=\"card\"><p>");
    text(w, &b, M_TOKEN_SHOWN);
    sb_adds(&b, "</p><code class=\"token\" id=\"token\">");
    html_esc(&b, tok);
    sb_adds(&b, "</code></div><p><a href=\"/admin/stations\">");
    text(w, &b, M_BACK);
    sb_adds(&b, "</a></p>");
    w->here = "/admin/stations";
    return send_page(w, 200, M_STATIONS_TITLE, NULL, &b);
}

static void web_src(struct web *w, struct audit_src *src)
{
    snprintf(src->actor, sizeof(src->actor), "%s", w->sess.admin);
    snprintf(src->source, sizeof(src->source), "%s", w->client);
}

static int station_fail(struct web *w)
{
    note_error(w, "bad_request", w->err.msg);
    switch (w->err.code) {
    case SW_ECANTCREAT:
        return fail(w, 409, "conflict",
                    strstr(w->err.msg, "already enrolled")
                        ? M_ERR_STATION_EXISTS
                        : M_ERR_DEVICE_EXISTS);
    case SW_EDATA:
        return fail(w, 400, "bad_request", M_ERR_NO_STATION);
    default:
        return fail_err(w);
    }
}

static int device_ok(const char *d)
{
    return !d || !*d || (sw_code_valid(d) && strlen(d) <= AUTH_DEVICE_MAX);
}

static int do_station_add(struct web *w)
{
    const char *code = farg(w, "code"), *name = farg(w, "name");
    char tok[AUTH_TOKEN_LEN + 1];
    struct audit_src src;
    int rc;

    if (!code || !sw_code_valid(code))
        return fail(w, 400, "bad_request", M_ERR_STATION_CODE);
    if (name && strlen(name) > ADMIN_NAME_MAX)
        return fail(w, 400, "bad_request", M_ERR_STATION_NAME);
    web_src(w, &src);
    wlock(w);
    rc = admin_station_add(w->db, code, name && *name ? name : NULL, tok, &src,
                           &w->err);
    wunlock(w);
    if (rc)
        return station_fail(w);
    rc = token_page(w, M_STATION_ENROLLED, code, tok);
    memset(tok, 0, sizeof(tok));
    return rc;
}

static int do_station_token(struct web *w)
{
    const char *code = farg(w, "code"), *device = farg(w, "device");
    char tok[AUTH_TOKEN_LEN + 1], dev[AUTH_DEVICE_MAX + 1];
    struct audit_src src;
    int rc;

    if (!code || !sw_code_valid(code))
        return fail(w, 400, "bad_request", M_ERR_STATION_CODE);
    if (!device_ok(device))
        return fail(w, 400, "bad_request", M_ERR_DEVICE);
    web_src(w, &src);
    wlock(w);
    rc = admin_station_token(w->db, code, device && *device ? device : NULL,
                             dev, tok, &src, &w->err);
    wunlock(w);
    if (rc)
        return station_fail(w);
    rc = token_page(w, M_TOKEN_MADE, dev, tok);
    memset(tok, 0, sizeof(tok));
    return rc;
}

/*
** The QR code of text as inline SVG: the dark modules as one path in a
** viewBox of module units, with the quiet zone of 4 modules the standard
** asks for, drawn at QR_PX pixels a module.  -1 if libqrencode failed.
*/
#define QR_PX 6
#define QR_QUIET 4

static int put_qr_svg(struct web *w, struct sw_buf *b, const char *id,
                      const char *txt)
{
    QRcode *q = QRcode_encodeString(txt, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int n;
    if (!q)
        return -1;
    n = q->width + 2 * QR_QUIET;
    sb_addf(b,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" "
            "class=\"qr\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"",
            id, n, n, n * QR_PX, n * QR_PX);
    text(w, b, M_CODE_QR);
    sb_addf(b,
            "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
            "<path fill=\"#000\" d=\"",
            n, n);
    for (int y = 0; y < q->width; y++) {
        for (int x = 0; x < q->width;) {
            int run = 0;
            while (x + run < q->width && (q->data[y * q->width + x + run] & 1))
                run++;
            if (run)
                sb_addf(b, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run,
                        run);
            x += run ? run : 1;
        }
    }
    sb_adds(b, "\"/></svg>");
    QRcode_free(q);
    return 0;
}

/* The server's URL as the station should use it: the scheme this server
** speaks and the request's Host (the console has no other notion of its
** public address).  -1 if the Host is missing or holds more than a host
** name or address and a port. */
static int server_url(struct web *w, char *out, size_t size)
{
    const char *h = hdr(w, MHD_HTTP_HEADER_HOST);
    size_t n = h ? strlen(h) : 0;
    if (!n || n > 255 || h[0] == '.' || h[0] == '-' || h[0] == ':')
        return -1;
    for (const char *p = h; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr(".-:[]", *p)))
            return -1;
    snprintf(out, size, "%s://%s", w->cfg->tls ? "https" : "http", h);
    return 0;
}

/* The page that shows a new enrolment code once: large, with its expiry,
** the command for the station's PC and that command as a QR code. */
static int code_page(struct web *w, const char *dev, const char *code,
                     int64_t expires, const char *cmd)
{
    struct sw_buf b;
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_STATIONS_TITLE);
    sb_adds(&b, "</h1>");
    flash_msg(w, &b, "ok", "done", M_CODE_MADE, dev);
    sb_adds(&b, "<div class=\"card enrol-code\"><p>");
    text(w, &b, M_CODE_SHOWN);
    sb_adds(&b, "</p><p class=\"sub\">");
    text(w, &b, M_CODE_LABEL);
    sb_adds(&b, "</p><p class=\"big-code\" id=\"enrol-code-value\">");
    html_esc(&b, code);
    sb_adds(&b, "</p><p>");
    text(w, &b, M_CODE_VALID_UNTIL);
    sb_adds(&b, " <time id=\"enrol-expires\">");
    put_time(&b, expires);
    sb_adds(&b, "</time></p><p class=\"sub\">");
    text(w, &b, M_CODE_COMMAND);
    sb_adds(&b, "</p><code class=\"token\" id=\"enrol-command\">");
    html_esc(&b, cmd);
    sb_adds(&b, "</code><div class=\"qr-box\">");
    if (put_qr_svg(w, &b, "enrol-qr", cmd)) {
        sb_release(&b);
        sw_fail(&w->err, SW_ESOFTWARE, "cannot draw the QR code");
        return fail_err(w);
    }
    sb_adds(&b, "</div></div><p><a href=\"/admin/stations\">");
    text(w, &b, M_BACK);
    sb_adds(&b, "</a></p>");
    w->here = "/admin/stations";
    return send_page(w, 200, M_STATIONS_TITLE, NULL, &b);
}

/* A one-time enrolment code for a new replica of a station, made like
** `swsync-county station token CODE --device D --enrol-code`: a new
** replica (audited as such), its token wiped at once, a code for it. */
static int do_station_code(struct web *w)
{
    static const struct {
        const char *v;
        int64_t ms;
    } ttls[] = {{"1h", 3600 * 1000LL},
                {"24h", ENROL_DEFAULT_TTL_MS},
                {"7d", 7 * 24 * 3600 * 1000LL}};
    const char *code = farg(w, "code"), *device = farg(w, "device");
    const char *exp = farg(w, "expires");
    char tok[AUTH_TOKEN_LEN + 1], dev[AUTH_DEVICE_MAX + 1];
    char ecode[ENROL_CODE_LEN + 1], url[300], cmd[400];
    struct audit_src src;
    int64_t ttl = -1, expires;
    int rc;

    if (!code || !sw_code_valid(code))
        return fail(w, 400, "bad_request", M_ERR_STATION_CODE);
    if (!device_ok(device))
        return fail(w, 400, "bad_request", M_ERR_DEVICE);
    for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++)
        if (!exp || !*exp ? i == 1 : strcmp(exp, ttls[i].v) == 0)
            ttl = ttls[i].ms;
    if (ttl < 0)
        return fail(w, 400, "bad_request", M_ERR_EXPIRES);
    if (server_url(w, url, sizeof(url)))
        return fail(w, 400, "bad_request", M_ERR_HOST);
    web_src(w, &src);
    wlock(w);
    rc = admin_station_token(w->db, code, device && *device ? device : NULL,
                             dev, tok, &src, &w->err);
    OPENSSL_cleanse(tok, sizeof(tok));
    expires = sw_now_ms() + ttl;
    if (!rc)
        rc = enrol_new_code(w->db, code, dev, ttl, ecode, &w->err);
    wunlock(w);
    if (rc)
        return station_fail(w);
    snprintf(cmd, sizeof(cmd), "swsync init --enrol %s --server %s", ecode,
             url);
    rc = code_page(w, dev, ecode, expires, cmd);
    OPENSSL_cleanse(ecode, sizeof(ecode));
    OPENSSL_cleanse(cmd, sizeof(cmd));
    return rc;
}

static int do_station_revoke(struct web *w)
{
    const char *code = farg(w, "code"), *device = farg(w, "device");
    struct audit_src src;
    struct sw_buf b;
    char num[24];
    int count = 0, rc;

    if (!code || !sw_code_valid(code))
        return fail(w, 400, "bad_request", M_ERR_STATION_CODE);
    if (!device_ok(device))
        return fail(w, 400, "bad_request", M_ERR_DEVICE);
    web_src(w, &src);
    wlock(w);
    rc = admin_station_revoke(w->db, code, device, &count, &src, &w->err);
    wunlock(w);
    if (rc)
        return station_fail(w);
    snprintf(num, sizeof(num), "%d", count);
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_STATIONS_TITLE);
    sb_adds(&b, "</h1>");
    flash_msg(w, &b, "ok", "done", M_REVOKED_N, num);
    sb_adds(&b, "<p><a href=\"/admin/stations\">");
    text(w, &b, M_BACK);
    sb_adds(&b, "</a></p>");
    w->here = "/admin/stations";
    return send_page(w, 200, M_STATIONS_TITLE, NULL, &b);
}

/* ---- conflicts ----------------------------------------------------------- */

static const char *table_arg(const char *t)
{
    const struct sw_table *tb = t && *t ? sw_table_by_name(t) : NULL;
    if (!tb && t && *t)
        tb = sw_table_by_noun(t);
    return tb ? tb->name : NULL;
}

static void select_option(struct sw_buf *b, const char *value,
                          const char *label, const char *sel)
{
    sb_adds(b, "<option value=\"");
    html_esc(b, value);
    sb_addf(b, "\"%s>", sel && strcmp(sel, value) == 0 ? " selected" : "");
    html_esc(b, label);
    sb_adds(b, "</option>");
}

/*
** A choice field's value as a select: each code, shown by its label in
** the page's language (sync/labels.h), and first an empty option that
** clears a field that may be empty.  attrs: the select's attributes
** (markup).  cur: the value to select, a code or a label.
*/
static void choice_select(struct web *w, struct sw_buf *b,
                          const struct sw_column *c, const char *attrs,
                          const char *cur)
{
    enum sw_lang l = w->lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH;
    const char *code = cur && *cur ? labels_choice_code(c, cur) : NULL;

    sb_addf(b, "<select %s>", attrs);
    if (!(c->flags & SW_COL_REQUIRED))
        select_option(b, "", tr(w->lang, M_EMPTY_VALUE), code ? code : "");
    for (const char *const *a = c->allowed; a && *a; a++)
        select_option(b, *a, labels_choice(c, *a, l), code);
    sb_adds(b, "</select>");
}

/* A value typed or chosen for column c: the code of a choice given by
** its label ("高": high), else as it is. */
static const char *choice_code(const struct sw_column *c, const char *v)
{
    const char *code;
    if (!v || !*v || c->check != CK_ENUM)
        return v;
    code = labels_choice_code(c, v);
    return code ? code : v;
}

static int do_conflicts(struct web *w)
{
    struct admin_conflict_filter f;
    const char *status = qarg(w, "status"), *station = qarg(w, "station");
    cJSON *arr = NULL, *o, *keep;
    struct sw_buf b;
    int n = 0;

    memset(&f, 0, sizeof(f));
    if (!status ||
        (strcmp(status, "resolved") != 0 && strcmp(status, "all") != 0))
        status = "open";
    f.all = strcmp(status, "open") != 0;
    f.station = station && sw_code_valid(station) ? station : NULL;
    f.table = table_arg(qarg(w, "table"));
    if (admin_conflicts_json(w->db, &f, &arr, &w->err))
        return fail_err(w);
    if (strcmp(status, "resolved") == 0) {
        /* only the resolved ones */
        if (!(keep = cJSON_CreateArray())) {
            cJSON_Delete(arr);
            return -1;
        }
        while ((o = cJSON_DetachItemFromArray(arr, 0))) {
            const char *s = jstr(o, "status");
            if (s && strcmp(s, "resolved") == 0)
                cJSON_AddItemToArray(keep, o);
            else
                cJSON_Delete(o);
        }
        cJSON_Delete(arr);
        arr = keep;
    }
    if (w->api)
        return send_wrapped(w, "conflicts", arr);

    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_CONFLICTS_TITLE);
    sb_adds(&b, "</h1><form method=\"get\" action=\"/admin/conflicts\" "
                "class=\"filters card\" id=\"filters\"><label>");
    text(w, &b, M_FILTER_STATION);
    sb_adds(&b, "<select name=\"station\" id=\"f-station\">");
    select_option(&b, "", tr(w->lang, M_ALL), f.station ? "x" : "");
    station_options(w, &b, f.station);
    sb_adds(&b, "</select></label><label>");
    text(w, &b, M_FILTER_TABLE);
    sb_adds(&b, "<select name=\"table\" id=\"f-table\">");
    select_option(&b, "", tr(w->lang, M_ALL), f.table ? "x" : "");
    for (int i = 0; i < SW_NTABLES; i++)
        select_option(&b, sw_tables[i].name,
                      i18n_table(w->lang, sw_tables[i].name), f.table);
    sb_adds(&b, "</select></label><label>");
    text(w, &b, M_FILTER_STATUS);
    sb_adds(&b, "<select name=\"status\" id=\"f-status\">");
    select_option(&b, "open", tr(w->lang, M_STATUS_OPEN), status);
    select_option(&b, "resolved", tr(w->lang, M_STATUS_RESOLVED), status);
    select_option(&b, "all", tr(w->lang, M_ALL), status);
    sb_adds(&b, "</select></label><button type=\"submit\">");
    text(w, &b, M_FILTER_BUTTON);
    sb_adds(&b, "</button></form>");

    sb_adds(&b, "<div class=\"scroll\"><table id=\"conflicts\"><thead><tr>");
    th(w, &b, M_COL_ID, "num");
    th(w, &b, M_COL_STATION, NULL);
    th(w, &b, M_COL_RECORD, NULL);
    th(w, &b, M_COL_FIELD, NULL);
    th(w, &b, M_COL_CURRENT, NULL);
    th(w, &b, M_COL_OTHER, NULL);
    th(w, &b, M_COL_DETECTED, NULL);
    th(w, &b, M_COL_STATUS, NULL);
    sb_adds(&b, "<th></th></tr></thead><tbody>");
    cJSON_ArrayForEach (o, arr) {
        char nb[32], lb[32];
        const char *tbl = jstr(o, "table"), *col = jstr(o, "field");
        const struct sw_table *t = sw_table_by_name(tbl);
        int open = strcmp(jstr(o, "status"), "open") == 0;
        int64_t id = jint(o, "id");
        n++;
        sb_addf(&b,
                "<tr data-id=\"%" PRId64 "\"><td class=\"num\">%" PRId64
                "</td><td>",
                id, id);
        html_esc(&b, jstr(o, "station"));
        sb_adds(&b, "</td><td>");
        put_record_label(w, &b, tbl, jstr(o, "record"));
        sb_adds(&b, "</td><td>");
        html_esc(&b, i18n_field(w->lang, t, col));
        if (strcmp(jstr(o, "kind"), "edit_of_deleted") == 0) {
            sb_adds(&b, "<br><span class=\"sub\">");
            text(w, &b, M_KIND_DELETED);
            sb_adds(&b, "</span>");
        } else if (strcmp(jstr(o, "kind"), "edit_after_transfer") == 0) {
            sb_adds(&b, "<br><span class=\"sub\">");
            text(w, &b, M_KIND_TRANSFER);
            sb_adds(&b, "</span>");
        }
        sb_adds(&b, "</td><td class=\"v-current\">");
        put_value(w, &b, col, jtext(jget(o, "winner_value"), nb, sizeof(nb)),
                  LIST_VALUE_CHARS);
        put_author(&b, jstr(o, "winner_author"));
        sb_adds(&b, "</td><td class=\"v-other\">");
        put_value(w, &b, col, jtext(jget(o, "loser_value"), lb, sizeof(lb)),
                  LIST_VALUE_CHARS);
        put_author(&b, jstr(o, "loser_author"));
        sb_adds(&b, "</td><td class=\"nowrap\">");
        put_time(&b, jint(o, "detected_at"));
        sb_addf(&b, "</td><td><span class=\"state %s\">",
                open ? "error" : "ok");
        text(w, &b, open ? M_STATUS_OPEN : M_STATUS_RESOLVED);
        sb_addf(&b,
                "</span></td><td><a href=\"/admin/conflicts/%" PRId64
                "\" class=\"open-conflict\">",
                id);
        text(w, &b, open ? M_OPEN_LINK : M_VIEW_LINK);
        sb_adds(&b, "</a></td></tr>");
    }
    sb_adds(&b, "</tbody></table></div>");
    if (!n) {
        sb_adds(&b, "<p class=\"empty\" id=\"no-conflicts\">");
        text(w, &b, M_NO_CONFLICTS);
        sb_adds(&b, "</p>");
    }
    cJSON_Delete(arr);
    return send_page(w, 200, M_CONFLICTS_TITLE, NULL, &b);
}

/*
** The record's fields as a table, the field `hl` highlighted; deleted
** records too.  Returns 0, or 1 when the record is not at the county.
*/
/* Is this column masked in a view of a person until asked (issue 13:
** only what an admin needs by default)? */
static int masked_col(const struct sw_table *t, const char *name)
{
    return t == &sw_tables[SW_T_CASES] &&
           (strcmp(name, "id_number") == 0 || strcmp(name, "phone") == 0);
}

/* v with all but its first `head` and last 4 characters as '*' (ASCII:
** an ID number or a phone): 3201**********1234, 139****2222. */
static void put_masked(struct sw_buf *b, const char *name, const char *v)
{
    size_t len = strlen(v), head = strcmp(name, "phone") == 0 ? 3 : 4;
    if (len <= head + 4) {
        for (size_t i = 0; i < len; i++)
            sb_add(b, "*", 1);
        return;
    }
    {
        char first[8];
        memcpy(first, v, head);
        first[head] = '\0';
        html_esc(b, first);
    }
    for (size_t i = head; i < len - 4; i++)
        sb_add(b, "*", 1);
    html_esc(b, v + len - 4);
}

/* Audit one view of a person's record by the signed-in admin. */
static void audit_view(struct web *w, const char *action, const char *target,
                       const char *details)
{
    struct audit_src src;
    web_src(w, &src);
    wlock(w);
    /* a view is shown even when its audit row cannot be written: the
       failure is in the server's log */
    if (audit_log(w->db, &src, action, target, details, &w->err))
        note_error(w, "internal", w->err.msg);
    wunlock(w);
}

static int record_table(struct web *w, struct sw_buf *b,
                        const struct sw_table *t, const char *id,
                        const char *hl, int *deleted, char *station,
                        size_t stlen, int reveal)
{
    struct cs_record r;

    *deleted = 0;
    if (station)
        station[0] = '\0';
    if (cs_record_get(w->db, t, id, &r, NULL))
        return 1;
    *deleted = r.deleted;
    if (station)
        snprintf(station, stlen, "%s", r.station ? r.station : "");
    sb_adds(b, "<table class=\"kv\" id=\"record\"><tbody><tr><th>ID</th>"
               "<td>");
    html_esc(b, id);
    sb_adds(b, "</td></tr><tr><th>");
    text(w, b, M_COL_STATION);
    sb_adds(b, "</th><td>");
    html_esc(b, r.station);
    sb_adds(b, "</td></tr>");
    for (int c = 0; c < sw_col_deleted(t); c++) {
        const char *name = t->cols[c].name;
        const char *v = r.v[c];
        sb_addf(b, "<tr%s data-field=\"%s\"><th>",
                hl && strcmp(hl, name) == 0 ? " class=\"hl\"" : "", name);
        html_esc(b, i18n_field(w->lang, t, name));
        sb_adds(b, "</th><td>");
        if (c == t->ref_col && v) {
            sb_adds(b, "<a href=\"/admin/records/cases/");
            html_url(b, v);
            sb_adds(b, "\">");
            html_esc(b, v);
            sb_adds(b, "</a>");
        } else if (v && !reveal && masked_col(t, name)) {
            sb_adds(b, "<span class=\"masked\">");
            put_masked(b, name, v);
            sb_adds(b, "</span>");
        } else {
            put_value(w, b, name, v, 0);
        }
        sb_adds(b, "</td></tr>");
    }
    if (*deleted) {
        sb_adds(b, "<tr class=\"hl\"><th>");
        html_esc(b, i18n_field(w->lang, t, "deleted"));
        sb_adds(b, "</th><td>");
        text(w, b, M_DELETED_MARK);
        sb_adds(b, "</td></tr>");
    }
    sb_adds(b, "</tbody></table>");
    cs_record_release(&r);
    return 0;
}

static void value_box(struct web *w, struct sw_buf *b, const cJSON *c,
                      const char *which, enum i18n_msg title, int deleted_win)
{
    char vb[32], key[32];
    int64_t h = 0;
    const char *col = jstr(c, "field");
    sb_addf(b, "<div class=\"value-box %s\" id=\"%s\"><strong>", which, which);
    text(w, b, title);
    sb_adds(b, "</strong><div class=\"v\">");
    snprintf(key, sizeof(key), "%s_value", which);
    if (deleted_win)
        text(w, b, M_DELETED_MARK);
    else
        put_value(w, b, col, jtext(jget(c, key), vb, sizeof(vb)), 0);
    sb_adds(b, "</div><dl><dt>");
    text(w, b, M_WRITTEN_BY);
    sb_adds(b, "</dt><dd>");
    /* the worker (or admin) who wrote it, when the writer said */
    snprintf(key, sizeof(key), "%s_author", which);
    if (jstr(c, key)) {
        sb_addf(b, "<span class=\"author\" id=\"%s-author\">", which);
        html_esc(b, jstr(c, key));
        sb_adds(b, "</span> · ");
    }
    snprintf(key, sizeof(key), "%s_site", which);
    put_site(w, b, jstr(c, key));
    sb_adds(b, "</dd><dt>");
    text(w, b, M_WRITTEN_AT);
    sb_adds(b, "</dt><dd>");
    snprintf(key, sizeof(key), "%s_hlc", which);
    if (jstr(c, key) && hlc_parse(jstr(c, key), &h) == 0)
        put_time(b, hlc_ms(h));
    else
        sb_adds(b, "-");
    sb_adds(b, "</dd></dl></div>");
}

/*
** The page of one conflict.  err_html: an error to show above the form
** (markup, escaped), with the admin's entries kept.
*/
static int conflict_page(struct web *w, int64_t id, unsigned status,
                         const char *err_html, const char *keep,
                         const char *value, const char *note)
{
    cJSON *c = NULL;
    struct sw_buf b;
    const struct sw_table *t;
    const char *col, *tbl, *msg = qarg(w, "msg");
    char idtxt[24], vb[32];
    int deleted = 0, open, eod;

    if (admin_conflict_json(w->db, id, &c, &w->err)) {
        if (w->err.code == SW_EDATA)
            return fail(w, 404, "not_found", M_NOT_FOUND);
        return fail_err(w);
    }
    if (w->api && !err_html)
        return send_wrapped(w, "conflict", c);
    tbl = jstr(c, "table");
    col = jstr(c, "field");
    t = sw_table_by_name(tbl);
    open = strcmp(jstr(c, "status"), "open") == 0;
    eod = strcmp(jstr(c, "kind"), "edit_of_deleted") == 0;
    snprintf(idtxt, sizeof(idtxt), "%" PRId64, id);
    snprintf(vb, sizeof(vb), "/admin/conflicts/%" PRId64, id);
    w->here = NULL;

    sb_init(&b);
    sb_adds(&b, "<h1>");
    i18n_fmt(&b, w->lang, M_CONFLICT_TITLE, idtxt);
    sb_adds(&b, " · ");
    html_esc(&b, i18n_table(w->lang, tbl));
    sb_adds(&b, " · ");
    html_esc(&b, t ? i18n_field(w->lang, t, col) : col);
    sb_addf(&b, " <span class=\"state %s\" id=\"status\">",
            open ? "error" : "ok");
    text(w, &b, open ? M_STATUS_OPEN : M_STATUS_RESOLVED);
    sb_adds(&b, "</span></h1>");
    if (msg && strcmp(msg, "resolved") == 0)
        flash_msg(w, &b, "ok", "done", M_RESOLVED_OK, NULL);
    if (err_html)
        flash(&b, "bad", "error", err_html);
    sb_adds(&b, "<p class=\"sub\">");
    text(w, &b,
         eod                                                   ? M_KIND_DELETED
         : strcmp(jstr(c, "kind"), "edit_after_transfer") == 0 ? M_KIND_TRANSFER
                                                               : M_KIND_FIELD);
    sb_adds(&b, " · ");
    text(w, &b, M_COL_DETECTED);
    sb_adds(&b, " ");
    put_time(&b, jint(c, "detected_at"));
    sb_adds(&b, "</p><div class=\"grid2\">");
    value_box(w, &b, c, "winner", open ? M_WINNER : M_WINNER_WAS, eod);
    value_box(w, &b, c, "loser", open ? M_LOSER : M_LOSER_WAS, 0);
    sb_adds(&b, "</div>");

    if (open) {
        const struct sw_column *cl =
            t ? &t->cols[sw_col_index(t, col) < 0 ? 0 : sw_col_index(t, col)]
              : NULL;
        sb_addf(&b,
                "<form method=\"post\" action=\"/admin/conflicts/%" PRId64
                "/resolve\" id=\"resolve-form\"><fieldset><legend>",
                id);
        text(w, &b, M_RESOLVE_TITLE);
        sb_adds(&b, "</legend>");
        hidden_csrf(w, &b);
        sb_addf(&b,
                "<label class=\"choice\"><input type=\"radio\" "
                "name=\"keep\" value=\"winner\" id=\"keep-winner\"%s> ",
                keep && strcmp(keep, "winner") == 0 ? " checked" : "");
        text(w, &b, eod ? M_KEEP_WINNER_DELETED : M_KEEP_WINNER);
        sb_addf(&b,
                "</label><label class=\"choice\"><input type=\"radio\" "
                "name=\"keep\" value=\"loser\" id=\"keep-loser\"%s> ",
                keep && strcmp(keep, "loser") == 0 ? " checked" : "");
        text(w, &b, eod ? M_KEEP_LOSER_DELETED : M_KEEP_LOSER);
        sb_adds(&b, "</label>");
        if (cl && !(cl->flags & SW_COL_FIXED)) {
            sb_addf(&b,
                    "<label class=\"choice\"><input type=\"radio\" "
                    "name=\"keep\" value=\"value\" id=\"keep-value\"%s> ",
                    keep && strcmp(keep, "value") == 0 ? " checked" : "");
            text(w, &b, M_KEEP_VALUE);
            sb_adds(&b, "</label><div class=\"newvalue\">");
            if (cl->check == CK_ENUM) {
                /* a choice is chosen, not typed */
                struct sw_buf a;
                sb_init(&a);
                sb_adds(&a, "name=\"value\" id=\"new-value\" aria-label=\"");
                html_esc(&a, tr(w->lang, M_KEEP_VALUE));
                sb_adds(&a, "\"");
                if (!a.oom)
                    choice_select(w, &b, cl, a.buf, value);
                sb_release(&a);
            } else {
                sb_adds(&b, "<input name=\"value\" id=\"new-value\" "
                            "maxlength=\"4000\" aria-label=\"");
                text(w, &b, M_KEEP_VALUE);
                sb_adds(&b, "\" value=\"");
                html_esc(&b, value ? value : "");
                sb_adds(&b, "\"><p class=\"hint\">");
                text(w, &b, M_FORMAT);
                i18n_check(&b, w->lang, cl);
                sb_adds(&b, "</p>");
            }
            sb_adds(&b, "</div>");
        }
        sb_adds(&b, "<label for=\"note\">");
        text(w, &b, M_NOTE);
        sb_adds(&b, "</label><textarea name=\"note\" id=\"note\" "
                    "maxlength=\"1000\">");
        html_esc(&b, note ? note : "");
        sb_adds(&b, "</textarea><p><button type=\"submit\" id=\"resolve\">");
        text(w, &b, M_RESOLVE_BUTTON);
        sb_adds(&b, "</button></p></fieldset></form>");
    } else {
        const char *res = jstr(c, "resolution");
        sb_adds(&b, "<table class=\"kv card\" id=\"resolution\"><tr><th>");
        text(w, &b, M_RESOLUTION);
        sb_adds(&b, "</th><td>");
        text(w, &b,
             res && strcmp(res, "winner") == 0  ? M_KEEP_WINNER
             : res && strcmp(res, "loser") == 0 ? M_KEEP_LOSER
                                                : M_KEEP_VALUE);
        sb_adds(&b, "</td></tr><tr><th>");
        text(w, &b, M_RESOLVED_BY);
        sb_adds(&b, "</th><td>");
        html_esc(&b, jstr(c, "resolved_by"));
        sb_adds(&b, "</td></tr><tr><th>");
        text(w, &b, M_RESOLVED_AT);
        sb_adds(&b, "</th><td>");
        put_time(&b, jint(c, "resolved_at"));
        sb_adds(&b, "</td></tr><tr><th>");
        text(w, &b, M_NOTE);
        sb_adds(&b, "</th><td id=\"resolution-note\">");
        put_value(w, &b, "note", jstr(c, "note"), 0);
        sb_adds(&b, "</td></tr></table>");
    }

    sb_adds(&b, "<h2>");
    text(w, &b, M_RECORD_CONTEXT);
    sb_adds(&b, "</h2>");
    if (t)
        record_table(w, &b, t, jstr(c, "record"), col, &deleted, NULL, 0, 0);
    cJSON_Delete(c);
    w->here = vb;
    return send_page(w, status, M_CONFLICT_TITLE, idtxt, &b);
}

static int do_resolve(struct web *w, int64_t id)
{
    const char *keep = farg(w, "keep"), *value = farg(w, "value");
    const char *note = farg(w, "note");
    enum admin_keep how;
    struct audit_src src;
    cJSON *c = NULL;
    struct sw_buf e;
    char loc[64];
    int rc;

    if (!keep || (strcmp(keep, "winner") != 0 && strcmp(keep, "loser") != 0 &&
                  strcmp(keep, "value") != 0)) {
        if (w->api)
            return api_error(w, 400, "bad_request",
                             "keep must be winner, loser or value");
        sb_init(&e);
        html_esc(&e, tr(w->lang, M_CHOOSE_KEEP));
        rc = e.oom ? -1 : conflict_page(w, id, 400, e.buf, keep, value, note);
        sb_release(&e);
        return rc;
    }
    how = keep[0] == 'w'   ? ADMIN_KEEP_WINNER
          : keep[0] == 'l' ? ADMIN_KEEP_LOSER
                           : ADMIN_KEEP_VALUE;
    if (note && strlen(note) > NOTE_MAX) {
        if (w->api)
            return api_error(w, 400, "bad_request",
                             tr(LANG_EN, M_NOTE_TOO_LONG));
        sb_init(&e);
        html_esc(&e, tr(w->lang, M_NOTE_TOO_LONG));
        rc = e.oom ? -1 : conflict_page(w, id, 400, e.buf, keep, value, note);
        sb_release(&e);
        return rc;
    }
    if (admin_conflict_json(w->db, id, &c, &w->err)) {
        if (w->err.code == SW_EDATA)
            return fail(w, 404, "not_found", M_NOT_FOUND);
        return fail_err(w);
    }
    if (strcmp(jstr(c, "status"), "open") != 0) {
        cJSON_Delete(c);
        if (w->api)
            return api_error(w, 409, "conflict",
                             tr(LANG_EN, M_ALREADY_RESOLVED));
        sb_init(&e);
        html_esc(&e, tr(w->lang, M_ALREADY_RESOLVED));
        rc = e.oom ? -1 : conflict_page(w, id, 409, e.buf, NULL, NULL, NULL);
        sb_release(&e);
        return rc;
    }
    if (how == ADMIN_KEEP_VALUE) {
        /* check the value here, to say what is wrong in the page's words */
        const struct sw_table *t = sw_table_by_name(jstr(c, "table"));
        int ci = t ? sw_col_index(t, jstr(c, "field")) : -1;
        struct sw_err verr;
        memset(&verr, 0, sizeof(verr));
        if (ci >= 0)
            value = choice_code(&t->cols[ci], value); /* "高": high */
        if (ci >= 0 && ((t->cols[ci].flags & SW_COL_FIXED) ||
                        sw_validate(t, &t->cols[ci],
                                    value && *value ? value : NULL, &verr))) {
            sb_init(&e);
            if (t->cols[ci].flags & SW_COL_FIXED) {
                html_esc(&e, tr(w->lang, M_CANNOT_CHANGE));
            } else {
                i18n_fmt(&e, w->lang, M_INVALID_VALUE,
                         i18n_field(w->lang, t, t->cols[ci].name));
                i18n_check(&e, w->lang, &t->cols[ci]);
            }
            cJSON_Delete(c);
            note_error(w, "bad_request", verr.msg);
            if (w->api) {
                rc = api_error(w, 400, "bad_request",
                               verr.msg[0] ? verr.msg : "cannot change");
                sb_release(&e);
                return rc;
            }
            rc = e.oom ? -1
                       : conflict_page(w, id, 400, e.buf, keep, value, note);
            sb_release(&e);
            return rc;
        }
    }
    cJSON_Delete(c);
    web_src(w, &src);
    wlock(w);
    rc = admin_resolve(w->store, id, how, value, note, w->sess.admin, &src,
                       &w->err);
    wunlock(w);
    if (rc)
        return fail_err(w);
    if (w->api)
        return conflict_page(w, id, 200, NULL, NULL, NULL, NULL);
    snprintf(loc, sizeof(loc), "/admin/conflicts/%" PRId64 "?msg=resolved", id);
    return redirect(w, loc);
}

/* ---- records ------------------------------------------------------------- */

struct search_arg {
    struct web *w;
    struct sw_buf *b;
    cJSON *arr;
    int n;
};

/* One case found: a JSON object (the API) or a row of the results. */
static int search_hit(void *arg, const struct cs_case_hit *h)
{
    struct search_arg *a = arg;
    struct sw_buf *b = a->b;
    a->n++;
    if (a->arr) {
        cJSON *o = cJSON_CreateObject();
        static const char *const k[] = {"id",      "station",  "name",
                                        "village", "category", "risk_level",
                                        "status"};
        const char *v[] = {h->id,       h->station,    h->name,  h->village,
                           h->category, h->risk_level, h->status};
        if (!o || !cJSON_AddItemToArray(a->arr, o)) {
            cJSON_Delete(o);
            return -1;
        }
        for (int i = 0; i < 7; i++)
            if (!v[i])
                cJSON_AddNullToObject(o, k[i]);
            else
                cJSON_AddStringToObject(o, k[i], v[i]);
        return 0;
    }
    sb_adds(b, "<tr><td><a class=\"case-link\" "
               "href=\"/admin/records/cases/");
    html_url(b, h->id);
    sb_adds(b, "\">");
    html_esc(b, h->name);
    sb_adds(b, "</a></td><td>");
    html_esc(b, h->station);
    sb_adds(b, "</td><td>");
    put_value(a->w, b, "village", h->village, 20);
    sb_adds(b, "</td><td>");
    put_value(a->w, b, "category", h->category, 0);
    sb_adds(b, "</td><td>");
    put_value(a->w, b, "risk_level", h->risk_level, 0);
    sb_adds(b, "</td><td>");
    put_value(a->w, b, "status", h->status, 0);
    sb_adds(b, "</td><td class=\"sub\">");
    html_esc(b, h->id);
    sb_adds(b, "</td></tr>");
    return 0;
}

static int do_records(struct web *w)
{
    const char *q = qarg(w, "q");
    struct sw_buf b;
    struct search_arg sa = {w, &b, NULL, 0};
    int rc, more = 0;

    if (q && sw_uuid_valid(q) && !w->api) {
        /* an id: straight to the record */
        char table[16];
        if (cs_find_id(w->db, q, table, &w->err) == 0) {
            char loc[128];
            snprintf(loc, sizeof(loc), "/admin/records/%s/%s", table, q);
            return redirect(w, loc);
        }
    }
    if (w->api && !(sa.arr = cJSON_CreateArray()))
        return -1;
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_RECORDS_TITLE);
    sb_adds(&b, "</h1>");
    if (qarg(w, "msg") && strcmp(qarg(w, "msg"), "purged") == 0)
        flash_msg(w, &b, "ok", "done", M_PURGED, NULL);
    sb_adds(&b, "<form method=\"get\" action=\"/admin/records\" "
                "class=\"filters card\" id=\"search\"><label for=\"q\">");
    text(w, &b, M_SEARCH_LABEL);
    sb_adds(&b, "<input id=\"q\" name=\"q\" size=\"40\" maxlength=\"100\" "
                "value=\"");
    html_esc(&b, q ? q : "");
    sb_adds(&b, "\"></label><button type=\"submit\">");
    text(w, &b, M_SEARCH_BUTTON);
    sb_adds(&b, "</button></form>");
    if (q && *q && strlen(q) <= 100) {
        sb_adds(&b, "<table id=\"results\"><thead><tr>");
        th(w, &b, M_COL_NAME, NULL);
        th(w, &b, M_COL_STATION, NULL);
        sb_adds(&b, "<th>");
        html_esc(&b, i18n_field(w->lang, &sw_tables[SW_T_CASES], "village"));
        sb_adds(&b, "</th><th>");
        html_esc(&b, i18n_field(w->lang, &sw_tables[SW_T_CASES], "category"));
        sb_adds(&b, "</th><th>");
        html_esc(&b, i18n_field(w->lang, &sw_tables[SW_T_CASES], "risk_level"));
        sb_adds(&b, "</th><th>");
        html_esc(&b, i18n_field(w->lang, &sw_tables[SW_T_CASES], "status"));
        sb_adds(&b, "</th><th>ID</th></tr></thead><tbody>");
        rc = cs_search_cases(w->db, q, SEARCH_MAX, search_hit, &sa, &more,
                             &w->err);
        if (rc) {
            sb_release(&b);
            cJSON_Delete(sa.arr);
            return rc < 0 ? -1 : fail_err(w);
        }
        sb_adds(&b, "</tbody></table>");
        if (!sa.n) {
            sb_adds(&b, "<p class=\"empty\" id=\"no-results\">");
            text(w, &b, M_NO_RESULTS);
            sb_adds(&b, "</p>");
        } else if (more) {
            char num[16];
            snprintf(num, sizeof(num), "%d", SEARCH_MAX);
            flash_msg(w, &b, "warn", "more", M_RESULTS_MAX, num);
        }
    }
    if (q && *q && strlen(q) <= 100) {
        /* how many people the search showed (not the search text) */
        char d[64];
        snprintf(d, sizeof(d), "%s: %d cases", sa.arr ? "api search" : "search",
                 sa.n);
        audit_view(w, AUDIT_SEARCH, "cases", d);
    }
    if (sa.arr) {
        sb_release(&b);
        return send_wrapped(w, "cases", sa.arr);
    }
    return send_page(w, 200, M_RECORDS_TITLE, NULL, &b);
}

struct list_arg {
    struct web *w;
    struct sw_buf *b;
    const char *table;
    const char *const *cols;
    const struct sw_table *t;
    int n;
};

/* A visit's or service's row: its values and a link to it. */
static int child_row(void *arg, const char *const v[5])
{
    struct list_arg *a = arg;
    a->n++;
    sb_adds(a->b, "<tr>");
    for (int i = 0; i < 4; i++) {
        sb_adds(a->b, "<td>");
        put_value(a->w, a->b, a->cols[i], v[i + 1], 80);
        sb_adds(a->b, "</td>");
    }
    sb_addf(a->b, "<td><a href=\"/admin/records/%s/", a->table);
    html_url(a->b, v[0]);
    sb_adds(a->b, "\">");
    text(a->w, a->b, M_VIEW_LINK);
    sb_adds(a->b, "</a></td></tr>");
    return 0;
}

static void visits_services(struct web *w, struct sw_buf *b, const char *id)
{
    static const struct {
        int (*list)(sdb *db, const char *id,
                    int (*fn)(void *arg, const char *const v[5]), void *arg,
                    struct sw_err *err);
        const char *table, *c1, *c2, *c3, *c4;
        enum i18n_msg title;
    } lists[] = {
        {cs_case_visits, "visits", "visited_at", "mode", "worker", "findings",
         M_VISITS},
        {cs_case_services, "services", "service_on", "service_type", "amount",
         "outcome", M_SERVICES},
    };
    for (int k = 0; k < 2; k++) {
        const struct sw_table *t = sw_table_by_name(lists[k].table);
        const char *cols[4] = {lists[k].c1, lists[k].c2, lists[k].c3,
                               lists[k].c4};
        struct list_arg a = {w, b, lists[k].table, cols, t, 0};
        sb_adds(b, "<h2>");
        text(w, b, lists[k].title);
        sb_addf(b, "</h2><table id=\"%s\"><thead><tr>", lists[k].table);
        for (int i = 0; i < 4; i++) {
            sb_adds(b, "<th>");
            html_esc(b, i18n_field(w->lang, t, cols[i]));
            sb_adds(b, "</th>");
        }
        sb_adds(b, "<th></th></tr></thead><tbody>");
        /* a failure shows what was read (the server's log has it) */
        lists[k].list(w->db, id, child_row, &a, NULL);
        sb_adds(b, "</tbody></table>");
        if (!a.n) {
            sb_adds(b, "<p class=\"empty\">");
            text(w, b, M_NONE);
            sb_adds(b, "</p>");
        }
    }
}

/* A conflict about the record shown: a link, its field, state and time. */
static int record_conflict(void *arg, const struct cs_record_conflict *c)
{
    struct list_arg *a = arg;
    struct sw_buf *b = a->b;
    int open = c->status && strcmp(c->status, "open") == 0;
    if (!a->n++) {
        sb_adds(b, "<h2>");
        text(a->w, b, M_RECORD_CONFLICTS);
        sb_adds(b, "</h2><ul id=\"record-conflicts\">");
    }
    sb_addf(b, "<li><a href=\"/admin/conflicts/%" PRId64 "\">#%" PRId64 "</a> ",
            c->id, c->id);
    html_esc(b, i18n_field(a->w->lang, a->t, c->col));
    sb_addf(b, " <span class=\"state %s\">", open ? "error" : "ok");
    text(a->w, b, open ? M_STATUS_OPEN : M_STATUS_RESOLVED);
    sb_adds(b, "</span> <span class=\"sub\">");
    put_time(b, c->detected_at);
    sb_adds(b, "</span></li>");
    return 0;
}

static void record_conflicts(struct web *w, struct sw_buf *b,
                             const struct sw_table *t, const char *id)
{
    struct list_arg a = {w, b, t->name, NULL, t, 0};
    cs_record_conflicts(w->db, t->name, id, record_conflict, &a, NULL);
    if (a.n)
        sb_adds(b, "</ul>");
}

static int record_page(struct web *w, const struct sw_table *t, const char *id,
                       unsigned status, const char *err_html, const char *field,
                       const char *value)
{
    struct sw_buf b;
    const char *msg = qarg(w, "msg"), *rv = qarg(w, "reveal");
    char here[128], station[SW_CODE_MAX + 1], target[80];
    int deleted = 0, reveal = rv && strcmp(rv, "1") == 0;

    sb_init(&b);
    sb_adds(&b, "<h1>");
    html_esc(&b, i18n_table(w->lang, t->name));
    sb_adds(&b, " <span class=\"sub\">");
    html_esc(&b, id);
    sb_adds(&b, "</span></h1>");
    if (msg && strcmp(msg, "corrected") == 0)
        flash_msg(w, &b, "ok", "done", M_CORRECTED, NULL);
    if (msg && strcmp(msg, "transferred") == 0)
        flash_msg(w, &b, "ok", "done", M_TRANSFERRED, NULL);
    if (err_html)
        flash(&b, "bad", "error", err_html);
    if (record_table(w, &b, t, id, NULL, &deleted, station, sizeof(station),
                     reveal)) {
        sb_release(&b);
        return fail(w, 404, "not_found", M_NOT_FOUND);
    }
    /* who read what: every view of a record, and the unmasking apart */
    snprintf(target, sizeof(target), "%s/%s", t->name, id);
    audit_view(w, reveal ? AUDIT_REVEAL : AUDIT_VIEW, target,
               reveal ? "record page: ID number and phone shown"
                      : "record page");
    if (t == &sw_tables[SW_T_CASES] && !reveal) {
        sb_adds(&b, "<p><a id=\"reveal\" href=\"/admin/records/cases/");
        html_url(&b, id);
        sb_adds(&b, "?reveal=1\">");
        text(w, &b, M_REVEAL);
        sb_adds(&b, "</a></p>");
    }
    if (deleted)
        flash_msg(w, &b, "warn", "deleted", M_RECORD_DELETED, NULL);
    record_conflicts(w, &b, t, id);
    if (t == &sw_tables[SW_T_CASES])
        visits_services(w, &b, id);
    if (!deleted) {
        sb_adds(&b, "<h2>");
        text(w, &b, M_CORRECT_TITLE);
        sb_addf(&b, "</h2><form method=\"post\" action=\"/admin/records/%s/",
                t->name);
        html_url(&b, id);
        sb_adds(&b, "/set\" class=\"filters card\" id=\"correct-form\">");
        hidden_csrf(w, &b);
        sb_adds(&b, "<label>");
        text(w, &b, M_COL_FIELD);
        sb_adds(&b, "<select name=\"field\" id=\"correct-field\">");
        for (int c = 0; c < sw_col_deleted(t); c++)
            if (!(t->cols[c].flags & (SW_COL_FIXED | SW_COL_SYSTEM)))
                select_option(&b, t->cols[c].name,
                              i18n_field(w->lang, t, t->cols[c].name), field);
        sb_adds(&b, "</select></label><label id=\"correct-text\">");
        text(w, &b, M_CORRECT_VALUE);
        sb_adds(&b, "<input name=\"value\" id=\"correct-value\" size=\"40\" "
                    "maxlength=\"4000\" value=\"");
        html_esc(&b, value ? value : "");
        sb_adds(&b, "\"></label>");
        /* a choice field's values: chosen from its labels (admin.js shows
           the chosen field's select in place of the text box; without
           it a label typed in the box is taken too) */
        for (int c = 0; c < sw_col_deleted(t); c++) {
            const struct sw_column *cl = &t->cols[c];
            struct sw_buf a;
            if (cl->check != CK_ENUM ||
                (cl->flags & (SW_COL_FIXED | SW_COL_SYSTEM)))
                continue;
            sb_init(&a);
            sb_addf(&a,
                    "name=\"value_%s\" id=\"correct-%s\" "
                    "class=\"choice-value\" data-field=\"%s\"",
                    cl->name, cl->name, cl->name);
            sb_addf(&b, "<label class=\"choice-value\" data-field=\"%s\"%s>",
                    cl->name,
                    field && strcmp(field, cl->name) == 0 ? "" : " hidden");
            text(w, &b, M_CORRECT_VALUE);
            if (!a.oom)
                choice_select(w, &b, cl, a.buf,
                              field && strcmp(field, cl->name) == 0 ? value
                                                                    : NULL);
            sb_adds(&b, "</label>");
            sb_release(&a);
        }
        sb_adds(&b, "<button type=\"submit\">");
        text(w, &b, M_CORRECT_BUTTON);
        sb_adds(&b, "</button></form>");
    }
    if (t == &sw_tables[SW_T_CASES]) {
        /* case transfer (docs/design-notes.md, "Case transfer") */
        sb_adds(&b, "<h2>");
        text(w, &b, M_TRANSFER_TITLE);
        sb_adds(&b, "</h2><p class=\"sub\">");
        text(w, &b, M_TRANSFER_HELP);
        sb_adds(&b, "</p><form method=\"post\" action=\"/admin/records/cases/");
        html_url(&b, id);
        sb_adds(&b, "/transfer\" class=\"filters card\" id=\"transfer-form\">");
        hidden_csrf(w, &b);
        sb_adds(&b, "<label>");
        text(w, &b, M_TRANSFER_TO);
        sb_adds(&b, "<select name=\"to\" id=\"transfer-to\">");
        station_options(w, &b, station);
        sb_adds(&b, "</select></label><label>");
        text(w, &b, M_TRANSFER_NOTE);
        sb_adds(&b, "<input name=\"note\" id=\"transfer-note\" size=\"40\" "
                    "maxlength=\"500\" required></label>"
                    "<button type=\"submit\" id=\"transfer-button\">");
        text(w, &b, M_TRANSFER_BUTTON);
        sb_adds(&b, "</button></form>");
        sb_adds(&b, "<h2>");
        text(w, &b, M_PURGE_TITLE);
        sb_adds(&b, "</h2><p class=\"sub\">");
        text(w, &b, M_PURGE_HELP);
        sb_adds(&b, "</p><form method=\"post\" action=\"/admin/records/cases/");
        html_url(&b, id);
        sb_adds(&b, "/purge\" class=\"filters card\" id=\"purge-form\">");
        hidden_csrf(w, &b);
        sb_adds(&b, "<label>");
        text(w, &b, M_PURGE_CONFIRM);
        sb_adds(&b, "<input name=\"confirm\" id=\"purge-confirm\" size=\"20\" "
                    "autocomplete=\"off\" required></label><label>");
        text(w, &b, M_PURGE_REASON);
        sb_adds(&b, "<input name=\"reason\" id=\"purge-reason\" size=\"40\" "
                    "maxlength=\"500\" required></label>"
                    "<button type=\"submit\" class=\"danger\">");
        text(w, &b, M_PURGE_BUTTON);
        sb_adds(&b, "</button></form>");
    }
    snprintf(here, sizeof(here), "/admin/records/%s/%s", t->name, id);
    w->here = here;
    return send_page(w, status, M_RECORDS_TITLE, NULL, &b);
}

/* POST /admin/records/cases/ID/purge: confirm (the person's name or
** 清除) and reason; erases the person (admin_purge_case). */
static int do_purge(struct web *w, const char *id)
{
    const char *confirm = farg(w, "confirm"), *reason = farg(w, "reason");
    char *name = NULL;
    struct audit_src src;
    struct sw_buf e;
    int match = 0, rc;

    rc = cs_case_name(w->db, 1, id, &name, &w->err);
    if (rc == 1)
        return fail(w, 404, "not_found", M_NOT_FOUND);
    if (rc)
        return fail_err(w);
    match = confirm && (strcmp(confirm, "清除") == 0 ||
                        (name && strcmp(confirm, name) == 0));
    free(name);
    if (!match || !reason || !*reason || strlen(reason) > 500) {
        note_error(w, "bad_request", "purge: confirmation or reason");
        sb_init(&e);
        html_esc(&e, tr(w->lang, M_PURGE_MISMATCH));
        rc = e.oom ? -1
                   : record_page(w, &sw_tables[SW_T_CASES], id, 400, e.buf,
                                 NULL, NULL);
        sb_release(&e);
        return rc;
    }
    web_src(w, &src);
    wlock(w);
    rc = admin_purge_case(w->db, id, reason, &src, NULL, &w->err);
    wunlock(w);
    if (rc) {
        if (w->err.code == SW_ENOINPUT || w->err.code == SW_EDATA)
            return fail(w, 404, "not_found", M_NOT_FOUND);
        return fail_err(w);
    }
    return redirect(w, "/admin/records?msg=purged");
}

static int parse_id(const char *s, int64_t *out);

/* POST /admin/records/cases/ID/transfer: to, note, and request (a
** station's request it confirms, from the transfers page): moves the
** case (admin_transfer_case). */
static int do_transfer(struct web *w, const char *id)
{
    const char *to = farg(w, "to"), *note = farg(w, "note"),
               *rq = farg(w, "request");
    struct audit_src src;
    struct sw_buf e;
    int64_t request = 0;
    char loc[128];
    int rc;

    if (rq && *rq && parse_id(rq, &request))
        request = -1;
    if (!to || !note || request < 0) {
        rc = SW_EUSAGE;
    } else {
        web_src(w, &src);
        wlock(w);
        rc = admin_transfer_case(w->store, id, to, note, request, &src, NULL,
                                 NULL, &w->err);
        wunlock(w);
    }
    if (rc == SW_EDATA)
        return fail(w, 404, "not_found", M_NOT_FOUND);
    if (rc == SW_EUSAGE) {
        note_error(w, "bad_request", "transfer: station or note");
        sb_init(&e);
        html_esc(&e, tr(w->lang, M_TRANSFER_BAD));
        rc = e.oom ? -1
                   : record_page(w, &sw_tables[SW_T_CASES], id, 400, e.buf,
                                 NULL, NULL);
        sb_release(&e);
        return rc;
    }
    if (rc)
        return fail_err(w);
    if (request > 0)
        return redirect(w, "/admin/transfers?msg=transferred");
    snprintf(loc, sizeof(loc), "/admin/records/cases/%s?msg=transferred", id);
    return redirect(w, loc);
}

/* A link to a case's page, its id shown short. */
static void case_link(struct sw_buf *b, const char *id)
{
    sb_adds(b, "<a href=\"/admin/records/cases/");
    html_url(b, id);
    sb_adds(b, "\">");
    esc_short(b, id, 13);
    sb_adds(b, "</a>");
}

struct transfers_arg {
    struct web *w;
    struct sw_buf *b;
    int n;
};

/* A pending request: its row, with a form to confirm and one to decline. */
static int transfer_ask(void *arg, const struct cs_transfer_request *r)
{
    struct transfers_arg *a = arg;
    struct sw_buf *b = a->b;
    char num[24], idc[SW_UUID_LEN + 1];
    snprintf(idc, sizeof(idc), "%s", r->case_id ? r->case_id : "");
    snprintf(num, sizeof(num), "%lld", (long long)r->id);
    a->n++;
    sb_addf(b, "<tr id=\"request-%s\"><td>%s</td><td>", num, num);
    html_esc(b, r->station);
    sb_adds(b, "</td><td>");
    case_link(b, idc);
    sb_adds(b, "</td><td>");
    html_esc(b, r->to_station);
    sb_adds(b, "</td><td>");
    html_esc(b, r->asked_by);
    sb_adds(b, "</td><td>");
    put_time(b, r->asked_at);
    sb_adds(b, "</td><td>");
    html_esc(b, r->note);
    /* confirm: the transfer itself, with the station's note */
    sb_adds(b, "</td><td><form method=\"post\" "
               "action=\"/admin/records/cases/");
    html_url(b, idc);
    sb_addf(b, "/transfer\" class=\"inline\" id=\"confirm-%s\">", num);
    hidden_csrf(a->w, b);
    sb_addf(b, "<input type=\"hidden\" name=\"request\" value=\"%s\">", num);
    sb_adds(b, "<input type=\"hidden\" name=\"to\" value=\"");
    html_esc(b, r->to_station);
    sb_adds(b, "\"><input type=\"hidden\" name=\"note\" value=\"");
    html_esc(b, r->note);
    sb_adds(b, "\"><button type=\"submit\">");
    text(a->w, b, M_TRANSFER_CONFIRM);
    sb_addf(b,
            "</button></form><form method=\"post\" "
            "action=\"/admin/transfers/%s/decline\" class=\"inline\" "
            "id=\"decline-%s\">",
            num, num);
    hidden_csrf(a->w, b);
    sb_adds(b, "<button type=\"submit\" class=\"danger\">");
    text(a->w, b, M_TRANSFER_DECLINE);
    sb_adds(b, "</button></form></td></tr>");
    return 0;
}

/* A transfer done: who moved what where (no personal value). */
static int transfer_done(void *arg, const struct cs_transfer *t)
{
    struct transfers_arg *a = arg;
    struct sw_buf *b = a->b;
    char idc[SW_UUID_LEN + 1];
    snprintf(idc, sizeof(idc), "%s", t->case_id ? t->case_id : "");
    sb_adds(b, "<tr><td>");
    case_link(b, idc);
    sb_adds(b, "</td><td>");
    html_esc(b, t->from_station);
    sb_adds(b, "</td><td>");
    html_esc(b, t->to_station);
    sb_adds(b, "</td><td>");
    put_time(b, t->at);
    sb_adds(b, "</td><td>");
    html_esc(b, t->admin);
    sb_adds(b, "</td><td>");
    html_esc(b, t->note);
    sb_adds(b, "</td></tr>");
    return 0;
}

/* GET /admin/transfers: the stations' pending requests, each with a form
** to confirm (the transfer) and one to decline; the recent transfers. */
static int do_transfers(struct web *w)
{
    const char *msg = qarg(w, "msg");
    struct sw_buf b;
    struct transfers_arg a = {w, &b, 0};

    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_TRANSFERS_TITLE);
    sb_adds(&b, "</h1>");
    if (msg && strcmp(msg, "transferred") == 0)
        flash_msg(w, &b, "ok", "done", M_TRANSFERRED, NULL);
    if (msg && strcmp(msg, "declined") == 0)
        flash_msg(w, &b, "ok", "done", M_TRANSFER_DECLINED, NULL);
    sb_adds(&b, "<table id=\"transfer-requests\"><thead><tr>");
    th(w, &b, M_COL_REQUEST, NULL);
    th(w, &b, M_COL_FROM_STATION, NULL);
    th(w, &b, M_COL_RECORD, NULL);
    th(w, &b, M_COL_TO_STATION, NULL);
    th(w, &b, M_COL_ASKED_BY, NULL);
    th(w, &b, M_COL_WHEN, NULL);
    th(w, &b, M_COL_NOTE, NULL);
    sb_adds(&b, "<th></th></tr></thead><tbody>");
    if (cs_transfer_requests(w->db, 0, transfer_ask, &a, &w->err)) {
        sb_release(&b);
        return fail_err(w);
    }
    sb_adds(&b, "</tbody></table>");
    if (a.n == 0) {
        sb_adds(&b, "<p class=\"sub\" id=\"no-requests\">");
        text(w, &b, M_TRANSFERS_NONE);
        sb_adds(&b, "</p>");
    }
    /* the recent transfers: who moved what where (no personal value) */
    sb_adds(&b, "<h2>");
    text(w, &b, M_TRANSFERS_DONE);
    sb_adds(&b, "</h2><table id=\"transfers-recent\"><thead><tr>");
    th(w, &b, M_COL_RECORD, NULL);
    th(w, &b, M_COL_STATION, NULL);
    th(w, &b, M_COL_TO_STATION, NULL);
    th(w, &b, M_COL_WHEN, NULL);
    th(w, &b, M_COL_ASKED_BY, NULL);
    th(w, &b, M_COL_NOTE, NULL);
    sb_adds(&b, "</tr></thead><tbody>");
    /* a failure leaves the list as far as it was read */
    cs_transfers_recent(w->db, 20, transfer_done, &a, NULL);
    sb_adds(&b, "</tbody></table>");
    return send_page(w, 200, M_TRANSFERS_TITLE, NULL, &b);
}

/* POST /admin/transfers/N/decline */
static int do_transfer_decline(struct web *w, int64_t n)
{
    struct audit_src src;
    int rc;

    web_src(w, &src);
    wlock(w);
    rc = admin_transfer_decline(w->db, n, &src, &w->err);
    wunlock(w);
    if (rc == SW_EUSAGE)
        return fail(w, 404, "not_found", M_NOT_FOUND);
    if (rc)
        return fail_err(w);
    return redirect(w, "/admin/transfers?msg=declined");
}

static int do_record_set(struct web *w, const struct sw_table *t,
                         const char *id)
{
    const char *field = farg(w, "field"), *value = farg(w, "value");
    struct rec_assign as;
    struct audit_src src;
    struct sw_err verr;
    struct sw_buf e;
    char loc[128];
    int ci = field ? sw_col_index(t, field) : -1, rc;

    memset(&verr, 0, sizeof(verr));
    if (ci >= 0 && t->cols[ci].check == CK_ENUM) {
        /* chosen in the field's select (value_FIELD), or typed: a code
           or its label */
        char key[64];
        snprintf(key, sizeof(key), "value_%s", t->cols[ci].name);
        if (farg(w, key))
            value = farg(w, key);
        value = choice_code(&t->cols[ci], value);
    }
    if (ci < 0 || (t->cols[ci].flags & (SW_COL_FIXED | SW_COL_SYSTEM)) ||
        sw_validate(t, &t->cols[ci], value && *value ? value : NULL, &verr)) {
        sb_init(&e);
        if (ci < 0 || (t->cols[ci].flags & (SW_COL_FIXED | SW_COL_SYSTEM))) {
            html_esc(&e, tr(w->lang, M_CANNOT_CHANGE));
        } else {
            i18n_fmt(&e, w->lang, M_INVALID_VALUE,
                     i18n_field(w->lang, t, t->cols[ci].name));
            i18n_check(&e, w->lang, &t->cols[ci]);
        }
        note_error(w, "bad_request", verr.msg);
        rc = e.oom ? -1 : record_page(w, t, id, 400, e.buf, field, value);
        sb_release(&e);
        return rc;
    }
    as.col = ci;
    as.value = value && *value ? value : NULL;
    web_src(w, &src);
    wlock(w);
    rc = admin_record_set(w->store, t, id, &as, 1, &src, &w->err);
    wunlock(w);
    if (rc) {
        if (w->err.code == SW_EDATA)
            return fail(w, 404, "not_found", M_NOT_FOUND);
        return fail_err(w);
    }
    snprintf(loc, sizeof(loc), "/admin/records/%s/%s?msg=corrected", t->name,
             id);
    return redirect(w, loc);
}

/* ---- audit --------------------------------------------------------------- */

/* ---- possible duplicates (issue 15 item 5, dups.h) ------------------------
 */

/* One case of a pair: its name (to its page), station name and code, and
** the way to the case page's transfer form. */
static void dup_case(struct web *w, struct sw_buf *b, const cJSON *c)
{
    const char *name = jstr(c, "station_name");
    sb_adds(b, "<div class=\"dup-case\"><a class=\"case\" "
               "href=\"/admin/records/cases/");
    html_url(b, jstr(c, "id"));
    sb_adds(b, "\">");
    esc_short(b, jstr(c, "name") ? jstr(c, "name") : "-", 20);
    sb_adds(b, "</a> <span class=\"sub\">");
    sb_add(b, jstr(c, "id"), 8);
    sb_adds(b, "…</span><br><span class=\"station\">");
    if (name) {
        html_esc(b, name);
        sb_adds(b, "（");
    }
    html_esc(b, jstr(c, "station"));
    sb_adds(b, name ? "）" : "");
    /* the transfer form is on the case page (issue 15 item 1) */
    sb_adds(b, "</span> <a class=\"transfer\" href=\"/admin/records/cases/");
    html_url(b, jstr(c, "id"));
    sb_adds(b, "#transfer-form\">");
    text(w, b, M_DUP_TRANSFER);
    sb_adds(b, "</a></div>");
}

/* A decision's form: action not_same, link or unlink, with a note. */
static void dup_form(struct web *w, struct sw_buf *b, const cJSON *o,
                     const char *action, enum i18n_msg button)
{
    sb_addf(b,
            "<form method=\"post\" action=\"/admin/duplicates/decide\" "
            "class=\"dup-%s\">",
            action);
    hidden_csrf(w, b);
    sb_adds(b, "<input type=\"hidden\" name=\"a\" value=\"");
    html_esc(b, jstr(jget(o, "a"), "id"));
    sb_adds(b, "\"><input type=\"hidden\" name=\"b\" value=\"");
    html_esc(b, jstr(jget(o, "b"), "id"));
    sb_addf(b,
            "\"><input type=\"hidden\" name=\"action\" value=\"%s\">"
            "<input type=\"text\" name=\"note\" required maxlength=\"500\" "
            "placeholder=\"",
            action);
    text(w, b, M_DUP_NOTE);
    sb_adds(b, "\" aria-label=\"");
    text(w, b, M_DUP_NOTE);
    sb_adds(b, "\"> <button type=\"submit\">");
    text(w, b, button);
    sb_adds(b, "</button></form>");
}

static int do_dups(struct web *w, unsigned status, const char *flash_html)
{
    const char *qa = qarg(w, "all"), *msg = qarg(w, "msg");
    int all = qa && strcmp(qa, "1") == 0, n = 0;
    cJSON *arr = NULL, *o;
    struct sw_buf b;
    char d[64];

    if (dups_list_json(w->db, all, &arr, &w->err))
        return fail_err(w);
    snprintf(d, sizeof(d), "duplicates: %d pairs", cJSON_GetArraySize(arr));
    audit_view(w, AUDIT_SEARCH, "cases", d);
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_DUPS_TITLE);
    sb_adds(&b, "</h1>");
    if (flash_html)
        flash(&b, "error", "dup-error", flash_html);
    else if (msg && strcmp(msg, "saved") == 0)
        flash_msg(w, &b, "ok", "dup-saved", M_DUP_SAVED, NULL);
    sb_adds(&b, "<p class=\"help\">");
    text(w, &b, M_DUPS_HELP);
    sb_adds(&b,
            "</p><form method=\"get\" action=\"/admin/duplicates\" "
            "class=\"filters card\" id=\"filters\"><label class=\"check\">"
            "<input type=\"checkbox\" name=\"all\" value=\"1\" id=\"f-all\"");
    sb_adds(&b, all ? " checked>" : ">");
    text(w, &b, M_DUP_SHOW_ALL);
    sb_adds(&b, "</label><button type=\"submit\">");
    text(w, &b, M_FILTER_BUTTON);
    sb_adds(&b, "</button></form>");

    sb_adds(&b, "<div class=\"scroll\"><table id=\"duplicates\"><thead><tr>");
    th(w, &b, M_COL_STRENGTH, NULL);
    th(w, &b, M_COL_REASON, NULL);
    th(w, &b, M_COL_CASES, NULL);
    th(w, &b, M_COL_STATUS, NULL);
    th(w, &b, M_COL_DECISION, NULL);
    sb_adds(&b, "</tr></thead><tbody>");
    cJSON_ArrayForEach (o, arr) {
        const char *strength = jstr(o, "strength"), *state = jstr(o, "state");
        const char *reason = jstr(o, "reason");
        int strong = strength && strcmp(strength, "strong") == 0;
        int weak = strength && strcmp(strength, "weak") == 0;
        int open = !state || strcmp(state, "open") == 0;
        int linked = state && strcmp(state, "linked") == 0;
        n++;
        sb_adds(&b, "<tr class=\"dup\" data-a=\"");
        html_esc(&b, jstr(jget(o, "a"), "id"));
        sb_adds(&b, "\" data-b=\"");
        html_esc(&b, jstr(jget(o, "b"), "id"));
        sb_addf(&b, "\" data-strength=\"%s\" data-state=\"%s\">",
                strong ? "strong"
                : weak ? "weak"
                       : "none",
                open     ? "open"
                : linked ? "linked"
                         : "not_same");
        sb_addf(&b, "<td><span class=\"state %s strength\">",
                strong ? "error"
                : weak ? "revoked"
                       : "never");
        if (strong || weak)
            text(w, &b, strong ? M_DUP_STRONG : M_DUP_WEAK);
        else
            sb_adds(&b, "—");
        sb_adds(&b, "</span></td><td class=\"reason\">");
        text(w, &b,
             !reason                            ? M_DUP_REASON_NONE
             : strcmp(reason, "id_number") == 0 ? M_DUP_REASON_ID
                                                : M_DUP_REASON_NB);
        sb_adds(&b, "</td><td>");
        dup_case(w, &b, jget(o, "a"));
        dup_case(w, &b, jget(o, "b"));
        sb_addf(&b, "</td><td><span class=\"state %s decision\">",
                open ? "never" : "ok");
        text(w, &b,
             open     ? M_DUP_STATE_OPEN
             : linked ? M_DUP_STATE_LINKED
                      : M_DUP_STATE_NOT_SAME);
        sb_adds(&b, "</span>");
        if (!open && jstr(o, "note")) {
            sb_adds(&b, "<br><span class=\"sub note\">");
            esc_short(&b, jstr(o, "note"), 60);
            sb_adds(&b, " — ");
            html_esc(&b, jstr(o, "admin") ? jstr(o, "admin") : "");
            sb_adds(&b, "</span>");
        }
        sb_adds(&b, "</td><td class=\"actions\">");
        if (open) {
            dup_form(w, &b, o, "link", M_DUP_LINK_BUTTON);
            dup_form(w, &b, o, "not_same", M_DUP_NOT_SAME_BUTTON);
        } else {
            dup_form(w, &b, o, "unlink", M_DUP_UNDO_BUTTON);
        }
        sb_adds(&b, "</td></tr>");
    }
    sb_adds(&b, "</tbody></table></div>");
    if (!n) {
        sb_adds(&b, "<p class=\"empty\" id=\"no-duplicates\">");
        text(w, &b, M_NO_DUPS);
        sb_adds(&b, "</p>");
    }
    cJSON_Delete(arr);
    w->here = "/admin/duplicates";
    return send_page(w, status, M_DUPS_TITLE, NULL, &b);
}

static int do_dup_decide(struct web *w)
{
    const char *a = farg(w, "a"), *bb = farg(w, "b"), *act = farg(w, "action");
    const char *note = farg(w, "note");
    enum dups_decision d;
    struct audit_src src;
    struct sw_buf e;
    int rc;

    if (act && strcmp(act, "link") == 0)
        d = DUPS_LINK;
    else if (act && strcmp(act, "not_same") == 0)
        d = DUPS_NOT_SAME;
    else if (act && strcmp(act, "unlink") == 0)
        d = DUPS_UNDO;
    else
        return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
    if (!a || !bb || !sw_uuid_valid(a) || !sw_uuid_valid(bb))
        return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
    web_src(w, &src);
    wlock(w);
    rc = dups_decide(w->db, a, bb, d, note ? note : "", &src, &w->err);
    wunlock(w);
    if (rc == SW_ENOINPUT)
        return fail(w, 404, "not_found", M_NOT_FOUND);
    if (rc == SW_EUSAGE || rc == SW_EDATA) {
        note_error(w, "bad_request", w->err.msg);
        sb_init(&e);
        html_esc(&e, tr(w->lang,
                        rc == SW_EUSAGE ? M_DUP_NOTE_NEEDED : M_DUP_REFUSED));
        rc = e.oom ? -1 : do_dups(w, rc == SW_EUSAGE ? 400 : 409, e.buf);
        sb_release(&e);
        return rc;
    }
    if (rc)
        return fail_err(w);
    return redirect(w, "/admin/duplicates?msg=saved");
}

static int do_audit(struct web *w)
{
    const char *bs = qarg(w, "before"), *ls = qarg(w, "limit");
    int64_t before = bs ? strtoll(bs, NULL, 10) : 0;
    int64_t limit = ls ? strtoll(ls, NULL, 10) : AUDIT_PAGE, last = 0;
    cJSON *arr = NULL, *o;
    struct sw_buf b;
    int n = 0;

    const char *actor = qarg(w, "actor"), *record = qarg(w, "record");
    const char *fmt = qarg(w, "format");

    if (limit < 1 || limit > 10000)
        limit = AUDIT_PAGE;
    if (audit_json(w->db, limit, before, actor, record, &arr, &w->err))
        return fail_err(w);
    if (w->api)
        return send_wrapped(w, "audit", arr);
    sb_init(&b);
    if (fmt && strcmp(fmt, "csv") == 0) {
        /* the same rows as a CSV file (every field quoted) */
        static const char *const k[] = {"at",     "actor",  "source",
                                        "action", "target", "details"};
        sb_adds(&b, "at,actor,source,action,target,details\r\n");
        cJSON_ArrayForEach (o, arr) {
            for (int i = 0; i < 6; i++) {
                char num[32];
                const char *v = num;
                if (i == 0)
                    snprintf(num, sizeof(num), "%" PRId64, jint(o, "at"));
                else if (!(v = jstr(o, k[i])))
                    v = ""; /* null: an empty field */
                sb_adds(&b, i ? ",\"" : "\"");
                for (const char *p = v; *p; p++) {
                    if (*p == '"')
                        sb_add(&b, "\"", 1); /* a quote is doubled */
                    sb_add(&b, p, 1);
                }
                sb_adds(&b, "\"");
            }
            sb_adds(&b, "\r\n");
        }
        cJSON_Delete(arr);
        return take_buf(w, &b, 200, "text/csv; charset=utf-8");
    }
    sb_adds(&b, "<h1>");
    text(w, &b, M_AUDIT_TITLE);
    sb_adds(&b, "</h1><form method=\"get\" action=\"/admin/audit\" "
                "class=\"filters card\" id=\"audit-filter\"><label>");
    text(w, &b, M_COL_WHO);
    sb_adds(&b, "<input name=\"actor\" id=\"audit-actor\" size=\"16\" "
                "value=\"");
    html_esc(&b, actor ? actor : "");
    sb_adds(&b, "\"></label><label>ID<input name=\"record\" "
                "id=\"audit-record\" size=\"36\" value=\"");
    html_esc(&b, record ? record : "");
    sb_adds(&b, "\"></label><button type=\"submit\">");
    text(w, &b, M_SEARCH_BUTTON);
    sb_adds(&b, "</button> <a id=\"audit-csv\" href=\"/admin/audit?format=csv"
                "&amp;limit=10000&amp;actor=");
    html_url(&b, actor ? actor : "");
    sb_adds(&b, "&amp;record=");
    html_url(&b, record ? record : "");
    sb_adds(&b, "\">CSV</a></form><div class=\"scroll\"><table "
                "id=\"audit\"><thead><tr>");
    th(w, &b, M_COL_WHEN, NULL);
    th(w, &b, M_COL_WHO, NULL);
    th(w, &b, M_COL_FROM, NULL);
    th(w, &b, M_COL_ACTION, NULL);
    th(w, &b, M_COL_TARGET, NULL);
    th(w, &b, M_COL_DETAILS, NULL);
    sb_adds(&b, "</tr></thead><tbody>");
    cJSON_ArrayForEach (o, arr) {
        n++;
        last = jint(o, "id");
        sb_addf(&b, "<tr data-action=\"%s\"><td class=\"nowrap\">",
                strcmp(jstr(o, "action"), "login_failed") == 0 ? "failed"
                                                               : "ok");
        put_time(&b, jint(o, "at"));
        sb_adds(&b, "</td><td>");
        html_esc(&b, jstr(o, "actor"));
        sb_adds(&b, "</td><td>");
        html_esc(&b, jstr(o, "source"));
        sb_adds(&b, "</td><td>");
        html_esc(&b, i18n_action(w->lang, jstr(o, "action")));
        sb_adds(&b, "</td><td>");
        html_esc(&b, jstr(o, "target"));
        sb_adds(&b, "</td><td class=\"details\">");
        esc_short(&b, jstr(o, "details"), 200);
        sb_adds(&b, "</td></tr>");
    }
    sb_adds(&b, "</tbody></table></div>");
    if (!n) {
        sb_adds(&b, "<p class=\"empty\">");
        text(w, &b, M_NO_AUDIT);
        sb_adds(&b, "</p>");
    } else if (n == limit && last > 1) {
        sb_addf(&b,
                "<p class=\"pager\"><a href=\"/admin/audit?before=%" PRId64
                "\">",
                last);
        text(w, &b, M_OLDER);
        sb_adds(&b, "</a></p>");
    }
    cJSON_Delete(arr);
    return send_page(w, 200, M_AUDIT_TITLE, NULL, &b);
}

/* ---- report -------------------------------------------------------------- */

/* The month asked for (YYYY-MM, checked by report_month), or this one. */
static void report_month_arg(struct web *w, char mo[8])
{
    const char *q = qarg(w, "month");
    if (q && *q) {
        snprintf(mo, 8, "%.7s", q);
        if (strlen(q) != 7)
            snprintf(mo, 8, "%s", "x"); /* refused by report_month */
    } else {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(mo, 8, "%Y-%m", &tm);
    }
}

/* Audit one report (page or CSV) as the CLI does: who, what, how many. */
static int report_audit(struct web *w, const struct report *r, const char *how)
{
    struct audit_src src;
    char detail[512];
    int rc;
    snprintf(detail, sizeof(detail),
             "console: month %s%s%s %s: %ld new cases, %ld closed, %ld "
             "visits, %ld services, %ld follow-ups due, %d high-risk not "
             "visited; %ld records",
             r->month, r->station[0] ? " station " : "", r->station, how,
             r->new_total, r->closed_total, r->visits_total, r->services_total,
             r->followups_due, r->nunvisited, report_records(r));
    web_src(w, &src);
    wlock(w);
    rc = audit_log(w->db, &src, AUDIT_REPORT,
                   r->station[0] ? r->station : "all", detail, &w->err);
    wunlock(w);
    return rc;
}

static void report_row(struct sw_buf *b, const char *label, const char *id,
                       long n)
{
    sb_adds(b, "<tr><td>");
    html_esc(b, label);
    sb_adds(b, "</td><td class=\"num\"");
    if (id) {
        sb_adds(b, " id=\"");
        html_esc(b, id);
        sb_adds(b, "\"");
    }
    sb_addf(b, ">%ld</td>", n);
}

static void report_section(struct web *w, struct sw_buf *b, enum i18n_msg m,
                           const char *arg)
{
    sb_adds(b, "<tr><th colspan=\"3\">");
    i18n_fmt(b, w->lang, m, arg);
    sb_adds(b, "</th></tr>");
}

/* The figures as one table, labels in the page's language. */
static void report_table(struct web *w, struct sw_buf *b,
                         const struct report *r)
{
    const struct sw_table *ct = &sw_tables[SW_T_CASES];
    const struct sw_table *vt = &sw_tables[SW_T_VISITS];
    const struct sw_column *cat = &ct->cols[sw_col_index(ct, "category")];
    const struct sw_column *mode = &vt->cols[sw_col_index(vt, "mode")];
    enum sw_lang l = w->lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH;
    char id[64], n[16];

    sb_adds(b, "<div class=\"scroll\"><table id=\"report\"><tbody>");
    report_section(w, b, M_C_R_CASES, NULL);
    for (int i = 0; i < r->ncategories; i++) {
        snprintf(id, sizeof(id), "new-%s", cat->allowed[i]);
        report_row(b, labels_choice(cat, cat->allowed[i], l), id,
                   r->new_cases[i]);
        sb_addf(b, "<td class=\"num\">%ld</td></tr>", r->closed_cases[i]);
    }
    report_row(b, tr(w->lang, M_C_TOTAL), "new-total", r->new_total);
    sb_addf(b, "<td class=\"num\" id=\"closed-total\">%ld</td></tr>",
            r->closed_total);
    report_section(w, b, M_C_R_VISITS, NULL);
    for (int i = 0; i < r->nmodes; i++) {
        snprintf(id, sizeof(id), "visits-%s", mode->allowed[i]);
        report_row(b, labels_choice(mode, mode->allowed[i], l), id,
                   r->visits[i]);
        sb_adds(b, "<td></td></tr>");
    }
    report_row(b, tr(w->lang, M_C_TOTAL), "visits-total", r->visits_total);
    sb_adds(b, "<td></td></tr>");
    report_section(w, b, M_C_R_SERVICES, NULL);
    for (int i = 0; i < r->nservices; i++) {
        report_row(b, r->services[i].type, NULL, r->services[i].count);
        sb_addf(b, "<td class=\"num\">%lld.%02lld</td></tr>",
                r->services[i].cents / 100, r->services[i].cents % 100);
    }
    report_row(b, tr(w->lang, M_C_TOTAL), "services-total", r->services_total);
    sb_addf(b, "<td class=\"num\" id=\"amount-total\">%lld.%02lld</td></tr>",
            r->cents_total / 100, r->cents_total % 100);
    report_section(w, b, M_C_R_FOLLOWUPS, NULL);
    report_row(b, tr(w->lang, M_C_R_DUE), "fu-due", r->followups_due);
    sb_adds(b, "<td></td></tr>");
    report_row(b, tr(w->lang, M_C_R_DONE), "fu-done", r->followups_done);
    sb_adds(b, "<td></td></tr>");
    snprintf(n, sizeof(n), "%d", REPORT_UNVISITED_DAYS);
    report_section(w, b, M_C_R_UNVISITED, n);
    for (int i = 0; i < r->nunvisited; i++) {
        const struct report_case *c = &r->unvisited[i];
        sb_adds(b, "<tr class=\"unvisited\"><td><a href=\"/admin/records/"
                   "cases/");
        html_url(b, c->id);
        sb_adds(b, "\">");
        html_esc(b, c->name ? c->name : c->id);
        sb_adds(b, "</a> ");
        html_esc(b, c->village);
        sb_adds(b, "</td><td colspan=\"2\">");
        html_esc(b, c->last_visit ? c->last_visit
                                  : tr(w->lang, M_C_NEVER_VISITED));
        sb_adds(b, "</td></tr>");
    }
    sb_adds(b, "</tbody></table></div>");
}

/* GET /admin/report[?month=YYYY-MM&station=CODE]: the page; GET
** /admin/report/csv with the same args: the download.  Both audited. */
static int do_report(struct web *w, int csv)
{
    const char *st = qarg(w, "station");
    char mo[8];
    struct report r;
    struct sw_buf b;
    int rc;

    if (st && !*st)
        st = NULL;
    report_month_arg(w, mo);
    memset(&r, 0, sizeof(r));
    rc = report_month(w->db, mo, st, &r, &w->err);
    if (!rc)
        rc = report_audit(w, &r, csv ? "csv" : "page");
    if (rc && w->err.code != SW_EUSAGE) {
        report_release(&r);
        return fail_err(w);
    }
    if (csv) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        if (rc) {
            report_release(&r);
            return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
        }
        f = open_memstream(&buf, &len);
        if (!f) {
            report_release(&r);
            return -1;
        }
        report_write_csv(f, &r, w->lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH);
        if (fclose(f) != 0) {
            free(buf);
            report_release(&r);
            return -1;
        }
        snprintf(w->out->dispo, sizeof(w->out->dispo),
                 "attachment; filename=\"report-%s%s%s.csv\"", r.month,
                 r.station[0] ? "-" : "", r.station);
        report_release(&r);
        sb_init(&b);
        sb_add(&b, buf, len);
        free(buf);
        return take_buf(w, &b, 200, "text/csv; charset=utf-8");
    }
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_REPORT_TITLE);
    sb_adds(&b, "</h1><form method=\"get\" action=\"/admin/report\" "
                "class=\"filters card\" id=\"filters\"><label>");
    text(w, &b, M_C_MONTH);
    sb_adds(&b, " <input type=\"month\" name=\"month\" id=\"f-month\" "
                "value=\"");
    html_esc(&b, rc ? qarg(w, "month") : mo);
    sb_adds(&b, "\"></label><label>");
    text(w, &b, M_FILTER_STATION);
    sb_adds(&b, " <select name=\"station\" id=\"f-station\">");
    select_option(&b, "", tr(w->lang, M_REPORT_ALL), st ? "x" : "");
    station_options(w, &b, st);
    sb_adds(&b, "</select></label><button type=\"submit\">");
    text(w, &b, M_C_MONTH_BUTTON);
    sb_adds(&b, "</button></form>");
    if (rc) {
        sb_adds(&b, "<p class=\"flash bad\" id=\"error\">");
        html_esc(&b, w->err.msg);
        sb_adds(&b, "</p>");
        note_error(w, "bad_request", w->err.msg);
        report_release(&r);
        return send_page(w, 400, M_REPORT_TITLE, NULL, &b);
    }
    sb_adds(&b, "<h2 id=\"report-of\">");
    html_esc(&b, r.month);
    sb_adds(&b, " · ");
    if (r.station[0])
        html_esc(&b, r.station);
    else
        text(w, &b, M_REPORT_ALL);
    sb_adds(&b, "</h2>");
    report_table(w, &b, &r);
    sb_adds(&b, "<p><a class=\"button\" id=\"report-csv\" "
                "href=\"/admin/report/csv?month=");
    {
        struct sw_buf q;
        sb_init(&q);
        html_url(&q, r.month);
        if (r.station[0]) {
            sb_adds(&q, "&station=");
            html_url(&q, r.station);
        }
        html_esc(&b, q.buf ? q.buf : "");
        if (q.oom)
            b.oom = 1;
        sb_release(&q);
    }
    sb_adds(&b, "\" download>");
    text(w, &b, M_C_EXPORT_BUTTON);
    sb_adds(&b, "</a></p>");
    report_release(&r);
    return send_page(w, 200, M_REPORT_TITLE, NULL, &b);
}

/* ---- routing ------------------------------------------------------------- */

#define MAX_SEGS 5
#define SEG_MAX 64

/* Split "/a/b/c" into segments; -1 if too many or too long. */
static int split_path(const char *p, char segs[MAX_SEGS][SEG_MAX + 1])
{
    int n = 0;
    while (*p == '/')
        p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n >= MAX_SEGS || len > SEG_MAX)
            return -1;
        memcpy(segs[n], p, len);
        segs[n][len] = '\0';
        n++;
        p += len;
        while (*p == '/')
            p++;
    }
    return n;
}

static int parse_id(const char *s, int64_t *out)
{
    int64_t v = 0;
    size_t n = 0;
    if (!*s)
        return -1;
    for (; *s; s++, n++) {
        if (*s < '0' || *s > '9' || n >= 18)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return v > 0 ? 0 : -1;
}

static int method_not_allowed(struct web *w, const char *allow)
{
    w->out->allow = allow;
    return fail(w, 405, "method_not_allowed", M_ERR_METHOD);
}

static int serve_static(struct web *w, const char *name)
{
    const char *body = NULL, *ct = NULL;
    if (strcmp(name, "style.css") == 0) {
        body = web_style_css;
        ct = "text/css; charset=utf-8";
    } else if (strcmp(name, "admin.js") == 0) {
        body = web_admin_js;
        ct = "text/javascript; charset=utf-8";
    }
    if (!body)
        return fail(w, 404, "not_found", M_NOT_FOUND);
    if (w->post)
        return method_not_allowed(w, "GET");
    w->out->status = 200;
    w->out->ctype = ct;
    w->out->cache = "public, max-age=3600";
    w->out->body = (char *)body;
    w->out->len = strlen(body);
    w->out->persistent = 1;
    return 0;
}

/* Where to come back to after the login: this path and its args. */
static int to_login(struct web *w, int expired)
{
    struct sw_buf here, loc;
    struct argbuf a;
    int rc;

    sb_init(&here);
    sb_init(&loc);
    sb_adds(&here, w->path);
    a.b = &here;
    a.n = 0;
    MHD_get_connection_values(w->conn, MHD_GET_ARGUMENT_KIND, keep_arg, &a);
    sb_adds(&loc, "/admin/login?");
    if (expired)
        sb_adds(&loc, "why=expired&");
    sb_adds(&loc, "next=");
    html_url(&loc, here.buf && local_path_ok(here.buf) ? here.buf : "/admin/");
    if (here.oom || loc.oom || loc.len >= sizeof(w->out->location))
        rc = redirect(w, "/admin/login");
    else
        rc = redirect(w, loc.buf);
    sb_release(&here);
    sb_release(&loc);
    return rc;
}

/* ---- follow-ups and the resource directory (issue 15) -------------------- */

static void local_date(char buf[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

static void num_cell(struct sw_buf *b, const char *v)
{
    sb_adds(b, "<td class=\"num\">");
    html_esc(b, v ? v : "0");
    sb_adds(b, "</td>");
}

/* GET /admin/followup[?from=DATE&to=DATE]: per station, what is overdue
** today, and the referrals of the period with the outcome rate. */
static int do_followup(struct web *w)
{
    const char *qf = qarg(w, "from"), *qt = qarg(w, "to");
    char today[11], from[11], to[11], pct[16];
    struct desk_rows ovd, fig;
    struct sw_buf b;

    local_date(today);
    snprintf(from, sizeof(from), "%.8s01", today);
    snprintf(to, sizeof(to), "%s", today);
    if (qf && *qf) {
        if (!due_date_valid(qf))
            return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
        snprintf(from, sizeof(from), "%s", qf);
    }
    if (qt && *qt) {
        if (!due_date_valid(qt))
            return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
        snprintf(to, sizeof(to), "%s", qt);
    }
    if (strcmp(from, to) > 0)
        return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
    if (due_overdue_by_station(w->db, today, &ovd, &w->err))
        return fail_err(w);
    if (due_referral_figures(w->db, today, from, to, &fig, &w->err)) {
        desk_rows_release(&ovd);
        return fail_err(w);
    }
    sb_init(&b);
    sb_adds(&b, "<h1>");
    text(w, &b, M_FOLLOWUP_TITLE);
    sb_adds(&b, "</h1><h2>");
    i18n_fmt(&b, w->lang, M_OVERDUE_TITLE, today);
    sb_adds(&b, "</h2><table id=\"overdue\"><thead><tr><th>");
    text(w, &b, M_COL_STATION);
    sb_adds(&b, "</th><th>");
    text(w, &b, M_OVD_VISITS);
    sb_adds(&b, "</th><th>");
    text(w, &b, M_OVD_REFERRALS);
    sb_adds(&b, "</th><th>");
    text(w, &b, M_OVD_HIGH);
    sb_adds(&b, "</th></tr></thead><tbody>");
    for (int i = 0; i < ovd.n; i++) {
        sb_adds(&b, "<tr data-station=\"");
        html_esc(&b, desk_cell(&ovd, i, OVD_STATION));
        sb_adds(&b, "\"><td>");
        html_esc(&b, desk_cell(&ovd, i, OVD_STATION));
        sb_adds(&b, "</td>");
        for (int c = OVD_VISITS; c < OVD_NCOLS; c++)
            num_cell(&b, desk_cell(&ovd, i, c));
        sb_adds(&b, "</tr>");
    }
    sb_adds(&b, "</tbody></table><h2>");
    text(w, &b, M_FIG_TITLE);
    sb_adds(&b, "</h2><form method=\"get\" action=\"/admin/followup\" "
                "class=\"filters\"><label>");
    text(w, &b, M_FIG_FROM);
    sb_adds(&b, " <input type=\"date\" name=\"from\" id=\"from\" value=\"");
    html_esc(&b, from);
    sb_adds(&b, "\"></label> <label>");
    text(w, &b, M_FIG_TO);
    sb_adds(&b, " <input type=\"date\" name=\"to\" id=\"to\" value=\"");
    html_esc(&b, to);
    sb_adds(&b, "\"></label> <button>");
    text(w, &b, M_FIG_SHOW);
    sb_adds(&b,
            "</button></form><table id=\"referral-figures\"><thead><tr><th>");
    text(w, &b, M_COL_STATION);
    {
        static const enum i18n_msg heads[] = {M_FIG_OPEN, M_FIG_OVERDUE,
                                              M_FIG_COMPLETED, M_FIG_DECLINED,
                                              M_FIG_RATE};
        for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
            sb_adds(&b, "</th><th>");
            text(w, &b, heads[k]);
        }
    }
    sb_adds(&b, "</th></tr></thead><tbody>");
    for (int i = 0; i < fig.n; i++) {
        int p = due_outcome_rate(&fig, i);
        sb_adds(&b, "<tr data-station=\"");
        html_esc(&b, desk_cell(&fig, i, FIG_STATION));
        sb_adds(&b, "\"><td>");
        html_esc(&b, desk_cell(&fig, i, FIG_STATION));
        sb_adds(&b, "</td>");
        for (int c = FIG_OPEN; c < FIG_NCOLS_SQL; c++)
            num_cell(&b, desk_cell(&fig, i, c));
        if (p < 0)
            snprintf(pct, sizeof(pct), "—");
        else
            snprintf(pct, sizeof(pct), "%d%%", p);
        num_cell(&b, pct);
        sb_adds(&b, "</tr>");
    }
    sb_adds(&b, "</tbody></table>");
    desk_rows_release(&ovd);
    desk_rows_release(&fig);
    w->here = "/admin/followup";
    return send_page(w, 200, M_FOLLOWUP_TITLE, NULL, &b);
}

/* One input of the add form for resources' column c. */
static void resource_input(struct web *w, struct sw_buf *b,
                           const struct sw_column *c)
{
    sb_adds(b, "<label>");
    html_esc(b, i18n_field(w->lang, &sw_tables[SW_T_RESOURCES], c->name));
    if (c->flags & SW_COL_REQUIRED)
        sb_adds(b, " *");
    if (c->check == CK_ENUM) {
        sb_addf(b, " <select name=\"%s\" id=\"r-%s\">", c->name, c->name);
        for (int i = 0; c->allowed[i]; i++) {
            sb_adds(b, "<option value=\"");
            html_esc(b, c->allowed[i]);
            sb_adds(b, "\">");
            html_esc(b, i18n_value(w->lang, c->name, c->allowed[i]));
            sb_adds(b, "</option>");
        }
        sb_adds(b, "</select>");
    } else {
        sb_addf(b, " <input name=\"%s\" id=\"r-%s\" maxlength=\"%d\">", c->name,
                c->name, c->maxlen);
    }
    sb_adds(b, "</label> ");
}

/* GET /admin/resources: the directory, and a form to add to it. */
static int do_resources(struct web *w)
{
    const struct sw_table *t = &sw_tables[SW_T_RESOURCES];
    const char *msg = qarg(w, "msg");
    struct desk_rows r;
    struct sw_buf b;

    if (desk_resources(w->db, &r, &w->err))
        return fail_err(w);
    sb_init(&b);
    if (msg && strcmp(msg, "added") == 0)
        flash_msg(w, &b, "ok", "flash", M_RESOURCE_ADDED, NULL);
    else if (msg && strcmp(msg, "deleted") == 0)
        flash_msg(w, &b, "ok", "flash", M_RESOURCE_DELETED, NULL);
    sb_adds(&b, "<h1>");
    text(w, &b, M_RESOURCES_TITLE);
    sb_adds(&b, "</h1><p class=\"help\">");
    text(w, &b, M_RESOURCES_HELP);
    sb_adds(&b, "</p>");
    if (r.n == 0) {
        sb_adds(&b, "<p class=\"empty\" id=\"resources-none\">");
        text(w, &b, M_RESOURCES_NONE);
        sb_adds(&b, "</p>");
    }
    sb_adds(&b, "<table id=\"resources\"><thead><tr>");
    for (int c = 0; c < 4; c++) {
        sb_adds(&b, "<th>");
        html_esc(&b, i18n_field(w->lang, t, t->cols[c].name));
        sb_adds(&b, "</th>");
    }
    sb_adds(&b, "<th></th></tr></thead><tbody>");
    for (int i = 0; i < r.n; i++) {
        const char *id = desk_cell(&r, i, 0);
        sb_adds(&b, "<tr><td><a href=\"/admin/records/resources/");
        html_esc(&b, id);
        sb_adds(&b, "\">");
        html_esc(&b, desk_cell(&r, i, 1));
        sb_adds(&b, "</a></td><td>");
        put_value(w, &b, "type", desk_cell(&r, i, 2), 0);
        sb_adds(&b, "</td><td>");
        html_esc(&b, desk_cell(&r, i, 4));
        sb_adds(&b, "</td><td>");
        html_esc(&b, desk_cell(&r, i, 3));
        sb_adds(&b, "</td><td><form method=\"post\" class=\"inline\" "
                    "action=\"/admin/resources/");
        html_esc(&b, id);
        sb_adds(&b, "/delete\">");
        hidden_csrf(w, &b);
        sb_adds(&b, "<button class=\"danger\">");
        text(w, &b, M_RESOURCE_DELETE);
        sb_adds(&b, "</button></form></td></tr>");
    }
    sb_adds(&b, "</tbody></table><h2>");
    text(w, &b, M_RESOURCE_ADD);
    sb_adds(&b, "</h2><form method=\"post\" action=\"/admin/resources/add\" "
                "id=\"resource-add\" class=\"stack\">");
    hidden_csrf(w, &b);
    for (int c = 0; c < sw_col_deleted(t); c++)
        resource_input(w, &b, &t->cols[c]);
    sb_adds(&b, "<button id=\"resource-add-button\">");
    text(w, &b, M_RESOURCE_ADD);
    sb_adds(&b, "</button></form>");
    desk_rows_release(&r);
    w->here = "/admin/resources";
    return send_page(w, 200, M_RESOURCES_TITLE, NULL, &b);
}

/* POST /admin/resources/add */
static int do_resource_add(struct web *w)
{
    const struct sw_table *t = &sw_tables[SW_T_RESOURCES];
    struct rec_assign as[16];
    char id[SW_UUID_LEN + 1];
    struct audit_src src;
    struct sw_err verr;
    int n = 0, rc;

    memset(&verr, 0, sizeof(verr));
    for (int c = 0; c < sw_col_deleted(t) && n < 16; c++) {
        const char *v = farg(w, t->cols[c].name);
        if (!v || !*v)
            continue;
        if (t->cols[c].check == CK_ENUM)
            v = choice_code(&t->cols[c], v);
        if (sw_validate(t, &t->cols[c], v, &verr)) {
            note_error(w, "bad_request", verr.msg);
            return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
        }
        as[n].col = c;
        as[n].value = v;
        n++;
    }
    web_src(w, &src);
    wlock(w);
    rc = admin_record_add(w->store, t, as, n, &src, id, &w->err);
    wunlock(w);
    if (rc) {
        if (w->err.code == SW_EDATA) {
            note_error(w, "bad_request", w->err.msg);
            return fail(w, 400, "bad_request", M_ERR_BAD_REQUEST);
        }
        return fail_err(w);
    }
    return redirect(w, "/admin/resources?msg=added");
}

/* POST /admin/resources/ID/delete */
static int do_resource_delete(struct web *w, const char *id)
{
    struct audit_src src;
    int rc;

    web_src(w, &src);
    wlock(w);
    rc = admin_record_delete(w->store, &sw_tables[SW_T_RESOURCES], id, &src,
                             &w->err);
    wunlock(w);
    if (rc) {
        if (w->err.code == SW_EDATA)
            return fail(w, 404, "not_found", M_NOT_FOUND);
        return fail_err(w);
    }
    return redirect(w, "/admin/resources?msg=deleted");
}

static int do_session(struct web *w)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "user", w->sess.admin) ||
        !cJSON_AddStringToObject(o, "csrf", w->csrf) ||
        !cJSON_AddNumberToObject(o, "created_at", (double)w->sess.created_at) ||
        !cJSON_AddStringToObject(o, "lang", w->lang == LANG_EN ? "en" : "zh")) {
        cJSON_Delete(o);
        return -1;
    }
    return send_json(w, 200, o);
}

static int route(struct web *w, char segs[MAX_SEGS][SEG_MAX + 1], int n)
{
    const char *s0 = n > 0 ? segs[0] : "";
    int64_t id;

    if (n == 0 || (n == 1 && strcmp(s0, "stations") == 0))
        return w->post ? method_not_allowed(w, "GET") : do_stations(w);
    if (n == 2 && strcmp(s0, "stations") == 0) {
        if (!w->post)
            return method_not_allowed(w, "POST");
        if (strcmp(segs[1], "add") == 0)
            return do_station_add(w);
        if (strcmp(segs[1], "token") == 0)
            return do_station_token(w);
        if (strcmp(segs[1], "code") == 0)
            return do_station_code(w);
        if (strcmp(segs[1], "revoke") == 0)
            return do_station_revoke(w);
    }
    if (n == 1 && strcmp(s0, "logout") == 0)
        return w->post ? do_logout(w) : method_not_allowed(w, "POST");
    if (strcmp(s0, "conflicts") == 0) {
        if (n == 1)
            return w->post ? method_not_allowed(w, "GET") : do_conflicts(w);
        if (parse_id(segs[1], &id) == 0) {
            if (n == 2)
                return w->post
                           ? method_not_allowed(w, "GET")
                           : conflict_page(w, id, 200, NULL, NULL, NULL, NULL);
            if (n == 3 && strcmp(segs[2], "resolve") == 0)
                return w->post ? do_resolve(w, id)
                               : method_not_allowed(w, "POST");
        }
    }
    if (strcmp(s0, "records") == 0) {
        const struct sw_table *t = n >= 3 ? sw_table_by_name(segs[1]) : NULL;
        if (n == 1)
            return w->post ? method_not_allowed(w, "GET") : do_records(w);
        if (t && sw_uuid_valid(segs[2])) {
            if (n == 3)
                return w->post
                           ? method_not_allowed(w, "GET")
                           : record_page(w, t, segs[2], 200, NULL, NULL, NULL);
            if (n == 4 && strcmp(segs[3], "set") == 0)
                return w->post ? do_record_set(w, t, segs[2])
                               : method_not_allowed(w, "POST");
            if (n == 4 && strcmp(segs[3], "purge") == 0 &&
                t == &sw_tables[SW_T_CASES])
                return w->post ? do_purge(w, segs[2])
                               : method_not_allowed(w, "POST");
            if (n == 4 && strcmp(segs[3], "transfer") == 0 &&
                t == &sw_tables[SW_T_CASES])
                return w->post ? do_transfer(w, segs[2])
                               : method_not_allowed(w, "POST");
        }
    }
    if (strcmp(s0, "transfers") == 0) {
        if (n == 1)
            return w->post ? method_not_allowed(w, "GET") : do_transfers(w);
        if (n == 3 && parse_id(segs[1], &id) == 0 &&
            strcmp(segs[2], "decline") == 0)
            return w->post ? do_transfer_decline(w, id)
                           : method_not_allowed(w, "POST");
    }
    if (n == 1 && strcmp(s0, "audit") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_audit(w);
    if (n == 1 && strcmp(s0, "followup") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_followup(w);
    if (n == 1 && strcmp(s0, "resources") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_resources(w);
    if (n == 2 && strcmp(s0, "resources") == 0 && strcmp(segs[1], "add") == 0)
        return w->post ? do_resource_add(w) : method_not_allowed(w, "POST");
    if (n == 3 && strcmp(s0, "resources") == 0 && sw_uuid_valid(segs[1]) &&
        strcmp(segs[2], "delete") == 0)
        return w->post ? do_resource_delete(w, segs[1])
                       : method_not_allowed(w, "POST");
    if (n == 1 && strcmp(s0, "duplicates") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_dups(w, 200, NULL);
    if (n == 2 && strcmp(s0, "duplicates") == 0 &&
        strcmp(segs[1], "decide") == 0)
        return w->post ? do_dup_decide(w) : method_not_allowed(w, "POST");
    if (strcmp(s0, "report") == 0 &&
        (n == 1 || (n == 2 && strcmp(segs[1], "csv") == 0)))
        return w->post ? method_not_allowed(w, "GET") : do_report(w, n == 2);
    return fail(w, 404, "not_found", M_NOT_FOUND);
}

static int route_api(struct web *w, char segs[MAX_SEGS][SEG_MAX + 1], int n)
{
    const char *s1 = n > 1 ? segs[1] : "";
    int64_t id;

    if (n == 2 && strcmp(s1, "session") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_session(w);
    if (n == 2 && strcmp(s1, "stations") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_stations(w);
    if (n == 2 && strcmp(s1, "audit") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_audit(w);
    if (n == 2 && strcmp(s1, "cases") == 0)
        return w->post ? method_not_allowed(w, "GET") : do_records(w);
    if (strcmp(s1, "conflicts") == 0) {
        if (n == 2)
            return w->post ? method_not_allowed(w, "GET") : do_conflicts(w);
        if (parse_id(segs[2], &id) == 0) {
            if (n == 3)
                return w->post
                           ? method_not_allowed(w, "GET")
                           : conflict_page(w, id, 200, NULL, NULL, NULL, NULL);
            if (n == 4 && strcmp(segs[3], "resolve") == 0)
                return w->post ? do_resolve(w, id)
                               : method_not_allowed(w, "POST");
        }
    }
    return api_error(w, 404, "not_found", "no such route");
}

int web_handle(struct MHD_Connection *conn, const struct web_config *cfg,
               sdb *db, struct store *s, const char *method, const char *url,
               const char *body, size_t len, struct web_resp *out)
{
    char segs[MAX_SEGS][SEG_MAX + 1];
    struct web w;
    const char *ql, *cl, *ck;
    enum acct_state state = ACCT_NONE;
    int n, rc;

    memset(out, 0, sizeof(*out));
    memset(&w, 0, sizeof(w));
    w.conn = conn;
    w.cfg = cfg;
    w.db = db;
    w.store = s;
    w.method = method;
    w.path = url;
    w.out = out;
    w.post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    client_addr(&w);

    ql = qarg(&w, "lang");
    if (ql && (strcmp(ql, "en") == 0 || strcmp(ql, "zh") == 0)) {
        w.lang = ql[0] == 'e' ? LANG_EN : LANG_ZH;
        set_cookie(&w,
                   LANG_COOKIE "=%s; Path=/admin/; Max-Age=31536000; "
                               "SameSite=Strict",
                   ql);
    } else {
        cl = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, LANG_COOKIE);
        w.lang = cl && strcmp(cl, "en") == 0 ? LANG_EN : LANG_ZH;
    }

    if (strcmp(url, "/admin") == 0)
        return redirect(&w, "/admin/");
    n = split_path(url + 6, segs);
    w.api = n > 0 && strcmp(segs[0], "api") == 0;
    if (n < 0) {
        rc = fail(&w, 404, "not_found", M_NOT_FOUND);
        goto out;
    }
    if (n == 2 && strcmp(segs[0], "static") == 0) {
        rc = serve_static(&w, segs[1]);
        goto out;
    }
    if (!w.post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        rc = method_not_allowed(&w, "GET, POST");
        goto out;
    }

    ck = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (ck && acct_cookie_wellformed(ck)) {
        /* it notes the session's use: a write */
        wlock(&w);
        rc = acct_session_get(db, ck, &cfg->lim, &w.sess, &state, &w.err);
        wunlock(&w);
        if (rc) {
            rc = fail_err(&w);
            goto out;
        }
        if (state == ACCT_VALID) {
            w.authed = 1;
            snprintf(w.cookie, sizeof(w.cookie), "%s", ck);
            acct_csrf(w.cookie, w.csrf);
            snprintf(out->user, sizeof(out->user), "%s", w.sess.admin);
        }
    }

    if (w.post) {
        const char *ct = hdr(&w, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (len > 0 &&
            (!ct ||
             strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
            rc = w.api ? api_error(&w, 415, "bad_request",
                                   "send the form as "
                                   "application/x-www-form-urlencoded")
                       : fail(&w, 415, "bad_request", M_ERR_BAD_REQUEST);
            goto out;
        }
        rc = form_parse(&w.form, body, len);
        if (rc == -2) {
            rc = -1; /* out of memory */
            goto out;
        }
        if (rc) {
            rc = fail(&w, 400, "bad_request", M_ERR_BAD_REQUEST);
            goto out;
        }
    }

    if (n == 1 && strcmp(segs[0], "login") == 0) {
        rc = w.post ? do_login_post(&w) : do_login_get(&w);
        goto out;
    }
    if (!w.authed) {
        if (w.api) {
            rc = api_error(&w, 401, "unauthorized",
                           state == ACCT_EXPIRED
                               ? "the session has expired: log in again"
                               : "log in first (POST /admin/login)");
        } else if (w.post) {
            note_error(&w, "unauthorized", "no session");
            rc = login_page(&w, 401,
                            state == ACCT_EXPIRED ? M_SESSION_EXPIRED
                                                  : M_LOGIN_NEEDED,
                            NULL, "warn", NULL, NULL);
        } else {
            rc = to_login(&w, state == ACCT_EXPIRED);
        }
        goto out;
    }
    if (w.post) {
        const char *given = farg(&w, "csrf");
        if (!given)
            given = hdr(&w, "X-CSRF-Token");
        if (!origin_ok(&w)) {
            rc = fail(&w, 403, "forbidden", M_ERR_ORIGIN);
            goto out;
        }
        if (!acct_csrf_ok(w.cookie, given)) {
            rc = fail(&w, 403, "forbidden", M_ERR_CSRF);
            goto out;
        }
    }
    rc = w.api ? route_api(&w, segs, n) : route(&w, segs, n);
out:
    form_release(&w.form);
    memset(w.cookie, 0, sizeof(w.cookie));
    return rc;
}

void web_resp_release(struct web_resp *r)
{
    if (!r)
        return;
    if (!r->persistent)
        free(r->body);
    r->body = NULL;
}
