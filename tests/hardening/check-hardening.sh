#!/bin/bash
# The installed migrate is setgid: check with readelf that the built binary
# carries the hardening meson.build asks for (issue 7, item 9).
# Usage: check-hardening.sh PATH-TO-MIGRATE FORTIFY [cet]
#   FORTIFY is "true" when the build defines _FORTIFY_SOURCE (optimized and
#   not under AddressSanitizer, see meson.build), else "false"; "cet" when the
#   compiler supports -fcf-protection.
set -uo pipefail

binary=$1
fortify=$2
failures=0
fail() { echo "FAIL: $binary: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

header=$(readelf --file-header --wide "$binary") || { echo "FAIL: readelf cannot read $binary"; exit 1; }
dynamic=$(readelf --dynamic --wide "$binary")
segments=$(readelf --segments --wide "$binary")
symbols=$(readelf --dyn-syms --wide "$binary")

# PIE: a position-independent executable is ET_DYN and says PIE in FLAGS_1
# (a shared library is ET_DYN too, without that flag).
if grep -Eq 'Type:[[:space:]]+DYN' <<<"$header" && grep -Eq '\(FLAGS_1\).*\bPIE\b' <<<"$dynamic"; then
	ok "PIE (ET_DYN with DF_1_PIE)"
else
	fail "not a PIE (needs ET_DYN and DF_1_PIE): build with b_pie=true"
fi

# Full RELRO: a GNU_RELRO segment, and every symbol bound at start-up so the
# GOT can be made read-only (-z relro -z now).
if grep -q 'GNU_RELRO' <<<"$segments"; then ok "GNU_RELRO segment"; else fail "no GNU_RELRO segment (-Wl,-z,relro)"; fi
if grep -Eq '\(FLAGS\).*\bBIND_NOW\b' <<<"$dynamic" && grep -Eq '\(FLAGS_1\).*\bNOW\b' <<<"$dynamic"; then
	ok "BIND_NOW"
else
	fail "no BIND_NOW (-Wl,-z,now)"
fi

# Stack protector: functions with arrays call __stack_chk_fail on a smashed canary.
if grep -Eq '[[:space:]]__stack_chk_fail(@|$)' <<<"$symbols"; then
	ok "__stack_chk_fail (stack protector)"
else
	fail "no __stack_chk_fail: not built with -fstack-protector-strong"
fi

# FORTIFY: glibc's checked variants (__snprintf_chk, __memcpy_chk, ...).
chk=$(grep -Eo '[[:space:]]__[a-z0-9_]+_chk(@|$)' <<<"$symbols" | grep -v __stack_chk_fail | tr -d ' \t@' | sort -u | tr '\n' ' ')
if [ "$fortify" = true ]; then
	if [ -n "$chk" ]; then ok "FORTIFY: $chk"; else fail "no *_chk symbols: not built with -D_FORTIFY_SOURCE"; fi
else
	echo "# this build type has no FORTIFY (unoptimized or AddressSanitizer: see meson.build); *_chk: ${chk:-none}"
fi

# Intel CET (-fcf-protection) where the compiler supports it.  Debian's crt1.o
# carries no IBT/SHSTK property, so the linked binary has none whatever we
# do; what the flag puts into our code is an endbr64 at each function entry.
if [ "${3:-}" = cet ]; then
	first=$(objdump -d --no-show-raw-insn --disassemble=main "$binary" | grep -A1 '<main>:' | tail -1)
	if grep -q endbr64 <<<"$first"; then
		ok "CET: main() starts with endbr64 (-fcf-protection)"
	else
		fail "main() does not start with endbr64: not built with -fcf-protection (first instruction: $first)"
	fi
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures hardening check(s) failed"
	exit 1
fi
echo "all hardening checks passed"
