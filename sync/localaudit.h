/*
** localaudit.h — the station's own append-only audit trail, the table
** local_audit of the replica (schema/station-local.sql): exports,
** reports and imports from the command line, sign-ins and exports of the
** station console.  It stays on the station PC: it is not replicated.
*/
#ifndef SW_LOCALAUDIT_H
#define SW_LOCALAUDIT_H

#include "sdb.h"
#include <stdio.h>

#include "sw.h"

#define AUDIT_LOCAL_WHO_MAX 80
#define AUDIT_LOCAL_DETAIL_MAX 1000 /* bytes; longer details are cut */

/*
** Append one row (at = now).  who: "cli:" and the OS user
** (audit_local_cli_who) or the console's worker; action: one word
** ("export", "report", "import", "login" ...); detail: one line saying
** what and how many, never a password or a token (may be NULL).  Control
** characters become spaces; detail is cut at a character boundary.
** Runs in the caller's transaction if there is one.  Returns 0 or
** db_fail().
*/
int audit_local(sdb *db, const char *who, const char *action,
                const char *detail, struct sw_err *err);

/* "cli:" + the effective user's login name (or "cli:uid=N") into buf. */
void audit_local_cli_who(char buf[AUDIT_LOCAL_WHO_MAX + 1]);

/*
** The newest `limit` rows (1..10000), newest first, to out: text, one row
** a line (local time, who, action, detail, tab-separated; the detail's
** control characters escaped), or with json an array of {id, at (ms since
** the epoch), who, action, detail}.  Returns 0 or db_fail().
*/
int audit_local_list(sdb *db, long limit, int json, FILE *out,
                     struct sw_err *err);

#endif
