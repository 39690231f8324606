#include "migrate/secure.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "migrate/strbuf.h"

extern char **environ;

bool secure_mode(void) {
        return getauxval(AT_SECURE) != 0;
}

/* What a setgid run keeps: locale, terminal, and the two password variables
 * of the product.  PG* variables are never used: the configuration file is
 * the one description of the databases. */
static bool keep_variable(const char *entry, bool secure) {
        static const char *const allowed[] = {
                "LANG=", "LANGUAGE=", "TERM=", "TZ=", "NO_COLOR=",
                "PACKAGEMANAGER_POSTGRES_PASSWORD=", "PACKAGEMANAGER_POSTGRES_USAGEDATAPASSWORD=",
        };
        if (strncmp(entry, "PG", 2) == 0)
                return false;
        if (!secure)
                return true;
        if (strncmp(entry, "LC_", 3) == 0)
                return true;
        for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
                if (strncmp(entry, allowed[i], strlen(allowed[i])) == 0)
                        return true;
        return false;
}

static int rebuild_environment(bool secure) {
        size_t n = 0, kept = 0;
        while (environ && environ[n])
                n++;
        char **env = calloc(n + 2, sizeof(char *));
        if (!env)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (keep_variable(environ[i], secure))
                        env[kept++] = environ[i];
        if (secure)
                env[kept++] = (char *) "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        env[kept] = NULL;
        environ = env; /* the strings stay where they are; the old array is the loader's */
        return 0;
}

int secure_setup(void) {
        bool secure = secure_mode();
        /* Nothing inherited beyond stdin, stdout and stderr. */
        if (close_range(3, UINT_MAX, 0) < 0)
                for (int fd = 3; fd < 1024; fd++)
                        close(fd);
        /* Passwords live in this process: no core dump may carry them away. */
        const struct rlimit none = { 0, 0 };
        if (setrlimit(RLIMIT_CORE, &none) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
                return -errno;
        return rebuild_environment(secure);
}

int secure_check_readable(const char *path, char **ret_error) {
        *ret_error = NULL;
        /* access() checks with the real uid and gid: what the caller could do without us. */
        if (!secure_mode() || access(path, R_OK) == 0)
                return 0;
        int e = errno;
        if (e == ENOENT)
                return 0; /* the loader says it is missing, with the same words as always */
        *ret_error = strdup_printf("%s: you cannot read this configuration file yourself (%s), so migrate will not read it "
                                   "for you: run it with sudo, or give a file you can read",
                                   path, strerror(e));
        return -EACCES;
}
