/*
** workers.c — station workers and their console sessions (see
** workers.h).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "workers.h"

static const char SQL_GET[] = "SELECT pw_hash FROM workers WHERE name = ?1";
static const char SQL_ADD[] =
    "INSERT INTO workers (name, pw_hash, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_DEL[] = "DELETE FROM workers WHERE name = ?1";
static const char SQL_DEL_SESSIONS[] =
    "DELETE FROM worker_sessions WHERE worker = ?1";
static const char SQL_DEL_OTHER_SESSIONS[] =
    "DELETE FROM worker_sessions WHERE worker = ?1 AND id_hash <> ?2";
static const char SQL_SET_PW[] =
    "UPDATE workers SET pw_hash = ?2 WHERE name = ?1";
static const char SQL_LIST[] =
    "SELECT w.name, w.created_at, (SELECT count(*) FROM worker_sessions AS s "
    "WHERE s.worker = w.name) FROM workers AS w ORDER BY w.name";
static const char SQL_PURGE[] = "DELETE FROM worker_sessions "
                                "WHERE created_at < ?1 OR last_used < ?2";
static const char SQL_SESSION_ADD[] =
    "INSERT INTO worker_sessions (id_hash, worker, created_at, last_used) "
    "VALUES (?1, ?2, ?3, ?3)";
static const char SQL_SESSION_GET[] =
    "SELECT worker, created_at, last_used FROM worker_sessions "
    "WHERE id_hash = ?1";
static const char SQL_SESSION_TOUCH[] =
    "UPDATE worker_sessions SET last_used = ?2 WHERE id_hash = ?1";
static const char SQL_SESSION_DEL[] =
    "DELETE FROM worker_sessions WHERE id_hash = ?1";

static int64_t lim_idle(const struct acct_limits *lim)
{
    return lim && lim->idle_ms > 0 ? lim->idle_ms : ACCT_DEFAULT_IDLE_MS;
}

static int64_t lim_max(const struct acct_limits *lim)
{
    return lim && lim->max_ms > 0 ? lim->max_ms : ACCT_DEFAULT_MAX_MS;
}

/* The stored hash of a worker into *out (malloc'd; NULL: no such worker). */
static int get_hash(sdb *db, const char *name, char **out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_GET, &st, err);

    *out = NULL;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, name, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *out = strdup((const char *)sdb_column_text(st, 0));
        rc = *out ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else {
        rc = rc == SDB_DONE ? 0 : db_fail(err, db, "look up worker");
    }
    sdb_finalize(st);
    return rc;
}

/* Run a statement binding text a and b (b may be NULL: not bound). */
static int exec_tt(sdb *db, const char *sql, const char *a, const char *b,
                   struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, a, -1, SDB_STATIC);
    if (b)
        sdb_bind_text(st, 2, b, -1, SDB_STATIC);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "workers");
    sdb_finalize(st);
    return rc;
}

static int pw_ok(const char *pw, struct sw_err *err)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < ACCT_PW_MIN)
        return sw_fail(err, SW_EDATA,
                       _("the password is too short (at least %d characters)"),
                       ACCT_PW_MIN);
    if (n > ACCT_PW_MAX)
        return sw_fail(err, SW_EDATA, _("the password is too long"));
    return 0;
}

int workers_add(sdb *db, const char *name, const char *pw, struct sw_err *err)
{
    char *hash = NULL, *have = NULL;
    sdb_stmt *st = NULL;
    int rc;

    if (!acct_name_valid(name))
        return sw_fail(err, SW_EDATA,
                       _("'%s': not a valid worker name (1-64 of letters, "
                         "digits, _ . - @)"),
                       name ? name : "");
    rc = pw_ok(pw, err);
    if (!rc)
        rc = acct_hash_password(pw, &hash, err);
    if (!rc)
        rc = db_begin(db, err);
    if (rc)
        goto out;
    rc = get_hash(db, name, &have, err);
    if (!rc && have)
        rc = sw_fail(err, SW_ECANTCREAT, _("worker %s already exists"), name);
    if (!rc)
        rc = db_prepare(db, SQL_ADD, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, name, -1, SDB_STATIC);
        sdb_bind_text(st, 2, hash, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "add worker");
    }
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
out:
    sdb_finalize(st);
    free(hash);
    free(have);
    return rc;
}

int workers_remove(sdb *db, const char *name, struct sw_err *err)
{
    int rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = exec_tt(db, SQL_DEL, name, NULL, err);
    if (!rc && sdb_changes(db) == 0)
        rc = sw_fail(err, SW_EDATA, _("no worker named %s"), name);
    if (!rc)
        rc = exec_tt(db, SQL_DEL_SESSIONS, name, NULL, err);
    if (!rc)
        return db_commit(db, err);
    db_rollback(db);
    return rc;
}

