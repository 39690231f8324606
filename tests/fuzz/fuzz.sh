#!/bin/bash
# Set up the fuzz build (clang, libFuzzer, ASan+UBSan) in build-fuzz/ and run
# fuzz targets, each for SECONDS (default 600), from its seed corpus.
# Findings are kept in build-fuzz/tests/fuzz/findings/.
#
#   tests/fuzz/fuzz.sh [SECONDS [TARGET...]]   e.g. tests/fuzz/fuzz.sh 3600 pgurl
#   tests/fuzz/fuzz.sh --build-only           what tests/run-tests.sh uses
#
# Targets: the fuzz-*.c files next to this script.  Exits non-zero when the
# build fails or any target has a finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=build-fuzz

# The flags: clang, both sanitizers, and no -Wl,--no-undefined (which
# clang's sanitizer runtimes do not satisfy at link time).
options=(-Dwerror=true '-Db_sanitize=address,undefined' -Db_lundef=false -Dbuildtype=debugoptimized)
if [ -d "$dir" ]; then
	meson setup --reconfigure "$dir" "${options[@]}" >/dev/null
else
	CC=clang meson setup "$dir" "${options[@]}" >/dev/null
fi
# Only the fuzz targets: the rest of the project is built and tested by gcc.
ninja -C "$dir" fuzzers
[ "${1:-}" = --build-only ] && exit 0

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz-*.c; do
		t=${f##*/fuzz-}
		targets+=("${t%.c}")
	done
fi
failed=()
for t in "${targets[@]}"; do
	tests/fuzz/run-fuzz.sh "$dir/tests/fuzz/fuzz-$t" "tests/fuzz/corpus/$t" "$dir/tests/fuzz/findings" "$seconds" ||
		failed+=("$t")
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzz: findings in: ${failed[*]}"
	exit 1
fi
echo "fuzz: no finding in ${targets[*]} ($seconds s each)"
