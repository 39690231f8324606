#include "migrate/mapping.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

static const struct table *find_table(const struct catalog *c, const char *name) {
        const struct table *t = catalog_find_table(c, name);
        /* PostgreSQL folds unquoted names to lower case: accept that spelling too. */
        for (size_t i = 0; !t && i < c->n_tables; i++)
                if (strcasecmp(c->tables[i].name, name) == 0)
                        t = &c->tables[i];
        return t;
}

static const struct column *find_column(const struct table *t, const char *name) {
        const struct column *c = table_find_column(t, name);
        for (size_t i = 0; !c && i < t->n_columns; i++)
                if (strcasecmp(t->columns[i].name, name) == 0)
                        c = &t->columns[i];
        return c;
}

static bool is_key(const struct table_map *m, size_t i) {
        for (size_t k = 0; k < m->n_key; k++)
                if (m->key_index[k] == i)
                        return true;
        return false;
}

static int map_table(const struct table *src, const struct table *dst, struct table_map *m, char ***problems) {
        *m = (struct table_map) { .source = src, .target = dst, .source_rows = -1 };
        m->source_columns = calloc(src->n_columns + 1, sizeof(char *));
        m->target_columns = calloc(src->n_columns + 1, sizeof(char *));
        m->specs = calloc(src->n_columns + 1, sizeof(struct col_spec));
        m->type_names = calloc(src->n_columns + 1, sizeof(char *));
        m->key = calloc(src->n_columns + 1, sizeof(char *));
        m->key_index = calloc(src->n_columns + 1, sizeof(size_t));
        if (!m->source_columns || !m->target_columns || !m->specs || !m->type_names || !m->key || !m->key_index)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; i < src->n_columns; i++) {
                const struct column *sc = &src->columns[i];
                const struct column *tc = find_column(dst, sc->name);
                bool computed = false;
                for (size_t k = 0; !tc && dst->generated && dst->generated[k]; k++)
                        computed |= strcasecmp(dst->generated[k], sc->name) == 0;
                if (computed)
                        continue; /* the target computes it from the columns copied (the catalog's note says so) */
                if (!tc) {
                        r = strv_consume(problems, strdup_printf("table %s: the target has no column %s", dst->name, sc->name));
                        if (r < 0)
                                return r;
                        continue;
                }
                m->source_columns[m->n_columns] = sc->name;
                m->target_columns[m->n_columns] = tc->name;
                m->specs[m->n_columns] = tc->spec;
                m->n_columns++;
        }
        /* A target column nobody fills must be able to stay empty. */
        for (size_t i = 0; i < dst->n_columns; i++) {
                const struct column *tc = &dst->columns[i];
                if (tc->not_null && !tc->default_sql && !tc->identity && !find_column(src, tc->name)) {
                        r = strv_consume(problems, strdup_printf("table %s: target column %s is NOT NULL, has no default "
                                                                 "and no source column fills it",
                                                                 dst->name, tc->name));
                        if (r < 0)
                                return r;
                }
        }
        /* Order for verification: the primary key; without one, every column. */
        const struct column *pk[256] = {};
        size_t n_pk = table_primary_key(src, pk, 256);
        for (size_t k = 0; k < n_pk; k++)
                for (size_t i = 0; i < m->n_columns; i++)
                        if (strcmp(m->source_columns[i], pk[k]->name) == 0) {
                                m->key[m->n_key] = m->target_columns[i];
                                m->key_index[m->n_key++] = i;
                        }
        /* A SQLite key holding NULL repeats (NULLs are distinct): the other
         * columns order the rows that share a key. */
        if (m->n_key != n_pk || n_pk == 0)
                m->n_key = 0;
        if (m->n_key == 0 || src->key_holds_null)
                for (size_t i = 0; i < m->n_columns; i++)
                        if (m->n_key == 0 || !is_key(m, i)) {
                                m->key[m->n_key] = m->target_columns[i];
                                m->key_index[m->n_key++] = i;
                        }
        m->key[m->n_key] = NULL;
        return 0;
}

int mapping_build(const struct catalog *source, const struct catalog *target, struct mapping *ret, char ***problems) {
        struct mapping m = { .create = !target || target->n_tables == 0 };
        m.target = m.create ? source : target;
        m.tables = calloc(source->n_tables + 1, sizeof(struct table_map));
        if (!m.tables)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < source->n_tables; i++) {
                const struct table *dst = find_table(m.target, source->tables[i].name);
                if (!dst) {
                        r = strv_consume(problems, strdup_printf("the target has no table %s", source->tables[i].name));
                        continue;
                }
                r = map_table(&source->tables[i], dst, &m.tables[m.n_tables++], problems);
        }
        if (r >= 0 && *problems)
                r = -EINVAL;
        if (r < 0) {
                mapping_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

void mapping_done(struct mapping *m) {
        for (size_t i = 0; i < m->n_tables; i++) {
                free(m->tables[i].source_columns);
                free(m->tables[i].target_columns);
                free(m->tables[i].specs);
                for (size_t k = 0; m->tables[i].type_names && k < m->tables[i].n_columns; k++)
                        free(m->tables[i].type_names[k]);
                free(m->tables[i].type_names);
                free(m->tables[i].key);
                free(m->tables[i].key_index);
                free(m->tables[i].longest);
        }
        free(m->tables);
        *m = (struct mapping) {};
}

char *mapping_describe_key(const struct table_map *t, const struct value *row) {
        _cleanup_strbuf_ struct strbuf b = {};
        /* Without a primary key every column is the key: show the first few. */
        size_t shown = t->n_key < 4 ? t->n_key : 4;
        for (size_t k = 0; k < shown; k++) {
                _cleanup_free_ char *v = value_describe(&row[t->key_index[k]]);
                if (strbuf_printf(&b, "%s%s=%s", k ? ", " : "", t->key[k], v ? v : "?") < 0)
                        return NULL;
        }
        if (shown < t->n_key && strbuf_puts(&b, ", ...") < 0)
                return NULL;
        return strbuf_steal(&b);
}
