/*
** swsync export | report | import — records out to spreadsheets and the
** monthly report, and records in from a spreadsheet saved as CSV.  The
** work is the engine's (sync/export.c, report.c, import.c); this file
** parses the command line, writes the local audit trail and prints the
** summary.  Every export, report and import is audited in local_audit:
** who (the OS user), what, how many records.
*/
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "db.h"
#include "export.h"
#include "import.h"
#include "labels.h"
#include "localaudit.h"
#include "report.h"

#define IMPORT_MAX_BYTES (512L * 1024 * 1024)

static int audit(struct cmd_ctx *ctx, const char *action, const char *detail)
{
    char who[AUDIT_LOCAL_WHO_MAX + 1];
    audit_local_cli_who(who);
    return audit_local(ctx->db, who, action, detail, &ctx->err);
}

int cmd_export(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct export_args a;
    char detail[512];
    long n = 0;
    int rc = export_parse_args(argc - 1, argv + 1, 0, &a, &ctx->err);
    if (rc)
        return rc;
    rc = export_run(ctx->db, &a, stdout, &n, detail, sizeof(detail), &ctx->err);
    if (rc)
        return rc;
    rc = audit(ctx, "export", detail);
    if (!rc && a.outfile && !ctx->quiet)
        fprintf(stderr, _("export: %ld records to %s\n"), n, a.outfile);
    return rc;
}

int cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct report_args a;
    char detail[512], *station = NULL;
    long n = 0;
    int rc = report_parse_args(argc - 1, argv + 1, 0, &a, &ctx->err);
    if (rc)
        return rc;
    /* the replica holds its station's records only: name it */
    rc = db_config_get(ctx->db, "station", &station, &ctx->err);
    if (rc)
        return rc;
    a.station = station;
    rc = report_run(ctx->db, &a, stdout, &n, detail, sizeof(detail), &ctx->err);
    if (!rc)
        rc = audit(ctx, "report", detail);
    free(station);
    return rc;
}

/* The whole file into memory (a spreadsheet's CSV is small). */
static int read_file(const char *path, char **out, size_t *len,
                     struct sw_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct sw_buf sb;
    char buf[65536];
    size_t n;

    *out = NULL;
    if (!f)
        return sw_fail(err, errno == ENOENT ? SW_ENOINPUT : SW_EIO, "%s: %s",
                       path, strerror(errno));
    sb_init(&sb);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        sb_add(&sb, buf, n);
        if (sb.len > (size_t)IMPORT_MAX_BYTES)
            break;
    }
    if (ferror(f) || sb.oom || sb.len > (size_t)IMPORT_MAX_BYTES) {
        int code = sb.oom ? SW_ESOFTWARE : ferror(f) ? SW_EIO : SW_EDATA;
        if (f != stdin)
            fclose(f);
        sb_release(&sb);
        return sw_fail(err, code, "%s: %s", path,
                       code == SW_EDATA ? "larger than 512 MB"
                                        : "cannot read it");
    }
    if (f != stdin)
        fclose(f);
    *len = sb.len;
    *out = sb.buf ? sb_detach(&sb, NULL) : calloc(1, 1);
    return *out ? 0 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
}

struct import_cli {
    const struct sw_table *t;
    const char *file, *rejects;
    struct import_opts o;
};

