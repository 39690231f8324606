/* See mem_driver.h.  Only what the engines call is implemented; the rest
 * of struct db_ops says so by name. */
#include "mem_driver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/sha256.h"
#include "migrate/strbuf.h"

static struct mem_db *mem(struct db *db) {
        return (struct mem_db *) db;
}

static ssize_t find_table(struct mem_db *m, const char *name) {
        for (size_t i = 0; i < m->catalog.n_tables; i++)
                if (strcmp(m->catalog.tables[i].name, name) == 0)
                        return (ssize_t) i;
        return -1;
}

static ssize_t find_column(const struct table *t, const char *name) {
        for (size_t i = 0; i < t->n_columns; i++)
                if (strcmp(t->columns[i].name, name) == 0)
                        return (ssize_t) i;
        return -1;
}

static int copy_value(const struct value *in, struct value *out) {
        *out = *in;
        if (in->kind == VALUE_TEXT || in->kind == VALUE_BLOB || in->kind == VALUE_NUMERIC || in->kind == VALUE_UUID ||
            in->kind == VALUE_DIGEST) {
                char *s = malloc(in->n + 1);
                if (!s)
                        return -ENOMEM;
                if (in->n)
                        memcpy(s, in->s, in->n);
                s[in->n] = 0;
                out->s = s;
        } else
                out->s = NULL;
        return 0;
}

static void free_row(struct value *row, size_t n) {
        if (!row)
                return;
        for (size_t i = 0; i < n; i++)
                free((char *) row[i].s);
        free(row);
}

