/*
** conf — see conf.h.  libinih does the INI syntax; this file knows the
** keys, their types, and where each value came from.
*/
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conf.h"

int conf_find(const struct conf *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->keys[i].key, key) == 0)
            return (int)i;
    return -1;
}

const char *conf_get(const struct conf *c, const char *key)
{
    int i = conf_find(c, key);
    return i < 0 ? NULL : c->vals[i].value;
}

static int digits(const char *s, const char **end, long long *v)
{
    long long n = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        n = n * 10 + (*s - '0');
        if (n > 1000000000LL)
            return -1;
    }
    *end = s;
    *v = n;
    return 0;
}

int conf_check(const struct conf_key *k, const char *v)
{
    const char *end;
    long long n;

    switch (k->type) {
    case CONF_STR:
        return *v ? 0 : -1;
    case CONF_INT:
        if (digits(v, &end, &n) || *end || n < k->min || n > k->max)
            return -1;
        return 0;
    case CONF_DURATION:
        if (digits(v, &end, &n))
            return -1;
        if (*end && (strchr("smhd", *end) == NULL || end[1]))
            return -1;
        return 0;
    case CONF_BOOL:
        return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ||
                       strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ||
                       strcmp(v, "on") == 0 || strcmp(v, "off") == 0 ||
                       strcmp(v, "1") == 0 || strcmp(v, "0") == 0
                   ? 0
                   : -1;
    }
    return -1;
}

static int is_true(const char *v)
{
    return strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
           strcmp(v, "on") == 0 || strcmp(v, "1") == 0;
}

static const char *type_hint(const struct conf_key *k, char *buf, size_t n)
{
    switch (k->type) {
    case CONF_INT:
        snprintf(buf, n, _("a whole number from %ld to %ld"), k->min, k->max);
        return buf;
    case CONF_DURATION:
        return _("a duration such as 90s, 30m, 24h or 2d");
    case CONF_BOOL:
        return _("yes or no");
    default:
        return _("a value");
    }
}

int conf_set(struct conf *c, const char *key, const char *value,
             const char *origin, struct sw_err *err)
{
    char hb[64];
    int i = conf_find(c, key);
    char *dup;

    if (i < 0)
        return sw_fail(err, SW_ECONFIG, _("%s: unknown setting '%s'"), origin,
                       key);
    if (conf_check(&c->keys[i], value))
        return sw_fail(err, SW_ECONFIG, _("%s: %s = '%s': give %s"), origin,
                       key, value, type_hint(&c->keys[i], hb, sizeof(hb)));
    dup = strdup(value);
    if (!dup)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    free(c->vals[i].value);
    c->vals[i].value = dup;
    snprintf(c->vals[i].origin, sizeof(c->vals[i].origin), "%s", origin);
    return 0;
}

int conf_init(struct conf *c, const struct conf_key *keys, size_t n,
              struct sw_err *err)
{
    memset(c, 0, sizeof(*c));
    c->keys = keys;
    c->n = n;
    c->vals = calloc(n, sizeof(*c->vals));
    if (!c->vals)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    for (size_t i = 0; i < n; i++) {
        snprintf(c->vals[i].origin, sizeof(c->vals[i].origin), "default");
        if (keys[i].def) {
            c->vals[i].value = strdup(keys[i].def);
            if (!c->vals[i].value) {
                conf_free(c);
                return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
            }
        }
    }
    return 0;
}

void conf_free(struct conf *c)
{
    if (c->vals)
        for (size_t i = 0; i < c->n; i++)
            free(c->vals[i].value);
    free(c->vals);
    c->vals = NULL;
}

/* libinih reads through this, so that the handler knows the line. */
struct reader {
    FILE *f;
    int line;
    struct conf *c;
    struct sw_err *err;
    int failed;
};

static char *read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    char *s = fgets(str, num, r->f);
    if (s)
        r->line++;
    return s;
}

