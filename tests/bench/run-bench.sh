#!/bin/bash
# run-bench.sh [--usage-rows N | --quick] [--dataset sample|wide|both]
#              [--no-scaling | --scaling-20m | --scaling-only] [--keep] ...
#
# Benchmarks `migrate database` (copy + indexes + verification) against
# Debian's pgloader and a hand `sqlite3 -csv | psql \copy` pipeline, on two
# generated Package Manager datasets (the sample and a wide one with text
# keys; 2,000,000 usage rows by default, 20,000 with --quick) and one
# throwaway PostgreSQL server, and prints wall time, peak RSS, row counts,
# the breakdown by phase, the scaling line and the ratios against the
# issue's targets.  bench.py --help lists every option.
#
# As root on a fresh Debian 12 machine it installs what is missing
# (pgloader, time, sqlite3 and the build dependencies; apt-get only runs when
# something is missing) and builds migrate in release mode in build-bench/.
# MIGRATE_BIN=path skips the build and measures that binary instead.
#
# Exit status: 0 when every measurement ran and every tool loaded the
# source's row counts; 1 otherwise.  PASS/MISS against the targets is
# information only.  The details are in tests/bench/README.md and bench.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

for a in "$@"; do
	case $a in
	-h | --help) exec /usr/bin/python3 "$here/bench.py" --help ;;
	esac
done

# The build and server dependencies (instant when all are there).
"$top/tests/install-deps.sh"

# What the benchmark itself runs.
missing=()
for p in pgloader time sqlite3; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "run-bench: missing packages: ${missing[*]}; run this as root (sudo)" >&2
		exit 1
	fi
	echo "run-bench: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Wait for the dpkg lock rather than fail if another installer holds it.
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -z "${MIGRATE_BIN:-}" ]; then
	build=$top/build-bench
	if [ -d "$build" ]; then
		meson setup --reconfigure "$build" -Dbuildtype=release >/dev/null
	else
		meson setup "$build" -Dbuildtype=release >/dev/null
	fi
	ninja -C "$build" >/dev/null
	MIGRATE_BIN=$build/src/migrate
fi
MIGRATE_BIN=$(readlink -f -- "$MIGRATE_BIN")
export MIGRATE_BIN

exec "$top/tests/harness/with-postgres.sh" /usr/bin/python3 "$here/bench.py" "$@"
