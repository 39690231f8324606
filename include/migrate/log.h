/* Messages to the user, on stderr, prefixed with the program name.  Callers
 * pass text that is already free of secrets (see redact.h). */
#pragma once

#include <stdio.h>

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_error() that returns r, for "return log_error_errno(r, ...)". */
int log_error_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
