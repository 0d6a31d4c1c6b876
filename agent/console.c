/*
** console.c — the station console (see console.h): the server, sign-in,
** routing and the pages.  Every value put into HTML goes through
** html_esc(); every form carries the session's CSRF token; nothing here
** speaks SQL: reads go through desk.h, writes through edit.h, sign-in
** through workers.h.
*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "console-assets.h"
#include "console.h"
#include "db.h"
#include "desk.h"
#include "due.h"
#include "edit.h"
#include "export.h"
#include "form.h"
#include "html.h"
#include "i18n.h"
#include "links.h"
#include "localaudit.h"
#include "replica.h"
#include "report.h"
#include "table.h"
#include "transfer.h"
#include "workers.h"

#define SESSION_COOKIE "swsync_console"
#define LANG_COOKIE "lang"
#define MAX_BODY (64 * 1024)
#define LIST_MAX 200
#define SEARCH_MAX 50
#define SKEW_WARN_MS (5 * 60 * 1000)
#define SYNC_OUT_MAX 4000

static const char CT_HTML[] = "text/html; charset=utf-8";
static const char CSP[] = "default-src 'self'; base-uri 'none'; "
                          "form-action 'self'; frame-ancestors 'none'";

struct console {
    struct console_config cfg;
    struct MHD_Daemon *d;
    sdb *db;
    char station[SW_CODE_MAX + 1];
    char author[ACCT_NAME_MAX + 1]; /* replica_set_author() on db */
    /* "sync now": the child, its output file, and the last outcome */
    pid_t sync_pid;
    int64_t sync_started;
    char sync_log[64];
    int sync_done; /* a sync ran since the console started */
    int sync_rc;   /* its exit status */
    char sync_out[SYNC_OUT_MAX];
};

/* One request being read. */
struct creq {
    struct sw_buf body;
    int too_big;
};

/* One request being answered. */
struct cw {
    struct console *c;
    struct MHD_Connection *conn;
    const char *method, *path;
    int post;
    enum i18n_lang lang;
    char cookie[ACCT_COOKIE_LEN + 1];
    char worker[ACCT_NAME_MAX + 1];
    int authed, expired;
    int refresh; /* the page refreshes itself (a sync is running) */
    char csrf[ACCT_CSRF_LEN + 1];
    struct form form;
    char today[11];
    /* the answer */
    unsigned status;
    const char *ctype;
    struct sw_buf body;
    const char *static_body;
    size_t static_len;
    char location[1024];
    char cookies[3][256];
    int ncookies;
    char dispo[128];
    struct sw_err err;
};

/* ---- small helpers ------------------------------------------------------- */

static const char *T(struct cw *w, enum i18n_msg m)
{
    return tr(w->lang, m);
}

static const char *qarg(struct cw *w, const char *k)
{
    return MHD_lookup_connection_value(w->conn, MHD_GET_ARGUMENT_KIND, k);
}

static const char *hdr(struct cw *w, const char *k)
{
    return MHD_lookup_connection_value(w->conn, MHD_HEADER_KIND, k);
}

static const char *farg(struct cw *w, const char *k)
{
    return form_get(&w->form, k);
}

static void today_str(char buf[11], int64_t minus_days)
{
    time_t now = time(NULL) - (time_t)(minus_days * 86400);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

static void now_local_minute(char buf[17])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, 17, "%Y-%m-%dT%H:%M", &tm);
}