int mem_table_add_row(struct mem_table *t, size_t n_columns, const struct value *row) {
        if (t->n_rows == t->allocated) {
                size_t a = t->allocated ? t->allocated * 2 : 8;
                struct value **v = reallocarray(t->rows, a, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->rows = v;
                t->allocated = a;
        }
        struct value *copy = calloc(n_columns + 1, sizeof(struct value));
        if (!copy)
                return -ENOMEM;
        for (size_t i = 0; i < n_columns; i++)
                if (copy_value(&row[i], &copy[i]) < 0) {
                        free_row(copy, i);
                        return -ENOMEM;
                }
        t->rows[t->n_rows++] = copy;
        return 0;
}

static int mem_read_catalog(struct db *db, struct catalog **ret) {
        struct mem_db *m = mem(db);
        struct catalog *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->tables = calloc(m->catalog.n_tables + 1, sizeof(struct table));
        if (!c->tables) {
                free(c);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->catalog.n_tables; i++) {
                const struct table *from = &m->catalog.tables[i];
                struct table *to = &c->tables[c->n_tables++];
                *to = (struct table) { .name = strdup(from->name), .sequence = -1 };
                to->columns = calloc(from->n_columns + 1, sizeof(struct column));
                if (!to->name || !to->columns) {
                        catalog_free(c);
                        return -ENOMEM;
                }
                for (size_t k = 0; k < from->n_columns; k++) {
                        to->columns[k] = from->columns[k];
                        to->columns[k].name = strdup(from->columns[k].name);
                        to->columns[k].declared = to->columns[k].default_sql = NULL;
                        to->n_columns++;
                        if (!to->columns[k].name) {
                                catalog_free(c);
                                return -ENOMEM;
                        }
                }
        }
        *ret = c;
        return 0;
}

static int mem_count_rows(struct db *db, const struct table *t, int64_t *ret) {
        ssize_t i = find_table(mem(db), t->name);
        if (i < 0)
                return db_fail(db, -ENOENT, "%s: no table %s", db->label, t->name);
        *ret = (int64_t) mem(db)->tables[i].n_rows;
        return 0;
}

struct mem_scan {
        struct row_source source;
        const struct mem_table *table;
        size_t n_columns;
        size_t *column_index; /* of each requested column in the table */
        size_t *order;        /* rows in the order they are read */
        size_t n_rows, next;
        bool *digest;         /* per requested column: large values as their digest */
        unsigned char (*sums)[SHA256_DIGEST_SIZE];
        struct value *out;
};

static int scan_next(struct row_source *s, const struct value **ret) {
        struct mem_scan *x = (struct mem_scan *) s;
        if (x->next == x->n_rows)
                return 0;
        const struct value *row = x->table->rows[x->order[x->next++]];
        for (size_t i = 0; i < x->n_columns; i++) {
                const struct value *v = &row[x->column_index[i]];
                x->out[i] = *v;
                if (x->digest[i] && (v->kind == VALUE_TEXT || v->kind == VALUE_BLOB) && v->n > VALUE_WHOLE_MAX) {
                        sha256(v->s, v->n, x->sums[i]);
                        x->out[i] = (struct value) { .kind = VALUE_DIGEST, .s = (const char *) x->sums[i], .n = v->n };
                }
        }
        *ret = x->out;
        return 1;
}

static void scan_close(struct row_source *s) {
        struct mem_scan *x = (struct mem_scan *) s;
        free(x->column_index);
        free(x->order);
        free(x->digest);
        free(x->sums);
        free(x->out);
        free(x);
}

/* ORDER BY the key columns, as the servers do (here in value_compare()
 * order; a table marked unordered plays a server whose order is not ours). */
struct order_context {
        const struct mem_table *table;
        const size_t *key;
        size_t n_key;
};

static int compare_rows(const void *a, const void *b, void *userdata) {
        const struct order_context *o = userdata;
        const struct value *x = o->table->rows[*(const size_t *) a], *y = o->table->rows[*(const size_t *) b];
        for (size_t k = 0; k < o->n_key; k++) {
                int c = value_compare(&x[o->key[k]], &y[o->key[k]]);
                if (c)
                        return c;
        }
        /* Ties in the order stored, so that a test decides how they come. */
        return *(const size_t *) a < *(const size_t *) b ? -1 : *(const size_t *) a > *(const size_t *) b;
}

static int mem_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        struct mem_db *m = mem(db);
        ssize_t ti = find_table(m, req->table->name);
        if (ti < 0)
                return db_fail(db, -ENOENT, "%s: no table %s", db->label, req->table->name);
        const struct table *t = &m->catalog.tables[ti];
        const struct mem_table *mt = &m->tables[ti];
        struct mem_scan *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        *x = (struct mem_scan) {
                .source = { .next = scan_next, .close = scan_close },
                .table = mt,
                .n_columns = req->n_columns,
                .n_rows = mt->n_rows,
        };
        x->column_index = calloc(req->n_columns + 1, sizeof(size_t));
        x->order = calloc(mt->n_rows + 1, sizeof(size_t));
        x->digest = calloc(req->n_columns + 1, sizeof(bool));
        x->sums = calloc(req->n_columns + 1, SHA256_DIGEST_SIZE);
        x->out = calloc(req->n_columns + 1, sizeof(struct value));
        _cleanup_free_ size_t *key = calloc(req->n_columns + t->n_columns + 1, sizeof(size_t));
        if (!x->column_index || !x->order || !x->digest || !x->sums || !x->out || !key) {
                scan_close(&x->source);
                return -ENOMEM;
        }
        for (size_t i = 0; i < req->n_columns; i++) {
                ssize_t c = find_column(t, req->columns[i]);
                if (c < 0) {
                        scan_close(&x->source);
                        return db_fail(db, -ENOENT, "%s: table %s has no column %s", db->label, t->name, req->columns[i]);
                }
                x->column_index[i] = (size_t) c;
                x->digest[i] = req->large_as_digest;
        }
        size_t n_key = 0;
        for (size_t k = 0; req->order_by && req->order_by[k]; k++) {
                ssize_t c = find_column(t, req->order_by[k]);
                if (c < 0) {
                        scan_close(&x->source);
                        return db_fail(db, -ENOENT, "%s: table %s has no column %s to order by", db->label, t->name,
                                       req->order_by[k]);
                }
                key[n_key++] = (size_t) c;
                /* Keys come whole: the merge compares them. */
                for (size_t i = 0; i < req->n_columns; i++)
                        if (x->column_index[i] == (size_t) c)
                                x->digest[i] = false;
        }
        for (size_t i = 0; i < mt->n_rows; i++)
                x->order[i] = i;
        /* As stored: the order the rows were added in, order_by or not. */
        if (n_key > 0 && !mt->unordered && !req->stored_order) {
                struct order_context o = { .table = mt, .key = key, .n_key = n_key };
                qsort_r(x->order, mt->n_rows, sizeof(size_t), compare_rows, &o);
        }
        m->n_scans++;
        if (req->stored_order)
                m->n_stored_scans++;
        *ret = &x->source;
        return 0;
}

struct mem_sink {
        struct row_sink sink;
        struct mem_db *db;
        struct mem_table *table;
        size_t n_table_columns, n;
        size_t *column_index;
        struct value *row;
        uint64_t bytes;
};

static int sink_write(struct row_sink *s, const struct value *row) {
        struct mem_sink *k = (struct mem_sink *) s;
        for (size_t i = 0; i < k->n_table_columns; i++)
                k->row[i] = (struct value) { .kind = VALUE_NULL };
        for (size_t i = 0; i < k->n; i++) {
                k->row[k->column_index[i]] = row[i];
                k->bytes += row[i].n + sizeof(int64_t);
        }
        int r = mem_table_add_row(k->table, k->n_table_columns, k->row);
        return r < 0 ? db_fail(&k->db->db, r, "%s: out of memory", k->db->db.label) : 0;
}

static int sink_finish(struct row_sink *s, uint64_t *ret_bytes) {
        *ret_bytes = ((struct mem_sink *) s)->bytes;
        return 0;
}

static void sink_close(struct row_sink *s) {
        struct mem_sink *k = (struct mem_sink *) s;
        free(k->column_index);
        free(k->row);
        free(k);
}

