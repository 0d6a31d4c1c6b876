/*
** swsync backup / backup verify / restore / encrypt — see sync/backup.h
** (backup_command: the same for both programs).
*/
#include "config.h"

#include "backup.h"
#include "cmd.h"

int cmd_backup(struct cmd_ctx *ctx, int argc, char **argv)
{
    return backup_command(SW_ROLE_STATION, ctx->db_path, ctx->key_path,
                          ctx->quiet, argc, argv, &ctx->err);
}

int cmd_encrypt(struct cmd_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    return backup_encrypt_command(SW_ROLE_STATION, ctx->db_path, ctx->key_path,
                                  ctx->quiet, argc, &ctx->err);
}
