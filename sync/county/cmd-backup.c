/*
** swsync-county backup / backup verify / restore / encrypt — see
** sync/backup.h (backup_command: the same for both programs).
*/
#include "config.h"

#include "backup.h"
#include "county.h"

int county_cmd_backup(struct county_ctx *ctx, int argc, char **argv)
{
    return backup_command(SW_ROLE_COUNTY, ctx->db_path, ctx->key_path,
                          ctx->quiet, argc, argv, &ctx->err);
}

int county_cmd_encrypt(struct county_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    return backup_encrypt_command(SW_ROLE_COUNTY, ctx->db_path, ctx->key_path,
                                  ctx->quiet, argc, &ctx->err);
}
