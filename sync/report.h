/*
** report.h — the month's summary a station reports upward, and the
** county sums over its stations: report_month() counts, the renderers
** write it as a text table, JSON or CSV.  The agent's and the county's
** `report month` commands and the consoles' report pages call these; they
** print nothing but to the FILE given.
**
** What is counted, over live (not deleted) records of the station (or
** of all stations in the file when station is NULL):
**   new cases     opened_on in the month, by category;
**   closed cases  status closed and closed_on in the month, by category;
**   visits        visited_at in the month, by mode;
**   services      service_on in the month, by service_type: how many,
**                 and the sum of amount (exact, in cents);
**   follow-ups    due: visits whose next_visit_on is in the month; done:
**                 of those, the ones whose case has a later visit (a
**                 visited_at after the visit that asked for it) on or
**                 before the month's last day;
**   high risk     open cases of risk_level high, opened on or before the
**                 reference day, with no visit in the 30 days up to it:
**                 the reference day is the month's last day, or today if
**                 the month has not ended.  Status and risk are as they
**                 are now (the replica keeps no history of them).
*/
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include "sdb.h"
#include <stdio.h>

#include "labels.h"
#include "sw.h"

#define REPORT_MAX_CHOICES 16
#define REPORT_UNVISITED_DAYS 30

struct report_service {
    char *type; /* service_type, malloc'd */
    long count;
    long long cents; /* sum of amount, in cents */
};

struct report_case {
    char id[SW_UUID_LEN + 1];
    char *name, *village, *last_visit; /* malloc'd; NULL when none */
};

struct report {
    char month[32];                /* YYYY-MM */
    char first[32], last[32];      /* the month's first and last day */
    char ref_day[32];              /* the high-risk reference day */
    char station[SW_CODE_MAX + 1]; /* "" for all stations */
    /* indexed like the column's allowed[] (cases.category, visits.mode) */
    int ncategories, nmodes;
    long new_cases[REPORT_MAX_CHOICES], closed_cases[REPORT_MAX_CHOICES];
    long new_total, closed_total;
    long visits[REPORT_MAX_CHOICES], visits_total;
    struct report_service *services; /* by type, most first */
    int nservices;
    long services_total;
    long long cents_total;
    long followups_due, followups_done;
    struct report_case *unvisited; /* high-risk open cases not visited */
    int nunvisited;
};

/*
** Count the month yyyymm ("2026-11") of station (NULL: all stations).
** Reads in one read transaction.  SW_EUSAGE for a month that is not
** YYYY-MM or a bad station code; db_fail() otherwise.  *out is filled
** (release it with report_release, also after an error).
*/
int report_month(sdb *db, const char *yyyymm, const char *station,
                 struct report *out, struct sw_err *err);
void report_release(struct report *r);

/* Renderers: labels in lang for text and CSV, codes in JSON. */
void report_write_text(FILE *out, const struct report *r, enum sw_lang lang);
int report_write_json(FILE *out, const struct report *r, struct sw_err *err);
/* CSV (UTF-8 BOM, CRLF): section, item, count, amount — one row a figure */
void report_write_csv(FILE *out, const struct report *r, enum sw_lang lang);

/* Records the report counted, for the audit trail's "how many". */
long report_records(const struct report *r);

/*
** The command line both programs share:
**   report month YYYY-MM [--json | --format text|json|csv] [-o FILE]
**          [--station CODE (with REPORT_ARGS_STATION)]
** argv holds the words after "report".
*/
#define REPORT_ARGS_STATION 0x01
enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };
struct report_args {
    const char *month;
    const char *station;
    enum report_format format;
    const char *outfile;
    enum sw_lang lang;
};
int report_parse_args(int argc, char **argv, unsigned flags,
                      struct report_args *a, struct sw_err *err);

/*
** Count and write the report (to a.outfile atomically, or out); a
** one-line summary for the audit trail goes into detail[size]; *nrec
** gets report_records().
*/
int report_run(sdb *db, const struct report_args *a, FILE *out, long *nrec,
               char *detail, size_t size, struct sw_err *err);

#endif
