#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the LKML series from this repository's sources.

  harness/series.py [--out DIR] [--check]

Reads harness/series.manifest: a cover letter and its steps, each with a
subject, the files it adds or changes and a commit message.  A file P that is
new in the kernel is taken as it is; P.patch is a diff to an upstream file
and is applied to it.  Steps whose files do not exist yet are left out, so
the series grows as the work does.

A new file may be named by several steps, so that every step builds (a
Makefile that a later step adds objects to): each step but the last takes
the file as it was at that step from harness/steps/STEP/P; the last takes P.

The commits are made in build/linux (the base tree, see mktree.sh) without
checking anything out, with fixed dates, and written with git format-patch to
series/ (or --out).  --check writes to a scratch directory and fails when
the committed series differs: the series is stale.  It also fails when a
kernel file in this repository is named by no step.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREE = os.path.join(TOP, "build", "linux")
MANIFEST = os.path.join(TOP, "harness", "series.manifest")
STEPS = os.path.join(TOP, "harness", "steps")
DATE = "2026-11-01T12:00:00+00:00"
# Everything in this repository that is not a kernel file.
NOT_KERNEL = ("harness/", "series/", "kexec-tools/", ".ci/", "build/",
              "README.md", "Makefile", ".gitignore")


def die(msg):
    sys.exit("series: " + msg)


def parse_manifest():
    """Blocks: '=== name', 'Subject: ...', 'Files: ...' (indented lines
    continue it), a blank line, then the message up to the next block."""
    blocks, cur, in_body = [], None, False
    for n, line in enumerate(open(MANIFEST), 1):
        line = line.rstrip("\n")
        if line.startswith("=== "):
            cur = {"name": line[4:].strip(), "subject": None, "files": [],
                   "body": []}
            blocks.append(cur)
            in_body = False
        elif cur is None:
            if line.strip() and not line.startswith("#"):
                die("%s:%d: text before the first block" % (MANIFEST, n))
        elif in_body:
            cur["body"].append(line)
        elif line.startswith("Subject: "):
            cur["subject"] = line[9:].strip()
        elif line.startswith("Files:"):
            cur["files"] += line[6:].split()
        elif line.startswith((" ", "\t")) and line.strip():
            cur["files"] += line.split()
        elif not line.strip():
            in_body = True
        else:
            die("%s:%d: unexpected line %r" % (MANIFEST, n, line))
    for b in blocks:
        while b["body"] and not b["body"][-1].strip():
            b["body"].pop()
        if not b["subject"]:
            die("block %s has no Subject" % b["name"])
    if not blocks or blocks[0]["name"] != "cover":
        die("the manifest must start with '=== cover'")
    return blocks[0], blocks[1:]


