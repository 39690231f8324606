/* Ctrl-C, Ctrl-\, SIGTERM and SIGHUP: the run stops at the next safe point, rolls back and
 * leaves the target as it was.  A query in flight is cancelled. */
#pragma once

#include <stdbool.h>

void interrupt_install(void);
bool interrupted(void);
/* The signal that interrupted the run, or 0. */
int interrupt_signal(void);
/* While registered, a signal also cancels the running PostgreSQL query on
 * that connection.  The argument is a PGcancel*. */
void interrupt_add_cancel(void *pg_cancel);
void interrupt_remove_cancel(void *pg_cancel);
/* From the first COMMIT on, signals no longer interrupt: they are only
 * remembered (interrupt_deferred()), and interrupted() stays false. */
void interrupt_hold(void);
int interrupt_deferred(void);