static void set_cookie(struct cw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_cookie(struct cw *w, const char *fmt, ...)
{
    size_t n;
    va_list ap;
    if (w->ncookies >= 3)
        return;
    va_start(ap, fmt);
    vsnprintf(w->cookies[w->ncookies], sizeof(w->cookies[0]), fmt, ap);
    va_end(ap);
    n = strlen(w->cookies[w->ncookies]);
    if (w->c->cfg.tls_cert)
        snprintf(w->cookies[w->ncookies] + n, sizeof(w->cookies[0]) - n,
                 "; Secure");
    w->ncookies++;
}

static int redirect(struct cw *w, const char *to)
{
    w->status = MHD_HTTP_SEE_OTHER;
    snprintf(w->location, sizeof(w->location), "%s", to);
    w->ctype = CT_HTML;
    sb_adds(&w->body, "<!DOCTYPE html><title>303</title>");
    return 0;
}

/* The label of a choice value (the code if none). */
static const char *vlabel(struct cw *w, const char *col, const char *v)
{
    const char *l = i18n_value(w->lang, col, v);
    return l ? l : (v ? v : "");
}

/* "N minutes ago" for a time in ms. */
static void ago(struct cw *w, struct sw_buf *b, int64_t ms)
{
    int64_t d = (sw_now_ms() - ms) / 1000;
    char n[24];
    if (d < 60) {
        html_esc(b, T(w, M_C_AGO_S));
        return;
    }
    if (d < 3600) {
        snprintf(n, sizeof(n), "%" PRId64, d / 60);
        i18n_fmt(b, w->lang, M_C_AGO_M, n);
    } else if (d < 86400) {
        snprintf(n, sizeof(n), "%" PRId64, d / 3600);
        i18n_fmt(b, w->lang, M_C_AGO_H, n);
    } else {
        snprintf(n, sizeof(n), "%" PRId64, d / 86400);
        i18n_fmt(b, w->lang, M_C_AGO_D, n);
    }
}

/* ---- the page frame ------------------------------------------------------ */

static void nav(struct cw *w, struct sw_buf *b, const char *href,
                enum i18n_msg m, const char *cur)
{
    sb_adds(b, "<a href=\"");
    sb_adds(b, href);
    sb_adds(b, "\"");
    if (cur && strcmp(cur, href) == 0)
        sb_adds(b, " aria-current=\"page\"");
    sb_adds(b, ">");
    html_esc(b, T(w, m));
    sb_adds(b, "</a>");
}

/* Put main (markup) into the layout as the page, with status. */
static int page(struct cw *w, unsigned status, const char *title,
                struct sw_buf *main, const char *cur)
{
    struct sw_buf head, t, st, back, mainb;
    const char *names[] = {"lang",    "csrf",   "title", "app",
                           "station", "header", "main",  "head"};
    const char *vals[8];
    struct sw_buf out;

    sb_init(&head);
    sb_init(&t);
    sb_init(&st);
    sb_init(&back);
    sb_init(&out);
    mainb = *main;
    html_esc(&t, title);
    html_esc(&st, w->c->station);
    if (w->authed) {
        sb_adds(&head, "<nav class=\"menu\">");
        nav(w, &head, "/", M_C_NAV_HOME, cur);
        nav(w, &head, "/search", M_C_NAV_SEARCH, cur);
        nav(w, &head, "/case/new", M_C_NAV_NEW, cur);
        nav(w, &head, "/referrals", M_C_NAV_REFERRALS, cur);
        nav(w, &head, "/conflicts", M_C_NAV_CONFLICTS, cur);
        nav(w, &head, "/export", M_C_NAV_EXPORT, cur);
        sb_adds(&head, "</nav><div class=\"who\"><span>");
        html_esc(&head, w->worker);
        sb_adds(&head, "</span> ");
        nav(w, &head, "/password", M_C_NAV_PASSWORD, cur);
        sb_adds(&head, " <form method=\"post\" action=\"/logout\" "
                       "class=\"inline\">");
        sb_adds(&head, "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_esc(&head, w->csrf);
        sb_adds(&head, "\"><button class=\"link\" id=\"logout\">");
        html_esc(&head, T(w, M_LOGOUT));
        sb_adds(&head, "</button></form> ");
    } else {
        sb_adds(&head, "<div class=\"who\">");
    }
    sb_adds(&head, "<a class=\"lang\" id=\"lang-switch\" href=\"/lang?to=");
    sb_adds(&head, w->lang == LANG_EN ? "zh" : "en");
    sb_adds(&head, "&amp;back=");
    html_url(&back, w->post ? "/" : w->path);
    sb_add(&head, back.buf ? back.buf : "", back.len);
    sb_adds(&head, "\" title=\"");
    html_esc(&head, T(w, M_LANG_OTHER_TITLE));
    sb_adds(&head, "\">");
    html_esc(&head, T(w, M_LANG_OTHER));
    sb_adds(&head, "</a></div>");

    vals[0] = w->lang == LANG_EN ? "en" : "zh-CN";
    vals[1] = w->authed ? w->csrf : "";
    vals[2] = t.buf ? t.buf : "";
    vals[3] = T(w, M_C_APP);
    vals[4] = st.buf ? st.buf : "";
    vals[5] = head.buf ? head.buf : "";
    vals[6] = mainb.buf ? mainb.buf : "";
    /* a running sync: the page follows it by refreshing itself */
    /* (with a URL without "#sync": a refresh to the same URL and its
    ** fragment is not a reload in Chromium) */
    vals[7] =
        w->refresh ? "<meta http-equiv=\"refresh\" content=\"2; url=/\">" : "";
    html_fill(&out, console_layout_html, names, vals, 8);
    sb_release(&head);
    sb_release(&t);
    sb_release(&st);
    sb_release(&back);
    sb_release(main);
    sb_release(&w->body);
    w->body = out;
    w->status = status;
    w->ctype = CT_HTML;
    return w->body.oom ? -1 : 0;
}

/* A page with one message. */
static int message(struct cw *w, unsigned status, const char *title,
                   const char *msg)
{
    struct sw_buf m;
    sb_init(&m);
    sb_adds(&m, "<h1>");
    html_esc(&m, title);
    sb_adds(&m, "</h1><p class=\"msg error\">");
    html_esc(&m, msg);
    sb_adds(&m, "</p><p><a href=\"/\">");
    html_esc(&m, T(w, M_BACK));
    sb_adds(&m, "</a></p>");
    return page(w, status, title, &m, NULL);
}

static int fail_err(struct cw *w)
{
    unsigned st = w->err.code == SW_ETEMP ? MHD_HTTP_SERVICE_UNAVAILABLE
                                          : MHD_HTTP_INTERNAL_SERVER_ERROR;
    return message(w, st, T(w, M_ERR_INTERNAL),
                   w->err.code == SW_ETEMP ? T(w, M_ERR_BUSY)
                                           : T(w, M_ERR_INTERNAL));
}

static int not_found(struct cw *w)
{
    return message(w, MHD_HTTP_NOT_FOUND, T(w, M_NOT_FOUND), T(w, M_NOT_FOUND));
}

/* ---- sign-in ------------------------------------------------------------- */

static int login_page(struct cw *w, unsigned status, enum i18n_msg msg,
                      const char *next)
{
    struct sw_buf m;
    sb_init(&m);
    sb_adds(&m, "<section class=\"login\"><h1>");
    html_esc(&m, T(w, M_C_LOGIN_TITLE));
    sb_adds(&m, "</h1>");
    if ((int)msg >= 0) {
        sb_adds(&m, "<p class=\"msg error\" role=\"alert\" "
                    "id=\"login-message\">");
        html_esc(&m, T(w, msg));
        sb_adds(&m, "</p>");
    }
    sb_adds(&m, "<form method=\"post\" action=\"/login\"><input "
                "type=\"hidden\" name=\"next\" value=\"");
    html_esc(&m, next && form_local_path_ok(next, "/") ? next : "/");
    sb_adds(&m, "\"><label>");
    html_esc(&m, T(w, M_USER));
    sb_adds(
        &m,
        "<input name=\"user\" id=\"user\" autocomplete=\"username\" required "
        "autofocus></label><label>");
    html_esc(&m, T(w, M_PASSWORD));
    sb_adds(&m, "<input name=\"password\" id=\"password\" type=\"password\" "
                "autocomplete=\"current-password\" required></label>"
                "<button id=\"login-button\">");
    html_esc(&m, T(w, M_LOGIN_BUTTON));
    sb_adds(&m, "</button></form></section>");
    return page(w, status, T(w, M_C_LOGIN_TITLE), &m, NULL);
}

/* A row of the station's local audit trail; a failure to write it fails
** the request (an export must not go unaudited). */
static int audit(struct cw *w, const char *who, const char *action,
                 const char *detail)
{
    return audit_local(w->c->db, who, action, detail, &w->err);
}

static int do_login(struct cw *w)
{
    const char *user = farg(w, "user"), *pw = farg(w, "password");
    const char *next = farg(w, "next");
    char cookie[ACCT_COOKIE_LEN + 1];
    int ok = 0, rc;

    rc = workers_login(w->c->db, user ? user : "", pw ? pw : "", &w->c->cfg.lim,
                       &ok, cookie, &w->err);
    if (rc)
        return fail_err(w);
    if (!ok) {
        if (audit(w, user && acct_name_valid(user) ? user : "?", "login_failed",
                  "console"))
            return fail_err(w);
        return login_page(w, MHD_HTTP_FORBIDDEN, M_LOGIN_FAILED, next);
    }
    if (audit(w, user, "login", "console"))
        return fail_err(w);
    set_cookie(w, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
               cookie);
    memset(cookie, 0, sizeof(cookie));
    return redirect(w, next && form_local_path_ok(next, "/") ? next : "/");
}

static int do_logout(struct cw *w)
{
    if (workers_logout(w->c->db, w->cookie, &w->err))
        return fail_err(w);
    if (audit(w, w->worker, "logout", "console"))
        return fail_err(w);
    set_cookie(w, SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; "
                                 "Max-Age=0");
    return redirect(w, "/login?bye=1");
}

static int to_login(struct cw *w)
{
    struct sw_buf loc;
    sb_init(&loc);
    sb_adds(&loc, w->expired ? "/login?expired=1&next=" : "/login?next=");
    html_url(&loc, form_local_path_ok(w->path, "/") ? w->path : "/");
    redirect(w, loc.buf ? loc.buf : "/login");
    sb_release(&loc);
    return 0;
}

/* ---- home: today's work -------------------------------------------------- */

static void plain_error(struct cw *w, struct sw_buf *b, const char *e)
{
    enum i18n_msg m = M_C_ERR_OTHER;
    if (strstr(e, "connect") || strstr(e, "resolve") || strstr(e, "timed") ||
        strstr(e, "Timeout") || strstr(e, "reach") || strstr(e, "refused"))
        m = M_C_ERR_NET;
    else if (strstr(e, "401") || strstr(e, "403") || strstr(e, "token") ||
             strstr(e, "revoked") || strstr(e, "unauthori"))
        m = M_C_ERR_TOKEN;
    else if (strstr(e, "cacert") || strstr(e, "server URL") ||
             strstr(e, "config"))
        m = M_C_ERR_CONFIG;
    html_esc(b, T(w, m));
    sb_adds(b, " <small class=\"muted\">(");
    html_esc(b, e);
    sb_adds(b, ")</small>");
}

/* Reap a finished sync child: its status and the end of its output. */
static void sync_poll(struct console *c)
{
    int status;
    if (c->sync_pid <= 0)
        return;
    if (waitpid(c->sync_pid, &status, WNOHANG) != c->sync_pid)
        return;
    c->sync_pid = 0;
    c->sync_done = 1;
    c->sync_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    c->sync_out[0] = '\0';
    {
        int fd = open(c->sync_log, O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, c->sync_out, sizeof(c->sync_out) - 1);
            c->sync_out[n > 0 ? n : 0] = '\0';
            close(fd);
        }
        unlink(c->sync_log);
    }
    /* one line is enough: the last one that says something */
    for (size_t n = strlen(c->sync_out); n > 0 && c->sync_out[n - 1] == '\n';
         n--)
        c->sync_out[n - 1] = '\0';
    if (!sw_utf8_valid(c->sync_out))
        c->sync_out[0] = '\0';
}

static void sync_box(struct cw *w, struct sw_buf *b)
{
    struct desk_sync s;
    struct console *c = w->c;
    char t[20], n[32];

    /* reap a finished sync first: the state read below is then the one
       it left (its last sync, what it sent), not one read while it ran */
    sync_poll(c);
    if (desk_sync_state(c->db, &s, &w->err)) {
        sb_adds(b, "<section class=\"card sync\" id=\"sync\"><p "
                   "class=\"msg error\">");
        html_esc(b, T(w, M_ERR_INTERNAL));
        sb_adds(b, " <small class=\"muted\">(");
        html_esc(b, w->err.msg);
        sb_adds(b, ")</small></p></section>");
        return;
    }
    sb_adds(b, "<section class=\"card sync\" id=\"sync\"><h2>");
    html_esc(b, T(w, M_C_SYNC_TITLE));
    sb_adds(b, "</h2><dl><dt>");
    html_esc(b, T(w, M_C_LAST_SYNC));
    sb_adds(b, "</dt><dd id=\"last-sync\">");
    if (s.last_sync > 0) {
        html_time(s.last_sync, t);
        html_esc(b, t);
        sb_adds(b, " <span class=\"muted\">(");
        ago(w, b, s.last_sync);
        sb_adds(b, ")</span>");
    } else {
        html_esc(b, T(w, M_STATE_NEVER));
    }
    sb_adds(b, "</dd><dt>");
    html_esc(b, T(w, M_C_PENDING));
    snprintf(n, sizeof(n), "%" PRId64, s.unsent);
    sb_adds(b, "</dt><dd id=\"pending\">");
    sb_adds(b, n);
    sb_adds(b, "</dd><dt>");
    html_esc(b, T(w, M_C_OPEN_CONFLICTS));
    snprintf(n, sizeof(n), "%" PRId64, s.open_conflicts);
    sb_adds(b, "</dt><dd id=\"open-conflicts\">");
    if (s.open_conflicts > 0) {
        sb_adds(b, "<a href=\"/conflicts\" class=\"warn\">");
        sb_adds(b, n);
        sb_adds(b, "</a>");
    } else {
        sb_adds(b, n);
    }
    sb_adds(b, "</dd>");
    if (s.last_error[0]) {
        sb_adds(b, "<dt>");
        html_esc(b, T(w, M_C_LAST_ERROR));
        sb_adds(b, "</dt><dd class=\"error\" id=\"last-error\">");
        plain_error(w, b, s.last_error);
        sb_adds(b, "</dd>");
    }
    sb_adds(b, "</dl>");
    if (s.has_skew && (s.skew_ms > SKEW_WARN_MS || s.skew_ms < -SKEW_WARN_MS)) {
        int64_t m = (s.skew_ms < 0 ? -s.skew_ms : s.skew_ms) / 60000;
        snprintf(n, sizeof(n), "%" PRId64 " min", m);
        sb_adds(b, "<p class=\"msg warn\" id=\"skew\">");
        i18n_fmt(b, w->lang, M_C_SKEW_WARN, n);
        sb_adds(b, "</p>");
    }
    if (c->sync_pid > 0) {
        w->refresh = 1;
        snprintf(n, sizeof(n), "%" PRId64,
                 (sw_now_ms() - c->sync_started) / 1000);
        sb_adds(b, "<p class=\"msg info\" id=\"sync-running\">");
        i18n_fmt(b, w->lang, M_C_SYNCING, n);
        sb_adds(b, "</p>");
    } else {
        if (c->sync_done) {
            sb_adds(b, c->sync_rc == 0
                           ? "<p class=\"msg ok\" id=\"sync-result\">"
                           : "<p class=\"msg error\" "
                             "id=\"sync-result\">");
            html_esc(b, T(w, c->sync_rc == 0 ? M_C_SYNC_OK : M_C_SYNC_FAILED));
            html_esc(b, c->sync_out);
            sb_adds(b, "</p>");
        }
        sb_adds(b, "<form method=\"post\" action=\"/sync\">");
        sb_adds(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_esc(b, w->csrf);
        sb_adds(b, "\"><button id=\"sync-now\">");
        html_esc(b, T(w, M_C_SYNC_NOW));
        sb_adds(b, "</button></form>");
    }
    sb_adds(b, "</section>");
}

/* A date or date-time as people write it: "2026-11-20 10:00". */
static void put_when(struct sw_buf *b, const char *v)
{
    char t[32];
    if (!v)
        return;
    snprintf(t, sizeof(t), "%s", v);
    if (strlen(t) > 10 && t[10] == 'T')
        t[10] = ' ';
    html_esc(b, t);
}

static void case_link(struct sw_buf *b, const char *id, const char *name)
{
    sb_adds(b, "<a href=\"/case/");
    html_url(b, id);
    sb_adds(b, "\">");
    html_esc(b, name);
    sb_adds(b, "</a>");
}

static void short_text(struct sw_buf *b, const char *s, int n)
{
    const char *p = s;
    int k = 0;
    if (!s)
        return;
    while (*p && k < n) {
        p++;
        while ((*p & 0xc0) == 0x80)
            p++;
        k++;
    }
    sb_add(b, "", 0);
    {
        struct sw_buf t;
        sb_init(&t);
        sb_add(&t, s, (size_t)(p - s));
        html_esc(b, t.buf ? t.buf : "");
        sb_release(&t);
    }
    if (*p)
        sb_adds(b, "…");
}

/* A referral's line: the person, the need, the resource, the status and
** the follow-up date (overdue / today tagged), and its edit link. */
static void referral_item(struct cw *w, struct sw_buf *m, const char *id,
                          const char *case_id, const char *name,
                          const char *need, const char *resource,
                          const char *status, const char *follow_up)
{
    sb_adds(m, "<li class=\"referral\"><div class=\"wl-head\">");
    if (case_id)
        case_link(m, case_id, name);
    sb_adds(m, " <span class=\"tag\">");
    html_esc(m, vlabel(w, "need", need));
    sb_adds(m, "</span>");
    if (status) {
        sb_adds(m, " <span class=\"tag ref-status\">");
        html_esc(m, vlabel(w, "status", status));
        sb_adds(m, "</span>");
    }
    if (follow_up) {
        int over = strcmp(follow_up, w->today) < 0;
        int open = !status || strcmp(status, "referred") == 0 ||
                   strcmp(status, "accepted") == 0;
        int due = open && strcmp(follow_up, w->today) <= 0;
        sb_adds(m, due ? (over ? " <span class=\"tag overdue\">"
                               : " <span class=\"tag today\">")
                       : " <span class=\"tag\">");
        html_esc(m, T(w, M_C_FOLLOW_UP_ON));
        html_esc(m, follow_up);
        if (due) {
            sb_adds(m, " ");
            html_esc(m, T(w, over ? M_C_OVERDUE : M_C_TODAY));
        }
        sb_adds(m, "</span>");
    }
    sb_adds(m, " <a class=\"edit-referral\" href=\"/referral/");
    html_url(m, id);
    sb_adds(m, "/edit\">");
    html_esc(m, T(w, M_C_EDIT));
    sb_adds(m, "</a></div>");
    if (resource) {
        sb_adds(m, "<div class=\"wl-body\">");
        html_esc(m, resource);
        sb_adds(m, "</div>");
    }
    sb_adds(m, "</li>");
}

/* The home page's referral follow-ups due today or overdue. */
static int referrals_due(struct cw *w, struct sw_buf *m)
{
    struct desk_rows r;
    char n[64];
    int k = 0;

    if (due_referrals(w->c->db, w->today, DUE_REF_OPEN, &r, &w->err))
        return -1;
    for (int i = 0; i < r.n; i++) {
        const char *f = desk_cell(&r, i, REF_FOLLOW_UP);
        k += f && strcmp(f, w->today) <= 0;
    }
    sb_adds(m, "<section class=\"card\" id=\"referrals-due\"><h2>");
    html_esc(m, T(w, M_C_REF_DUE_TITLE));
    snprintf(n, sizeof(n), " <span class=\"count\">%d</span>", k);
    sb_adds(m, n);
    sb_adds(m, "</h2>");
    if (!k) {
        sb_adds(m, "<p class=\"muted\">");
        html_esc(m, T(w, M_C_REF_DUE_NONE));
        sb_adds(m, "</p>");
    } else {
        sb_adds(m, "<ul class=\"worklist\">");
        for (int i = 0; i < r.n; i++) {
            const char *f = desk_cell(&r, i, REF_FOLLOW_UP);
            if (!f || strcmp(f, w->today) > 0)
                continue;
            referral_item(
                w, m, desk_cell(&r, i, REF_ID), desk_cell(&r, i, REF_CASE_ID),
                desk_cell(&r, i, REF_NAME), desk_cell(&r, i, REF_NEED),
                desk_cell(&r, i, REF_RESOURCE), desk_cell(&r, i, REF_STATUS),
                f);
        }
        sb_adds(m, "</ul>");
    }
    sb_adds(m, "</section>");
    desk_rows_release(&r);
    return 0;
}

/* GET /referrals[?all=1]: the open referrals (or all), overdue first. */
static int do_referrals(struct cw *w)
{
    int all = qarg(w, "all") != NULL, over = 0;
    struct desk_rows r;
    struct sw_buf m;
    char a[32], b[32];

    if (due_referrals(w->c->db, w->today, all ? DUE_REF_ALL : DUE_REF_OPEN, &r,
                      &w->err))
        return fail_err(w);
    for (int i = 0; i < r.n; i++)
        over += desk_cell(&r, i, REF_OVERDUE) &&
                strcmp(desk_cell(&r, i, REF_OVERDUE), "1") == 0;
    sb_init(&m);
    sb_adds(&m, "<h1>");
    html_esc(&m, T(w, all ? M_C_REFERRALS_ALL_TITLE : M_C_REFERRALS_TITLE));
    sb_adds(&m, "</h1><p id=\"referrals-count\">");
    snprintf(a, sizeof(a), "%d", r.n);
    snprintf(b, sizeof(b), "%d", over);
    i18n_fmt(&m, w->lang, M_C_REFERRALS_N, a);
    i18n_fmt(&m, w->lang, M_C_REFERRALS_OVER, b);
    sb_adds(&m, all ? " <a href=\"/referrals\">"
                    : " <a href=\"/referrals?all=1\">");
    html_esc(&m, T(w, all ? M_C_REFERRALS_SHOW_OPEN : M_C_REFERRALS_SHOW_ALL));
    sb_adds(&m, "</a></p><ul class=\"worklist\" id=\"referrals\">");
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < r.n; i++) {
            const char *o = desk_cell(&r, i, REF_OVERDUE);
            int is_over = o && strcmp(o, "1") == 0;
            if (is_over != (pass == 0))
                continue; /* overdue ones first */
            referral_item(
                w, &m, desk_cell(&r, i, REF_ID), desk_cell(&r, i, REF_CASE_ID),
                desk_cell(&r, i, REF_NAME), desk_cell(&r, i, REF_NEED),
                desk_cell(&r, i, REF_RESOURCE), desk_cell(&r, i, REF_STATUS),
                desk_cell(&r, i, REF_FOLLOW_UP));
        }
    sb_adds(&m, "</ul>");
    desk_rows_release(&r);
    {
        int rc = page(w, MHD_HTTP_OK,
                      T(w, all ? M_C_REFERRALS_ALL_TITLE : M_C_REFERRALS_TITLE),
                      &m, "/referrals");
        return rc;
    }
}

/* Cases the county moved to another station: where, when, the note
** (docs/design-notes.md, "Case transfer"); nothing when there are none. */
static void moved_box(struct cw *w, struct sw_buf *m)
{
    static const char sql[] =
        "SELECT case_id, to_station, moved_at, note, waiting FROM moved_cases "
        "ORDER BY moved_at DESC, case_id LIMIT 20";
    sdb_stmt *st = NULL;
    int n = 0;

    if (db_prepare(w->c->db, sql, &st, NULL))
        return;
    while (sdb_step(st) == SDB_ROW) {
        char day[16] = "";
        time_t t = (time_t)(sdb_column_int64(st, 2) / 1000);
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        if (n++ == 0) {
            sb_adds(m, "<section class=\"card\" id=\"moved\"><h2>");
            html_esc(m, T(w, M_C_MOVED_TITLE));
            sb_adds(m, "</h2><ul class=\"worklist\">");
        }
        sb_adds(m, "<li><div class=\"wl-head\"><span class=\"muted\">");
        short_text(m, (const char *)sdb_column_text(st, 0), 13);
        sb_adds(m, "</span> <span class=\"tag\">");
        i18n_fmt(m, w->lang, M_C_MOVED_TO,
                 (const char *)sdb_column_text(st, 1));
        sb_adds(m, "</span> ");
        html_esc(m, day);
        if (sdb_column_int(st, 4)) {
            sb_adds(m, " <span class=\"tag overdue\">");
            html_esc(m, T(w, M_C_MOVED_WAITING));
            sb_adds(m, "</span>");
        }
        sb_adds(m, "</div><div class=\"wl-body\">");
        html_esc(m, (const char *)sdb_column_text(st, 3));
        sb_adds(m, "</div></li>");
    }
    sdb_finalize(st);
    if (n)
        sb_adds(m, "</ul></section>");
}

static int do_home(struct cw *w)
{
    struct desk_rows due, stale, cat;
    struct sw_buf m;
    char since[11], n[64];
    int stale_days = w->c->cfg.stale_days > 0 ? w->c->cfg.stale_days : 30;
    int rc;
    int64_t total = 0;

    memset(&due, 0, sizeof(due));
    memset(&stale, 0, sizeof(stale));
    memset(&cat, 0, sizeof(cat));
    today_str(since, stale_days);
    rc = desk_due(w->c->db, w->today, LIST_MAX, &due, &w->err);
    if (!rc)
        rc = desk_stale_high(w->c->db, since, LIST_MAX, &stale, &w->err);
    if (!rc)
        rc = desk_open_by_category(w->c->db, &cat, &w->err);
    if (rc) {
        desk_rows_release(&due);
        desk_rows_release(&stale);
        return fail_err(w);
    }
    sb_init(&m);
    sb_adds(&m, "<div class=\"home\"><div class=\"col-main\">");
    /* follow-ups */
    sb_adds(&m, "<section class=\"card\" id=\"due\"><h2>");
    html_esc(&m, T(w, M_C_DUE_TITLE));
    snprintf(n, sizeof(n), " <span class=\"count\">%d</span>", due.n);
    sb_adds(&m, n);
    sb_adds(&m, "</h2>");
    if (due.n == 0) {
        sb_adds(&m, "<p class=\"muted\">");
        html_esc(&m, T(w, M_C_DUE_NONE));
        sb_adds(&m, "</p>");
    } else {
        sb_adds(&m, "<ul class=\"worklist\">");
        for (int i = 0; i < due.n; i++) {
            const char *d = desk_cell(&due, i, 4);
            int over = strcmp(d, w->today) < 0;
            sb_adds(&m, "<li><div class=\"wl-head\">");
            case_link(&m, desk_cell(&due, i, 0), desk_cell(&due, i, 1));
            sb_adds(&m, " <span class=\"muted\">");
            html_esc(&m, desk_cell(&due, i, 2));
            sb_adds(&m, "</span>");
            if (desk_cell(&due, i, 3) &&
                strcmp(desk_cell(&due, i, 3), "high") == 0) {
                sb_adds(&m, " <span class=\"tag high\">");
                html_esc(&m, vlabel(w, "risk_level", "high"));
                sb_adds(&m, "</span>");
            }
            sb_adds(&m, over ? " <span class=\"tag overdue\">"
                             : " <span class=\"tag today\">");
            html_esc(&m, d);
            sb_adds(&m, " ");
            html_esc(&m, T(w, over ? M_C_OVERDUE : M_C_TODAY));
            sb_adds(&m, "</span></div><div class=\"wl-body\">");
            html_esc(&m, T(w, M_C_COL_LAST_VISIT));
            sb_adds(&m, "：");
            put_when(&m, desk_cell(&due, i, 5));
            if (desk_cell(&due, i, 6)) {
                sb_adds(&m, " · ");
                short_text(&m, desk_cell(&due, i, 6), 60);
            }
            sb_adds(&m, "</div></li>");
        }
        sb_adds(&m, "</ul>");
    }
    sb_adds(&m, "</section>");
    if (referrals_due(w, &m)) {
        desk_rows_release(&due);
        desk_rows_release(&stale);
        desk_rows_release(&cat);
        sb_release(&m);
        return fail_err(w);
    }
    /* stale high-risk cases */
    snprintf(n, sizeof(n), "%d", stale_days);
    sb_adds(&m, "<section class=\"card\" id=\"stale\"><h2>");
    i18n_fmt(&m, w->lang, M_C_STALE_TITLE, n);
    snprintf(n, sizeof(n), " <span class=\"count\">%d</span>", stale.n);
    sb_adds(&m, n);
    sb_adds(&m, "</h2>");
    if (stale.n == 0) {
        sb_adds(&m, "<p class=\"muted\">");
        html_esc(&m, T(w, M_C_STALE_NONE));
        sb_adds(&m, "</p>");
    } else {
        sb_adds(&m, "<ul class=\"worklist\">");
        for (int i = 0; i < stale.n; i++) {
            sb_adds(&m, "<li><div class=\"wl-head\">");
            case_link(&m, desk_cell(&stale, i, 0), desk_cell(&stale, i, 1));
            sb_adds(&m, " <span class=\"muted\">");
            html_esc(&m, desk_cell(&stale, i, 2));
            sb_adds(&m, "</span></div><div class=\"wl-body\">");
            html_esc(&m, T(w, M_C_COL_LAST_VISIT));
            sb_adds(&m, "：");
            html_esc(&m, desk_cell(&stale, i, 3) ? desk_cell(&stale, i, 3)
                                                 : T(w, M_C_NEVER_VISITED));
            sb_adds(&m, "</div></li>");
        }
        sb_adds(&m, "</ul>");
    }
    sb_adds(&m, "</section></div><div class=\"col-side\">");
    sync_box(w, &m);
    moved_box(w, &m);
    /* open cases by category */
    sb_adds(&m, "<section class=\"card\" id=\"bycat\"><h2>");
    html_esc(&m, T(w, M_C_BYCAT_TITLE));
    sb_adds(&m, "</h2><table class=\"small\"><tbody>");
    for (int i = 0; i < cat.n; i++) {
        sb_adds(&m, "<tr><td>");
        html_esc(&m, vlabel(w, "category", desk_cell(&cat, i, 0)));
        sb_adds(&m, "</td><td class=\"num\">");
        html_esc(&m, desk_cell(&cat, i, 1));
        sb_adds(&m, "</td></tr>");
        total += strtoll(desk_cell(&cat, i, 1), NULL, 10);
    }
    snprintf(n, sizeof(n), "%" PRId64, total);
    sb_adds(&m, "<tr class=\"total\"><td>");
    html_esc(&m, T(w, M_C_TOTAL));
    sb_adds(&m, "</td><td class=\"num\">");
    sb_adds(&m, n);
    sb_adds(&m, "</td></tr></tbody></table></section></div></div>");
    desk_rows_release(&due);
    desk_rows_release(&stale);
    desk_rows_release(&cat);
    return page(w, MHD_HTTP_OK, T(w, M_C_NAV_HOME), &m, "/");
}

/* Run this program's `sync` in the background. */
static int do_sync(struct cw *w)
{
    struct console *c = w->c;
    pid_t pid;
    int fd;

    sync_poll(c);
    if (c->sync_pid > 0)
        return redirect(w, "/#sync");
    snprintf(c->sync_log, sizeof(c->sync_log), "/tmp/swsync-console-XXXXXX");
    fd = mkstemp(c->sync_log);
    if (fd < 0) {
        sw_fail(&w->err, SW_EIO, _("cannot make a temporary file"));
        return fail_err(w);
    }
    pid = fork();
    if (pid < 0) {
        close(fd);
        unlink(c->sync_log);
        sw_fail(&w->err, SW_EIO, _("cannot start a process"));
        return fail_err(w);
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(c->cfg.exe, c->cfg.exe, "--db", c->cfg.db_path, "sync",
              (char *)NULL);
        _exit(70);
    }
    close(fd);
    c->sync_pid = pid;
    c->sync_started = sw_now_ms();
    c->sync_done = 0;
    return redirect(w, "/#sync");
}

/* ---- search -------------------------------------------------------------- */

static void search_results(struct cw *w, struct sw_buf *m,
                           const struct desk_rows *r)
{
    char n[24];
    snprintf(n, sizeof(n), "%d", r->n);
    sb_adds(m, "<p class=\"muted\" id=\"result-count\">");
    i18n_fmt(m, w->lang, M_C_SEARCH_N, n);
    sb_adds(m, "</p><ul class=\"results\">");
    for (int i = 0; i < r->n; i++) {
        const char *st = desk_cell(r, i, 7);
        sb_adds(m, "<li><a href=\"/case/");
        html_url(m, desk_cell(r, i, 0));
        sb_adds(m, "\"><strong>");
        html_esc(m, desk_cell(r, i, 1));
        sb_adds(m, "</strong></a> <span class=\"tag\">");
        html_esc(m, vlabel(w, "category", desk_cell(r, i, 5)));
        sb_adds(m, "</span> <span class=\"tag ");
        html_esc(m, desk_cell(r, i, 6));
        sb_adds(m, "\">");
        html_esc(m, vlabel(w, "risk_level", desk_cell(r, i, 6)));
        sb_adds(m, "</span>");
        if (st && strcmp(st, "closed") == 0) {
            sb_adds(m, " <span class=\"tag closed\">");
            html_esc(m, vlabel(w, "status", st));
            sb_adds(m, "</span>");
        }
        sb_adds(m, "<div class=\"muted\">");
        html_esc(m, desk_cell(r, i, 2));
        if (desk_cell(r, i, 3)) {
            sb_adds(m, " · ");
            html_esc(m, desk_cell(r, i, 3));
        }
        if (desk_cell(r, i, 4)) {
            sb_adds(m, " · ");
            html_esc(m, desk_cell(r, i, 4));
        }
        sb_adds(m, "</div></li>");
    }
    sb_adds(m, "</ul>");
}

static int do_search(struct cw *w, int fragment)
{
    const char *q = qarg(w, "q");
    struct desk_rows r;
    struct sw_buf m;

    memset(&r, 0, sizeof(r));
    if (q && !sw_utf8_valid(q))
        q = NULL;
    if (q && *q && desk_search(w->c->db, q, SEARCH_MAX, &r, &w->err))
        return fail_err(w);
    sb_init(&m);
    if (fragment) {
        if (q && *q)
            search_results(w, &m, &r);
        desk_rows_release(&r);
        sb_release(&w->body);
        w->body = m;
        w->status = MHD_HTTP_OK;
        w->ctype = CT_HTML;
        return 0;
    }
    sb_adds(&m, "<h1>");
    html_esc(&m, T(w, M_C_SEARCH_TITLE));
    sb_adds(&m, "</h1><form method=\"get\" action=\"/search\" class=\"search\" "
                "role=\"search\"><input type=\"search\" name=\"q\" id=\"q\" "
                "autocomplete=\"off\" autofocus value=\"");
    html_esc(&m, q ? q : "");
    sb_adds(&m, "\" placeholder=\"");
    html_esc(&m, T(w, M_C_SEARCH_HINT));
    sb_adds(&m, "\" aria-label=\"");
    html_esc(&m, T(w, M_C_SEARCH_HINT));
    sb_adds(&m, "\"><button>");
    html_esc(&m, T(w, M_SEARCH_BUTTON));
    sb_adds(&m, "</button></form><p class=\"hint\">");
    html_esc(&m, T(w, M_C_SEARCH_HINT));
    sb_adds(&m, "</p><div id=\"results\">");
    if (q && *q)
        search_results(w, &m, &r);
    sb_adds(&m, "</div>");
    desk_rows_release(&r);
    return page(w, MHD_HTTP_OK, T(w, M_C_SEARCH_TITLE), &m, "/search");
}

/* ---- forms --------------------------------------------------------------- */

/* A column shown in the forms of t. */
static int form_col(const struct sw_table *t, int c)
{
    return !(t->cols[c].flags & SW_COL_SYSTEM) && c != t->ref_col;
}

static void input_for(struct cw *w, struct sw_buf *m, const struct sw_table *t,
                      int c, const char *v)
{
    const struct sw_column *col = &t->cols[c];
    switch (col->check) {
    case CK_ENUM:
        sb_addf(m, "<select name=\"%s\" id=\"f-%s\">", col->name, col->name);
        if (!(col->flags & SW_COL_REQUIRED) || !v) {
            sb_adds(m, "<option value=\"\">");
            html_esc(m,
                     (col->flags & SW_COL_REQUIRED) ? T(w, M_C_CHOOSE) : "—");
            sb_adds(m, "</option>");
        }
        for (int i = 0; col->allowed[i]; i++) {
            sb_adds(m, "<option value=\"");
            html_esc(m, col->allowed[i]);
            sb_adds(m, "\"");
            if (v && strcmp(v, col->allowed[i]) == 0)
                sb_adds(m, " selected");
            sb_adds(m, ">");
            html_esc(m, vlabel(w, col->name, col->allowed[i]));
            sb_adds(m, "</option>");
        }
        sb_adds(m, "</select>");
        return;
    case CK_REF:
        if (t == &sw_tables[SW_T_REFERRALS] &&
            strcmp(col->name, "resource_id") == 0) {
            /* the county's directory, pulled read-only */
            struct desk_rows r;
            struct sw_err e;
            sb_addf(m, "<select name=\"%s\" id=\"f-%s\">", col->name,
                    col->name);
            sb_adds(m, "<option value=\"\">");
            html_esc(m, T(w, M_C_NOT_IN_DIRECTORY));
            sb_adds(m, "</option>");
            if (!desk_resources(w->c->db, &r, &e)) {
                for (int i = 0; i < r.n; i++) {
                    sb_adds(m, "<option value=\"");
                    html_esc(m, desk_cell(&r, i, 0));
                    sb_adds(m, "\"");
                    if (v && strcmp(v, desk_cell(&r, i, 0)) == 0)
                        sb_adds(m, " selected");
                    sb_adds(m, ">");
                    html_esc(m, desk_cell(&r, i, 1));
                    sb_adds(m, "（");
                    html_esc(m, vlabel(w, "type", desk_cell(&r, i, 2)));
                    if (desk_cell(&r, i, 3)) {
                        sb_adds(m, "；");
                        html_esc(m, desk_cell(&r, i, 3));
                    }
                    sb_adds(m, "）</option>");
                }
                desk_rows_release(&r);
            }
            sb_adds(m, "</select>");
            return;
        }
        break;
    case CK_BOOL:
        sb_addf(m, "<select name=\"%s\" id=\"f-%s\">", col->name, col->name);
        sb_adds(m, "<option value=\"0\">");
        html_esc(m, T(w, M_C_NO));
        sb_adds(m, v && strcmp(v, "1") == 0
                       ? "</option><option value=\"1\" selected>"
                       : "</option><option value=\"1\">");
        html_esc(m, T(w, M_C_YES));
        sb_adds(m, "</option></select>");
        return;
    default:
        break;
    }
    if (col->check == CK_TEXT && col->maxlen >= 500) {
        sb_addf(m, "<textarea name=\"%s\" id=\"f-%s\" rows=\"3\">", col->name,
                col->name);
        html_esc(m, v);
        sb_adds(m, "</textarea>");
        return;
    }
    sb_addf(m, "<input name=\"%s\" id=\"f-%s\"", col->name, col->name);
    switch (col->check) {
    case CK_DATE:
        sb_adds(m, " type=\"date\"");
        break;
    case CK_DATETIME:
        sb_adds(m, " type=\"datetime-local\"");
        break;
    case CK_IDNUM:
        sb_adds(m, " maxlength=\"18\" autocomplete=\"off\" "
                   "data-idnum=\"1\" spellcheck=\"false\"");
        break;
    case CK_PHONE:
        sb_adds(m, " type=\"tel\" maxlength=\"20\"");
        break;
    case CK_COUNT:
        sb_addf(m, " type=\"number\" min=\"0\" max=\"%d\"", col->maxlen);
        break;
    case CK_MONEY:
        sb_adds(m, " inputmode=\"decimal\"");
        break;
    default:
        if (col->maxlen > 0)
            sb_addf(m, " maxlength=\"%d\"", col->maxlen);
        break;
    }
    if (col->flags & SW_COL_REQUIRED && col->check != CK_DATETIME)
        sb_adds(m, " required");
    sb_adds(m, " value=\"");
    html_esc(m, v);
    sb_adds(m, "\">");
}

/*
** A record form: vals[] the values shown, bad[] marks fields with an
** error (errs: the messages, markup), from[] marks values the county
** wrote.
*/
static void record_form(struct cw *w, struct sw_buf *m,
                        const struct sw_table *t, const char *action,
                        const char *cancel, char **vals,
                        const unsigned char *bad, const char *from,
                        const char *errs, int nerr)
{
    char n[16];
    if (nerr) {
        snprintf(n, sizeof(n), "%d", nerr);
        sb_adds(m, "<div class=\"msg error\" role=\"alert\" id=\"form-errors\">"
                   "<p>");
        i18n_fmt(m, w->lang, M_C_FORM_ERRORS, n);
        sb_adds(m, "</p><ul>");
        sb_adds(m, errs);
        sb_adds(m, "</ul></div>");
    }
    sb_adds(m, "<form method=\"post\" class=\"record\" action=\"");
    html_esc(m, action);
    sb_adds(m, "\" novalidate>");
    sb_adds(m, "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_esc(m, w->csrf);
    sb_adds(m, "\"><div class=\"grid\">");
    for (int c = 0; c < t->ncols; c++) {
        const struct sw_column *col = &t->cols[c];
        int wide = (col->check == CK_TEXT && col->maxlen >= 500);
        if (!form_col(t, c))
            continue;
        sb_addf(m, "<div class=\"field%s%s\"><label for=\"f-%s\">",
                wide ? " wide" : "", bad && bad[c] ? " bad" : "", col->name);
        html_esc(m, i18n_field(w->lang, t, col->name));
        if (col->flags & SW_COL_REQUIRED)
            sb_adds(m, " <span class=\"req\" aria-hidden=\"true\">*</span>");
        if (from && from[c] == 'c') {
            sb_adds(m, " <span class=\"tag county\">");
            html_esc(m, T(w, M_C_BY_COUNTY));
            sb_adds(m, "</span>");
        }
        sb_adds(m, "</label>");
        input_for(w, m, t, c, vals[c]);
        if (col->check == CK_IDNUM)
            sb_adds(m, "<output id=\"idnum-check\" class=\"hint\" "
                       "aria-live=\"polite\"></output>");
        sb_adds(m, "</div>");
    }
    sb_adds(m, "</div><div class=\"actions\"><button id=\"save\">");
    html_esc(m, T(w, M_C_SAVE));
    sb_adds(m, "</button> <a class=\"button-link\" href=\"");
    html_esc(m, cancel);
    sb_adds(m, "\">");
    html_esc(m, T(w, M_C_CANCEL));
    sb_adds(m, "</a></div></form>");
}

/* Birth date and gender from a valid ID number, where they are empty. */
static void from_idnum(char **vals, const struct sw_table *t, char *birth,
                       const char **gender)
{
    int ci = sw_col_index(t, "id_number"), cb = sw_col_index(t, "birth_date");
    int cg = sw_col_index(t, "gender");
    const char *id = ci >= 0 ? vals[ci] : NULL;
    if (!id || strlen(id) != 18 || sw_idnum_check_char(id) != id[17])
        return;
    if (cb >= 0 && !vals[cb]) {
        snprintf(birth, 11, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
        if (sw_validate(t, &t->cols[cb], birth, NULL) == 0)
            vals[cb] = birth;
    }
    if (cg >= 0 && !vals[cg])
        *gender = ((id[16] - '0') % 2) ? "male" : "female";
}

/*
** Read the form's fields of t into vals[] (NULL: empty) and check each;
** the messages into errs.  Returns the number of problems.
*/
static int read_fields(struct cw *w, const struct sw_table *t, char **vals,
                       unsigned char *given, unsigned char *bad,
                       struct sw_buf *errs, int adding)
{
    int nerr = 0;
    for (int c = 0; c < t->ncols; c++) {
        const struct sw_column *col = &t->cols[c];
        const char *v;
        if (!form_col(t, c))
            continue;
        v = farg(w, col->name);
        if (!v)
            continue;
        given[c] = 1;
        /* trim spaces around */
        while (*v == ' ')
            v++;
        free(vals[c]);
        vals[c] = *v ? strdup(v) : NULL;
        if (vals[c]) {
            size_t n = strlen(vals[c]);
            while (n > 0 && vals[c][n - 1] == ' ')
                vals[c][--n] = '\0';
            if (col->check == CK_IDNUM && n == 18 && vals[c][17] == 'x')
                vals[c][17] = 'X';
        }
    }
    {
        char birth[11];
        const char *gender = NULL;
        int cg = sw_col_index(t, "gender"), cb = sw_col_index(t, "birth_date");
        from_idnum(vals, t, birth, &gender);
        if (cb >= 0 && vals[cb] == birth) {
            vals[cb] = strdup(birth);
            given[cb] = 1;
        }
        if (gender && cg >= 0) {
            vals[cg] = strdup(gender);
            given[cg] = 1;
        }
    }
    for (int c = 0; c < t->ncols; c++) {
        const struct sw_column *col = &t->cols[c];
        struct sw_err e;
        if (!form_col(t, c))
            continue;
        if (!vals[c]) {
            if ((col->flags & SW_COL_REQUIRED) && (given[c] || adding) &&
                !(adding && col->dflt)) {
                sb_adds(errs, "<li>");
                i18n_fmt(errs, w->lang, M_C_ERR_REQUIRED,
                         i18n_field(w->lang, t, col->name));
                sb_adds(errs, "</li>");
                bad[c] = 1;
                nerr++;
            }
            continue;
        }
        sw_err_clear(&e);
        if (sw_validate(t, col, vals[c], &e)) {
            sb_adds(errs, "<li>");
            i18n_fmt(errs, w->lang, M_C_ERR_FIELD,
                     i18n_field(w->lang, t, col->name));
            i18n_check(errs, w->lang, col);
            sb_adds(errs, "</li>");
            bad[c] = 1;
            nerr++;
        }
    }
    return nerr;
}

static void vals_free(const struct sw_table *t, char **vals)
{
    for (int c = 0; c < t->ncols; c++)
        free(vals[c]);
    free(vals);
}

/* The name of a live case, or 0 if there is none. */
static int case_name(struct cw *w, const char *id, char *name, size_t n,
                     int *live)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    char *vals[32], from[32];
    int found = 0, rc;
    *live = 0;
    rc = desk_record(w->c->db, t, id, vals, from, &found, &w->err);
    if (rc)
        return rc;
    if (found) {
        int cn = sw_col_index(t, "name"), cd = sw_col_deleted(t);
        snprintf(name, n, "%s", vals[cn] ? vals[cn] : "");
        *live = !(vals[cd] && strcmp(vals[cd], "1") == 0);
        desk_vals_free(t, vals);
    }
    return 0;
}

/*
** GET or POST a form adding a record of t (case_id: the case of a visit
** or service) or editing record id of cases.
*/
static int do_record_form(struct cw *w, const struct sw_table *t,
                          const char *case_id, const char *id)
{
    char **vals = calloc((size_t)t->ncols, sizeof(*vals));
    unsigned char *given = calloc((size_t)t->ncols, 1);
    unsigned char *bad = calloc((size_t)t->ncols, 1);
    char from[32] = {0}, cname[256] = "", newid[SW_UUID_LEN + 1];
    char nowmin[17];
    struct sw_buf m, errs, action, title, cancel;
    int nerr = 0, rc = 0, live = 1;

    sb_init(&cancel);
    sb_init(&m);
    sb_init(&errs);
    sb_init(&action);
    sb_init(&title);
    if (!vals || !given || !bad) {
        rc = -1;
        goto out;
    }
    if (case_id) {
        rc = case_name(w, case_id, cname, sizeof(cname), &live);
        if (rc) {
            rc = fail_err(w);
            goto out;
        }
        if (!cname[0] || !live) {
            rc = not_found(w);
            goto out;
        }
    }
    if (id) {
        char *dv[32];
        int found = 0;
        if (desk_record(w->c->db, t, id, dv, from, &found, &w->err)) {
            rc = fail_err(w);
            goto out;
        }
        if (!found) {
            rc = not_found(w);
            goto out;
        }
        for (int c = 0; c < t->ncols; c++)
            vals[c] = dv[c];
        if (vals[sw_col_deleted(t)] &&
            strcmp(vals[sw_col_deleted(t)], "1") == 0) {
            rc = not_found(w);
            goto out;
        }
    } else {
        /* defaults: today, this worker */
        now_local_minute(nowmin);
        for (int c = 0; c < t->ncols; c++) {
            const struct sw_column *col = &t->cols[c];
            if (col->dflt && strcmp(col->dflt, "@today") == 0)
                vals[c] = strdup(col->check == CK_DATETIME ? nowmin : w->today);
            else if (col->dflt && c != sw_col_deleted(t))
                vals[c] = strdup(col->dflt);
            else if (strcmp(col->name, "worker") == 0)
                vals[c] = strdup(w->worker);
        }
    }
    if (w->post) {
        nerr = read_fields(w, t, vals, given, bad, &errs, id == NULL);
        if (!nerr && t == &sw_tables[SW_T_REFERRALS]) {
            /* completed or declined: closed today, unless given */
            int sc = sw_col_index(t, "status"),
                cc = sw_col_index(t, "closed_on");
            if (vals[sc] &&
                (strcmp(vals[sc], "completed") == 0 ||
                 strcmp(vals[sc], "declined") == 0) &&
                (!vals[cc] || !*vals[cc])) {
                free(vals[cc]);
                vals[cc] = strdup(w->today);
                given[cc] = 1;
            }
        }
        if (!nerr) {
            struct sw_err e;
            sw_err_clear(&e);
            if (id) {
                rc = edit_set(w->c->db, t, id, (const char *const *)vals, given,
                              &e);
            } else {
                if (case_id)
                    vals[t->ref_col] = strdup(case_id);
                /* the form's own strings: a datetime-local without
                ** seconds is what CK_DATETIME takes as is */
                rc = edit_add(w->c->db, t, (const char *const *)vals, w->today,
                              newid, &e);
            }
            if (!rc) {
                struct sw_buf loc;
                sb_init(&loc);
                sb_adds(&loc, "/case/");
                html_url(&loc, case_id                 ? case_id
                               : t->ref_col >= 0 && id ? vals[t->ref_col]
                               : id                    ? id
                                                       : newid);
                sb_adds(&loc, "?saved=1");
                redirect(w, loc.buf ? loc.buf : "/");
                sb_release(&loc);
                goto out;
            }
            if (e.code != SW_EDATA) {
                w->err = e;
                rc = fail_err(w);
                goto out;
            }
            rc = 0;
            sb_adds(&errs, "<li>");
            html_esc(&errs, e.msg);
            sb_adds(&errs, "</li>");
            nerr = 1;
        }
    }
    if (id && t == &sw_tables[SW_T_REFERRALS]) {
        sb_adds(&action, "/referral/");
        html_url(&action, id);
        sb_adds(&action, "/edit");
        html_esc(&title, T(w, M_C_EDIT_REFERRAL_TITLE));
    } else if (id) {
        sb_adds(&action, "/case/");
        html_url(&action, id);
        sb_adds(&action, "/edit");
        html_esc(&title, T(w, M_C_EDIT_CASE_TITLE));
    } else if (case_id) {
        int ti = sw_table_index(t);
        sb_adds(&action, "/case/");
        html_url(&action, case_id);
        sb_adds(&action, ti == SW_T_VISITS      ? "/visit"
                         : ti == SW_T_REFERRALS ? "/referral"
                                                : "/service");
        i18n_fmt(&title, w->lang,
                 ti == SW_T_VISITS      ? M_C_NEW_VISIT_TITLE
                 : ti == SW_T_REFERRALS ? M_C_NEW_REFERRAL_TITLE
                                        : M_C_NEW_SERVICE_TITLE,
                 cname);
    } else {
        sb_adds(&action, "/case/new");
        html_esc(&title, T(w, M_C_NEW_CASE_TITLE));
    }
    sb_adds(&m, "<h1>");
    sb_adds(&m, title.buf ? title.buf : "");
    sb_adds(&m, "</h1>");
    sb_adds(&cancel, "/");
    if (case_id || id) {
        sb_adds(&cancel, "case/");
        html_url(&cancel, case_id                 ? case_id
                          : t->ref_col >= 0 && id ? vals[t->ref_col]
                                                  : id);
    }
    record_form(w, &m, t, action.buf ? action.buf : "/",
                cancel.buf ? cancel.buf : "/", vals, bad, from,
                errs.buf ? errs.buf : "", nerr);
    {
        /* the title is markup already: unescape is not needed, the page
        ** title takes text, so give it the plain form */
        char plain[300];
        if (case_id)
            snprintf(plain, sizeof(plain), "%s",
                     T(w, t == &sw_tables[SW_T_VISITS]      ? M_C_ADD_VISIT
                          : t == &sw_tables[SW_T_REFERRALS] ? M_C_ADD_REFERRAL
                                                            : M_C_ADD_SERVICE));
        else if (id && t == &sw_tables[SW_T_REFERRALS])
            snprintf(plain, sizeof(plain), "%s", T(w, M_C_EDIT_REFERRAL_TITLE));
        else
            snprintf(plain, sizeof(plain), "%s",
                     T(w, id ? M_C_EDIT_CASE_TITLE : M_C_NEW_CASE_TITLE));
        rc = page(w, nerr ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK, plain, &m,
                  id || case_id ? NULL : "/case/new");
    }
out:
    sb_release(&cancel);
    sb_release(&m);
    sb_release(&errs);
    sb_release(&action);
    sb_release(&title);
    if (vals)
        vals_free(t, vals);
    free(given);
    free(bad);
    return rc;
}

/* ---- the case page ------------------------------------------------------- */

static void field_row(struct cw *w, struct sw_buf *m, const struct sw_table *t,
                      int c, const char *v, char from)
{
    const struct sw_column *col = &t->cols[c];
    if (!v || !*v)
        return;
    sb_addf(m, "<div class=\"kv\" data-field=\"%s\"><dt>", col->name);
    html_esc(m, i18n_field(w->lang, t, col->name));
    sb_adds(m, "</dt><dd>");
    if (col->check == CK_ENUM)
        html_esc(m, vlabel(w, col->name, v));
    else if (col->check == CK_BOOL)
        html_esc(m, T(w, strcmp(v, "1") == 0 ? M_C_YES : M_C_NO));
    else if (col->check == CK_DATETIME)
        put_when(m, v);
    else
        html_esc(m, v);
    if (from == 'c') {
        sb_adds(m, " <span class=\"tag county\">");
        html_esc(m, T(w, M_C_BY_COUNTY));
        sb_adds(m, "</span>");
    } else if (from == 'o') {
        sb_adds(m, " <span class=\"tag other\">");
        html_esc(m, T(w, M_C_BY_OTHER));
        sb_adds(m, "</span>");
    }
    sb_adds(m, "</dd></div>");
}

static void post_button(struct cw *w, struct sw_buf *m, const char *id,
                        const char *verb, enum i18n_msg label, const char *cls)
{
    sb_adds(m, "<form method=\"post\" class=\"inline\" action=\"/case/");
    html_url(m, id);
    sb_adds(m, "/");
    sb_adds(m, verb);
    sb_adds(m, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_esc(m, w->csrf);
    sb_addf(m, "\"><button class=\"%s\">", cls);
    html_esc(m, T(w, label));
    sb_adds(m, "</button></form>");
}

/*
** The county's notices that this person is also served at another
** station (sync/links.h): "此人也在XX站接受服务 · 联系：...", one line each.
*/
static void also_served(struct cw *w, struct sw_buf *m, const cJSON *arr)
{
    const cJSON *l;
    cJSON_ArrayForEach (l, arr) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(l, "station");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(l, "name");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(l, "contact");
        sb_adds(m, "<p class=\"msg info also-served\" data-station=\"");
        html_esc(m, cJSON_IsString(st) ? st->valuestring : "");
        sb_adds(m, "\">");
        i18n_fmt(m, w->lang, M_C_ALSO_SERVED,
                 cJSON_IsString(nm)
                     ? nm->valuestring
                     : (cJSON_IsString(st) ? st->valuestring : "-"));
        sb_adds(m, " · ");
        html_esc(m, T(w, M_C_CONTACT));
        html_esc(m,
                 cJSON_IsString(ct) ? ct->valuestring : T(w, M_C_NO_CONTACT));
        sb_adds(m, "</p>");
    }
}

static int do_case(struct cw *w, const char *id)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    char *vals[32], from[32];
    struct desk_rows tl;
    struct sw_buf m;
    cJSON *links = NULL;
    int found = 0, cn = sw_col_index(t, "name"), cs = sw_col_index(t, "status");
    const char *status;
    char title[256];

    if (desk_record(w->c->db, t, id, vals, from, &found, &w->err))
        return fail_err(w);
    if (!found)
        return not_found(w);
    if (vals[sw_col_deleted(t)] && strcmp(vals[sw_col_deleted(t)], "1") == 0) {
        desk_vals_free(t, vals);
        return not_found(w);
    }
    if (desk_timeline(w->c->db, id, &tl, &w->err)) {
        desk_vals_free(t, vals);
        return fail_err(w);
    }
    if (links_of_case_json(w->c->db, id, &links, &w->err)) {
        desk_vals_free(t, vals);
        desk_rows_release(&tl);
        return fail_err(w);
    }
    status = vals[cs] ? vals[cs] : "open";
    sb_init(&m);
    if (qarg(w, "saved")) {
        sb_adds(&m, "<p class=\"msg ok\" id=\"saved\">");
        html_esc(&m, T(w, M_C_SAVED));
        sb_adds(&m, "</p>");
    }
    if (qarg(w, "asked")) {
        sb_adds(&m, "<p class=\"msg ok\" id=\"asked\">");
        html_esc(&m, T(w, M_C_TRANSFER_ASKED));
        sb_adds(&m, "</p>");
    }
    sb_adds(&m, "<div class=\"case-head\"><h1 id=\"case-name\">");
    html_esc(&m, vals[cn]);
    sb_adds(&m, "</h1><span class=\"tag\">");
    html_esc(&m, vlabel(w, "category", vals[sw_col_index(t, "category")]));
    sb_adds(&m, "</span> <span class=\"tag ");
    html_esc(&m, vals[sw_col_index(t, "risk_level")]);
    sb_adds(&m, "\">");
    html_esc(&m, i18n_field(w->lang, t, "risk_level"));
    sb_adds(&m, "：");
    html_esc(&m, vlabel(w, "risk_level", vals[sw_col_index(t, "risk_level")]));
    sb_adds(&m, "</span> <span class=\"tag ");
    html_esc(&m, status);
    sb_adds(&m, "\">");
    html_esc(&m, vlabel(w, "status", status));
    sb_adds(&m, "</span></div>");
    also_served(w, &m, links);
    cJSON_Delete(links);
    sb_adds(&m, "<div class=\"actions\">");
    sb_adds(&m, "<a class=\"button-link primary\" href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "/visit\">");
    html_esc(&m, T(w, M_C_ADD_VISIT));
    sb_adds(&m, "</a> <a class=\"button-link\" href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "/service\">");
    html_esc(&m, T(w, M_C_ADD_SERVICE));
    sb_adds(&m, "</a> <a class=\"button-link\" id=\"add-referral\" "
                "href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "/referral\">");
    html_esc(&m, T(w, M_C_ADD_REFERRAL));
    sb_adds(&m, "</a> <a class=\"button-link\" href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "/edit\">");
    html_esc(&m, T(w, M_C_EDIT));
    sb_adds(&m, "</a> ");
    if (strcmp(status, "closed") == 0)
        post_button(w, &m, id, "reopen", M_C_REOPEN_CASE, "secondary");
    else
        post_button(w, &m, id, "close", M_C_CLOSE_CASE, "secondary");
    sb_adds(&m, " <a class=\"button-link\" id=\"transfer-ask\" "
                "href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "/transfer\">");
    html_esc(&m, T(w, M_C_TRANSFER_ASK));
    sb_adds(&m, "</a>");
    sb_adds(&m, " <a class=\"button-link danger\" href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "/delete\">");
    html_esc(&m, T(w, M_C_DELETE));
    sb_adds(&m, "</a></div><div class=\"case-body\"><dl class=\"fields\">");
    for (int c = 0; c < t->ncols; c++)
        if (form_col(t, c) && c != cn)
            field_row(w, &m, t, c, vals[c], from[c]);
    sb_adds(&m, "</dl>");
    {
        /* this case's referrals */
        struct desk_rows r;
        int k = 0;
        if (due_referrals(w->c->db, w->today, DUE_REF_ALL, &r, &w->err)) {
            desk_vals_free(t, vals);
            desk_rows_release(&tl);
            sb_release(&m);
            return fail_err(w);
        }
        sb_adds(&m, "<section class=\"referrals\" id=\"case-referrals\"><h2>");
        html_esc(&m, T(w, M_C_CASE_REFERRALS));
        sb_adds(&m, "</h2><ul class=\"worklist\">");
        for (int i = 0; i < r.n; i++) {
            if (strcmp(desk_cell(&r, i, REF_CASE_ID), id) != 0)
                continue;
            k++;
            referral_item(
                w, &m, desk_cell(&r, i, REF_ID), NULL, NULL,
                desk_cell(&r, i, REF_NEED), desk_cell(&r, i, REF_RESOURCE),
                desk_cell(&r, i, REF_STATUS), desk_cell(&r, i, REF_FOLLOW_UP));
        }
        sb_adds(&m, "</ul>");
        if (!k) {
            sb_adds(&m, "<p class=\"muted\">");
            html_esc(&m, T(w, M_C_NO_REFERRALS));
            sb_adds(&m, "</p>");
        }
        sb_adds(&m, "</section>");
        desk_rows_release(&r);
    }
    sb_adds(&m, "<section class=\"timeline\"><h2>");
    html_esc(&m, T(w, M_C_TIMELINE));
    sb_adds(&m, "</h2>");
    if (tl.n == 0) {
        sb_adds(&m, "<p class=\"muted\">");
        html_esc(&m, T(w, M_C_NO_TIMELINE));
        sb_adds(&m, "</p>");
    }
    sb_adds(&m, "<ol class=\"tl\">");
    for (int i = 0; i < tl.n; i++) {
        int visit = strcmp(desk_cell(&tl, i, 0), "visits") == 0;
        sb_adds(&m, visit ? "<li class=\"visit\">" : "<li class=\"service\">");
        sb_adds(&m, "<div class=\"tl-head\"><span class=\"when\">");
        put_when(&m, desk_cell(&tl, i, 2));
        sb_adds(&m, "</span> <span class=\"tag\">");
        html_esc(&m, i18n_table(w->lang, desk_cell(&tl, i, 0)));
        sb_adds(&m, "</span> ");
        html_esc(&m, visit ? vlabel(w, "mode", desk_cell(&tl, i, 3))
                           : desk_cell(&tl, i, 3));
        if (desk_cell(&tl, i, 4)) {
            sb_adds(&m, " · ");
            html_esc(&m, desk_cell(&tl, i, 4));
        }
        if (desk_cell(&tl, i, 7)) {
            sb_adds(&m, " · ¥");
            html_esc(&m, desk_cell(&tl, i, 7));
        }
        sb_adds(&m, "</div>");
        if (desk_cell(&tl, i, 5)) {
            sb_adds(&m, "<p>");
            html_esc(&m, desk_cell(&tl, i, 5));
            sb_adds(&m, "</p>");
        }
        if (desk_cell(&tl, i, 6)) {
            sb_adds(&m, "<p class=\"next\">");
            html_esc(&m, T(w, M_C_NEXT_VISIT));
            html_esc(&m, desk_cell(&tl, i, 6));
            sb_adds(&m, "</p>");
        }
        sb_adds(&m, "</li>");
    }
    sb_adds(&m, "</ol></section></div>");
    snprintf(title, sizeof(title), "%s", vals[cn] ? vals[cn] : "");
    desk_vals_free(t, vals);
    desk_rows_release(&tl);
    return page(w, MHD_HTTP_OK, title, &m, NULL);
}

static int do_case_status(struct cw *w, const char *id, int close)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    const char *vals[32] = {NULL};
    unsigned char given[32] = {0};
    int cs = sw_col_index(t, "status"), cc = sw_col_index(t, "closed_on");
    struct sw_buf loc;
    int rc;

    vals[cs] = close ? "closed" : "open";
    given[cs] = 1;
    vals[cc] = close ? w->today : NULL;
    given[cc] = 1;
    rc = edit_set(w->c->db, t, id, vals, given, &w->err);
    if (rc == SW_EDATA)
        return not_found(w);
    if (rc)
        return fail_err(w);
    sb_init(&loc);
    sb_adds(&loc, "/case/");
    html_url(&loc, id);
    sb_adds(&loc, "?saved=1");
    redirect(w, loc.buf ? loc.buf : "/");
    sb_release(&loc);
    return 0;
}

