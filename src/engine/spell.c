/* Messages name a column's type as the target spells it ("varchar(40)"),
 * which only the target's driver knows: it is asked once the types are
 * final (after widening), the spellings are kept in the mapping and lent to
 * the specs (col_spec.name) that value_convert() words its reasons with.
 * The target's storage limits (limit_spec) are set on the specs here too:
 * every copy, verification and widening passes this way first. */
#include <errno.h>
#include <stdlib.h>

#include "migrate/engine.h"

char *engine_type_name(struct engine *e, const struct col_spec *spec) {
        if (e->target->ops->type_name)
                return e->target->ops->type_name(e->target, spec);
        return logical_type_describe(spec);
}

int engine_spell_types(struct engine *e, struct table_map *t) {
        for (size_t i = 0; i < t->n_columns; i++) {
                if (e->target->ops->limit_spec)
                        e->target->ops->limit_spec(e->target, &t->specs[i]);
                t->specs[i].name = NULL;
                char *name = engine_type_name(e, &t->specs[i]);
                if (!name)
                        return -ENOMEM;
                free(t->type_names[i]);
                t->type_names[i] = name;
                t->specs[i].name = name;
        }
        return 0;
}
