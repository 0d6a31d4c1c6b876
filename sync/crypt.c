/*
** crypt.c — the encrypting SQLite VFS (see crypt.h and docs/privacy.md).
**
** The shim sits over the default VFS ("unix") and changes only what goes
** through xRead and xWrite.  It recognises a page by its size (a power of
** two from 512 to 65536) and where it lies:
**   main file   at a multiple of its size: page number offset/size + 1;
**   -wal        at 32 + k*(size+24) + 24 (a frame's page), and whole
**               frames (size+24 bytes at 32 + k*(size+24)) when SQLite
**               recovers the WAL;
**   -journal    at an offset = 4 (mod 8) (a record's page: records are
**               4 + size + 4 bytes after sector-sized headers).
** Anything else (headers, page numbers, checksums) is passed as it is:
** it holds no record value.  A page write that fits none of these on a
** main file or -wal is refused (SQLITE_IOERR_WRITE) rather than written
** plain.  SQLite never uses the reserved bytes of a page itself; the shim
** stores nonce and tag there and hands them back zeroed, so what SQLite
** reads is what it wrote (the WAL and journal checksums depend on it).
*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypt.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define HDR_PLAIN 100 /* page 1: the SQLite header stays plain */

enum kind { K_MAIN, K_WAL, K_JOURNAL, K_TEMP };

struct ckey {
    unsigned char key[CRYPT_KEY_LEN];
    int set;
};

struct cfile {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, right after this struct */
    enum kind kind;
    struct ckey *key;
    EVP_CIPHER_CTX *enc, *dec; /* AES-256-GCM under key */
    EVP_CIPHER_CTX *ctr;       /* K_TEMP: AES-256-CTR, random key */
    unsigned char ctr_iv[8];
    unsigned char *buf;
    size_t cap;
    /* random nonces, drawn from the CSPRNG 256 at a time (one call for
       each costs about as much as encrypting the page) */
    unsigned char nonces[NONCE_LEN * 256];
    int nonces_left;
};

static struct ckey main_key, eph_key;
static sqlite3_vfs *orig_vfs;
static sqlite3_vfs vfs_main, vfs_eph;
static const unsigned char sqlite_magic[16] = "SQLite format 3";
static const unsigned char crypt_magic[16] = CRYPT_MAGIC;

/* ---- the page cipher ------------------------------------------------------
 */

static int is_page_size(int n)
{
    return n >= 512 && n <= 65536 && (n & (n - 1)) == 0;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static size_t make_aad(unsigned char *aad, char kind, uint64_t where,
                       const unsigned char *page, int hdr)
{
    aad[0] = (unsigned char)kind;
    put64(aad + 1, where);
    if (hdr) {
        memcpy(aad + 9, page + 16, HDR_PLAIN - 16);
        return 9 + HDR_PLAIN - 16;
    }
    return 9;
}

static EVP_CIPHER_CTX *gcm_ctx(const unsigned char *key, int encrypt)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return NULL;
    if ((encrypt ? EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, NULL)
                 : EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, NULL)) !=
        1) {
        EVP_CIPHER_CTX_free(c);
        return NULL;
    }
    return c;
}

/* Put a fresh random nonce at out. */
static int next_nonce(struct cfile *f, unsigned char *out)
{
    if (f->nonces_left == 0) {
        if (RAND_bytes(f->nonces, sizeof(f->nonces)) != 1)
            return -1;
        f->nonces_left = (int)(sizeof(f->nonces) / NONCE_LEN);
    }
    f->nonces_left--;
    memcpy(out, f->nonces + f->nonces_left * NONCE_LEN, NONCE_LEN);
    OPENSSL_cleanse(f->nonces + f->nonces_left * NONCE_LEN, NONCE_LEN);
    return 0;
}

/*
** Encrypt page[from, n - CRYPT_RESERVE) into out (same offsets), write
** a fresh nonce and the tag into out's reserve.  out[0, from) is copied
** plain.
*/
static int seal(struct cfile *f, const unsigned char *page, int n, int from,
                const unsigned char *aad, size_t naad, unsigned char *out)
{
    EVP_CIPHER_CTX *c = f->enc;
    unsigned char *nonce = out + n - CRYPT_RESERVE;
    int len, end = n - CRYPT_RESERVE;

    if (next_nonce(f, nonce))
        return -1;
    memcpy(out, page, (size_t)from);
    if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
        EVP_EncryptUpdate(c, NULL, &len, aad, (int)naad) != 1 ||
        EVP_EncryptUpdate(c, out + from, &len, page + from, end - from) != 1 ||
        EVP_EncryptFinal_ex(c, out + from + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
                            nonce + NONCE_LEN) != 1)
        return -1;
    return 0;
}

