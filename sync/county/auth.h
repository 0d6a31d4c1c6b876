/*
** auth.h — replica tokens: made at enrolment, shown once, stored only as
** the SHA-256 (hex) of the whole token text, and looked up by that hash
** on every request (docs/protocol.md, "Authentication").
**
** A token is "sw1_" and 64 lowercase hex digits (32 bytes from the
** kernel's CSPRNG).  Tokens are random and long, so one fast hash is
** enough: there is nothing to guess.
*/
#ifndef SW_AUTH_H
#define SW_AUTH_H

#include "sdb.h"
#include <stdint.h>

#include "change.h"
#include "sw.h"

#define AUTH_TOKEN_PREFIX "sw1_"
#define AUTH_TOKEN_LEN (4 + 64)
#define AUTH_HASH_LEN 64
#define AUTH_DEVICE_MAX 32 /* a device name: same characters as a code */

/* A new random token into tok.  Returns 0 or SW_EIO. */
int auth_new_token(char tok[AUTH_TOKEN_LEN + 1], struct sw_err *err);

/* True if tok has the form of a token (not whether it is known). */
int auth_token_wellformed(const char *tok);

/* SHA-256 of the token text, lowercase hex.  Returns 0 or SW_ESOFTWARE. */
int auth_token_hash(const char *tok, char hex[AUTH_HASH_LEN + 1],
                    struct sw_err *err);

/*
** The token of an "Authorization: Bearer TOKEN" header value (scheme
** case-insensitive) into tok.  Returns 1 if the header holds a
** well-formed token, else 0 (tok is then empty).
*/
int auth_from_header(const char *hdr, char tok[AUTH_TOKEN_LEN + 1]);

/* What a token stands for. */
struct auth_replica {
    int64_t id; /* replicas.id */
    char station[SW_CODE_MAX + 1];
    char device[AUTH_DEVICE_MAX + 1];
    char site[SW_SITE_MAX + 1]; /* "" until its first hello */
    int64_t acked;              /* replicas.acked_seq */
};

/*
** Look up the replica of a (well-formed) token that is not revoked.
** *found is 0 for an unknown or revoked token.  Returns 0 or db_fail().
*/
int auth_lookup(sdb *db, const char *tok, struct auth_replica *r, int *found,
                struct sw_err *err);

/*
** Enrol a new replica `device` of station `station` (which must exist)
** and write its new token into tok (the only copy: show it once).  The
** caller holds the transaction.  A device name already used by the
** station: SW_ECANTCREAT.
*/
int auth_add_replica(sdb *db, const char *station, const char *device,
                     char tok[AUTH_TOKEN_LEN + 1], struct sw_err *err);

#endif
