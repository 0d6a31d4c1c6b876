/*
** localaudit.c — the station's local audit trail (see localaudit.h).
*/
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "localaudit.h"

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

int audit_local(sqlite3 *db, const char *who, const char *action,
                const char *detail, struct sw_err *err)
{
    char w[AUDIT_LOCAL_WHO_MAX + 1], det[AUDIT_LOCAL_DETAIL_MAX + 1];
    sqlite3_stmt *st;
    int rc = db_prepare(db, SQL_LOCAL_AUDIT_ADD, &st, err);
    if (rc)
        return rc;
    one_line(w, AUDIT_LOCAL_WHO_MAX, who && *who ? who : "?");
    sqlite3_bind_int64(st, 1, sw_now_ms());
    sqlite3_bind_text(st, 2, w, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    if (detail && *detail) {
        one_line(det, AUDIT_LOCAL_DETAIL_MAX, detail);
        sqlite3_bind_text(st, 4, det, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(err, db, "local audit");
    sqlite3_finalize(st);
    return rc;
}
