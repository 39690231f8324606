/* Ctrl-C, Ctrl-\, SIGTERM and SIGHUP: the run stops at the next safe point, rolls back and
 * leaves the target as it was.  A query in flight is cancelled. */
#pragma once

#include <stdbool.h>

void interrupt_install(void);
bool interrupted(void);
/* The signal that interrupted the run, or 0. */
int interrupt_signal(void);
/* While registered, a signal also cancels the running query on that
 * connection: fn(arg) runs in the signal handler, so it must be
 * async-signal-safe (pg_db passes PQcancel on its PGcancel*, the SQLite
 * integrity check sqlite3_interrupt()). */
void interrupt_add_cancel(void (*fn)(void *arg), void *arg);
void interrupt_remove_cancel(void *arg);
/* From the first COMMIT on, signals no longer interrupt: they are only
 * remembered (interrupt_deferred()), and interrupted() stays false. */
void interrupt_hold(void);
int interrupt_deferred(void);
