/*
** bench-gen.h — deterministic, realistic-looking station records for the
** benchmarks (tools/bench-apply, tools/bench-fill).
**
** Values are what a township station writes: Chinese names, villages and
** findings made of stock phrases, valid resident ID numbers, mobile
** numbers, ISO dates.  The same seed gives the same records, so two runs
** measure the same bytes.
*/
#ifndef SW_BENCH_GEN_H
#define SW_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "sw.h"
#include "table.h"

#define GEN_MAXCOLS 32 /* at least every table's ncols: checked in gen_init */
#define GEN_BUF 4096

struct gen {
    uint64_t s; /* xorshift64* state */
    int64_t ms; /* clock for UUIDv7 ids, advanced by gen_uuid */
    int day;    /* days after 2025-03-01 for visit dates */
};

/*
** A generated record of sw_tables[tbl]: v[c] is column c's value as text
** (an INT column's as decimal text), or NULL.  The strings live in buf.
*/
struct gen_rec {
    int tbl;
    char id[SW_UUID_LEN + 1];
    const char *v[GEN_MAXCOLS];
    char buf[GEN_BUF];
    size_t len;
};

void gen_init(struct gen *g, uint64_t seed, int64_t start_ms);
uint32_t gen_next(struct gen *g);
/* A UUIDv7 from the generator's clock (advanced by 1..3 ms) and bits. */
void gen_uuid(struct gen *g, char out[SW_UUID_LEN + 1]);

void gen_case(struct gen *g, struct gen_rec *r);
void gen_visit(struct gen *g, const char *case_id, struct gen_rec *r);

/*
** A single-field edit of a record of table tbl (SW_T_CASES or
** SW_T_VISITS): *col gets the column, out (size n) its new value as text.
*/
void gen_edit(struct gen *g, int tbl, int *col, char *out, size_t n);

/*
** The bare values of r: its non-NULL field values (deleted left out),
** joined with '\t', and a '\n' after the record, appended to sb.  with_id:
** the record's id first.  This is what the wire "floor" compresses.
*/
void gen_bare(const struct gen_rec *r, int with_id, struct sw_buf *sb);

#endif
