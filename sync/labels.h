/*
** labels.h — the one table of Chinese and English labels for every
** replicated table, field and choice value.  It sits beside the table
** description (table.h) and serves both consoles and both CLIs: listings
** print the labels, FIELD=VALUE input accepts them, messages name fields
** with them.  No other file holds a label of a field or of a value.
**
** The codes (cases, birth_date, elderly_alone) stay what is stored and
** replicated; labels are only ever shown or read from people.
*/
#ifndef SW_LABELS_H
#define SW_LABELS_H

#include "sw.h"
#include "table.h"

enum sw_lang { SW_LANG_ZH = 0, SW_LANG_EN = 1 };

/* "个案" / "cases" */
const char *labels_table(const struct sw_table *t, enum sw_lang l);
/* "出生日期" / "birth date"; also takes col = -1 (id), -2 (station) */
const char *labels_field(const struct sw_table *t, int col, enum sw_lang l);
/* The same by column name ("id", "station" and "case" included); the
** name itself if unknown. */
const char *labels_field_name(const struct sw_table *t, const char *name,
                              enum sw_lang l);
/* The field for a column name or a label in either language ("出生日期",
** "birth date", "birth_date"); -1 id, -2 station, -3 none. */
int labels_field_col(const struct sw_table *t, const char *text);

/* label of a choice value: "独居老人"; the code itself if unknown */
const char *labels_choice(const struct sw_column *c, const char *code,
                          enum sw_lang l);
/* The same by column name, NULL if unknown (for the consoles). */
const char *labels_choice_by_name(const char *col, const char *code,
                                  enum sw_lang l);
/* the code for a code or a label in either language, NULL if none */
const char *labels_choice_code(const struct sw_column *c, const char *text);

/* the language the user's locale asks for (LANGUAGE/LC_ALL/LC_MESSAGES/LANG),
** decided as gettext does: call after setlocale(LC_ALL, ""); in the C
** locale (or one not installed) English. */
enum sw_lang labels_locale_lang(void);

/*
** The language the command-line tools print in: labels_locale_lang()
** until labels_set_lang() says otherwise (main() may call it; tests do).
*/
enum sw_lang labels_lang(void);
void labels_set_lang(enum sw_lang l);

/*
** "cases.birth_date" in English, "cases.birth_date（出生日期）" in
** Chinese (labels_lang()), for messages.  Written into buf (always
** terminated); returns buf.
*/
const char *labels_qualified(char *buf, size_t size, const struct sw_table *t,
                             const struct sw_column *c);

#endif
