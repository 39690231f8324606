/* Is Package Manager running?  Asked of systemd over the system bus
 * (sd-bus): the unit's ActiveState, and the account it runs as.  Without a
 * system bus (a container without systemd) the answer comes from /proc. */
#pragma once

#include <stdbool.h>

#define SERVICE_UNIT "rstudio-pm.service"
#define SERVICE_BINARY "/opt/rstudio-pm/bin/rstudio-pm"
#define SERVICE_DEFAULT_ACCOUNT "rstudio-pm"

struct service_state {
        bool bus;           /* systemd answered over the system bus */
        char *active_state; /* "inactive", "active", ... or NULL */
        char *user, *group; /* User= and Group= of the unit, NULL when unset */
        bool running;       /* the server may be up: refuse */
        char *what;         /* why running / how it was decided, for messages */
};

/* Returns 0 with *ret filled, or a negative errno and a message: a bus
 * error other than "no such unit" fails closed. */
int service_query(const char *unit, struct service_state *ret, char **ret_error);
void service_state_done(struct service_state *s);
