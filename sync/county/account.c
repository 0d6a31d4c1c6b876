/*
** account.c — admin accounts, sessions and login throttling (see
** account.h).
*/
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "auth.h"
#include "db.h"
#include "rows.h"

static const char SQL_ADMIN_GET[] =
    "SELECT pw_hash FROM admins WHERE name = ?1";
static const char SQL_ADMIN_ADD[] =
    "INSERT INTO admins (name, pw_hash, created_at, created_by) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_ADMIN_DEL[] = "DELETE FROM admins WHERE name = ?1";
static const char SQL_ADMINS[] =
    "SELECT a.name, a.created_at, a.created_by, "
    "(SELECT count(*) FROM sessions AS s WHERE s.admin = a.name), "
    "(SELECT max(at) FROM audit AS u WHERE u.actor = a.name "
    " AND u.action = 'login') "
    "FROM admins AS a ORDER BY a.name";
static const char SQL_FAIL_GET[] =
    "SELECT count, last_at, locked_until FROM login_failures "
    "WHERE kind = ?1 AND key = ?2";
static const char SQL_FAIL_PUT[] =
    "INSERT INTO login_failures (kind, key, count, last_at, locked_until) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, key) DO UPDATE SET "
    "count = excluded.count, last_at = excluded.last_at, "
    "locked_until = excluded.locked_until";
static const char SQL_FAIL_CLEAR[] =
    "DELETE FROM login_failures WHERE kind = ?1 AND key = ?2";
static const char SQL_FAIL_PURGE[] =
    "DELETE FROM login_failures WHERE last_at < ?1 AND locked_until < ?2";
static const char SQL_SESSION_PURGE[] =
    "DELETE FROM sessions WHERE created_at < ?1 OR last_used < ?2";
static const char SQL_SESSION_ADD[] =
    "INSERT INTO sessions (id_hash, admin, created_at, last_used, client) "
    "VALUES (?1, ?2, ?3, ?3, ?4)";
static const char SQL_SESSION_GET[] =
    "SELECT admin, created_at, last_used FROM sessions WHERE id_hash = ?1";
static const char SQL_SESSION_TOUCH[] =
    "UPDATE sessions SET last_used = ?2 WHERE id_hash = ?1";
static const char SQL_SESSION_DEL[] = "DELETE FROM sessions WHERE id_hash = ?1";

/* ---- accounts ------------------------------------------------------------ */

int acct_admin_add(sdb *db, const char *name, const char *pw,
                   const struct audit_src *src, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    char *hash = NULL;
    int rc;

    if (!acct_name_valid(name))
        return sw_fail(err, SW_EDATA,
                       _("admin: not a valid user name (1-%d of A-Z a-z 0-9 _ "
                         ". - @, not starting with - or .): %s"),
                       ACCT_NAME_MAX, name ? name : "");
    if (strlen(pw) < ACCT_PW_MIN)
        return sw_fail(err, SW_EDATA,
                       _("admin: the password must have at least %d "
                         "characters"),
                       ACCT_PW_MIN);
    if (strlen(pw) > ACCT_PW_MAX || !sw_utf8_valid(pw))
        return sw_fail(err, SW_EDATA,
                       _("admin: the password must be UTF-8 text of at most %d "
                         "bytes"),
                       ACCT_PW_MAX);
    rc = acct_hash_password(pw, &hash, err);
    if (rc)
        return rc;
    rc = db_begin(db, err);
    if (rc)
        goto out;
    rc = db_prepare(db, SQL_ADMIN_GET, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        rc = sdb_step(st);
        rc = rc == SDB_ROW    ? sw_fail(err, SW_ECANTCREAT,
                                        _("admin %s: already exists"), name)
             : rc == SDB_DONE ? 0
                              : db_fail(err, db, "look up admin");
        sdb_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = db_prepare(db, SQL_ADMIN_ADD, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        sdb_bind_text(st, 2, hash, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, sw_now_ms());
        sdb_bind_text(st, 4, src->actor, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "add admin");
    }
    if (!rc)
        rc = audit_log(db, src, AUDIT_ADMIN_ADD, name, NULL, err);
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
out:
    sdb_finalize(st);
    if (hash) {
        OPENSSL_cleanse(hash, strlen(hash));
        free(hash);
    }
    return rc;
}

int acct_admin_remove(sdb *db, const char *name, const struct audit_src *src,
                      struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = db_prepare(db, SQL_ADMIN_DEL, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "remove admin");
        else if (sdb_changes(db) == 0)
            rc = sw_fail(err, SW_EDATA, _("admin %s: no such admin"), name);
        sdb_finalize(st);
    }
    if (!rc)
        rc = audit_log(db, src, AUDIT_ADMIN_REMOVE, name, NULL, err);
    if (!rc)
        return db_commit(db, err);
    db_rollback(db);
    return rc;
}