def git(*args, env=None, inp=None):
    e = dict(os.environ, **(env or {}))
    r = subprocess.run(["git", "-C", TREE] + list(args), env=e, input=inp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode:
        die("git %s: %s" % (" ".join(args), r.stderr.decode().strip()))
    return r.stdout.decode().strip()


def kernel_files():
    out = subprocess.run(["git", "-C", TOP, "ls-files", "--cached",
                          "--others", "--exclude-standard"],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    return sorted(f for f in out.split() if not f.startswith(NOT_KERNEL)
                  and os.path.exists(os.path.join(TOP, f)))


def build(out):
    cover, steps = parse_manifest()
    listed = [f for s in steps for f in s["files"]]
    last = {f: s["name"] for s in steps for f in s["files"]}
    for s in steps:
        for f in s["files"]:
            if last[f] != s["name"] and not os.path.exists(
                    os.path.join(STEPS, s["name"], f)):
                die("%s is named by step %s and a later one, but there is no "
                    "harness/steps/%s/%s" % (f, s["name"], s["name"], f))
    unlisted = [f for f in kernel_files() if f not in listed]
    if unlisted:
        die("kernel files named by no step in %s: %s" %
            (os.path.relpath(MANIFEST, TOP), " ".join(unlisted)))

    present = [s for s in steps
               if any(os.path.exists(os.path.join(TOP, f)) for f in s["files"])]
    for s in present:
        missing = [f for f in s["files"] if not os.path.exists(os.path.join(TOP, f))]
        if missing:
            die("step %s: missing %s" % (s["name"], " ".join(missing)))

    ident = {"GIT_AUTHOR_NAME": "Multikernel Developers",
             "GIT_AUTHOR_EMAIL": "multikernel@example.org",
             "GIT_COMMITTER_NAME": "Multikernel Developers",
             "GIT_COMMITTER_EMAIL": "multikernel@example.org",
             "GIT_AUTHOR_DATE": DATE, "GIT_COMMITTER_DATE": DATE}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(ident, GIT_INDEX_FILE=os.path.join(tmp, "index"))
        head = git("rev-parse", "base^{commit}")
        base = head
        git("read-tree", head, env=env)
        for s in present:
            for f in s["files"]:
                src = os.path.join(TOP, f)
                if last[f] != s["name"]:
                    src = os.path.join(STEPS, s["name"], f)
                if f.endswith(".patch"):
                    # Every P.patch is against the base: start from there
                    # when an earlier step changed the file already.
                    up = f[:-len(".patch")]
                    mode, blob = git("ls-tree", base, "--", up).split()[0:3:2]
                    git("update-index", "--cacheinfo",
                        "%s,%s,%s" % (mode, blob, up), env=env)
                    r = subprocess.run(["git", "-C", TREE, "apply", "--cached",
                                        "-p1", src], env=dict(os.environ, **env),
                                       stderr=subprocess.PIPE)
                    if r.returncode:
                        die("%s does not apply: %s" % (f, r.stderr.decode().strip()))
                else:
                    mode = "100755" if os.access(src, os.X_OK) else "100644"
                    blob = git("hash-object", "-w", src)
                    git("update-index", "--add", "--cacheinfo",
                        "%s,%s,%s" % (mode, blob, f), env=env)
            tree = git("write-tree", env=env)
            msg = s["subject"] + "\n\n" + "\n".join(s["body"]) + "\n"
            head = git("commit-tree", tree, "-p", head, "-F", "-", env=env,
                       inp=msg.encode())

        if os.path.isdir(out):
            for f in os.listdir(out):
                if f.endswith(".patch"):
                    os.unlink(os.path.join(out, f))
        os.makedirs(out, exist_ok=True)
        # A fixed abbreviation: git's default grows with the number of
        # objects in build/linux, which differs between checkouts.
        git("-c", "core.abbrev=12", "format-patch", "-q", "--cover-letter",
            "--zero-commit",
            "--no-signature", "-o", out, "%s..%s" % (base, head), env=ident)

    path = os.path.join(out, "0000-cover-letter.patch")
    text = open(path).read()
    text = text.replace("*** SUBJECT HERE ***", cover["subject"], 1)
    text = text.replace("*** BLURB HERE ***", "\n".join(cover["body"]), 1)
    open(path, "w").write(text)
    return len(present)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(TOP, "series"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(TREE, ".git")):
        die("no base tree in build/linux (run: make tree)")
    if not a.check:
        n = build(a.out)
        print("series: %d patches in %s" % (n, os.path.relpath(a.out, TOP)))
        return
    committed = os.path.join(TOP, "series")
    tmp = tempfile.mkdtemp()
    try:
        build(tmp)
        new = sorted(f for f in os.listdir(tmp) if f.endswith(".patch"))
        old = sorted(f for f in os.listdir(committed) if f.endswith(".patch")) \
            if os.path.isdir(committed) else []
        stale = sorted(set(new) ^ set(old))
        stale += [f for f in new if f in old and
                  open(os.path.join(tmp, f)).read() !=
                  open(os.path.join(committed, f)).read()]
        if stale:
            die("series/ is stale (run: make series): " + " ".join(sorted(stale)))
        print("series: series/ is up to date (%d files)" % len(new))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
