#include "migrate/interrupt.h"

#include <signal.h>
#include <stddef.h>

#define MAX_CANCELS 8 /* two PostgreSQL connections and two SQLite checks in a run */

static volatile sig_atomic_t caught, deferred, held;
/* What a signal calls to stop a running query (pg_db registers PQcancel):
 * basic links no database library, the driver brings its own. */
static struct {
        void (*volatile fn)(void *arg);
        void *volatile arg;
} cancels[MAX_CANCELS];

static void on_signal(int sig) {
        if (held) {
                /* Commit has begun: finishing it is the only truthful outcome. */
                deferred = sig;
                return;
        }
        caught = sig;
        for (size_t i = 0; i < MAX_CANCELS; i++) {
                void (*fn)(void *) = cancels[i].fn;
                if (fn)
                        fn(cancels[i].arg); /* must be async-signal-safe */
        }
}

void interrupt_install(void) {
        /* No SA_RESTART: a wait in poll() returns at once with EINTR. */
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL); /* Ctrl-\: like Ctrl-C, no core dump */
        /* A closed pipe (e.g. output to head) must not kill us mid-transaction. */
        signal(SIGPIPE, SIG_IGN);
}

bool interrupted(void) {
        return caught != 0;
}

int interrupt_signal(void) {
        return caught;
}

void interrupt_add_cancel(void (*fn)(void *arg), void *arg) {
        for (size_t i = 0; i < MAX_CANCELS; i++)
                if (!cancels[i].fn) {
                        cancels[i].arg = arg;
                        cancels[i].fn = fn;
                        return;
                }
}

void interrupt_remove_cancel(void *arg) {
        for (size_t i = 0; i < MAX_CANCELS; i++)
                if (cancels[i].fn && cancels[i].arg == arg) {
                        cancels[i].fn = NULL;
                        cancels[i].arg = NULL;
                }
}

void interrupt_hold(void) {
        held = 1;
}

int interrupt_deferred(void) {
        return deferred;
}
