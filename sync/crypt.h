/*
** crypt.h — the replica (and county store) encrypted at rest: an SQLite
** VFS over the default one that encrypts every page with AES-256-GCM
** (libcrypto), and the 0600 key file that holds its key.  See
** docs/privacy.md for the on-disk format and the threat model.
**
** Two VFSes are registered by crypt_use_key() / crypt_init():
**   "swcrypt"      the key of the key file (replicas, restores);
**   "swcrypt-eph"  a random key made at start-up and never stored, for
**                  scratch copies that must not be plaintext on disk
**                  (a backup's snapshot, a backup being verified).
**
** Main file: each page of size P keeps its last CRYPT_RESERVE bytes for
** the nonce (12) and the GCM tag (16), SQLite's "reserved bytes"; the
** page number is authenticated data, so pages cannot be moved.  Page 1
** keeps bytes 0-99 (the SQLite header: page size, counters) plain but
** authenticated, and its first 16 bytes say CRYPT_MAGIC instead of
** "SQLite format 3", so a plain SQLite refuses the file.  -wal frames and
** -journal records: the page image is encrypted in the same way (the
** file offset is the authenticated data).  Temporary files get AES-CTR
** under a random per-file key.
*/
#ifndef SW_CRYPT_H
#define SW_CRYPT_H

#include <stddef.h>

#include <sqlite3.h>

#include "sw.h"

#define CRYPT_VFS "swcrypt"
#define CRYPT_VFS_EPH "swcrypt-eph"
#define CRYPT_KEY_LEN 32
#define CRYPT_RESERVE 28              /* nonce 12 + tag 16 */
#define CRYPT_MAGIC "SWSYNC-CRYPT-v1" /* 15 characters + NUL = 16 bytes */

/*
** Connections to an encrypted file keep an 8 MiB page cache (SQLite's
** default is 2 MiB): a page read again from the OS costs a decryption.
** Measured in tools/bench ("encrypted replica"); docs/privacy.md.
*/
#define CRYPT_CACHE_PRAGMA "PRAGMA cache_size = -8192"

/* Register the ephemeral VFS (idempotent).  Returns 0 or SW_ESOFTWARE. */
int crypt_init(struct sw_err *err);

/*
** Read a key file: 64 hex digits (a final newline allowed), a regular
** file not readable by group or others.  key[] is filled.
** SW_ECONFIG on a missing, loose or malformed file.
*/
int crypt_key_read(const char *path, unsigned char key[CRYPT_KEY_LEN],
                   struct sw_err *err);

/*
** Create a new key file (mode 0600, refuses an existing file: SW_ECANTCREAT)
** with a random key, and fill key[].
*/
int crypt_key_create(const char *path, unsigned char key[CRYPT_KEY_LEN],
                     struct sw_err *err);

/* Make key the key of the "swcrypt" VFS (registering it). */
int crypt_use_key(const unsigned char key[CRYPT_KEY_LEN], struct sw_err *err);

/*
** Load the key file at path and use it (if no key is in use yet).  A
** missing file: created (0600) when create, SW_ECONFIG when required,
** else nothing is loaded and 0 returned.
*/
int crypt_load(const char *path, int create, int required, struct sw_err *err);

/* True once crypt_use_key() gave a key. */
int crypt_have_key(void);

/* Wipe the key (at exit). */
void crypt_forget_key(void);

/*
** What is the file at path: 1 encrypted by this VFS, 0 anything else
** (a plain SQLite file, empty, missing).
*/
int crypt_file_is_encrypted(const char *path);

/*
** Check that the loaded key opens the encrypted file at path (its page 1
** authenticates).  SW_ECONFIG with a clear message if no key is loaded,
** SW_EPERM if the key is wrong (or the file was altered).  Reads only.
*/
int crypt_check_key(const char *path, struct sw_err *err);

/*
** path as an SQLite URI naming vfs ("file:/abs%3Fpath?vfs=swcrypt").
** malloc'd; NULL on no memory.
*/
char *crypt_uri(const char *path, const char *vfs);

#endif
