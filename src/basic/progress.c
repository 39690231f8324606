#include "migrate/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate/log.h"

double now_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, bool requested, bool tty) {
        *p = (struct progress) { .enabled = requested || tty, .tty = tty, .run_started = now_seconds(), .current = -1 };
}

static int phase_of(const char *phase) {
        if (strcmp(phase, "keys") == 0)
                return PROGRESS_KEYS;
        if (strcmp(phase, "verify") == 0)
                return PROGRESS_VERIFY;
        if (strcmp(phase, "commit") == 0)
                return PROGRESS_COMMIT;
        if (strcmp(phase, "integrity") == 0)
                return PROGRESS_INTEGRITY;
        if (strcmp(phase, "types") == 0)
                return PROGRESS_TYPES;
        return PROGRESS_COPY; /* "copy", and "check" that stands in for it */
}

void progress_plan(struct progress *p, int64_t copy_rows, int64_t key_rows, int64_t verify_rows) {
        p->plan[PROGRESS_COPY] += copy_rows;
        p->plan[PROGRESS_KEYS] += key_rows;
        p->plan[PROGRESS_VERIFY] += verify_rows;
        p->plan[PROGRESS_COMMIT] += 1;
        /* Not PROGRESS_INTEGRITY: the source's check runs beside the work
         * (its own thread), and waiting for its verdict at the end is short. */
        p->plan[PROGRESS_TYPES] += key_rows;        /* as keys: only when the tables are created */
        p->planned = true;
}

