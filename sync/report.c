/*
** report.c — the month's summary (see report.h).
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "db.h"
#include "export.h"
#include "report.h"
#include "table.h"

#define STATION_WHERE "(CAST(?3 AS TEXT) IS NULL OR station = ?3)"

static const char SQL_NEW[] =
    "SELECT category, count(*) FROM cases WHERE deleted = 0 AND "
    "opened_on BETWEEN ?1 AND ?2 AND " STATION_WHERE " GROUP BY category";
static const char SQL_CLOSED[] =
    "SELECT category, count(*) FROM cases WHERE deleted = 0 AND "
    "status = 'closed' AND closed_on BETWEEN ?1 AND ?2 AND " STATION_WHERE
    " GROUP BY category";
static const char SQL_VISITS[] =
    "SELECT mode, count(*) FROM visits WHERE deleted = 0 AND "
    "substr(visited_at, 1, 10) BETWEEN ?1 AND ?2 AND " STATION_WHERE
    " GROUP BY mode";
/* amounts are decimal text with at most 2 decimals and 10 digits before
   the point: as cents they are exact in a double */
static const char SQL_SERVICES[] =
    "SELECT service_type, count(*), "
    "CAST(coalesce(sum(CAST(round(CAST(amount AS DOUBLE PRECISION) * 100) "
    "AS BIGINT)), 0) AS BIGINT) "
    "FROM services WHERE deleted = 0 AND service_on BETWEEN ?1 AND ?2 "
    "AND " STATION_WHERE
    " GROUP BY service_type ORDER BY count(*) DESC, service_type";
static const char SQL_FOLLOWUPS[] =
    "SELECT count(*), CAST(coalesce(sum(CASE WHEN EXISTS (SELECT 1 FROM "
    "visits AS w WHERE w.case_id = v.case_id AND w.deleted = 0 AND "
    "w.visited_at > v.visited_at AND substr(w.visited_at, 1, 10) <= ?2) "
    "THEN 1 ELSE 0 END), 0) AS BIGINT) "
    "FROM visits AS v WHERE v.deleted = 0 AND "
    "v.next_visit_on BETWEEN ?1 AND ?2 AND "
    "(CAST(?3 AS TEXT) IS NULL OR v.station = ?3)";
static const char SQL_UNVISITED[] =
    "SELECT c.id, c.name, c.village, (SELECT max(substr(w.visited_at, 1, 10)) "
    "FROM visits AS w WHERE w.case_id = c.id AND w.deleted = 0 AND "
    "substr(w.visited_at, 1, 10) <= ?1) "
    "FROM cases AS c WHERE c.deleted = 0 AND c.status = 'open' AND "
    "c.risk_level = 'high' AND c.opened_on <= ?1 AND "
    "(CAST(?2 AS TEXT) IS NULL OR c.station = ?2) AND NOT EXISTS (SELECT 1 "
    "FROM visits AS w WHERE w.case_id = c.id AND w.deleted = 0 AND "
    "substr(w.visited_at, 1, 10) > ?3 AND "
    "substr(w.visited_at, 1, 10) <= ?1) ORDER BY c.name, c.id";

static const struct sw_column *col_of(int t, const char *name)
{
    const struct sw_table *tb = &sw_tables[t];
    return &tb->cols[sw_col_index(tb, name)];
}

static int nchoices(const struct sw_column *c)
{
    int n = 0;
    while (c->allowed[n])
        n++;
    return n < REPORT_MAX_CHOICES ? n : REPORT_MAX_CHOICES;
}

static int choice_index(const struct sw_column *c, const char *v)
{
    for (int i = 0; v && c->allowed[i] && i < REPORT_MAX_CHOICES; i++)
        if (strcmp(c->allowed[i], v) == 0)
            return i;
    return -1;
}

static void bind3(sdb_stmt *st, const struct report *r)
{
    sdb_bind_text(st, 1, r->first, -1, SDB_STATIC);
    sdb_bind_text(st, 2, r->last, -1, SDB_STATIC);
    if (r->station[0])
        sdb_bind_text(st, 3, r->station, -1, SDB_STATIC);
}

