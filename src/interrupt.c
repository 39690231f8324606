#include "migrate/interrupt.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stddef.h>

static volatile sig_atomic_t caught;
static PGcancel *volatile cancel;

static void on_signal(int sig) {
        caught = sig;
        PGcancel *c = cancel;
        if (c) {
                char buf[256];
                PQcancel(c, buf, sizeof(buf)); /* async-signal-safe by libpq's contract */
        }
}

void interrupt_install(void) {
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

void interrupt_set_cancel(void *pg_cancel) {
        cancel = pg_cancel;
}
