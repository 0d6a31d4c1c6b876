/*
** swsync-county — the county server and its admin CLI.  main() parses
** the global options, opens the county store, runs one command from the
** table and turns its error into one line on stderr and an exit code
** (sysexits.h values).
*/
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "conf.h"
#include "county.h"
#include "crypt.h"
#include "db.h"
#include "pgstore.h"
#include "sdb.h"

#define PROG "swsync-county"

/* config show is answered by main() itself; anything else is a usage
** error */
static int cmd_config(struct county_ctx *ctx, int argc, char **argv)
{
    return sw_fail(&ctx->err, SW_EUSAGE, _("config: only 'config show'"));
}

static const struct county_cmd commands[] = {
    {"init", county_cmd_init, 0, "init --county CODE [--encrypt]",
     N_("Create a new county store: one SQLite file (mode 0600) holding every\n"
        "station's records, their versions, the enrolled stations and their\n"
        "replicas' token hashes, and the conflicts.  Refuses (exit 73) if the\n"
        "file exists.\n"
        "  --county CODE   this county's code (letters, digits, _ . -); it is\n"
        "                  also the county's site id in versions\n"
        "  --encrypt       encrypt the store at rest (AES-256-GCM pages) with\n"
        "                  the key file --db-key (default FILE.key), created\n"
        "                  0600 if missing; see docs/privacy.md\n")},
    {"backup", county_cmd_backup, 0,
     "backup FILE | backup verify FILE  (--key-file K | --passphrase-stdin)",
     N_("Write an encrypted, authenticated backup of the store to FILE: a\n"
        "consistent copy taken while serve runs (VACUUM INTO), AES-256-GCM in\n"
        "1 MiB chunks (format: docs/privacy.md), renamed into place (0600).\n"
        "'backup verify FILE' decrypts it into an encrypted scratch file, "
        "runs\n"
        "integrity_check and prints the record counts.\n"
        "  --key-file K        a key file (64 hex digits, mode 0600)\n"
        "  --passphrase-stdin  a passphrase, one line on standard input\n"
        "Exit status: 65 damaged or truncated; 77 wrong key or passphrase.\n")},
    {"restore", county_cmd_backup, 0,
     "restore FILE [--force] [--encrypt] (--key-file K | "
     "--passphrase-stdin)",
     N_("Put a backup back as the store, atomically, after checking it.\n"
        "Refuses (exit 73) to replace a store that changed after the backup\n"
        "(its clock, sync_state.hlc, is later) or cannot be read, unless\n"
        "--force; refuses (exit 75) while the store is in use: stop serve\n"
        "first.  What stations sent after the backup was made is not sent\n"
        "again: restore from the latest backup.\n"
        "  --encrypt  make the store encrypted, with a new key file\n"
        "             --db-key (default FILE.key) if there is none\n")},
    {"encrypt", county_cmd_encrypt, 0, "encrypt",
     N_("Encrypt an existing plain store in place (one time), with the key\n"
        "file --db-key (default FILE.key), created 0600 if missing.  Stop\n"
        "serve first.  Keep a copy of the key elsewhere.\n")},
    {"station", county_cmd_station, 1,
     "station add CODE [--name TEXT] [--enrol-code [--expires T]] |\n"
     "       token CODE [--device NAME] [--enrol-code [--expires T]] |\n"
     "       list [--json] | revoke CODE [--device NAME] |\n"
     "       set CODE [name=TEXT] [contact=TEXT]",
     N_("Enrol stations and their replicas, and watch their sync health.\n"
        "  add CODE      enrol a station with one replica, device \"main\";\n"
        "                prints its token alone on one line, once (only its\n"
        "                SHA-256 is stored)\n"
        "  token CODE    another replica of the station (a field laptop);\n"
        "                --device names it (default: main, else replica-N);\n"
        "                prints its own token, once\n"
        "  list          per replica: station, name, device, site, last seen,\n"
        "                last sync, last error, open conflicts, agent "
        "version,\n"
        "                clock skew, clamped versions, revoked\n"
        "  --enrol-code  print a one-time enrolment code instead of the\n"
        "                token: XXXXX-XXXXX, single use, valid --expires T\n"
        "                (default 24h; e.g. 30m, 7d; at most 30d); the\n"
        "                station runs swsync init --enrol CODE --server URL\n"
        "                and gets its token over the network (only the\n"
        "                code's SHA-256 is stored)\n"
        "  revoke CODE   revoke every replica of the station, or only\n"
        "                --device NAME; their tokens get 401 from then on\n"
        "  set CODE      the station's name and its contact line (a phone,\n"
        "                a person), which stations with a linked case see\n"
        "                (see duplicates); an empty value clears it\n")},
    {"serve", county_cmd_serve, 1,
     "serve --listen ADDR:PORT [--tls-cert FILE --tls-key FILE]\n"
     "       [--max-drift SECONDS] [--threads N] [--per-ip-limit N]\n"
     "       [--per-token-limit N] [--max-connections N]\n"
     "       [--reserved-connections N] [--header-timeout SECONDS]\n"
     "       [--request-timeout SECONDS]\n"
     "       [--session-idle SECONDS] [--session-max SECONDS]\n"
     "       [--secure-cookies]",
     N_("Serve protocol v1 (POST /v1/hello, POST /v1/push, GET /v1/pull,\n"
        "GET /v1/conflicts, POST /v1/enrol) and the admin console (a web page\n"
        "at /admin/, for the accounts made with 'admin add') on ADDR:PORT\n"
        "only.  Logs one line a request to stderr.  SIGTERM or SIGINT: stop\n"
        "accepting, finish the requests in flight (not one half sent and\n"
        "silent), exit 0.\n"
        "  --listen ADDR:PORT   e.g. 0.0.0.0:8443, 127.0.0.1:8080, "
        "[::1]:8080;\n"
        "                       port 0 picks a free port\n"
        "  --tls-cert FILE      PEM certificate (chain) for HTTPS\n"
        "  --tls-key FILE       PEM private key (unencrypted) for HTTPS\n"
        "  --max-drift SECONDS  versions further ahead of the server's clock\n"
        "                       are clamped (default 600)\n"
        "  --threads N          worker threads, each with its own database\n"
        "                       connection (default 4)\n"
        "  --per-ip-limit N     unauthenticated connections older than 5 s "
        "from\n"
        "                       one address; past it the oldest is closed\n"
        "                       (default 16; 0: no limit)\n"
        "  --per-token-limit N  requests at once with one token; more get 429\n"
        "                       (default 4)\n"
        "  --max-connections N  connections at once (default 512)\n"
        "  --reserved-connections N  of those, kept for connections that\n"
        "                       showed a valid token or session: past the\n"
        "                       rest, the oldest unauthenticated one is "
        "closed\n"
        "                       (default 64)\n"
        "  --header-timeout SECONDS   a request's headers must be in within\n"
        "                       this long, however slowly they trickle\n"
        "                       (default 30)\n"
        "  --request-timeout SECONDS  and the whole request, body included\n"
        "                       (default 300)\n"
        "  --session-idle SECONDS  an admin console session ends after this\n"
        "                       long without a request (default 1800)\n"
        "  --session-max SECONDS   and this long after its login at the\n"
        "                       latest (default 28800: 8 hours)\n"
        "  --secure-cookies     mark the admin console's cookies Secure when\n"
        "                       a TLS-terminating proxy is in front (they are\n"
        "                       with --tls-cert anyway)\n")},
    {"case", county_cmd_record, 1,
     "case show ID [--json] | list [--json] [--where FIELD=VALUE]...\n"
     "       [--station CODE] | set ID FIELD=VALUE... |\n"
     "       purge ID --reason TEXT |\n"
     "       transfer ID --to STATION --note TEXT [--request N] |\n"
     "       search TEXT [--station CODE] [--json] [--limit N]",
     N_("Cases of every station.  set is a county correction: a new version\n"
        "that reaches the owning station on its next pull.  Fields as in\n"
        "swsync(1); FIELD= (empty) clears a field; a choice takes its Chinese\n"
        "label too.  --where FIELD~TEXT: TEXT is part of the field.  search\n"
        "finds TEXT in the name, ID number, phone, village and address, or as\n"
        "the pinyin initials of the name, best matches first, as swsync's.\n"
        "purge erases the person: the case, its visits and services, their\n"
        "versions, conflicts and audit text, at the county and, on their\n"
        "next pull, on every replica of the station; a tombstone keeps the\n"
        "record ids, the time, the admin and the reason (do not name the\n"
        "person in it).  Later pushes of the person are refused.\n"
        "transfer moves the case with its visits and services to another\n"
        "station: on their next sync its replicas get the whole history and\n"
        "the old station's replicas let go of it, keeping only a line with\n"
        "the case's id, the new station, the date and the note (do not name\n"
        "the person in it).  Edits the old station made before it learnt of\n"
        "the move are kept (conflicts of kind edit_after_transfer).  Audited;\n"
        "moving it back is another transfer.  --request N confirms a\n"
        "station's request (see transfer requests).\n")},
    {"transfer", county_cmd_transfer, 1,
     "transfer requests [--json] [--all] | decline N",
     N_("The stations' requests to move a case (swsync transfer-request):\n"
        "requests lists the pending ones (--all: decided ones too): number,\n"
        "status, station, case, to station, who asked, note.  Confirm one\n"
        "with case transfer ID --to STATION --note TEXT --request N; decline\n"
        "one with decline N (audited).\n")},
    {"visit", county_cmd_record, 1,
     "visit show ID [--json] | list [--json] [--where FIELD=VALUE]...\n"
     "       [--station CODE] | set ID FIELD=VALUE...",
     N_("Visits of every station; set as for case.  A visit's case cannot "
        "change.\n")},
    {"service", county_cmd_record, 1,
     "service show ID [--json] | list [--json] [--where FIELD=VALUE]...\n"
     "       [--station CODE] | set ID FIELD=VALUE...",
     N_("Service records of every station; set as for case.\n")},
    {"referral", county_cmd_record, 1,
     "referral show ID [--json] | list [--json] [--where FIELD=VALUE]...\n"
     "       [--station CODE] | set ID FIELD=VALUE... |\n"
     "       report [--from DATE] [--to DATE] [--today DATE] [--json]",
     N_("Referrals of every station (a case referred to a resource, its\n"
        "status and follow-up); set as for case.  report: per station, the\n"
        "referrals open and overdue (follow-up date before today) now, those\n"
        "completed and declined in the period (closed_on, else referred_on;\n"
        "default: this month to today), and the outcome rate (completed of\n"
        "those closed, in percent; - or null when none).  --today DATE: as\n"
        "if today were DATE.\n")},
    {"overdue", county_cmd_overdue, 1, "overdue [--today DATE] [--json]",
     N_("Per station, what is overdue today: visits asked for by a case's\n"
        "latest visit (next_visit_on), open referrals past their follow-up\n"
        "date, high-risk open cases not visited for 30 days.\n")},
    {"resource", county_cmd_record, 1,
     "resource add FIELD=VALUE... | set ID FIELD=VALUE... | delete ID |\n"
     "       show ID [--json] | list [--json] [--where FIELD=VALUE]...",
     N_("The county's resource directory: the first county-owned table.\n"
        "Fields: name*, type* (government|medical|ngo|community|legal|\n"
        "other), contact, areas (the villages or townships served), notes.\n"
        "* required.  add prints the new resource's id.  Every station\n"
        "pulls the whole directory, read-only, and refers cases to it; a\n"
        "station's change of it is refused (refused_changes).\n")},
    {"conflicts", county_cmd_conflicts, 1,
     "conflicts list [--json] [--all] [--station CODE] [--table T] |\n"
     "       show ID [--json] |\n"
     "       resolve ID (--keep winner | --keep loser | --value TEXT)\n"
     "       [--note TEXT] [--by NAME]",
     N_("Concurrent writes of one field: the winner is the field's value, the\n"
        "loser is kept here.  list shows open conflicts (--all: resolved ones\n"
        "too).  resolve writes the chosen value as a new county version (it\n"
        "reaches the station on its next pull) and closes the conflict, in\n"
        "one transaction.  For an edit of a deleted record, --keep winner\n"
        "keeps it deleted; --keep loser or --value restores the record with\n"
        "that value.\n")},
    {"admin", county_cmd_admin, 1,
     "admin add USER [--password-stdin] | list [--json] | remove USER",
     N_("Accounts of the admin console (serve: /admin/).\n"
        "  add USER     a new admin; the password (at least 10 characters) is\n"
        "               asked twice on the terminal, without echo, or read\n"
        "               as one line from standard input with "
        "--password-stdin.\n"
        "               Only its PBKDF2-HMAC-SHA256 hash is stored.  A user\n"
        "               name is 1-64 of A-Z a-z 0-9 _ . - @\n"
        "  list         the admins: created, by whom, last login, sessions\n"
        "  remove USER  remove an admin and end their sessions\n")},
    {"export", county_cmd_export, 1,
     "export cases|visits|services [--station CODE] [--from DATE]\n"
     "       [--to DATE] [--format csv|json] [--codes] [-o FILE]",
     N_("Write records of every station (or of --station CODE) out for a\n"
        "spreadsheet or another program: the live records whose date (cases:\n"
        "opened_on, visits: visited_at, services: service_on) is in the\n"
        "range.  CSV (the default) opens in Excel and WPS: UTF-8 with a BOM,\n"
        "a header row, RFC 4180 quoting, CRLF; header and choice values are\n"
        "labels in your language (LANG), 0/1 fields 是/否, ID numbers\n"
        "=\"...\" so that Excel keeps all 18 digits.  Visits and services add\n"
        "the case's ID number and name.\n"
        "  --station CODE  only this station's records\n"
        "  --from DATE     first day included (YYYY-MM-DD)\n"
        "  --to DATE       last day included\n"
        "  --format F      csv (default) or json (codes, one array)\n"
        "  --codes         CSV header and values as the stored codes\n"
        "  -o FILE         write FILE (mode 0600) instead of standard output;\n"
        "                  it appears whole or not at all\n"
        "Every export is in the audit trail (who, what, how many).\n")},
    {"report", county_cmd_report, 1,
     "report month YYYY-MM [--station CODE] [--json | --format\n"
     "       text|json|csv] [-o FILE]",
     N_("The month's summary of the county (or of one station): new and\n"
        "closed cases by category, visits by mode, services by type with\n"
        "their amounts, follow-ups due in the month and how many were done,\n"
        "and the open high-risk cases not visited in the 30 days up to the\n"
        "month's end (or today).  Labels in your language; --json gives\n"
        "codes.  Every report is in the audit trail.\n"
        "  --station CODE          only this station\n"
        "  --json, --format json   one JSON object\n"
        "  --format csv            rows of section, item, count, amount\n"
        "  -o FILE                 write FILE (0600) instead of stdout\n")},
    {"retention", county_cmd_retention, 1,
     "retention set YEARS|off | show | run [--dry-run] [--today DATE]",
     N_("Erase closed cases YEARS after their closed_on date (off by "
        "default):\n"
        "run purges each (as case purge: the case, its visits and services,\n"
        "at the county and, on their next pull, at its station's replicas)\n"
        "and prints them; --dry-run only lists what would go.  Every run is\n"
        "audited.  Run it daily from a timer (dist/swsync-county-retention.*)."
        "\n")},
    {"duplicates", county_cmd_dups, 1,
     "duplicates list [--json] [--all] |\n"
     "       not-same ID ID --note TEXT | link ID ID --note TEXT |\n"
     "       unlink ID ID --note TEXT",
     N_("The same person at two stations: cases of different stations with\n"
        "the same ID number (strong) or, when one of them has none, the same\n"
        "name and birth date (weak).  Nothing is merged automatically.\n"
        "  list      the possible duplicates, strong ones first: both cases,\n"
        "            why they match, how strongly, the decision; --all also\n"
        "            the pairs marked not the same person\n"
        "  not-same  mark the pair not the same person: it leaves the list\n"
        "  link      link the pair: on their next sync each station sees\n"
        "            that the person is also served at the other one (its\n"
        "            name and contact line, nothing else); a transfer\n"
        "            (case page) can then make one station responsible\n"
        "  unlink    take back either decision (the link leaves the\n"
        "            stations on their next sync)\n"
        "Every decision needs --note and is audited.\n")},
    {"audit", county_cmd_audit, 1, "audit [--json] [--limit N]",
     N_("The audit trail, newest first (default: the last 50): every admin\n"
        "action, in the console or through this CLI: login, failed login,\n"
        "logout, station add, new token, revoke, conflict resolved, record\n"
        "corrected, admin added or removed.  Text: time, who (an admin, or\n"
        "cli:USER for this CLI), from where (client address, or cli), action,\n"
        "target, details, tab-separated.  --json: an array of {id, at, actor,\n"
        "action, target, details, source}.  The trail cannot be changed.\n")},
    {"config", cmd_config, 0, "config show",
     N_("The settings (county.conf: db, and serve's listen, tls-cert,\n"
        "tls-key, max-drift, threads, per-ip-limit, per-token-limit,\n"
        "max-connections, reserved-connections, header-timeout,\n"
        "request-timeout, session-idle, session-max, secure-cookies), their\n"
        "effective values and where each came from: default, FILE:LINE, env\n"
        "NAME or flag.  Every setting is also serve's option of the same\n"
        "name, which wins over the file.  An unknown key or a bad value in\n"
        "the file is an error naming the file and line (exit 78).\n")},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* /etc/swsync/county.conf (SW_SYSCONFDIR from configure).  db's default
** is the installed data folder when this file exists (an installed
** swsync-county), else ./county.db (a build tree). */
#define CONF_FILE SW_SYSCONFDIR "/swsync/county.conf"
#define INSTALLED_DB SW_LOCALSTATEDIR "/lib/swsync/county.db"
static const struct conf_key conf_keys[] = {
    {"db", NULL, CONF_STR, 0, 0, NULL},
    {"listen", "serve", CONF_STR, 0, 0, NULL},
    {"tls-cert", "serve", CONF_STR, 0, 0, NULL},
    {"tls-key", "serve", CONF_STR, 0, 0, NULL},
    {"max-drift", "serve", CONF_INT, 1, 366L * 86400, "600"},
    {"threads", "serve", CONF_INT, 1, 64, "4"},
    {"per-ip-limit", "serve", CONF_INT, 0, 100000, "16"},
    {"per-token-limit", "serve", CONF_INT, 1, 1000, "4"},
    {"max-connections", "serve", CONF_INT, 2, 100000, "512"},
    {"reserved-connections", "serve", CONF_INT, 1, 100000, "64"},
    {"header-timeout", "serve", CONF_INT, 1, 3600, "30"},
    {"request-timeout", "serve", CONF_INT, 1, 86400, "300"},
    {"session-idle", "serve", CONF_INT, 1, 86400, "1800"},
    {"session-max", "serve", CONF_INT, 1, 7L * 86400, "28800"},
    {"secure-cookies", "serve", CONF_BOOL, 0, 0, "no"},
};
#define NCONF (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Defaults, then the file (--config FILE, $SWSYNC_COUNTY_CONFIG, or
** CONF_FILE if it exists), then $SWSYNC_COUNTY_DB, then --db. */
static int load_conf(struct conf *cf, const char *file, const char *db_flag,
                     struct sw_err *err)
{
    const char *env = getenv("SWSYNC_COUNTY_CONFIG");
    const char *db = getenv("SWSYNC_COUNTY_DB");
    int rc = conf_init(cf, conf_keys, NCONF, err);
    if (rc)
        return rc;
    if (!file && env && *env)
        file = env;
    rc = conf_load(cf, file ? file : CONF_FILE, file != NULL, err);
    if (!rc && !conf_get(cf, "db")) {
        struct stat st;
        rc = conf_set(cf, "db",
                      stat(CONF_FILE, &st) == 0 ? INSTALLED_DB : "county.db",
                      "default", err);
    }
    if (!rc && db && *db)
        rc = conf_set(cf, "db", db, "env SWSYNC_COUNTY_DB", err);
    if (!rc && db_flag)
        rc = conf_set(cf, "db", db_flag, "flag", err);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, _("usage: swsync-county [--config FILE] [--db FILE|URI] "
                 "COMMAND [ARGS]\n"
                 "\n"
                 "The county server of swsync: enrol stations, serve their "
                 "sync, correct\nrecords and resolve conflicts.\n"
                 "\n"
                 "Commands:\n"));
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(f,
            _("\n"
              "Options:\n"
              "  --db FILE    the county store (default: "
              "$SWSYNC_COUNTY_DB, else db in the\n"
              "               config file, else %s\n"
              "               if %s exists, else ./county.db);\n"
              "               or a PostgreSQL store: postgresql://USER@HOST"
              ":PORT/DB (the\n"
              "               password from ~/.pgpass or $PGPASSFILE, "
              "never the command line)\n"
              "  --config FILE  the settings file (default: "
              "$SWSYNC_COUNTY_CONFIG, else\n"
              "               %s if it exists)\n"
              "  --db-key K   the encrypted store's key file (default: "
              "$SWSYNC_COUNTY_DB_KEY,\n"
              "               else FILE.key when it exists)\n"
              "  -q, --quiet  print nothing on success\n"
              "  -h, --help   this help; 'swsync-county COMMAND --help' for "
              "one command\n"
              "  --version    print the version\n"
              "\n"
              "Exit status: 0 ok, 64 usage, 65 bad data, 66 no store, "
              "70 internal error,\n"
              "73 cannot create / exists, 74 I/O error, 75 try again "
              "later, 78 configuration\nerror.  See swsync-county(1).\n"),
            INSTALLED_DB, CONF_FILE, CONF_FILE);
}

