# SPDX-License-Identifier: GPL-2.0
"""The fixtures of make check's series step: harness/export.sh --check
must fail when one byte of a kernel file or of a patch in series/ is not
what the multikernel branch exports, and pass when nothing changed.

They run on a small kernel tree of their own (a base commit and two
patches), through export.sh's --tree and --top, so they need neither
build/linux nor the time to make it: check.sh runs them before the tree
exists, and the series step runs the same export.sh --check on the real
tree.

  python3 -m unittest discover -s harness/tests
"""
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EXPORT = os.path.join(TOP, "harness", "export.sh")
ABSORB = os.path.join(TOP, "harness", "absorb.sh")
IDENT = {"GIT_AUTHOR_NAME": "Multikernel Developers",
         "GIT_AUTHOR_EMAIL": "multikernel@example.org",
         "GIT_AUTHOR_DATE": "2026-11-01T12:00:00+00:00",
         "GIT_COMMITTER_NAME": "Multikernel Developers",
         "GIT_COMMITTER_EMAIL": "multikernel@example.org",
         "GIT_COMMITTER_DATE": "2026-11-01T12:00:00+00:00",
         "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
DESCRIPTION = """toy: a series of two patches

The cover letter's text, which ends
before the shortlog.
"""
POOL = "".join("int pool_%d;\n" % i for i in range(20))


def git(d, *args, inp=None):
    return subprocess.run(["git", "-C", d, *args], env={**os.environ, **IDENT},
                          input=inp, capture_output=True, text=True,
                          check=True).stdout


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def flip(path):
    """Change one byte of PATH (its middle one)."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    i = len(data) // 2
    data[i] = ord("X") if data[i] != ord("X") else ord("Y")
    with open(path, "wb") as f:
        f.write(data)


def have_git_absorb():
    return subprocess.run(["git", "absorb", "--version"], capture_output=True).returncode == 0


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        """The tree and this repository, made once; each test a copy."""
        cls.template = tempfile.mkdtemp()
        cls.make(cls.template)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.template)

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        shutil.rmtree(self.tmp)
        shutil.copytree(self.template, self.tmp, symlinks=True)
        self.tree = os.path.join(self.tmp, "linux")
        self.top = os.path.join(self.tmp, "top")

    @classmethod
    def make(cls, tmp):
        t = os.path.join(tmp, "linux")
        top = os.path.join(tmp, "top")
        os.makedirs(t)
        git(t, "init", "-q", "-b", "base")
        write(t + "/Makefile", "".join("line %d\n" % i for i in range(30)))
        write(t + "/kernel/Makefile", "obj-y += a.o\nobj-y += b.o\n")
        write(t + "/kernel/old.c", "int old;\n")
        write(t + "/kernel/a.c", "int a;\n")
        git(t, "add", "-A")
        git(t, "commit", "-q", "-m", "base")
        git(t, "checkout", "-q", "-b", "multikernel")
        write(t + "/kernel/multikernel/pool.c", POOL)
        write(t + "/kernel/Makefile", "obj-y += a.o\nobj-y += b.o\nobj-y += multikernel/\n")
        git(t, "add", "-A")
        git(t, "commit", "-q", "-m", "multikernel: add the pool\n\nThe pool.")
        write(t + "/tools/testing/selftests/multikernel/t.sh", "#!/bin/sh\n", 0o755)
        write(t + "/Makefile", "".join("line %d\n" % i for i in range(30)).replace(
            "line 15\n", "line fifteen\n"))
        os.unlink(t + "/kernel/old.c")
        git(t, "add", "-A")
        git(t, "commit", "-q", "-m", "selftests/multikernel: add a test\n\nA test.")
        git(t, "config", "branch.multikernel.description", DESCRIPTION)
        # This repository: its own files, and the export.
        os.makedirs(top)
        git(top, "init", "-q")
        write(top + "/README.md", "readme\n")
        write(top + "/Makefile", "all:\n")
        write(top + "/harness/x.sh", "x\n")
        subprocess.run([EXPORT, "--tree", t, "--top", top], check=True,
                       capture_output=True, env={**os.environ, **IDENT})
        git(top, "add", "-A")
        git(top, "commit", "-q", "-m", "exported")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_export(self, top, check=True):
        args = [EXPORT, "--tree", self.tree, "--top", top]
        if check:
            args.insert(1, "--check")
        r = subprocess.run(args, capture_output=True, text=True,
                           env={**os.environ, **IDENT})
        if not check:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.returncode, r.stdout + r.stderr

    def assert_fails(self, path, why="differs from the branch"):
        rc, out = self.run_export(self.top)
        self.assertEqual(rc, 1, out)
        self.assertIn("export: %s: %s" % (path, why), out)

    def series(self):
        return sorted(os.listdir(self.top + "/series"))

    def test_what_is_exported(self):
        self.assertEqual(self.series(), [
            "0000-cover-letter.patch",
            "0001-multikernel-add-the-pool.patch",
            "0002-selftests-multikernel-add-a-test.patch"])
        files = git(self.top, "ls-files").split()
        self.assertEqual(sorted(f for f in files if not f.startswith("series/")), [
            "Makefile", "Makefile.patch", "README.md", "harness/x.sh",
            "kernel/Makefile.patch", "kernel/multikernel/pool.c",
            "kernel/old.c.patch", "tools/testing/selftests/multikernel/t.sh"])
        self.assertTrue(os.stat(self.top + "/tools/testing/selftests/multikernel/t.sh").st_mode
                        & stat.S_IXUSR)
        with open(self.top + "/series/0000-cover-letter.patch") as f:
            cover = f.read()
        self.assertIn("Subject: [PATCH 0/2] toy: a series of two patches\n", cover)
        self.assertIn("\nbase-commit: %s" % git(self.tree, "rev-parse", "base"), cover)
        self.assertTrue(cover.startswith("From 0000000000000000000000000000000000000000 "))

    def test_patches_apply_to_base(self):
        # Each PATH.patch turns base's PATH into the branch's, with
        # patch -p1 as with git apply (the deletion too).
        w = os.path.join(self.tmp, "w")
        git(self.tree, "worktree", "add", "-q", "--detach", w, "base")
        for f in ("Makefile.patch", "kernel/Makefile.patch", "kernel/old.c.patch"):
            subprocess.run(["patch", "-s", "-p1", "-d", w, "-i", os.path.join(self.top, f)],
                           check=True)
        self.assertEqual(git(w, "status", "--porcelain"), " M Makefile\n M kernel/Makefile\n D kernel/old.c\n")
        self.assertEqual(git(w, "diff", "--stat", "multikernel", "--", "Makefile",
                             "kernel/Makefile", "kernel/old.c"), "")

    def test_unchanged_passes(self):
        # README.md and harness/ are not kernel files: never compared.
        write(self.top + "/README.md", "changed\n")
        write(self.top + "/harness/y.sh", "new\n")
        rc, out = self.run_export(self.top)
        self.assertEqual(rc, 0, out)

    def test_export_twice_is_the_same(self):
        self.run_export(self.top, check=False)
        self.assertEqual(git(self.top, "status", "--porcelain"), "")
        self.run_export(self.top, check=False)
        self.assertEqual(git(self.top, "status", "--porcelain"), "")

    def test_a_byte_of_a_kernel_file(self):
        flip(self.top + "/kernel/multikernel/pool.c")
        self.assert_fails("kernel/multikernel/pool.c")

    def test_a_byte_of_a_patch_file(self):
        flip(self.top + "/kernel/Makefile.patch")
        self.assert_fails("kernel/Makefile.patch")

    def test_a_byte_of_a_series_patch(self):
        flip(self.top + "/series/0002-selftests-multikernel-add-a-test.patch")
        self.assert_fails("series/0002-selftests-multikernel-add-a-test.patch")

    def test_a_byte_of_the_cover_letter(self):
        flip(self.top + "/series/0000-cover-letter.patch")
        self.assert_fails("series/0000-cover-letter.patch")

    def test_the_description_is_the_cover_letter(self):
        git(self.tree, "config", "branch.multikernel.description",
            DESCRIPTION.replace("two patches", "2 patches"))
        self.assert_fails("series/0000-cover-letter.patch")

    def test_files_missing_extra_or_not_executable(self):
        os.unlink(self.top + "/kernel/old.c.patch")
        write(self.top + "/kernel/multikernel/new.c", "int n;\n")
        os.unlink(self.top + "/series/0001-multikernel-add-the-pool.patch")
        os.chmod(self.top + "/tools/testing/selftests/multikernel/t.sh", 0o644)
        rc, out = self.run_export(self.top)
        self.assertEqual(rc, 1, out)
        for what in ("kernel/old.c.patch: missing (the branch has it)",
                     "kernel/multikernel/new.c: not in the branch",
                     "series/0001-multikernel-add-the-pool.patch: missing (the branch has it)",
                     "tools/testing/selftests/multikernel/t.sh: not executable, not in the branch",
                     "export: 4 of 9 files disagree"):
            self.assertIn(what, out)

    def test_cover_letter_gives_the_description_back(self):
        # mktree.sh sets the description from the cover letter.
        out = subprocess.run(
            ["bash", "-c", 'top=%s; . "$top/harness/serieslib.sh"; cover_description "$1"' % TOP,
             "-", self.top + "/series/0000-cover-letter.patch"],
            capture_output=True, text=True, check=True).stdout
        self.assertEqual(out, DESCRIPTION)

    def test_refused(self):
        os.symlink("a.c", self.tree + "/kernel/link.c")
        git(self.tree, "add", "-A")
        git(self.tree, "commit", "-q", "-m", "a link")
        rc, out = self.run_export(self.top)
        self.assertEqual(rc, 1, out)
        self.assertIn("kernel/link.c: a new file of mode 120000", out)

    def test_absorb_folds_an_edit_into_its_patch(self):
        if not have_git_absorb():
            self.fail("git-absorb is not installed (harness/deps.sh installs it)")
        before = git(self.tree, "rev-list", "base..multikernel").split()
        with open(self.top + "/kernel/multikernel/pool.c") as f:
            text = f.read()
        write(self.top + "/kernel/multikernel/pool.c", text.replace("pool_7;", "pool_seven;"))
        r = subprocess.run([ABSORB, "--tree", self.tree, "--top", self.top],
                           capture_output=True, text=True, env={**os.environ, **IDENT})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        after = git(self.tree, "rev-list", "base..multikernel").split()
        self.assertEqual(len(after), len(before))
        self.assertIn("pool_seven", git(self.tree, "show", after[-1]))
        self.assertEqual(git(self.top, "status", "--porcelain").split(),
                         ["M", "kernel/multikernel/pool.c",
                          "M", "series/0001-multikernel-add-the-pool.patch"])
        rc, out = self.run_export(self.top)
        self.assertEqual(rc, 0, out)

    def test_absorb_leaves_what_it_cannot_place_then_folds_a_fixup(self):
        if not have_git_absorb():
            self.fail("git-absorb is not installed (harness/deps.sh installs it)")
        write(self.top + "/kernel/multikernel/extra.c", "int extra;\n")
        r = subprocess.run([ABSORB, "--tree", self.tree, "--top", self.top],
                           capture_output=True, text=True, env={**os.environ, **IDENT})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("kernel/multikernel/extra.c: no patch has it yet", r.stdout)
        self.assertEqual(git(self.tree, "status", "--porcelain", "--untracked-files=no"),
                         "A  kernel/multikernel/extra.c\n")

        # Committed by hand to the patch it belongs to (as someone else),
        # then absorb again: folded in, each commit by its author.
        first = git(self.tree, "rev-list", "--reverse", "base..multikernel").split()[0]
        subprocess.run(["git", "-C", self.tree, "commit", "-q", "--fixup=" + first],
                       env={**os.environ, **IDENT, "GIT_AUTHOR_NAME": "Dev",
                            "GIT_COMMITTER_NAME": "Dev"}, check=True)
        r = subprocess.run([ABSORB, "--tree", self.tree, "--top", self.top],
                           capture_output=True, text=True, env={**os.environ, **IDENT})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        log = git(self.tree, "log", "--format=%an|%cn|%s", "base..multikernel").splitlines()
        self.assertEqual(log, ["Multikernel Developers|Multikernel Developers|"
                               "selftests/multikernel: add a test",
                               "Multikernel Developers|Multikernel Developers|"
                               "multikernel: add the pool"])
        self.assertIn("kernel/multikernel/extra.c",
                      git(self.tree, "show", "--stat", "multikernel~1"))
        rc, out = self.run_export(self.top)
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
