/*
** search.h — find a person: one text matched against the cases' name, ID
** number, phone, village and address, and the pinyin initials of the
** name, results ranked.  Engine level (no printing): both CLIs' `case
** search` and both consoles' search box call it.
**
** Matching: substrings, ASCII letters without regard to case; a text of
** digits also matches a phone written with spaces or dashes; a text of
** letters also matches the initials of the name (`zs` finds 张三, `sdl`
** finds 单德林 by the surname reading shàn as well as dān).
**
** It reads the live cases in one pass in C (no index): measured in
** docs/benchmarks.md at 10k and 100k cases.
*/
#ifndef SW_SEARCH_H
#define SW_SEARCH_H

#include "sdb.h"

#include "sw.h"

/* How a case matched, best first: the rank of a hit. */
enum search_rank {
    SR_ID_EXACT = 0,    /* the whole ID number */
    SR_PHONE_EXACT,     /* the whole phone number (digits compared) */
    SR_NAME_EXACT,      /* the whole name */
    SR_NAME_PREFIX,     /* the start of the name */
    SR_INITIALS,        /* the initials of the whole name */
    SR_INITIALS_PREFIX, /* the initials of the start of the name */
    SR_NAME_PART,       /* part of the name */
    SR_ID_PART,         /* part of the ID number */
    SR_PHONE_PART,      /* part of the phone number */
    SR_INITIALS_PART,   /* initials of a later part of the name */
    SR_VILLAGE,         /* part of the village */
    SR_ADDRESS,         /* part of the address */
    SR__COUNT
};

/* A word for each rank ("id", "phone", "name", "name_prefix",
** "initials", ...), for --json. */
const char *search_rank_name(int rank);

struct search_hit {
    int64_t rid; /* cases.rid: SELECT ... WHERE rid = ? */
    int rank;    /* enum search_rank */
};

/*
** The live cases (not deleted) that match text, best rank first; within
** a rank shorter names first, then older records (rid).  station: only
** that station's cases (NULL: all).  limit > 0 keeps the first limit
** hits; *total is the number of matches before the limit (may be NULL).
** text is trimmed; an empty text is SW_EUSAGE.  *hits is malloc'd (free
** it), NULL when there is none.
*/
int search_cases(sdb *db, const char *text, const char *station, int limit,
                 struct search_hit **hits, int *nhits, int *total,
                 struct sw_err *err);

/*
** How name matches the letters q (lower case a-z only): 0 not at all,
** else SR_INITIALS, SR_INITIALS_PREFIX or SR_INITIALS_PART.
*/
int search_initials_match(const char *name, const char *q);

#endif