int county_is_help(const char *arg)
{
    return arg && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0);
}

void county_print_help(const struct county_cmd *c)
{
    printf(_("usage: swsync-county [--db FILE] %s\n\n%s"), c->usage,
           _(c->help));
}

const struct county_cmd *county_find_cmd(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void county_format_time(int64_t ms, char buf[20])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm) ||
        strftime(buf, 20, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, 20, "-");
}

const char *county_opt_arg(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    if (strcmp(argv[*i], opt) == 0 && *i + 1 < argc)
        return argv[++*i];
    if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return NULL;
}

const char *county_jstr(const cJSON *o, const char *k)
{
    const char *s =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "-";
}

int county_print_json(cJSON *j, struct sw_err *err)
{
    char *s = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!s)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    printf("%s\n", s);
    cJSON_free(s);
    return 0;
}

/* "restore ... --encrypt": the command may make the key file. */
static int restore_encrypt(const struct county_cmd *c, int argc, char **argv)
{
    if (c->fn != county_cmd_backup || strcmp(argv[0], "restore") != 0)
        return 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--encrypt") == 0)
            return 1;
    return 0;
}

static int exit_code(int code)
{
    return code == SW_ETOOBIG ? SW_EDATA : code == SW_EFULL ? SW_EIO : code;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"db-key", required_argument, NULL, 'k'},
        {"config", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct county_ctx ctx;
    const struct county_cmd *c;
    const char *db_flag = NULL, *conf_file = NULL;
    struct conf cf;
    char **cargv = NULL, **run_argv = NULL;
    int cargc = 0;
    int opt, rc;

    sw_nls_init();
    umask(077);
    db_use_pg(); /* --db postgresql://... (docs/storage.md) */
    memset(&ctx, 0, sizeof(ctx));
    ctx.prog = PROG;
    memset(&cf, 0, sizeof(cf));

    /* '+': stop at the command name; its arguments are its own */
    while ((opt = getopt_long(argc, argv, "+qhV", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            db_flag = optarg;
            break;
        case 'C':
            conf_file = optarg;
            break;
        case 'k':
            ctx.key_path = optarg;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf(_("swsync-county %s\n"), PACKAGE_VERSION);
            return 0;
        default:
            usage(stderr);
            return SW_EUSAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return SW_EUSAGE;
    }
    c = county_find_cmd(argv[optind]);
    if (!c) {
        fprintf(stderr,
                _("swsync-county: unknown command '%s' (see swsync-county "
                  "--help)\n"),
                argv[optind]);
        return SW_EUSAGE;
    }
    argc -= optind;
    argv += optind;
    for (int i = 1; i < argc; i++)
        if (county_is_help(argv[i])) {
            county_print_help(c);
            return 0;
        }
    rc = load_conf(&cf, conf_file, db_flag, &ctx.err);
    if (!rc)
        rc = conf_argv(&cf, c->name, argc, argv, &cargc, &cargv, &ctx.err);
    if (rc) {
        conf_free(&cf);
        fprintf(stderr, _("swsync-county: %s\n"), ctx.err.msg);
        return exit_code(rc);
    }
    ctx.db_path = conf_get(&cf, "db");
    /* the command gets its own array of the same strings: it may reorder
       or compact it (getopt, restore --encrypt), cargv still frees each
       string once */
    run_argv = malloc(((size_t)cargc + 1) * sizeof(*run_argv));
    if (!run_argv) {
        conf_argv_free(cargv, cargc);
        conf_free(&cf);
        fprintf(stderr, "%s: %s\n", ctx.prog, _("out of memory"));
        return SW_ESOFTWARE;
    }
    memcpy(run_argv, cargv, ((size_t)cargc + 1) * sizeof(*run_argv));
    argc = cargc;
    argv = run_argv;
    if (c->fn == cmd_config && argc >= 2 && strcmp(argv[1], "show") == 0) {
        rc = conf_show_cmd(&cf, argc, argv, CONF_FILE, stdout, &ctx.err);
        if (rc) {
            fprintf(stderr, "%s: %s\n", ctx.prog, ctx.err.msg);
            rc = exit_code(rc);
        }
        goto done;
    }
    if (!ctx.key_path) {
        ctx.key_path = getenv("SWSYNC_COUNTY_DB_KEY");
        if (ctx.key_path && !*ctx.key_path)
            ctx.key_path = NULL;
    }
    ctx.key_given = ctx.key_path != NULL;
    if (!ctx.key_path) {
        snprintf(ctx.key_default, sizeof(ctx.key_default), "%s.key",
                 ctx.db_path);
        ctx.key_path = ctx.key_default;
    }
    /* init, encrypt and restore --encrypt decide themselves whether to
       make a key */
    if (sdb_is_pg_target(ctx.db_path)) {
        /* at rest, a PostgreSQL store is the server's to encrypt */
        if (ctx.key_given) {
            fprintf(stderr, "%s: %s\n", ctx.prog,
                    _("--db-key: a store on PostgreSQL has no key file; "
                      "encryption at rest is the database server's"));
            rc = exit_code(SW_EUSAGE);
            goto done;
        }
    } else if (c->fn != county_cmd_init && c->fn != county_cmd_encrypt &&
               !restore_encrypt(c, argc, argv)) {
        rc = crypt_load(ctx.key_path, 0, ctx.key_given, &ctx.err);
        if (rc) {
            fprintf(stderr, _("swsync-county: %s\n"), ctx.err.msg);
            rc = exit_code(rc);
            goto done;
        }
    }
    if (c->needs_db) {
        rc = db_open(ctx.db_path, SW_ROLE_COUNTY, &ctx.db, &ctx.err);
        if (rc) {
            fprintf(stderr, _("swsync-county: %s\n"), ctx.err.msg);
            rc = exit_code(rc);
            goto done;
        }
    }
    rc = c->fn(&ctx, argc, argv);
    db_close(ctx.db);
    crypt_forget_key();
    if (rc) {
        if (ctx.err.msg[0])
            fprintf(stderr, _("swsync-county: %s\n"), ctx.err.msg);
        if (rc == SW_EUSAGE)
            fprintf(stderr, _("usage: swsync-county [--db FILE] %s\n"),
                    c->usage);
        rc = exit_code(rc);
        goto done;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, _("swsync-county: cannot write output\n"));
        rc = SW_EIO;
    }
done:
    free(run_argv);
    conf_argv_free(cargv, cargc);
    conf_free(&cf);
    return rc;
}
