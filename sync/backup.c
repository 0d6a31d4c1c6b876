/*
** backup.c — encrypted backups (see backup.h; format in docs/privacy.md).
**
** File layout (all integers big-endian):
**   0  8  "SWSYNCBK"
**   8  1  format version (1)
**   9  1  key: 0 key file, 1 scrypt passphrase
**  10  1  role: 'S' station replica, 'C' county store
**  11  1  scrypt log2(N) (0 for a key file)
**  12  4  scrypt r          16  4  scrypt p
**  20 16  salt              36  8  nonce prefix
**  44  4  chunk size (plaintext bytes of every chunk but the last)
**  48 16  key check: HMAC-SHA256(K, "swsync backup key check")[0..16)
**  64     chunks: flag (1: 1 = last), length (4), ciphertext, tag (16)
** K = scrypt(passphrase, salt, N, r, p) or HMAC-SHA256(file key,
** "swsync backup v1" || salt).  Chunk i: AES-256-GCM under K, nonce =
** prefix || i (4 bytes), authenticated data = header (64 bytes) || i ||
** flag || length.  Only the last chunk has the flag; anything after it, a
** missing last chunk, a chunk moved, dropped or changed fails.
*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "backup.h"
#include "hlc.h"

#define HDR_LEN 64
#define CHUNK (1 << 20)
#define TAG_LEN 16
#define SCRYPT_LOG2N 16 /* N = 65536, r = 8: 64 MiB, ~0.2 s a try */
#define SCRYPT_R 8
#define SCRYPT_P 1

static const char MAGIC[8] = {'S', 'W', 'S', 'Y', 'N', 'C', 'B', 'K'};

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* ---- keys ------------------------------------------------------------------
 */

int backup_key_from_file(struct backup_key *k, const char *path,
                         struct sw_err *err)
{
    memset(k, 0, sizeof(*k));
    k->kdf = BACKUP_KDF_KEYFILE;
    return crypt_key_read(path, k->key, err);
}

int backup_key_from_fd(struct backup_key *k, int fd, struct sw_err *err)
{
    char buf[1024];
    size_t n = 0;

    memset(k, 0, sizeof(*k));
    k->kdf = BACKUP_KDF_SCRYPT;
    while (n < sizeof(buf)) {
        ssize_t r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || buf[n] == '\n')
            break;
        n++;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n < 8 || n >= sizeof(buf)) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return sw_fail(err, SW_EUSAGE,
                       _("passphrase: give one line of 8 to 1000 bytes on "
                         "standard input"));
    }
    k->pass = malloc(n);
    if (!k->pass) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    memcpy(k->pass, buf, n);
    k->passlen = n;
    OPENSSL_cleanse(buf, sizeof(buf));
    return 0;
}

void backup_key_release(struct backup_key *k)
{
    if (!k)
        return;
    if (k->pass) {
        OPENSSL_cleanse(k->pass, k->passlen);
        free(k->pass);
    }
    OPENSSL_cleanse(k, sizeof(*k));
}

/* Derive K from the header's parameters; fill check[16]. */
static int derive(const struct backup_key *k, const unsigned char *hdr,
                  unsigned char K[32], unsigned char check[16],
                  struct sw_err *err)
{
    unsigned char msg[16 + 16], mac[32];
    unsigned int maclen;

    if (hdr[9] != k->kdf)
        return sw_fail(err, SW_EPERM,
                       _("this backup was made with %s; give %s"),
                       hdr[9] ? _("a passphrase") : _("a key file"),
                       hdr[9] ? "--passphrase-stdin" : "--key-file");
    if (k->kdf == BACKUP_KDF_SCRYPT) {
        uint64_t N = (uint64_t)1 << hdr[11];
        uint32_t r = get32(hdr + 12), p = get32(hdr + 16);
        if (hdr[11] < 10 || hdr[11] > 22 || r < 1 || r > 32 || p < 1 || p > 16)
            return sw_fail(err, SW_EDATA, _("backup: bad scrypt parameters"));
        if (EVP_PBE_scrypt(k->pass, k->passlen, hdr + 20, 16, N, r, p,
                           (uint64_t)1 << 31, K, 32) != 1)
            return sw_fail(err, SW_ESOFTWARE, _("scrypt failed"));
    } else {
        memcpy(msg, "swsync backup v1", 16);
        memcpy(msg + 16, hdr + 20, 16);
        if (!HMAC(EVP_sha256(), k->key, CRYPT_KEY_LEN, msg, sizeof(msg), K,
                  &maclen))
            return sw_fail(err, SW_ESOFTWARE, _("HMAC failed"));
    }
    if (!HMAC(EVP_sha256(), K, 32,
              (const unsigned char *)"swsync backup key "
                                     "check",
              23, mac, &maclen))
        return sw_fail(err, SW_ESOFTWARE, _("HMAC failed"));
    memcpy(check, mac, 16);
    return 0;
}

