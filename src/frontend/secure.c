#include "migrate/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>


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
        /* stdin, stdout and stderr exist: a file opened later must never
         * become one of them because the caller closed it. */
        for (int fd = 0; fd <= 2; fd++)
                if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR | O_NOCTTY) != fd)
                        return -EBADF;
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

int secure_open_as_caller(const char *path) {
        int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
        if (!secure_mode()) {
                int fd = open(path, flags);
                return fd < 0 ? -errno : fd;
        }
        /* Checking the path and then opening it is a race a caller can win
         * with a symlink: open it with the caller's own group instead, so the
         * kernel checks the file we actually read.  The saved set-group-ID
         * keeps the access group for the way back. */
        gid_t elevated = getegid();
        if (setegid(getgid()) < 0)
                return -errno;
        int fd = open(path, flags), e = errno;
        if (setegid(elevated) < 0) {
                /* Cannot happen with a saved set-group-ID; never go on half-switched. */
                if (fd >= 0)
                        close(fd);
                return -errno;
        }
        return fd < 0 ? -e : fd;
}
