#include "migrate/row_sort.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/sha256.h"

/* ---- records: kind byte, then 8 bytes of number or a length and bytes ---- */

/* The bytes a record holds after a value's length: the value itself, or for
 * a digest (the length it stands for) the SHA-256. */
static size_t stored_bytes(const struct value *v) {
        return v->kind == VALUE_DIGEST ? SHA256_DIGEST_SIZE : v->n;
}

static size_t record_size(const struct value *row, size_t n) {
        size_t size = n;
        for (size_t i = 0; i < n; i++)
                switch (row[i].kind) {
                case VALUE_NULL:
                        break;
                case VALUE_INT:
                case VALUE_TIMESTAMP:
                case VALUE_DATE:
                case VALUE_REAL:
                        size += 8;
                        break;
                case VALUE_BOOL:
                        size += 1;
                        break;
                case VALUE_TEXT:
                case VALUE_BLOB:
                case VALUE_NUMERIC:
                case VALUE_UUID:
                case VALUE_DIGEST:
                        size += sizeof(uint64_t) + stored_bytes(&row[i]);
                        break;
                }
        return size;
}

/* Sized first and written in place: verification makes one for the key of
 * every row it reads. */
int row_record_append(struct strbuf *b, const struct value *row, size_t n) {
        size_t size = record_size(row, n);
        int r = strbuf_reserve(b, size);
        if (r < 0)
                return r;
        char *p = b->data + b->len;
        for (size_t i = 0; i < n; i++) {
                const struct value *v = &row[i];
                *p++ = (char) v->kind;
                switch (v->kind) {
                case VALUE_NULL:
                        break;
                case VALUE_INT:
                case VALUE_TIMESTAMP:
                case VALUE_DATE:
                        memcpy(p, &v->i, sizeof(v->i));
                        p += sizeof(v->i);
                        break;
                case VALUE_REAL:
                        memcpy(p, &v->d, sizeof(v->d));
                        p += sizeof(v->d);
                        break;
                case VALUE_BOOL:
                        *p++ = v->b ? 1 : 0;
                        break;
                case VALUE_TEXT:
                case VALUE_BLOB:
                case VALUE_NUMERIC:
                case VALUE_UUID:
                case VALUE_DIGEST: {
                        uint64_t len = v->n;
                        size_t bytes = stored_bytes(v);
                        memcpy(p, &len, sizeof(len));
                        p += sizeof(len);
                        if (bytes)
                                memcpy(p, v->s, bytes);
                        p += bytes;
                        break;
                }
                }
        }
        b->len += size;
        b->data[b->len] = '\0';
        return 0;
}

const char *row_record_decode(const char *p, struct value *out, size_t n) {
        for (size_t i = 0; i < n; i++) {
                struct value *v = &out[i];
                *v = (struct value) { .kind = (enum value_kind) (unsigned char) *p++ };
                switch (v->kind) {
                case VALUE_NULL:
                        break;
                case VALUE_INT:
                case VALUE_TIMESTAMP:
                case VALUE_DATE:
                        memcpy(&v->i, p, sizeof(v->i));
                        p += sizeof(v->i);
                        break;
                case VALUE_REAL:
                        memcpy(&v->d, p, sizeof(v->d));
                        p += sizeof(v->d);
                        break;
                case VALUE_BOOL:
                        v->b = *p++ != 0;
                        break;
                case VALUE_TEXT:
                case VALUE_BLOB:
                case VALUE_NUMERIC:
                case VALUE_UUID:
                case VALUE_DIGEST: {
                        uint64_t len;
                        memcpy(&len, p, sizeof(len));
                        p += sizeof(len);
                        v->s = p;
                        v->n = (size_t) len;
                        p += stored_bytes(v);
                        break;
                }
                }
        }
        return p;
}

/* ---- the sort ------------------------------------------------------------ */

struct run {
        off_t pos, end;      /* what is left of this run in the file */
        char *record;         /* the current record */
        size_t cap;
        struct value *row;    /* decoded from it */
        bool live;
};