/* ---- writing ---------------------------------------------------------------
 */

struct sealer {
    int fd;
    EVP_CIPHER_CTX *c;
    unsigned char hdr[HDR_LEN];
    uint32_t idx;
};

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int seal_chunk(struct sealer *s, const unsigned char *in, uint32_t len,
                      int last, unsigned char *out, struct sw_err *err)
{
    unsigned char nonce[12], aad[HDR_LEN + 9], head[5];
    int n;

    memcpy(nonce, s->hdr + 36, 8);
    put32(nonce + 8, s->idx);
    head[0] = (unsigned char)(last ? 1 : 0);
    put32(head + 1, len);
    memcpy(aad, s->hdr, HDR_LEN);
    put32(aad + HDR_LEN, s->idx);
    memcpy(aad + HDR_LEN + 4, head, 5);
    if (EVP_EncryptInit_ex(s->c, NULL, NULL, NULL, nonce) != 1 ||
        EVP_EncryptUpdate(s->c, NULL, &n, aad, sizeof(aad)) != 1 ||
        EVP_EncryptUpdate(s->c, out, &n, in, (int)len) != 1 ||
        EVP_EncryptFinal_ex(s->c, out + n, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(s->c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + len) !=
            1)
        return sw_fail(err, SW_ESOFTWARE, _("encryption failed"));
    if (write_all(s->fd, head, 5) || write_all(s->fd, out, len + TAG_LEN))
        return sw_fail(err, SW_EIO, _("write backup: %s"), strerror(errno));
    s->idx++;
    return 0;
}

/* A scratch file name beside path: "<path>.<tag>-XXXXXX", created 0600. */
static char *scratch_name(const char *path, const char *tag, int *fd,
                          struct sw_err *err)
{
    struct sw_buf sb;
    char *name;
    sb_init(&sb);
    sb_addf(&sb, "%s.%s-XXXXXX", path, tag);
    name = sb_detach(&sb, NULL);
    if (!name) {
        sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        return NULL;
    }
    *fd = mkstemp(name);
    if (*fd < 0) {
        sw_fail(err, SW_ECANTCREAT, "%s: %s", name, strerror(errno));
        free(name);
        return NULL;
    }
    return name;
}

/* The sqlite3_file under a connection's main database. */
static sqlite3_file *file_of(sdb *db)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(sdb_sqlite(db), "main", SQLITE_FCNTL_FILE_POINTER,
                             &f) != SDB_OK)
        return NULL;
    return f;
}

static int open_vfs(const char *path, const char *vfs, int flags, sdb **out,
                    struct sw_err *err)
{
    sqlite3 *h = NULL;
    int orc = sqlite3_open_v2(path, &h, flags, vfs);
    sdb *db = sdb_sqlite_wrap(h);
    if (!db) {
        sqlite3_close_v2(h);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    if (orc != SQLITE_OK) {
        int rc = db_fail(err, db, path);
        sdb_close(db);
        return rc;
    }
    sqlite3_extended_result_codes(h, 1);
    *out = db;
    return 0;
}

int backup_write(sdb *db, enum sw_role role, const char *out,
                 const struct backup_key *k, struct sw_err *err)
{
    struct sealer s = {.fd = -1};
    char *snap = NULL, *tmp = NULL, *uri = NULL;
    unsigned char K[32], *plain = NULL, *cipher = NULL, hdr100[100];
    sdb *snapdb = NULL;
    sdb_stmt *st = NULL;
    sqlite3_file *f;
    sqlite3_int64 size;
    int fd = -1, rc, ps, reserve = CRYPT_RESERVE;
    uint32_t fill = 0;

    rc = crypt_init(err);
    if (rc)
        return rc;
    /* 1. the snapshot, under the ephemeral key, with room for nonce+tag */
    snap = scratch_name(out, "snap", &fd, err);
    if (!snap)
        return err ? err->code : SW_ECANTCREAT;
    close(fd);
    fd = -1;
    uri = crypt_uri(snap, CRYPT_VFS_EPH);
    if (!uri) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    unlink(snap); /* VACUUM INTO wants no file there */
    sqlite3_file_control(sdb_sqlite(db), "main", SQLITE_FCNTL_RESERVE_BYTES,
                         &reserve);
    rc = db_prepare(db, "VACUUM INTO ?1", &st, err);
    if (rc)
        goto out;
    sdb_bind_text(st, 1, uri, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, "snapshot");
        goto out;
    }
    sdb_finalize(st);
    st = NULL;
    rc = open_vfs(snap, CRYPT_VFS_EPH, SQLITE_OPEN_READONLY, &snapdb, err);
    if (rc)
        goto out;
    f = file_of(snapdb);
    if (!f || f->pMethods->xFileSize(f, &size) != SDB_OK ||
        f->pMethods->xRead(f, hdr100, 100, 0) != SDB_OK) {
        rc = sw_fail(err, SW_EIO, _("snapshot: cannot read it"));
        goto out;
    }
    ps = hdr100[16] << 8 | hdr100[17];
    if (ps == 1)
        ps = 65536;
    if (hdr100[20] != CRYPT_RESERVE || ps < 512 || size % ps) {
        rc = sw_fail(err, SW_ESOFTWARE, _("snapshot: unexpected layout"));
        goto out;
    }

