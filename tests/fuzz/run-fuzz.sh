#!/bin/bash
# Run one libFuzzer target for a bounded time from its seed corpus; exit
# non-zero on any finding (crash, sanitizer report, leak, broken property,
# timeout, out of memory), which is then kept in FINDINGS-DIR.
# Usage: run-fuzz.sh FUZZER SEED-CORPUS-DIR FINDINGS-DIR [SECONDS]
# SECONDS defaults to $MIGRATE_FUZZ_SECONDS, else 60.
set -euo pipefail
fuzzer=$(realpath "$1") seeds=$(realpath "$2") findings=$3
seconds=${4:-${MIGRATE_FUZZ_SECONDS:-60}}
name=$(basename "$fuzzer")

n_seeds=$(find "$seeds" -maxdepth 1 -type f 2>/dev/null | wc -l)
if [ "$n_seeds" -eq 0 ]; then
	echo "$name: no seed corpus in $seeds" >&2
	exit 1
fi
mkdir -p "$findings"
# New inputs go to a scratch directory (the first one named), never into the tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "$name: fuzzing for $seconds s from $n_seeds seeds in $seeds"
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
	-print_final_stats=1 -artifact_prefix="$findings/$name-" "$work" "$seeds" || status=$?
if [ "$status" -ne 0 ]; then
	echo "$name: FINDING (exit status $status): the input is in $findings/ (the newest $name-* file)."
	echo "Reproduce: $fuzzer FILE; once fixed, add FILE to $seeds as a regression seed."
	exit 1
fi
echo "$name: no finding in $seconds s"