struct row_sort {
        struct row_source base;
        size_t n_columns, n_key, memory_limit;
        size_t *key_index;
        struct value *a, *b;  /* scratch rows for comparisons */
        struct strbuf data;   /* records of the run in memory, back to back */
        size_t *offsets;      /* where each starts */
        size_t n_records, cap_records;
        int fd;               /* the temporary file, -1 until a run is spilled */
        off_t file_size;
        struct run *runs;
        size_t n_runs;
        size_t next_record;   /* reading the run in memory */
        struct value *out;
};

const char *row_sort_directory(void) {
        const char *dir = getenv("TMPDIR");
        return dir && dir[0] == '/' ? dir : "/tmp";
}

static int compare_rows(const struct row_sort *s, const struct value *a, const struct value *b) {
        for (size_t k = 0; k < s->n_key; k++) {
                int c = value_compare(&a[s->key_index[k]], &b[s->key_index[k]]);
                if (c)
                        return c;
        }
        return 0;
}

static int compare_records(const void *x, const void *y, void *ctx) {
        struct row_sort *s = ctx;
        /* Each record starts with its 8-byte length. */
        row_record_decode(s->data.data + *(const size_t *) x + 8, s->a, s->n_columns);
        row_record_decode(s->data.data + *(const size_t *) y + 8, s->b, s->n_columns);
        return compare_rows(s, s->a, s->b);
}

int row_sort_new(size_t n_columns, const size_t *key_index, size_t n_key, size_t memory_limit, struct row_sort **ret) {
        struct row_sort *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->n_columns = n_columns;
        s->n_key = n_key;
        s->memory_limit = memory_limit;
        s->key_index = calloc(n_key + 1, sizeof(size_t));
        s->a = calloc(n_columns + 1, sizeof(struct value));
        s->b = calloc(n_columns + 1, sizeof(struct value));
        s->out = calloc(n_columns + 1, sizeof(struct value));
        if (!s->key_index || !s->a || !s->b || !s->out) {
                row_sort_free(s);
                return -ENOMEM;
        }
        if (n_key)
                memcpy(s->key_index, key_index, n_key * sizeof(size_t));
        *ret = s;
        return 0;
}

static int open_temporary(struct row_sort *s) {
        const char *dir = row_sort_directory();
        s->fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
        if (s->fd >= 0)
                return 0;
        /* File systems without O_TMPFILE: a named file, unlinked at once. */
        _cleanup_free_ char *path = strdup_printf("%s/migrate-sort.XXXXXX", dir);
        if (!path)
                return -ENOMEM;
        s->fd = mkostemp(path, O_CLOEXEC);
        if (s->fd < 0)
                return -errno;
        unlink(path);
        return 0;
}

static int write_all(int fd, const char *p, size_t n, off_t at) {
        while (n > 0) {
                ssize_t w = pwrite(fd, p, n, at);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                n -= (size_t) w;
                at += w;
        }
        return 0;
}

