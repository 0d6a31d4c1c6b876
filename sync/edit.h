/*
** edit.h — writing records of the replicated tables on a station
** replica: add, change, delete.  What `swsync case add|set|delete` does,
** as functions the station console calls (the capture triggers put each
** write in the outbox).  Column names come only from the table
** description; values are always bound.  One transaction a call; on any
** error nothing is written.
**
** vals[] has one entry per column of t (t->ncols): NULL means "not
** given" (edit_add: the default, if any) and, where given[] says the
** field is given, "clear it" (edit_set).
*/
#ifndef SW_EDIT_H
#define SW_EDIT_H

#include "sdb.h"

#include "sw.h"
#include "table.h"

/*
** Add a record: every given value passes sw_validate(), defaults fill
** the rest ("@today" is today[]), a required field missing is SW_EDATA
** naming it, the case of a visit or service must be a live case.  The
** new record's id into id[].
*/
int edit_add(sdb *db, const struct sw_table *t, const char *const *vals,
             const char *today, char id[SW_UUID_LEN + 1], struct sw_err *err);

/*
** Set the fields with given[c] != 0 to vals[c] on the live record id.
** A fixed field (SW_COL_FIXED) or a system one: SW_EDATA; no such live
** record: SW_EDATA "... not found".
*/
int edit_set(sdb *db, const struct sw_table *t, const char *id,
             const char *const *vals, const unsigned char *given,
             struct sw_err *err);

/* Delete (tombstone) the live record id.  None: SW_EDATA. */
int edit_delete(sdb *db, const struct sw_table *t, const char *id,
                struct sw_err *err);

#endif
