/* Who may run migrate: root, or a member of the access group (the group of
 * rstudio-pm.service).  Decided from the real uid, the real gid and the
 * supplementary groups only: in a setgid program the effective gid is the
 * access group itself and proves nothing. */
#pragma once

#include <sys/types.h>

/* 0 when allowed (*ret_gid: the group's id), -EPERM with a message naming
 * the group and how to join it otherwise. */
int access_check(const char *group, gid_t *ret_gid, char **ret_error);
