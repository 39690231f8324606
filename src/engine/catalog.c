#include "migrate/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "migrate/strv.h"

void index_done(struct index *x) {
        free(x->name);
        free(x->constraint_name);
        for (size_t i = 0; i < x->n_keys; i++) {
                free(x->keys[i]);
                if (x->exprs)
                        free(x->exprs[i]);
        }
        free(x->keys);
        free(x->exprs);
        free(x->desc);
        free(x->nocase);
        free(x->where);
        free(x->sql);
}

void foreign_key_done(struct foreign_key *fk) {
        for (size_t i = 0; i < fk->n; i++) {
                free(fk->from[i]);
                free(fk->to[i]);
        }
        free(fk->from);
        free(fk->to);
        free(fk->ref_table);
        free(fk->on_update);
        free(fk->on_delete);
        free(fk->name);
}

void table_done(struct table *t) {
        for (size_t i = 0; i < t->n_columns; i++) {
                free(t->columns[i].name);
                free(t->columns[i].declared);
                free(t->columns[i].default_sql);
                strv_free(t->columns[i].labels);
        }
        strv_free(t->generated);
        for (size_t i = 0; i < t->n_indexes; i++)
                index_done(&t->indexes[i]);
        for (size_t i = 0; i < t->n_fks; i++)
                foreign_key_done(&t->fks[i]);
        for (size_t i = 0; i < t->n_checks; i++) {
                free(t->checks[i].name);
                free(t->checks[i].expr);
        }
        free(t->checks);
        free(t->columns);
        free(t->indexes);
        free(t->fks);
        free(t->name);
}

void catalog_free(struct catalog *c) {
        for (size_t i = 0; i < c->n_tables; i++)
                table_done(&c->tables[i]);
        free(c->tables);
        strv_free(c->not_carried);
        strv_free(c->notes);
        free(c);
}

const struct table *catalog_find_table(const struct catalog *c, const char *name) {
        for (size_t i = 0; i < c->n_tables; i++)
                if (strcmp(c->tables[i].name, name) == 0)
                        return &c->tables[i];
        return NULL;
}

const struct column *table_find_column(const struct table *t, const char *name) {
        for (size_t i = 0; i < t->n_columns; i++)
                if (strcmp(t->columns[i].name, name) == 0)
                        return &t->columns[i];
        return NULL;
}

size_t table_primary_key(const struct table *t, const struct column **ret, size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < t->n_columns; i++)
                if (t->columns[i].pk_position > 0 && (size_t) t->columns[i].pk_position <= max) {
                        ret[t->columns[i].pk_position - 1] = &t->columns[i];
                        n++;
                }
        return n;
}
