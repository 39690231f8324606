#include "migrate/driver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int db_fail(struct db *db, int r, const char *fmt, ...) {
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        free(db->error);
        db->error = msg;
        return r < 0 ? r : -EINVAL;
}

void db_close(struct db *db) {
        db->ops->close(db);
}