static int do_case_delete(struct cw *w, const char *id)
{
    char name[256] = "";
    int live = 0;
    struct sw_buf m;

    if (case_name(w, id, name, sizeof(name), &live))
        return fail_err(w);
    if (!name[0] || !live)
        return not_found(w);
    if (w->post) {
        int rc = edit_delete(w->c->db, &sw_tables[SW_T_CASES], id, &w->err);
        if (rc)
            return fail_err(w);
        return redirect(w, "/?deleted=1");
    }
    sb_init(&m);
    sb_adds(&m, "<h1>");
    html_esc(&m, T(w, M_C_DELETE_TITLE));
    sb_adds(&m, "</h1><p class=\"msg warn\">");
    i18n_fmt(&m, w->lang, M_C_DELETE_CONFIRM, name);
    sb_adds(&m, "</p><form method=\"post\"><input type=\"hidden\" "
                "name=\"csrf\" value=\"");
    html_esc(&m, w->csrf);
    sb_adds(&m, "\"><button class=\"danger\" id=\"confirm-delete\">");
    html_esc(&m, T(w, M_C_DELETE));
    sb_adds(&m, "</button> <a class=\"button-link\" href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "\">");
    html_esc(&m, T(w, M_C_CANCEL));
    sb_adds(&m, "</a></form>");
    return page(w, MHD_HTTP_OK, T(w, M_C_DELETE_TITLE), &m, NULL);
}