static cJSON *admin_row(sdb_stmt *st)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    rows_add_text(o, "name", st, 0);
    rows_add_int(o, "created_at", st, 1);
    rows_add_text(o, "created_by", st, 2);
    rows_add_int(o, "sessions", st, 3);
    rows_add_int(o, "last_login", st, 4);
    return o;
}

int acct_admins_json(sdb *db, cJSON **out, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_prepare(db, SQL_ADMINS, &st, err);
    *out = NULL;
    return rc ? rc : rows_json(db, st, admin_row, "list admins", out, err);
}

/* ---- throttling ---------------------------------------------------------- */

struct fail_row {
    int64_t count, last_at, locked_until;
};

static int fail_get(sdb *db, const char *kind, const char *key,
                    struct fail_row *f, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_FAIL_GET, &st, err);
    memset(f, 0, sizeof(*f));
    if (rc)
        return rc;
    sdb_bind_text(st, 1, kind, -1, SDB_STATIC);
    sdb_bind_text(st, 2, key, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        f->count = sdb_column_int64(st, 0);
        f->last_at = sdb_column_int64(st, 1);
        f->locked_until = sdb_column_int64(st, 2);
        rc = 0;
    } else {
        rc = rc == SDB_DONE ? 0 : db_fail(err, db, "read login failures");
    }
    sdb_finalize(st);
    return rc;
}

/* One more failure of (kind, key); max failures before the lock. */
static int fail_count(sdb *db, const char *kind, const char *key, int64_t max,
                      int64_t now, struct sw_err *err)
{
    struct fail_row f;
    sdb_stmt *st;
    int64_t lock = 0;
    int rc = fail_get(db, kind, key, &f, err);
    if (rc)
        return rc;
    if (f.count > 0 && now - f.last_at > ACCT_FAIL_WINDOW_MS)
        f.count = 0;
    f.count++;
    if (f.count >= max) {
        int64_t d = ACCT_LOCK_BASE_MS;
        for (int64_t k = f.count - max; k > 0 && d < ACCT_LOCK_MAX_MS; k--)
            d *= 2;
        lock = now + (d > ACCT_LOCK_MAX_MS ? ACCT_LOCK_MAX_MS : d);
    }
    rc = db_prepare(db, SQL_FAIL_PUT, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, kind, -1, SDB_STATIC);
    sdb_bind_text(st, 2, key, -1, SDB_STATIC);
    sdb_bind_int64(st, 3, f.count);
    sdb_bind_int64(st, 4, now);
    sdb_bind_int64(st, 5, lock);
    rc = sdb_step(st) == SDB_DONE ? 0
                                  : db_fail(err, db, "count a login failure");
    sdb_finalize(st);
    return rc;
}

static int exec_kk(sdb *db, const char *sql, const char *kind, const char *key,
                   struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, kind, -1, SDB_STATIC);
    sdb_bind_text(st, 2, key, -1, SDB_STATIC);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "login");
    sdb_finalize(st);
    return rc;
}

