/*
** codec.h — change batches to zlib-deflated JSON and back.
**
** Wire format (protocol v1), before deflate (zlib stream, RFC 1950, which
** is what HTTP's "Content-Encoding: deflate" means):
**
**   push:  {"v":1,"site":"A01-k3x9qz","from":12,"to":40,"rows":[ROW...]}
**   pull:  {"v":1,"cursor":1234,"more":false,"rows":[ROW...]}
**          and, when asked for (pull?count=1), "remaining":N after "more"
**          (b->remaining >= 0; absent: -1)
**
**   ROW:   {"id":"<uuid>","t":"visits","st":"A01",
**           "h":"<hlc decimal string>" | "d":<hlc minus the previous row's>,
**           "w":"<site>",
**           "q":12,                  (push; pull: ignored)
**           "a":"<author>" | null,   (optional)
**           "f":{"case_id":"...","mode":"home","follow_up":0,"purpose":null},
**           "b":{"mode":"<hlc>@<site>"},    (optional)
**           "k":"<hlc>@<site>=name,phone;<hlc>@<site>=status"} (optional)
**
** A ROW groups consecutive changes of one row that share one version
** (h, w); in a push their sequence numbers are q, q+1, ... in the order of
** the keys of "f".  What a ROW shares with the row before it is left out:
** "t", "st" and "w" when they are the same, "q" when it follows on (the
** previous row's last seq + 1); "d" gives the version's hlc as the
** difference from the previous row's (|d| < 2^53; an hlc is 64 bits, so
** the first row, and any row too far from the one before, says "h").  A
** batch of new visits from one site thus spends its bytes on ids and
** values (docs/benchmarks.md, wire).  "a" is who wrote the row's
** version (sw_author_valid; null: not known); a row without "a" has the
** previous row's author, the first row none, so a message from before
** authors were sent reads as written by nobody.  "b" gives the base version of
*those
** fields that had one; a field absent from "b" had none.  Values: a
** string for a TEXT column, an integer for an INT column, or null (not
** for the tombstone, "deleted": 0 or 1).  "k" goes only with "deleted": 1:
** the versions of the record's fields the deleting site had seen, grouped
** by version (sw_seen_* in change.h); the merge flags an edit the deleter
** had not seen as 'edit_of_deleted'.  A ROW without it (a writer that
** predates it) is read as before: such a tombstone is judged by its hlc.
** Numbers other than hlcs are JSON integers below 2^53.  In a push, seqs
** increase strictly from row to row.  Unknown top-level keys are ignored
** (room to grow); anything else unexpected inside a ROW is an error.
** Before parsing, the number of JSON values is bounded by max_changes
** (cJSON spends ~64 bytes a value), and the encoder refuses what the
** decoder would refuse.
**
** Decoding checks everything and refuses the whole batch at the first
** problem, with a message that names it ("rows[3].f.gender: ...").
*/
#ifndef SW_CODEC_H
#define SW_CODEC_H

#include <stddef.h>

#include "change.h"
#include "sw.h"

#define CODEC_VERSION 1

struct codec_limits {
    size_t max_compressed; /* bytes of the deflated body */
    size_t max_inflated;   /* bytes after inflating; inflation stops here */
    size_t max_changes;    /* field changes in one batch */
};

/* 4 MiB deflated, 16 MiB inflated, 20 000 changes. */
extern const struct codec_limits codec_default_limits;

/*
** Deflate len bytes at data into a new buffer: *out is malloc'd (free()),
** *outlen its size.  Returns 0 or SW_ESOFTWARE.
*/
int codec_deflate(const void *data, size_t len, unsigned char **out,
                  size_t *outlen, struct sw_err *err);

/*
** Inflate a zlib stream.  Stops, without inflating further, as soon as the
** output would pass max_out bytes: SW_ETOOBIG.  A truncated or corrupt
** stream, or bytes after its end: SW_EDATA.  On success *out is malloc'd
** and NUL-terminated (not counted in *outlen).
*/
int codec_inflate(const void *data, size_t len, size_t max_out,
                  unsigned char **out, size_t *outlen, struct sw_err *err);

/*
** Encode a push (b->site, b->from, b->to, changes with their seq) or a
** pull reply (b->cursor, b->more, changes; seq not sent): JSON, deflated.
** *out is malloc'd.  Returns 0, SW_EDATA for a change that cannot be
** encoded (bad table/column index), or SW_ESOFTWARE.
*/
int codec_encode_push(const struct sw_batch *b, unsigned char **out,
                      size_t *outlen, struct sw_err *err);
int codec_encode_pull(const struct sw_batch *b, unsigned char **out,
                      size_t *outlen, struct sw_err *err);

/*
** Decode a deflated push or pull body into *b (initialised by the
** callee; release with batch_release() also on failure).  Every value is
** checked with sw_validate().  Push: every change's seq is within
** from..to and from <= to.  Returns 0, SW_EDATA (malformed, with the
** first problem named), SW_ETOOBIG (over a limit), SW_ESOFTWARE.
** lim NULL means codec_default_limits.
*/
int codec_decode_push(const void *data, size_t len,
                      const struct codec_limits *lim, struct sw_batch *b,
                      struct sw_err *err);
int codec_decode_pull(const void *data, size_t len,
                      const struct codec_limits *lim, struct sw_batch *b,
                      struct sw_err *err);

/* The same for a JSON text that is not deflated (tests, tools). */
int codec_decode_push_json(const char *json, size_t len,
                           const struct codec_limits *lim, struct sw_batch *b,
                           struct sw_err *err);
int codec_decode_pull_json(const char *json, size_t len,
                           const struct codec_limits *lim, struct sw_batch *b,
                           struct sw_err *err);

#endif
