/*
** session.c — passwords, session cookies and CSRF tokens, shared by both
** consoles (see session.h).  Moved here from sync/county/account.c.
*/
#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define PW_PREFIX "pbkdf2-sha256$"
#define SALT_LEN 16
#define HASH_LEN 32
#define ITER_MIN 1000
#define ITER_MAX 100000000
#define CSRF_PREFIX "swsync-csrf:"

const char acct_dummy_hash[] =
    "pbkdf2-sha256$600000$00000000000000000000000000000000$"
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- helpers ------------------------------------------------------------- */

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly 2n lowercase hex digits of s[0..len) into b[n]. */
static int from_hex(const char *s, size_t len, unsigned char *b, size_t n)
{
    if (len != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

int acct_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ACCT_NAME_MAX || name[0] == '-' || name[0] == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-' ||
              *p == '@'))
            return 0;
    return 1;
}

int acct_cookie_wellformed(const char *s)
{
    if (!s || strlen(s) != ACCT_COOKIE_LEN)
        return 0;
    for (; *s; s++)
        if (hexval(*s) < 0)
            return 0;
    return 1;
}

int acct_cookie_new(char cookie[ACCT_COOKIE_LEN + 1], struct sw_err *err)
{
    unsigned char raw[ACCT_COOKIE_LEN / 2];
    cookie[0] = '\0';
    if (sw_random(raw, sizeof(raw)))
        return sw_fail(err, SW_EIO, _("cannot read random bytes"));
    to_hex(raw, sizeof(raw), cookie);
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

int acct_cookie_hash(const char *cookie, char hex[ACCT_HASH_HEX_LEN + 1],
                     struct sw_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    hex[0] = '\0';
    if (EVP_Digest(cookie, strlen(cookie), md, &n, EVP_sha256(), NULL) != 1 ||
        n != ACCT_HASH_HEX_LEN / 2)
        return sw_fail(err, SW_ESOFTWARE, _("cannot hash the cookie"));
    to_hex(md, n, hex);
    return 0;
}

/* ---- passwords ----------------------------------------------------------- */

static int pbkdf2(const char *pw, const unsigned char *salt, long iter,
                  unsigned char out[HASH_LEN])
{
    return PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, SALT_LEN, (int)iter,
                             EVP_sha256(), HASH_LEN, out) == 1
               ? 0
               : -1;
}

int acct_hash_password(const char *pw, char **out, struct sw_err *err)
{
    unsigned char salt[SALT_LEN], h[HASH_LEN];
    char salt_hex[2 * SALT_LEN + 1], h_hex[2 * HASH_LEN + 1];
    size_t n = sizeof(PW_PREFIX) + 12 + sizeof(salt_hex) + sizeof(h_hex) + 4;
    char *s;

    *out = NULL;
    if (sw_random(salt, sizeof(salt)))
        return sw_fail(err, SW_EIO, _("cannot read random bytes"));
    if (pbkdf2(pw, salt, ACCT_ITERATIONS, h))
        return sw_fail(err, SW_ESOFTWARE, _("cannot hash the password"));
    to_hex(salt, sizeof(salt), salt_hex);
    to_hex(h, sizeof(h), h_hex);
    OPENSSL_cleanse(h, sizeof(h));
    if (!(s = malloc(n)))
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    snprintf(s, n, PW_PREFIX "%d$%s$%s", ACCT_ITERATIONS, salt_hex, h_hex);
    *out = s;
    return 0;
}

int acct_verify_password(const char *pw, const char *stored)
{
    unsigned char salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
    const char *p, *d1, *d2;
    char *end;
    long iter;
    int ok;

    if (!pw || !stored || strncmp(stored, PW_PREFIX, strlen(PW_PREFIX)) != 0)
        return 0;
    p = stored + strlen(PW_PREFIX);
    errno = 0;
    iter = strtol(p, &end, 10);
    if (errno || end == p || *end != '$' || iter < ITER_MIN || iter > ITER_MAX)
        return 0;
    d1 = end + 1;
    d2 = strchr(d1, '$');
    if (!d2 || from_hex(d1, (size_t)(d2 - d1), salt, SALT_LEN) ||
        from_hex(d2 + 1, strlen(d2 + 1), want, HASH_LEN))
        return 0;
    if (pbkdf2(pw, salt, iter, got))
        return 0;
    ok = CRYPTO_memcmp(got, want, HASH_LEN) == 0;
    OPENSSL_cleanse(got, sizeof(got));
    return ok;
}

void acct_csrf(const char *cookie, char out[ACCT_CSRF_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    out[0] = '\0';
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
        EVP_DigestUpdate(c, CSRF_PREFIX, strlen(CSRF_PREFIX)) &&
        EVP_DigestUpdate(c, cookie, strlen(cookie)) &&
        EVP_DigestFinal_ex(c, md, &n) && n == ACCT_CSRF_LEN / 2)
        to_hex(md, n, out);
    EVP_MD_CTX_free(c);
}

int acct_csrf_ok(const char *cookie, const char *given)
{
    char want[ACCT_CSRF_LEN + 1];
    if (!acct_cookie_wellformed(cookie) || !given ||
        strlen(given) != ACCT_CSRF_LEN)
        return 0;
    acct_csrf(cookie, want);
    return want[0] && CRYPTO_memcmp(want, given, ACCT_CSRF_LEN) == 0;
}