/* Decrypt page in place; its reserve is zeroed.  -1: not authentic. */
static int open_page(EVP_CIPHER_CTX *c, unsigned char *page, int n, int from,
                     const unsigned char *aad, size_t naad)
{
    unsigned char nonce[NONCE_LEN], tag[TAG_LEN];
    int len, end = n - CRYPT_RESERVE;

    memcpy(nonce, page + end, NONCE_LEN);
    memcpy(tag, page + end + NONCE_LEN, TAG_LEN);
    if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
        EVP_DecryptUpdate(c, NULL, &len, aad, (int)naad) != 1 ||
        EVP_DecryptUpdate(c, page + from, &len, page + from, end - from) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1 ||
        EVP_DecryptFinal_ex(c, page + from + len, &len) != 1)
        return -1;
    memset(page + end, 0, CRYPT_RESERVE);
    return 0;
}

static int all_zero(const unsigned char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* AES-CTR keystream at byte offset off (temporary files). */
static int ctr_xor(struct cfile *f, unsigned char *data, int n, int64_t off)
{
    unsigned char iv[16], skip[16];
    int len;
    memcpy(iv, f->ctr_iv, 8);
    put64(iv + 8, (uint64_t)off / 16);
    if (EVP_EncryptInit_ex(f->ctr, NULL, NULL, NULL, iv) != 1)
        return -1;
    if (off % 16 &&
        EVP_EncryptUpdate(f->ctr, skip, &len, skip, (int)(off % 16)) != 1)
        return -1;
    return EVP_EncryptUpdate(f->ctr, data, &len, data, n) == 1 ? 0 : -1;
}

static unsigned char *scratch(struct cfile *f, size_t n)
{
    if (f->cap < n) {
        unsigned char *b = realloc(f->buf, n);
        if (!b)
            return NULL;
        f->buf = b;
        f->cap = n;
    }
    return f->buf;
}

/* ---- io methods ------------------------------------------------------------
 */

#define REAL(p) (((struct cfile *)(p))->real)

static int c_close(sqlite3_file *pf)
{
    struct cfile *f = (struct cfile *)pf;
    int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    EVP_CIPHER_CTX_free(f->enc);
    EVP_CIPHER_CTX_free(f->dec);
    EVP_CIPHER_CTX_free(f->ctr);
    if (f->buf)
        OPENSSL_cleanse(f->buf, f->cap);
    free(f->buf);
    f->buf = NULL;
    f->enc = f->dec = f->ctr = NULL;
    return rc;
}

/* Decrypt one page at buf (file offset off); SQLITE_OK or IOERR_DATA. */
static int read_page(struct cfile *f, unsigned char *p, int n, int64_t off)
{
    unsigned char aad[9 + HDR_PLAIN];
    size_t naad;
    int from = 0;

    if (all_zero(p, n))
        return SQLITE_OK; /* never written */
    if (f->kind == K_MAIN) {
        uint64_t pgno = (uint64_t)(off / n) + 1;
        if (pgno == 1) {
            if (memcmp(p, crypt_magic, 16) != 0)
                return SQLITE_IOERR_DATA;
            memcpy(p, sqlite_magic, 16);
            from = HDR_PLAIN;
        }
        naad = make_aad(aad, 'M', pgno, p, pgno == 1);
    } else {
        naad = make_aad(aad, f->kind == K_WAL ? 'W' : 'J', (uint64_t)off, p, 0);
    }
    return open_page(f->dec, p, n, from, aad, naad) ? SQLITE_IOERR_DATA
                                                    : SQLITE_OK;
}

static int wal_page_at(int n, int64_t off)
{
    return off >= 56 && (off - 56) % (n + 24) == 0;
}

static int c_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off)
{
    struct cfile *f = (struct cfile *)pf;
    unsigned char *p = buf;
    int rc = f->real->pMethods->xRead(f->real, buf, n, off);

    if (rc != SQLITE_OK)
        return rc; /* a short read is zero-filled: a page not yet written */
    switch (f->kind) {
    case K_TEMP:
        return ctr_xor(f, p, n, off) ? SQLITE_IOERR_READ : SQLITE_OK;
    case K_MAIN:
        if (is_page_size(n) && off % n == 0)
            return read_page(f, p, n, off);
        if (off == 0 && n >= 16 && memcmp(p, crypt_magic, 16) == 0)
            memcpy(p, sqlite_magic, 16); /* the header read at open */
        return SQLITE_OK;
    case K_WAL:
        if (is_page_size(n) && wal_page_at(n, off))
            return read_page(f, p, n, off);
        if (is_page_size(n - 24) && off >= 32 && (off - 32) % n == 0)
            return read_page(f, p + 24, n - 24, off + 24);
        return SQLITE_OK;
    case K_JOURNAL:
        if (is_page_size(n) && off % 8 == 4)
            return read_page(f, p, n, off);
        return SQLITE_OK;
    }
    return SQLITE_OK;
}

