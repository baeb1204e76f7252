#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the test results in one section of a QEMU console log.

  harness/ktap.py LOG SECTION [--skip PATTERN]... [--expect NAME]...

SECTION is the text between "mk-harness: begin SECTION" and
"mk-harness: end SECTION" (KUnit's debugfs results, or run_kselftest.sh
output).  Nesting is read from KTAP indentation (four spaces) and from the
"# " prefix run_kselftest.sh puts before a test's own output.

It fails closed:
- Only leaf results count: a result line directly preceded by deeper ones
  sums them up and is not counted again, unless it failed while all of
  them passed (the test crashed or was killed after them).
- Every plan ("1..N"), at every depth, must be met: results missing from
  it count as failed (the test died or hung), and results beyond it as one
  failure.
- XFAIL and TODO count as failed: no test here is expected to fail, and
  the kselftest runner turns a shell's fatal error (exit 2) into XFAIL.
- A skip counts as a skip only when "DESCRIPTION # SKIP REASON" matches
  one of the --skip PATTERNs (Python regular expressions) given for this
  boot; any other skip is a failure.  The reason of a test that skipped
  whole is read from its "1..0 # SKIP REASON" plan.
- Each --expect NAME must have a result whose description is NAME or ends
  in ": NAME" (a KUnit suite, "selftests: multikernel: NAME"), at any
  depth; one that is missing is a failure.
- A section that is missing, unterminated or has no result fails.

Prints every failure, then one line "P F S" (passed, failed, skipped), and
exits 1 when anything failed.
"""
import argparse
import re
import sys

RESULT = re.compile(r"^(not ok|ok)\s+\d+\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(\S+)\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*SKIP\s*(.*))?")
NOT_RUN = ("SKIP", "TODO", "XFAIL")


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


def parse(body):
    """The results (depth, ok, name, directive, reason) and the plans
    that were not met (depth, planned, seen)."""
    results, problems = [], []
    plans = {}  # depth -> [planned, seen]
    skip_all = {}  # depth -> reason of a "1..0 # SKIP reason" there

    def close(deeper_than):
        for d in sorted([d for d in plans if d > deeper_than], reverse=True):
            planned, seen = plans.pop(d)
            skip_all.pop(d, None)
            if seen != planned:
                problems.append((d, planned, seen))

    for raw in body.splitlines():
        d, line = depth_of(raw)
        p = PLAN.match(line)
        if p:
            close(d - 1)
            plans[d] = [int(p.group(1)), 0]
            if p.group(2) is not None:
                skip_all[d] = p.group(2).strip()
            continue
        r = RESULT.match(line)
        if r:
            # A test that skipped whole says why in its own plan.
            reason = r.group(4) or skip_all.get(d + 1, "")
            close(d)
            if d in plans:
                plans[d][1] += 1
            results.append((d, r.group(1) == "ok", r.group(2),
                            (r.group(3) or "").upper(), reason.strip()))
    close(-1)
    return results, problems


def count(body, section, skips=(), expect=()):
    """Returns (passed, failed, skipped, messages)."""
    results, problems = parse(body)
    passed = failed = skipped = 0
    msgs = []
    failed_leaf = []
    for i, (d, ok, name, directive, reason) in enumerate(results):
        children = []
        for j in range(i - 1, -1, -1):
            if results[j][0] <= d:
                break
            children.append(j)
        bad = (not ok and directive != "SKIP") or directive in ("TODO", "XFAIL")
        if children:
            # A parent only sums up; but one that failed although none of
            # its subtests did crashed, exited 2 or was killed after them.
            if bad and not any(failed_leaf[j] for j in children):
                failed += 1
                msgs.append("ktap: %s: FAILED %s (after its subtests%s)" %
                            (section, name, ", " + directive if directive else ""))
            failed_leaf.append(bad)
            continue
        if directive == "SKIP":
            why = "%s # SKIP %s" % (name, reason)
            if any(re.search(s, why) for s in skips):
                skipped += 1
                failed_leaf.append(False)
            else:
                failed += 1
                failed_leaf.append(True)
                msgs.append("ktap: %s: a skip this boot does not expect: %s"
                            % (section, why))
        elif bad:
            failed += 1
            failed_leaf.append(True)
            msgs.append("ktap: %s: FAILED %s%s" %
                        (section, name, " # " + directive if directive else ""))
        else:
            passed += 1
            failed_leaf.append(False)
    for d, planned, seen in problems:
        if seen < planned:
            msgs.append("ktap: %s: %d of %d planned tests at depth %d never reported"
                        " (died or hung?)" % (section, planned - seen, planned, d))
            failed += planned - seen
        else:
            msgs.append("ktap: %s: %d results at depth %d, but %d planned"
                        % (section, seen, d, planned))
            failed += 1
    names = [r[2] for r in results]
    for e in expect:
        if not any(n == e or n.endswith(": " + e) for n in names):
            msgs.append("ktap: %s: %s never ran" % (section, e))
            failed += 1
    if not results:
        msgs.append("ktap: %s: no test results" % section)
        failed += 1
    return passed, failed, skipped, msgs


def section_of(text, section):
    m = re.search(r"^mk-harness: begin %s\n(.*?)^mk-harness: end %s$" %
                  (re.escape(section), re.escape(section)), text, re.S | re.M)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("section")
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--expect", action="append", default=[])
    a = ap.parse_args()
    try:
        text = open(a.log, errors="replace").read().replace("\r", "")
    except OSError as e:
        print("ktap: %s" % e)
        print("0 1 0")
        return 1
    body = section_of(text, a.section)
    if body is None:
        print("ktap: %s: no complete '%s' section (guest crashed or hung?)"
              % (a.log, a.section))
        print("0 1 0")
        return 1
    passed, failed, skipped, msgs = count(body, a.section, a.skip, a.expect)
    for m in msgs:
        print(m)
    print("%d %d %d" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
