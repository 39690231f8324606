#!/bin/bash
# What a user sees from the built binary: help, usage errors, configuration
# errors and exit statuses, and that no output ever shows a password.
# Usage: check-cli.sh PATH-TO-MIGRATE
set -uo pipefail

migrate=$1
work=$(mktemp -d)
chmod 0755 "$work" # started by root, migrate's worker runs as the service account
trap 'rm -rf "$work"' EXIT
failures=0
secret='Zebra-Pass-9'

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run EXPECTED-STATUS ARGS...: runs migrate, keeps stdout/stderr in $out/$err.
run() {
	local expected=$1; shift
	"$migrate" "$@" >"$work/out" 2>"$work/err"
	status=$?
	out=$(cat "$work/out"); err=$(cat "$work/err")
	[ "$status" -eq "$expected" ] || fail "migrate $* exited $status, expected $expected; stderr: $err"
	if grep -q -- "$secret" "$work/out" "$work/err"; then fail "migrate $* printed the password"; fi
}
contains() { # contains WHAT TEXT LABEL
	case "$2" in *"$1"*) ;; *) fail "$3: expected to contain '$1', got: $2" ;; esac
}
not_contains() { # not_contains WHAT TEXT LABEL
	case "$2" in *"$1"*) fail "$3: expected not to contain '$1', got: $2" ;; esac
}

# --- help ---------------------------------------------------------------
run 0 help
contains "Usage: migrate [--config FILE] COMMAND" "$out" "migrate help"
contains "database   Migrate data between databases" "$out" "migrate help"
contains "member of the server's Unix group" "$out" "migrate help"
[ -z "$err" ] || fail "migrate help wrote to stderr: $err"
for args in "help database" "database --help" "database -h" "--config /nonexistent database -help"; do
	# shellcheck disable=SC2086
	run 0 $args
	contains "--drop-all       Drop all existing data in the target" "$out" "migrate $args"
	contains "--from DATABASE" "$out" "migrate $args"
done
run 0 -h
contains "Global flags" "$out" "migrate -h"
run 0 --version
contains "migrate 0." "$out" "migrate --version"

# --- usage errors: one error line, one hint line, exit 2, nothing else done
usage_error() { # usage_error "MESSAGE" ARGS...
	local message=$1; shift
	run 2 "$@"
	contains "migrate: error: $message" "$err" "migrate $*"
	contains "migrate: hint: " "$err" "migrate $*"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 2 ] || fail "migrate $*: expected 2 lines on stderr, got: $err"
	[ -z "$out" ] || fail "migrate $*: printed on stdout: $out"
}
usage_error "no command given"
usage_error 'unknown command "migrate"' migrate
usage_error "flag provided but not defined: -bogus" database --bogus
usage_error "flag provided but not defined: -config" database --config /x
usage_error "flag needs an argument: -to" database --to
usage_error "--from and --to are both pgx" database --from=pgx
usage_error 'invalid value "oracle" for flag -to: unknown database' database --to oracle
usage_error 'unexpected argument "now"' database now
usage_error "--verify changes nothing, so it cannot be combined with --drop-all" database --verify --drop-all

# --- configuration errors: exit 78, file and line named, password hidden --
cat >"$work/bad-quote.gcfg" <<CFG
[SQLite]
[Postgres]
URL = "postgres://rspm:$secret@db/pm
CFG
run 78 --config "$work/bad-quote.gcfg" database
contains "bad-quote.gcfg:3: unterminated quote" "$err" "unterminated quote"

cat >"$work/no-sqlite.gcfg" <<CFG
[Postgres]
URL = postgres://rspm:$secret@db/pm
CFG
run 78 --config "$work/no-sqlite.gcfg" database
contains "no-sqlite.gcfg: no [SQLite] section" "$err" "missing [SQLite]"

cat >"$work/bad-port.gcfg" <<CFG
[SQLite]
[Postgres]
URL = postgres://rspm:$secret@db:port/pm
CFG
run 78 --config "$work/bad-port.gcfg" database
contains "Postgres.URL ($work/bad-port.gcfg:3): the URL cannot be parsed: what follows the host's ':' is not a port number" "$err" "bad port"
not_contains "db:port" "$err" "an unparsable URL is not echoed"

run 78 --config "$work/absent.gcfg" database
contains "absent.gcfg: cannot open the configuration file: No such file or directory" "$err" "missing file"
run 78 --config "$work" database
contains "is a directory" "$err" "directory as config"

# --- a good configuration: the plan names everything, hides the password;
# the unreachable server is reported with the URL redacted -----------------
mkdir -p "$work/db"
/usr/bin/python3 -c 'import sqlite3, sys; [sqlite3.connect(f).execute("create table t(x)") for f in sys.argv[1:]]' \
	"$work/db/rstudio-pm.sqlite" "$work/db/rstudio-pm-usage.sqlite"
cat >"$work/good.gcfg" <<CFG
[Database]
Provider = sqlite
[SQLite]
Dir = $work/db
[Postgres]
URL = "postgres://rspm:$secret@127.0.0.1:1/rstudio_pm?sslmode=disable&search_path=pm&pool_max_conns=8"
UsageDataURL = postgres://rspm@127.0.0.1:1/rstudio_pm_usage?sslmode=disable
UsageDataPassword = $secret
CFG
run 1 --config "$work/good.gcfg" database --progress
contains "Migrate: SQLite (sqlite3) -> PostgreSQL (pgx)" "$out" "plan direction"
contains "$work/db/rstudio-pm.sqlite" "$out" "plan main source"
contains "$work/db/rstudio-pm-usage.sqlite" "$out" "plan usage source"
contains "postgres://rspm:xxxxx@127.0.0.1:1/rstudio_pm" "$out" "plan main target"
contains "options=-c search_path=..." "$out" "plan translated search_path, its value hidden"
contains "password: Postgres.UsageDataPassword" "$out" "plan password source"
contains "ignoring pool_max_conns=8" "$err" "notice for pgx setting"
contains "cannot connect to the PostgreSQL main database postgres://rspm:xxxxx@127.0.0.1:1/rstudio_pm" "$err" "connect error"
contains "Connection refused" "$err" "connect error cause"
contains "nothing was committed" "$err" "connect error outcome"

PACKAGEMANAGER_POSTGRES_PASSWORD=$secret run 1 --config "$work/good.gcfg" database --from=pgx --to=sqlite3
contains "Migrate: PostgreSQL (pgx) -> SQLite (sqlite3)" "$out" "reverse plan"
contains "password: PACKAGEMANAGER_POSTGRES_PASSWORD" "$out" "env password source"
contains "cannot connect to the PostgreSQL main database postgres://rspm:xxxxx@127.0.0.1:1/rstudio_pm" "$err" "reverse direction reads PostgreSQL"
not_contains "$secret" "$err" "reverse direction hides the password"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all CLI checks passed"
