#!/bin/bash
# Test of with-postgres.sh against a real server:
#   - two copies in parallel, one whose command succeeds and one whose command
#     exits 3: during the command the server answers over TCP with the
#     percent-encoded URL and over the socket as superuser; afterwards the
#     exit status is passed through and the server and its directory are gone;
#   - SIGTERM to the process group while the command runs (as meson's timeout
#     does): exit 143 and the same cleanup;
#   - SIGKILL to the process group (meson's timeout, 0.5 s after SIGTERM): the
#     harness cannot clean up itself, its reaper must;
#   - a server that cannot start: non-zero (not 77), log shown, command not run;
#   - no arguments: usage error, exit 2.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd)
wp=$here/with-postgres.sh

# /tmp rather than $TMPDIR: the harness needs a short path that the postgres
# user can traverse, and we point its TMPDIR at $work/tmp to see leftovers.
work=$(mktemp -d /tmp/check-with-postgres.XXXXXX)
groups=() # process groups of harnesses started in their own session

# If a case failed, a harness may still be running: end it and give it (or
# its reaper) time to stop its server before its directory goes.
finish() {
    local g
    for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
    for _ in $(seq 100); do
        [[ -z $(ls -A "$work/tmp" 2>/dev/null) ]] && break
        sleep 0.1
    done
    rm -rf -- "$work"
}
trap finish EXIT
chmod 0711 "$work"
mkdir -m 0711 "$work/tmp"
export WORK=$work

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    local f
    for f in "$work"/*.out; do
        [[ -s $f ]] || continue
        printf -- '--- %s ---\n' "${f##*/}" >&2
        tail -n 40 "$f" >&2
    done
    exit 1
}

# The command run inside the harness: NAME EXIT_STATUS [SLEEP_SECONDS].
# It checks what it was given and records where the server was.
cat >"$work/inner.sh" <<'INNER'
#!/bin/bash
set -euo pipefail
name=$1 status=$2 nap=${3:-0}
bad() { printf 'inner(%s): %s\n' "$name" "$*" >&2; exit 90; }

for v in MIGRATE_TEST_PGHOST MIGRATE_TEST_PGPORT MIGRATE_TEST_PGSOCKET \
    MIGRATE_TEST_PGUSER MIGRATE_TEST_PGPASSWORD MIGRATE_TEST_PGDATABASE \
    MIGRATE_TEST_PGDATABASE_USAGE MIGRATE_TEST_PG_URL MIGRATE_TEST_PG_USAGE_URL \
    MIGRATE_TEST_PSQL MIGRATE_TEST_PGBIN MIGRATE_TEST_PGDATA; do
    [[ -n ${!v:-} ]] || bad "$v is not set"
done
[[ $MIGRATE_TEST_PGHOST == 127.0.0.1 ]] || bad "PGHOST is $MIGRATE_TEST_PGHOST"
[[ $MIGRATE_TEST_PGPASSWORD == 's3cr%t:p@ss/wörd&=?' ]] || bad "unexpected password"
[[ $MIGRATE_TEST_PG_URL == *%25*%3A*%40*%2F*%C3%B6*%26*%3D*%3F@127.0.0.1:$MIGRATE_TEST_PGPORT/migrate_test ]] ||
    bad "URL does not percent-encode the password: $MIGRATE_TEST_PG_URL"
psql=$MIGRATE_TEST_PGBIN/psql
port=$MIGRATE_TEST_PGPORT

# TCP with the password taken from the URL (proves the percent-encoding).
got=$("$psql" -X -w -At "$MIGRATE_TEST_PG_URL" -c 'select 1')
[[ $got == 1 ]] || bad "select 1 over the URL gave '$got'"
got=$("$psql" -X -w -At "$MIGRATE_TEST_PG_URL" \
    -c 'select current_user, current_database(), inet_server_addr()')
[[ $got == 'migrate_test|migrate_test|127.0.0.1' ]] || bad "URL session is '$got'"
got=$("$psql" -X -w -At "$MIGRATE_TEST_PG_USAGE_URL" -c 'select current_database()')
[[ $got == migrate_test_usage ]] || bad "usage URL session is '$got'"
# The same password given unencoded through libpq's own variable.
got=$(PGPASSWORD=$MIGRATE_TEST_PGPASSWORD "$psql" -X -w -At -h "$MIGRATE_TEST_PGHOST" \
    -p "$port" -U "$MIGRATE_TEST_PGUSER" -d "$MIGRATE_TEST_PGDATABASE" -c 'select 2')
[[ $got == 2 ]] || bad "PGPASSWORD login gave '$got'"
# TCP really checks the password (scram), it is not trust.
if out=$(PGPASSWORD=wrong "$psql" -X -w -At \
    "postgres://migrate_test@127.0.0.1:$port/migrate_test" -c 'select 1' 2>&1); then
    bad "a wrong password was accepted"
fi
[[ $out == *'password authentication failed'* ]] || bad "wrong password: unexpected error: $out"
# The role can create databases (tests make scratch ones).
"$psql" -X -w -q "$MIGRATE_TEST_PG_URL" -c 'create database scratch' -c 'drop database scratch'

