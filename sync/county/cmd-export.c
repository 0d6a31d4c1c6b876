/*
** swsync-county export | report — every station's records out to
** spreadsheets, and the monthly report of one station or of the county.
** The work is the engine's (sync/export.c, sync/report.c), the same the
** station agent runs; each run is written to the audit trail (who: the
** OS user, what, how many records).
*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "county.h"
#include "export.h"
#include "report.h"

int county_cmd_export(struct county_ctx *ctx, int argc, char **argv)
{
    struct export_args a;
    struct audit_src src;
    char detail[512];
    long n = 0;
    int rc = export_parse_args(argc - 1, argv + 1, EXPORT_ARGS_STATION, &a,
                               &ctx->err);
    if (rc)
        return rc;
    rc = export_run(ctx->db, &a, stdout, &n, detail, sizeof(detail), &ctx->err);
    if (rc)
        return rc;
    audit_cli_src(&src);
    rc = audit_log(ctx->db, &src, AUDIT_EXPORT, a.t->name, detail, &ctx->err);
    if (!rc && a.outfile && !ctx->quiet)
        fprintf(stderr, _("export: %ld records to %s\n"), n, a.outfile);
    return rc;
}

int county_cmd_report(struct county_ctx *ctx, int argc, char **argv)
{
    struct report_args a;
    struct audit_src src;
    char detail[512];
    long n = 0;
    int rc = report_parse_args(argc - 1, argv + 1, REPORT_ARGS_STATION, &a,
                               &ctx->err);
    if (rc)
        return rc;
    rc = report_run(ctx->db, &a, stdout, &n, detail, sizeof(detail), &ctx->err);
    if (rc)
        return rc;
    audit_cli_src(&src);
    return audit_log(ctx->db, &src, AUDIT_REPORT, a.station ? a.station : "all",
                     detail, &ctx->err);
}
