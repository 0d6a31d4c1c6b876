/*
** password.h — reading a new password on the command line, the one way
** `swsync worker add` and `swsync-county admin add` both do it.
*/
#ifndef SW_PASSWORD_H
#define SW_PASSWORD_H

#include "session.h"
#include "sw.h"

/* Room for a password of ACCT_PW_MAX bytes, its line end and the NUL. */
#define ACCT_PW_BUF (ACCT_PW_MAX + 2)

/*
** Read a new password into pw (ACCT_PW_BUF bytes).  from_stdin: one line
** from standard input (for scripts: --password-stdin).  Otherwise prompt
** on stderr and read it twice from the terminal with echo off; the two
** must match (a password shorter than ACCT_PW_MIN is not asked again: the
** caller refuses it).  what names the command in messages ("worker add").
** Returns 0, SW_EDATA (none given, too long, the two differ), SW_EUSAGE
** (no terminal) or SW_EIO.  The caller cleanses pw after use.
*/
int acct_read_password(const char *what, int from_stdin, char *pw,
                       struct sw_err *err);

#endif