/* GET /case/ID/transfer: the form; POST: the request, a line of the
** local audit that the next sync sends to the county (transfer_ask). */
static int do_case_transfer(struct cw *w, const char *id)
{
    const char *to = farg(w, "to"), *note = farg(w, "note");
    char name[256] = "";
    int live = 0, bad = 0;
    struct sw_buf m;

    if (case_name(w, id, name, sizeof(name), &live))
        return fail_err(w);
    if (!name[0] || !live)
        return not_found(w);
    if (w->post) {
        struct sw_err e;
        int rc;
        memset(&e, 0, sizeof(e));
        rc = transfer_ask(w->c->db, w->c->station, id, to ? to : "",
                          note ? note : "", w->worker, &e);
        if (rc == 0) {
            struct sw_buf loc;
            sb_init(&loc);
            sb_adds(&loc, "/case/");
            html_url(&loc, id);
            sb_adds(&loc, "?asked=1");
            redirect(w, loc.buf ? loc.buf : "/");
            sb_release(&loc);
            return 0;
        }
        if (rc != SW_EUSAGE) {
            w->err = e;
            return fail_err(w);
        }
        bad = 1;
    }
    sb_init(&m);
    sb_adds(&m, "<h1>");
    i18n_fmt(&m, w->lang, M_C_TRANSFER_TITLE, name);
    sb_adds(&m, "</h1><p class=\"muted\">");
    html_esc(&m, T(w, M_C_TRANSFER_HELP));
    sb_adds(&m, "</p>");
    if (bad) {
        sb_adds(&m, "<p class=\"msg bad\" id=\"transfer-error\">");
        html_esc(&m, T(w, M_C_TRANSFER_BAD));
        sb_adds(&m, "</p>");
    }
    sb_adds(&m, "<form method=\"post\" id=\"transfer-form\"><input "
                "type=\"hidden\" name=\"csrf\" value=\"");
    html_esc(&m, w->csrf);
    sb_adds(&m, "\"><label>");
    html_esc(&m, T(w, M_C_TRANSFER_TO));
    sb_adds(&m, " <input name=\"to\" id=\"transfer-to\" size=\"12\" "
                "maxlength=\"32\" required value=\"");
    html_esc(&m, to ? to : "");
    sb_adds(&m, "\"></label><label>");
    html_esc(&m, T(w, M_C_TRANSFER_NOTE));
    sb_adds(&m, " <input name=\"note\" id=\"transfer-note\" size=\"40\" "
                "maxlength=\"500\" required value=\"");
    html_esc(&m, note ? note : "");
    sb_adds(&m, "\"></label><button class=\"primary\" id=\"transfer-send\">");
    html_esc(&m, T(w, M_C_TRANSFER_SEND));
    sb_adds(&m, "</button> <a class=\"button-link\" href=\"/case/");
    html_url(&m, id);
    sb_adds(&m, "\">");
    html_esc(&m, T(w, M_C_CANCEL));
    sb_adds(&m, "</a></form>");
    return page(w, bad ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK,
                T(w, M_C_TRANSFER_ASK), &m, NULL);
}

