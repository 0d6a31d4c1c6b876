/*
** enrol — one-time enrolment codes: `station add|token --enrol-code`
** makes one instead of printing the replica's token; `swsync init
** --enrol CODE` trades it for a fresh token over POST /v1/enrol.  A code
** is 10 characters of a 32-letter alphabet without look-alikes (I, O, 0,
** 1), shown as XXXXX-XXXXX (50 bits); it expires (24 h by default) and
** works once.  Only its SHA-256 is stored, in the county's config table
** (key "enrol:HASH", value "STATION DEVICE EXPIRES_MS" or "used ...").
*/
#ifndef SW_ENROL_H
#define SW_ENROL_H

#include "sdb.h"
#include <stdint.h>

#include "auth.h"
#include "sw.h"

#define ENROL_CODE_LEN 11 /* XXXXX-XXXXX */
#define ENROL_DEFAULT_TTL_MS (24LL * 3600 * 1000)

/* Why a code was refused (enrol_redeem's SW_EPERM). */
enum enrol_refusal { ENROL_OK, ENROL_UNKNOWN, ENROL_USED, ENROL_EXPIRED };

/*
** A new code for the replica (station, device), valid ttl_ms from now.
** The replica's token stays unknown to everyone until the code is used.
*/
int enrol_new_code(sdb *db, const char *station, const char *device,
                   int64_t ttl_ms, char code[ENROL_CODE_LEN + 1],
                   struct sw_err *err);

/*
** Trade code (any case, dash and spaces optional) for a new token of its
** replica, in one transaction: the replica's token hash is replaced and
** the code marked used.  SW_EPERM with *why set when refused; the
** replica's station into station.
*/
int enrol_redeem(sdb *db, const char *code, int64_t now_ms, char station[64],
                 char tok[AUTH_TOKEN_LEN + 1], enum enrol_refusal *why,
                 struct sw_err *err);

#endif
