/*
** records.h — the record commands both CLIs share: FIELD=VALUE parsing
** against the table description, and `show` / `list` of a replicated
** table, text or JSON.  The agent (swsync case|visit|service) and the
** county (swsync-county case|visit|service) call the same code, so the
** two print records the same way.
**
** Column names come only from sw_tables[]; values are always bound.
** The functions never print to stderr and never exit: output goes to
** the FILE the caller gives, errors into err.
*/
#ifndef SW_RECORDS_H
#define SW_RECORDS_H

#include "sdb.h"
#include <stdio.h>

#include "sw.h"
#include "table.h"

/* One parsed FIELD=VALUE argument. */
struct rec_assign {
    int col;           /* index into t->cols */
    const char *value; /* points into argv or norm; NULL: clear the field */
    char norm[SW_NORM_MAX]; /* a date-time brought to the stored form */
};

/* "case" names the reference column of visits and services. */
const char *records_field_alias(const struct sw_table *t, const char *name);

/*
** Parse "field=value" arguments into out[] (room for t->ncols entries).
** Checks the field exists, is settable (not SW_COL_SYSTEM), is not given
** twice, and the value passes sw_validate().  "field=" clears it.
** Returns the count, or -1 with err filled (SW_EUSAGE or SW_EDATA).
*/
int records_parse_assigns(const struct sw_table *t, int argc, char **argv,
                          struct rec_assign *out, struct sw_err *err);

/*
** The stored form of an input value: for a choice field, the code of a
** code or of its Chinese or English label (category=独居老人 gives
** elderly_alone); any other value unchanged.  Fields may likewise be
** named by their label (出生日期=1950-01-01).
*/
const char *records_input_value(const struct sw_column *c, const char *v);

/*
** What `add` does with the fields it was not given: vals[] (t->ncols
** entries, NULL where not given) gets each column's default ("@today":
** today, YYYY-MM-DD in buf today[11], the caller's), and a required
** field still missing is SW_EDATA "TABLE.FIELD: is required".  The CLI's
** add and import call this one function, so both fill the same.
*/
int records_fill_defaults(const struct sw_table *t, const char **vals,
                          const char *today, struct sw_err *err);

/* Bind a validated text value for column c (NULL binds NULL). */
void records_bind_value(sdb_stmt *st, int idx, const struct sw_column *c,
                        const char *v);

/* Write a field value as one line: newline, tab, backslash escaped. */
void records_print_cell(FILE *f, const unsigned char *s);

/*
** `show ID [--json]`: argv holds the arguments after "show".  A record
** that does not exist or is deleted: SW_EDATA "case ID: not found".
*/
int records_show(sdb *db, const struct sw_table *t, int argc, char **argv,
                 FILE *out, struct sw_err *err);

#define RECORDS_LIST_STATION 0x01 /* accept --station CODE (county) */

/*
** `list [--json] [--where FIELD=VALUE|FIELD~TEXT]...`: argv holds the
** arguments after "list".  FIELD~TEXT: TEXT is part of the field's value
** (ASCII letters without regard to case).  With RECORDS_LIST_STATION,
*`--station CODE` is the
** same as `--where station=CODE`.  Text: the id and the SW_COL_LIST
** fields, tab-separated, one record a line; JSON: an array of objects.
*/
int records_list(sdb *db, const struct sw_table *t, int argc, char **argv,
                 unsigned flags, FILE *out, struct sw_err *err);

/*
** `case search TEXT [--json] [--limit N]` (and `--station CODE` with
** RECORDS_LIST_STATION): the cases search_cases() finds (search.h), best
** first, at most N (default 50; 0: all).  Text as `list`; JSON an array
** of objects as `list`'s with "match" (how it matched: search_rank_name).
*/
int records_search(sdb *db, int argc, char **argv, unsigned flags, FILE *out,
                   struct sw_err *err);

#endif