/* ---- conflicts ----------------------------------------------------------- */

static void who_wrote(struct cw *w, struct sw_buf *m, const char *site,
                      const char *author)
{
    const char *station = w->c->station;
    size_t sl = strlen(station);
    char *mine = NULL;
    struct sw_err e;

    sw_err_clear(&e);
    if (db_config_get(w->c->db, "site", &mine, &e) == 0 && mine && site &&
        strcmp(mine, site) == 0) {
        html_esc(m, T(w, M_C_THIS_PC));
    } else if (site && strncmp(site, station, sl) == 0 && site[sl] == '-') {
        i18n_fmt(m, w->lang, M_C_OTHER_PC, site);
    } else {
        html_esc(m, T(w, M_COUNTY_SITE));
        if (site) {
            sb_adds(m, " (");
            html_esc(m, site);
            sb_adds(m, ")");
        }
    }
    free(mine);
    if (author) {
        sb_adds(m, " · ");
        html_esc(m, author);
    }
}

static int do_conflicts(struct cw *w)
{
    struct desk_rows r;
    struct sw_buf m;

    if (desk_conflicts(w->c->db, LIST_MAX, &r, &w->err))
        return fail_err(w);
    sb_init(&m);
    sb_adds(&m, "<h1>");
    html_esc(&m, T(w, M_C_CONFLICTS_TITLE));
    sb_adds(&m, "</h1><p class=\"hint\">");
    html_esc(&m, T(w, M_C_CONFLICTS_HELP));
    sb_adds(&m, "</p>");
    if (r.n == 0) {
        sb_adds(&m, "<p class=\"muted\">");
        html_esc(&m, T(w, M_NO_CONFLICTS));
        sb_adds(&m, "</p>");
    }
    sb_adds(&m, "<ul class=\"conflicts\">");
    for (int i = 0; i < r.n; i++) {
        const char *tbl = desk_cell(&r, i, 1), *col = desk_cell(&r, i, 3);
        const struct sw_table *t = sw_table_by_name(tbl);
        int open = strcmp(desk_cell(&r, i, 10), "open") == 0;
        const char *wv = desk_cell(&r, i, 5), *lv = desk_cell(&r, i, 7);
        char when[20];

        sb_addf(&m, "<li class=\"conflict %s\" id=\"conflict-%s\">",
                open ? "open" : "resolved", desk_cell(&r, i, 0));
        sb_adds(&m, "<div class=\"c-head\"><strong>");
        if (desk_cell(&r, i, 18))
            case_link(&m, desk_cell(&r, i, 18),
                      desk_cell(&r, i, 15) ? desk_cell(&r, i, 15) : "?");
        else
            html_esc(&m, desk_cell(&r, i, 15) ? desk_cell(&r, i, 15) : "?");
        sb_adds(&m, "</strong> · ");
        html_esc(&m, i18n_table(w->lang, tbl));
        sb_adds(&m, " · ");
        html_esc(&m, t ? i18n_field(w->lang, t, col) : col);
        sb_adds(&m, open ? " <span class=\"tag overdue\">"
                         : " <span class=\"tag ok\">");
        html_esc(&m, T(w, open ? M_STATUS_OPEN : M_STATUS_RESOLVED));
        sb_adds(&m, "</span></div><div class=\"c-values\"><div class=\"c-v\">"
                    "<h3>");
        html_esc(&m, T(w, M_WINNER));
        sb_adds(&m, "</h3><p class=\"value\">");
        if (strcmp(desk_cell(&r, i, 4), "edit_of_deleted") == 0)
            html_esc(&m, T(w, M_DELETED_MARK));
        else
            html_esc(
                &m, wv ? (t && sw_col_index(t, col) >= 0 &&
                                  t->cols[sw_col_index(t, col)].check == CK_ENUM
                              ? vlabel(w, col, wv)
                              : wv)
                       : T(w, M_EMPTY_VALUE));
        sb_adds(&m, "</p><p class=\"muted\">");
        html_esc(&m, T(w, M_WRITTEN_BY));
        sb_adds(&m, "：");
        who_wrote(w, &m, desk_cell(&r, i, 6), desk_cell(&r, i, 16));
        sb_adds(&m, "</p></div><div class=\"c-v\"><h3>");
        html_esc(&m, T(w, M_LOSER));
        sb_adds(&m, "</h3><p class=\"value\">");
        html_esc(&m,
                 lv ? (t && sw_col_index(t, col) >= 0 &&
                               t->cols[sw_col_index(t, col)].check == CK_ENUM
                           ? vlabel(w, col, lv)
                           : lv)
                    : T(w, M_EMPTY_VALUE));
        sb_adds(&m, "</p><p class=\"muted\">");
        html_esc(&m, T(w, M_WRITTEN_BY));
        sb_adds(&m, "：");
        who_wrote(w, &m, desk_cell(&r, i, 8), desk_cell(&r, i, 17));
        sb_adds(&m, "</p></div></div><p class=\"c-res\">");
        if (open) {
            html_esc(&m, T(w, M_C_RESOLUTION_WAIT));
        } else {
            const char *res = desk_cell(&r, i, 13);
            html_esc(&m, T(w, M_RESOLUTION));
            sb_adds(&m, "：<span class=\"resolution\">");
            html_esc(&m, !res                         ? ""
                         : strcmp(res, "winner") == 0 ? T(w, M_KEEP_WINNER)
                         : strcmp(res, "loser") == 0  ? T(w, M_KEEP_LOSER)
                         : strcmp(res, "value") == 0  ? T(w, M_KEEP_VALUE)
                                                      : res);
            sb_adds(&m, "</span>");
            if (desk_cell(&r, i, 12)) {
                sb_adds(&m, " · ");
                html_esc(&m, T(w, M_RESOLVED_BY));
                sb_adds(&m, "：");
                html_esc(&m, desk_cell(&r, i, 12));
            }
            if (desk_cell(&r, i, 11)) {
                html_time(strtoll(desk_cell(&r, i, 11), NULL, 10), when);
                sb_adds(&m, " · ");
                html_esc(&m, when);
            }
            if (desk_cell(&r, i, 14)) {
                sb_adds(&m, " · ");
                html_esc(&m, desk_cell(&r, i, 14));
            }
        }
        sb_adds(&m, "</p></li>");
    }
    sb_adds(&m, "</ul>");
    desk_rows_release(&r);
    return page(w, MHD_HTTP_OK, T(w, M_C_CONFLICTS_TITLE), &m, "/conflicts");
}

