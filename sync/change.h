/*
** change.h — versions, field changes and batches: what the engine moves.
*/
#ifndef SW_CHANGE_H
#define SW_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "sw.h"

struct sw_table;

/* A site id: a station code plus '-' and a random suffix, or the county
** code.  Same characters as a code (sw_code_valid), at most 40. */
#define SW_SITE_MAX 40

/* A version: (hlc, site), ordered by hlc, then site (strcmp).
** hlc == 0 means "no version" (a field never written). */
struct sw_version {
    int64_t hlc;
    char site[SW_SITE_MAX + 1];
};

/* <0, 0, >0 as a is older than, equal to, newer than b. */
int sw_version_cmp(const struct sw_version *a, const struct sw_version *b);
/* True if both are "no version" or equal. */
int sw_version_eq(const struct sw_version *a, const struct sw_version *b);
/* A site id is valid: sw_code_valid() rules, up to SW_SITE_MAX. */
int sw_site_valid(const char *s);

/* The type of a field value: the SQLite fundamental types we use. */
enum sw_vtype { SW_V_NULL = 5, SW_V_INT = 1, SW_V_TEXT = 3 };

/*
** One field change: table, row, column, value, version, base version.
** text is malloc'd and owned by the change (or by the batch it is in).
*/
struct sw_change {
    int tbl;                  /* index into sw_tables */
    char id[SW_UUID_LEN + 1]; /* row id */
    char station[SW_CODE_MAX + 1];
    int col;      /* index into sw_tables[tbl].cols */
    int vtype;    /* enum sw_vtype */
    int64_t ival; /* SW_V_INT */
    char *text;   /* SW_V_TEXT, NUL-terminated UTF-8 */
    struct sw_version ver;
    struct sw_version base; /* hlc == 0: the writer had no version */
    int64_t seq; /* push: the writer's outbox sequence; pull: 0 (not sent) */
    /* a tombstone (deleted = 1) only: the versions of the record's fields
       its writer had seen, "HLC@SITE=col,col;HLC@SITE=col" (sw_seen_*);
       "" saw none; NULL not said (a writer before it was sent).  malloc'd
       and owned like text. */
    char *seen;
};

void change_release(struct sw_change *c); /* frees text, seen; NULL is fine */

/*
** The "seen" text of a tombstone.  sw_seen_valid: well-formed for table
** t (versions HLC@SITE with hlc > 0, column names of t, each at most
** once).  sw_seen_covers: had the tombstone's writer seen version v of
** column col?  Yes if seen gives col a version at or after v, or v is the
** tombstone's own site's and not after it; with seen NULL (not said), if
** v is not after the tombstone (the rule before seen sets).  An edit the
** deleter had not seen is an 'edit_of_deleted' conflict (merge.c).
*/
int sw_seen_valid(const struct sw_table *t, const char *seen);
int sw_seen_covers(const struct sw_table *t, const char *seen,
                   const struct sw_version *tomb, int col,
                   const struct sw_version *v);

/*
** A batch of changes: a push (site, from..to) or a pull reply
** (cursor, more).  The batch owns its changes' text.
*/
struct sw_batch {
    char site[SW_SITE_MAX + 1]; /* push: sender's site id */
    int64_t from, to;           /* push: seq range, inclusive */
    int64_t cursor;             /* pull: next cursor (county seq) */
    int more;                   /* pull: more remain after cursor */
    int checked; /* decoded: every change checked as the CHECKs would
                    (ids, station, each value by sw_validate); cleared
                    by batch_add */
    struct sw_change *v;
    size_t n, cap;
};

void batch_init(struct sw_batch *b);
void batch_release(struct sw_batch *b); /* NULL is fine */
/*
** Append a copy of *c; takes ownership of c->text (c->text is set to
** NULL).  Returns 0 or SW_ESOFTWARE on ENOMEM (c is unchanged then).
*/
int batch_add(struct sw_batch *b, struct sw_change *c);

#endif
