#!/bin/bash
# with-postgres.sh COMMAND [ARGS...]
#
# Runs COMMAND against a throwaway, real PostgreSQL server and removes the
# server afterwards, whatever happens.  Exits with COMMAND's exit status.
#
# The server lives in a fresh temporary directory, listens on 127.0.0.1 on a
# free port and on a unix socket inside that directory.  COMMAND sees:
#
#   MIGRATE_TEST_PGHOST=127.0.0.1
#   MIGRATE_TEST_PGPORT          TCP port (the socket uses the same number)
#   MIGRATE_TEST_PGSOCKET        directory holding the unix socket
#   MIGRATE_TEST_PGUSER=migrate_test          password login role, CREATEDB
#   MIGRATE_TEST_PGPASSWORD      its password (has % : @ / ö & = ? in it)
#   MIGRATE_TEST_PGDATABASE=migrate_test      owned by migrate_test
#   MIGRATE_TEST_PGDATABASE_USAGE=migrate_test_usage   owned by migrate_test
#   MIGRATE_TEST_PG_URL          postgres://migrate_test:<%-encoded>@127.0.0.1:PORT/migrate_test
#   MIGRATE_TEST_PG_USAGE_URL    the same for migrate_test_usage
#   MIGRATE_TEST_PSQL            command prefix: psql as superuser "postgres"
#                                over the socket (trust); add -c/-f/-d ...
#   MIGRATE_TEST_PGBIN           the PostgreSQL bin directory used
#   MIGRATE_TEST_PGDATA          the data directory (for information)
#
# Authentication: unix socket trust, TCP 127.0.0.1 scram-sha-256 only.
# When run as root, the server runs as the "postgres" system user (postgres
# refuses to run as root) and the temporary directory belongs to it, so the
# socket is only usable by root and postgres; other users must use TCP.
#
# WITH_POSTGRES_CONF, if set, is appended to postgresql.conf (extra settings
# for a test, or a broken setting to test a failing start).
#
# A server that cannot be started is an error (exit 1, server log printed),
# never a skip: a test that cannot get its server must fail.

set -euo pipefail

prog=with-postgres
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }

# WITH_POSTGRES_REAP_* are set only when this script starts itself as the
# reaper (see below).
reap_dir=${WITH_POSTGRES_REAP_DIR:-}
reap_pid=${WITH_POSTGRES_REAP_PID:-}
unset WITH_POSTGRES_REAP_DIR WITH_POSTGRES_REAP_PID