    /* 2. the backup file */
    tmp = scratch_name(out, "tmp", &s.fd, err);
    if (!tmp) {
        rc = err ? err->code : SW_ECANTCREAT;
        goto out;
    }
    memcpy(s.hdr, MAGIC, 8);
    s.hdr[8] = 1;
    s.hdr[9] = (unsigned char)k->kdf;
    s.hdr[10] = role == SW_ROLE_STATION ? 'S' : 'C';
    if (k->kdf == BACKUP_KDF_SCRYPT) {
        s.hdr[11] = SCRYPT_LOG2N;
        put32(s.hdr + 12, SCRYPT_R);
        put32(s.hdr + 16, SCRYPT_P);
    }
    if (RAND_bytes(s.hdr + 20, 24) != 1) { /* salt and nonce prefix */
        rc = sw_fail(err, SW_ESOFTWARE, _("no random bytes"));
        goto out;
    }
    put32(s.hdr + 44, CHUNK);
    rc = derive(k, s.hdr, K, s.hdr + 48, err);
    if (rc)
        goto out;
    s.c = EVP_CIPHER_CTX_new();
    plain = malloc(CHUNK);
    cipher = malloc(CHUNK + TAG_LEN);
    if (!s.c || !plain || !cipher ||
        EVP_EncryptInit_ex(s.c, EVP_aes_256_gcm(), NULL, K, NULL) != 1) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    if (write_all(s.fd, s.hdr, HDR_LEN)) {
        rc = sw_fail(err, SW_EIO, _("write %s: %s"), tmp, strerror(errno));
        goto out;
    }
    for (int64_t off = 0; off < size; off += ps) {
        if (f->pMethods->xRead(f, plain + fill, ps, off) != SDB_OK) {
            rc = sw_fail(err, SW_EIO, _("snapshot: cannot read page %lld"),
                         (long long)(off / ps + 1));
            goto out;
        }
        fill += (uint32_t)ps;
        if (fill == CHUNK || off + ps >= size) {
            rc = seal_chunk(&s, plain, fill, off + ps >= size, cipher, err);
            if (rc)
                goto out;
            fill = 0;
        }
    }
    if (fsync(s.fd) != 0 || close(s.fd) != 0) {
        s.fd = -1;
        rc = sw_fail(err, SW_EIO, _("write %s: %s"), tmp, strerror(errno));
        goto out;
    }
    s.fd = -1;
    if (rename(tmp, out) != 0) {
        rc = sw_fail(err, SW_ECANTCREAT, "%s: %s", out, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(K, sizeof(K));
    if (plain)
        OPENSSL_cleanse(plain, CHUNK);
    free(plain);
    free(cipher);
    EVP_CIPHER_CTX_free(s.c);
    if (s.fd >= 0)
        close(s.fd);
    if (tmp && rc)
        unlink(tmp);
    sdb_finalize(st);
    if (snapdb)
        sdb_close(snapdb);
    if (snap)
        db_remove(snap);
    free(snap);
    free(tmp);
    free(uri);
    return rc;
}

/* ---- reading ---------------------------------------------------------------
 */

static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (int)(got == n);
}

/*
** Decrypt backup `in` into the empty database file under db (written page
** by page through its VFS).  Fills info->role and info->bytes.
*/
static int unseal_into(const char *in, enum sw_role role,
                       const struct backup_key *k, sdb *db,
                       struct backup_info *info, struct sw_err *err)
{
    unsigned char hdr[HDR_LEN], K[32], check[16], head[5], nonce[12];
    unsigned char aad[HDR_LEN + 9], *buf = NULL, extra;
    EVP_CIPHER_CTX *c = NULL;
    sqlite3_file *f = file_of(db);
    int fd, rc = 0, last = 0, n, ps = 0;
    uint32_t idx = 0, chunk;
    int64_t off = 0;

