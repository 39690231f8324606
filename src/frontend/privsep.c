#include "migrate/privsep.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/exit_status.h"
#include "migrate/log.h"
#include "migrate/relay.h"
#include "migrate/service.h"
#include "migrate/strbuf.h"

int privsep_identity(const char *user, const char *group, gid_t access_gid, struct privsep_identity *ret,
                     char **ret_error) {
        *ret_error = NULL;
        if (getuid() != 0) {
                /* A member keeps who they are; through the setgid bit the access
                 * group becomes the only group id (real, effective, saved). */
                struct passwd *pw = getpwuid(getuid());
                *ret = (struct privsep_identity) {
                        .uid = getuid(),
                        .gid = getegid() == access_gid ? access_gid : getgid(),
                        .name = strdup(pw ? pw->pw_name : "?"),
                };
                return ret->name ? 0 : -ENOMEM;
        }
        const char *account = user ? user : SERVICE_DEFAULT_ACCOUNT;
        struct passwd *pw = getpwnam(account);
        if (!pw) {
                *ret_error = strdup_printf("the service account %s does not exist on this machine (%s), and migrate runs its "
                                           "work as that account: create it (the Package Manager package does), or set User= "
                                           "in %s",
                                           account, user ? "User= of " SERVICE_UNIT : "the default", SERVICE_UNIT);
                return -ESRCH;
        }
        if (pw->pw_uid == 0) {
                *ret_error = strdup_printf("%s runs as %s (uid 0)%s: migrate does its work as the service account, "
                                           "never as root, and will not run; set User= in %s to the account that "
                                           "owns the data (rstudio-pm by default)",
                                           SERVICE_UNIT, account, user ? " according to its User=" : "", SERVICE_UNIT);
                return -EPERM;
        }
        gid_t gid = pw->pw_gid;
        if (group) {
                struct group *g = getgrnam(group);
                if (!g) {
                        *ret_error = strdup_printf("the group %s (Group= of %s) does not exist on this machine", group,
                                                   SERVICE_UNIT);
                        return -ESRCH;
                }
                gid = g->gr_gid;
        }
        if (gid == 0) {
                *ret_error = strdup_printf("%s runs with the group root (gid 0)%s: migrate does its work with the service "
                                           "account's group, never root's, and will not run; set Group= in %s "
                                           "(rstudio-pm by default)",
                                           SERVICE_UNIT, group ? " according to its Group=" : "", SERVICE_UNIT);
                return -EPERM;
        }
        *ret = (struct privsep_identity) { .uid = pw->pw_uid, .gid = gid, .name = strdup(account), .from_root = true };
        return ret->name ? 0 : -ENOMEM;
}

void privsep_identity_done(struct privsep_identity *id) {
        free(id->name);
        id->name = NULL;
}

/* "e": the errno a call left (positive); returned negated, as everything here. */
static int fail(char **ret_error, int e, const char *what) {
        if (e <= 0)
                e = EPERM; /* never "success" from a drop that did not take */
        *ret_error = strdup_printf("cannot give up privileges (%s): %s", what, strerror(e));
        return -e;
}

static void cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}

/* In the worker: give up privileges and check that they are gone. */
static int privsep_drop(const struct privsep_identity *id, char **ret_error) {
        *ret_error = NULL;
        if (id->from_root) {
                /* Groups and the bounding set need privilege: drop them before the uid. */
                if (setgroups(0, NULL) < 0)
                        return fail(ret_error, errno, "setgroups");
                for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
                        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                                return fail(ret_error, errno, "bounding set");
        }
        if (setresgid(id->gid, id->gid, id->gid) < 0)
                return fail(ret_error, errno, "setresgid");
        if (setresuid(id->uid, id->uid, id->uid) < 0)
                return fail(ret_error, errno, "setresuid");
        _cleanup_(cap_freep) cap_t empty = cap_init();
        if (!empty || cap_set_proc(empty) < 0)
                return fail(ret_error, errno, "capabilities");
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return fail(ret_error, errno, "ambient capabilities");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return fail(ret_error, errno, "no_new_privs");

        /* Trust nothing: check that every drop took. */
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
                return fail(ret_error, errno, "checking ids");
        if (ru != id->uid || eu != id->uid || su != id->uid || rg != id->gid || eg != id->gid || sg != id->gid)
                return fail(ret_error, EPERM, "ids did not change");
        if (id->from_root && getgroups(0, NULL) != 0)
                return fail(ret_error, EPERM, "supplementary groups remain");
        _cleanup_(cap_freep) cap_t now = cap_get_proc();
        if (!now || cap_compare(now, empty) != 0)
                return fail(ret_error, EPERM, "capabilities remain");
        for (int cap = 0; id->from_root && cap <= CAP_LAST_CAP; cap++)
                if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0)
                        return fail(ret_error, EPERM, "bounding set not empty");
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return fail(ret_error, EPERM, "no_new_privs not set");
        /* Becoming another user makes the process dumpable again: not with passwords in it. */
        prctl(PR_SET_DUMPABLE, 0);
        return 0;
}

