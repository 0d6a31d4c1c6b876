/*
** pinyin.h — pinyin initials of Han characters, for search by initials
** (`zs` finds 张三).  The table is generated at build time from the
** Unihan readings (tools/gen-pinyin.awk, data from Debian's
** unicode-data): every reading of a character counts, so 单 has d, c and
** s, and a polyphonic surname is found by its surname reading.
*/
#ifndef SW_PINYIN_H
#define SW_PINYIN_H

struct pinyin_entry {
    unsigned cp;   /* Unicode code point */
    unsigned mask; /* bit 0 'a' ... bit 25 'z': initials of its readings */
};

/* Sorted by cp (generated: sync/pinyin-data.c). */
extern const struct pinyin_entry pinyin_table[];
extern const unsigned pinyin_table_len;

/* The masks of U+3400..U+9FFF by code point (0: none), generated too. */
#define PINYIN_BMP_START 0x3400u
#define PINYIN_BMP_END 0xA000u
extern const unsigned pinyin_bmp[PINYIN_BMP_END - PINYIN_BMP_START];

/* The initials mask of a code point: its readings' for a Han character,
** its own letter for an ASCII letter or digit-free Latin, else 0. */
unsigned pinyin_mask(unsigned cp);

/*
** The first reading's initial of each character of the UTF-8 text s, as
** letters ("zs" for 张三; a character without one is left out), into buf
** (always terminated).  Returns buf.  For display and tests: matching
** uses every reading (pinyin_mask).
*/
const char *pinyin_initials(const char *s, char *buf, unsigned size);

#endif