/* The run in memory, sorted, appended to the file. */
static int spill(struct row_sort *s) {
        int r;
        if (s->n_records == 0)
                return 0;
        if (s->fd < 0 && (r = open_temporary(s)) < 0)
                return r;
        qsort_r(s->offsets, s->n_records, sizeof(size_t), compare_records, s);
        struct run *v = reallocarray(s->runs, s->n_runs + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        s->runs = v;
        struct run *run = &s->runs[s->n_runs++];
        *run = (struct run) { .pos = s->file_size };
        /* Written in chunks of about a megabyte, not a call per row. */
        _cleanup_strbuf_ struct strbuf chunk = {};
        for (size_t i = 0; i <= s->n_records; i++) {
                if (i == s->n_records || chunk.len >= (1u << 20)) {
                        r = write_all(s->fd, chunk.data, chunk.len, s->file_size);
                        if (r < 0)
                                return r;
                        s->file_size += (off_t) chunk.len;
                        chunk.len = 0;
                }
                if (i == s->n_records)
                        break;
                uint64_t len;
                memcpy(&len, s->data.data + s->offsets[i], 8);
                r = strbuf_append(&chunk, s->data.data + s->offsets[i], 8 + len);
                if (r < 0)
                        return r;
        }
        run->end = s->file_size;
        s->data.len = 0;
        s->n_records = 0;
        return 0;
}

int row_sort_add(struct row_sort *s, const struct value *row) {
        if (s->n_records == s->cap_records) {
                size_t cap = s->cap_records ? s->cap_records * 2 : 1024;
                size_t *v = reallocarray(s->offsets, cap, sizeof(size_t));
                if (!v)
                        return -ENOMEM;
                s->offsets = v;
                s->cap_records = cap;
        }
        size_t at = s->data.len;
        uint64_t len = 0;
        int r = strbuf_append(&s->data, (const char *) &len, 8);
        if (r >= 0)
                r = row_record_append(&s->data, row, s->n_columns);
        if (r < 0)
                return r;
        len = s->data.len - at - 8;
        memcpy(s->data.data + at, &len, 8);
        s->offsets[s->n_records++] = at;
        return s->data.len >= s->memory_limit ? spill(s) : 0;
}

static int read_all(int fd, char *p, size_t n, off_t at) {
        while (n > 0) {
                ssize_t got = pread(fd, p, n, at);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        return got < 0 ? -errno : -EIO;
                p += got;
                n -= (size_t) got;
                at += got;
        }
        return 0;
}

/* The next record of a run into run->record; run->live false at its end. */
static int run_advance(struct row_sort *s, struct run *run) {
        uint64_t len;
        if (run->pos >= run->end) {
                run->live = false;
                return 0;
        }
        int r = read_all(s->fd, (char *) &len, 8, run->pos);
        if (r < 0)
                return r;
        if (len > run->cap || !run->record) {
                char *p = realloc(run->record, len ? (size_t) len : 1);
                if (!p)
                        return -ENOMEM;
                run->record = p;
                run->cap = (size_t) len;
        }
        if (len)
                r = read_all(s->fd, run->record, (size_t) len, run->pos + 8);
        if (r < 0)
                return r;
        run->pos += (off_t) (8 + len);
        row_record_decode(run->record, run->row, s->n_columns);
        run->live = true;
        return 0;
}

static int sorted_next(struct row_source *src, const struct value **ret) {
        struct row_sort *s = (struct row_sort *) src;
        if (s->n_runs == 0) {
                /* Everything fitted in memory. */
                if (s->next_record >= s->n_records)
                        return 0;
                row_record_decode(s->data.data + s->offsets[s->next_record++] + 8, s->out, s->n_columns);
                *ret = s->out;
                return 1;
        }
        /* The smallest current record of all runs; earlier runs win ties. */
        struct run *best = NULL;
        for (size_t i = 0; i < s->n_runs; i++) {
                struct run *run = &s->runs[i];
                if (!run->live)
                        continue;
                if (!best || compare_rows(s, run->row, best->row) < 0)
                        best = run;
        }
        if (!best)
                return 0;
        /* Hand out a copy: advancing the run reuses its buffer. */
        s->data.len = 0;
        int r = row_record_append(&s->data, best->row, s->n_columns);
        if (r >= 0)
                r = run_advance(s, best);
        if (r < 0)
                return r;
        row_record_decode(s->data.data, s->out, s->n_columns);
        *ret = s->out;
        return 1;
}

static void sorted_close(struct row_source *src) {
        row_sort_free((struct row_sort *) src);
}

int row_sort_finish(struct row_sort *s, struct row_source **ret) {
        int r = 0;
        s->base = (struct row_source) { .next = sorted_next, .close = sorted_close };
        if (s->n_runs > 0)
                r = spill(s);
        else if (s->n_records > 0)
                qsort_r(s->offsets, s->n_records, sizeof(size_t), compare_records, s);
        for (size_t i = 0; r >= 0 && i < s->n_runs; i++) {
                struct run *run = &s->runs[i];
                run->row = calloc(s->n_columns + 1, sizeof(struct value));
                r = run->row ? run_advance(s, run) : -ENOMEM;
        }
        if (r < 0) {
                row_sort_free(s);
                return r;
        }
        *ret = &s->base;
        return 0;
}

void row_sort_free(struct row_sort *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_runs; i++) {
                free(s->runs[i].record);
                free(s->runs[i].row);
        }
        free(s->runs);
        if (s->fd >= 0)
                close(s->fd);
        strbuf_done(&s->data);
        free(s->offsets);
        free(s->key_index);
        free(s->a);
        free(s->b);
        free(s->out);
        free(s);
}