/* A GROUP BY choice count into by[] and *total. */
static int count_by(sdb *db, const char *sql, const struct report *r,
                    const struct sw_column *c, long *by, long *total,
                    struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    bind3(st, r);
    while ((rc = sdb_step(st)) == SDB_ROW) {
        int i = choice_index(c, (const char *)sdb_column_text(st, 0));
        long n = (long)sdb_column_int64(st, 1);
        if (i >= 0)
            by[i] += n;
        *total += n;
    }
    rc = rc == SDB_DONE ? 0 : db_fail(err, db, "report");
    sdb_finalize(st);
    return rc;
}

static int count_services(sdb *db, struct report *r, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_SERVICES, &st, err), cap = 0;
    if (rc)
        return rc;
    bind3(st, r);
    while ((rc = sdb_step(st)) == SDB_ROW) {
        struct report_service *s;
        if (r->nservices == cap) {
            int nc = cap ? cap * 2 : 8;
            s = realloc(r->services, (size_t)nc * sizeof(*s));
            if (!s)
                goto oom;
            r->services = s;
            cap = nc;
        }
        s = &r->services[r->nservices];
        s->type = sw_strdup((const char *)sdb_column_text(st, 0));
        if (!s->type)
            goto oom;
        s->count = (long)sdb_column_int64(st, 1);
        s->cents = sdb_column_int64(st, 2);
        r->nservices++;
        r->services_total += s->count;
        r->cents_total += s->cents;
    }
    rc = rc == SDB_DONE ? 0 : db_fail(err, db, "report");
    sdb_finalize(st);
    return rc;
oom:
    sdb_finalize(st);
    return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
}

static int count_followups(sdb *db, struct report *r, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_FOLLOWUPS, &st, err);
    if (rc)
        return rc;
    bind3(st, r);
    if (sdb_step(st) == SDB_ROW) {
        r->followups_due = (long)sdb_column_int64(st, 0);
        r->followups_done = (long)sdb_column_int64(st, 1);
        rc = 0;
    } else {
        rc = db_fail(err, db, "report");
    }
    sdb_finalize(st);
    return rc;
}

static char *col_dup(sdb_stmt *st, int k, int *oom)
{
    const unsigned char *s = sdb_column_text(st, k);
    char *d;
    if (!s)
        return NULL;
    d = sw_strdup((const char *)s);
    if (!d)
        *oom = 1;
    return d;
}

static int list_unvisited(sdb *db, struct report *r, struct sw_err *err)
{
    sdb_stmt *st;
    char since[11];
    int rc = db_prepare(db, SQL_UNVISITED, &st, err), cap = 0, oom = 0;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, r->ref_day, -1, SDB_STATIC);
    if (r->station[0])
        sdb_bind_text(st, 2, r->station, -1, SDB_STATIC);
    sw_day_add(r->ref_day, -30, since);
    sdb_bind_text(st, 3, since, -1, SDB_STATIC);
    while ((rc = sdb_step(st)) == SDB_ROW) {
        struct report_case *c;
        if (r->nunvisited == cap) {
            int nc = cap ? cap * 2 : 8;
            c = realloc(r->unvisited, (size_t)nc * sizeof(*c));
            if (!c) {
                oom = 1;
                break;
            }
            r->unvisited = c;
            cap = nc;
        }
        c = &r->unvisited[r->nunvisited++];
        memset(c, 0, sizeof(*c));
        snprintf(c->id, sizeof(c->id), "%s", sdb_column_text(st, 0));
        c->name = col_dup(st, 1, &oom);
        c->village = col_dup(st, 2, &oom);
        c->last_visit = col_dup(st, 3, &oom);
        if (oom)
            break;
    }
    if (oom)
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    else
        rc = rc == SDB_DONE ? 0 : db_fail(err, db, "report");
    sdb_finalize(st);
    return rc;
}

static int month_days(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return md[m - 1] + (m == 2 && leap);
}

int report_month(sdb *db, const char *yyyymm, const char *station,
                 struct report *r, struct sw_err *err)
{
    int y, m, rc, began = 0;
    char today[11];
    time_t now = time(NULL);
    struct tm tm;

