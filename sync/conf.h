/*
** conf — one INI-style configuration file per program
** (/etc/swsync/swsync.conf, /etc/swsync/county.conf), read with libinih.
** Each program lists its keys; every key is also a command-line option
** (--KEY=VALUE, given to the command the key belongs to).  Precedence:
** default < file < environment < flag; each value remembers where it came
** from ("default", "FILE:LINE", "env NAME", "flag") for `config show`.
** The library never prints; errors name the file and line (SW_ECONFIG).
*/
#ifndef SW_CONF_H
#define SW_CONF_H

#include <stdio.h>

#include "sw.h"

enum conf_type {
    CONF_STR,      /* any text (a path, an ADDR:PORT) */
    CONF_INT,      /* digits, min..max */
    CONF_DURATION, /* digits with s|m|h|d, e.g. 24h */
    CONF_BOOL      /* yes|no|true|false|1|0|on|off */
};

struct conf_key {
    const char *key; /* as written in the file and as --KEY */
    const char *cmd; /* the command it is an option of; NULL: global */
    enum conf_type type;
    long min, max;   /* CONF_INT */
    const char *def; /* default text, or NULL: unset */
};

#define CONF_ORIGIN_MAX 300

struct conf_val {
    char *value; /* NULL: unset */
    char origin[CONF_ORIGIN_MAX];
};

struct conf {
    const struct conf_key *keys;
    size_t n;
    struct conf_val *vals;
    char path[CONF_ORIGIN_MAX]; /* the file read, or "" */
};

/* Defaults into c.  SW_ESOFTWARE on out of memory. */
int conf_init(struct conf *c, const struct conf_key *keys, size_t n,
              struct sw_err *err);
void conf_free(struct conf *c);

/* Read path (no sections; "#" or ";" comments).  A missing file is not an
** error unless must_exist.  Unknown keys and bad values: SW_ECONFIG,
** "FILE:LINE: ...". */
int conf_load(struct conf *c, const char *path, int must_exist,
              struct sw_err *err);

/* Set key from origin (checked like a file value; errors name origin). */
int conf_set(struct conf *c, const char *key, const char *value,
             const char *origin, struct sw_err *err);

/* The key's index, or -1. */
int conf_find(const struct conf *c, const char *key);

/* The value of key, or NULL if unset or unknown. */
const char *conf_get(const struct conf *c, const char *key);

/* Check value against key's type.  0 or -1. */
int conf_check(const struct conf_key *k, const char *value);

/* Print "KEY = VALUE    # ORIGIN" lines (unset keys as "# KEY unset"). */
void conf_show(const struct conf *c, FILE *f);

/*
** `config show [--KEY=VALUE]...` (argv[0] "config", argv[1] "show"):
** each --KEY=VALUE is set as the command's flag would be, then the file
** read (or a line saying dflt does not exist) and the effective settings
** are printed to f.  Returns 0, or an error code with err filled and
** nothing printed.  Both programs' `config show`.
*/
int conf_show_cmd(struct conf *c, int argc, char **argv, const char *dflt,
                  FILE *f, struct sw_err *err);

/*
** A new argv for command cmd: argv[0], then --KEY=VALUE for each of cmd's
** keys set from a file or the environment, then argv[1..]; the command's
** own flags, later, win.  *out and its strings are malloc'd (free with
** conf_argv_free(out, *outc)).  SW_ESOFTWARE on out of memory.
*/
int conf_argv(const struct conf *c, const char *cmd, int argc, char **argv,
              int *outc, char ***out, struct sw_err *err);
void conf_argv_free(char **argv, int argc);

#endif
