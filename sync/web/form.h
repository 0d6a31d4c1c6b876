/*
** form.h — reading what a browser sends, for both consoles: form bodies
** and query strings (application/x-www-form-urlencoded), and whether a POST
*comes from a page of this server.
*/
#ifndef SW_FORM_H
#define SW_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 64

struct form_kv {
    char *k, *v;
};

/* A decoded form: names and values point into buf. */
struct form {
    char *buf;
    struct form_kv f[FORM_MAX_FIELDS];
    int n;
};

/*
** Decode application/x-www-form-urlencoded text in place.  -1: a bad
** escape or a NUL byte.
*/
int form_url_decode(char *s);

/*
** Parse a form body of len bytes (NULL or empty: no field) into f
** (zeroed by the caller).  Returns 0, -1 when malformed (not UTF-8, a
** bad escape, more than FORM_MAX_FIELDS fields) or -2 when memory ran
** out.  Release f with form_release() in every case.
*/
int form_parse(struct form *f, const char *body, size_t len);

/* The value of the first field named k, or NULL. */
const char *form_get(const struct form *f, const char *k);

void form_release(struct form *f); /* NULL is fine */

/*
** A POST from a page of this server: Origin, if sent, names our host
** (the Host header, with its port); else Referer, if sent, is on it.
** The scheme is not compared, so that a reverse proxy may terminate TLS
** in front of a plain-HTTP server.  Neither sent: allowed (SameSite=Strict
** cookies and the CSRF token still hold).
*/
int form_origin_ok(const char *host, const char *origin, const char *referer);

/*
** A safe place to go after login: a path under prefix ("/admin/", "/"),
** no "//", no control characters or backslash, at most 512 bytes.
*/
int form_local_path_ok(const char *p, const char *prefix);

#endif
