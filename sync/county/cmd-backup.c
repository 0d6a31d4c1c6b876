/*
** swsync-county backup / backup verify / restore / encrypt — see
** sync/backup.h (backup_command: the same for both programs).
*/
#include "config.h"

#include "backup.h"
#include "county.h"
#include "sdb.h"

/* Backups and the at-rest key are the file store's; PostgreSQL has its
** own (pg_dump, base backups, streaming replicas: docs/storage.md). */
static int file_store_only(struct county_ctx *ctx, const char *what)
{
    if (!sdb_is_pg_target(ctx->db_path))
        return 0;
    return sw_fail(&ctx->err, SW_EUSAGE,
                   _("%s: the store is on PostgreSQL; back it up with "
                     "PostgreSQL's own tools (pg_dump, a base backup or a "
                     "streaming replica)"),
                   what);
}

int county_cmd_backup(struct county_ctx *ctx, int argc, char **argv)
{
    int rc = file_store_only(ctx, argv[0]);
    if (rc)
        return rc;
    return backup_command(SW_ROLE_COUNTY, ctx->db_path, ctx->key_path,
                          ctx->quiet, argc, argv, &ctx->err);
}

int county_cmd_encrypt(struct county_ctx *ctx, int argc, char **argv)
{
    int rc = file_store_only(ctx, argv[0]);
    if (rc)
        return rc;
    return backup_encrypt_command(SW_ROLE_COUNTY, ctx->db_path, ctx->key_path,
                                  ctx->quiet, argc, &ctx->err);
}
