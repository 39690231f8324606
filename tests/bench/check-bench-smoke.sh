#!/bin/bash
# Smoke test of the benchmark: run-bench.sh --quick must run every
# measurement (migrate, pgloader, the hand pipeline) on a small dataset with
# the build-tree migrate (MIGRATE_BIN), check every tool's row counts, exit
# 0, and print the three figures compared with the issue's targets.  No
# speed threshold: the machine is shared and noisy; PASS or MISS both do.
# A missing pgloader is installed by run-bench.sh (as root) or fails it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

[ -n "${MIGRATE_BIN:-}" ] || { echo "check-bench-smoke: MIGRATE_BIN is not set" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$here/run-bench.sh" --quick 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
failed=0
if [ "$status" -ne 0 ]; then
	echo "check-bench-smoke: run-bench.sh --quick exited with status $status, expected 0" >&2
	failed=1
fi
num='[0-9]+\.[0-9]+'
for re in \
	"^  RATIO migrate full \(with verification\) / pgloader wall: $num \(target <= 0\.45\) (PASS|MISS)$" \
	"^  RATIO migrate copy phase / hand pipeline wall: $num \(target <= 0\.60\) (PASS|MISS)$" \
	"^  RSS migrate peak resident set size: $num MiB \(target <= 64 MiB \+ largest value $num MiB = $num MiB\) (PASS|MISS)$" \
	"^  main: keys, indexes, foreign keys, sequences +$num s" \
	"^  usage: verify +$num s" \
	"^  RATIO reverse copy phase / hand pipeline wall: $num \(target <= 1\.00\) (PASS|MISS)$" \
	"^  RATIO reverse full \(with verification\) / hand pipeline wall: $num \(target <= 2\.00\) (PASS|MISS)$" \
	"^  RSS reverse migrate peak resident set size: $num MiB \(target <= 64 MiB\) (PASS|MISS)$" \
	"^bench: all measurements ran and every tool loaded the source's row counts$"; do
	if ! grep -Eq "$re" "$out"; then
		echo "check-bench-smoke: no line matching: $re" >&2
		failed=1
	fi
done
# Each tool's row count matched the source (the "match" column).
for tool in 'migrate \(copy' 'pgloader \(' 'hand pipeline \(' 'reverse: migrate \(copy' 'reverse: hand pipeline \('; do
	if ! grep -Eq "^$tool.* 39334 +yes " "$out"; then
		echo "check-bench-smoke: no result line with 39334 matching rows for: $tool" >&2
		failed=1
	fi
done
exit $failed
