/*
** due.h — what is due and overdue at a station (issue 15): visits asked
** for by next_visit_on, referrals by their follow-up date, high-risk open
** cases not visited for DUE_STALE_DAYS days; and the open referrals.
** Read by `swsync due`, `swsync referral list --open|--overdue` and the
** station console's home page.  Each query is a named constant in due.c,
** prepared and bound; dates are YYYY-MM-DD text ("today" is the caller's,
** so that tests and planning can fix it).
*/
#ifndef SW_DUE_H
#define SW_DUE_H

#include "sdb.h"
#include <stdio.h>

#include "desk.h"
#include "sw.h"

/* A high-risk open case is due a visit this many days after its last. */
#define DUE_STALE_DAYS 30

/* Most days ahead `due --days` looks. */
#define DUE_DAYS_MAX 3650

/*
** Everything due on or before today + days (days 0..DUE_DAYS_MAX),
** soonest first.  Columns: kind ("visit", "referral", "high_risk"),
** due_on, overdue ("1": due_on < today, else "0"), case id, case name,
** record id (the visit, the referral, the case), detail (a referral's
** need; a high-risk case's last visit date, NULL: never visited).
*/
enum {
    DUE_KIND,
    DUE_ON,
    DUE_OVERDUE,
    DUE_CASE_ID,
    DUE_NAME,
    DUE_ID,
    DUE_DETAIL,
    DUE_NCOLS
};
int due_list(sdb *db, const char *today, int days, struct desk_rows *out,
             struct sw_err *err);

/*
** Live referrals of live cases, newest first.  which: DUE_REF_OPEN
** (referred or accepted), DUE_REF_OVERDUE (open, follow-up date before
** today), DUE_REF_ALL.  Columns: id, case id, case name, need, resource
** (the directory entry's name, else resource_text), status, referred_on,
** follow_up_on, overdue ("1"/"0"), outcome.
*/
enum { DUE_REF_ALL, DUE_REF_OPEN, DUE_REF_OVERDUE };
enum {
    REF_ID,
    REF_CASE_ID,
    REF_NAME,
    REF_NEED,
    REF_RESOURCE,
    REF_STATUS,
    REF_ON,
    REF_FOLLOW_UP,
    REF_OVERDUE,
    REF_OUTCOME,
    REF_NCOLS
};
int due_referrals(sdb *db, const char *today, int which, struct desk_rows *out,
                  struct sw_err *err);

/*
** The county: per enrolled station, what is overdue on today (columns:
** station, visits overdue, referrals overdue, high-risk open cases not
** visited for DUE_STALE_DAYS days).
*/
enum { OVD_STATION, OVD_VISITS, OVD_REFERRALS, OVD_HIGH_RISK, OVD_NCOLS };
int due_overdue_by_station(sdb *db, const char *today, struct desk_rows *out,
                           struct sw_err *err);

/*
** The county: per enrolled station, the referrals open and overdue on
** today, and completed and declined in from..to (closed_on, else
** referred_on, in the period).  due_outcome_rate: completed of those
** closed in the period, in whole percent (rounded), -1 when none closed.
*/
enum {
    FIG_STATION,
    FIG_OPEN,
    FIG_OVERDUE,
    FIG_COMPLETED,
    FIG_DECLINED,
    FIG_NCOLS_SQL,
    FIG_NCOLS = FIG_NCOLS_SQL + 1
};
int due_referral_figures(sdb *db, const char *today, const char *from,
                         const char *to, struct desk_rows *out,
                         struct sw_err *err);
int due_outcome_rate(const struct desk_rows *r, int row);

/* A real date YYYY-MM-DD (for --today). */
int due_date_valid(const char *s);

/* Write rows of due_list as a JSON array to f (the `due --json` form). */
int due_print_json(FILE *f, const struct desk_rows *r, struct sw_err *err);

#endif
