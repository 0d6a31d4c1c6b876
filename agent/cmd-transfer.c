/*
** swsync moved [--json] — the cases the county moved from this station
** to another (where, when, the county's note; docs/design-notes.md,
** "Case transfer").
** swsync transfer-request ID --to STATION --note TEXT — ask the county
** to move one of this station's cases; the next sync sends the request
** and a county admin confirms or declines it.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "db.h"
#include "localaudit.h"
#include "transfer.h"

int cmd_moved(struct cmd_ctx *ctx, int argc, char **argv)
{
    int json = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE, _("moved: unexpected %s"),
                           argv[i]);
    }
    return transfer_moved_list(ctx->db, json, stdout, &ctx->err);
}

int cmd_transfer_request(struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *id = NULL, *to = NULL, *note = NULL;
    char who[AUDIT_LOCAL_WHO_MAX + 1], *station = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--to") && i + 1 < argc)
            to = argv[++i];
        else if (!strncmp(argv[i], "--to=", 5))
            to = argv[i] + 5;
        else if (!strcmp(argv[i], "--note") && i + 1 < argc)
            note = argv[++i];
        else if (!strncmp(argv[i], "--note=", 7))
            note = argv[i] + 7;
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("transfer-request: unexpected %s"), argv[i]);
    }
    if (!id || !to || !note)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("transfer-request: need ID, --to STATION and --note "
                         "TEXT"));
    rc = db_config_get(ctx->db, "station", &station, &ctx->err);
    if (!rc && !station)
        rc = sw_fail(&ctx->err, SW_ECONFIG, _("replica has no station"));
    audit_local_cli_who(who);
    if (!rc)
        rc = transfer_ask(ctx->db, station, id, to, note, who, &ctx->err);
    free(station);
    if (!rc && !ctx->quiet)
        printf(_("asked the county to move case %s to station %s; the next "
                 "sync sends the request\n"),
               id, to);
    return rc;
}