static int on_value(void *user, const char *section, const char *name,
                    const char *value)
{
    struct reader *r = user;
    char origin[CONF_ORIGIN_MAX];

    if (r->failed)
        return 0;
    snprintf(origin, sizeof(origin), "%.280s:%d", r->c->path, r->line);
    if (section && *section) {
        sw_fail(r->err, SW_ECONFIG,
                _("%s: section [%s]: this file has no sections"), origin,
                section);
        r->failed = 1;
        return 0;
    }
    if (conf_set(r->c, name, value, origin, r->err)) {
        r->failed = 1;
        return 0;
    }
    return 1;
}

int conf_load(struct conf *c, const char *path, int must_exist,
              struct sw_err *err)
{
    struct reader r;
    int rc;

    memset(&r, 0, sizeof(r));
    snprintf(c->path, sizeof(c->path), "%s", path);
    r.f = fopen(path, "r");
    if (!r.f) {
        if (errno == ENOENT && !must_exist) {
            c->path[0] = '\0';
            return 0;
        }
        return sw_fail(err, SW_ECONFIG, _("%s: cannot read: %s"), path,
                       strerror(errno));
    }
    r.c = c;
    r.err = err;
    rc = ini_parse_stream(read_line, &r, on_value, &r);
    fclose(r.f);
    if (r.failed)
        return SW_ECONFIG;
    if (rc != 0)
        return sw_fail(err, SW_ECONFIG,
                       _("%s:%d: not a setting (write KEY = VALUE)"), path,
                       rc > 0 ? rc : r.line);
    return 0;
}

void conf_show(const struct conf *c, FILE *f)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_val *v = &c->vals[i];
        char line[600];
        if (v->value)
            snprintf(line, sizeof(line), "%s = %s", c->keys[i].key, v->value);
        else
            snprintf(line, sizeof(line), "# %s unset", c->keys[i].key);
        fprintf(f, "%-44s # %s\n", line, v->origin);
    }
}

int conf_show_cmd(struct conf *c, int argc, char **argv, const char *dflt,
                  FILE *f, struct sw_err *err)
{
    int rc = 0;

    for (int i = 2; i < argc && !rc; i++) {
        char key[64];
        const char *eq = strchr(argv[i], '=');
        if (strncmp(argv[i], "--", 2) != 0 || !eq ||
            (size_t)(eq - argv[i]) - 2 >= sizeof(key))
            return sw_fail(err, SW_EUSAGE,
                           _("config show: flags as --KEY=VALUE: '%s'"),
                           argv[i]);
        memcpy(key, argv[i] + 2, (size_t)(eq - argv[i]) - 2);
        key[eq - argv[i] - 2] = '\0';
        rc = conf_set(c, key, eq + 1, "flag", err);
    }
    if (rc)
        return rc;
    if (c->path[0])
        fprintf(f, "# %s\n", c->path);
    else
        fprintf(f, _("# no settings file (%s does not exist)\n"), dflt);
    conf_show(c, f);
    return 0;
}

void conf_argv_free(char **argv, int argc)
{
    if (!argv)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

int conf_argv(const struct conf *c, const char *cmd, int argc, char **argv,
              int *outc, char ***out, struct sw_err *err)
{
    char **a = calloc((size_t)argc + c->n + 1, sizeof(*a));
    int k = 0;

    if (!a)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!(a[k++] = strdup(argv[0])))
        goto oom;
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_key *key = &c->keys[i];
        const struct conf_val *v = &c->vals[i];
        size_t len;
        if (!key->cmd || strcmp(key->cmd, cmd) != 0 || !v->value ||
            strcmp(v->origin, "default") == 0 || strcmp(v->origin, "flag") == 0)
            continue;
        if (key->type == CONF_BOOL) {
            if (!is_true(v->value))
                continue;
            len = strlen(key->key) + 3;
            if (!(a[k] = malloc(len)))
                goto oom;
            snprintf(a[k++], len, "--%s", key->key);
            continue;
        }
        len = strlen(key->key) + strlen(v->value) + 4;
        if (!(a[k] = malloc(len)))
            goto oom;
        snprintf(a[k++], len, "--%s=%s", key->key, v->value);
    }
    for (int i = 1; i < argc; i++)
        if (!(a[k++] = strdup(argv[i])))
            goto oom;
    *outc = k;
    *out = a;
    return 0;
oom:
    conf_argv_free(a, k);
    return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
}
