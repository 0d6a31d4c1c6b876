/*
** console-assets.h — the station console's page layout, stylesheet and
** script, embedded at build time from agent/web/ by tools/embed.awk (the
** generated console-assets.c is in the build directory).
*/
#ifndef SW_CONSOLE_ASSETS_H
#define SW_CONSOLE_ASSETS_H

extern const char console_layout_html[];
extern const char console_style_css[];
extern const char console_js[];

#endif
