/*
** due.c — follow-ups due and open referrals (see due.h).
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "due.h"
#include "table.h"

/* ?1 today, ?2 the last day looked at ("+N days" applied by date()). */
static const char SQL_DUE_ALL[] =
    "SELECT kind, due_on, due_on < ?1, case_id, name, id, detail FROM ("
    /* the latest live visit of each open case asks for the next one */
    "SELECT 'visit' AS kind, v.next_visit_on AS due_on, x.id AS case_id, "
    "x.name AS name, v.id AS id, NULL AS detail FROM (SELECT c.id, c.name, "
    "(SELECT w.rid FROM visits AS w WHERE w.case_id = c.id AND w.deleted = 0 "
    "ORDER BY w.visited_at DESC, w.rid DESC LIMIT 1) AS lr FROM cases AS c "
    "WHERE c.deleted = 0 AND c.status = 'open') AS x "
    "JOIN visits AS v ON v.rid = x.lr WHERE v.next_visit_on IS NOT NULL "
    "AND v.next_visit_on <= date(?1, ?2) "
    /* open referrals by their follow-up date */
    "UNION ALL SELECT 'referral', r.follow_up_on, c.id, c.name, r.id, r.need "
    "FROM referrals AS r JOIN cases AS c ON c.id = r.case_id "
    "WHERE r.deleted = 0 AND c.deleted = 0 "
    "AND r.status IN ('referred', 'accepted') AND r.follow_up_on IS NOT NULL "
    "AND r.follow_up_on <= date(?1, ?2) "
    /* high-risk open cases: a visit is due 30 days after the last (or
       after the case was opened) */
    "UNION ALL SELECT 'high_risk', date(coalesce(substr(h.last, 1, 10), "
    "h.opened_on), ?3), h.id, h.name, h.id, substr(h.last, 1, 10) FROM "
    "(SELECT c.id, c.name, c.opened_on, (SELECT max(v.visited_at) FROM visits "
    "AS v WHERE v.case_id = c.id AND v.deleted = 0) AS last FROM cases AS c "
    "WHERE c.deleted = 0 AND c.status = 'open' AND c.risk_level = 'high') "
    "AS h WHERE date(coalesce(substr(h.last, 1, 10), h.opened_on), ?3) "
    "<= date(?1, ?2)) ORDER BY due_on, kind, name, id";

static const char SQL_REFERRALS[] =
    "SELECT r.id, c.id, c.name, r.need, coalesce((SELECT s.name FROM "
    "resources AS s WHERE s.id = r.resource_id), r.resource_text), r.status, "
    "r.referred_on, r.follow_up_on, "
    "r.status IN ('referred', 'accepted') AND r.follow_up_on < ?1, r.outcome "
    "FROM referrals AS r JOIN cases AS c ON c.id = r.case_id "
    "WHERE r.deleted = 0 AND c.deleted = 0 AND (?2 = 0 OR "
    "(r.status IN ('referred', 'accepted') AND (?2 = 1 OR "
    "r.follow_up_on < ?1))) "
    "ORDER BY r.referred_on DESC, r.rid DESC";

/* The county's figures: every station's records (?1 today, ?2 the day
   DUE_STALE_DAYS before it). */
static const char SQL_OVERDUE_BY_STATION[] =
    "SELECT s.code, "
    "(SELECT count(*) FROM cases AS c JOIN visits AS v ON v.rid = "
    "(SELECT w.rid FROM visits AS w WHERE w.case_id = c.id AND w.deleted = 0 "
    "ORDER BY w.visited_at DESC, w.rid DESC LIMIT 1) WHERE c.station = s.code "
    "AND c.deleted = 0 AND c.status = 'open' AND v.next_visit_on < ?1), "
    "(SELECT count(*) FROM referrals AS r WHERE r.station = s.code "
    "AND r.deleted = 0 AND r.status IN ('referred', 'accepted') "
    "AND r.follow_up_on < ?1), "
    "(SELECT count(*) FROM cases AS c WHERE c.station = s.code "
    "AND c.deleted = 0 AND c.status = 'open' AND c.risk_level = 'high' "
    "AND coalesce(substr((SELECT max(v.visited_at) FROM visits AS v "
    "WHERE v.case_id = c.id AND v.deleted = 0), 1, 10), c.opened_on) "
    "< ?2) FROM stations AS s ORDER BY s.code";

/* ?1 today, ?2 from, ?3 to: open and overdue now; completed and declined
   with closed_on (else referred_on) in the period */
static const char SQL_REFERRAL_FIGURES[] =
    "SELECT s.code, "
    "count(CASE WHEN r.status IN ('referred', 'accepted') THEN 1 END), "
    "count(CASE WHEN r.status IN ('referred', 'accepted') "
    "AND r.follow_up_on < ?1 THEN 1 END), "
    "count(CASE WHEN r.status = 'completed' AND coalesce(r.closed_on, "
    "r.referred_on) BETWEEN ?2 AND ?3 THEN 1 END), "
    "count(CASE WHEN r.status = 'declined' AND coalesce(r.closed_on, "
    "r.referred_on) BETWEEN ?2 AND ?3 THEN 1 END) "
    "FROM stations AS s LEFT JOIN referrals AS r ON r.station = s.code "
    "AND r.deleted = 0 GROUP BY s.code ORDER BY s.code";