    fd = open(in, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sw_fail(err, SW_ENOINPUT, "%s: %s", in, strerror(errno));
    if (read_full(fd, hdr, HDR_LEN) != 1 || memcmp(hdr, MAGIC, 8) != 0) {
        rc = sw_fail(err, SW_EDATA, _("%s: not a swsync backup"), in);
        goto out;
    }
    if (hdr[8] != 1) {
        rc =
            sw_fail(err, SW_EDATA,
                    _("%s: backup format %d; this swsync reads 1"), in, hdr[8]);
        goto out;
    }
    if (hdr[10] != (role == SW_ROLE_STATION ? 'S' : 'C')) {
        rc = sw_fail(err, SW_EDATA, _("%s: a backup of a %s, not of a %s"), in,
                     hdr[10] == 'S' ? _("station replica") : _("county store"),
                     role == SW_ROLE_STATION ? _("station replica")
                                             : _("county store"));
        goto out;
    }
    chunk = get32(hdr + 44);
    if (chunk < 65536 || chunk > (1u << 24) || chunk % 65536) {
        rc = sw_fail(err, SW_EDATA, _("%s: damaged (bad chunk size)"), in);
        goto out;
    }
    rc = derive(k, hdr, K, check, err);
    if (rc)
        goto out;
    if (CRYPTO_memcmp(check, hdr + 48, 16) != 0) {
        rc = sw_fail(err, SW_EPERM,
                     _("%s: wrong %s (or the backup's header is damaged)"), in,
                     k->kdf == BACKUP_KDF_SCRYPT ? _("passphrase") : _("key"));
        goto out;
    }
    c = EVP_CIPHER_CTX_new();
    buf = malloc(chunk + TAG_LEN);
    if (!c || !buf ||
        EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, K, NULL) != 1) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    while (!last) {
        uint32_t len;
        int got = read_full(fd, head, 5);
        if (got != 1) {
            rc = got < 0 ? sw_fail(err, SW_EIO, "%s: %s", in, strerror(errno))
                         : sw_fail(err, SW_EDATA,
                                   _("%s: truncated (chunk %u and the end are "
                                     "missing)"),
                                   in, (unsigned)idx);
            goto out;
        }
        last = head[0] == 1;
        len = get32(head + 1);
        if (head[0] > 1 || len > chunk || (!last && len != chunk) || len == 0) {
            rc = sw_fail(err, SW_EDATA, _("%s: damaged (chunk %u)"), in,
                         (unsigned)idx);
            goto out;
        }
        got = read_full(fd, buf, len + TAG_LEN);
        if (got != 1) {
            rc = sw_fail(err, SW_EDATA, _("%s: truncated (in chunk %u)"), in,
                         (unsigned)idx);
            goto out;
        }
        memcpy(nonce, hdr + 36, 8);
        put32(nonce + 8, idx);
        memcpy(aad, hdr, HDR_LEN);
        put32(aad + HDR_LEN, idx);
        memcpy(aad + HDR_LEN + 4, head, 5);
        if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
            EVP_DecryptUpdate(c, NULL, &n, aad, sizeof(aad)) != 1 ||
            EVP_DecryptUpdate(c, buf, &n, buf, (int)len) != 1 ||
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, buf + len) !=
                1 ||
            EVP_DecryptFinal_ex(c, buf + n, &n) != 1) {
            rc = sw_fail(err, SW_EDATA,
                         _("%s: damaged (chunk %u does not authenticate)"), in,
                         (unsigned)idx);
            goto out;
        }
        if (idx == 0) {
            if (len < 100 || memcmp(buf, "SQLite format 3", 16) != 0 ||
                buf[20] != CRYPT_RESERVE) {
                rc = sw_fail(err, SW_EDATA, _("%s: no database inside"), in);
                goto out;
            }
            ps = buf[16] << 8 | buf[17];
            if (ps == 1)
                ps = 65536;
            if (ps < 512 || chunk % (uint32_t)ps) {
                rc = sw_fail(err, SW_EDATA, _("%s: no database inside"), in);
                goto out;
            }
        }
        if (len % (uint32_t)ps) {
            rc = sw_fail(err, SW_EDATA, _("%s: damaged (a partial page)"), in);
            goto out;
        }
        for (uint32_t i = 0; i < len; i += (uint32_t)ps, off += ps)
            if (f->pMethods->xWrite(f, buf + i, ps, off) != SDB_OK) {
                rc = sw_fail(err, SW_EIO, _("write the restored database"));
                goto out;
            }
        idx++;
    }
    if (read(fd, &extra, 1) != 0) {
        rc = sw_fail(err, SW_EDATA, _("%s: damaged (data after the end)"), in);
        goto out;
    }
    if (f->pMethods->xSync(f, SQLITE_SYNC_FULL) != SDB_OK) {
        rc = sw_fail(err, SW_EIO, _("sync the restored database"));
        goto out;
    }
    info->role = role;
    info->bytes = off;
