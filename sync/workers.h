/*
** workers.h — the station console's sign-in: the workers of a station
** (swsync worker add|list|remove) and their sessions, kept in the replica
** (tables workers and worker_sessions, schema/station-local.sql: local,
** never replicated, no schema version).  Passwords, cookies and CSRF
** tokens are the shared web layer's (sync/web/session.h), so they work as
** the county console's do.
**
** A session ends lim->max_ms after sign-in, after lim->idle_ms without
** a request, at sign-out, or when its worker is removed.
*/
#ifndef SW_WORKERS_H
#define SW_WORKERS_H

#include "sdb.h"
#include <stdint.h>

#include "session.h"
#include "sw.h"

/*
** Add a worker (a name valid for acct_name_valid, a password of
** ACCT_PW_MIN..ACCT_PW_MAX bytes).  A name in use: SW_ECANTCREAT; a bad
** name or password: SW_EDATA.  The slow hash runs before the write.
*/
int workers_add(sdb *db, const char *name, const char *pw, struct sw_err *err);

/* Remove a worker and end their sessions (one transaction).  An unknown
** name: SW_EDATA. */
int workers_remove(sdb *db, const char *name, struct sw_err *err);

/* Call fn for every worker, by name; a non-zero return from fn stops and
** is returned. */
int workers_each(sdb *db,
                 int (*fn)(void *arg, const char *name, int64_t created_at,
                           int64_t sessions),
                 void *arg, struct sw_err *err);

/*
** Check a worker's password; on success start a session (sessions past
** lim are purged on the way) and put its cookie into cookie[].  *ok is 1
** or 0 (unknown name or wrong password: the same time is spent).
*/
int workers_login(sdb *db, const char *name, const char *pw,
                  const struct acct_limits *lim, int *ok,
                  char cookie[ACCT_COOKIE_LEN + 1], struct sw_err *err);

enum workers_state { WORKERS_NONE, WORKERS_EXPIRED, WORKERS_VALID };

/*
** The worker of a session cookie into worker[ACCT_NAME_MAX + 1] when
** *state is WORKERS_VALID (its last use is then set to now).
*/
int workers_session(sdb *db, const char *cookie, const struct acct_limits *lim,
                    char worker[ACCT_NAME_MAX + 1], enum workers_state *state,
                    struct sw_err *err);

/* End the session of a cookie (nothing if there is none). */
int workers_logout(sdb *db, const char *cookie, struct sw_err *err);

/*
** Change a worker's password: old must match (else *ok = 0, nothing
** changes); a new password out of bounds: SW_EDATA.  The worker's other
** sessions end.
*/
int workers_set_password(sdb *db, const char *name, const char *old,
                         const char *pw, const char *keep_cookie, int *ok,
                         struct sw_err *err);

#endif
