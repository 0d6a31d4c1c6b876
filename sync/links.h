/*
** links.h — a station's notices that a person of its own is also served
** at another station (issue 15 item 5; the county side: sync/county/dups.c).
** The pull brings the station's whole set when it differs from the one held
** (its digest in config key "links"); it replaces the table also_served
** (schema/station-local.sql).  Nothing else writes it, nothing pushes it.
*/
#ifndef SW_LINKS_H
#define SW_LINKS_H

#include "sdb.h"
#include <cjson/cJSON.h>

#include "change.h"
#include "sw.h"

/* The digest of the set held, into out[SW_LINK_DIGEST_MAX + 1] ("0":
** none yet). */
int links_known(sdb *db, char *out, struct sw_err *err);

/* Replace the set with b's (when b->has_links), in the caller's
** transaction. */
int links_apply(sdb *db, const struct sw_batch *b, struct sw_err *err);

/* The notices of case id: an array of {"station", "name", "contact"}. */
int links_of_case_json(sdb *db, const char *id, cJSON **out,
                       struct sw_err *err);

#endif