static int c_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off)
{
    struct cfile *f = (struct cfile *)pf;
    const unsigned char *p = buf;
    unsigned char *out, aad[9 + HDR_PLAIN];
    size_t naad;
    int from = 0;

    if (f->kind == K_TEMP) {
        out = scratch(f, (size_t)n);
        if (!out)
            return SQLITE_IOERR_NOMEM;
        memcpy(out, p, (size_t)n);
        if (ctr_xor(f, out, n, off))
            return SQLITE_IOERR_WRITE;
        return f->real->pMethods->xWrite(f->real, out, n, off);
    }
    if (!is_page_size(n) || (f->kind == K_MAIN && off % n != 0) ||
        (f->kind == K_WAL && !wal_page_at(n, off)) ||
        (f->kind == K_JOURNAL && off % 8 != 4)) {
        /* headers, frame headers, page numbers, checksums: no values */
        if (f->kind == K_MAIN || (f->kind == K_WAL && n > 32))
            return SQLITE_IOERR_WRITE; /* never write a page plain */
        return f->real->pMethods->xWrite(f->real, buf, n, off);
    }
    out = scratch(f, (size_t)n);
    if (!out)
        return SQLITE_IOERR_NOMEM;
    if (f->kind == K_MAIN) {
        uint64_t pgno = (uint64_t)(off / n) + 1;
        if (pgno == 1)
            from = HDR_PLAIN;
        naad = make_aad(aad, 'M', pgno, p, pgno == 1);
    } else {
        naad = make_aad(aad, f->kind == K_WAL ? 'W' : 'J', (uint64_t)off, p, 0);
    }
    if (seal(f, p, n, from, aad, naad, out))
        return SQLITE_IOERR_WRITE;
    if (from)
        memcpy(out, crypt_magic, 16);
    return f->real->pMethods->xWrite(f->real, out, n, off);
}

static int c_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
    return REAL(pf)->pMethods->xTruncate(REAL(pf), size);
}
static int c_sync(sqlite3_file *pf, int flags)
{
    return REAL(pf)->pMethods->xSync(REAL(pf), flags);
}
static int c_size(sqlite3_file *pf, sqlite3_int64 *size)
{
    return REAL(pf)->pMethods->xFileSize(REAL(pf), size);
}
static int c_lock(sqlite3_file *pf, int l)
{
    return REAL(pf)->pMethods->xLock(REAL(pf), l);
}
static int c_unlock(sqlite3_file *pf, int l)
{
    return REAL(pf)->pMethods->xUnlock(REAL(pf), l);
}
static int c_reserved(sqlite3_file *pf, int *out)
{
    return REAL(pf)->pMethods->xCheckReservedLock(REAL(pf), out);
}
static int c_fcntl(sqlite3_file *pf, int op, void *arg)
{
    if (op == SQLITE_FCNTL_MMAP_SIZE) {
        *(sqlite3_int64 *)arg = 0; /* no memory map: pages go through us */
        return SQLITE_OK;
    }
    return REAL(pf)->pMethods->xFileControl(REAL(pf), op, arg);
}
static int c_sector(sqlite3_file *pf)
{
    return REAL(pf)->pMethods->xSectorSize(REAL(pf));
}
static int c_devchar(sqlite3_file *pf)
{
    return REAL(pf)->pMethods->xDeviceCharacteristics(REAL(pf));
}
static int c_shmmap(sqlite3_file *pf, int pg, int pgsz, int extend,
                    void volatile **pp)
{
    return REAL(pf)->pMethods->xShmMap(REAL(pf), pg, pgsz, extend, pp);
}
static int c_shmlock(sqlite3_file *pf, int off, int n, int flags)
{
    return REAL(pf)->pMethods->xShmLock(REAL(pf), off, n, flags);
}
static void c_shmbarrier(sqlite3_file *pf)
{
    REAL(pf)->pMethods->xShmBarrier(REAL(pf));
}
static int c_shmunmap(sqlite3_file *pf, int del)
{
    return REAL(pf)->pMethods->xShmUnmap(REAL(pf), del);
}