static void format_duration(double s, char *buf, size_t size) {
        long t = s > 0 ? (long) (s + 0.5) : 0;
        if (t >= 3600)
                snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
        else
                snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* Time left for the whole run: each phase's rows still to go at that
 * phase's own measured speed.  A phase not measured yet is guessed from the
 * copy's speed (keys about half of it, verification about the same), and
 * the guess is replaced as soon as the phase has run for a moment. */
static bool estimate_left(const struct progress *p, double now, double *ret) {
        double known[_PROGRESS_PHASE_MAX], spent[_PROGRESS_PHASE_MAX], per_row[_PROGRESS_PHASE_MAX];
        static const double guess[_PROGRESS_PHASE_MAX] = { 1.0, 0.5, 1.0, 0.0, 0.3, 0.5 };
        if (!p->planned)
                return false;
        for (int ph = 0; ph < _PROGRESS_PHASE_MAX; ph++) {
                known[ph] = (double) p->finished[ph];
                spent[ph] = p->spent[ph];
                if (ph == p->current) {
                        known[ph] += (double) p->done;
                        spent[ph] += now - p->started;
                }
                /* A speed once a phase has done a few thousand rows, or run a moment. */
                per_row[ph] = known[ph] >= 1 && spent[ph] > 0 && (known[ph] >= 1000 || spent[ph] >= 0.5)
                                      ? spent[ph] / known[ph]
                                      : -1;
        }
        /* Commit: a fraction of a second unless measured otherwise. */
        if (per_row[PROGRESS_COMMIT] < 0)
                per_row[PROGRESS_COMMIT] = p->current == PROGRESS_COMMIT ? now - p->started : 0.2;
        double base = per_row[PROGRESS_COPY] >= 0 ? per_row[PROGRESS_COPY] : per_row[PROGRESS_VERIFY];
        double left = 0;
        for (int ph = 0; ph < _PROGRESS_PHASE_MAX; ph++) {
                double rows = (double) p->plan[ph] - known[ph];
                if (rows <= 0)
                        continue;
                double rate = per_row[ph];
                if (rate < 0) {
                        if (base < 0)
                                return false;
                        rate = base * guess[ph];
                }
                left += rows * rate;
        }
        *ret = left;
        return true;
}

static void format_overall(const struct progress *p, double now, char *buf, size_t size) {
        char elapsed[32], left[32];
        double s;
        format_duration(now - p->run_started, elapsed, sizeof(elapsed));
        if (estimate_left(p, now, &s)) {
                format_duration(s, left, sizeof(left));
                snprintf(buf, size, "run %s, about %s left", elapsed, left);
        } else
                snprintf(buf, size, "run %s", elapsed);
}

static void show(struct progress *p, bool final) {
        double now = now_seconds(), elapsed = now - p->started;
        double rate = elapsed > 0 ? (double) p->done / elapsed : 0;
        double pct = p->total > 0 ? 100.0 * (double) p->done / (double) p->total : 100.0;
        char eta[32] = "", overall[96];
        format_overall(p, now, overall, sizeof(overall));
        if (!final && rate > 0 && p->total > p->done) {
                long s = (long) ((double) (p->total - p->done) / rate);
                snprintf(eta, sizeof(eta), " ETA %ld:%02ld", s / 60, s % 60);
        }
        if (p->steps) {
                /* Keys, indexes, foreign keys, the commit: one statement each. */
                if (p->tty)
                        log_status_line("%-6s %-52.52s %zu/%zu | %s", p->phase, p->what, p->step, p->n_steps, overall);
                else if (!final)
                        log_info("%s %s (%zu/%zu), %s", p->phase, p->what, p->step, p->n_steps, overall);
                if (final && p->tty)
                        log_status_end();
        } else if (p->tty) {
                char bar[21];
                int filled = (int) (pct / 5);
                for (int i = 0; i < 20; i++)
                        bar[i] = i < filled ? '#' : '.';
                bar[20] = '\0';
                /* A cut inside a UTF-8 sequence is escaped like any invalid byte. */
                log_status_line("%-6s %-40.40s [%s] %lld/%lld %3.0f%% %.0f rows/s | %s", p->phase, p->what, bar,
                                (long long) p->done, (long long) p->total, pct, rate, overall);
                if (final)
                        log_status_end();
        } else
                log_info("%s %s: %lld/%lld rows (%.0f%%), %.0f rows/s%s; %s", p->phase, p->what, (long long) p->done,
                         (long long) p->total, pct, rate, eta, overall);
        p->last_shown = now;
}

/* What the item on screen did counts toward its phase's measured speed. */
static void close_item(struct progress *p) {
        if (p->current < 0)
                return;
        p->finished[p->current] += p->steps ? p->total : p->done;
        p->spent[p->current] += now_seconds() - p->started;
        p->current = -1;
}

void progress_start(struct progress *p, const char *phase, const char *what, int64_t total) {
        close_item(p);
        p->phase = phase;
        p->what = what;
        p->total = total;
        p->done = 0;
        p->current = phase_of(phase);
        p->steps = p->current == PROGRESS_KEYS || p->current == PROGRESS_COMMIT || p->current == PROGRESS_INTEGRITY;
        p->step = p->n_steps = 0;
        if (p->current == PROGRESS_COMMIT)
                p->total = 1;
        if (p->current == PROGRESS_COMMIT || p->current == PROGRESS_INTEGRITY)
                p->step = p->n_steps = 1;
        p->started = p->last_shown = now_seconds();
        /* Keys show up with their first step. */
        if (p->enabled && ((p->tty && p->current != PROGRESS_KEYS) || p->current == PROGRESS_COMMIT ||
                           p->current == PROGRESS_INTEGRITY))
                show(p, false);
}

void progress_step(struct progress *p, const char *what, size_t n, size_t m) {
        if (!p || p->current < 0 || !p->steps)
                return;
        /* The caller's text lives only as long as the step. */
        snprintf(p->step_what, sizeof(p->step_what), "%s", what);
        p->what = p->step_what;
        p->step = n;
        p->n_steps = m;
        p->done = m > 0 ? (int64_t) ((double) p->total * (double) (n - 1) / (double) m) : 0;
        if (p->enabled)
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
        if (p->current < 0)
                return;
        if (p->steps)
                p->done = p->total;
        if (p->enabled)
                show(p, true);
        close_item(p);
}
