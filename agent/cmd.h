/*
** cmd.h — the station agent's commands.  One file a command (group); the
** table in main.c maps names to them.  A command returns 0 or an error
** code from sw.h with ctx->err filled; main() prints the message and
** exits with the code.
*/
#ifndef SW_CMD_H
#define SW_CMD_H

#include "sdb.h"

#include "sw.h"

struct cmd_ctx {
    const char *db_path;
    const char *prog; /* "swsync" */
    int quiet;
    sdb *db;                /* opened by main() unless the command opens it */
    const char *key_path;   /* the replica's key file (--db-key) */
    int key_given;          /* --db-key or $SWSYNC_DB_KEY set */
    char key_default[4096]; /* "<db>.key" */
    struct sw_err err;
};

struct cmd {
    const char *name;
    int (*fn)(struct cmd_ctx *ctx, int argc, char **argv);
    int needs_db; /* main() opens ctx->db before calling */
    const char *usage;
    const char *help;
};

int cmd_init(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_record(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_status(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_config(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_sync(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_conflicts(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_console(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_worker(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_export(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_report(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_import(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_audit(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_backup(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_encrypt(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_due(struct cmd_ctx *ctx, int argc, char **argv);
/* referral list --open|--overdue (cmd-due.c); which: DUE_REF_* */
int cmd_referral_list(struct cmd_ctx *ctx, int which, int argc, char **argv);
int cmd_moved(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_transfer_request(struct cmd_ctx *ctx, int argc, char **argv);

/*
** Load the replica's key file (ctx->key_path) into the encrypting VFS.
** create: make a new key file if there is none.  Without create, a
** missing key file that was not named is no error (the replica is then
** opened plain, or refused if it is encrypted).
*/
int cmd_load_key(struct cmd_ctx *ctx, int create);

/* Shared helpers (main.c). */
/* True if arg is "-h" or "--help". */
int cmd_is_help(const char *arg);
/* Print a command's usage and help to stdout. */
void cmd_print_help(const struct cmd *c);
/* Find a command by name. */
const struct cmd *cmd_find(const char *name);
/* Today's local date as YYYY-MM-DD into buf[11]. */
void cmd_today(char buf[11]);

#endif
