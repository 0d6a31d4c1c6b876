/*
** swsync-county init --county CODE — create the county store.
*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "county.h"
#include "db.h"

int county_cmd_init(struct county_ctx *ctx, int argc, char **argv)
{
    const char *county = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--county") == 0 && i + 1 < argc)
            county = argv[++i];
        else if (strncmp(argv[i], "--county=", 9) == 0)
            county = argv[i] + 9;
        else
            return sw_fail(&ctx->err, SW_EUSAGE, _("init: unexpected '%s'"),
                           argv[i]);
    }
    if (!county)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --county CODE is needed"));
    if (!sw_code_valid(county))
        return sw_fail(&ctx->err, SW_EDATA,
                       _("county: not a valid code (1-%d of A-Z a-z 0-9 _ . -, "
                         "not starting with - or .): %s"),
                       SW_CODE_MAX, county);

    rc = db_create(ctx->db_path, SW_ROLE_COUNTY, &ctx->db, &ctx->err);
    if (rc)
        return rc;
    rc = db_config_set(ctx->db, "county", county, &ctx->err);
    if (rc) {
        /* a store without its code is of no use: do not leave it */
        db_close(ctx->db);
        ctx->db = NULL;
        remove(ctx->db_path);
        return rc;
    }
    if (!ctx->quiet)
        printf(_("created county store %s for county %s\n"), ctx->db_path,
               county);
    return 0;
}
