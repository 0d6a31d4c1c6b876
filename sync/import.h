/*
** import.h — records in from a spreadsheet saved as CSV: `swsync import
** cases|visits|services FILE.csv`.
**
** The file: UTF-8 (with or without the BOM) or GB18030 (GBK), detected
** or named (csv.h).  The first row is the header: each cell a field's
** code (birth_date) or its label in Chinese or English (出生日期, birth
** date); `id` keeps the record's id; `station` is ignored (a case belongs
** to this replica's station, a visit or service to its case's); an empty
** header cell's column is ignored, and so is the reject file's problem
** column; any other header is an error.  Visits and services find their
** case by case_id (a case's id, header 案主/case/case_id) or, when that is
** empty, by the case's ID number (header id_number / 身份证号, as export
** writes it); the case's name column of an export is ignored.
**
** Values: codes or labels for choices (高 / high), 是/否, yes/no or 0/1
** for 0/1 fields, dates as YYYY-MM-DD or YYYY/M/D, date-times also as
** RFC 3339 with an offset (sw_normalize), ID numbers also as ="…" (as
** export writes them for Excel), amounts also with a leading ¥ and
** thousands commas.  An empty cell is a field not given: add's defaults
** fill it (records_fill_defaults), an update leaves it as it is.
**
** Every row is checked first, all problems of all rows collected (line
** and field); nothing is written unless every row is good, or with
** skip_bad the good rows are written and the bad ones go to the reject
** file.  All writes are one transaction.
**
** Re-importing does not duplicate.  A row is matched to an existing live
** record, and then updates the fields its non-empty cells give (a row
** that changes nothing is counted unchanged), by:
**   its id, if the row has one (a new id is inserted as that id);
**   cases: else the ID number, else name and birth date together;
**   visits: else the same case, visited_at and mode;
**   services: else the same case, service_on and service_type.
** A row matching a deleted record's id is refused.
*/
#ifndef SW_IMPORT_H
#define SW_IMPORT_H

#include "sdb.h"
#include <stdio.h>

#include "sw.h"
#include "table.h"

struct import_opts {
    const char *encoding; /* "utf-8", "gb18030", or NULL: detect */
    int dry_run;          /* check every row, write nothing */
    int skip_bad;         /* write the good rows, the bad to rejects */
    const char *station;  /* the replica's station, owner of new cases */
    const char *today;    /* YYYY-MM-DD, for "@today" defaults */
};

struct import_result {
    const char *encoding; /* the one taken (static) */
    long rows;            /* data rows read */
    long inserted, updated, unchanged, bad;
    struct sw_buf problems; /* "line N: PROBLEM\n" a problem */
};

void import_result_init(struct import_result *r);
void import_result_release(struct import_result *r);

/*
** Import the CSV bytes data[len] into t.  rejects (with skip_bad; may be
** NULL) gets the bad rows as CSV: BOM, the file's header and a problem
** column, each bad row's cells as they were.  Returns 0 when every row
** was good (or skip_bad); SW_EDATA "N of M rows have problems; nothing
** imported" with res->problems listing them; SW_EDATA / SW_EUSAGE for a
** file that cannot be read as CSV or has unknown headers (nothing
** written); db_fail() codes.  On any error nothing is written.
*/
int import_csv(sdb *db, const struct sw_table *t, const char *data, size_t len,
               const struct import_opts *o, FILE *rejects,
               struct import_result *res, struct sw_err *err);

#endif
