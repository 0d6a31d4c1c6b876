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

/* Who wrote a change: a worker's name as the writing program gave it
** (replica_set_author), 1..SW_AUTHOR_MAX bytes of UTF-8 without control
** characters; NULL when nobody said (a CLI write, another program). */
#define SW_AUTHOR_MAX 64
int sw_author_valid(const char *s);

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
    int64_t seq;  /* push: the writer's outbox sequence; pull: 0 (not sent) */
    char *author; /* who wrote ver (sw_author_valid), malloc'd; NULL: not
                     known.  One version has one author. */
    /* a tombstone (deleted = 1) only: the versions of the record's fields
       its writer had seen, "HLC@SITE=col,col;HLC@SITE=col" (sw_seen_*);
       "" saw none; NULL not said (a writer before it was sent).  malloc'd
       and owned like text. */
    char *seen;
};

/* frees text, author and seen; NULL is fine */
void change_release(struct sw_change *c);

/* a and b are both NULL or the same text */
int sw_author_eq(const char *a, const char *b);

/* A transfer's note: 1..500 bytes of UTF-8 (no personal value). */
#define SW_NOTE_MAX 500

/* A pull answer's order to erase one record from the replica, with its
** children if it is a case (purge, docs/design-notes.md "Erase"), or,
** when `to` is set, a case moved to station `to` ("Case transfer"). */
struct sw_erase {
    int tbl;                    /* index into sw_tables */
    char id[SW_UUID_LEN + 1];   /* the record's id */
    char to[SW_CODE_MAX + 1];   /* a move: the new station; "" a purge */
    int64_t at;                 /* a move: when (ms since the epoch) */
    char note[SW_NOTE_MAX + 1]; /* a move: the county's note */
};

/* A pull answer's notice that the station's case case_id is also served
** at another station (an admin linked the two cases: sync/county/dups.c,
** docs/design-notes.md "The same person at two stations").  Nothing of the
** other case: its station's code, name and contact line. */
#define SW_LINK_TEXT_MAX 200 /* bytes of name and of contact */
#define SW_LINK_DIGEST_MAX 64
struct sw_link {
    char case_id[SW_UUID_LEN + 1];
    char station[SW_CODE_MAX + 1];
    char name[SW_LINK_TEXT_MAX + 1];    /* "" when the county has none */
    char contact[SW_LINK_TEXT_MAX + 1]; /* "" when the county has none */
};

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
** (cursor, more, and the records to erase).  The batch owns its changes'
** text and its erase list.
*/
struct sw_batch {
    char site[SW_SITE_MAX + 1]; /* push: sender's site id */
    int64_t from, to;           /* push: seq range, inclusive */
    int64_t cursor;             /* pull: next cursor (county seq) */
    int more;                   /* pull: more remain after cursor */
    int64_t remaining;          /* pull: fields in scope after cursor (an upper
                                   bound: the asker's own may be skipped), or -1:
                                   not told (batch_init) */
    int checked; /* decoded: every change checked as the CHECKs would
                    (ids, station, each value by sw_validate); cleared
                    by batch_add */
    struct sw_change *v;
    size_t n, cap;
    struct sw_erase *erase; /* pull: records to erase, after the changes */
    size_t nerase, ecap;
    /* pull: the station's whole set of link notices, sent when its digest
       differs from the one the agent asked with (links=DIGEST) */
    int has_links;
    char links_digest[SW_LINK_DIGEST_MAX + 1];
    struct sw_link *link;
    size_t nlink, lcap;
};

void batch_init(struct sw_batch *b);
void batch_release(struct sw_batch *b); /* NULL is fine */
/*
** Append a copy of *c; takes ownership of c->text and c->author (both
** are set to NULL).  Returns 0 or SW_ESOFTWARE on ENOMEM (c is unchanged then).
*/
int batch_add(struct sw_batch *b, struct sw_change *c);

/* Append an erase order to a pull answer: 0 or SW_ESOFTWARE (ENOMEM). */
int batch_add_erase(struct sw_batch *b, int tbl, const char *id);
/* Append the order of a case moved to station `to` (at, note as in
** struct sw_erase; note is cut at SW_NOTE_MAX bytes): 0 or SW_ESOFTWARE. */
int batch_add_move(struct sw_batch *b, const char *case_id, const char *to,
                   int64_t at, const char *note);

/* Append a link notice (texts cut to SW_LINK_TEXT_MAX bytes; NULL is "")
** and set b->has_links: 0 or SW_ESOFTWARE (ENOMEM). */
int batch_add_link(struct sw_batch *b, const char *case_id, const char *station,
                   const char *name, const char *contact);

/*
** Is b a consistent batch, as a push (push != 0) or as a pull answer?
** The one place that decides it: the codec checks every batch it decodes
** or encodes with it, and store_apply_push / replica_apply_pull check the
** batches they are handed, so a batch that passes can be read without
** further bounds checks (b->v[0] exists when b->n > 0, and so on).
**
** Every change: a table and column index in range, a valid row id and
** station code, a version (hlc > 0, valid site), a base version that is
** none or valid, a value type that fits (text present for SW_V_TEXT).
** A push, besides: a valid site; 0 <= from <= to < 2^53; no changes only
** with from == to == 0 (nothing claimed); otherwise the first change's
** seq is from, the last one's is to, seqs increase strictly, and every
** version is the sender's own site (a replica pushes its own writes).
** A pull answer: cursor >= 0, more is 0 or 1.
** Values are not checked here (sw_validate, the codec and merge do).
** Returns 0 or SW_EDATA with the first problem named ("changes[3]: ...").
*/
int batch_check(const struct sw_batch *b, int push, struct sw_err *err);

#endif
