#include "migrate/driver_factory.h"

#include <errno.h>

#include "migrate/pg_db.h"
#include "migrate/pg_source.h"
#include "migrate/sqlite_db.h"
#include "migrate/sqlite_target.h"

int db_open(const struct db_endpoint *ep, enum db_open_role role, struct db **ret, char **ret_error) {
        *ret_error = NULL;
        switch (ep->provider) {
        case DB_SQLITE:
                if (role == DB_OPEN_SOURCE)
                        return sqlite_db_open_source(ep, ret, ret_error);
                return sqlite_target_open(ep, role == DB_OPEN_VERIFY, ret, ret_error);
        case DB_POSTGRES:
                if (role == DB_OPEN_SOURCE)
                        return pg_source_open(ep, ret, ret_error);
                return pg_db_open(ep, role == DB_OPEN_VERIFY ? PG_TARGET_VERIFY : PG_TARGET_WRITE, ret, ret_error);
        }
        return -EOPNOTSUPP;
}
