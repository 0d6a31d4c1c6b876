/*
** localaudit.c — the station's local audit trail (see localaudit.h).
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "localaudit.h"
#include "records.h"

static const char SQL_LOCAL_AUDIT_ADD[] =
    "INSERT INTO local_audit (at, who, action, detail) VALUES (?1, ?2, ?3, ?4)";

void audit_local_cli_who(char buf[AUDIT_LOCAL_WHO_MAX + 1])
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name)
        snprintf(buf, AUDIT_LOCAL_WHO_MAX + 1, "cli:%s", pw->pw_name);
    else
        snprintf(buf, AUDIT_LOCAL_WHO_MAX + 1, "cli:uid=%lu",
                 (unsigned long)geteuid());
}

/* s as one line of at most max bytes, cut at a character boundary. */
static void one_line(char *out, size_t max, const char *s)
{
    size_t i = 0;
    for (; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? ' ' : s[i];
    }
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    out[i] = '\0';
}

int audit_local(sdb *db, const char *who, const char *action,
                const char *detail, struct sw_err *err)
{
    char w[AUDIT_LOCAL_WHO_MAX + 1], det[AUDIT_LOCAL_DETAIL_MAX + 1];
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_LOCAL_AUDIT_ADD, &st, err);
    if (rc)
        return rc;
    one_line(w, AUDIT_LOCAL_WHO_MAX, who && *who ? who : "?");
    sdb_bind_int64(st, 1, sw_now_ms());
    sdb_bind_text(st, 2, w, -1, SDB_STATIC);
    sdb_bind_text(st, 3, action, -1, SDB_STATIC);
    if (detail && *detail) {
        one_line(det, AUDIT_LOCAL_DETAIL_MAX, detail);
        sdb_bind_text(st, 4, det, -1, SDB_STATIC);
    }
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "local audit");
    sdb_finalize(st);
    return rc;
}

int audit_local_list(sdb *db, long limit, int json, FILE *out,
                     struct sw_err *err)
{
    static const char SQL_LIST[] = "SELECT id, at, who, action, detail FROM "
                                   "local_audit ORDER BY id DESC LIMIT ?1";
    sdb_stmt *st;
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    int rc = db_prepare(db, SQL_LIST, &st, err);

    if (rc || (json && !arr)) {
        cJSON_Delete(arr);
        sdb_finalize(st);
        return rc ? rc : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    sdb_bind_int64(st, 1, limit);
    while ((rc = sdb_step(st)) == SDB_ROW) {
        const char *who = (const char *)sdb_column_text(st, 2);
        const char *act = (const char *)sdb_column_text(st, 3);
        const unsigned char *det = sdb_column_text(st, 4);
        int64_t at = sdb_column_int64(st, 1);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (!o)
                break;
            cJSON_AddNumberToObject(o, "id", (double)sdb_column_int64(st, 0));
            cJSON_AddNumberToObject(o, "at", (double)at);
            cJSON_AddStringToObject(o, "who", who);
            cJSON_AddStringToObject(o, "action", act);
            if (det)
                cJSON_AddStringToObject(o, "detail", (const char *)det);
            else
                cJSON_AddNullToObject(o, "detail");
            cJSON_AddItemToArray(arr, o);
        } else {
            char when[32];
            time_t t = (time_t)(at / 1000);
            struct tm tm;
            localtime_r(&t, &tm);
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
            fprintf(out, "%s\t", when);
            records_print_cell(out, (const unsigned char *)who);
            fputc('\t', out);
            records_print_cell(out, (const unsigned char *)act);
            fputc('\t', out);
            records_print_cell(out, det);
            fputc('\n', out);
        }
    }
    if (rc != SDB_ROW && rc != SDB_DONE)
        rc = db_fail(err, db, "local audit");
    else if (rc == SDB_ROW)
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    else
        rc = 0;
    sdb_finalize(st);
    if (!rc && json) {
        char *s = cJSON_Print(arr);
        if (!s)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        else
            fprintf(out, "%s\n", s);
        cJSON_free(s);
    }
    cJSON_Delete(arr);
    return rc;
}