    memset(r, 0, sizeof(*r));
    if (!yyyymm || strlen(yyyymm) != 7 || yyyymm[4] != '-' ||
        strspn(yyyymm, "0123456789") != 4 ||
        strspn(yyyymm + 5, "0123456789") != 2 || (y = atoi(yyyymm)) < 1 ||
        (m = atoi(yyyymm + 5)) < 1 || m > 12)
        return sw_fail(err, SW_EUSAGE, _("not a month (YYYY-MM): '%.20s'"),
                       yyyymm ? yyyymm : "");
    if (station && !sw_code_valid(station))
        return sw_fail(err, SW_EUSAGE, _("--station: not a station code: '%s'"),
                       station);
    snprintf(r->month, sizeof(r->month), "%04d-%02d", y, m);
    snprintf(r->first, sizeof(r->first), "%04d-%02d-01", y, m);
    snprintf(r->last, sizeof(r->last), "%04d-%02d-%02d", y, m,
             month_days(y, m));
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    snprintf(r->ref_day, sizeof(r->ref_day), "%s",
             strcmp(today, r->last) < 0 ? today : r->last);
    snprintf(r->station, sizeof(r->station), "%s", station ? station : "");
    r->ncategories = nchoices(col_of(SW_T_CASES, "category"));
    r->nmodes = nchoices(col_of(SW_T_VISITS, "mode"));

    if (sdb_get_autocommit(db)) {
        rc = db_exec(db, "BEGIN", err);
        if (rc)
            return rc;
        began = 1;
    }
    rc = count_by(db, SQL_NEW, r, col_of(SW_T_CASES, "category"), r->new_cases,
                  &r->new_total, err);
    if (!rc)
        rc = count_by(db, SQL_CLOSED, r, col_of(SW_T_CASES, "category"),
                      r->closed_cases, &r->closed_total, err);
    if (!rc)
        rc = count_by(db, SQL_VISITS, r, col_of(SW_T_VISITS, "mode"), r->visits,
                      &r->visits_total, err);
    if (!rc)
        rc = count_services(db, r, err);
    if (!rc)
        rc = count_followups(db, r, err);
    if (!rc)
        rc = list_unvisited(db, r, err);
    if (began)
        db_rollback(db);
    return rc;
}

void report_release(struct report *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nservices; i++)
        free(r->services[i].type);
    free(r->services);
    for (int i = 0; i < r->nunvisited; i++) {
        free(r->unvisited[i].name);
        free(r->unvisited[i].village);
        free(r->unvisited[i].last_visit);
    }
    free(r->unvisited);
    r->services = NULL;
    r->unvisited = NULL;
    r->nservices = r->nunvisited = 0;
}

long report_records(const struct report *r)
{
    return r->new_total + r->closed_total + r->visits_total +
           r->services_total + r->followups_due + r->nunvisited;
}

/* ---- renderers ----------------------------------------------------------- */

enum {
    T_TITLE,
    T_ALL,
    T_NEW,
    T_CLOSED,
    T_VISITS,
    T_SERVICES,
    T_FOLLOWUPS,
    T_DUE,
    T_DONE,
    T_UNVISITED,
    T_LAST_VISIT,
    T_NEVER,
    T_SECTION,
    T_ITEM,
    T_COUNT,
    T_AMOUNT,
    T_TOTAL,
    T_STATION,
    T_NTEXTS
};

static const char *const texts[T_NTEXTS][2] = {
    [T_TITLE] = {"月报", "Monthly report"},
    [T_ALL] = {"全部站点", "all stations"},
    [T_NEW] = {"新开个案", "New cases"},
    [T_CLOSED] = {"结案个案", "Closed cases"},
    [T_VISITS] = {"走访", "Visits"},
    [T_SERVICES] = {"服务", "Services"},
    [T_FOLLOWUPS] = {"跟进", "Follow-ups"},
    [T_DUE] = {"应跟进", "due"},
    [T_DONE] = {"已跟进", "done"},
    [T_UNVISITED] = {"高风险个案 30 天未走访",
                     "High-risk cases not visited in 30 days"},
    [T_LAST_VISIT] = {"上次走访", "last visit"},
    [T_NEVER] = {"从未走访", "never visited"},
    [T_SECTION] = {"项目", "section"},
    [T_ITEM] = {"分项", "item"},
    [T_COUNT] = {"数量", "count"},
    [T_AMOUNT] = {"金额", "amount"},
    [T_TOTAL] = {"合计", "total"},
    [T_STATION] = {"站点", "station"},
};

static const char *tx(int k, enum sw_lang l)
{
    return texts[k][l == SW_LANG_ZH ? 0 : 1];
}

static void money(char *buf, size_t n, long long cents)
{
    snprintf(buf, n, "%lld.%02lld", cents / 100, cents % 100);
}

/* Text width of a UTF-8 string in terminal columns (CJK: 2). */
static int width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        w += *p >= 0xe0 ? 2 : 1;
    }
    return w;
}

