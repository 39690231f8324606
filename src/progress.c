#include "migrate/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "migrate/log.h"

double now_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, bool requested, bool tty) {
        *p = (struct progress) { .enabled = requested || tty, .tty = tty };
}

static void show(struct progress *p, bool final) {
        double now = now_seconds(), elapsed = now - p->started;
        double rate = elapsed > 0 ? (double) p->done / elapsed : 0;
        double pct = p->total > 0 ? 100.0 * (double) p->done / (double) p->total : 100.0;
        char eta[32] = "";
        if (!final && rate > 0 && p->total > p->done) {
                long s = (long) ((double) (p->total - p->done) / rate);
                snprintf(eta, sizeof(eta), " ETA %ld:%02ld", s / 60, s % 60);
        }
        if (p->tty) {
                char bar[21];
                int filled = (int) (pct / 5);
                for (int i = 0; i < 20; i++)
                        bar[i] = i < filled ? '#' : '.';
                bar[20] = '\0';
                /* A cut inside a UTF-8 sequence is escaped like any invalid byte. */
                log_status_line("%-6s %-40.40s [%s] %lld/%lld %3.0f%% %.0f rows/s%s", p->phase, p->what, bar,
                                (long long) p->done, (long long) p->total, pct, rate, eta);
                if (final)
                        log_status_end();
        } else
                log_info("%s %s: %lld/%lld rows (%.0f%%), %.0f rows/s%s", p->phase, p->what, (long long) p->done,
                         (long long) p->total, pct, rate, eta);
        p->last_shown = now;
}

void progress_start(struct progress *p, const char *phase, const char *what, int64_t total) {
        p->phase = phase;
        p->what = what;
        p->total = total;
        p->done = 0;
        p->started = p->last_shown = now_seconds();
        if (p->enabled && p->tty)
                show(p, false);
}

void progress_update(struct progress *p, int64_t done) {
        p->done = done;
        /* Look at the clock only every 4096 rows: this runs once per row. */
        if (!p->enabled || (done & 4095) != 0)
                return;
        double interval = p->tty ? 0.2 : 5.0;
        if (now_seconds() - p->last_shown >= interval)
                show(p, false);
}

void progress_end(struct progress *p) {
        if (p->enabled)
                show(p, true);
}
