/* Every driver is opened here, by provider and role: the run never names
 * a driver's own functions. */
#pragma once

#include "migrate/endpoint.h"
#include "migrate/driver.h"

enum db_open_role {
        DB_OPEN_SOURCE, /* read-only, one snapshot */
        DB_OPEN_TARGET, /* written, committed only after verification */
        DB_OPEN_VERIFY, /* a target compared only: read-only */
};

/* Returns 0, or a negative errno with *ret_error set (allocated) when the
 * driver has something to say; -EOPNOTSUPP when the provider has no such role. */
int db_open(const struct db_endpoint *ep, enum db_open_role role, struct db **ret, char **ret_error);
