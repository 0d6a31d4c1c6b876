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

int due_date_valid(const char *s)
{
    static const struct sw_column day = {"today", SW_TEXT, CK_DATE, 0,
                                         0,       NULL,    NULL};
    static const struct sw_table none = {"due", "due", &day,          1,
                                         -1,    1,     SW_OWN_STATION};
    struct sw_err e;
    return s && !sw_validate(&none, &day, s, &e);
}

int due_list(sqlite3 *db, const char *today, int days, struct desk_rows *out,
             struct sw_err *err)
{
    char ahead[32], stale[32];
    sqlite3_stmt *st;
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
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, ahead, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, stale, -1, SQLITE_TRANSIENT);
    return desk_collect(db, st, DUE_NCOLS, out, err);
}

int due_referrals(sqlite3 *db, const char *today, int which,
                  struct desk_rows *out, struct sw_err *err)
{
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!due_date_valid(today))
        return sw_fail(err, SW_EUSAGE, _("not a date (YYYY-MM-DD): '%s'"),
                       today ? today : "");
    rc = db_prepare(db, SQL_REFERRALS, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, which);
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
