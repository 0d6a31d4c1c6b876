/*
** dups.h — the same person at two stations (issue 15 item 5): possible
** duplicates found by grouping cases on the ID number (strong) and on
** name and birth date (weak), an admin's decision about a pair (not the
** same person, or linked; both audited and reversible, nothing merged),
** and the link notices a station's pull carries (docs/design-notes.md
** "The same person at two stations").
*/
#ifndef SW_DUPS_H
#define SW_DUPS_H

#include "sdb.h"
#include <cjson/cJSON.h>

#include "audit.h"
#include "change.h"
#include "sw.h"

#define DUPS_NOTE_MAX 500 /* bytes of an admin's note */

/* The decisions (dup_pairs.state); DUPS_UNDO removes the decision. */
enum dups_decision { DUPS_NOT_SAME, DUPS_LINK, DUPS_UNDO };

/*
** The possible duplicates, strong ones first: an array of {"a": CASE,
** "b": CASE, "reason": "id_number" | "name_birth" | null (a decided pair
** that no longer matches), "strength": "strong" | "weak" | "none",
** "state": "open" | "linked" | "not_same", "note", "admin",
** "decided_at"}, each CASE {"id", "station", "station_name", "name"};
** a.id < b.id.  Pairs marked not the same person only when all != 0.
*/
int dups_list_json(sdb *db, int all, cJSON **out, struct sw_err *err);

/*
** Decide about the pair of cases a and b (any order; two cases of
** different stations): mark them not the same person, link them, or undo
** the decision (DUPS_UNDO).  note: 1..DUPS_NOTE_MAX bytes, required.
** Audited, in one transaction.  Unknown case: SW_ENOINPUT; the same
** decision again, or nothing to undo: SW_EDATA.
*/
int dups_decide(sdb *db, const char *a, const char *b, enum dups_decision d,
                const char *note, const struct audit_src *src,
                struct sw_err *err);

/*
** The link notices of station's cases (each linked case with the other
** station's code, name and contact) and their digest, into b; when the
** digest equals `known` (what the agent holds), b gets nothing.
*/
int dups_pull_links(sdb *db, const char *station, const char *known,
                    struct sw_batch *b, struct sw_err *err);

#define DUPS_CONTACT_MAX SW_LINK_TEXT_MAX

/*
** swsync-county station set CODE name=... contact=...: either may be NULL
** (unchanged) or "" (cleared).  Audited (station_set).
*/
int dups_station_set(sdb *db, const char *code, const char *name,
                     const char *contact, const struct audit_src *src,
                     struct sw_err *err);

#endif
