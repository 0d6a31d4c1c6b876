/*
** password.c — a new password from the terminal or standard input (see
** password.h).
*/
#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "password.h"

/* One line from stdin into buf (ACCT_PW_BUF bytes), without its line end. */
static int read_line(const char *what, char *buf, struct sw_err *err)
{
    size_t n;
    if (!fgets(buf, ACCT_PW_BUF, stdin))
        return sw_fail(err, SW_EDATA, _("%s: no password given"), what);
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (n == ACCT_PW_BUF - 1)
        return sw_fail(err, SW_EDATA,
                       _("%s: the password is longer than %d bytes"), what,
                       ACCT_PW_MAX);
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return 0;
}

/* Prompt on stderr and read a line from the terminal, no echo. */
static int read_hidden(const char *what, const char *prompt, char *buf,
                       struct sw_err *err)
{
    struct termios old, quiet;
    int rc;

    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return sw_fail(err, SW_EUSAGE,
                       _("%s: standard input is not a terminal: give the "
                         "password with --password-stdin"),
                       what);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
        return sw_fail(err, SW_EIO, _("%s: cannot turn off echo: %s"), what,
                       strerror(errno));
    rc = read_line(what, buf, err);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return rc;
}

int acct_read_password(const char *what, int from_stdin, char *pw,
                       struct sw_err *err)
{
    char again[ACCT_PW_BUF];
    int rc;

    pw[0] = '\0';
    if (from_stdin)
        return read_line(what, pw, err);
    rc = read_hidden(what, _("Password: "), pw, err);
    if (rc || strlen(pw) < ACCT_PW_MIN)
        return rc;
    again[0] = '\0';
    rc = read_hidden(what, _("Password again: "), again, err);
    if (!rc && strcmp(pw, again) != 0)
        rc = sw_fail(err, SW_EDATA, _("%s: the two passwords differ"), what);
    OPENSSL_cleanse(again, sizeof(again));
    return rc;
}
