/*
** audit.h — the county's audit trail: one row per admin action, web or
** CLI, in the append-only table `audit` (schema/county.sql: triggers
** refuse UPDATE and DELETE).
**
** Who: the admin's user name (web), or "cli:" and the operating system
** user (CLI).  Where from: the client address (web), or "cli".  What: an
** action word (AUDIT_* below) with a target and one line of details,
** which never hold a password or a token.
*/
#ifndef SW_AUDIT_H
#define SW_AUDIT_H

#include "sdb.h"
#include <cjson/cJSON.h>
#include <stdint.h>

#include "sw.h"

/* The actions. */
#define AUDIT_LOGIN "login"
#define AUDIT_LOGIN_FAILED "login_failed"
#define AUDIT_LOGOUT "logout"
#define AUDIT_STATION_ADD "station_add"
#define AUDIT_TOKEN_NEW "token_new"
#define AUDIT_REVOKE "revoke"
#define AUDIT_RESOLVE "resolve"
#define AUDIT_RECORD_SET "record_set"
#define AUDIT_RECORD_ADD "record_add"       /* a county-owned record made */
#define AUDIT_RECORD_DELETE "record_delete" /* and deleted */
#define AUDIT_ADMIN_ADD "admin_add"
#define AUDIT_ADMIN_REMOVE "admin_remove"
#define AUDIT_EXPORT "export" /* records written out (target: the table) */
#define AUDIT_REPORT "report" /* a monthly report (target: station or all) */
#define AUDIT_VIEW "view"     /* a person's record shown (target) */
#define AUDIT_REVEAL "reveal" /* its ID number and phone unmasked */
#define AUDIT_SEARCH "search" /* records listed or searched (how many) */
#define AUDIT_PURGE "purge"   /* a person erased (target: cases/ID) */
#define AUDIT_RETENTION "retention" /* a retention run */
#define AUDIT_TRANSFER "transfer"   /* a case moved (target: cases/ID) */
#define AUDIT_TRANSFER_DECLINE "transfer_decline" /* a request declined */
#define AUDIT_RETENTION "retention"               /* a retention run */
#define AUDIT_DUP_NOT_SAME "dup_not_same" /* two cases: not one person */
#define AUDIT_DUP_LINK "dup_link"         /* two cases: one person */
#define AUDIT_DUP_UNDO "dup_undo"         /* such a decision taken back */
#define AUDIT_STATION_SET "station_set"   /* a station's name or contact */

#define AUDIT_ACTOR_MAX 80
#define AUDIT_SOURCE_MAX 64
#define AUDIT_DETAILS_MAX 1000 /* bytes; longer details are cut */

/* Who acts, and from where. */
struct audit_src {
    char actor[AUDIT_ACTOR_MAX + 1];
    char source[AUDIT_SOURCE_MAX + 1];
};

/* "cli:" + the effective user's login name (or "cli:uid=N"), from "cli". */
void audit_cli_src(struct audit_src *src);

/*
** Append one row.  target and details may be NULL; details longer than
** AUDIT_DETAILS_MAX are cut at a character boundary, and control
** characters become spaces.  Runs in the caller's transaction, if any.
** Returns 0 or db_fail().
*/
int audit_log(sdb *db, const struct audit_src *src, const char *action,
              const char *target, const char *details, struct sw_err *err);
/* The same, and the new row's id into *id (may be NULL). */
int audit_log_id(sdb *db, const struct audit_src *src, const char *action,
                 const char *target, const char *details, int64_t *id,
                 struct sw_err *err);

/*
** The newest rows first, at most limit (1..10000), only those with
** id < before if before > 0, only actor's if actor is not NULL or
** empty, only those about record (a record id: the target names it, or
** the details do) if record is not NULL or empty: an array of {id, at,
** actor, action, target, details, source}; at in ms since the epoch.
** *out is the caller's.
*/
int audit_json(sdb *db, int64_t limit, int64_t before, const char *actor,
               const char *record, cJSON **out, struct sw_err *err);

#endif
