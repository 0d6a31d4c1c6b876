/*
** enrol — see enrol.h.
*/
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "enrol.h"

static const char ALPHA[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/* The 10 code letters of in (upper-cased, dashes and spaces dropped) into
** out[11].  -1 if not 10 letters of the alphabet. */
static int normalize(const char *in, char out[11])
{
    int n = 0;
    for (; *in; in++) {
        int ch = toupper((unsigned char)*in);
        if (ch == '-' || ch == ' ')
            continue;
        if (n == 10 || !strchr(ALPHA, ch) || ch == '\0')
            return -1;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    return n == 10 ? 0 : -1;
}

static int code_key(const char norm[11], char key[80], struct sw_err *err)
{
    char hex[AUTH_HASH_LEN + 1];
    int rc = auth_token_hash(norm, hex, err);
    if (!rc)
        snprintf(key, 80, "enrol:%s", hex);
    return rc;
}

int enrol_new_code(sdb *db, const char *station, const char *device,
                   int64_t ttl_ms, char code[ENROL_CODE_LEN + 1],
                   struct sw_err *err)
{
    unsigned char r[10];
    char norm[11], key[80], val[160];
    int rc;

    if (sw_random(r, sizeof(r)))
        return sw_fail(err, SW_EIO, _("cannot read random bytes"));
    for (int i = 0; i < 10; i++)
        norm[i] = ALPHA[r[i] & 31];
    norm[10] = '\0';
    OPENSSL_cleanse(r, sizeof(r));
    rc = code_key(norm, key, err);
    if (rc)
        return rc;
    snprintf(val, sizeof(val), "%s %s %" PRId64, station, device,
             sw_now_ms() + ttl_ms);
    rc = db_config_set(db, key, val, err);
    if (!rc)
        snprintf(code, ENROL_CODE_LEN + 1, "%.5s-%.5s", norm, norm + 5);
    OPENSSL_cleanse(norm, sizeof(norm));
    return rc;
}

static const char SQL_SET_TOKEN[] =
    "UPDATE replicas SET token_hash = ?3 WHERE station = ?1 AND device = ?2 "
    "AND revoked_at IS NULL AND site IS NULL";

int enrol_redeem(sdb *db, const char *code, int64_t now_ms, char station[64],
                 char tok[AUTH_TOKEN_LEN + 1], enum enrol_refusal *why,
                 struct sw_err *err)
{
    char norm[11], key[80], dev[64], used[64], hash[AUTH_HASH_LEN + 1];
    char *val = NULL;
    long long expires = 0;
    sdb_stmt *st = NULL;
    int rc;

    *why = ENROL_OK;
    station[0] = tok[0] = '\0';
    if (normalize(code, norm)) {
        *why = ENROL_UNKNOWN;
        return sw_fail(err, SW_EPERM,
                       _("not an enrolment code (10 letters and digits, "
                         "XXXXX-XXXXX)"));
    }
    rc = code_key(norm, key, err);
    OPENSSL_cleanse(norm, sizeof(norm));
    if (rc)
        return rc;
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = db_config_get(db, key, &val, err);
    if (rc)
        goto out;
    if (!val) {
        *why = ENROL_UNKNOWN;
        rc = sw_fail(err, SW_EPERM,
                     _("unknown enrolment code: check it, or ask the county "
                       "for a new one"));
        goto out;
    }
    if (strncmp(val, "used ", 5) == 0) {
        *why = ENROL_USED;
        rc = sw_fail(err, SW_EPERM,
                     _("this enrolment code was used already: ask the county "
                       "for a new one"));
        goto out;
    }
    if (sscanf(val, "%63s %63s %lld", station, dev, &expires) != 3) {
        rc = sw_fail(err, SW_EIO, _("enrolment code: bad stored value"));
        goto out;
    }
    if (now_ms > expires) {
        *why = ENROL_EXPIRED;
        rc = sw_fail(err, SW_EPERM,
                     _("this enrolment code expired: ask the county for a new "
                       "one"));
        goto out;
    }
    rc = auth_new_token(tok, err);
    if (!rc)
        rc = auth_token_hash(tok, hash, err);
    if (!rc)
        rc = db_prepare(db, SQL_SET_TOKEN, &st, err);
    if (rc)
        goto out;
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    sdb_bind_text(st, 2, dev, -1, SDB_STATIC);
    sdb_bind_text(st, 3, hash, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, "enrol");
        goto out;
    }
    if (sdb_changes(db) != 1) {
        *why = ENROL_USED;
        rc = sw_fail(err, SW_EPERM,
                     _("the replica of this code is revoked or has synced "
                       "already: ask the county for a new code"));
        goto out;
    }
    snprintf(used, sizeof(used), "used %" PRId64, now_ms);
    rc = db_config_set(db, key, used, err);
out:
    sdb_finalize(st);
    free(val);
    if (!rc)
        rc = db_commit(db, err);
    if (rc) {
        db_rollback(db);
        OPENSSL_cleanse(tok, AUTH_TOKEN_LEN + 1);
    }
    return rc;
}