/* Version 2: no xFetch, so SQLite never maps the file around us. */
static const sqlite3_io_methods c_methods = {
    2,         c_close,  c_read,    c_write,      c_truncate, c_sync,
    c_size,    c_lock,   c_unlock,  c_reserved,   c_fcntl,    c_sector,
    c_devchar, c_shmmap, c_shmlock, c_shmbarrier, c_shmunmap, NULL,
    NULL,
};

/* ---- vfs methods -----------------------------------------------------------
 */

static int c_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf,
                  int flags, int *out_flags)
{
    struct cfile *f = (struct cfile *)pf;
    struct ckey *k = vfs->pAppData;
    int rc;

    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)(f + 1);
    f->key = k;
    if (!k->set)
        return SQLITE_CANTOPEN;
    if (flags & SQLITE_OPEN_MAIN_DB)
        f->kind = K_MAIN;
    else if (flags & SQLITE_OPEN_WAL)
        f->kind = K_WAL;
    else if (flags & SQLITE_OPEN_MAIN_JOURNAL)
        f->kind = K_JOURNAL;
    else if (flags & SQLITE_OPEN_SUPER_JOURNAL)
        f->kind = K_JOURNAL; /* file names only, passed plain */
    else
        f->kind = K_TEMP;
    if (f->kind == K_TEMP) {
        unsigned char tk[CRYPT_KEY_LEN];
        f->ctr = EVP_CIPHER_CTX_new();
        if (!f->ctr || RAND_bytes(tk, sizeof(tk)) != 1 ||
            RAND_bytes(f->ctr_iv, sizeof(f->ctr_iv)) != 1 ||
            EVP_EncryptInit_ex(f->ctr, EVP_aes_256_ctr(), NULL, tk, NULL) !=
                1) {
            OPENSSL_cleanse(tk, sizeof(tk));
            rc = SQLITE_CANTOPEN;
            goto fail;
        }
        OPENSSL_cleanse(tk, sizeof(tk));
    } else {
        f->enc = gcm_ctx(k->key, 1);
        f->dec = gcm_ctx(k->key, 0);
        if (!f->enc || !f->dec) {
            rc = SQLITE_CANTOPEN;
            goto fail;
        }
    }
    rc = orig_vfs->xOpen(orig_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK)
        goto fail;
    f->base.pMethods = &c_methods;
    return SQLITE_OK;
fail:
    EVP_CIPHER_CTX_free(f->enc);
    EVP_CIPHER_CTX_free(f->dec);
    EVP_CIPHER_CTX_free(f->ctr);
    f->enc = f->dec = f->ctr = NULL;
    f->base.pMethods = NULL;
    return rc;
}

static int c_delete(sqlite3_vfs *v, const char *name, int sync)
{
    (void)v;
    return orig_vfs->xDelete(orig_vfs, name, sync);
}
static int c_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return orig_vfs->xAccess(orig_vfs, name, flags, out);
}
static int c_fullpath(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return orig_vfs->xFullPathname(orig_vfs, name, n, out);
}
static void *c_dlopen(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return orig_vfs->xDlOpen(orig_vfs, name);
}
static void c_dlerror(sqlite3_vfs *v, int n, char *msg)
{
    (void)v;
    orig_vfs->xDlError(orig_vfs, n, msg);
}
static void (*c_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    (void)v;
    return orig_vfs->xDlSym(orig_vfs, h, sym);
}
static void c_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    orig_vfs->xDlClose(orig_vfs, h);
}
static int c_random(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return orig_vfs->xRandomness(orig_vfs, n, out);
}
static int c_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return orig_vfs->xSleep(orig_vfs, us);
}
static int c_time(sqlite3_vfs *v, double *t)
{
    (void)v;
    return orig_vfs->xCurrentTime(orig_vfs, t);
}
static int c_lasterr(sqlite3_vfs *v, int n, char *msg)
{
    (void)v;
    return orig_vfs->xGetLastError(orig_vfs, n, msg);
}
static int c_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
    (void)v;
    return orig_vfs->xCurrentTimeInt64(orig_vfs, t);
}

