#include "migrate/service.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/secure.h"
#include "migrate/strbuf.h"

#define SYSTEMD_BUS "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"

DEFINE_POINTER_CLEANUP(DIR, closedir)

static void bus_error_done(sd_bus_error *e) {
        sd_bus_error_free(e);
}

/* The server's executable.  Tests, which cannot install one in /opt, name
 * another with MIGRATE_TEST_SERVER_PATH; a setgid run never honours it. */
static const char *server_path(void) {
        const char *p = secure_mode() ? NULL : getenv("MIGRATE_TEST_SERVER_PATH");
        return p && p[0] == '/' ? p : SERVICE_BINARY;
}

static int read_proc_file(const char *pid, const char *name, char *buf, size_t size) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return (int) n;
}

/* The real uid of a running process, from /proc/PID/status: -ESRCH for a
 * zombie, which has ended. */
static int process_owner(const char *pid, uid_t *ret) {
        char status[4096];
        int r = read_proc_file(pid, "status", status, sizeof(status));
        if (r < 0)
                return r;
        const char *state = strstr(status, "\nState:");
        if (state) {
                state += strlen("\nState:");
                state += strspn(state, " \t");
                if (*state == 'Z' || *state == 'X')
                        return -ESRCH;
        }
        const char *line = strstr(status, "\nUid:");
        unsigned long uid;
        if (!line || sscanf(line + 5, "%lu", &uid) != 1)
                return -EIO;
        *ret = (uid_t) uid;
        return 0;
}

/* Is this process the server?  Its executable decides when we may read
 * /proc/PID/exe (root may); otherwise (a member's run, another user's
 * process) the name the kernel gave it at exec (comm) or its argv[0].
 * Names can be forged by anyone: the caller also checks the owner. */
static bool process_is_server(const char *pid, const char *server) {
        char path[64], exe[4096];
        snprintf(path, sizeof(path), "/proc/%s/exe", pid);
        ssize_t n = readlink(path, exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = '\0';
                size_t len = strlen(server);
                /* " (deleted)": the server still runs from a binary an upgrade replaced. */
                return strncmp(exe, server, len) == 0 && (exe[len] == '\0' || strcmp(exe + len, " (deleted)") == 0);
        }
        if (errno != EACCES && errno != EPERM)
                return false; /* gone, or a kernel thread: no executable */
        const char *base = strrchr(server, '/') ? strrchr(server, '/') + 1 : server;
        char comm[64];
        if (read_proc_file(pid, "comm", comm, sizeof(comm)) > 0) {
                comm[strcspn(comm, "\n")] = '\0';
                if (comm[0] && strncmp(comm, base, 15) == 0 && strlen(comm) == (strlen(base) < 15 ? strlen(base) : 15))
                        return true;
        }
        if (read_proc_file(pid, "cmdline", exe, sizeof(exe)) <= 0)
                return false;
        return strcmp(exe, server) == 0; /* argv[0] ends at the first NUL */
}

static char *user_name(uid_t uid) {
        struct passwd *pw = getpwuid(uid);
        return pw ? strdup(pw->pw_name) : strdup_printf("uid %lu", (unsigned long) uid);
}

static int query_proc(struct service_state *s) {
        const char *server = server_path();
        /* Without systemd, User= is unknown: the server runs as the default account, or root. */
        struct passwd *pw = getpwnam(SERVICE_DEFAULT_ACCOUNT);
        uid_t account = pw ? pw->pw_uid : 0;
        _cleanup_(closedirp) DIR *d = opendir("/proc");
        if (!d)
                return -errno;
        for (struct dirent *e; (e = readdir(d));) {
                uid_t owner;
                if (strspn(e->d_name, "0123456789") != strlen(e->d_name))
                        continue;
                if (!process_is_server(e->d_name, server) || process_owner(e->d_name, &owner) < 0)
                        continue;
                if (owner != 0 && owner != account)
                        continue; /* anyone can name a process after the server */
                _cleanup_free_ char *who = user_name(owner);
                s->running = true;
                s->what = strdup_printf("no system bus to ask systemd, and process %s of user %s is the server %s", e->d_name,
                                        who ? who : "?", server);
                return s->what ? 0 : -ENOMEM;
        }
        s->what = strdup_printf("no system bus to ask systemd; no %s process of %s or root is running", server,
                                SERVICE_DEFAULT_ACCOUNT);
        return s->what ? 0 : -ENOMEM;
}

