/*
** audit.c — the audit trail (see audit.h).
*/
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "rows.h"
#include "syncsql.h"

static const char SQL_AUDIT_LIST[] =
    "SELECT id, at, actor, action, target, details, source FROM audit "
    "WHERE (CAST(?2 AS BIGINT) <= 0 OR id < ?2) "
    "AND (CAST(?3 AS TEXT) IS NULL OR actor = ?3) "
    "AND (CAST(?4 AS TEXT) IS NULL OR target = ?4 "
    "OR target LIKE '%/' || CAST(?4 AS TEXT) "
    "OR replace(details, ?4, '') <> details) ORDER BY id DESC LIMIT ?1";

void audit_cli_src(struct audit_src *src)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name)
        snprintf(src->actor, sizeof(src->actor), "cli:%s", pw->pw_name);
    else
        snprintf(src->actor, sizeof(src->actor), "cli:uid=%lu",
                 (unsigned long)geteuid());
    snprintf(src->source, sizeof(src->source), "cli");
}

/* s as one line of at most max bytes, cut at a character boundary. */
static void one_line(char *out, size_t max, const char *s)
{
    size_t i = 0;
    for (; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? ' ' : s[i];
    }
    /* cut in the middle of a character: drop its first bytes */
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    out[i] = '\0';
}

int audit_log(sdb *db, const struct audit_src *src, const char *action,
              const char *target, const char *details, struct sw_err *err)
{
    return audit_log_id(db, src, action, target, details, NULL, err);
}

int audit_log_id(sdb *db, const struct audit_src *src, const char *action,
                 const char *target, const char *details, int64_t *id,
                 struct sw_err *err)
{
    char det[AUDIT_DETAILS_MAX + 1], tgt[201];
    sdb_stmt *st;
    int step, rc = db_prepare(db, COUNTY_SQL_AUDIT_ADD, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, sw_now_ms());
    sdb_bind_text(st, 2, src->actor, -1, SDB_STATIC);
    sdb_bind_text(st, 3, action, -1, SDB_STATIC);
    if (target) {
        one_line(tgt, sizeof(tgt) - 1, target);
        sdb_bind_text(st, 4, tgt, -1, SDB_STATIC);
    }
    if (details && *details) {
        one_line(det, sizeof(det) - 1, details);
        sdb_bind_text(st, 5, det, -1, SDB_STATIC);
    }
    sdb_bind_text(st, 6, src->source, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) { /* RETURNING id, then the end */
        if (id)
            *id = sdb_column_int64(st, 0);
        step = sdb_step(st);
    }
    rc = step == SDB_DONE ? 0 : db_fail(err, db, "audit");
    sdb_finalize(st);
    return rc;
}

static cJSON *audit_row(sdb_stmt *st)
{
    static const char *const names[] = {"id",     "at",      "actor", "action",
                                        "target", "details", "source"};
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    for (int i = 0; i < 7; i++)
        rows_add_value(o, names[i], st, i);
    return o;
}

int audit_json(sdb *db, int64_t limit, int64_t before, const char *actor,
               const char *record, cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_AUDIT_LIST, &st, err);

    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, limit);
    sdb_bind_int64(st, 2, before);
    if (actor && *actor)
        sdb_bind_text(st, 3, actor, -1, SDB_STATIC);
    if (record && *record)
        sdb_bind_text(st, 4, record, -1, SDB_STATIC);
    return rows_json(db, st, audit_row, "read the audit trail", out, err);
}
