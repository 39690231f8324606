#include "migrate/interrupt.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stddef.h>

#define MAX_CANCELS 4

static volatile sig_atomic_t caught, deferred, held;
static PGcancel *volatile cancels[MAX_CANCELS];

static void on_signal(int sig) {
        if (held) {
                /* Commit has begun: finishing it is the only truthful outcome. */
                deferred = sig;
                return;
        }
        caught = sig;
        for (size_t i = 0; i < MAX_CANCELS; i++) {
                PGcancel *c = cancels[i];
                if (c) {
                        char buf[256];
                        PQcancel(c, buf, sizeof(buf)); /* async-signal-safe by libpq's contract */
                }
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

void interrupt_add_cancel(void *pg_cancel) {
        for (size_t i = 0; i < MAX_CANCELS; i++)
                if (!cancels[i]) {
                        cancels[i] = pg_cancel;
                        return;
                }
}

void interrupt_remove_cancel(void *pg_cancel) {
        for (size_t i = 0; i < MAX_CANCELS; i++)
                if (cancels[i] == pg_cancel)
                        cancels[i] = NULL;
}

void interrupt_hold(void) {
        held = 1;
}

int interrupt_deferred(void) {
        return deferred;
}
