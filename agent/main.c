/*
** swsync — the station agent.  main() parses the global options, opens
** the replica, runs one command from the table and turns its error into
** one line on stderr and an exit code (sysexits.h values).
*/
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "crypt.h"
#include "db.h"
#include "replica.h"

static const struct cmd commands[] = {
    {"init", cmd_init, 0,
     "init --station CODE --server URL [--token-file FILE] [--encrypt] |\n"
     "       init --enrol CODE --server URL [--token-file FILE]\n"
     "       [--cacert FILE] [--encrypt]",
     N_("Create a new station replica: one SQLite file (mode 0600) holding\n"
        "the records, their versions, the outbox and the configuration.\n"
        "Refuses (exit 73) if the file exists.\n"
        "  --station CODE     this station's code (letters, digits, _ . -)\n"
        "  --server URL       the county server, http:// or https://\n"
        "  --token-file FILE  file holding this replica's token (keep it "
        "0600)\n"
        "  --encrypt          encrypt the replica at rest (AES-256-GCM pages)\n"
        "                     with the key file --db-key (default FILE.key),\n"
        "                     created 0600 if missing; see docs/privacy.md\n"
        "  --enrol CODE       a one-time code from 'swsync-county station add\n"
        "                     --enrol-code': fetch the token from the county\n"
        "                     (https, or http to loopback only) and write it\n"
        "                     to FILE (default: the replica's path + .token),\n"
        "                     created 0600; the county names the station\n"
        "  --cacert FILE      trust this CA for the server's TLS (kept as\n"
        "                     the cacert setting)\n")},
    {"case", cmd_record, 1,
     "case add FIELD=VALUE... | set ID FIELD=VALUE... | show ID [--json] |\n"
     "       show ID --authors [--json] |\n"
     "       list [--json] [--where FIELD=VALUE|FIELD~TEXT]... | delete ID |\n"
     "       search TEXT [--json] [--limit N]",
     N_("Cases (a person being served).  Fields:\n"
        "  name*, gender (male|female|other), birth_date (YYYY-MM-DD),\n"
        "  id_number (18 characters, GB 11643 check digit), phone, village,\n"
        "  address, category* (elderly_alone|left_behind_child|disabled|\n"
        "  low_income|other), risk_level (low|medium|high; default low),\n"
        "  status (open|closed; default open), worker, opened_on (default\n"
        "  today), closed_on, notes, guardian_name, guardian_relation\n"
        "  (the guardian or contact person, and how related), guardian_phone,\n"
        "  hukou_type (agricultural|non_agricultural|resident|other).\n"
        "  * required\n"
        "add prints the new record's id alone on one line.  FIELD= (empty)\n"
        "clears a field.  delete leaves a tombstone that syncs.  A choice\n"
        "takes its Chinese label too (category=独居老人, risk_level=高).\n"
        "--where FIELD~TEXT: TEXT is part of the field.\n"
        "search finds TEXT in the name, ID number, phone, village and\n"
        "address, or as the pinyin initials of the name (zs finds 张三), best\n"
        "matches first (whole ID number or phone, then the name's start...),\n"
        "at most N (default 50; 0: all); --json adds \"match\" to each.\n"
        "show --authors: who wrote each field's value (FIELD: NAME lines, or\n"
        "a JSON object), as far as this replica knows: the worker a console\n"
        "signed in, a county admin; a field written from this CLI has none.\n"
        "show of a case the county linked to one of another station (the\n"
        "same person) ends with \"also served at STATION · contact: TEXT\"\n"
        "(--json: also_served); nothing else of the other case is known.\n"
        "Also for visits and services.\n")},
    {"visit", cmd_record, 1,
     "visit add case=ID FIELD=VALUE... | set ID FIELD=VALUE... |\n"
     "       show ID [--json] | list [--json] [--where "
     "FIELD=VALUE|FIELD~TEXT]...\n"
     "       | delete ID",
     N_("Visits (home, phone, office or online contact).  Fields:\n"
        "  case* (the case's id; also case_id), visited_at (YYYY-MM-DD or\n"
        "  YYYY-MM-DDTHH:MM[:SS]; default today), worker, mode*\n"
        "  (home|phone|office|online), purpose, findings, follow_up (0|1),\n"
        "  next_visit_on (YYYY-MM-DD).   * required\n"
        "A visit belongs to its case's station; its case cannot change.\n")},
    {"service", cmd_record, 1,
     "service add case=ID FIELD=VALUE... | set ID FIELD=VALUE... |\n"
     "       show ID [--json] | list [--json] [--where "
     "FIELD=VALUE|FIELD~TEXT]...\n"
     "       | delete ID",
     N_("Service records (aid delivered, referrals, applications).  Fields:\n"
        "  case* (also case_id), service_on (default today), service_type*,\n"
        "  provider, minutes (0-100000), amount (e.g. 150.50), outcome,\n"
        "  notes.   * required\n")},
    {"referral", cmd_record, 1,
     "referral add case=ID need=NEED FIELD=VALUE... | set ID FIELD=VALUE... |\n"
     "       show ID [--json] | list [--json] [--where "
     "FIELD=VALUE|FIELD~TEXT]...\n"
     "       | list --open|--overdue [--json] [--today DATE] | delete ID",
     N_("Referrals of a case to a resource, followed up until the loop is\n"
        "closed.  Fields:\n"
        "  case* (also case_id), need* (health|income|housing|education|\n"
        "  disability|elderly|child|legal|mental|other), resource_id (a\n"
        "  resource of the county's directory: swsync resource list),\n"
        "  resource_text (a resource not in the directory), referred_by,\n"
        "  referred_on (default today), status (referred|accepted|completed|\n"
        "  declined, 已转介|已接收|已完成|未成功; default referred),\n"
        "  follow_up_on (YYYY-MM-DD), outcome, closed_on (the day it was\n"
        "  completed or declined; the county's figures count it then),\n"
        "  notes.   * required\n"
        "list --open: referred or accepted; --overdue: open and the\n"
        "follow-up date is before today (--today DATE: as if today were\n"
        "DATE).  Lines: id, name, need, status, follow-up date, resource,\n"
        "and \"overdue\".\n")},
    {"resource", cmd_record, 1,
     "resource show ID [--json] | list [--json] [--where "
     "FIELD=VALUE|FIELD~TEXT]...",
     N_("The county's resource directory (name, type, contact, areas,\n"
        "notes), pulled by every station and read-only here: a county admin\n"
        "keeps it (swsync-county resource add|set).  Another program's\n"
        "writes to the resources table of the replica are refused and\n"
        "noted (swsync status, swsync audit).\n")},
    {"due", cmd_due, 1, "due [--days N] [--json] [--today DATE]",
     N_("What is due and overdue: visits asked for by a case's latest\n"
        "visit (next_visit_on), open referrals by their follow-up date,\n"
        "and high-risk open cases not visited for 30 days.  Soonest first,\n"
        "one a line: date, due or overdue, what, the person, the record id.\n"
        "  --days N      also what falls due in the next N days (default 0)\n"
        "  --today DATE  as if today were DATE (YYYY-MM-DD)\n"
        "  --json        an array of objects: kind (visit|referral|\n"
        "                high_risk), due_on, overdue (true|false), case_id,\n"
        "                name, id (the visit, referral or case), detail (a\n"
        "                referral's need; a high-risk case's last visit)\n")},
    {"sync", cmd_sync, 0,
     "sync [--quiet] [--warn-after T] [--timeout S] [--jitter S]\n"
     "       [--cacert FILE]",
     N_("Exchange changes with the county server: say hello (check versions,\n"
        "measure the clock skew), push this replica's changes in batches,\n"
        "then pull the county's until none remain.  Each batch is one\n"
        "transaction: a sync cut anywhere loses nothing and leaves the\n"
        "replica consistent; the next sync carries on.  Only one sync runs\n"
        "at a time on a replica (lock file FILE.lock next to the replica).\n"
        "Settings used: server, token-file (the token is read from it, never\n"
        "printed), cacert (see swsync config).\n"
        "  -q, --quiet     print nothing on success (for cron), nor on a\n"
        "                  temporary failure (75) until --warn-after\n"
        "  --warn-after T  under --quiet: warn once a day when the last\n"
        "                  successful sync is older than T (default 24h;\n"
        "                  e.g. 90m, 2d)\n"
        "  --timeout S     give up connecting after S seconds, and give up a\n"
        "                  transfer that moves nothing for S seconds (default\n"
        "                  30); a slow but living link is never cut\n"
        "  --jitter S      first sleep a random 0..S seconds, so that many\n"
        "                  stations' timers do not all call at once\n"
        "  --cacert FILE   trust this CA certificate for the server's TLS\n"
        "                  (default: the cacert setting, else the system's)\n"
        "Prints one line on success, e.g.\n"
        "  sync: pushed 12 changes, pulled 30, 1 conflict\n"
        "and on a terminal the progress of a long transfer.  Errors are one\n"
        "line on stderr.  Exit status: 0 done; 65 the county refused the\n"
        "data as malformed or too large; 69 refused: protocol or schema\n"
        "versions differ, or not a swsync server (404/415: a wrong URL path);\n"
        "75 try again later: network\n"
        "down, timeout, connection cut, county busy or failing, or another\n"
        "sync running; 77 not permitted: token wrong or revoked, or bound to\n"
        "another replica; 78 configuration: no server, token file missing,\n"
        "unreadable, empty or readable by others, bad CA file, an untrusted\n"
        "certificate, https:// to a plain-http server.\n")},
    {"status", cmd_status, 1, "status [--json]",
     N_("Show the station, its server, the schema version, how many changes\n"
        "wait to be sent, the last successful sync, the last error, the open\n"
        "conflicts, the measured clock skew, and the last sync that pulled\n"
        "versions too far ahead of the county's clock.\n"
        "  --json   the same as one JSON object: station, site, server,\n"
        "           token_file, schema_version, pending_changes, cases,\n"
        "           visits, services, last_sync (ISO 8601 or null),\n"
        "           last_error (or null), open_conflicts, skew_ms (this PC's\n"
        "           clock minus the county's, or null if never measured),\n"
        "           held_back (or null), clock_clamped (or null),\n"
        "           referrals, resources, refused_writes (another program's\n"
        "           writes to the county's resource directory, refused),\n"
        "           moved_cases (cases the county moved to other stations)\n")},
    {"conflicts", cmd_conflicts, 1, "conflicts [--json] [--open]",
     N_("The conflicts on this station's records: concurrent edits of one\n"
        "field, found here (a pulled value met an unsent edit) or at the\n"
        "county, and how a county admin resolved them.  swsync sync learns\n"
        "the county's conflicts and their resolutions after each pull.  Open\n"
        "ones first, then the newest.\n"
        "  --open   only the open ones\n"
        "  --json   an array of objects: id, table, record, field, kind\n"
        "           (field | edit_of_deleted | edit_after_transfer),\n"
        "           winner_value, winner_site,\n"
        "           winner_hlc, loser_value, loser_site, loser_hlc (hlcs as\n"
        "           strings), detected_at, status (open | resolved),\n"
        "           resolution (winner | loser | value), note, resolved_at\n"
        "           (ms since the epoch, or null), winner_author,\n"
        "           loser_author (who wrote each value, or null)\n"
        "Text: id, status, table, record, field, kind, winner's value,\n"
        "loser's value, resolution, note, tab-separated.\n")},
    {"moved", cmd_moved, 1, "moved [--json]",
     N_("The cases the county moved from this station to another: the\n"
        "case's id, the station it went to, the date and the county's note,\n"
        "tab-separated, newest first.  The case itself, its visits and\n"
        "services leave this replica at the sync that learns of the move\n"
        "(after its unsent edits of them are sent).\n"
        "  --json   an array of objects: case, to_station, date, moved_at\n"
        "           (ms since the epoch), note, waiting (true while unsent\n"
        "           edits keep the case here)\n")},
    {"transfer-request", cmd_transfer_request, 1,
     "transfer-request ID --to STATION --note TEXT",
     N_("Ask the county to move case ID (with its visits and services) to\n"
        "station STATION, e.g. when the person moves township.  The next\n"
        "sync sends the request; a county admin confirms or declines it.\n"
        "Do not name the person in the note: the station that had the case\n"
        "keeps it.\n")},
    {"console", cmd_console, 1,
     "console [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--open]",
     N_("Serve the station console, a web app in Chinese (English on a\n"
        "switch) for the station's workers: today's work, finding a case,\n"
        "case pages and forms, sync now, conflicts, export.  Works with no\n"
        "network; loads nothing from elsewhere.  Sign in as a worker (see\n"
        "'worker add').  Runs until SIGINT or SIGTERM.\n"
        "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8765); an\n"
        "                      address other than loopback needs TLS\n"
        "  --tls-cert FILE     PEM certificate (with --tls-key): serve HTTPS\n"
        "  --tls-key FILE      PEM private key, unencrypted\n"
        "  --open              open the console in the desktop's browser\n"
        "  --session-idle S    a session ends after S idle seconds (1800)\n"
        "  --session-max S     any session ends S seconds after sign-in "
        "(28800)\n"
        "  --stale-days N      home page: high-risk cases not visited for N\n"
        "                      days (30)\n")},
    {"worker", cmd_worker, 1,
     "worker add NAME [--password-stdin] | worker list | worker remove NAME",
     N_("The station console's workers, kept in this replica only (never\n"
        "synced).  add asks for the password twice on the terminal, without\n"
        "echo, or reads one line from standard input with --password-stdin\n"
        "(at least 10 characters).  Only a PBKDF2-HMAC-SHA256 hash is kept.\n"
        "list prints name, created, open sessions, tab-separated.  remove\n"
        "ends the worker's sessions too.  A worker changes their own\n"
        "password in the console.\n")},
    {"export", cmd_export, 1,
     "export cases|visits|services|referrals [--from DATE] [--to DATE]\n"
     "       [--format csv|json] [--codes] [-o FILE]",
     N_("Write records out for a spreadsheet or another program: the live\n"
        "records whose date (cases: opened_on, visits: visited_at, services:\n"
        "service_on) is in the range.  CSV (the default) opens in Excel and\n"
        "WPS: UTF-8 with a BOM, a header row, RFC 4180 quoting, CRLF; the\n"
        "header and the choice values are labels in your language (LANG),\n"
        "0/1 fields are 是/否, and ID numbers are written =\"...\" so that "
        "Excel\n"
        "keeps all 18 digits.  Visits and services add the case's ID number\n"
        "and name.  The file can be imported again (swsync import).\n"
        "  --from DATE     first day included (YYYY-MM-DD)\n"
        "  --to DATE       last day included\n"
        "  --format F      csv (default) or json (codes, one array)\n"
        "  --codes         CSV header and values as the stored codes\n"
        "  -o FILE         write FILE (mode 0600) instead of standard output;\n"
        "                  it appears whole or not at all\n"
        "Every export is written to the local audit trail (who, what, how\n"
        "many).\n")},
    {"report", cmd_report, 1,
     "report month YYYY-MM [--json | --format text|json|csv] [-o FILE]",
     N_("The month's summary a station reports upward: new and closed cases\n"
        "by category, visits by mode, services by type with their amounts,\n"
        "follow-ups due in the month and how many were done (a later visit\n"
        "of the case by the month's end), and the open high-risk cases not\n"
        "visited in the 30 days up to the month's end (or today).  Labels in\n"
        "your language; --json gives codes.  Audited like export.\n"
        "  --json, --format json   one JSON object\n"
        "  --format csv            rows of section, item, count, amount\n"
        "  -o FILE                 write FILE (0600) instead of stdout\n")},
    {"import", cmd_import, 1,
     "import cases|visits|services|referrals FILE.csv [--dry-run]\n"
     "       [--skip-bad [--rejects FILE]] [--encoding utf-8|gb18030]",
     N_("Read records from a spreadsheet saved as CSV (UTF-8, with or without\n"
        "BOM, or GB18030/GBK: detected, or say --encoding).  The header row\n"
        "names the fields by code or by label (姓名, 出生日期 ...); values "
        "may\n"
        "be codes or labels (高, 入户), 是/否, dates as YYYY-MM-DD or\n"
        "YYYY/M/D, date-times also RFC 3339 (2026-11-21T10:00:00+08:00).\n"
        "Fields left empty get the defaults add gives.  Visits and services\n"
        "find their case by its id (column case_id) or its ID number (column\n"
        "id_number).  Every row is checked first and every problem printed\n"
        "with its line; nothing is written unless all rows are good.  One\n"
        "transaction.  Importing the same file again adds nothing: a row\n"
        "with an id updates that record; otherwise a case with the same ID\n"
        "number (or name and birth date), a visit of the same case, time and\n"
        "mode, a service of the same case, day and type is updated.\n"
        "  -n, --dry-run     check every row and say what would happen\n"
        "  --skip-bad        write the good rows, report the bad ones\n"
        "  --rejects FILE    with --skip-bad: the bad rows as CSV, with the\n"
        "                    problem in a last column, to fix and import\n"
        "  --encoding E      utf-8 or gb18030\n"
        "Exit status: 0 imported; 65 bad rows or not CSV (nothing written);\n"
        "66 no such file.\n")},
    {"audit", cmd_audit, 1, "audit [--json] [--limit N]",
     N_("The replica's local audit trail, newest first (default: the last\n"
        "50): every export, report and import, and the station console's\n"
        "sign-ins.  Text: time, who (cli:USER for this program), action,\n"
        "detail, tab-separated.  --json: an array of {id, at (ms since the\n"
        "epoch), who, action, detail}.  The trail cannot be changed.\n")},
    {"backup", cmd_backup, 0,
     "backup FILE | backup verify FILE  (--key-file K | --passphrase-stdin)",
     N_("Write an encrypted, authenticated backup of the replica to FILE: a\n"
        "consistent copy taken while sync runs (VACUUM INTO), AES-256-GCM in\n"
        "1 MiB chunks (format: docs/privacy.md).  FILE is written beside\n"
        "itself and renamed into place (0600).  'backup verify FILE' decrypts\n"
        "it into an encrypted scratch file, runs SQLite's integrity_check and\n"
        "prints the record counts.\n"
        "  --key-file K        a key file (64 hex digits, mode 0600; e.g.\n"
        "                      made by 'swsync init --encrypt')\n"
        "  --passphrase-stdin  a passphrase, one line on standard input\n"
        "                      (scrypt N=2^16 r=8 p=1)\n"
        "Exit status: 65 damaged or truncated backup; 77 wrong key or\n"
        "passphrase; 78 key file missing or readable by others.\n")},
    {"restore", cmd_backup, 0,
     "restore FILE [--force] [--encrypt] (--key-file K | "
     "--passphrase-stdin)",
     N_("Put a backup back as the replica, atomically, after checking it\n"
        "(every chunk, integrity_check).  Refuses (exit 73) to replace a\n"
        "replica that is newer than the backup (it changed later: its clock\n"
        "or its newest edit), of another site, or unreadable, unless --force.\n"
        "Refuses (exit 75) while a sync runs or another process has it\n"
        "open.  If the replica is encrypted (or --db-key is given) the\n"
        "restored file is encrypted with that key.\n"
        "The next sync sends what the county has of this replica's later\n"
        "writes back to it.\n"
        "  --encrypt  (a new PC) make the replica encrypted, with a new key\n"
        "             file --db-key (default FILE.key) if there is none\n")},
    {"encrypt", cmd_encrypt, 0, "encrypt",
     N_("Encrypt an existing plain replica in place (one time): an encrypted\n"
        "copy is made and checked, then renamed over it.  The key file is\n"
        "--db-key (default FILE.key), created (0600) if missing.  Keep a\n"
        "copy of the key off this PC: without it the replica is lost.\n")},
    {"config", cmd_config, 1,
     "config set KEY VALUE | config get KEY | config list | config show",
     N_("Read or change the replica's settings.  Keys:\n"
        "  server       the county server's URL\n"
        "  token-file   file holding this replica's token\n"
        "  cacert       CA certificate file to trust for the server's TLS\n"
        "show: the program's settings instead (swsync.conf: db, and sync's\n"
        "timeout, jitter, warn-after, console's listen, tls-cert, tls-key),\n"
        "their effective values and where each came from: default,\n"
        "FILE:LINE, env NAME or flag.  An unknown key or a bad value in the\n"
        "file is an error naming the file and line (exit 78).\n")},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* /etc/swsync/swsync.conf (SW_SYSCONFDIR from configure): the settings
** of this program (the replica's own settings are `swsync config set`).
** db's default is the installed data folder when this file exists (an
** installed swsync), else ./station.db (a build tree). */
#define CONF_FILE SW_SYSCONFDIR "/swsync/swsync.conf"
#define INSTALLED_DB SW_LOCALSTATEDIR "/lib/swsync/station.db"
static const struct conf_key conf_keys[] = {
    {"db", NULL, CONF_STR, 0, 0, NULL},
    {"timeout", "sync", CONF_INT, 1, 86400, "30"},
    {"jitter", "sync", CONF_INT, 0, 86400, "0"},
    {"warn-after", "sync", CONF_DURATION, 0, 0, "24h"},
    {"listen", "console", CONF_STR, 0, 0, "127.0.0.1:8765"},
    {"tls-cert", "console", CONF_STR, 0, 0, NULL},
    {"tls-key", "console", CONF_STR, 0, 0, NULL},
};
#define NCONF (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Defaults, then the file (--config FILE, $SWSYNC_CONFIG, or CONF_FILE
** if it exists), then $SWSYNC_DB, then --db. */
static int load_conf(struct conf *cf, const char *file, const char *db_flag,
                     struct sw_err *err)
{
    const char *env = getenv("SWSYNC_CONFIG"), *db = getenv("SWSYNC_DB");
    int rc = conf_init(cf, conf_keys, NCONF, err);
    if (rc)
        return rc;
    if (!file && env && *env)
        file = env;
    rc = conf_load(cf, file ? file : CONF_FILE, file != NULL, err);
    if (!rc && !conf_get(cf, "db")) {
        struct stat st;
        rc = conf_set(cf, "db",
                      stat(CONF_FILE, &st) == 0 ? INSTALLED_DB : "station.db",
                      "default", err);
    }
    if (!rc && db && *db)
        rc = conf_set(cf, "db", db, "env SWSYNC_DB", err);
    if (!rc && db_flag)
        rc = conf_set(cf, "db", db_flag, "flag", err);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, _("usage: swsync [--config FILE] [--db FILE] COMMAND [ARGS]\n"
                 "\n"
                 "Keep a station's case records in one SQLite file and sync "
                 "them with the county.\n"
                 "\n"
                 "Commands:\n"));
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(
        f,
        _("\n"
          "Options:\n"
          "  --db FILE    the replica (default: $SWSYNC_DB, else db in the\n"
          "               config file, else %s\n"
          "               if %s exists, else ./station.db)\n"
          "  --config FILE  the settings file (default: $SWSYNC_CONFIG, "
          "else\n"
          "               %s if it exists)\n"
          "  --author NAME  record NAME as the author of what this "
          "command writes\n"
          "               (default: none; see swsync(1))\n"
          "  --db-key K   the encrypted replica's key file (default: "
          "$SWSYNC_DB_KEY,\n"
          "               else FILE.key when it exists)\n"
          "  -q, --quiet  print nothing on success\n"
          "  -h, --help   this help; 'swsync COMMAND --help' for one "
          "command\n"
          "  --version    print the version\n"
          "\n"
          "Exit status: 0 ok, 64 usage, 65 bad data, 66 no replica, "
          "69 refused,\n"
          "73 cannot create, 74 I/O error, 75 try again later, 77 not "
          "permitted,\n"
          "78 configuration error.  See swsync(1).\n"),
        INSTALLED_DB, CONF_FILE, CONF_FILE);
}