static int mem_open_sink(struct db *db, const struct table *t, const char *const *columns, size_t n,
                         struct row_sink **ret) {
        struct mem_db *m = mem(db);
        ssize_t ti = find_table(m, t->name);
        if (ti < 0)
                return db_fail(db, -ENOENT, "%s: no table %s", db->label, t->name);
        const struct table *tt = &m->catalog.tables[ti];
        struct mem_sink *k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        *k = (struct mem_sink) {
                .sink = { .write = sink_write, .finish = sink_finish, .close = sink_close },
                .db = m,
                .table = &m->tables[ti],
                .n_table_columns = tt->n_columns,
                .n = n,
        };
        k->column_index = calloc(n + 1, sizeof(size_t));
        k->row = calloc(tt->n_columns + 1, sizeof(struct value));
        if (!k->column_index || !k->row) {
                sink_close(&k->sink);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                ssize_t c = find_column(tt, columns[i]);
                if (c < 0) {
                        sink_close(&k->sink);
                        return db_fail(db, -ENOENT, "%s: table %s has no column %s", db->label, tt->name, columns[i]);
                }
                k->column_index[i] = (size_t) c;
        }
        *ret = &k->sink;
        return 0;
}

static int mem_commit(struct db *db) {
        (void) db;
        return 0;
}

static void mem_close(struct db *db) {
        mem_db_free(mem(db));
}

/* Spelled as SQL spells types, so the messages read as a real target's. */
static char *mem_type_name(struct db *db, const struct col_spec *spec) {
        static const char *const names[_COL_TYPE_MAX] = {
                [COL_INT64] = "bigint", [COL_INT32] = "integer", [COL_INT16] = "smallint",
                [COL_FLOAT64] = "double precision", [COL_FLOAT32] = "real", [COL_DECIMAL] = "numeric",
                [COL_BOOL] = "boolean", [COL_TEXT] = "text", [COL_BYTES] = "blob",
                [COL_TIMESTAMP_LOCAL] = "timestamp", [COL_TIMESTAMP_UTC] = "timestamp with time zone",
                [COL_DATE] = "date", [COL_JSON_TEXT] = "json", [COL_JSON_DOCUMENT] = "json",
                [COL_UUID] = "uuid",
        };
        (void) db;
        return strdup(spec->type < _COL_TYPE_MAX ? names[spec->type] : "?");
}

static const struct db_ops mem_ops = {
        .read_catalog = mem_read_catalog,
        .count_rows = mem_count_rows,
        .scan = mem_scan,
        .type_name = mem_type_name,
        .open_sink = mem_open_sink,
        .commit = mem_commit,
        .close = mem_close,
};

struct mem_db *mem_db_new(const char *label) {
        struct mem_db *m = calloc(1, sizeof(*m));
        if (!m)
                return NULL;
        m->db = (struct db) { .ops = &mem_ops, .label = strdup(label) };
        if (!m->db.label) {
                free(m);
                return NULL;
        }
        return m;
}

void mem_db_free(struct mem_db *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->catalog.n_tables; i++) {
                for (size_t r = 0; r < m->tables[i].n_rows; r++)
                        free_row(m->tables[i].rows[r], m->catalog.tables[i].n_columns);
                free(m->tables[i].rows);
                table_done(&m->catalog.tables[i]);
        }
        free(m->catalog.tables);
        free(m->tables);
        free(m->db.label);
        free(m->db.error);
        free(m);
}

int mem_db_add_table(struct mem_db *m, const char *name, size_t n, const char *const *columns,
                     const enum col_type *types, const char *const *pk) {
        size_t i = m->catalog.n_tables;
        struct table *tables = reallocarray(m->catalog.tables, i + 1, sizeof(struct table));
        if (!tables)
                return -ENOMEM;
        m->catalog.tables = tables;
        struct mem_table *mt = reallocarray(m->tables, i + 1, sizeof(struct mem_table));
        if (!mt)
                return -ENOMEM;
        m->tables = mt;
        m->tables[i] = (struct mem_table) {};
        struct table *t = &m->catalog.tables[i];
        *t = (struct table) { .name = strdup(name), .sequence = -1 };
        t->columns = calloc(n + 1, sizeof(struct column));
        m->catalog.n_tables++;
        if (!t->name || !t->columns)
                return -ENOMEM;
        for (size_t c = 0; c < n; c++) {
                t->columns[c] = (struct column) {
                        .name = strdup(columns[c]),
                        .spec = { .type = types[c], .length = -1, .precision = -1, .scale = -1 },
                };
                t->n_columns++;
                if (!t->columns[c].name)
                        return -ENOMEM;
                for (size_t k = 0; pk && pk[k]; k++)
                        if (strcmp(pk[k], columns[c]) == 0)
                                t->columns[c].pk_position = (int) k + 1;
        }
        return 0;
}

struct mem_table *mem_db_table(struct mem_db *m, const char *name) {
        ssize_t i = find_table(m, name);
        return i < 0 ? NULL : &m->tables[i];
}
