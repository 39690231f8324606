#!/usr/bin/python3
"""Print the real totals of one or more meson test runs, read from their
meson-logs/testlog.json files: 'N passed, N failed' (', N skipped' when some
were skipped).  Exits non-zero when anything failed or was skipped, or when
a build directory ran no test at all: a skipped test is not a pass."""
import json
import sys

passed = failed = skipped = 0
for build_dir in sys.argv[1:]:
    ran = 0
    try:
        with open(f"{build_dir}/meson-logs/testlog.json", encoding="utf-8") as log:
            for line in log:
                if not line.strip():
                    continue
                ran += 1
                result = json.loads(line)["result"]
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:  # FAIL, ERROR, TIMEOUT, UNEXPECTEDPASS, INTERRUPT
                    failed += 1
    except FileNotFoundError:
        pass
    # Every build directory named must have run something: a build that
    # failed, or tests that silently vanished, count as one failure.
    if not ran:
        print(f"{build_dir}: no test ran (did it build?): counted as failed", file=sys.stderr)
        failed += 1

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(0 if passed and not failed and not skipped else 1)