/* ---- export -------------------------------------------------------------- */

/* The first day of this month into buf[11]. */
static void month_first(struct cw *w, char buf[11])
{
    snprintf(buf, 11, "%.8s01", w->today);
}

static void date_input(struct sw_buf *m, const char *name, const char *label,
                       const char *v)
{
    sb_addf(m, "<div class=\"field\"><label for=\"x-%s\">", name);
    html_esc(m, label);
    sb_addf(m,
            "</label><input type=\"date\" id=\"x-%s\" name=\"%s\" "
            "value=\"",
            name, name);
    html_esc(m, v);
    sb_adds(m, "\"></div>");
}

/* The month summary as a table, labels in the page's language. */
static void report_total(struct cw *w, struct sw_buf *m, long a, long b,
                         int has_b)
{
    sb_adds(m, "<tr class=\"total\"><td>");
    html_esc(m, T(w, M_C_TOTAL));
    sb_addf(m, "</td><td class=\"num\">%ld</td><td class=\"num\">", a);
    if (has_b)
        sb_addf(m, "%ld", b);
    sb_adds(m, "</td></tr>");
}

static void report_head(struct cw *w, struct sw_buf *m, enum i18n_msg h)
{
    sb_adds(m, "<tr><th colspan=\"3\">");
    html_esc(m, T(w, h));
    sb_adds(m, "</th></tr>");
}

