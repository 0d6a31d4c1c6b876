/*
** account.h — the admin console's accounts, sessions and login
** throttling (schema/county.sql: admins, sessions, login_failures).
**
** Passwords, cookies and CSRF tokens are the shared web layer's
** (sync/web/session.h); this file keeps the county's storage of them.
** The store keeps only a cookie's SHA-256.  A session ends limits.max_ms
** after login, or after limits.idle_ms without a request, or at logout.
**
** Throttling: failed logins are counted per user name and client
** address together, and per client address; a failure more than
** ACCT_FAIL_WINDOW_MS after the previous one starts the count again.
** From the ACCT_USER_MAX-th failure of a user from one address
** (ACCT_ADDR_MAX-th of an address, whatever the names) on, attempts from
** there are refused without
** looking at the password until a delay has passed: 30 s, doubling with
** every further failure, at most 15 minutes.  Nothing sleeps.
*/
#ifndef SW_ACCOUNT_H
#define SW_ACCOUNT_H

#include "sdb.h"
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>

#include "audit.h"
#include "session.h"
#include "sw.h"

#define ACCT_USER_MAX 5
#define ACCT_ADDR_MAX 20
#define ACCT_FAIL_WINDOW_MS (15 * 60 * 1000)
#define ACCT_LOCK_BASE_MS (30 * 1000)
#define ACCT_LOCK_MAX_MS (15 * 60 * 1000)

/*
** Add an admin (name valid, password ACCT_PW_MIN..ACCT_PW_MAX bytes) and
** its audit row, in one transaction.  A name in use: SW_ECANTCREAT.
*/
int acct_admin_add(sdb *db, const char *name, const char *pw,
                   const struct audit_src *src, struct sw_err *err);

/* Remove an admin, its sessions and write the audit row, in one
** transaction.  An unknown name: SW_EDATA. */
int acct_admin_remove(sdb *db, const char *name, const struct audit_src *src,
                      struct sw_err *err);

/* [{name, created_at, created_by, sessions, last_login}], by name. */
int acct_admins_json(sdb *db, cJSON **out, struct sw_err *err);

enum acct_outcome { ACCT_OK, ACCT_DENIED, ACCT_THROTTLED };

/*
** A login attempt of user `name` from address `client` (sessions past
** the limits lim are purged on the way).  ACCT_OK: a new
** session, its cookie in cookie[]; ACCT_DENIED: wrong name or password
** (counted and audited); ACCT_THROTTLED: refused before the password was
** looked at, *retry_after_s seconds to wait.  The slow hash runs outside
** any transaction; the write that records the outcome holds wlock (the
** server's writer lock, or NULL) for its transaction only.  Returns 0
** (see *outcome) or an error code.
*/
int acct_login(sdb *db, const char *name, const char *pw, const char *client,
               const struct acct_limits *lim, pthread_mutex_t *wlock,
               enum acct_outcome *outcome, char cookie[ACCT_COOKIE_LEN + 1],
               int64_t *retry_after_s, struct sw_err *err);

struct acct_session {
    char admin[ACCT_NAME_MAX + 1];
    int64_t created_at, last_used;
};

enum acct_state { ACCT_NONE, ACCT_EXPIRED, ACCT_VALID };

/*
** The session of a cookie: ACCT_VALID (and its last use set to now),
** ACCT_EXPIRED (its row stays until a login purges it) or ACCT_NONE.  Returns 0
*or an error code.
*/
int acct_session_get(sdb *db, const char *cookie, const struct acct_limits *lim,
                     struct acct_session *s, enum acct_state *state,
                     struct sw_err *err);

/* End the session of a cookie and write the audit row (one transaction). */
int acct_logout(sdb *db, const char *cookie, const struct audit_src *src,
                struct sw_err *err);

#endif
