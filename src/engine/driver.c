#include "migrate/driver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "migrate/strbuf.h"

int db_fail(struct db *db, int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = strdup_vprintf(fmt, ap);
        va_end(ap);
        free(db->error);
        db->error = msg;
        return r < 0 ? r : -EINVAL;
}

void db_close(struct db *db) {
        db->ops->close(db);
}
