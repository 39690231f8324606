/* The front end forks a worker and only waits for it; the worker gives up
 * every privilege it does not need before it connects to anything.
 *   started as root:     it becomes the service account (User=/Group= of the
 *                        unit), supplementary groups reset, every capability
 *                        and the bounding set cleared, no_new_privs set;
 *   started by a member: it keeps the member's uid and the access group.
 * Every drop is checked afterwards; a failed check aborts the worker.  The
 * worker is never root (a unit with User=root or Group=root is refused), and
 * has no terminal: stdin /dev/null, stdout and stderr pipes that the front
 * end relays (relay.h), a session of its own. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct privsep_identity {
        uid_t uid;
        gid_t gid;
        char *name; /* for messages */
        bool from_root;
};

/* Who the worker will be.  "user"/"group": User= and Group= of the
 * unit (NULL: the default account); access_gid: the access group.
 * -EPERM (with a message) when that account is root. */
int privsep_identity(const char *user, const char *group, gid_t access_gid, struct privsep_identity *ret,
                     char **ret_error);
void privsep_identity_done(struct privsep_identity *id);

/* Run fn(data) in a worker with that identity: fn is the worker's main()
 * and returns its exit status.  Returns 0 and *ret_status, the status the
 * front end should exit with (the worker's, or 128+N if signal N killed
 * it); a negative errno when the worker could not be started or waited for.
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT are relayed; if the front end dies,
 * the worker is killed too. */
int privsep_run(const struct privsep_identity *id, int (*fn)(void *data), void *data, int *ret_status);
