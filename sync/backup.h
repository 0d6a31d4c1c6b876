/*
** backup.h — encrypted, authenticated backups of a replica or a county
** store, and their verification and restore.  Shared by `swsync backup`
** and `swsync-county backup`.  The file format is in docs/privacy.md.
**
** A backup is a consistent online snapshot (VACUUM INTO, safe while sync
** or serve run) that is never plaintext on disk: the snapshot goes to a
** scratch file under the ephemeral-key VFS (crypt.h) and is streamed from
** there into the backup file in 1 MiB chunks, each sealed with
** AES-256-GCM; memory use does not grow with the database.
*/
#ifndef SW_BACKUP_H
#define SW_BACKUP_H

#include "sdb.h"
#include <stdint.h>

#include "crypt.h"
#include "db.h"
#include "sw.h"

enum backup_kdf { BACKUP_KDF_KEYFILE = 0, BACKUP_KDF_SCRYPT = 1 };

/* Where the backup key comes from. */
struct backup_key {
    enum backup_kdf kdf;
    unsigned char key[CRYPT_KEY_LEN]; /* KEYFILE */
    char *pass;                       /* SCRYPT: malloc'd, wiped on release */
    size_t passlen;
};

/* Read the key from a key file (as crypt_key_read). */
int backup_key_from_file(struct backup_key *k, const char *path,
                         struct sw_err *err);
/* Read a passphrase (one line, at least 8 bytes) from fd. */
int backup_key_from_fd(struct backup_key *k, int fd, struct sw_err *err);
void backup_key_release(struct backup_key *k); /* wipes; zeroed k is fine */

/* What a backup holds (filled by verify and restore). */
struct backup_info {
    enum sw_role role;
    int64_t bytes;   /* size of the database inside */
    int64_t last_ms; /* when it last changed (ms; see restore) */
    int64_t cases, visits, services;
    char site[80]; /* station: the replica's site id */
};

/*
** Write a backup of the open database db (of role) to out: written to a
** temporary file beside it (0600) and renamed over out when complete.
** On error nothing is left behind.
*/
int backup_write(sdb *db, enum sw_role role, const char *out,
                 const struct backup_key *k, struct sw_err *err);

/*
** Decrypt the backup in, check every chunk and run integrity_check on
** the database inside (in a scratch file under the ephemeral-key VFS,
** removed afterwards).  SW_EDATA: damaged or truncated; SW_EPERM: wrong
** key or passphrase.
*/
int backup_verify(const char *in, enum sw_role role, const struct backup_key *k,
                  struct backup_info *info, struct sw_err *err);

/*
** Restore the backup in as db_path, atomically (rename).  The database is
** decrypted into a scratch file beside db_path (encrypted with the loaded
** key when one is loaded, see crypt_use_key(); plain otherwise) and
** checked first; on any error db_path is untouched.  Without force,
** refuses (SW_ECANTCREAT) if db_path holds a database that is newer (it
** last changed later than the backup's database: the later of its clock,
** sync_state.hlc, and at a station its newest unsent or sealed edit), of
** another site, or cannot be read.  Refuses (SW_ETEMP) if the database is in
*use.
*/
int backup_restore(const char *in, enum sw_role role, const char *db_path,
                   const struct backup_key *k, int force,
                   struct backup_info *info, struct sw_err *err);

/*
** Encrypt the plain database at db_path in place (one-time migration):
** VACUUM INTO an encrypted copy under the loaded key, check it, then
** rename it over db_path.  The database must not be in use (SW_ETEMP).
** On any error db_path is untouched.
*/
int backup_encrypt_in_place(const char *db_path, enum sw_role role,
                            struct sw_err *err);

/*
** The shared command line: "backup FILE", "backup verify FILE", "restore
** FILE" with --key-file FILE | --passphrase-stdin, and --force.  argv[0]
** is "backup" or "restore".  db is the open database for "backup FILE"
** (NULL otherwise: the function opens it).  Fills *info and *what
** ("backup", "verify", "restore").  Prints nothing.
*/
int backup_cli(enum sw_role role, const char *db_path, int argc, char **argv,
               struct backup_info *info, const char **what, struct sw_err *err);

/*
** The commands "backup ...", "restore ..." and "encrypt" of either
** program: backup_cli() plus "restore ... --encrypt" (the key file at
** key_path is made, and removed again if the restore fails) and what is
** printed on success (nothing when quiet, but verify always reports).
** argv may be reordered.
*/
int backup_command(enum sw_role role, const char *db_path, const char *key_path,
                   int quiet, int argc, char **argv, struct sw_err *err);
int backup_encrypt_command(enum sw_role role, const char *db_path,
                           const char *key_path, int quiet, int argc,
                           struct sw_err *err);

#endif