out:
    OPENSSL_cleanse(K, sizeof(K));
    if (buf)
        OPENSSL_cleanse(buf, chunk + TAG_LEN);
    free(buf);
    EVP_CIPHER_CTX_free(c);
    close(fd);
    return rc;
}

static int64_t count_of(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int64_t n = -1;
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) != SDB_OK)
        return -1;
    if (sdb_step(st) == SDB_ROW)
        n = sdb_column_int64(st, 0);
    sdb_finalize(st);
    return n;
}

/*
** When a database last changed, in ms since the epoch: the later of its
** clock (sync_state.hlc: every pull, seal and county write moves it) and,
** at a station, its newest unsent edit (outbox.edited_at) and sealed
** change (pending.hlc).  "Newer" in restore compares these.
*/
static int64_t last_change_ms(sdb *db, enum sw_role role)
{
    int64_t t = hlc_ms(count_of(db, "SELECT hlc FROM sync_state WHERE id = 1"));
    if (role == SW_ROLE_STATION) {
        int64_t e =
            count_of(db, "SELECT coalesce(max(edited_at), 0) FROM outbox");
        int64_t p =
            hlc_ms(count_of(db, "SELECT coalesce(max(hlc), 0) FROM pending"));
        if (e > t)
            t = e;
        if (p > t)
            t = p;
    }
    return t;
}

/* Check a decrypted database: kind, integrity; fill the counts. */
static int check_db(sdb *db, const char *in, enum sw_role role,
                    struct backup_info *info, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int64_t appid;
    int rc = 0;

    appid = count_of(db, "PRAGMA application_id");
    if (appid != (role == SW_ROLE_STATION ? DB_APPID_STATION : DB_APPID_COUNTY))
        return sw_fail(
            err, SW_EDATA, _("%s: the database inside is not a %s"), in,
            role == SW_ROLE_STATION ? _("station replica") : _("county store"));
    rc = db_prepare(db, "PRAGMA integrity_check", &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) != SDB_ROW ||
        strcmp((const char *)sdb_column_text(st, 0), "ok") != 0) {
        rc = sw_fail(err, SW_EDATA, _("%s: integrity check failed: %s"), in,
                     sdb_column_text(st, 0)
                         ? (const char *)sdb_column_text(st, 0)
                         : sdb_errmsg(db));
        sdb_finalize(st);
        return rc;
    }
    sdb_finalize(st);
    info->last_ms = last_change_ms(db, role);
    info->cases = count_of(db, "SELECT count(*) FROM cases");
    info->visits = count_of(db, "SELECT count(*) FROM visits");
    info->services = count_of(db, "SELECT count(*) FROM services");
    info->site[0] = '\0';
    if (role == SW_ROLE_STATION) {
        char *site = NULL;
        if (db_config_get(db, "site", &site, NULL) == 0 && site)
            snprintf(info->site, sizeof(info->site), "%s", site);
        free(site);
    }
    return 0;
}

/* Decrypt into a new scratch database beside near (vfs); check it. */
static int unpack(const char *in, enum sw_role role, const struct backup_key *k,
                  const char *near, const char *vfs, char **scratch,
                  struct backup_info *info, struct sw_err *err)
{
    sdb *db = NULL;
    int fd, rc;
    char *name = scratch_name(near, "restore", &fd, err);

    *scratch = NULL;
    if (!name)
        return err ? err->code : SW_ECANTCREAT;
    close(fd);
    rc = open_vfs(name, vfs, SQLITE_OPEN_READWRITE, &db, err);
    if (!rc)
        rc = unseal_into(in, role, k, db, info, err);
    if (db)
        sdb_close(db);
    db = NULL;
    if (!rc) {
        /* a fresh connection reads what was written */
        rc = open_vfs(name, vfs, SQLITE_OPEN_READWRITE, &db, err);
        if (!rc && vfs)
            rc = db_exec(db, "PRAGMA temp_store = MEMORY", err);
        if (!rc)
            rc = check_db(db, in, role, info, err);
        if (db)
            sdb_close(db);
    }
    if (rc) {
        db_remove(name);
        free(name);
        return rc;
    }
    *scratch = name;
    return 0;
}