int due_overdue_by_station(sdb *db, const char *today, struct desk_rows *out,
                           struct sw_err *err)
{
    char stale[32];
    sdb_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!due_date_valid(today))
        return sw_fail(err, SW_EUSAGE, _("not a date (YYYY-MM-DD): '%s'"),
                       today ? today : "");
    rc = db_prepare(db, SQL_OVERDUE_BY_STATION, &st, err);
    if (rc)
        return rc;
    /* last seen more than DUE_STALE_DAYS before today */
    sw_day_add(today, -DUE_STALE_DAYS, stale);
    sdb_bind_text(st, 1, today, -1, SDB_TRANSIENT);
    sdb_bind_text(st, 2, stale, -1, SDB_TRANSIENT);
    return desk_collect(db, st, OVD_NCOLS, out, err);
}

int due_referral_figures(sdb *db, const char *today, const char *from,
                         const char *to, struct desk_rows *out,
                         struct sw_err *err)
{
    sdb_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!due_date_valid(today) || !due_date_valid(from) || !due_date_valid(to))
        return sw_fail(err, SW_EUSAGE, _("not a date (YYYY-MM-DD): '%s'"),
                       !due_date_valid(today)  ? (today ? today : "")
                       : !due_date_valid(from) ? (from ? from : "")
                                               : (to ? to : ""));
    if (strcmp(from, to) > 0)
        return sw_fail(err, SW_EUSAGE, _("--from %s is after --to %s"), from,
                       to);
    rc = db_prepare(db, SQL_REFERRAL_FIGURES, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, today, -1, SDB_TRANSIENT);
    sdb_bind_text(st, 2, from, -1, SDB_TRANSIENT);
    sdb_bind_text(st, 3, to, -1, SDB_TRANSIENT);
    return desk_collect(db, st, FIG_NCOLS - 1, out, err);
}

int due_outcome_rate(const struct desk_rows *r, int row)
{
    long done =
        atol(desk_cell(r, row, FIG_COMPLETED) ? desk_cell(r, row, FIG_COMPLETED)
                                              : "0");
    long no =
        atol(desk_cell(r, row, FIG_DECLINED) ? desk_cell(r, row, FIG_DECLINED)
                                             : "0");
    if (done + no == 0)
        return -1;
    return (int)((done * 100 + (done + no) / 2) / (done + no));
}

int due_date_valid(const char *s)
{
    static const struct sw_column day = {"today", SW_TEXT, CK_DATE, 0,
                                         0,       NULL,    NULL};
    static const struct sw_table none = {"due", "due", &day,          1,
                                         -1,    1,     SW_OWN_STATION};
    struct sw_err e;
    return s && !sw_validate(&none, &day, s, &e);
}

int due_list(sdb *db, const char *today, int days, struct desk_rows *out,
             struct sw_err *err)
{
    char ahead[32], stale[32];
    sdb_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!due_date_valid(today))
        return sw_fail(err, SW_EUSAGE, _("not a date (YYYY-MM-DD): '%s'"),
                       today ? today : "");
    if (days < 0 || days > DUE_DAYS_MAX)
        return sw_fail(err, SW_EUSAGE, _("--days: must be from 0 to %d"),
                       DUE_DAYS_MAX);
    rc = db_prepare(db, SQL_DUE_ALL, &st, err);
    if (rc)
        return rc;
    snprintf(ahead, sizeof(ahead), "+%d days", days);
    snprintf(stale, sizeof(stale), "+%d days", DUE_STALE_DAYS);
    sdb_bind_text(st, 1, today, -1, SDB_TRANSIENT);
    sdb_bind_text(st, 2, ahead, -1, SDB_TRANSIENT);
    sdb_bind_text(st, 3, stale, -1, SDB_TRANSIENT);
    return desk_collect(db, st, DUE_NCOLS, out, err);
}

int due_referrals(sdb *db, const char *today, int which, struct desk_rows *out,
                  struct sw_err *err)
{
    sdb_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!due_date_valid(today))
        return sw_fail(err, SW_EUSAGE, _("not a date (YYYY-MM-DD): '%s'"),
                       today ? today : "");
    rc = db_prepare(db, SQL_REFERRALS, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, today, -1, SDB_TRANSIENT);
    sdb_bind_int(st, 2, which);
    return desk_collect(db, st, REF_NCOLS, out, err);
}

int due_print_json(FILE *f, const struct desk_rows *r, struct sw_err *err)
{
    static const char *const keys[DUE_NCOLS] = {
        "kind", "due_on", "overdue", "case_id", "name", "id", "detail"};
    cJSON *a = cJSON_CreateArray();
    char *text = NULL;
    int rc = 0;

    for (int i = 0; a && i < r->n && !rc; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            break;
        }
        for (int c = 0; c < DUE_NCOLS && !rc; c++) {
            const char *v = desk_cell(r, i, c);
            cJSON *item;
            if (c == DUE_OVERDUE)
                item = cJSON_CreateBool(v && strcmp(v, "1") == 0);
            else
                item = v ? cJSON_CreateString(v) : cJSON_CreateNull();
            if (!item || !cJSON_AddItemToObject(o, keys[c], item)) {
                cJSON_Delete(item);
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            }
        }
    }
    if (!rc && !(text = a ? cJSON_PrintUnformatted(a) : NULL))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        fprintf(f, "%s\n", text);
    cJSON_free(text);
    cJSON_Delete(a);
    return rc;
}
