/*
** html.h — building HTML safely: every text that is not markup goes
** through html_esc(), every URL parameter through html_url().
*/
#ifndef SW_HTML_H
#define SW_HTML_H

#include <stdint.h>

#include "sw.h"

/* Append s with & < > " ' escaped (NULL appends nothing). */
void html_esc(struct sw_buf *b, const char *s);

/* Append s percent-encoded for a URL query value or path segment. */
void html_url(struct sw_buf *b, const char *s);

/*
** Append tpl with every "{{name}}" replaced by the value of that name in
** names[]/vals[] (n pairs; values are markup, already escaped by the
** caller); an unknown name is replaced by nothing.
*/
void html_fill(struct sw_buf *b, const char *tpl, const char *const *names,
               const char *const *vals, int n);

/* Local time of ms as "YYYY-MM-DD HH:MM:SS" into buf[20]; "-" if <= 0. */
void html_time(int64_t ms, char buf[20]);

#endif
