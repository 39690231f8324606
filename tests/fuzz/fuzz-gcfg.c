/* The gcfg parser on any bytes: no crash, no leak, no read past the input;
 * every error names the file; every entry belongs to a section. */
#include "fuzz.h"

#include "migrate/gcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct gcfg *c = NULL;
        char *error = NULL;
        int r = gcfg_parse("fuzz.gcfg", (const char *) data, size, &c, &error);
        if (r < 0) {
                FUZZ_CHECK(error && strncmp(error, "fuzz.gcfg:", 10) == 0, "error '%s'", error ? error : "(none)");
                FUZZ_CHECK(!c, "a result despite error %d", r);
                free(error);
                return 0;
        }
        FUZZ_CHECK(c && !error, "r=%d", r);
        for (size_t i = 0; i < c->n_entries; i++) {
                const struct gcfg_entry *e = &c->entries[i];
                FUZZ_CHECK(e->section && e->name, "entry %zu", i);
                /* Looking an entry up by its own names finds it or a later assignment. */
                const struct gcfg_entry *found = gcfg_find(c, e->section->name, e->section->subsection, e->name);
                FUZZ_CHECK(found && found >= e, "lookup of %s.%s", e->section->name, e->name);
                FUZZ_CHECK(gcfg_has_section(c, e->section->name, e->section->subsection), "%s", e->section->name);
                bool b;
                char *berr = NULL;
                if (gcfg_entry_bool(c, e, &b, &berr) < 0)
                        FUZZ_CHECK(berr, "a bool error without a message");
                free(berr);
        }
        gcfg_free(c);
        return 0;
}
