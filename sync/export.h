/*
** export.h — records out, for spreadsheets and other programs: the live
** (not deleted) records of one table, in a date range, of one station or
** all, as CSV or JSON.  The agent's and the county's `export` commands
** and the consoles' downloads call export_write(); it writes only to the
** FILE it is given and never prints anything else.
**
** CSV (RFC 4180, see csv.h): the UTF-8 BOM, a header row, one record a
** row, CRLF.  Columns: id, station, every field of the table in the
** table description's order (not `deleted`); visits and services add the
** case's id_number and name after case_id (so that a person can see whose
** record it is, and import can find the case by ID number).  With labels
** (codes = 0) the header holds the fields' labels in o->lang, choice
** values their labels, 0/1 fields 是/否 (yes/no), and an ID number is
** written as ="…" so that Excel keeps all 18 digits (import reads it
** back), and a text starting with = + - or @ gets a leading ' so that
** the spreadsheet does not take it as a formula (import takes it off);
** with codes = 1 header and values are the stored codes.
**
** JSON: an array of objects keyed by the codes, values as stored (codes
** always), plus case_id_number and case_name for visits and services.
*/
#ifndef SW_EXPORT_H
#define SW_EXPORT_H

#include "sdb.h"
#include <stdio.h>

#include "labels.h"
#include "sw.h"
#include "table.h"

enum export_format { EXPORT_CSV, EXPORT_JSON };

struct export_opts {
    const char *from;    /* YYYY-MM-DD, first day included; NULL: no bound */
    const char *to;      /* YYYY-MM-DD, last day included; NULL: no bound */
    const char *station; /* one station's records; NULL: all in the file */
    enum export_format format;
    int codes;         /* CSV: 1 codes in header and values, 0 labels */
    enum sw_lang lang; /* the labels' language */
};

/*
** The date field a table's range selects on: cases opened_on, visits
** visited_at (its date), services service_on.
*/
const char *export_date_field(const struct sw_table *t);

/*
** Check the options: from/to real dates (YYYY-MM-DD), from <= to, a
** station code well-formed.  SW_EUSAGE naming the option.
*/
int export_check_opts(const struct export_opts *o, struct sw_err *err);

/*
** Write t's records selected by o to out; *nrows (may be NULL) gets how
** many were written.  Reads in one read transaction, so the rows are one
** consistent state.  Errors: export_check_opts()'s, db_fail(), SW_EIO if
** writing out failed (out is then partly written: callers writing a file
** write a temporary one and rename it only on success).
*/
int export_write(sdb *db, const struct sw_table *t, const struct export_opts *o,
                 FILE *out, long *nrows, struct sw_err *err);

/*
** Write to the file path atomically: a temporary file (mode 0600) in the
** same directory, fsync'd, renamed over path only when everything was
** written; on any error nothing is left at path or beside it.  fn writes
** the content to the FILE it is given (arg is passed through).
*/
int export_to_file(const char *path,
                   int (*fn)(FILE *out, void *arg, struct sw_err *err),
                   void *arg, struct sw_err *err);

/*
** The command line both programs share:
**   export TABLE [--from DATE] [--to DATE] [--format csv|json] [--codes]
**          [-o FILE] [--station CODE (with EXPORT_ARGS_STATION)]
** argv holds the words after "export"; TABLE is cases|visits|services
** (or case|visit|service).  SW_EUSAGE naming what is wrong.
*/
#define EXPORT_ARGS_STATION 0x01
struct export_args {
    const struct sw_table *t;
    struct export_opts o;
    const char *outfile; /* NULL: the caller's FILE (stdout) */
};
int export_parse_args(int argc, char **argv, unsigned flags,
                      struct export_args *a, struct sw_err *err);

/*
** Run a parsed export: to a.outfile atomically (export_to_file), or to
** out.  *nrows gets the count.  A one-line summary for the audit trail
** ("cases csv 2026-11-01..2026-11-30 station A01: 12 records to FILE")
** goes into detail[size].
*/
int export_run(sdb *db, const struct export_args *a, FILE *out, long *nrows,
               char *detail, size_t size, struct sw_err *err);

/* The value of "--opt VALUE" / "--opt=VALUE" at argv[*i], advancing *i
** past a separate VALUE; NULL if argv[*i] is not opt.  *missing is set
** when opt is there without a value. */
const char *export_opt(int argc, char **argv, int *i, const char *opt,
                       int *missing);

#endif