static void line(FILE *out, int indent, const char *label, long n,
                 const char *amount)
{
    int pad = 28 - indent - width(label);
    fprintf(out, "%*s%s%*s %8ld", indent, "", label, pad > 0 ? pad : 0, "", n);
    if (amount)
        fprintf(out, "  %12s", amount);
    fputc('\n', out);
}

void report_write_text(FILE *out, const struct report *r, enum sw_lang l)
{
    const struct sw_column *cat = col_of(SW_T_CASES, "category");
    const struct sw_column *mode = col_of(SW_T_VISITS, "mode");
    char amt[32];

    fprintf(out, "%s %s  %s: %s  (%s .. %s)\n\n", tx(T_TITLE, l), r->month,
            tx(T_STATION, l), r->station[0] ? r->station : tx(T_ALL, l),
            r->first, r->last);
    line(out, 0, tx(T_NEW, l), r->new_total, NULL);
    for (int i = 0; i < r->ncategories; i++)
        line(out, 2, labels_choice(cat, cat->allowed[i], l), r->new_cases[i],
             NULL);
    line(out, 0, tx(T_CLOSED, l), r->closed_total, NULL);
    for (int i = 0; i < r->ncategories; i++)
        line(out, 2, labels_choice(cat, cat->allowed[i], l), r->closed_cases[i],
             NULL);
    line(out, 0, tx(T_VISITS, l), r->visits_total, NULL);
    for (int i = 0; i < r->nmodes; i++)
        line(out, 2, labels_choice(mode, mode->allowed[i], l), r->visits[i],
             NULL);
    money(amt, sizeof(amt), r->cents_total);
    line(out, 0, tx(T_SERVICES, l), r->services_total, amt);
    for (int i = 0; i < r->nservices; i++) {
        money(amt, sizeof(amt), r->services[i].cents);
        line(out, 2, r->services[i].type, r->services[i].count, amt);
    }
    fprintf(out, "%s\n", tx(T_FOLLOWUPS, l));
    line(out, 2, tx(T_DUE, l), r->followups_due, NULL);
    line(out, 2, tx(T_DONE, l), r->followups_done, NULL);
    line(out, 0, tx(T_UNVISITED, l), r->nunvisited, NULL);
    for (int i = 0; i < r->nunvisited; i++) {
        const struct report_case *c = &r->unvisited[i];
        fprintf(out, "  %s\t%s\t%s %s\t%s\n", c->name ? c->name : "",
                c->village ? c->village : "", tx(T_LAST_VISIT, l),
                c->last_visit ? c->last_visit : tx(T_NEVER, l), c->id);
    }
}

static cJSON *by_choice(const struct sw_column *c, const long *by, int n)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && i < n; i++)
        cJSON_AddNumberToObject(o, c->allowed[i], (double)by[i]);
    return o;
}

static cJSON *counted(long total, const char *key, cJSON *by)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !by) {
        cJSON_Delete(o);
        cJSON_Delete(by);
        return NULL;
    }
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON_AddItemToObject(o, key, by);
    return o;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