int cmd_is_help(const char *arg)
{
    return arg && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0);
}

void cmd_print_help(const struct cmd *c)
{
    printf(_("usage: swsync [--db FILE] %s\n\n%s"), c->usage, _(c->help));
}

const struct cmd *cmd_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cmd_today(char buf[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

int cmd_load_key(struct cmd_ctx *ctx, int create)
{
    return crypt_load(ctx->key_path, create, ctx->key_given, &ctx->err);
}

/* "restore ... --encrypt": the command may make the key file. */
static int restore_encrypt(const struct cmd *c, int argc, char **argv)
{
    if (c->fn != cmd_backup || strcmp(argv[0], "restore") != 0)
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
        {"config", required_argument, NULL, 'C'},
        {"author", required_argument, NULL, 'a'},
        {"db-key", required_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct cmd_ctx ctx;
    const struct cmd *c;
    const char *author = NULL, *db_flag = NULL, *conf_file = NULL;
    struct conf cf;
    char **cargv = NULL, **run_argv = NULL;
    int cargc = 0;
    int opt, rc;

    sw_nls_init();
    umask(077);
    memset(&ctx, 0, sizeof(ctx));
    ctx.prog = "swsync";
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
        case 'a':
            author = optarg;
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
            printf(_("swsync %s\n"), PACKAGE_VERSION);
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
    c = cmd_find(argv[optind]);
    if (!c) {
        fprintf(stderr, _("swsync: unknown command '%s' (see swsync --help)\n"),
                argv[optind]);
        return SW_EUSAGE;
    }
    argc -= optind;
    argv += optind;
    /* --help anywhere among the command's words: no replica needed */
    for (int i = 1; i < argc; i++)
        if (cmd_is_help(argv[i])) {
            cmd_print_help(c);
            return 0;
        }
    rc = load_conf(&cf, conf_file, db_flag, &ctx.err);
    if (!rc)
        rc = conf_argv(&cf, c->name, argc, argv, &cargc, &cargv, &ctx.err);
    if (rc) {
        conf_free(&cf);
        fprintf(stderr, _("swsync: %s\n"), ctx.err.msg);
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
    /* config show: the effective settings and where each came from */
    if (strcmp(c->name, "config") == 0 && argc >= 2 &&
        strcmp(argv[1], "show") == 0) {
        rc = conf_show_cmd(&cf, argc, argv, CONF_FILE, stdout, &ctx.err);
        if (rc) {
            fprintf(stderr, "%s: %s\n", ctx.prog, ctx.err.msg);
            rc = exit_code(rc);
        }
        goto done;
    }
    if (!ctx.key_path) {
        ctx.key_path = getenv("SWSYNC_DB_KEY");
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
    if (c->fn != cmd_init && c->fn != cmd_encrypt &&
        !restore_encrypt(c, argc, argv)) {
        rc = cmd_load_key(&ctx, 0);
        if (rc) {
            fprintf(stderr, _("swsync: %s\n"), ctx.err.msg);
            rc = exit_code(rc);
            goto done;
        }
    }
    if (c->needs_db) {
        rc = db_open(ctx.db_path, SW_ROLE_STATION, &ctx.db, &ctx.err);
        if (!rc && author)
            rc = replica_set_author(ctx.db, author, &ctx.err);
        if (rc) {
            db_close(ctx.db);
            fprintf(stderr, _("swsync: %s\n"), ctx.err.msg);
            rc = exit_code(rc);
            goto done;
        }
    }
    rc = c->fn(&ctx, argc, argv);
    db_close(ctx.db);
    crypt_forget_key();
    if (rc) {
        if (ctx.err.msg[0])
            fprintf(stderr, _("swsync: %s\n"), ctx.err.msg);
        if (rc == SW_EUSAGE)
            fprintf(stderr, _("usage: swsync [--db FILE] %s\n"), c->usage);
        rc = exit_code(rc);
        goto done;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, _("swsync: cannot write output\n"));
        rc = SW_EIO;
    }
done:
    free(run_argv);
    conf_argv_free(cargv, cargc);
    conf_free(&cf);
    return rc;
}