int backup_verify(const char *in, enum sw_role role, const struct backup_key *k,
                  struct backup_info *info, struct sw_err *err)
{
    char *scratch = NULL;
    int rc = crypt_init(err);
    if (rc)
        return rc;
    memset(info, 0, sizeof(*info));
    rc = unpack(in, role, k, in, CRYPT_VFS_EPH, &scratch, info, err);
    if (scratch)
        db_remove(scratch);
    free(scratch);
    return rc;
}

/*
** Fold the WAL into db's file and check that no other connection has it
** open: an exclusive lock on the file (locking_mode EXCLUSIVE) fails
** while another process (a server, a sync) holds it.  1: in use.
*/
static int in_use(sdb *db)
{
    sdb_stmt *st;
    int busy = 1;
    sqlite3_busy_timeout(sdb_sqlite(db), 0);
    if (sdb_exec5(db,
                  "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; "
                  "COMMIT",
                  NULL, NULL, NULL) != SDB_OK) {
        db_rollback(db);
        return 1;
    }
    if (sdb_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL) ==
        SDB_OK) {
        busy = sdb_step(st) == SDB_ROW ? sdb_column_int(st, 0) : 1;
        sdb_finalize(st);
    }
    return busy;
}

/*
** Does another process have db_path open?  Every SQLite connection in WAL
** mode holds a shared lock on byte 128 of "-shm" (its DMS lock) while
** open.  Called before this process opens db_path: closing the probe
** would drop our own POSIX locks on the file.
*/
static int shm_busy(const char *db_path)
{
    struct sw_buf sb;
    struct flock fl;
    int fd, busy = 0;

    sb_init(&sb);
    sb_addf(&sb, "%s-shm", db_path);
    if (sb.oom)
        return 1;
    fd = open(sb.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    sb_release(&sb);
    if (fd < 0)
        return 0; /* no -shm: nobody has it open in WAL mode */
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 128;
    fl.l_len = 1;
    if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type != F_UNLCK)
        busy = 1;
    close(fd);
    return busy;
}

/* Take "<db>.lock" (the sync lock) at once, or SW_ETEMP. */
static int lock_db(const char *db_path, int *fd, struct sw_err *err)
{
    struct sw_buf sb;
    int rc = 0;
    sb_init(&sb);
    sb_addf(&sb, "%s.lock", db_path);
    if (sb.oom)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    *fd = open(sb.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (*fd < 0)
        rc = sw_fail(err, SW_ECANTCREAT, _("lock file %s: %s"), sb.buf,
                     strerror(errno));
    else if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        rc = sw_fail(err, SW_ETEMP, _("%s is in use (a sync holds %s)"),
                     db_path, sb.buf);
        close(*fd);
        *fd = -1;
    }
    sb_release(&sb);
    return rc;
}

int backup_restore(const char *in, enum sw_role role, const char *db_path,
                   const struct backup_key *k, int force,
                   struct backup_info *info, struct sw_err *err)
{
    char *scratch = NULL, *dir = NULL;
    const char *vfs = NULL;
    sdb *old = NULL;
    struct sw_err oerr;
    struct stat stb;
    int rc, lock = -1, exists, dfd;

