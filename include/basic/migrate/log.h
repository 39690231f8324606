/* Everything the program prints for the user goes through here (help text
 * and --version aside).  Each function formats one line and escapes all of
 * it with escape.h: a table name, a value or a server message with control
 * characters cannot reach the terminal as such, and a newline from data
 * cannot start a line that looks like ours.  Callers pass text already free
 * of secrets (see redact.h); the format string itself must not contain
 * control characters (a line break is a second call). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "migrate: ..." with no level: progress and lists on stderr. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_error() that returns r, for "return log_error_errno(r, ...)". */
int log_error_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* While held, errors and hints are kept instead of printed (the sources'
 * integrity checks run beside the work, and a damaged source explains
 * whatever else went wrong).  log_release() prints what was kept, or drops
 * it, and ends the hold.  Main thread only, as every function here. */
void log_hold(void);
void log_release(bool print);

/* One line of a report on f (the plan, the summary table), newline added. */
void out_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The live progress line on a terminal (stderr): redrawn in place, ended by
 * log_status_end(). */
void log_status_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_status_end(void);
