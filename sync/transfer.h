/*
** transfer.h — moving a case with its visits and services from one
** station to another (issue 15; docs/design-notes.md, "Case transfer").
**
** Ownership — the `station` of a case and of its children — is one
** versioned field of the case (merge_owner_* in merge.h): a transfer is a
** county write of it.  At the county the rows are re-stamped into the new
** station's pull stream (new sequence numbers, every field, so that its
** replicas get the whole history) and the old station gets an erase order
** that says where the case went.  A former owner's replica that edited
** the case before it learnt of the transfer still has the edit taken
** (transfer_admit), as an 'edit_after_transfer' conflict.
*/
#ifndef SW_TRANSFER_H
#define SW_TRANSFER_H

#include "sdb.h"
#include <stdint.h>
#include <stdio.h>

#include "change.h"
#include "store.h"

struct transfer_result {
    char from[SW_CODE_MAX + 1]; /* the station that had the case */
    long records;               /* the case, its visits and services */
    long fields;                /* field versions re-stamped */
};

/*
** County, between store_begin and store_commit: move case case_id to
** station `to`, with the ownership version written by the merge rule,
** admin and note (1..SW_NOTE_MAX bytes of UTF-8, without the person's
** name, ID number or phone: the old station sees it) kept in
** `transfers`; request: the transfer_requests id it answers, or 0.
** An unknown case: SW_ENOINPUT; an unknown station, the station it is
** at already, a bad note: SW_EUSAGE.  On error the caller aborts.
*/
int transfer_case(struct store *s, const char *case_id, const char *to,
                  const char *note, const char *admin, int64_t request,
                  struct transfer_result *res, struct sw_err *err);

/*
** County, in the push's transaction: of the changes v[0..n-1] pushed by
** `station`, those of records of a case it owned and that was moved away
** since, written on a base older than a transfer away from it
** (merge_left_after; a new record: the case ever left station), are
** re-addressed to the case's current station, each record whole or not
** at all, and marked moved[i] = 1 (merge with MERGE_MOVED).  Anything
** else is left as it is, for the merge to refuse as another station's.
*/
int transfer_admit(struct store *s, const char *station, struct sw_change *v,
                   size_t n, char *moved, struct sw_err *err);

/*
** Station, in the pull's transaction: the pull answer's moves (erase
** orders with `to`) noted in moved_cases; each case erased with its
** children (purge_erase_local) unless this replica has unsent edits of
** it: then it waits (waiting = 1) until they are pushed.  Cases of the
** answer's rows that come back remove their moved line.  Then, when
** at_end (the answer ends an ordinary pull: b->more is 0, not a column
** backfill), cases waiting without unsent edits are erased; before the
** end of the stream the case may have come back, with edits this replica
** pushed since that the county does not send back to it
** (docs/design-notes.md, "Case transfer").  *erased: records erased.
*/
int transfer_apply_pull(sdb *db, const struct sw_batch *b, int at_end,
                        long *erased, struct sw_err *err);

/*
** Station: ask the county to move case case_id (this station's) to
** station `to`: a line of the local audit (action TRANSFER_ASK_ACTION,
** detail "CASE_ID TO NOTE") that the sync sends with the others (POST
** /v1/audit); the county keeps it as a request its admin confirms or
** declines.  who: the worker or "cli:USER".  A case that is not here, a
** bad station or note: SW_EUSAGE.
*/
#define TRANSFER_ASK_ACTION "transfer_request"
int transfer_ask(sdb *db, const char *station, const char *case_id,
                 const char *to, const char *note, const char *who,
                 struct sw_err *err);

/* A note as transfers take it: 1..SW_NOTE_MAX bytes of UTF-8 on one
** line. */
int transfer_note_ok(const char *note);

/* Station: the moved cases, newest first, as text lines (case id, new
** station, date, note) or a JSON array to out. */
int transfer_moved_list(sdb *db, int json, FILE *out, struct sw_err *err);

#endif
