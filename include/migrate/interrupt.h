/* Ctrl-C, Ctrl-\, SIGTERM and SIGHUP: the run stops at the next safe point, rolls back and
 * leaves the target as it was.  A query in flight is cancelled. */
#pragma once

#include <stdbool.h>

void interrupt_install(void);
bool interrupted(void);
/* The signal that interrupted the run, or 0. */
int interrupt_signal(void);
/* While set, a signal also cancels the running PostgreSQL query.  The
 * argument is a PGcancel*; NULL clears it. */
void interrupt_set_cancel(void *pg_cancel);