int report_write_json(FILE *out, const struct report *r, struct sw_err *err)
{
    const struct sw_column *cat = col_of(SW_T_CASES, "category");
    const struct sw_column *mode = col_of(SW_T_VISITS, "mode");
    cJSON *o = cJSON_CreateObject(), *svc, *types, *fu, *hr, *list;
    char amt[32], *s = NULL;
    int rc = 0;

    if (!o)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    cJSON_AddStringToObject(o, "month", r->month);
    cJSON_AddItemToObject(o, "station",
                          str_or_null(r->station[0] ? r->station : NULL));
    cJSON_AddStringToObject(o, "first_day", r->first);
    cJSON_AddStringToObject(o, "last_day", r->last);
    cJSON_AddItemToObject(
        o, "new_cases",
        counted(r->new_total, "by_category",
                by_choice(cat, r->new_cases, r->ncategories)));
    cJSON_AddItemToObject(
        o, "closed_cases",
        counted(r->closed_total, "by_category",
                by_choice(cat, r->closed_cases, r->ncategories)));
    cJSON_AddItemToObject(o, "visits",
                          counted(r->visits_total, "by_mode",
                                  by_choice(mode, r->visits, r->nmodes)));
    svc = cJSON_AddObjectToObject(o, "services");
    if (svc) {
        cJSON_AddNumberToObject(svc, "total", (double)r->services_total);
        money(amt, sizeof(amt), r->cents_total);
        cJSON_AddStringToObject(svc, "amount", amt);
        types = cJSON_AddArrayToObject(svc, "by_type");
        for (int i = 0; types && i < r->nservices; i++) {
            cJSON *t = cJSON_CreateObject();
            if (!t)
                break;
            cJSON_AddStringToObject(t, "type", r->services[i].type);
            cJSON_AddNumberToObject(t, "count", (double)r->services[i].count);
            money(amt, sizeof(amt), r->services[i].cents);
            cJSON_AddStringToObject(t, "amount", amt);
            cJSON_AddItemToArray(types, t);
        }
    }
    fu = cJSON_AddObjectToObject(o, "follow_ups");
    if (fu) {
        cJSON_AddNumberToObject(fu, "due", (double)r->followups_due);
        cJSON_AddNumberToObject(fu, "done", (double)r->followups_done);
    }
    hr = cJSON_AddObjectToObject(o, "high_risk_not_visited");
    if (hr) {
        cJSON_AddNumberToObject(hr, "days", REPORT_UNVISITED_DAYS);
        cJSON_AddStringToObject(hr, "as_of", r->ref_day);
        cJSON_AddNumberToObject(hr, "count", (double)r->nunvisited);
        list = cJSON_AddArrayToObject(hr, "cases");
        for (int i = 0; list && i < r->nunvisited; i++) {
            const struct report_case *c = &r->unvisited[i];
            cJSON *j = cJSON_CreateObject();
            if (!j)
                break;
            cJSON_AddStringToObject(j, "id", c->id);
            cJSON_AddItemToObject(j, "name", str_or_null(c->name));
            cJSON_AddItemToObject(j, "village", str_or_null(c->village));
            cJSON_AddItemToObject(j, "last_visit", str_or_null(c->last_visit));
            cJSON_AddItemToArray(list, j);
        }
    }
    s = cJSON_Print(o);
    if (!s)
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    else
        fprintf(out, "%s\n", s);
    cJSON_free(s);
    cJSON_Delete(o);
    return rc;
}

static void csv_fig(FILE *out, const char *section, const char *item, long n,
                    const char *amount)
{
    char num[32];
    snprintf(num, sizeof(num), "%ld", n);
    csv_put(out, section, 1);
    csv_put(out, item, 0);
    csv_put(out, num, 0);
    csv_put(out, amount, 0);
    csv_end(out);
}

void report_write_csv(FILE *out, const struct report *r, enum sw_lang l)
{
    const struct sw_column *cat = col_of(SW_T_CASES, "category");
    const struct sw_column *mode = col_of(SW_T_VISITS, "mode");
    const char *total = tx(T_TOTAL, l);
    char amt[32];

    fputs(CSV_BOM, out);
    csv_put(out, tx(T_TITLE, l), 1);
    csv_put(out, r->month, 0);
    csv_put(out, tx(T_STATION, l), 0);
    csv_put(out, r->station[0] ? r->station : tx(T_ALL, l), 0);
    csv_end(out);
    csv_put(out, tx(T_SECTION, l), 1);
    csv_put(out, tx(T_ITEM, l), 0);
    csv_put(out, tx(T_COUNT, l), 0);
    csv_put(out, tx(T_AMOUNT, l), 0);
    csv_end(out);
    csv_fig(out, tx(T_NEW, l), total, r->new_total, NULL);
    for (int i = 0; i < r->ncategories; i++)
        csv_fig(out, tx(T_NEW, l), labels_choice(cat, cat->allowed[i], l),
                r->new_cases[i], NULL);
    csv_fig(out, tx(T_CLOSED, l), total, r->closed_total, NULL);
    for (int i = 0; i < r->ncategories; i++)
        csv_fig(out, tx(T_CLOSED, l), labels_choice(cat, cat->allowed[i], l),
                r->closed_cases[i], NULL);
    csv_fig(out, tx(T_VISITS, l), total, r->visits_total, NULL);
    for (int i = 0; i < r->nmodes; i++)
        csv_fig(out, tx(T_VISITS, l), labels_choice(mode, mode->allowed[i], l),
                r->visits[i], NULL);
    money(amt, sizeof(amt), r->cents_total);
    csv_fig(out, tx(T_SERVICES, l), total, r->services_total, amt);
    for (int i = 0; i < r->nservices; i++) {
        money(amt, sizeof(amt), r->services[i].cents);
        csv_fig(out, tx(T_SERVICES, l), r->services[i].type,
                r->services[i].count, amt);
    }
    csv_fig(out, tx(T_FOLLOWUPS, l), tx(T_DUE, l), r->followups_due, NULL);
    csv_fig(out, tx(T_FOLLOWUPS, l), tx(T_DONE, l), r->followups_done, NULL);
    csv_fig(out, tx(T_UNVISITED, l), total, r->nunvisited, NULL);
    for (int i = 0; i < r->nunvisited; i++)
        csv_fig(out, tx(T_UNVISITED, l),
                r->unvisited[i].name ? r->unvisited[i].name : "", 1, NULL);
}

