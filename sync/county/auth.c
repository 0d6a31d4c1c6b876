/*
** auth.c — replica tokens (see auth.h).
*/
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "db.h"
#include "syncsql.h"

static const char SQL_DEVICE_USED[] =
    "SELECT 1 FROM replicas WHERE station = ?1 AND device = ?2";
static const char SQL_ADD_REPLICA[] =
    "INSERT INTO replicas (station, device, token_hash, created_at) "
    "VALUES (?1, ?2, ?3, ?4)";

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

int auth_new_token(char tok[AUTH_TOKEN_LEN + 1], struct sw_err *err)
{
    unsigned char b[32];
    if (sw_random(b, sizeof(b)))
        return sw_fail(err, SW_EIO, _("cannot read random bytes"));
    memcpy(tok, AUTH_TOKEN_PREFIX, 4);
    hex(b, sizeof(b), tok + 4);
    OPENSSL_cleanse(b, sizeof(b));
    return 0;
}

int auth_token_wellformed(const char *tok)
{
    if (!tok || strlen(tok) != AUTH_TOKEN_LEN ||
        strncmp(tok, AUTH_TOKEN_PREFIX, 4) != 0)
        return 0;
    for (const char *p = tok + 4; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

int auth_token_hash(const char *tok, char out[AUTH_HASH_LEN + 1],
                    struct sw_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(tok, strlen(tok), md, &n, EVP_sha256(), NULL) ||
        n != AUTH_HASH_LEN / 2)
        return sw_fail(err, SW_ESOFTWARE, _("cannot hash token"));
    hex(md, n, out);
    return 0;
}

int auth_from_header(const char *hdr, char tok[AUTH_TOKEN_LEN + 1])
{
    tok[0] = '\0';
    if (!hdr || strncasecmp(hdr, "Bearer", 6) != 0)
        return 0;
    hdr += 6;
    if (*hdr != ' ' && *hdr != '\t')
        return 0;
    while (*hdr == ' ' || *hdr == '\t')
        hdr++;
    if (strlen(hdr) < AUTH_TOKEN_LEN)
        return 0;
    /* allow trailing blanks, nothing else */
    for (const char *p = hdr + AUTH_TOKEN_LEN; *p; p++)
        if (*p != ' ' && *p != '\t')
            return 0;
    memcpy(tok, hdr, AUTH_TOKEN_LEN);
    tok[AUTH_TOKEN_LEN] = '\0';
    if (!auth_token_wellformed(tok)) {
        tok[0] = '\0';
        return 0;
    }
    return 1;
}

static void copy_col(sdb_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *s = sdb_column_text(st, i);
    snprintf(out, n, "%s", s ? (const char *)s : "");
}

int auth_lookup(sdb *db, const char *tok, struct auth_replica *r, int *found,
                struct sw_err *err)
{
    char h[AUTH_HASH_LEN + 1];
    sdb_stmt *st = NULL;
    int rc;

    *found = 0;
    memset(r, 0, sizeof(*r));
    rc = auth_token_hash(tok, h, err);
    if (!rc)
        rc = db_prepare(db, COUNTY_SQL_AUTH_LOOKUP, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, h, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        *found = 1;
        r->id = sdb_column_int64(st, 0);
        copy_col(st, 1, r->station, sizeof(r->station));
        copy_col(st, 2, r->device, sizeof(r->device));
        copy_col(st, 3, r->site, sizeof(r->site));
        r->acked = sdb_column_int64(st, 4);
        rc = 0;
    } else if (rc == SDB_DONE) {
        rc = 0;
    } else {
        rc = db_fail(err, db, "look up token");
    }
    sdb_finalize(st);
    return rc;
}

int auth_add_replica(sdb *db, const char *station, const char *device,
                     char tok[AUTH_TOKEN_LEN + 1], struct sw_err *err)
{
    char h[AUTH_HASH_LEN + 1];
    sdb_stmt *st = NULL;
    int rc;

    tok[0] = '\0';
    if (!sw_code_valid(device) || strlen(device) > AUTH_DEVICE_MAX)
        return sw_fail(
            err, SW_EDATA,
            _("device: not a valid name (1-%d of A-Z a-z 0-9 _ . -): "
              "%s"),
            AUTH_DEVICE_MAX, device);
    rc = db_prepare(db, SQL_DEVICE_USED, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    sdb_bind_text(st, 2, device, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW)
        rc = sw_fail(err, SW_ECANTCREAT,
                     _("station %s already has a replica '%s' (choose another "
                       "--device name)"),
                     station, device);
    else if (rc == SDB_DONE)
        rc = 0;
    else
        rc = db_fail(err, db, "look up replica");
    sdb_finalize(st);
    st = NULL;
    if (rc)
        return rc;

    rc = auth_new_token(tok, err);
    if (!rc)
        rc = auth_token_hash(tok, h, err);
    if (!rc)
        rc = db_prepare(db, SQL_ADD_REPLICA, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
        sdb_bind_text(st, 2, device, -1, SDB_STATIC);
        sdb_bind_text(st, 3, h, -1, SDB_STATIC);
        sdb_bind_int64(st, 4, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "add replica");
        sdb_finalize(st);
    }
    if (rc) {
        OPENSSL_cleanse(tok, AUTH_TOKEN_LEN + 1);
        tok[0] = '\0';
    }
    return rc;
}
