/*
** county.h — swsync-county's commands.  One file a command (group); the
** table in main.c maps names to them.  A command returns 0 or an error
** code from sw.h with ctx->err filled; main() prints "swsync-county:
** MESSAGE" and exits with the code.
*/
#ifndef SW_COUNTY_H
#define SW_COUNTY_H

#include "sdb.h"
#include <cjson/cJSON.h>

#include "sw.h"

struct county_ctx {
    const char *db_path;
    const char *prog; /* "swsync-county" */
    int quiet;
    sdb *db;                /* opened by main() unless the command opens it */
    const char *key_path;   /* the store's key file (--db-key) */
    int key_given;          /* --db-key or $SWSYNC_COUNTY_DB_KEY set */
    char key_default[4096]; /* "<db>.key" */
    struct sw_err err;
};

struct county_cmd {
    const char *name;
    int (*fn)(struct county_ctx *ctx, int argc, char **argv);
    int needs_db; /* main() opens ctx->db before calling */
    const char *usage;
    const char *help;
};

/* argv[0] is the command name, as in main(). */
int county_cmd_init(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_station(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_serve(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_record(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_overdue(struct county_ctx *ctx, int argc, char **argv);
/* referral report ... (argv: the arguments after "report") */
int county_referral_report(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_transfer(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_conflicts(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_admin(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_audit(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_export(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_report(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_backup(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_encrypt(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_retention(struct county_ctx *ctx, int argc, char **argv);
int county_cmd_dups(struct county_ctx *ctx, int argc, char **argv);

/* Shared helpers (main.c). */
int county_is_help(const char *arg);
void county_print_help(const struct county_cmd *c);
const struct county_cmd *county_find_cmd(const char *name);

/*
** Local time of a millisecond timestamp as "YYYY-MM-DD HH:MM:SS" into
** buf[20]; "-" for ms <= 0.
*/
void county_format_time(int64_t ms, char buf[20]);

/*
** Print a cJSON value (pretty) and a newline to stdout, then delete it.
** NULL (an allocation failed on the way) is SW_ESOFTWARE.
*/
int county_print_json(cJSON *j, struct sw_err *err);

/* "--opt VALUE" / "--opt=VALUE" at argv[*i]: the value (advancing *i
** past a separate one), or NULL if argv[*i] is not that option. */
const char *county_opt_arg(int argc, char **argv, int *i, const char *opt);

/* Member k of o as a string, or "-" when absent or not a string. */
const char *county_jstr(const cJSON *o, const char *k);

#endif
