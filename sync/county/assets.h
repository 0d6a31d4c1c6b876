/*
** assets.h — the admin console's HTML templates, stylesheet and script,
** embedded at build time from sync/county/web/ by tools/embed.awk (the
** generated assets.c is in the build directory).
*/
#ifndef SW_ASSETS_H
#define SW_ASSETS_H

extern const char web_layout_html[];
extern const char web_login_html[];
extern const char web_style_css[];
extern const char web_admin_js[];

#endif