static int register_vfs(sqlite3_vfs *v, const char *name, struct ckey *k)
{
    if (v->zName)
        return SQLITE_OK;
    if (!orig_vfs) {
        orig_vfs = sqlite3_vfs_find(NULL);
        if (!orig_vfs)
            return SQLITE_ERROR;
    }
    v->iVersion = 2;
    v->szOsFile = (int)sizeof(struct cfile) + orig_vfs->szOsFile;
    v->mxPathname = orig_vfs->mxPathname;
    v->zName = name;
    v->pAppData = k;
    v->xOpen = c_open;
    v->xDelete = c_delete;
    v->xAccess = c_access;
    v->xFullPathname = c_fullpath;
    v->xDlOpen = c_dlopen;
    v->xDlError = c_dlerror;
    v->xDlSym = c_dlsym;
    v->xDlClose = c_dlclose;
    v->xRandomness = c_random;
    v->xSleep = c_sleep;
    v->xCurrentTime = c_time;
    v->xGetLastError = c_lasterr;
    v->xCurrentTimeInt64 = c_time64;
    if (sqlite3_vfs_register(v, 0) != SQLITE_OK) {
        v->zName = NULL;
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
}

/* ---- public ------------------------------------------------------------- */

int crypt_init(struct sw_err *err)
{
    if (!eph_key.set) {
        if (RAND_bytes(eph_key.key, sizeof(eph_key.key)) != 1)
            return sw_fail(err, SW_ESOFTWARE, _("no random bytes for a key"));
        eph_key.set = 1;
    }
    if (register_vfs(&vfs_eph, CRYPT_VFS_EPH, &eph_key) != SQLITE_OK)
        return sw_fail(err, SW_ESOFTWARE, _("cannot register the %s VFS"),
                       CRYPT_VFS_EPH);
    return 0;
}

int crypt_use_key(const unsigned char key[CRYPT_KEY_LEN], struct sw_err *err)
{
    int rc = crypt_init(err);
    if (rc)
        return rc;
    memcpy(main_key.key, key, CRYPT_KEY_LEN);
    main_key.set = 1;
    if (register_vfs(&vfs_main, CRYPT_VFS, &main_key) != SQLITE_OK)
        return sw_fail(err, SW_ESOFTWARE, _("cannot register the %s VFS"),
                       CRYPT_VFS);
    return 0;
}

int crypt_load(const char *path, int create, int required, struct sw_err *err)
{
    unsigned char key[CRYPT_KEY_LEN];
    int rc;

    if (main_key.set)
        return 0;
    if (access(path, F_OK) != 0) {
        if (create)
            rc = crypt_key_create(path, key, err);
        else if (required)
            return sw_fail(err, SW_ECONFIG, _("key file %s: missing"), path);
        else
            return 0;
    } else {
        rc = crypt_key_read(path, key, err);
    }
    if (!rc)
        rc = crypt_use_key(key, err);
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

int crypt_have_key(void)
{
    return main_key.set;
}

void crypt_forget_key(void)
{
    OPENSSL_cleanse(main_key.key, sizeof(main_key.key));
    main_key.set = 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int crypt_key_read(const char *path, unsigned char key[CRYPT_KEY_LEN],
                   struct sw_err *err)
{
    char text[2 * CRYPT_KEY_LEN + 4];
    struct stat st;
    ssize_t n;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sw_fail(err, SW_ECONFIG, _("key file %s: %s"), path,
                       strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sw_fail(err, SW_ECONFIG, _("key file %s: not a regular file"),
                     path);
        goto out;
    }
    if (st.st_mode & 077) {
        rc = sw_fail(err, SW_ECONFIG,
                     _("key file %s: readable by others (mode %03o); run "
                       "chmod 600 on it"),
                     path, (unsigned)(st.st_mode & 0777));
        goto out;
    }
    n = read(fd, text, sizeof(text) - 1);
    if (n >= 0)
        text[n] = '\0'; /* strspn below reads to the end */
    if (n < 2 * CRYPT_KEY_LEN || n > 2 * CRYPT_KEY_LEN + 2 ||
        (n > 2 * CRYPT_KEY_LEN && strspn(text + 2 * CRYPT_KEY_LEN, "\r\n") !=
                                      (size_t)n - 2 * CRYPT_KEY_LEN)) {
        rc =
            sw_fail(err, SW_ECONFIG,
                    _("key file %s: not a key (64 hex digits expected)"), path);
        goto out;
    }
    for (int i = 0; i < CRYPT_KEY_LEN; i++) {
        int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            rc = sw_fail(err, SW_ECONFIG,
                         _("key file %s: not a key (64 hex digits expected)"),
                         path);
            goto out;
        }
        key[i] = (unsigned char)(hi << 4 | lo);
    }
out:
    OPENSSL_cleanse(text, sizeof(text));
    close(fd);
    return rc;
}

int crypt_key_create(const char *path, unsigned char key[CRYPT_KEY_LEN],
                     struct sw_err *err)
{
    static const char hex[] = "0123456789abcdef";
    char text[2 * CRYPT_KEY_LEN + 1];
    int fd, rc = 0;

    if (RAND_bytes(key, CRYPT_KEY_LEN) != 1)
        return sw_fail(err, SW_ESOFTWARE, _("no random bytes for a key"));
    for (int i = 0; i < CRYPT_KEY_LEN; i++) {
        text[2 * i] = hex[key[i] >> 4];
        text[2 * i + 1] = hex[key[i] & 15];
    }
    text[2 * CRYPT_KEY_LEN] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = sw_fail(err, SW_ECANTCREAT, _("key file %s: %s"), path,
                     errno == EEXIST ? "already exists; not touching it"
                                     : strerror(errno));
        goto out;
    }
    if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) ||
        fsync(fd) != 0) {
        rc = sw_fail(err, SW_EIO, _("key file %s: %s"), path, strerror(errno));
        close(fd);
        unlink(path);
        goto out;
    }
    close(fd);
