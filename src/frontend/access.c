#include "migrate/access.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"

static bool real_member_of(gid_t gid) {
        if (getgid() == gid)
                return true;
        int n = getgroups(0, NULL);
        if (n <= 0)
                return false;
        _cleanup_free_ gid_t *groups = calloc((size_t) n, sizeof(gid_t));
        if (!groups)
                return false;
        n = getgroups(n, groups);
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

int access_check(const char *group, gid_t *ret_gid, char **ret_error) {
        struct group *g = getgrnam(group);
        *ret_error = NULL;
        *ret_gid = g ? g->gr_gid : (gid_t) -1;
        if (getuid() == 0)
                return 0;
        if (!g) {
                *ret_error = strdup_printf("only root or members of the group %s may run migrate, and that group does not "
                                           "exist on this machine: run it with sudo",
                                           group);
                return -EPERM;
        }
        if (real_member_of(g->gr_gid))
                return 0;
        struct passwd *pw = getpwuid(getuid());
        *ret_error = strdup_printf("only root or members of the group %s may run migrate: run it with sudo, or ask an "
                                   "administrator to add you to the group (sudo usermod -aG %s %s) and log in again",
                                   group, group, pw ? pw->pw_name : "USER");
        return -EPERM;
}
