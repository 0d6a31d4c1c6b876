/*
** sw.h — errors and small utilities shared by every swsync module.
**
** Error convention: a function returns 0 on success or a non-zero code
** from the list below (the values are those of sysexits.h, so main() can
** exit with them directly).  Every function that can fail takes an
** optional caller-owned struct sw_err; sw_fail() fills it in one place.
** The library never prints and never exits.
*/
#ifndef SW_H
#define SW_H

#include <libintl.h>
#include <stddef.h>
#include <stdint.h>

/*
** Messages people read are translated with gettext (po/, text domain
** "swsync"), where they are made: sw_fail(err, code, _("...")) in the
** library, _() around what main() and the commands print.  dgettext,
** so the library's texts are found whichever domain a program chose;
** the programs bind it in main() (sw_nls_init).  N_() marks a text in a
** static table, translated where it is printed.
*/
#define SW_TEXTDOMAIN "swsync"
#define _(s) dgettext(SW_TEXTDOMAIN, s)
#define N_(s) (s)

/* setlocale(LC_ALL, "") (LC_NUMERIC stays "C") and bind the text domain
** to $SWSYNC_LOCALEDIR (the tests' uninstalled catalogs) or LOCALEDIR. */
void sw_nls_init(void);

enum {
    SW_OK = 0,
    SW_EUSAGE = 64,     /* command line usage error */
    SW_EDATA = 65,      /* bad input data */
    SW_ENOINPUT = 66,   /* input (replica file, record) does not exist */
    SW_EUNAVAIL = 69,   /* server refused / incompatible */
    SW_ESOFTWARE = 70,  /* internal error, out of memory */
    SW_ECANTCREAT = 73, /* cannot create output */
    SW_EIO = 74,        /* I/O error (disk, database) */
    SW_ETEMP = 75,      /* temporary failure: try again later */
    SW_EPERM = 77,      /* not permitted (token revoked, wrong) */
    SW_ECONFIG = 78,    /* configuration error */
    SW_ETOOBIG = 90,    /* over a size bound (HTTP 413; exits as 65) */
    SW_EFULL = 91       /* disk or database full (HTTP 507; exits as 74) */
};

#define SW_ERRMSG_MAX 512

struct sw_err {
    int code;
    char msg[SW_ERRMSG_MAX];
};

/*
** Record an error: sets err->code and formats err->msg (if err is not
** NULL) and returns code, so callers can write `return sw_fail(...)`.
*/
int sw_fail(struct sw_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clear an error struct (NULL is fine). */
void sw_err_clear(struct sw_err *err);

/* Wall-clock time in milliseconds since the Unix epoch. */
int64_t sw_now_ms(void);

/*
** Fill buf with n bytes from the system's CSPRNG (getrandom).
** Returns 0, or SW_EIO if the kernel refuses.
*/
int sw_random(void *buf, size_t n);

/*
** Write a new UUIDv7 (RFC 9562) as 36 lowercase characters plus NUL
** into out[37].  Returns 0 or SW_EIO.
*/
#define SW_UUID_LEN 36
int sw_uuid7(char out[SW_UUID_LEN + 1]);

/* Copy src (NULL: "") into dst[n], cut to n - 1 bytes, NUL-terminated:
** snprintf(dst, n, "%s", src) without the format machinery (hot paths:
** a pull copies ids and sites per field). */
void sw_copy(char *dst, size_t n, const char *src);

/* True if s is a well-formed lowercase UUID text (any version). */
int sw_uuid_valid(const char *s);

/*
** A station, county or site code: 1..32 of [A-Za-z0-9_.-], not starting
** with '-' or '.'.
*/
#define SW_CODE_MAX 32
int sw_code_valid(const char *s);

/* True if the NUL-terminated string is valid UTF-8 (no overlongs,
** no surrogates, nothing above U+10FFFF). */
int sw_utf8_valid(const char *s);

/* strdup that returns NULL only on ENOMEM. */
char *sw_strdup(const char *s);

/*
** A growable byte buffer (git's strbuf, in small).  buf is always
** NUL-terminated when len > 0 or after sb_init.  sb_release frees;
** sb_detach hands ownership of the storage to the caller.
*/
struct sw_buf {
    char *buf;
    size_t len;
    size_t cap;
    int oom; /* sticky: set when an allocation failed */
};
/* The date n days after day (YYYY-MM-DD; n may be negative) into out[11];
** "" when day is not a date.  Date arithmetic is done in C, not in SQL:
** the engines' date functions differ (docs/storage.md). */
void sw_day_add(const char *day, int n, char out[11]);

void sb_init(struct sw_buf *sb);
void sb_release(struct sw_buf *sb);
char *sb_detach(struct sw_buf *sb, size_t *len);
void sb_add(struct sw_buf *sb, const void *data, size_t n);
void sb_adds(struct sw_buf *sb, const char *s);
void sb_addf(struct sw_buf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