static int parse_import(int argc, char **argv, struct import_cli *a,
                        struct sw_err *err)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *v;
        int miss;
        if ((v = export_opt(argc, argv, &i, "--encoding", &miss)) || miss) {
            if (!v || !*v)
                return sw_fail(err, SW_EUSAGE,
                               _("import: --encoding needs utf-8 or gb18030"));
            a->o.encoding = v;
        } else if ((v = export_opt(argc, argv, &i, "--rejects", &miss)) ||
                   miss) {
            if (!v || !*v)
                return sw_fail(err, SW_EUSAGE,
                               _("import: --rejects needs a FILE"));
            a->rejects = v;
        } else if (strcmp(argv[i], "--dry-run") == 0 ||
                   strcmp(argv[i], "-n") == 0) {
            a->o.dry_run = 1;
        } else if (strcmp(argv[i], "--skip-bad") == 0) {
            a->o.skip_bad = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return sw_fail(err, SW_EUSAGE, _("import: unexpected '%s'"),
                           argv[i]);
        } else if (!a->t) {
            a->t = sw_table_by_name(argv[i]);
            if (!a->t)
                a->t = sw_table_by_noun(argv[i]);
            if (!a->t || sw_county_owned(a->t))
                return sw_fail(err, SW_EUSAGE,
                               _("import: cases, visits, services or "
                                 "referrals, not '%s'"),
                               argv[i]);
        } else if (!a->file) {
            a->file = argv[i];
        } else {
            return sw_fail(err, SW_EUSAGE, _("import: unexpected '%s'"),
                           argv[i]);
        }
    }
    if (!a->t || !a->file)
        return sw_fail(err, SW_EUSAGE,
                       _("import: need cases|visits|services|referrals and "
                         "a FILE.csv"));
    if (a->rejects && !a->o.skip_bad)
        return sw_fail(err, SW_EUSAGE,
                       _("import: --rejects goes with "
                         "--skip-bad"));
    return 0;
}

struct rej_arg {
    sdb *db;
    struct import_cli *a;
    const char *data;
    size_t len;
    struct import_result *res;
};

static int import_with_rejects(FILE *out, void *arg, struct sw_err *err)
{
    struct rej_arg *r = arg;
    return import_csv(r->db, r->a->t, r->data, r->len, &r->a->o, out, r->res,
                      err);
}

int cmd_import(struct cmd_ctx *ctx, int argc, char **argv)
{
    struct import_cli a;
    struct import_result res;
    char *data = NULL, *station = NULL, today[11], detail[700];
    size_t len = 0;
    int rc;

    import_result_init(&res);
    rc = parse_import(argc - 1, argv + 1, &a, &ctx->err);
    if (!rc)
        rc = read_file(a.file, &data, &len, &ctx->err);
    if (!rc)
        rc = db_config_get(ctx->db, "station", &station, &ctx->err);
    if (!rc && !station)
        rc = sw_fail(&ctx->err, SW_ECONFIG, _("replica has no station"));
    if (rc)
        goto out;
    cmd_today(today);
    a.o.station = station;
    a.o.today = today;
    if (a.rejects && !a.o.dry_run) {
        struct rej_arg r = {ctx->db, &a, data, len, &res};
        rc = export_to_file(a.rejects, import_with_rejects, &r, &ctx->err);
    } else {
        rc = import_csv(ctx->db, a.t, data, len, &a.o, NULL, &res, &ctx->err);
    }
    /* every problem of every row, then the summary (main prints err) */
    if (res.problems.len)
        fputs(res.problems.buf, stderr);
    if (rc)
        goto out;
    snprintf(detail, sizeof(detail),
             "%s from %s (%s)%s: %ld rows, %ld added, %ld updated, %ld "
             "unchanged, %ld bad%s%s",
             a.t->name, a.file, res.encoding ? res.encoding : "?",
             a.o.dry_run ? " dry run" : "", res.rows, res.inserted, res.updated,
             res.unchanged, res.bad, a.rejects && res.bad ? " to " : "",
             a.rejects && res.bad ? a.rejects : "");
    if (!a.o.dry_run)
        rc = audit(ctx, "import", detail);
    if (!rc && !ctx->quiet)
        fprintf(stderr, _("import: %s\n"), detail);
out:
    import_result_release(&res);
    free(station);
    free(data);
    return rc;
}

int cmd_audit(struct cmd_ctx *ctx, int argc, char **argv)
{
    long limit = 50;
    int json = 0;

    for (int i = 1; i < argc; i++) {
        const char *v;
        int miss;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((v = export_opt(argc, argv, &i, "--limit", &miss)) || miss) {
            char *end;
            limit = v ? strtol(v, &end, 10) : 0;
            if (!v || end == v || *end || limit < 1 || limit > 10000)
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("audit: --limit wants 1-%d: '%s'"), 10000,
                               v ? v : "");
        } else {
            return sw_fail(&ctx->err, SW_EUSAGE, _("audit: unexpected '%s'"),
                           argv[i]);
        }
    }
    return audit_local_list(ctx->db, limit, json, stdout, &ctx->err);
}