out:
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

int crypt_file_is_encrypted(const char *path)
{
    unsigned char head[16];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    ssize_t n;
    if (fd < 0)
        return 0;
    n = read(fd, head, sizeof(head));
    close(fd);
    return n == (ssize_t)sizeof(head) && memcmp(head, crypt_magic, 16) == 0;
}

int crypt_check_key(const char *path, struct sw_err *err)
{
    unsigned char *page = NULL, aad[9 + HDR_PLAIN];
    EVP_CIPHER_CTX *c = NULL;
    int fd, ps, rc = 0;
    size_t naad;

    if (!main_key.set)
        return sw_fail(err, SW_ECONFIG,
                       _("%s is encrypted: give its key file with --db-key "
                         "(default: %s.key)"),
                       path, path);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sw_fail(err, SW_EIO, "%s: %s", path, strerror(errno));
    page = malloc(65536);
    c = gcm_ctx(main_key.key, 0);
    if (!page || !c) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    if (pread(fd, page, HDR_PLAIN, 0) != HDR_PLAIN) {
        rc = sw_fail(err, SW_EIO, _("%s: too short"), path);
        goto out;
    }
    ps = page[16] << 8 | page[17];
    if (ps == 1)
        ps = 65536;
    if (!is_page_size(ps) || page[20] != CRYPT_RESERVE ||
        pread(fd, page, (size_t)ps, 0) != ps) {
        rc = sw_fail(err, SW_EIO, _("%s: damaged (bad header)"), path);
        goto out;
    }
    memcpy(page, sqlite_magic, 16);
    naad = make_aad(aad, 'M', 1, page, 1);
    if (open_page(c, page, ps, HDR_PLAIN, aad, naad))
        rc = sw_fail(err, SW_EPERM,
                     _("%s: wrong key (the key file does not open this file, "
                       "or the file was altered)"),
                     path);
out:
    if (page)
        OPENSSL_cleanse(page, 65536);
    free(page);
    EVP_CIPHER_CTX_free(c);
    close(fd);
    return rc;
}

char *crypt_uri(const char *path, const char *vfs)
{
    struct sw_buf sb;
    sb_init(&sb);
    sb_adds(&sb, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            sb_addf(&sb, "%%%02X", (unsigned char)*p);
        else
            sb_add(&sb, p, 1);
    }
    sb_addf(&sb, "?vfs=%s", vfs);
    return sb_detach(&sb, NULL);
}