# Superuser over the socket; the trailing word is taken as the database.
# shellcheck disable=SC2086 # MIGRATE_TEST_PSQL is a command prefix by design
got=$($MIGRATE_TEST_PSQL -At -c "select current_user, current_database(),
    current_setting('fsync'), current_setting('listen_addresses'),
    current_setting('max_connections')::int >= 50, current_setting('server_encoding'),
    current_setting('data_directory')" migrate_test)
[[ $got == "postgres|migrate_test|off|127.0.0.1|t|UTF8|$MIGRATE_TEST_PGDATA" ]] ||
    bad "superuser session/settings are '$got'"
[[ -S $MIGRATE_TEST_PGSOCKET/.s.PGSQL.$port ]] || bad "no socket in $MIGRATE_TEST_PGSOCKET"

pid=$(head -n 1 "$MIGRATE_TEST_PGDATA/postmaster.pid")
pgid=$(($(cut -d' ' -f5 /proc/self/stat)))  # our process group (field 5)
{
    echo "port=$port"
    echo "data=$MIGRATE_TEST_PGDATA"
    echo "sock=$MIGRATE_TEST_PGSOCKET"
    echo "pid=$pid"
    echo "pgid=$pgid"
} >"$WORK/$name.rec.tmp"
mv "$WORK/$name.rec.tmp" "$WORK/$name.rec"

if ((nap > 0)); then sleep "$nap"; fi
exit "$status"
INNER
chmod +x "$work/inner.sh"

rec() { sed -n "s/^$2=//p" "$work/$1.rec"; }

# The server that ran case NAME must be entirely gone.
assert_gone() {
    local name=$1 port data pid state
    [[ -f $work/$name.rec ]] || fail "$name: the command did not record its server"
    port=$(rec "$name" port) data=$(rec "$name" data) pid=$(rec "$name" pid)
    [[ $data == "$work/tmp/"* ]] || fail "$name: data dir $data is not under the TMPDIR given"
    [[ ! -e $data && ! -e ${data%/data} ]] || fail "$name: ${data%/data} still exists"
    # Dead, or a zombie not yet reaped by init, is fine; running is not.
    state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null || true)
    if [[ -n $state && $state != Z ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$data"; then
        fail "$name: postmaster $pid is still running"
    fi
    if pgrep -f -- "$data" >/dev/null; then
        fail "$name: processes still mention $data: $(pgrep -af -- "$data")"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        fail "$name: port $port still accepts connections"
    fi
}

start=$SECONDS

# 1. Two harnesses in parallel: exit 0 and exit 3.
TMPDIR=$work/tmp "$wp" "$work/inner.sh" ok 0 >"$work/ok.out" 2>&1 &
p_ok=$!
TMPDIR=$work/tmp "$wp" "$work/inner.sh" fail 3 >"$work/fail.out" 2>&1 &
p_fail=$!
rc_ok=0 rc_fail=0
wait "$p_ok" || rc_ok=$?
wait "$p_fail" || rc_fail=$?
((rc_ok == 0)) || fail "succeeding command: with-postgres.sh exited $rc_ok, expected 0"
((rc_fail == 3)) || fail "command exiting 3: with-postgres.sh exited $rc_fail, expected 3"
[[ $(rec ok port) != "$(rec fail port)" ]] || fail "parallel servers share port $(rec ok port)"
assert_gone ok
assert_gone fail
echo "ok - success and failure (exit 3) in parallel, servers removed"

# Start the harness in its own process group with a command that records its
# server and sleeps; return once it has recorded.  Sets $bg.
start_sleeper() {
    local name=$1
    TMPDIR=$work/tmp setsid -w "$wp" "$work/inner.sh" "$name" 0 60 >"$work/$name.out" 2>&1 &
    bg=$!
    for _ in $(seq 600); do
        if [[ -f $work/$name.rec ]]; then
            groups+=("$(rec "$name" pgid)")
            return 0
        fi
        kill -0 "$bg" 2>/dev/null || break
        sleep 0.1
    done
    fail "$name: the command never started"
}

# 2. SIGTERM to the whole process group while the command runs.
start_sleeper term
kill -TERM -- "-$(rec term pgid)"
rc_term=0
wait "$bg" || rc_term=$?
((rc_term == 143)) || fail "SIGTERM: with-postgres.sh exited $rc_term, expected 143"
assert_gone term
echo "ok - SIGTERM during the command: exit 143, server removed"

# 3. SIGKILL to the whole process group: the reaper cleans up, shortly after.
start_sleeper kill
kill -KILL -- "-$(rec kill pgid)"
{ wait "$bg"; } 2>/dev/null || true
for _ in $(seq 100); do
    [[ -e $(rec kill data) ]] || break
    sleep 0.1
done
assert_gone kill
echo "ok - SIGKILL during the command: the reaper removed the server"

# 4. A server that cannot start is a failure, and the command never runs.
rc_bad=0
WITH_POSTGRES_CONF="shared_buffers = 'bogus'" TMPDIR=$work/tmp \
    "$wp" touch "$work/ran" >"$work/bad.out" 2>&1 || rc_bad=$?
((rc_bad != 0 && rc_bad != 77)) || fail "failed start: with-postgres.sh exited $rc_bad"
[[ ! -e $work/ran ]] || fail "failed start: the command ran anyway"
grep -q 'invalid value for parameter "shared_buffers"' "$work/bad.out" ||
    fail "failed start: the server log was not shown"
echo "ok - a server that cannot start fails (exit $rc_bad) with its log"

# 5. Usage error.
rc_usage=0
"$wp" >"$work/usage.out" 2>&1 || rc_usage=$?
((rc_usage == 2)) || fail "no arguments: exit $rc_usage, expected 2"
echo "ok - no arguments: usage, exit 2"

leftover=$(ls -A "$work/tmp")
[[ -z $leftover ]] || fail "left behind in TMPDIR: $leftover"
echo "ok - nothing left behind ($((SECONDS - start))s)"