static bool no_bus(int r) {
        return r == -ENOENT || r == -ECONNREFUSED || r == -ENOMEDIUM || r == -EHOSTDOWN || r == -ENOTCONN;
}

/* A string property, NULL when systemd does not have it or it is empty. */
static char *unit_property(sd_bus *bus, const char *path, const char *interface, const char *name) {
        _cleanup_(bus_error_done) sd_bus_error error = SD_BUS_ERROR_NULL;
        char *value = NULL;
        if (sd_bus_get_property_string(bus, SYSTEMD_BUS, path, interface, name, &error, &value) < 0 || !value)
                return NULL;
        if (!*value) {
                free(value);
                return NULL;
        }
        return value;
}

static void read_accounts_of_unloaded(sd_bus *bus, const char *unit, struct service_state *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(bus_error_done) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        if (sd_bus_call_method(bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_BUS ".Manager", "LoadUnit", &error, &reply, "s",
                               unit) < 0 ||
            sd_bus_message_read(reply, "o", &path) < 0)
                return;
        s->user = unit_property(bus, path, SYSTEMD_BUS ".Service", "User");
        s->group = unit_property(bus, path, SYSTEMD_BUS ".Service", "Group");
}

int service_query(const char *unit, struct service_state *ret, char **ret_error) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(bus_error_done) sd_bus_error error = SD_BUS_ERROR_NULL;
        struct service_state s = {};
        const char *path;
        int r;

        *ret_error = NULL;
        r = sd_bus_open_system(&bus);
        if (r < 0 && no_bus(r)) {
                r = query_proc(&s);
                if (r < 0) {
                        *ret_error = strdup_printf("no system bus, and cannot look for a running server in /proc: %s",
                                                   strerror(-r));
                        return r;
                }
                *ret = s;
                return 0;
        }
        if (r < 0) {
                *ret_error = strdup_printf("cannot connect to the system bus to ask systemd whether %s is running: %s", unit,
                                           strerror(-r));
                return r;
        }
        s.bus = true;
        r = sd_bus_call_method(bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_BUS ".Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0 && sd_bus_error_has_name(&error, SYSTEMD_BUS ".NoSuchUnit")) {
                /* Not loaded, so not running.  systemd unloads stopped units, so
                 * load it only to read User= and Group=; failing that, the defaults. */
                s.what = strdup_printf("systemd has no unit %s loaded", unit);
                read_accounts_of_unloaded(bus, unit, &s);
                *ret = s;
                return s.what ? 0 : -ENOMEM;
        }
        /* A system bus without systemd on it (some containers): as without a bus. */
        if (r < 0 && ((no_bus(r) && !sd_bus_error_is_set(&error)) ||
                      sd_bus_error_has_names(&error, "org.freedesktop.DBus.Error.ServiceUnknown",
                                             "org.freedesktop.DBus.Error.NameHasNoOwner"))) {
                s.bus = false;
                r = query_proc(&s);
                if (r < 0)
                        return r;
                *ret = s;
                return 0;
        }
        if (r < 0) {
                /* Fail closed: we cannot prove the server is stopped. */
                *ret_error = strdup_printf("cannot ask systemd whether %s is running: %s%s%s", unit,
                                           error.name ? error.name : strerror(-r), error.message ? ": " : "",
                                           error.message ? error.message : "");
                return r;
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0) {
                *ret_error = strdup_printf("systemd sent an unexpected answer about %s: %s", unit, strerror(-r));
                return r;
        }
        s.active_state = unit_property(bus, path, SYSTEMD_BUS ".Unit", "ActiveState");
        if (!s.active_state) {
                *ret_error = strdup_printf("systemd did not say whether %s is running (no ActiveState)", unit);
                return -EIO;
        }
        s.user = unit_property(bus, path, SYSTEMD_BUS ".Service", "User");
        s.group = unit_property(bus, path, SYSTEMD_BUS ".Service", "Group");
        /* Only a unit that is fully down is safe: activating, reloading and
         * deactivating all mean a server process may still write. */
        s.running = strcmp(s.active_state, "inactive") != 0 && strcmp(s.active_state, "failed") != 0;
        s.what = strdup_printf("systemd reports %s as %s", unit, s.active_state);
        *ret = s;
        return s.what ? 0 : -ENOMEM;
}

void service_state_done(struct service_state *s) {
        free(s->active_state);
        free(s->user);
        free(s->group);
        free(s->what);
        *s = (struct service_state) {};
}
