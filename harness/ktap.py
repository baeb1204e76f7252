#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the test results in one section of a QEMU console log.

  harness/ktap.py LOG SECTION

SECTION is the text between "mk-harness: begin SECTION" and
"mk-harness: end SECTION" (KUnit's debugfs results, or run_kselftest.sh
output).  Nesting is read from KTAP indentation (four spaces) and from the
"# " prefix run_kselftest.sh puts before a test's own output.  Only leaf
results count: a result line directly preceded by a deeper one sums up its
subtests and is not counted again, unless it failed while all its subtests
passed (the test crashed or was killed after them).  A top-level plan ("1..N") that has
fewer results than it announced counts the missing ones as failed (the
test crashed or hung).  A section that is missing or has no result fails.

Prints every failed test, then one line "P F S" (passed, failed, skipped).
"""
import re
import sys

RESULT = re.compile(r"^(not ok|ok)\s+\d+\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(\S+).*)?$")
PLAN = re.compile(r"^1\.\.(\d+)")


def depth_of(line):
    d = 0
    while True:
        if line.startswith("    "):
            line = line[4:]
        elif line.startswith("# "):
            line = line[2:]
        elif line.startswith("\t"):
            line = line[1:]
        else:
            return d, line
        d += 1


def main():
    log, section = sys.argv[1], sys.argv[2]
    try:
        text = open(log, errors="replace").read().replace("\r", "")
    except OSError as e:
        print("ktap: %s" % e)
        print("0 1 0")
        return
    m = re.search(r"^mk-harness: begin %s\n(.*?)^mk-harness: end %s$" %
                  (re.escape(section), re.escape(section)), text, re.S | re.M)
    if not m:
        print("ktap: %s: no complete '%s' section (guest crashed or hung?)"
              % (log, section))
        print("0 1 0")
        return

    results, planned = [], 0
    for raw in m.group(1).splitlines():
        d, line = depth_of(raw)
        p = PLAN.match(line)
        if p and d == 0:
            planned += int(p.group(1))
            continue
        r = RESULT.match(line)
        if r:
            results.append((d, r.group(1) == "ok", r.group(2),
                            (r.group(3) or "").upper()))

    passed = failed = skipped = 0
    failed_leaf = []
    for i, (d, ok, name, directive) in enumerate(results):
        children = []
        for j in range(i - 1, -1, -1):
            if results[j][0] <= d:
                break
            children.append(j)
        if children:
            # A parent only sums up; but one that failed although none of
            # its subtests did crashed or was killed after them.
            if not ok and directive not in ("SKIP", "TODO", "XFAIL") and \
                    not any(failed_leaf[j] for j in children):
                failed += 1
                print("ktap: %s: FAILED %s (after its subtests)" % (section, name))
            failed_leaf.append(not ok)
            continue
        failed_leaf.append(not ok and directive not in ("SKIP", "TODO", "XFAIL"))
        if directive in ("SKIP", "TODO", "XFAIL"):
            skipped += 1
        elif ok:
            passed += 1
        else:
            failed += 1
            print("ktap: %s: FAILED %s" % (section, name))
    top = sum(1 for r in results if r[0] == 0)
    if top < planned:
        print("ktap: %s: %d of %d planned tests never reported (crash?)"
              % (section, planned - top, planned))
        failed += planned - top
    if not results:
        print("ktap: %s: no test results" % section)
        failed += 1
    print("%d %d %d" % (passed, failed, skipped))


if __name__ == "__main__":
    main()
