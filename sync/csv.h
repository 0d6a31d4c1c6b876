/*
** csv.h — RFC 4180 CSV, as Excel and WPS write and read it: fields
** separated by commas, quoted with '"' when they hold a comma, a quote,
** CR or LF (a quote doubled inside), records ended by CRLF.  Text is
** UTF-8; a file written for people starts with the UTF-8 BOM so that
** Excel takes it as UTF-8.
*/
#ifndef SW_CSV_H
#define SW_CSV_H

#include <stdio.h>

#include "sw.h"

#define CSV_BOM "\xef\xbb\xbf"

/* Write one field (NULL: empty), quoted if it needs it; first: no comma
** before it. */
void csv_put(FILE *f, const char *s, int first);
/* End the record: CRLF. */
void csv_end(FILE *f);

/*
** A reader over a NUL-terminated UTF-8 text held by the caller.
** csv_next() parses one record: *nf fields, (*fields)[i] NUL-terminated
** and valid until the next call; line is the 1-based line on which the
** record starts; raw/rawlen is the record's text as it was in the file
** (without its line end).  Returns 1 (a record), 0 (end of text), or -1
** with err filled (SW_EDATA: a quote never closed, naming the line).
** Blank lines are skipped.
*/
struct csv_reader {
    const char *p, *end;
    long line;     /* line of the next character */
    long rec_line; /* line the last record started on */
    const char *raw;
    size_t rawlen;
    char **fields;
    int nf, cap;
    struct sw_buf buf;
    size_t *offs;
    int offcap;
};
void csv_reader_init(struct csv_reader *r, const char *text, size_t len);
int csv_next(struct csv_reader *r, struct sw_err *err);
void csv_reader_release(struct csv_reader *r);

/*
** Bring file bytes to UTF-8.  encoding: "utf-8", "gb18030" or NULL
** (detect: a UTF-8 BOM or valid UTF-8 is UTF-8, anything else is taken
** as GB18030, which includes GBK and GB2312).  A leading BOM is dropped.
** *out is malloc'd and NUL-terminated (free it); *used names the
** encoding taken.  SW_EDATA if the bytes are not valid in it, naming the
** line; SW_EUSAGE for an unknown encoding.
*/
int csv_to_utf8(const char *data, size_t len, const char *encoding, char **out,
                size_t *outlen, const char **used, struct sw_err *err);

#endif
