/*
** pgschema-dump — print the county store's PostgreSQL schema, for
** tests/e2e-pgschema.sh (a test helper, not installed).
**
**   pgschema-dump             pgschema_sql(): the whole current schema
**   pgschema-dump --from N    pgschema_migration() from version N (0: an
**                             empty database) to the current one
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgschema.h"

int main(int argc, char **argv)
{
    struct sw_buf sb;
    struct sw_err err = {0};
    int rc = 0;

    sb_init(&sb);
    if (argc == 1) {
        pgschema_sql(&sb);
    } else if (argc == 3 && strcmp(argv[1], "--from") == 0) {
        char *end;
        long from = strtol(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end || from < 0 || from > 1000) {
            fprintf(stderr, "pgschema-dump: --from: not a version: %s\n",
                    argv[2]);
            rc = 64;
        } else if (pgschema_migration(&sb, (int)from, PGSCHEMA_VERSION, &err)) {
            fprintf(stderr, "pgschema-dump: %s\n", err.msg);
            rc = err.code;
        }
    } else {
        fprintf(stderr, "usage: pgschema-dump [--from VERSION]\n");
        rc = 64;
    }
    if (!rc && sb.oom) {
        fprintf(stderr, "pgschema-dump: out of memory\n");
        rc = 70;
    }
    if (!rc && sb.len && fwrite(sb.buf, 1, sb.len, stdout) != sb.len)
        rc = 74;
    sb_release(&sb);
    if (fflush(stdout) != 0)
        rc = 74;
    return rc;
}
