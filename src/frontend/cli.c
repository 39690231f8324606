#include "migrate/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "migrate/cleanup.h"
#include "migrate/strbuf.h"

enum flag_id {
        FLAG_CONFIG,
        FLAG_VERSION,
        FLAG_HELP,
        FLAG_VERIFY,
        FLAG_DROP_ALL,
        FLAG_FROM,
        FLAG_TO,
        FLAG_PROGRESS,
};

struct flag {
        const char *name;
        enum flag_id id;
        bool takes_value;
};

static const struct flag global_flags[] = {
        { "config", FLAG_CONFIG, true },
        { "version", FLAG_VERSION, false },
        { "help", FLAG_HELP, false },
        { "h", FLAG_HELP, false },
};

static const struct flag database_flags[] = {
        { "verify", FLAG_VERIFY, false },   { "drop-all", FLAG_DROP_ALL, false }, { "from", FLAG_FROM, true },
        { "to", FLAG_TO, true },            { "progress", FLAG_PROGRESS, false }, { "help", FLAG_HELP, false },
        { "h", FLAG_HELP, false },
};

struct parser {
        char **error, **hint;
};

static int usage_error(struct parser *p, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int usage_error(struct parser *p, const char *hint, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        *p->error = strdup_vprintf(fmt, ap);
        va_end(ap);
        *p->hint = strdup(hint);
        return -EINVAL;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
        static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

static int set_provider(struct parser *p, const char *flag, const char *value, enum db_provider *ret) {
        if (db_provider_from_flag(value, ret) < 0)
                return usage_error(p, "use sqlite3 (SQLite) or pgx (PostgreSQL)",
                                   "invalid value \"%s\" for flag -%s: unknown database", value, flag);
        return 0;
}

static int apply_flag(struct parser *p, struct cli_options *o, const struct flag *f, const char *value, bool bool_value) {
        switch (f->id) {
        case FLAG_CONFIG:
                if (!*value)
                        return usage_error(p, "give the path of a .gcfg file", "flag -config needs a non-empty value");
                o->config_path = value;
                return 0;
        case FLAG_VERSION:
                if (bool_value)
                        o->command = CLI_VERSION;
                return 0;
        case FLAG_HELP:
                if (bool_value) {
                        o->help_topic = o->command == CLI_DATABASE ? CLI_DATABASE : CLI_NONE;
                        o->command = CLI_HELP;
                }
                return 0;
        case FLAG_VERIFY:
                o->verify = bool_value;
                return 0;
        case FLAG_DROP_ALL:
                o->drop_all = bool_value;
                return 0;
        case FLAG_PROGRESS:
                o->progress = bool_value;
                return 0;
        case FLAG_FROM:
                return set_provider(p, "from", value, &o->from);
        case FLAG_TO:
                return set_provider(p, "to", value, &o->to);
        }
        return -EINVAL;
}

/* Parse flags from argv[*i] on; stop at the first non-flag.  "hint" follows
 * every error about these flags. */
static int parse_flags(struct parser *p, struct cli_options *o, int argc, char *const *argv, int *i,
                       const struct flag *flags, size_t n_flags, const char *hint) {
        while (*i < argc) {
                const char *arg = argv[*i];
                if (arg[0] != '-' || arg[1] == '\0')
                        return 0; /* not a flag: the command or an argument */
                (*i)++;
                const char *name = arg + 1;
                if (name[0] == '-') {
                        name++;
                        if (name[0] == '\0')
                                return 0; /* "--" ends the flags */
                }
                if (name[0] == '-' || name[0] == '=')
                        return usage_error(p, hint, "bad flag syntax: %s", arg);

                const char *eq = strchr(name, '=');
                size_t name_len = eq ? (size_t) (eq - name) : strlen(name);
                const struct flag *f = NULL;
                for (size_t k = 0; k < n_flags; k++)
                        if (strlen(flags[k].name) == name_len && strncmp(flags[k].name, name, name_len) == 0)
                                f = &flags[k];
                if (!f) {
                        if (flags == database_flags && name_len == 6 && strncmp(name, "config", 6) == 0)
                                return usage_error(p, "global flags go before the command: migrate --config FILE database",
                                                   "flag provided but not defined: -config");
                        for (size_t k = 0; flags == global_flags && k < ELEMENTSOF(database_flags); k++)
                                if (strlen(database_flags[k].name) == name_len &&
                                    strncmp(database_flags[k].name, name, name_len) == 0)
                                        return usage_error(p, "it is a flag of the database command: migrate database --FLAG",
                                                           "flag provided but not defined: -%.*s", (int) name_len, name);
                        return usage_error(p, hint, "flag provided but not defined: -%.*s", (int) name_len, name);
                }

                bool b = true;
                const char *value = eq ? eq + 1 : NULL;
                if (f->takes_value && !value) {
                        if (*i >= argc)
                                return usage_error(p, hint, "flag needs an argument: -%s", f->name);
                        value = argv[(*i)++];
                } else if (!f->takes_value && value && parse_bool(value, &b) < 0)
                        return usage_error(p, "a switch takes true or false, e.g. --verify=true, or no value at all",
                                           "invalid boolean value \"%s\" for -%s", value, f->name);
                int r = apply_flag(p, o, f, value, b);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cli_parse(int argc, char *const *argv, struct cli_options *ret, char **ret_error, char **ret_hint) {
        struct parser p = { .error = ret_error, .hint = ret_hint };
        struct cli_options o = {
                .config_path = MIGRATE_DEFAULT_CONFIG,
                .from = DB_SQLITE,
                .to = DB_POSTGRES,
        };
        int i = 1, r;

        *ret_error = *ret_hint = NULL;
        r = parse_flags(&p, &o, argc, argv, &i, global_flags, ELEMENTSOF(global_flags), "run 'migrate help' for usage");
        if (r < 0)
                return r;
        if (o.command == CLI_HELP || o.command == CLI_VERSION) {
                *ret = o;
                return 0;
        }
        if (i >= argc)
                return usage_error(&p, "run 'migrate help' for usage, or 'migrate database' to migrate", "no command given");

        const char *command = argv[i++];
        if (strcmp(command, "help") == 0) {
                o.command = CLI_HELP;
                if (i < argc) {
                        if (strcmp(argv[i], "database") == 0)
                                o.help_topic = CLI_DATABASE;
                        else if (strcmp(argv[i], "help") != 0)
                                return usage_error(&p, "the commands are: database, help", "unknown help topic \"%s\"", argv[i]);
                        i++;
                }
                if (i < argc)
                        return usage_error(&p, "run 'migrate help' for usage", "unexpected argument \"%s\" after 'help'", argv[i]);
                *ret = o;
                return 0;
        }
        if (strcmp(command, "database") != 0)
                return usage_error(&p, "the commands are: database, help; run 'migrate help' for usage",
                                   "unknown command \"%s\"", command);

        o.command = CLI_DATABASE;
        r = parse_flags(&p, &o, argc, argv, &i, database_flags, ELEMENTSOF(database_flags),
                        "run 'migrate help database' for its flags");
        if (r < 0)
                return r;
        if (o.command == CLI_HELP) {
                *ret = o;
                return 0;
        }
        if (i < argc)
                return usage_error(&p, "'migrate database' takes flags only; run 'migrate help database'",
                                   "unexpected argument \"%s\"", argv[i]);
        if (o.from == o.to)
                return usage_error(&p, "migrate between sqlite3 and pgx, e.g. --from=pgx --to=sqlite3",
                                   "--from and --to are both %s", db_provider_flag_name(o.from));
        if (o.verify && o.drop_all)
                return usage_error(&p, "run the migration with --drop-all, or compare with --verify alone",
                                   "--verify changes nothing, so it cannot be combined with --drop-all");
        *ret = o;
        return 0;
}

static const char help_overview[] =
        "Usage: migrate [--config FILE] COMMAND [FLAGS]\n"
        "\n"
        "Move all of Posit Package Manager's data between SQLite and PostgreSQL\n"
        "and prove that nothing was lost.\n"
        "\n"
        "Commands:\n"
        "  database   Migrate data between databases (see 'migrate help database')\n"
        "  help       Display help\n"
        "\n"
        "Global flags (before the command):\n"
        "  --config FILE   Package Manager configuration file\n"
        "                  (default " MIGRATE_DEFAULT_CONFIG ")\n"
        "  --version       Print the version and exit\n"
        "  -h, --help      Display this help\n"
        "\n"
        "Who may run it: root (sudo), or a member of the server's Unix group --\n"
        "the Group= of rstudio-pm.service, rstudio-pm by default.  Others are\n"
        "refused (exit status 77).\n"
        "\n"
        "When: only while Package Manager is stopped.  migrate asks systemd and\n"
        "refuses (exit status 5) while rstudio-pm.service is in any state but\n"
        "inactive or failed, and while other sessions use the target database:\n"
        "  sudo systemctl stop rstudio-pm\n"
        "  sudo /opt/rstudio-pm/bin/migrate database\n"
        "\n"
        "The work is done by a separate process with no privileges: the service\n"
        "account when started by root, your own account otherwise.\n"
        "\n"
        "See man migrate for exit statuses, files and examples.\n";

static const char help_database[] =
        "Usage: migrate [--config FILE] database [FLAGS]\n"
        "\n"
        "Copy every table of the main and the usage database from one provider to\n"
        "the other, then verify row counts and every record.  The source is never\n"
        "written; the target is changed all-or-nothing.  By default SQLite is\n"
        "copied into an empty PostgreSQL database.\n"
        "\n"
        "Flags:\n"
        "  --verify         Verify only: compare source and target, change nothing\n"
        "  --drop-all       Drop all existing data in the target before migrating\n"
        "  --from DATABASE  Database to migrate from: sqlite3 or pgx (default sqlite3)\n"
        "  --to DATABASE    Database to migrate to: sqlite3 or pgx (default pgx)\n"
        "  --progress       Display progress bars while migrating (experimental)\n"
        "  -h, --help       Display this help\n"
        "\n"
        "The configuration file must contain both a [SQLite] and a [Postgres]\n"
        "section.  Usage data is migrated too when Postgres.UsageDataURL is set.\n"
        "\n"
        "Examples:\n"
        "  sudo /opt/rstudio-pm/bin/migrate database\n"
        "  sudo /opt/rstudio-pm/bin/migrate database --drop-all\n"
        "  sudo /opt/rstudio-pm/bin/migrate database --verify\n"
        "  sudo /opt/rstudio-pm/bin/migrate database --from=pgx --to=sqlite3\n"
        "  sudo /opt/rstudio-pm/bin/migrate --config /etc/rstudio-pm/other.gcfg database\n";

void cli_print_help(FILE *f, enum cli_command topic) {
        fputs(topic == CLI_DATABASE ? help_database : help_overview, f);
}