/* The month summary as a table, labels in the page's language. */
static void report_html(struct cw *w, struct sw_buf *m, const struct report *r)
{
    const struct sw_table *ct = &sw_tables[SW_T_CASES];
    const struct sw_table *vt = &sw_tables[SW_T_VISITS];
    const struct sw_column *cat = &ct->cols[sw_col_index(ct, "category")];
    const struct sw_column *mode = &vt->cols[sw_col_index(vt, "mode")];
    enum sw_lang l = w->lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH;
    char n[16];

    sb_adds(m, "<table class=\"report\" id=\"report\"><tbody>");
    report_head(w, m, M_C_R_CASES);
    for (int i = 0; i < r->ncategories; i++) {
        sb_adds(m, "<tr><td>");
        html_esc(m, labels_choice(cat, cat->allowed[i], l));
        sb_addf(m,
                "</td><td class=\"num\">%ld</td><td class=\"num\">%ld"
                "</td></tr>",
                r->new_cases[i], r->closed_cases[i]);
    }
    report_total(w, m, r->new_total, r->closed_total, 1);
    report_head(w, m, M_C_R_VISITS);
    for (int i = 0; i < r->nmodes; i++) {
        sb_adds(m, "<tr><td>");
        html_esc(m, labels_choice(mode, mode->allowed[i], l));
        sb_addf(m, "</td><td class=\"num\">%ld</td><td></td></tr>",
                r->visits[i]);
    }
    report_total(w, m, r->visits_total, 0, 0);
    report_head(w, m, M_C_R_SERVICES);
    for (int i = 0; i < r->nservices; i++) {
        sb_adds(m, "<tr><td>");
        html_esc(m, r->services[i].type);
        sb_addf(m,
                "</td><td class=\"num\">%ld</td><td class=\"num\">"
                "%lld.%02lld</td></tr>",
                r->services[i].count, r->services[i].cents / 100,
                r->services[i].cents % 100);
    }
    sb_adds(m, "<tr class=\"total\"><td>");
    html_esc(m, T(w, M_C_TOTAL));
    sb_addf(m,
            "</td><td class=\"num\">%ld</td><td class=\"num\">%lld.%02lld"
            "</td></tr>",
            r->services_total, r->cents_total / 100, r->cents_total % 100);
    report_head(w, m, M_C_R_FOLLOWUPS);
    sb_adds(m, "<tr><td>");
    html_esc(m, T(w, M_C_R_DUE));
    sb_addf(m,
            "</td><td class=\"num\" id=\"fu-due\">%ld</td><td></td></tr>"
            "<tr><td>",
            r->followups_due);
    html_esc(m, T(w, M_C_R_DONE));
    sb_addf(m, "</td><td class=\"num\" id=\"fu-done\">%ld</td><td></td></tr>",
            r->followups_done);
    snprintf(n, sizeof(n), "%d", REPORT_UNVISITED_DAYS);
    sb_adds(m, "<tr><th colspan=\"3\">");
    i18n_fmt(m, w->lang, M_C_R_UNVISITED, n);
    sb_adds(m, "</th></tr>");
    for (int i = 0; i < r->nunvisited; i++) {
        sb_adds(m, "<tr><td>");
        case_link(m, r->unvisited[i].id, r->unvisited[i].name);
        sb_adds(m, "</td><td colspan=\"2\">");
        if (r->unvisited[i].last_visit)
            put_when(m, r->unvisited[i].last_visit);
        else
            html_esc(m, T(w, M_C_NEVER_VISITED));
        sb_adds(m, "</td></tr>");
    }
    sb_adds(m, "</tbody></table>");
}

