#!/bin/bash
# Install what is missing, build (warnings fatal), run the whole test suite,
# then run the unit, CLI and PostgreSQL tests again under ASan+UBSan, then
# the fuzz targets for a bounded time (clang, libFuzzer).
# Ends with the real totals from meson's logs: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

tests/install-deps.sh

setup() { # setup DIR [meson options...]
	local dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" -Dwerror=true "$@" >/dev/null
	else
		meson setup "$dir" -Dwerror=true "$@" >/dev/null
	fi
	ninja -C "$dir"
}

setup build-tests
setup build-sanitize -Db_sanitize=address,undefined -Dbuildtype=debug

# Each run may fail; the totals below decide the exit status.
meson test -C build-tests --print-errorlogs --num-processes 2 || true
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C build-sanitize --print-errorlogs --num-processes 2 \
	--suite unit --suite cli --suite postgres --suite hardening || true

# The fuzz targets under clang's libFuzzer, each for a bounded time (see
# tests/fuzz/meson.build); their own build directory, counted in the totals.
rm -f build-fuzz/meson-logs/testlog.json
if tests/fuzz/fuzz.sh --build-only; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C build-fuzz --no-rebuild --print-errorlogs --num-processes 2 --suite fuzz || true
else
	echo "run-tests: the fuzz build (build-fuzz, clang) failed" >&2
fi

tests/meson-totals.py build-tests build-sanitize build-fuzz