int report_parse_args(int argc, char **argv, unsigned flags,
                      struct report_args *a, struct sw_err *err)
{
    memset(a, 0, sizeof(*a));
    a->lang = labels_lang();
    if (argc < 1 || strcmp(argv[0], "month") != 0)
        return sw_fail(err, SW_EUSAGE,
                       _("report: only 'report month YYYY-MM'"));
    for (int i = 1; i < argc; i++) {
        const char *v;
        int miss;
        if ((v = export_opt(argc, argv, &i, "--format", &miss)) || miss) {
            if (v && strcmp(v, "text") == 0)
                a->format = REPORT_TEXT;
            else if (v && strcmp(v, "json") == 0)
                a->format = REPORT_JSON;
            else if (v && strcmp(v, "csv") == 0)
                a->format = REPORT_CSV;
            else
                return sw_fail(err, SW_EUSAGE,
                               _("report: --format is text, json or csv, "
                                 "not '%s'"),
                               v ? v : "");
        } else if ((v = export_opt(argc, argv, &i, "-o", &miss)) || miss ||
                   (v = export_opt(argc, argv, &i, "--output", &miss)) ||
                   miss) {
            if (!v || !*v)
                return sw_fail(err, SW_EUSAGE, _("report: -o needs a FILE"));
            a->outfile = v;
        } else if ((flags & REPORT_ARGS_STATION) &&
                   ((v = export_opt(argc, argv, &i, "--station", &miss)) ||
                    miss)) {
            if (!v || !*v)
                return sw_fail(err, SW_EUSAGE,
                               _("report: --station needs a CODE"));
            a->station = v;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->format = REPORT_JSON;
        } else if (argv[i][0] == '-' || a->month) {
            return sw_fail(err, SW_EUSAGE, _("report: unexpected '%s'"),
                           argv[i]);
        } else {
            a->month = argv[i];
        }
    }
    if (!a->month)
        return sw_fail(err, SW_EUSAGE, _("report month: which month? YYYY-MM"));
    return 0;
}

struct rep_arg {
    const struct report *r;
    const struct report_args *a;
};

static int rep_to(FILE *out, void *arg, struct sw_err *err)
{
    struct rep_arg *ra = arg;
    switch (ra->a->format) {
    case REPORT_JSON:
        return report_write_json(out, ra->r, err);
    case REPORT_CSV:
        report_write_csv(out, ra->r, ra->a->lang);
        break;
    default:
        report_write_text(out, ra->r, ra->a->lang);
    }
    if (fflush(out) != 0 || ferror(out))
        return sw_fail(err, SW_EIO, _("cannot write the report"));
    return 0;
}

int report_run(sdb *db, const struct report_args *a, FILE *out, long *nrec,
               char *detail, size_t size, struct sw_err *err)
{
    struct report r;
    struct rep_arg ra = {&r, a};
    static const char *const fmts[] = {"text", "json", "csv"};
    int rc = report_month(db, a->month, a->station, &r, err);
    if (!rc)
        rc = a->outfile ? export_to_file(a->outfile, rep_to, &ra, err)
                        : rep_to(out, &ra, err);
    if (!rc) {
        *nrec = report_records(&r);
        snprintf(detail, size,
                 "month %s%s%s %s: %ld new cases, %ld closed, %ld visits, "
                 "%ld services, %ld follow-ups due, %d high-risk not visited; "
                 "to %s",
                 r.month, a->station ? " station " : "",
                 a->station ? a->station : "", fmts[a->format], r.new_total,
                 r.closed_total, r.visits_total, r.services_total,
                 r.followups_due, r.nunvisited,
                 a->outfile ? a->outfile : "stdout");
    }
    report_release(&r);
    return rc;
}
