#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "change.h"

int sw_version_cmp(const struct sw_version *a, const struct sw_version *b)
{
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc ? -1 : 1;
    if (a->hlc == 0)
        return 0;
    return strcmp(a->site, b->site);
}

int sw_version_eq(const struct sw_version *a, const struct sw_version *b)
{
    return sw_version_cmp(a, b) == 0;
}

int sw_site_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SW_SITE_MAX)
        return 0;
    if (n <= SW_CODE_MAX)
        return sw_code_valid(s);
    /* longer than a code: check the characters the same way */
    {
        char head[SW_CODE_MAX + 1];
        memcpy(head, s, SW_CODE_MAX);
        head[SW_CODE_MAX] = '\0';
        if (!sw_code_valid(head))
            return 0;
        for (size_t i = SW_CODE_MAX; i < n; i++) {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                  (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-'))
                return 0;
        }
    }
    return 1;
}

void change_release(struct sw_change *c)
{
    if (c) {
        free(c->text);
        c->text = NULL;
    }
}

void batch_init(struct sw_batch *b)
{
    memset(b, 0, sizeof(*b));
    b->remaining = -1;
}

void batch_release(struct sw_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        change_release(&b->v[i]);
    free(b->v);
    batch_init(b);
}

int batch_add(struct sw_batch *b, struct sw_change *c)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct sw_change *v = realloc(b->v, cap * sizeof(*v));
        if (!v)
            return SW_ESOFTWARE;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = *c;
    b->checked = 0;
    c->text = NULL; /* owned by the batch now */
    return 0;
}