    memset(info, 0, sizeof(*info));
    rc = crypt_init(err);
    if (rc)
        return rc;
    exists = stat(db_path, &stb) == 0;
    if (crypt_have_key() || (exists && crypt_file_is_encrypted(db_path))) {
        if (!crypt_have_key())
            return crypt_check_key(db_path, err); /* says: give the key */
        vfs = CRYPT_VFS;
    }
    rc = lock_db(db_path, &lock, err);
    if (rc)
        return rc;
    if (exists && shm_busy(db_path)) {
        close(lock);
        return sw_fail(err, SW_ETEMP,
                       _("%s is in use (stop the server or the sync first)"),
                       db_path);
    }
    rc = unpack(in, role, k, db_path, vfs, &scratch, info, err);
    if (rc)
        goto out;
    if (exists) {
        struct backup_info cur;
        memset(&cur, 0, sizeof(cur));
        sw_err_clear(&oerr);
        if (db_open(db_path, role, &old, &oerr) != 0) {
            if (!force) {
                rc = sw_fail(err, SW_ECANTCREAT,
                             _("%s cannot be read (%s); restore over it with "
                               "--force"),
                             db_path, oerr.msg);
                goto out;
            }
        } else {
            cur.last_ms = last_change_ms(old, role);
            if (role == SW_ROLE_STATION) {
                char *site = NULL;
                if (db_config_get(old, "site", &site, NULL) == 0 && site)
                    snprintf(cur.site, sizeof(cur.site), "%s", site);
                free(site);
            }
            if (!force && cur.last_ms > info->last_ms) {
                rc = sw_fail(err, SW_ECANTCREAT,
                             _("%s is newer than the backup (changed %lld ms "
                               "after it); restore over it with --force"),
                             db_path, (long long)(cur.last_ms - info->last_ms));
                goto out;
            }
            if (!force && strcmp(cur.site, info->site) != 0) {
                rc = sw_fail(err, SW_ECANTCREAT,
                             _("%s is another replica (%s) than the backup's "
                               "(%s); restore over it with --force"),
                             db_path, cur.site, info->site);
                goto out;
            }
            if (in_use(old)) {
                rc = sw_fail(err, SW_ETEMP,
                             _("%s is in use (stop the server or the sync "
                               "first)"),
                             db_path);
                goto out;
            }
            db_close(old);
            old = NULL;
        }
    }
    /* the old -wal and -shm must not meet the new file */
    {
        struct sw_buf sb;
        sb_init(&sb);
        sb_addf(&sb, "%s-wal", db_path);
        if (!sb.oom)
            unlink(sb.buf);
        sb_release(&sb);
        sb_init(&sb);
        sb_addf(&sb, "%s-shm", db_path);
        if (!sb.oom)
            unlink(sb.buf);
        sb_release(&sb);
    }
    if (rename(scratch, db_path) != 0) {
        rc = sw_fail(err, SW_ECANTCREAT, "%s: %s", db_path, strerror(errno));
        goto out;
    }
    db_forget(db_path);
    free(scratch);
    scratch = NULL;
    dir = sw_strdup(db_path);
    if (dir) {
        dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    rc = 0;
out:
    db_close(old);
    if (scratch)
        db_remove(scratch);
    free(scratch);
    free(dir);
    if (lock >= 0)
        close(lock);
    return rc;
}

int backup_encrypt_in_place(const char *db_path, enum sw_role role,
                            struct sw_err *err)
{
    sdb *db = NULL, *cdb = NULL;
    sdb_stmt *st = NULL;
    char *scratch = NULL, *uri = NULL;
    struct backup_info info;
    int rc, fd, lock = -1, reserve = CRYPT_RESERVE;

    if (!crypt_have_key())
        return sw_fail(err, SW_ESOFTWARE, _("encrypt: no key loaded"));
    if (crypt_file_is_encrypted(db_path))
        return sw_fail(err, SW_ECONFIG, _("%s is encrypted already"), db_path);
    rc = lock_db(db_path, &lock, err);
    if (rc)
        return rc;
    if (shm_busy(db_path)) {
        rc = sw_fail(err, SW_ETEMP,
                     _("%s is in use (stop the server or the sync first)"),
                     db_path);
        goto out;
    }
    rc = db_open(db_path, role, &db, err);
    if (rc)
        goto out;
    scratch = scratch_name(db_path, "encrypt", &fd, err);
    if (!scratch) {
        rc = err ? err->code : SW_ECANTCREAT;
        goto out;
    }
    close(fd);
    unlink(scratch);
    uri = crypt_uri(scratch, CRYPT_VFS);
    if (!uri) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    sqlite3_file_control(sdb_sqlite(db), "main", SQLITE_FCNTL_RESERVE_BYTES,
                         &reserve);
    rc = db_prepare(db, "VACUUM INTO ?1", &st, err);
    if (rc)
        goto out;
    sdb_bind_text(st, 1, uri, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, db, "encrypted copy");
        goto out;
    }
    sdb_finalize(st);
    st = NULL;
    rc = open_vfs(scratch, CRYPT_VFS, SQLITE_OPEN_READWRITE, &cdb, err);
    if (!rc)
        rc = db_exec(cdb, "PRAGMA temp_store = MEMORY", err);
    if (!rc)
        rc = check_db(cdb, scratch, role, &info, err);
    if (cdb)
        sdb_close(cdb);
    if (rc)
        goto out;
    if (in_use(db)) {
        rc = sw_fail(err, SW_ETEMP,
                     _("%s is in use (stop the server or the sync first)"),
                     db_path);
        goto out;
    }
    db_close(db);
    db = NULL;
    {
        struct sw_buf sb;
        sb_init(&sb);
        sb_addf(&sb, "%s-wal", db_path);
        if (!sb.oom)
            unlink(sb.buf);
        sb_release(&sb);
    }
    if (rename(scratch, db_path) != 0) {
        rc = sw_fail(err, SW_ECANTCREAT, "%s: %s", db_path, strerror(errno));
        goto out;
    }
    db_forget(db_path);
    free(scratch);
    scratch = NULL;
    rc = 0;
out:
    sdb_finalize(st);
    db_close(db);
    if (scratch)
        db_remove(scratch);
    free(scratch);
    free(uri);
    if (lock >= 0)
        close(lock);
    return rc;
}