static int exec_ii(sdb *db, const char *sql, int64_t a, int64_t b,
                   struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, a);
    sdb_bind_int64(st, 2, b);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "login");
    sdb_finalize(st);
    return rc;
}

/* ---- login, sessions ----------------------------------------------------- */

/* A hash of a password nobody has, so that an unknown user costs as much
** time as a known one. */
static const char DUMMY_HASH[] =
    "pbkdf2-sha256$600000$00000000000000000000000000000000$"
    "0000000000000000000000000000000000000000000000000000000000000000";

int acct_login(sdb *db, const char *name, const char *pw, const char *client,
               const struct acct_limits *lim, pthread_mutex_t *wlock,
               enum acct_outcome *outcome, char cookie[ACCT_COOKIE_LEN + 1],
               int64_t *retry_after_s, struct sw_err *err)
{
    char ukey[ACCT_NAME_MAX + 2], hash_hex[AUTH_HASH_LEN + 1];
    char fkey[ACCT_NAME_MAX + AUDIT_SOURCE_MAX + 4];
    char *stored = NULL;
    struct fail_row fu, fa;
    struct audit_src src;
    sdb_stmt *st = NULL;
    int64_t now = sw_now_ms(), until;
    int rc, ok, known = 0;

    *outcome = ACCT_DENIED;
    *retry_after_s = 0;
    cookie[0] = '\0';
    /* an invalid name is throttled as one name */
    snprintf(ukey, sizeof(ukey), "%s", acct_name_valid(name) ? name : "?");
    /* a user's failures count from each address apart: failures from
       elsewhere cannot lock the real admin out */
    snprintf(fkey, sizeof(fkey), "%s %s", ukey, client);

    rc = fail_get(db, "user", fkey, &fu, err);
    if (!rc)
        rc = fail_get(db, "addr", client, &fa, err);
    if (rc)
        return rc;
    until =
        fu.locked_until > fa.locked_until ? fu.locked_until : fa.locked_until;
    if (until > now) {
        *outcome = ACCT_THROTTLED;
        *retry_after_s = (until - now + 999) / 1000;
        return 0;
    }

    if (acct_name_valid(name)) {
        rc = db_prepare(db, SQL_ADMIN_GET, &st, err);
        if (rc)
            return rc;
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
            known = 1;
            stored = sw_strdup((const char *)sdb_column_text(st, 0));
            rc = stored ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        } else {
            rc = rc == SDB_DONE ? 0 : db_fail(err, db, "look up admin");
        }
        sdb_finalize(st);
        if (rc)
            return rc;
    }
    /* the slow part, outside any transaction */
    ok = acct_verify_password(pw, known ? stored : DUMMY_HASH) && known;
    free(stored);

    /* an unknown name may be a password typed into the wrong box: the
       audit trail names known admins only */
    snprintf(src.actor, sizeof(src.actor), "%s", known ? ukey : "(unknown)");
    snprintf(src.source, sizeof(src.source), "%s", client);
    /* the outcome's write takes the writer lock like every console write,
       for its transaction only: never during the hash above */
    if (wlock)
        pthread_mutex_lock(wlock);
    rc = db_begin(db, err);
    if (rc) {
        if (wlock)
            pthread_mutex_unlock(wlock);
        return rc;
    }
    if (!ok) {
        rc = fail_count(db, "user", fkey, ACCT_USER_MAX, now, err);
        if (!rc)
            rc = fail_count(db, "addr", client, ACCT_ADDR_MAX, now, err);
        if (!rc)
            rc = exec_ii(db, SQL_FAIL_PURGE, now - ACCT_FAIL_WINDOW_MS, now,
                         err);
        if (!rc)
            rc = audit_log(db, &src, AUDIT_LOGIN_FAILED, NULL,
                           known ? "wrong password" : "unknown user", err);
    } else {
        rc = acct_cookie_new(cookie, err);
        if (!rc)
            rc = auth_token_hash(cookie, hash_hex, err);
        if (!rc)
            rc = exec_kk(db, SQL_FAIL_CLEAR, "user", fkey, err);
        if (!rc)
            rc = exec_ii(db, SQL_SESSION_PURGE,
                         now - (lim && lim->max_ms > 0 ? lim->max_ms
                                                       : ACCT_DEFAULT_MAX_MS),
                         now - (lim && lim->idle_ms > 0 ? lim->idle_ms
                                                        : ACCT_DEFAULT_IDLE_MS),
                         err);
        if (!rc)
            rc = db_prepare(db, SQL_SESSION_ADD, &st, err);
        if (!rc) {
            sdb_bind_text(st, 1, hash_hex, -1, SDB_STATIC);
            sdb_bind_text(st, 2, name, -1, SDB_STATIC);
            sdb_bind_int64(st, 3, now);
            sdb_bind_text(st, 4, client, -1, SDB_STATIC);
            if (sdb_step(st) != SDB_DONE)
                rc = db_fail(err, db, "add session");
            sdb_finalize(st);
        }
        if (!rc)
            rc = audit_log(db, &src, AUDIT_LOGIN, NULL, NULL, err);
    }
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        db_rollback(db);
    if (wlock)
        pthread_mutex_unlock(wlock);
    if (rc) {
        OPENSSL_cleanse(cookie, ACCT_COOKIE_LEN + 1);
        cookie[0] = '\0';
        return rc;
    }
    *outcome = ok ? ACCT_OK : ACCT_DENIED;
    return 0;
}

