#include "migrate/row_prefetch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "migrate/row_sort.h"
#include "migrate/strbuf.h"

/* At most SLOTS batches of about BATCH_BYTES each are held: a few hundred
 * kilobytes whatever the table. */
#define SLOTS 4
#define BATCH_BYTES (128u * 1024)
/* A row whose values take more than this is handed over in place. */
#define IN_PLACE_BYTES (64u * 1024)

struct slot {
        struct strbuf records;        /* rows back to back (row_record_append()) */
        size_t n_rows;
        const struct value *in_place; /* or one row of inner's, valid until the slot is released */
        int end;                      /* 1: rows follow in the next slot; 0: the end; < 0: inner failed */
};

struct row_prefetch {
        struct row_source base;
        struct row_source *inner;
        size_t n_columns;
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t changed;
        struct slot slots[SLOTS];
        size_t filled, released; /* slots handed over and given back, counted from the start */
        bool stop;
        /* The consumer's side. */
        struct slot *current;
        const char *at;          /* the next record in current */
        size_t next_row;
        bool in_place_given;
        struct value *row;
};

static size_t row_bytes(const struct value *row, size_t n) {
        size_t bytes = 0;
        for (size_t i = 0; i < n; i++)
                if (row[i].kind == VALUE_TEXT || row[i].kind == VALUE_BLOB || row[i].kind == VALUE_NUMERIC ||
                    row[i].kind == VALUE_UUID)
                        bytes += row[i].n;
        return bytes;
}

/* Reader: wait until a slot is free (false when told to stop) and take it. */
static struct slot *take_free_slot(struct row_prefetch *p) {
        pthread_mutex_lock(&p->lock);
        while (!p->stop && p->filled - p->released == SLOTS)
                pthread_cond_wait(&p->changed, &p->lock);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->lock);
        if (stop)
                return NULL;
        struct slot *s = &p->slots[p->filled % SLOTS];
        s->records.len = 0;
        s->n_rows = 0;
        s->in_place = NULL;
        s->end = 1;
        return s;
}

static void hand_over(struct row_prefetch *p) {
        pthread_mutex_lock(&p->lock);
        p->filled++;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
}

/* Reader: wait until the consumer gave back every slot (the row handed over
 * in place is done with); false when told to stop. */
static bool wait_all_released(struct row_prefetch *p) {
        pthread_mutex_lock(&p->lock);
        while (!p->stop && p->released != p->filled)
                pthread_cond_wait(&p->changed, &p->lock);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->lock);
        return !stop;
}

static void *reader(void *arg) {
        struct row_prefetch *p = arg;
        struct slot *s = NULL;
        for (;;) {
                if (!s && !(s = take_free_slot(p)))
                        return NULL;
                const struct value *row;
                int r = p->inner->next(p->inner, &row);
                if (r > 0 && row_bytes(row, p->n_columns) > IN_PLACE_BYTES) {
                        if (s->n_rows > 0) {
                                hand_over(p);
                                if (!(s = take_free_slot(p)))
                                        return NULL;
                        }
                        s->in_place = row;
                        hand_over(p);
                        s = NULL;
                        if (!wait_all_released(p))
                                return NULL;
                        continue;
                }
                if (r > 0) {
                        r = row_record_append(&s->records, row, p->n_columns);
                        if (r >= 0) {
                                s->n_rows++;
                                r = 1;
                        }
                }
                if (r <= 0) {
                        s->end = r;
                        hand_over(p);
                        return NULL;
                }
                if (s->records.len >= BATCH_BYTES) {
                        hand_over(p);
                        s = NULL;
                }
        }
}

static int prefetch_next(struct row_source *src, const struct value **ret) {
        struct row_prefetch *p = (struct row_prefetch *) src;
        for (;;) {
                struct slot *s = p->current;
                if (s) {
                        if (p->next_row < s->n_rows) {
                                p->at = row_record_decode(p->at, p->row, p->n_columns);
                                p->next_row++;
                                *ret = p->row;
                                return 1;
                        }
                        if (s->in_place && !p->in_place_given) {
                                p->in_place_given = true;
                                *ret = s->in_place;
                                return 1;
                        }
                        if (s->end <= 0)
                                return s->end;
                        pthread_mutex_lock(&p->lock);
                        p->released++;
                        p->current = NULL;
                        pthread_cond_broadcast(&p->changed);
                        pthread_mutex_unlock(&p->lock);
                }
                pthread_mutex_lock(&p->lock);
                while (p->filled == p->released)
                        pthread_cond_wait(&p->changed, &p->lock);
                p->current = &p->slots[p->released % SLOTS];
                pthread_mutex_unlock(&p->lock);
                p->at = p->current->records.data;
                p->next_row = 0;
                p->in_place_given = false;
        }
}

static void prefetch_close(struct row_source *src) {
        struct row_prefetch *p = (struct row_prefetch *) src;
        if (p->started) {
                pthread_mutex_lock(&p->lock);
                p->stop = true;
                pthread_cond_broadcast(&p->changed);
                pthread_mutex_unlock(&p->lock);
                pthread_join(p->thread, NULL);
        }
        p->inner->close(p->inner);
        for (size_t i = 0; i < SLOTS; i++)
                strbuf_done(&p->slots[i].records);
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->lock);
        free(p->row);
        free(p);
}

int row_prefetch_new(struct row_source *inner, size_t n_columns, struct row_source **ret) {
        struct row_prefetch *p = calloc(1, sizeof(*p));
        if (!p) {
                inner->close(inner);
                return -ENOMEM;
        }
        *p = (struct row_prefetch) {
                .base = { .next = prefetch_next, .close = prefetch_close },
                .inner = inner,
                .n_columns = n_columns,
                .row = calloc(n_columns + 1, sizeof(struct value)),
        };
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->changed, NULL);
        if (!p->row) {
                prefetch_close(&p->base);
                return -ENOMEM;
        }
        /* Signals go to the main thread, whose waits they must interrupt. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGQUIT);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        int r = pthread_create(&p->thread, NULL, reader, p);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0) {
                prefetch_close(&p->base);
                return -r;
        }
        p->started = true;
        *ret = &p->base;
        return 0;
}

bool row_prefetch_worthwhile(void) {
        return sysconf(_SC_NPROCESSORS_ONLN) > 1;
}
