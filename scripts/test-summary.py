#!/usr/bin/env python3
"""scripts/test-summary.py — the closing lines of scripts/test.sh, from ctest's JUnit files.

Usage: test-summary.py TIER=JUNIT...   (TIER: what scripts/test.sh calls the tier; JUNIT: the file
`ctest --output-junit` wrote for it, with --test-output-size-passed large enough to hold a test's
whole output)

For each tier, "TIER: N passed, M failed, K skipped" over ctest's tests (a test that exited 77 is
skipped, see SKIP_RETURN_CODE in tests/CMakeLists.txt) and how many cases the passing tests
skipped, then every skip with its reason: whole
tests that skipped, and the cases skipped inside tests that passed (testlib's "ok N # skip what
(why)", "1..0 # SKIP why"; a unit test's "# skip NAME: why" and cmocka's "[  SKIPPED ] NAME"; of
another skipped test, its last line). The last line is the total, "total: N passed, M failed, K
skipped". A tier whose JUnit file is missing or unreadable counts one failure. Exit status: 0, or 2
on a usage error (scripts/test.sh decides its own).
"""
import re
import sys
import xml.etree.ElementTree as ET

SKIP_LINE = re.compile(r"^ok \d+ # skip (.*)$|^1\.\.0 # SKIP (.*)$|^# skip (.*)$")
CMOCKA_COUNT = re.compile(r"^\[  SKIPPED \] (\d+) test\(s\), listed below:$")
CMOCKA_NAME = re.compile(r"^\[  SKIPPED \] (\S+)$")


def skips_in(output):
    """The skip reasons a test printed, one per skipped case, and how many cases it skipped."""
    reasons, named, counted = [], [], 0
    for line in output.splitlines():
        m = SKIP_LINE.match(line)
        if m:
            reasons.append(next(g for g in m.groups() if g is not None))
            continue
        m = CMOCKA_COUNT.match(line)
        if m:
            counted = int(m.group(1))
            continue
        m = CMOCKA_NAME.match(line)
        if m:
            named.append(m.group(1))
    # cmocka names its skipped cases; a case that said why ("# skip NAME: why") is listed once.
    for name in dict.fromkeys(named):
        if not any(r.startswith(name + ":") for r in reasons):
            reasons.append(name + ": (no reason given)")
    return reasons, max(counted, len(reasons))


def tier(name, path):
    """(passed, failed, skipped, lines to print) for one tier's JUnit file."""
    try:
        cases = ET.parse(path).getroot().iter("testcase")
    except (OSError, ET.ParseError) as e:
        return 0, 1, 0, [f"{name}: 0 passed, 1 failed, 0 skipped", f"{name}: no JUnit from ctest ({e})"]
    passed = failed = skipped = skipped_cases = 0
    notes = []
    for c in cases:
        test = c.get("name", "?")
        out = c.findtext("system-out") or ""
        status = c.get("status")
        reasons, n = skips_in(out)
        if status == "notrun" and c.find("skipped") is not None:
            skipped += 1
            notes.append(f"  {test}: skipped")
            if not reasons:  # not testlib's: its last line, likely the reason, else ctest's
                last = [line for line in out.splitlines() if line.strip()][-1:]
                reasons = last or [c.find("skipped").get("message") or "no reason given"]
        elif status == "run":
            passed += 1
            if n:
                skipped_cases += n
                notes.append(f"  {test}: passed, {n} case(s) skipped")
        else:
            failed += 1
            continue
        notes.extend(f"    {r}" for r in reasons)
    lines = [f"{name}: {passed} passed, {failed} failed, {skipped} skipped"]
    if skipped_cases:
        lines[0] += f" (and {skipped_cases} case(s) skipped in tests that passed)"
    if notes:
        lines.append(f"skipped in {name}:")
        lines.extend(notes)
    return passed, failed, skipped, lines


def main(argv):
    if not argv or any("=" not in a for a in argv):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    total = [0, 0, 0]
    body = []
    for arg in argv:
        name, path = arg.rsplit("=", 1)
        p, f, s, lines = tier(name, path)
        total = [total[0] + p, total[1] + f, total[2] + s]
        body.append(lines)
    for lines in body:  # the tier lines first, then what each skipped
        print(lines[0])
    for lines in body:
        for line in lines[1:]:
            print(line)
    print(f"total: {total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
