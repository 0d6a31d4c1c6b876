/*
** hlc.h — hybrid logical clock (Kulkarni et al. 2014).
**
** An hlc is a 64-bit value: the high 48 bits are milliseconds since the
** Unix epoch, the low 16 bits a counter.  Comparing two hlcs as integers
** orders them.  In JSON an hlc travels as a decimal string, never a
** number (cJSON keeps numbers as doubles, which hold only 53 bits).
*/
#ifndef SW_HLC_H
#define SW_HLC_H

#include <stdint.h>

#include "sw.h"

#define HLC_COUNTER_BITS 16
#define HLC_COUNTER_MAX 0xffff
#define HLC_STR_MAX 20 /* decimal digits of a 64-bit value */

struct hlc_clock {
    int64_t last;             /* the last hlc issued or received */
    int64_t offset_ms;        /* added to the wall clock (skew correction) */
    int64_t max_drift_ms;     /* 0: no bound; else refuse remote hlcs further
                                 than this ahead of our corrected wall clock */
    int clamp;                /* with max_drift_ms: such an hlc is taken, but
                                 the clock moves only to the bound */
    long clamped;             /* hlcs past the bound seen with clamp set */
    int64_t clamped_ahead_ms; /* the furthest ahead of them, ms */
};

static inline int64_t hlc_pack(int64_t ms, int counter)
{
    return (int64_t)(((uint64_t)ms << HLC_COUNTER_BITS) | (uint64_t)counter);
}
static inline int64_t hlc_ms(int64_t h)
{
    return (int64_t)((uint64_t)h >> HLC_COUNTER_BITS);
}
static inline int hlc_counter(int64_t h)
{
    return (int)(h & HLC_COUNTER_MAX);
}

/*
** A new hlc for a local event at wall-clock time wall_ms (corrected by
** c->offset_ms): larger than c->last, and >= the corrected wall time.
** Updates c->last.  Never fails: a counter overflow moves into the next
** millisecond.
*/
int64_t hlc_now(struct hlc_clock *c, int64_t wall_ms);

/*
** Take a received hlc into account: afterwards c->last >= remote, so every
** later hlc_now() orders after it.  If c->max_drift_ms > 0 and remote is
** more than that ahead of the corrected wall clock, c is unchanged and
** SW_EDATA is returned with a message giving how far ahead it is; or,
** with c->clamp set, 0 is returned, c->last moves no further than the
** bound (a version from a clock years ahead does not drag ours along),
** and c->clamped and c->clamped_ahead_ms say so.
*/
int hlc_recv(struct hlc_clock *c, int64_t remote, int64_t wall_ms,
             struct sw_err *err);

/* Decimal text of h into buf (at least HLC_STR_MAX + 1 bytes). */
void hlc_format(int64_t h, char *buf);

/*
** Parse a decimal hlc string: 1..20 digits, no sign, no spaces, no leading
** zeros (except "0"), value < 2^63.  Returns 0 or SW_EDATA.
*/
int hlc_parse(const char *s, int64_t *out);

#endif