/* CSV download of a table (POST /export) or of the month (POST
** /export/month), audited. */
static int export_download(struct cw *w, int month)
{
    char *buf = NULL, detail[300];
    size_t len = 0;
    long nrows = 0;
    FILE *f = open_memstream(&buf, &len);
    enum sw_lang l = w->lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH;
    int rc;

    if (!f)
        return -1;
    if (month) {
        struct report r;
        const char *mo = farg(w, "month");
        memset(&r, 0, sizeof(r));
        rc = report_month(w->c->db, mo ? mo : "", w->c->station, &r, &w->err);
        if (!rc)
            report_write_csv(f, &r, l);
        report_release(&r);
        snprintf(detail, sizeof(detail), "console: report month %s csv",
                 mo ? mo : "");
        snprintf(w->dispo, sizeof(w->dispo),
                 "attachment; filename=\"report-%.7s.csv\"", mo ? mo : "");
    } else {
        struct export_opts o;
        const char *what = farg(w, "what");
        const struct sw_table *t = what ? sw_table_by_name(what) : NULL;
        memset(&o, 0, sizeof(o));
        o.from = farg(w, "from");
        o.to = farg(w, "to");
        if (o.from && !*o.from)
            o.from = NULL;
        if (o.to && !*o.to)
            o.to = NULL;
        o.station = w->c->station;
        o.format = EXPORT_CSV;
        o.lang = l;
        rc = t ? export_write(w->c->db, t, &o, f, &nrows, &w->err)
               : sw_fail(&w->err, SW_EUSAGE,
                         _("what: cases, visits or services"));
        snprintf(detail, sizeof(detail), "console: %s csv %s..%s: %ld records",
                 t ? t->name : "?", o.from ? o.from : "", o.to ? o.to : "",
                 nrows);
        snprintf(w->dispo, sizeof(w->dispo),
                 "attachment; filename=\"%s-%s.csv\"", t ? t->name : "export",
                 w->today);
    }
    if (fclose(f) != 0 && !rc)
        rc = sw_fail(&w->err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        rc = audit(w, w->worker, month ? "report" : "export", detail);
    if (rc) {
        free(buf);
        w->dispo[0] = '\0';
        if (w->err.code == SW_EUSAGE)
            return message(w, MHD_HTTP_BAD_REQUEST, T(w, M_C_EXPORT_TITLE),
                           w->err.msg);
        return fail_err(w);
    }
    sb_add(&w->body, buf, len);
    free(buf);
    w->status = MHD_HTTP_OK;
    w->ctype = "text/csv; charset=utf-8";
    return 0;
}

static int do_export(struct cw *w, int month)
{
    struct sw_buf m;
    struct report r;
    char first[11], mo[8];
    const char *qm = qarg(w, "month");
    static const char *const tables[] = {"cases", "visits", "services"};

    if (w->post)
        return export_download(w, month);
    month_first(w, first);
    snprintf(mo, sizeof(mo), "%.7s", w->today);
    if (qm && strlen(qm) == 7)
        snprintf(mo, sizeof(mo), "%s", qm);
    sb_init(&m);
    sb_adds(&m, "<h1>");
    html_esc(&m, T(w, M_C_EXPORT_TITLE));
    sb_adds(&m, "</h1><section class=\"card\"><form method=\"post\" "
                "action=\"/export\" class=\"export\"><input type=\"hidden\" "
                "name=\"csrf\" value=\"");
    html_esc(&m, w->csrf);
    sb_adds(&m, "\">");
    date_input(&m, "from", T(w, M_C_EXPORT_FROM), first);
    date_input(&m, "to", T(w, M_C_EXPORT_TO), w->today);
    sb_adds(&m, "<div class=\"field\"><label for=\"x-what\">");
    html_esc(&m, T(w, M_C_EXPORT_WHAT));
    sb_adds(&m, "</label><select id=\"x-what\" name=\"what\">");
    for (int i = 0; i < 3; i++) {
        sb_addf(&m, "<option value=\"%s\">", tables[i]);
        html_esc(&m, i18n_table(w->lang, tables[i]));
        sb_adds(&m, "</option>");
    }
    sb_adds(&m, "</select></div><div class=\"field\"><button "
                "id=\"export-csv\">");
    html_esc(&m, T(w, M_C_EXPORT_BUTTON));
    sb_adds(&m, "</button></div></form></section><section class=\"card\"><h2>");
    html_esc(&m, T(w, M_C_MONTH_TITLE));
    sb_adds(&m,
            "</h2><form method=\"get\" action=\"/export\" "
            "class=\"export\"><div class=\"field\"><label for=\"x-month\">");
    html_esc(&m, T(w, M_C_MONTH));
    sb_adds(&m, "</label><input type=\"month\" id=\"x-month\" name=\"month\" "
                "value=\"");
    html_esc(&m, mo);
    sb_adds(&m, "\"></div><div class=\"field\"><button>");
    html_esc(&m, T(w, M_C_MONTH_BUTTON));
    sb_adds(&m, "</button></div></form>");
    memset(&r, 0, sizeof(r));
    if (report_month(w->c->db, mo, w->c->station, &r, &w->err) == 0) {
        report_html(w, &m, &r);
        sb_adds(&m, "<form method=\"post\" action=\"/export/month\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"");
        html_esc(&m, w->csrf);
        sb_adds(&m, "\"><input type=\"hidden\" name=\"month\" value=\"");
        html_esc(&m, mo);
        sb_adds(&m, "\"><button class=\"secondary\" id=\"month-csv\">");
        html_esc(&m, T(w, M_C_EXPORT_BUTTON));
        sb_adds(&m, "</button></form>");
    } else {
        sb_adds(&m, "<p class=\"msg error\">");
        html_esc(&m, w->err.msg);
        sb_adds(&m, "</p>");
    }
    report_release(&r);
    sb_adds(&m, "</section>");
    return page(w, MHD_HTTP_OK, T(w, M_C_EXPORT_TITLE), &m, "/export");
}

/* ---- password ------------------------------------------------------------ */

static int do_password(struct cw *w)
{
    struct sw_buf m;
    enum i18n_msg msg = (enum i18n_msg) - 1;
    int okmsg = 0;
    unsigned status = MHD_HTTP_OK;

    if (w->post) {
        const char *old = farg(w, "old"), *pw = farg(w, "new"),
                   *pw2 = farg(w, "new2");
        int ok = 0;
        if (!pw || !pw2 || strcmp(pw, pw2) != 0) {
            msg = M_C_PW_MISMATCH;
        } else if (strlen(pw) < ACCT_PW_MIN) {
            msg = M_C_PW_SHORT;
        } else {
            int rc = workers_set_password(w->c->db, w->worker, old, pw,
                                          w->cookie, &ok, &w->err);
            if (rc && rc != SW_EDATA)
                return fail_err(w);
            if (!ok)
                msg = M_C_PW_WRONG;
            else if (rc)
                msg = M_C_PW_SHORT;
            else
                okmsg = 1;
        }
        if ((int)msg >= 0)
            status = MHD_HTTP_BAD_REQUEST;
    }
    sb_init(&m);
    sb_adds(&m, "<section class=\"login\"><h1>");
    html_esc(&m, T(w, M_C_PW_TITLE));
    sb_adds(&m, "</h1>");
    if ((int)msg >= 0) {
        sb_adds(&m, "<p class=\"msg error\" role=\"alert\">");
        html_esc(&m, T(w, msg));
        sb_adds(&m, "</p>");
    } else if (okmsg) {
        sb_adds(&m, "<p class=\"msg ok\">");
        html_esc(&m, T(w, M_C_PW_CHANGED));
        sb_adds(&m, "</p>");
    }
    sb_adds(&m, "<form method=\"post\" action=\"/password\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_esc(&m, w->csrf);
    sb_adds(&m, "\"><label>");
    html_esc(&m, T(w, M_C_PW_OLD));
    sb_adds(&m, "<input type=\"password\" name=\"old\" "
                "autocomplete=\"current-password\" required></label><label>");
    html_esc(&m, T(w, M_C_PW_NEW));
    sb_adds(&m, "<input type=\"password\" name=\"new\" minlength=\"10\" "
                "autocomplete=\"new-password\" required></label><label>");
    html_esc(&m, T(w, M_C_PW_NEW2));
    sb_adds(&m, "<input type=\"password\" name=\"new2\" minlength=\"10\" "
                "autocomplete=\"new-password\" required></label><button>");
    html_esc(&m, T(w, M_C_SAVE));
    sb_adds(&m, "</button></form></section>");
    return page(w, status, T(w, M_C_PW_TITLE), &m, "/password");
}

/* ---- routing ------------------------------------------------------------- */

static int serve_static(struct cw *w, const char *name)
{
    if (strcmp(name, "console.css") == 0) {
        w->static_body = console_style_css;
        w->ctype = "text/css; charset=utf-8";
    } else if (strcmp(name, "console.js") == 0) {
        w->static_body = console_js;
        w->ctype = "text/javascript; charset=utf-8";
    } else {
        return not_found(w);
    }
    w->static_len = strlen(w->static_body);
    w->status = MHD_HTTP_OK;
    return 0;
}

static int do_lang(struct cw *w)
{
    const char *to = qarg(w, "to"), *back = qarg(w, "back");
    int en = to && strcmp(to, "en") == 0;
    set_cookie(w, LANG_COOKIE "=%s; Path=/; Max-Age=31536000; SameSite=Strict",
               en ? "en" : "zh");
    return redirect(w, back && form_local_path_ok(back, "/") ? back : "/");
}

#define SEGS 5
#define SEG_MAX 80

static int split(const char *p, char segs[SEGS][SEG_MAX + 1])
{
    int n = 0;
    while (*p == '/')
        p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (n >= SEGS || l > SEG_MAX)
            return -1;
        memcpy(segs[n], p, l);
        segs[n][l] = '\0';
        n++;
        p += l;
        while (*p == '/')
            p++;
    }
    return n;
}

static int route(struct cw *w)
{
    char s[SEGS][SEG_MAX + 1];
    int n = split(w->path, s), get = !w->post;

    if (n < 0)
        return not_found(w);
    if (n == 0)
        return get ? do_home(w) : not_found(w);
    if (n == 1 && strcmp(s[0], "search") == 0 && get)
        return do_search(w, 0);
    if (n == 2 && strcmp(s[0], "api") == 0 && strcmp(s[1], "search") == 0 &&
        get)
        return do_search(w, 1);
    if (n == 1 && strcmp(s[0], "sync") == 0 && w->post)
        return do_sync(w);
    if (n == 1 && strcmp(s[0], "logout") == 0 && w->post)
        return do_logout(w);
    if (n == 1 && strcmp(s[0], "conflicts") == 0 && get)
        return do_conflicts(w);
    if (n == 1 && strcmp(s[0], "referrals") == 0 && get)
        return do_referrals(w);
    if (n == 3 && strcmp(s[0], "referral") == 0 && strcmp(s[2], "edit") == 0)
        return do_record_form(w, &sw_tables[SW_T_REFERRALS], NULL, s[1]);
    if (n == 1 && strcmp(s[0], "export") == 0)
        return do_export(w, 0);
    if (n == 2 && strcmp(s[0], "export") == 0 && strcmp(s[1], "month") == 0 &&
        w->post)
        return do_export(w, 1);
    if (n == 1 && strcmp(s[0], "password") == 0)
        return do_password(w);
    if (n == 2 && strcmp(s[0], "case") == 0 && strcmp(s[1], "new") == 0)
        return do_record_form(w, &sw_tables[SW_T_CASES], NULL, NULL);
    if (n == 2 && strcmp(s[0], "case") == 0 && get)
        return do_case(w, s[1]);
    if (n == 3 && strcmp(s[0], "case") == 0) {
        if (strcmp(s[2], "edit") == 0)
            return do_record_form(w, &sw_tables[SW_T_CASES], NULL, s[1]);
        if (strcmp(s[2], "visit") == 0)
            return do_record_form(w, &sw_tables[SW_T_VISITS], s[1], NULL);
        if (strcmp(s[2], "service") == 0)
            return do_record_form(w, &sw_tables[SW_T_SERVICES], s[1], NULL);
        if (strcmp(s[2], "referral") == 0)
            return do_record_form(w, &sw_tables[SW_T_REFERRALS], s[1], NULL);
        if (strcmp(s[2], "delete") == 0)
            return do_case_delete(w, s[1]);
        if (strcmp(s[2], "transfer") == 0)
            return do_case_transfer(w, s[1]);
        if (strcmp(s[2], "close") == 0 && w->post)
            return do_case_status(w, s[1], 1);
        if (strcmp(s[2], "reopen") == 0 && w->post)
            return do_case_status(w, s[1], 0);
    }
    return not_found(w);
}

/* Decide the answer to one request into w.  -1: out of memory. */
static int handle(struct cw *w, const char *body, size_t len)
{
    const char *cl, *ck;
    int rc;

    w->post = strcmp(w->method, "POST") == 0;
    cl = MHD_lookup_connection_value(w->conn, MHD_COOKIE_KIND, LANG_COOKIE);
    w->lang = cl && strcmp(cl, "en") == 0 ? LANG_EN : LANG_ZH;
    today_str(w->today, 0);
    if (!w->post && strcmp(w->method, "GET") != 0 &&
        strcmp(w->method, "HEAD") != 0)
        return message(w, MHD_HTTP_METHOD_NOT_ALLOWED, T(w, M_ERR_METHOD),
                       T(w, M_ERR_METHOD));
    if (strncmp(w->path, "/static/", 8) == 0)
        return serve_static(w, w->path + 8);
    if (strcmp(w->path, "/lang") == 0)
        return do_lang(w);
    if (strcmp(w->path, "/favicon.ico") == 0)
        return not_found(w);
    if (w->post) {
        rc = form_parse(&w->form, body, len);
        if (rc == -2)
            return -1;
        if (rc)
            return message(w, MHD_HTTP_BAD_REQUEST, T(w, M_ERR_BAD_REQUEST),
                           T(w, M_ERR_BAD_REQUEST));
        if (!form_origin_ok(hdr(w, MHD_HTTP_HEADER_HOST), hdr(w, "Origin"),
                            hdr(w, MHD_HTTP_HEADER_REFERER)))
            return message(w, MHD_HTTP_FORBIDDEN, T(w, M_ERR_ORIGIN),
                           T(w, M_ERR_ORIGIN));
    }
    if (strcmp(w->path, "/login") == 0) {
        if (w->post)
            return do_login(w);
        return login_page(w, MHD_HTTP_OK,
                          qarg(w, "expired") ? M_SESSION_EXPIRED
                          : qarg(w, "bye")   ? M_LOGGED_OUT
                                             : (enum i18n_msg) - 1,
                          qarg(w, "next"));
    }
    ck = MHD_lookup_connection_value(w->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (ck && acct_cookie_wellformed(ck)) {
        enum workers_state st;
        snprintf(w->cookie, sizeof(w->cookie), "%s", ck);
        rc = workers_session(w->c->db, w->cookie, &w->c->cfg.lim, w->worker,
                             &st, &w->err);
        if (rc)
            return fail_err(w);
        w->authed = st == WORKERS_VALID;
        w->expired = st == WORKERS_EXPIRED;
        if (w->authed)
            acct_csrf(w->cookie, w->csrf);
    }
    if (!w->authed) {
        if (w->post || strncmp(w->path, "/api/", 5) == 0) {
            w->status = MHD_HTTP_UNAUTHORIZED;
            return message(
                w, MHD_HTTP_UNAUTHORIZED,
                T(w, w->expired ? M_SESSION_EXPIRED : M_LOGIN_NEEDED),
                T(w, w->expired ? M_SESSION_EXPIRED : M_LOGIN_NEEDED));
        }
        return to_login(w);
    }
    if (w->post) {
        const char *given = farg(w, "csrf");
        if (!given)
            given = hdr(w, "X-CSRF-Token");
        if (!acct_csrf_ok(w->cookie, given))
            return message(w, MHD_HTTP_FORBIDDEN, T(w, M_ERR_CSRF),
                           T(w, M_ERR_CSRF));
        /* every write of this request is the signed-in worker's */
        if (strcmp(w->c->author, w->worker) != 0) {
            if (replica_set_author(w->c->db, w->worker, &w->err))
                return fail_err(w);
            snprintf(w->c->author, sizeof(w->c->author), "%s", w->worker);
        }
    }
    return route(w);
}

/* ---- the server ---------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct console *c = cls;
    struct creq *r = *con_cls;
    struct cw w;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    int rc;

    (void)version;
    if (!r) {
        if (!(r = calloc(1, sizeof(*r))))
            return MHD_NO;
        sb_init(&r->body);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.len + *upload_size > MAX_BODY)
            r->too_big = 1;
        else
            sb_add(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    memset(&w, 0, sizeof(w));
    w.c = c;
    w.conn = conn;
    w.method = method;
    w.path = url;
    sb_init(&w.body);
    if (r->too_big || r->body.oom) {
        w.lang = LANG_ZH;
        rc = message(&w, MHD_HTTP_CONTENT_TOO_LARGE, T(&w, M_ERR_BAD_REQUEST),
                     T(&w, M_ERR_BAD_REQUEST));
    } else {
        rc = handle(&w, r->body.buf, r->body.len);
    }
    form_release(&w.form);
    if (rc || w.body.oom) {
        sb_release(&w.body);
        return MHD_NO;
    }
    if (w.static_body)
        resp = MHD_create_response_from_buffer(
            w.static_len, (void *)w.static_body, MHD_RESPMEM_PERSISTENT);
    else
        resp = MHD_create_response_from_buffer(
            w.body.len, w.body.buf ? w.body.buf : (void *)"",
            MHD_RESPMEM_MUST_COPY);
    sb_release(&w.body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            w.ctype ? w.ctype : CT_HTML);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            w.static_body ? "max-age=3600" : "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    if (w.location[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, w.location);
    if (w.dispo[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                w.dispo);
    for (int i = 0; i < w.ncookies; i++)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, w.cookies[i]);
    ret = MHD_queue_response(conn, w.status ? w.status : MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct creq *r = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (r) {
        sb_release(&r->body);
        free(r);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap; /* the library never prints */
}

int console_start(const struct console_config *cfg, struct console **out,
                  struct sw_err *err)
{
    struct console *c;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    char *station = NULL;
    int rc;

    *out = NULL;
    if (!(c = calloc(1, sizeof(*c))))
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    c->cfg = *cfg;
    rc = db_open(cfg->db_path, SW_ROLE_STATION, &c->db, err);
    if (!rc)
        rc = db_config_get(c->db, "station", &station, err);
    if (rc) {
        console_stop(c);
        return rc;
    }
    snprintf(c->station, sizeof(c->station), "%s", station ? station : "");
    free(station);
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls_cert)
        flags |= MHD_USE_TLS;
    if (cfg->tls_cert)
        c->d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, c, MHD_OPTION_EXTERNAL_LOGGER,
            mhd_log, c, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&c->cfg.addr,
            MHD_OPTION_NOTIFY_COMPLETED, on_done, c,
            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_HTTPS_MEM_CERT,
            cfg->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key,
            MHD_OPTION_END);
    else
        c->d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, c, MHD_OPTION_EXTERNAL_LOGGER,
            mhd_log, c, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&c->cfg.addr,
            MHD_OPTION_NOTIFY_COMPLETED, on_done, c,
            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!c->d) {
        console_stop(c);
        return sw_fail(err, SW_ECONFIG,
                       _("cannot listen there (address in use, or bad TLS "
                         "certificate or key)"));
    }
    *out = c;
    return 0;
}

unsigned console_port(const struct console *c)
{
    const union MHD_DaemonInfo *i =
        c && c->d ? MHD_get_daemon_info(c->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    return i ? i->port : 0;
}

void console_stop(struct console *c)
{
    if (!c)
        return;
    if (c->d)
        MHD_stop_daemon(c->d);
    if (c->sync_pid > 0) {
        int st;
        waitpid(c->sync_pid, &st, 0);
        unlink(c->sync_log);
    }
    db_close(c->db);
    free(c);
}