int acct_session_get(sdb *db, const char *cookie, const struct acct_limits *lim,
                     struct acct_session *s, enum acct_state *state,
                     struct sw_err *err)
{
    char h[AUTH_HASH_LEN + 1];
    sdb_stmt *st = NULL;
    int64_t now = sw_now_ms();
    int64_t idle =
        lim && lim->idle_ms > 0 ? lim->idle_ms : ACCT_DEFAULT_IDLE_MS;
    int64_t max = lim && lim->max_ms > 0 ? lim->max_ms : ACCT_DEFAULT_MAX_MS;
    int rc;

    memset(s, 0, sizeof(*s));
    *state = ACCT_NONE;
    if (!acct_cookie_wellformed(cookie))
        return 0;
    rc = auth_token_hash(cookie, h, err);
    if (!rc)
        rc = db_prepare(db, SQL_SESSION_GET, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, h, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        snprintf(s->admin, sizeof(s->admin), "%s", sdb_column_text(st, 0));
        s->created_at = sdb_column_int64(st, 1);
        s->last_used = sdb_column_int64(st, 2);
        *state = ACCT_VALID;
        rc = 0;
    } else {
        rc = rc == SDB_DONE ? 0 : db_fail(err, db, "read session");
    }
    sdb_finalize(st);
    st = NULL;
    if (rc || *state != ACCT_VALID)
        return rc;
    if (now - s->created_at > max || now - s->last_used > idle) {
        /* left for the purge at the next login, so that it keeps saying
        ** "expired" until then */
        *state = ACCT_EXPIRED;
        memset(s, 0, sizeof(*s));
        return 0;
    }
    s->last_used = now;
    rc = db_prepare(db, SQL_SESSION_TOUCH, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 2, now);
    sdb_bind_text(st, 1, h, -1, SDB_STATIC);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "update session");
    sdb_finalize(st);
    return rc;
}

int acct_logout(sdb *db, const char *cookie, const struct audit_src *src,
                struct sw_err *err)
{
    char h[AUTH_HASH_LEN + 1];
    sdb_stmt *st = NULL;
    int rc;

    if (!acct_cookie_wellformed(cookie))
        return 0;
    rc = auth_token_hash(cookie, h, err);
    if (!rc)
        rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = db_prepare(db, SQL_SESSION_DEL, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, h, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "end session");
        sdb_finalize(st);
    }
    if (!rc)
        rc = audit_log(db, src, AUDIT_LOGOUT, NULL, NULL, err);
    if (!rc)
        return db_commit(db, err);
    db_rollback(db);
    return rc;
}