if [[ $# -lt 1 && -z $reap_dir ]]; then
    printf 'usage: %s COMMAND [ARGS...]\n' "$0" >&2
    exit 2
fi

# Ambient libpq variables (PGHOST, PGPASSWORD, PGOPTIONS, ...) from the
# caller's shell would silently redirect our psql calls and the tests'
# connections; the MIGRATE_TEST_* variables are the only description.
for v in $(compgen -v PG || true); do unset "$v"; done

self=$(readlink -f -- "${BASH_SOURCE[0]}")
readonly password='s3cr%t:p@ss/wörd&=?'
readonly python=/usr/bin/python3

# The newest installed major version; PATH and /usr/bin wrappers are not used.
pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[[ -n $pgbin && -x $pgbin/initdb && -x $pgbin/pg_ctl && -x $pgbin/psql ]] ||
    die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
[[ -x $python ]] || die "$python is needed to pick a free port"

if [[ $(id -u) -eq 0 ]]; then
    # postgres refuses to run as root: run the server as the postgres user.
    getent passwd postgres >/dev/null ||
        die "running as root needs the 'postgres' system user to own the test server: apt-get install postgresql"
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
    is_root=1
    # migrate started by root runs its work as the service account, which a
    # Package Manager machine has: the tests' machine gets it too.
    "$(dirname "$0")/ensure-accounts.sh"
else
    as_pg() { "$@"; }
    is_root=0
fi

# A base directory is usable if the server user can reach it and the socket
# path inside stays short (unix socket paths are limited to ~107 bytes) and
# plain (it goes into postgresql.conf and an unquoted command prefix).
usable_base() {
    local b=$1
    [[ $b =~ ^/[A-Za-z0-9/._-]*$ ]] && ((${#b} <= 60)) && [[ -d $b && -w $b ]] || return 1
    if ((is_root)); then as_pg test -x "$b" || return 1; fi
}

tmp=''
data=''

# stop_server and cleanup run from the EXIT trap.
# shellcheck disable=SC2317
stop_server() {
    [[ -n $data && -d $data ]] || return 0
    # "immediate": the data is thrown away, so skip the shutdown checkpoint.
    # pg_ctl -w returns once the postmaster has removed its pid file, which
    # it does last, after all its children have exited.
    if [[ -f $data/postmaster.pid ]]; then
        as_pg "$pgbin/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 ||
            say "pg_ctl could not stop the server; killing it"
    fi
    # Whatever pg_ctl managed (half-started or hung server, pid file gone),
    # kill every process still working in our data directory before the
    # directory is deleted.  [[ -ef ]] is a builtin: no fork per process.
    local p left
    for _ in {1..50}; do
        left=0
        for p in /proc/[0-9]*; do
            if [[ $p/cwd -ef $data ]]; then
                kill -KILL "${p#/proc/}" 2>/dev/null || true
                left=1
            fi
        done
        ((left)) || return 0
        sleep 0.1
    done
    say "warning: processes in $data survived SIGKILL"
}

# shellcheck disable=SC2317
cleanup() {
    local rc=$?
    set +e
    trap '' INT TERM HUP # finish cleaning up even if interrupted again
    if [[ -n $tmp && -d $tmp ]]; then
        stop_server
        rm -rf -- "$tmp"
    fi
    exit "$rc"
}

# Reaper mode: wait until the script that started us has ended, however it
# ended, then remove whatever it left.  It runs in its own session, so the
# signals that end a test's process group do not reach it.
if [[ -n $reap_dir ]]; then
    [[ $reap_dir == */with-postgres.* && $reap_pid =~ ^[0-9]+$ ]] || die "bad reaper arguments"
    while kill -0 "$reap_pid" 2>/dev/null && [[ -d $reap_dir ]]; do sleep 0.5; done
    tmp=$reap_dir data=$reap_dir/data
    cleanup
fi

trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

base=${TMPDIR:-/tmp}
usable_base "$base" || base=/tmp
usable_base "$base" || die "cannot find a temporary directory the server user can use (tried \$TMPDIR and /tmp)"
tmp=$(mktemp -d "$base/with-postgres.XXXXXX")
data=$tmp/data
sock=$tmp/sock
log=$tmp/server.log
if ((is_root)); then chown postgres:postgres "$tmp"; fi

# Backstop for when our own cleanup cannot run to the end: meson's timeout
# sends SIGTERM to the test's process group and SIGKILL 0.5 s later, and the
# server, in its own session (pg_ctl), would survive us.  The reaper is this
# script again, in a new session, with no stdio held open.
WITH_POSTGRES_REAP_DIR=$tmp WITH_POSTGRES_REAP_PID=$$ \
    setsid "$self" </dev/null >/dev/null 2>&1 &
as_pg mkdir -m 0700 "$sock"

# --no-sync: the directory is thrown away, durability is pointless here.
if ! as_pg "$pgbin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync \
    >"$tmp/initdb.log" 2>&1; then
    cat "$tmp/initdb.log" >&2
    die "initdb failed"
fi

# Exactly the access we want, nothing inherited from initdb's defaults.
cat >"$data/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
EOF

# Fast and disposable: no durability, minimal WAL, nothing running in the
# background.  autovacuum is off so that no worker shows up in
# pg_stat_activity while a test checks for other connected clients.
# TimeZone is fixed so results do not depend on the machine.
cat >>"$data/postgresql.conf" <<EOF

# --- with-postgres.sh: throwaway test server ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
max_connections = 100
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
checkpoint_timeout = 30min
autovacuum = off
jit = off
timezone = 'UTC'
log_timezone = 'UTC'
lc_messages = 'C'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
if [[ -n ${WITH_POSTGRES_CONF:-} ]]; then
    printf '%s\n' "$WITH_POSTGRES_CONF" >>"$data/postgresql.conf"
fi

free_port() {
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The port is free when we ask, but another process (e.g. a parallel copy of
# this script) can take it before postgres binds it: retry on that clash only.
started=0
for attempt in 1 2 3 4 5 6 7 8; do
    port=$(free_port)
    rm -f -- "$log"
    if as_pg "$pgbin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -s -o "-p $port" \
        >"$tmp/pg_ctl.log" 2>&1; then
        started=1
        break
    fi
    grep -q 'Address already in use' "$log" 2>/dev/null || break
    say "port $port was taken meanwhile, retrying (attempt $attempt)"
done
if ((!started)); then
    cat "$tmp/pg_ctl.log" >&2
    say "server log:"
    cat "$log" >&2 2>/dev/null || true
    die "PostgreSQL server failed to start"
fi

psql_super=("$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres)

# The password goes in as a psql variable so that no quoting can break it;
# the client encoding is pinned so "ö" arrives as UTF-8 whatever the locale.
if ! PGCLIENTENCODING=UTF8 "${psql_super[@]}" -d postgres -v pw="$password" \
    >"$tmp/setup.log" 2>&1 <<'SQL'; then
CREATE ROLE migrate_test LOGIN CREATEDB PASSWORD :'pw';
CREATE DATABASE migrate_test OWNER migrate_test;
CREATE DATABASE migrate_test_usage OWNER migrate_test;
SQL
    cat "$tmp/setup.log" >&2
    die "could not create the migrate_test role and databases"
fi

# Percent-encode the password bytes for the URL (everything but unreserved).
pw_url=$(PW="$password" "$python" -c \
    'import os, urllib.parse; print(urllib.parse.quote_from_bytes(os.environb[b"PW"], safe=b""))')
url="postgres://migrate_test:$pw_url@127.0.0.1:$port/migrate_test"
usage_url="postgres://migrate_test:$pw_url@127.0.0.1:$port/migrate_test_usage"

# Prove the TCP + password path before handing over, so a harness problem is
# reported as one and not as a mysterious test failure.
if ! "$pgbin/psql" -X -w -q "$url" -c 'SELECT 1' >/dev/null 2>"$tmp/tcp.log"; then
    cat "$tmp/tcp.log" >&2
    say "server log:"
    cat "$log" >&2
    die "cannot connect over TCP as migrate_test with its password"
fi

export MIGRATE_TEST_PGHOST=127.0.0.1
export MIGRATE_TEST_PGPORT=$port
export MIGRATE_TEST_PGSOCKET=$sock
export MIGRATE_TEST_PGUSER=migrate_test
export MIGRATE_TEST_PGPASSWORD=$password
export MIGRATE_TEST_PGDATABASE=migrate_test
export MIGRATE_TEST_PGDATABASE_USAGE=migrate_test_usage
export MIGRATE_TEST_PG_URL=$url
export MIGRATE_TEST_PG_USAGE_URL=$usage_url
export MIGRATE_TEST_PSQL="${psql_super[*]}"
export MIGRATE_TEST_PGBIN=$pgbin
export MIGRATE_TEST_PGDATA=$data

# COMMAND runs in the foreground so it keeps the terminal, stdin and default
# signal dispositions; a signal to the process group (Ctrl-C, meson's
# timeout) reaches it and then our trap cleans up.
set +e
"$@"
rc=$?
set -e

if ((rc != 0)); then
    say "command exited with status $rc; last lines of the server log:"
    tail -n 30 "$log" >&2 || true
fi
exit "$rc"