/* In the worker: no terminal.  stdin is /dev/null, stdout and stderr the
 * pipes, and a session of its own, so it has no controlling terminal to
 * push input into (TIOCSTI) or to read from. */
static int worker_stdio(int out_w, int err_w) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0 ||
            dup2(err_w, STDERR_FILENO) < 0)
                return -errno;
        close(null);
        close(out_w);
        close(err_w);
        if (setsid() < 0)
                return -errno;
        /* Lines reach the user as they are written, as on a terminal. */
        setvbuf(stdout, NULL, _IOLBF, 0);
        return 0;
}

static volatile sig_atomic_t worker_pid;

static void relay(int sig) {
        pid_t pid = worker_pid;
        if (pid > 0)
                kill(pid, sig);
}

int privsep_run(const struct privsep_identity *id, int (*fn)(void *data), void *data, int *ret_status) {
        pid_t parent = getpid();
        struct sigaction sa = { .sa_handler = relay, .sa_flags = SA_RESTART };
        sigset_t block, old;

        fflush(stdout);
        fflush(stderr);
        /* Relay from the first instant: block until the worker's pid is known. */
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGQUIT);
        sigprocmask(SIG_BLOCK, &block, &old);
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);

        /* The worker's stdout and stderr: pipes the front end relays. */
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF, err_r = -EBADF, err_w = -EBADF;
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) {
                int e = errno;
                log_error("cannot start the worker process (pipe): %s", strerror(e));
                return -e;
        }
        out_r = fds[0], out_w = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0) {
                int e = errno;
                log_error("cannot start the worker process (pipe): %s", strerror(e));
                return -e;
        }
        err_r = fds[0], err_w = fds[1];
        bool stdout_failed = ferror(stdout); /* the child must not write it again */

        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                log_error("cannot start the worker process: %s", strerror(e));
                return -e;
        }
        if (pid == 0) {
                /* The worker dies with the front end, even if that is kill -9;
                 * and the front end may have died before this line ran. */
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGHUP, SIG_DFL);
                signal(SIGQUIT, SIG_DFL);
                sigprocmask(SIG_SETMASK, &old, NULL);
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(exit_status_from_error(-ESRCH, 0)); /* the front end is gone */
                if (stdout_failed)
                        __fpurge(stdout);
                close(out_r);
                close(err_r);
                int r = worker_stdio(out_w, err_w);
                if (r < 0) {
                        log_error("cannot set up the worker process's input and output: %s", strerror(-r));
                        _exit(exit_status_from_error(r, 0));
                }
                _cleanup_free_ char *error = NULL;
                r = privsep_drop(id, &error);
                if (r < 0) {
                        log_error("%s", error ? error : "cannot give up privileges");
                        _exit(exit_status_from_error(r, 0));
                }
                /* Changing credentials clears the parent-death signal: set it again,
                 * and check again that the front end is still there. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(exit_status_from_error(-ESRCH, 0)); /* the front end is gone */
                int status = fn(data);
                fflush(stdout);
                fflush(stderr);
                _exit(status);
        }
        worker_pid = pid;
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(TAKE_FD(out_w));
        close(TAKE_FD(err_w));
        int r = relay_run(pid, TAKE_FD(out_r), TAKE_FD(err_r));
        if (r < 0)
                log_error("cannot relay the worker's output: %s", strerror(-r)); /* the worker goes on; wait for it */

        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        int e = errno;
                        log_error("cannot wait for the worker process: %s", strerror(e));
                        return -e;
                }
        worker_pid = 0;
        if (WIFEXITED(status)) {
                *ret_status = WEXITSTATUS(status); /* the worker decided it: exit_status_from_error() */
                return 0;
        }
        if (WIFSIGNALED(status)) {
                log_error("the worker process was killed by signal %d (%s): nothing was committed", WTERMSIG(status),
                          strsignal(WTERMSIG(status)));
                *ret_status = exit_status_from_error(-EINTR, WTERMSIG(status));
                return 0;
        }
        return -ECHILD;
}
