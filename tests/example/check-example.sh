#!/bin/bash
# The README's example must keep working and do what it says: run it and
# check what a user reads, not only its exit status.
set -uo pipefail
out=$("$(dirname "$0")/run-example.sh" 2>&1)
status=$?
fail() { echo "FAIL: $*"; printf '%s\n' "$out" | tail -40; exit 1; }
[ "$status" -eq 0 ] || fail "run-example.sh exited $status"
grep -q '^migrate: success: main and usage databases, 11 tables, [0-9]* rows copied, verified value by value and committed\.$' <<<"$out" ||
	fail "no success verdict for both databases"
grep -q 'verify usage.package_downloads: 3000/3000 rows' <<<"$out" || fail "the usage table was not verified"
grep -q 'postgres://migrate_test:xxxxx@' <<<"$out" || fail "the plan does not show the target with its password hidden"
echo "example ok"