/* ---- the command line ------------------------------------------------------
 */

int backup_cli(enum sw_role role, const char *db_path, int argc, char **argv,
               struct backup_info *info, const char **what, struct sw_err *err)
{
    static const struct option opts[] = {
        {"key-file", required_argument, NULL, 'k'},
        {"passphrase-stdin", no_argument, NULL, 'p'},
        {"force", no_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    struct backup_key k;
    const char *key_file = NULL, *file;
    int opt, pass = 0, force = 0, rc, verify = 0;
    int restore = strcmp(argv[0], "restore") == 0;
    sdb *db = NULL;

    memset(&k, 0, sizeof(k));
    memset(info, 0, sizeof(*info));
    optind = 0; /* GNU: start afresh, options may follow FILE */
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            key_file = optarg;
            break;
        case 'p':
            pass = 1;
            break;
        case 'f':
            force = 1;
            break;
        default:
            return SW_EUSAGE;
        }
    }
    if (!restore && optind < argc && strcmp(argv[optind], "verify") == 0) {
        verify = 1;
        optind++;
    }
    *what = restore ? "restore" : verify ? "verify" : "backup";
    if (optind + 1 != argc)
        return sw_fail(err, SW_EUSAGE, _("%s: give one FILE"), argv[0]);
    file = argv[optind];
    if (force && !restore)
        return sw_fail(err, SW_EUSAGE, _("--force is for restore"));
    if (!key_file == !pass)
        return sw_fail(err, SW_EUSAGE,
                       _("%s: give --key-file FILE or --passphrase-stdin"),
                       argv[0]);
    rc = key_file ? backup_key_from_file(&k, key_file, err)
                  : backup_key_from_fd(&k, 0, err);
    if (rc)
        goto out;
    if (restore) {
        rc = backup_restore(file, role, db_path, &k, force, info, err);
    } else if (verify) {
        rc = backup_verify(file, role, &k, info, err);
    } else {
        rc = db_open(db_path, role, &db, err);
        if (!rc)
            rc = backup_write(db, role, file, &k, err);
    }
out:
    db_close(db);
    backup_key_release(&k);
    return rc;
}

int backup_command(enum sw_role role, const char *db_path, const char *key_path,
                   int quiet, int argc, char **argv, struct sw_err *err)
{
    struct backup_info info;
    const char *what = "backup";
    int rc, n = 0, made = 0;

    /* restore --encrypt: onto a new PC, encrypted with a new key file */
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[0], "restore") == 0 &&
            strcmp(argv[i], "--encrypt") == 0) {
            made = access(key_path, F_OK) != 0;
            rc = crypt_load(key_path, 1, 0, err);
            if (rc)
                return rc;
            continue;
        }
        argv[n++] = argv[i];
    }
    argc = n;
    rc = backup_cli(role, db_path, argc, argv, &info, &what, err);
    if (rc) {
        if (made)
            unlink(key_path); /* the key of nothing */
        return rc;
    }
    if (strcmp(what, "backup") == 0) {
        if (!quiet)
            printf(_("backup: %s written\n"), argv[argc - 1]);
    } else if (quiet && strcmp(what, "verify") != 0) {
        /* nothing to say */
    } else if (role == SW_ROLE_STATION) {
        printf(_("%s: ok, site %s, %lld bytes, cases %lld, visits %lld, "
                 "services %lld\n"),
               what, info.site[0] ? info.site : "-", (long long)info.bytes,
               (long long)info.cases, (long long)info.visits,
               (long long)info.services);
    } else {
        printf(
            _("%s: ok, %lld bytes, cases %lld, visits %lld, services %lld\n"),
            what, (long long)info.bytes, (long long)info.cases,
            (long long)info.visits, (long long)info.services);
    }
    return 0;
}

int backup_encrypt_command(enum sw_role role, const char *db_path,
                           const char *key_path, int quiet, int argc,
                           struct sw_err *err)
{
    int rc, made;
    if (argc != 1)
        return sw_fail(err, SW_EUSAGE, _("encrypt takes no argument"));
    made = access(key_path, F_OK) != 0;
    rc = crypt_load(key_path, 1, 0, err);
    if (rc)
        return rc;
    rc = backup_encrypt_in_place(db_path, role, err);
    if (rc && made)
        unlink(key_path); /* the key of nothing */
    if (!rc && !quiet)
        printf(_("encrypt: %s is encrypted; its key is %s (keep a copy "
                 "elsewhere)\n"),
               db_path, key_path);
    return rc;
}
