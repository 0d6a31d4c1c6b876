/*
** session.h — what both consoles (the county's `swsync-county serve`
** and the station's `swsync console`) do the same way with passwords,
** session cookies and CSRF tokens.  Storage is the caller's: the county
** keeps admins and sessions in its store (sync/county/account.c), the
** station keeps workers and their sessions in the replica
** (sync/workers.c).
**
** Passwords: PBKDF2-HMAC-SHA256 (OpenSSL), ACCT_ITERATIONS rounds, a
** 16-byte random salt, stored as "pbkdf2-sha256$ITER$SALT_HEX$HASH_HEX";
** compared in constant time.  At least ACCT_PW_MIN bytes.
**
** Sessions: the cookie is 32 random bytes (64 hex digits); storage keeps
** only its SHA-256 (acct_cookie_hash).  Its CSRF token is the SHA-256 of
** the cookie with a fixed prefix: only who holds the cookie can compute
** it, and nothing more is stored.
*/
#ifndef SW_SESSION_H
#define SW_SESSION_H

#include <stdint.h>

#include "sw.h"

#define ACCT_NAME_MAX 64
#define ACCT_PW_MIN 10
#define ACCT_PW_MAX 1024
#define ACCT_ITERATIONS 600000
#define ACCT_COOKIE_LEN 64
#define ACCT_CSRF_LEN 64
#define ACCT_HASH_HEX_LEN 64

#define ACCT_DEFAULT_IDLE_MS (30 * 60 * 1000)
#define ACCT_DEFAULT_MAX_MS (8 * 3600 * 1000)

struct acct_limits {
    int64_t idle_ms; /* 0: ACCT_DEFAULT_IDLE_MS */
    int64_t max_ms;  /* 0: ACCT_DEFAULT_MAX_MS */
};

/* A user name: 1..64 of A-Z a-z 0-9 _ . - @, not starting with - or . */
int acct_name_valid(const char *name);

/*
** Hash a password for storage.  *out is malloc'd (free it).  Returns 0,
** SW_EIO (no random bytes) or SW_ESOFTWARE.
*/
int acct_hash_password(const char *pw, char **out, struct sw_err *err);

/* 1 if pw matches the stored hash, else 0 (also for a malformed hash). */
int acct_verify_password(const char *pw, const char *stored);

/* A hash that matches no password, to spend the same time on an unknown
** user as on a known one. */
extern const char acct_dummy_hash[];

/* A new random session cookie.  Returns 0 or SW_EIO. */
int acct_cookie_new(char cookie[ACCT_COOKIE_LEN + 1], struct sw_err *err);

/* The SHA-256 of a cookie, hex, as storage keeps it.  0 or SW_ESOFTWARE. */
int acct_cookie_hash(const char *cookie, char hex[ACCT_HASH_HEX_LEN + 1],
                     struct sw_err *err);

/* True if s has the form of a session cookie. */
int acct_cookie_wellformed(const char *s);

/* The CSRF token of the session of a cookie. */
void acct_csrf(const char *cookie, char out[ACCT_CSRF_LEN + 1]);

/* 1 if given is the session's CSRF token (constant time), else 0. */
int acct_csrf_ok(const char *cookie, const char *given);

#endif