int workers_each(sdb *db,
                 int (*fn)(void *arg, const char *name, int64_t created_at,
                           int64_t sessions),
                 void *arg, struct sw_err *err)
{
    sdb_stmt *st;
    int step, rc = db_prepare(db, SQL_LIST, &st, err);
    if (rc)
        return rc;
    while ((step = sdb_step(st)) == SDB_ROW) {
        rc = fn(arg, (const char *)sdb_column_text(st, 0),
                sdb_column_int64(st, 1), sdb_column_int64(st, 2));
        if (rc)
            break;
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "list workers");
    sdb_finalize(st);
    return rc;
}

int workers_login(sdb *db, const char *name, const char *pw,
                  const struct acct_limits *lim, int *ok,
                  char cookie[ACCT_COOKIE_LEN + 1], struct sw_err *err)
{
    char *hash = NULL, h[ACCT_HASH_HEX_LEN + 1];
    sdb_stmt *st = NULL;
    int64_t now;
    int rc;

    *ok = 0;
    cookie[0] = '\0';
    if (!acct_name_valid(name) || !pw)
        return acct_verify_password("x", acct_dummy_hash), 0;
    rc = get_hash(db, name, &hash, err);
    if (rc)
        return rc;
    /* the slow hash, outside any transaction, known name or not */
    *ok = acct_verify_password(pw, hash ? hash : acct_dummy_hash) && hash;
    free(hash);
    if (!*ok)
        return 0;
    now = sw_now_ms(); /* after the slow hash: the session starts now */
    rc = acct_cookie_new(cookie, err);
    if (!rc)
        rc = acct_cookie_hash(cookie, h, err);
    if (!rc)
        rc = db_begin(db, err);
    if (rc)
        goto fail;
    rc = db_prepare(db, SQL_PURGE, &st, err);
    if (!rc) {
        sdb_bind_int64(st, 1, now - lim_max(lim));
        sdb_bind_int64(st, 2, now - lim_idle(lim));
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "purge sessions");
        sdb_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = db_prepare(db, SQL_SESSION_ADD, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, h, -1, SDB_STATIC);
        sdb_bind_text(st, 2, name, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, now);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "start session");
        sdb_finalize(st);
    }
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
    if (!rc)
        return 0;
fail:
    *ok = 0;
    memset(cookie, 0, ACCT_COOKIE_LEN + 1);
    return rc;
}

int workers_session(sdb *db, const char *cookie, const struct acct_limits *lim,
                    char worker[ACCT_NAME_MAX + 1], enum workers_state *state,
                    struct sw_err *err)
{
    char h[ACCT_HASH_HEX_LEN + 1];
    sdb_stmt *st = NULL;
    int64_t now = sw_now_ms(), created = 0, used = 0;
    int rc;

    worker[0] = '\0';
    *state = WORKERS_NONE;
    if (!acct_cookie_wellformed(cookie))
        return 0;
    rc = acct_cookie_hash(cookie, h, err);
    if (!rc)
        rc = db_prepare(db, SQL_SESSION_GET, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, h, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        snprintf(worker, ACCT_NAME_MAX + 1, "%s", sdb_column_text(st, 0));
        created = sdb_column_int64(st, 1);
        used = sdb_column_int64(st, 2);
        *state = WORKERS_VALID;
        rc = 0;
    } else {
        rc = rc == SDB_DONE ? 0 : db_fail(err, db, "read session");
    }
    sdb_finalize(st);
    if (rc || *state != WORKERS_VALID)
        return rc;
    if (now - created > lim_max(lim) || now - used > lim_idle(lim)) {
        *state = WORKERS_EXPIRED;
        worker[0] = '\0';
        return 0;
    }
    rc = db_prepare(db, SQL_SESSION_TOUCH, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, h, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, now);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "update session");
    sdb_finalize(st);
    return rc;
}

int workers_logout(sdb *db, const char *cookie, struct sw_err *err)
{
    char h[ACCT_HASH_HEX_LEN + 1];
    int rc;
    if (!acct_cookie_wellformed(cookie))
        return 0;
    rc = acct_cookie_hash(cookie, h, err);
    return rc ? rc : exec_tt(db, SQL_SESSION_DEL, h, NULL, err);
}

int workers_set_password(sdb *db, const char *name, const char *old,
                         const char *pw, const char *keep_cookie, int *ok,
                         struct sw_err *err)
{
    char *hash = NULL, *newhash = NULL, h[ACCT_HASH_HEX_LEN + 1] = "";
    int rc;

    *ok = 0;
    rc = get_hash(db, name, &hash, err);
    if (rc || !hash)
        goto out;
    if (!acct_verify_password(old ? old : "", hash))
        goto out;
    *ok = 1;
    rc = pw_ok(pw, err);
    if (!rc)
        rc = acct_hash_password(pw, &newhash, err);
    if (!rc && keep_cookie && acct_cookie_wellformed(keep_cookie))
        rc = acct_cookie_hash(keep_cookie, h, err);
    if (!rc)
        rc = db_begin(db, err);
    if (rc)
        goto out;
    rc = exec_tt(db, SQL_SET_PW, name, newhash, err);
    if (!rc)
        rc = exec_tt(db, SQL_DEL_OTHER_SESSIONS, name, h, err);
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
out:
    free(hash);
    free(newhash);
    return rc;
}
