# SPDX-License-Identifier: GPL-2.0
"""The fixtures of make check's counting: recorded logs of every way a
broken run has looked, through harness/ktap.py and harness/checklib.sh.
Each bad one must come out as a failure; the good one must not.

  python3 -m unittest discover -s harness/tests
"""
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LOGS = os.path.join(HERE, "logs")
REPORTS = os.path.join(HERE, "reports")
KTAP = os.path.join(TOP, "harness", "ktap.py")


def read(path):
    with open(path) as f:
        return f.read()


def ktap(log, section="kselftest", *opts):
    """ktap.py's counts (passed, failed, skipped), its messages, its status."""
    r = subprocess.run(["python3", KTAP, os.path.join(LOGS, log), section, *opts],
                       capture_output=True, text=True)
    lines = r.stdout.splitlines()
    return tuple(int(x) for x in lines[-1].split()), lines[:-1], r.returncode


def checklib(script, logs, env=None):
    """Run SCRIPT after sourcing checklib.sh with $logs = LOGS; returns
    (pass, fail, skip) as it counted them, and its output."""
    body = textwrap.dedent("""\
        top=%s
        logs=%s
        . "$top/harness/checklib.sh"
        %s
        echo "COUNT $pass $fail $skip"
        """) % (TOP, logs, script)
    r = subprocess.run(["bash", "-c", body], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    last = [ln for ln in r.stdout.splitlines() if ln.startswith("COUNT ")][-1]
    return tuple(int(x) for x in last.split()[1:]), r.stdout


class KtapCounts(unittest.TestCase):
    def test_good_log_passes(self):
        counts, msgs, rc = ktap("good.log", "kselftest",
                                "--skip", "# SKIP only without a pool",
                                "--skip", "smt_test.sh # SKIP needs two cores")
        self.assertEqual(counts, (3, 0, 2), msgs)
        self.assertEqual(rc, 0)

    def test_shell_error_is_a_failure(self):
        # exit 2 -> XFAIL, and 8 of 10 planned subtests never reported.
        counts, msgs, rc = ktap("shell_error.log")
        self.assertEqual(counts[1], 9, msgs)
        self.assertEqual(rc, 1)

    def test_nested_plan_is_checked(self):
        counts, msgs, _ = ktap("short_plan.log")
        self.assertEqual(counts, (2, 8, 0), msgs)

    def test_top_plan_is_checked(self):
        counts, msgs, _ = ktap("runner_died.log")
        self.assertEqual(counts, (1, 2, 0), msgs)

    def test_more_results_than_planned_fail(self):
        counts, msgs, _ = ktap("extra.log")
        self.assertEqual(counts[1], 1, msgs)

    def test_unexpected_skips_fail(self):
        counts, msgs, _ = ktap("skips.log")
        self.assertEqual(counts, (0, 2, 0), msgs)
        # The boot's list names the reason, not just the test.
        counts, msgs, _ = ktap("skips.log", "kselftest",
                               "--skip", "lifecycle_test.sh # SKIP needs 3 CPUs")
        self.assertEqual(counts, (0, 2, 0), msgs)
        counts, msgs, _ = ktap("skips.log", "kselftest",
                               "--skip", "lifecycle_test.sh # SKIP instances exist")
        self.assertEqual(counts, (0, 1, 1), msgs)

    def test_skipped_boot_of_skips_fails(self):
        # smt_test skipping whole where the boot has no such skip.
        counts, msgs, _ = ktap("good.log", "kselftest",
                               "--skip", "# SKIP only without a pool")
        self.assertEqual(counts, (3, 1, 1), msgs)

    def test_expected_test_that_never_ran_fails(self):
        counts, msgs, _ = ktap("good.log", "kunit", "--expect", "multikernel_pool",
                               "--expect", "multikernel_ring", "--expect", "multikernel_msg")
        self.assertEqual(counts, (3, 1, 0), msgs)
        counts, msgs, _ = ktap("good.log", "kselftest",
                               "--skip", "# SKIP (only without|needs two cores)",
                               "--expect", "selftests: multikernel: spawn_test.sh",
                               "--expect", "selftests: multikernel: vsock_test.sh")
        self.assertEqual(counts, (3, 1, 2), msgs)

    def test_hung_or_empty_sections_fail(self):
        self.assertEqual(ktap("hung.log")[0], (0, 1, 0))
        self.assertEqual(ktap("empty.log")[0], (0, 1, 0))
        self.assertEqual(ktap("no-such.log")[0], (0, 1, 0))


class ChecklibCounts(unittest.TestCase):
    def setUp(self):
        self.logs = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.logs)

    def put(self, name, text):
        with open(os.path.join(self.logs, name), "w") as f:
            f.write(text)

    def good(self):
        return read(os.path.join(LOGS, "good.log"))

    def test_ktap_without_counts_fails(self):
        self.put("b.log", self.good())
        for fake in ("/bin/true", "/bin/false"):
            (p, f, s), out = checklib("ktap b kunit", self.logs, {"KTAP_PY": fake})
            self.assertEqual((p, f), (0, 1), out)

    def test_kunit_needs_every_suite(self):
        # good.log has two of the series' five suites (four in
        # kernel/multikernel/, multikernel_x86_park in arch/x86/kernel/).
        self.put("b.log", self.good())
        (p, f, s), out = checklib("kunit b", self.logs)
        self.assertEqual((p, f), (3, 3), out)
        self.assertIn("multikernel_x86_park never ran", out)

    def test_ksft_needs_every_test_of_the_boot(self):
        self.put("b.log", self.good())
        self.put("b.args", "mk.run=test mk.tests=pool_test,spawn_test.sh,vsock_test.sh\n")
        (p, f, s), out = checklib(
            "ksft b --skip '# SKIP (only without|needs two cores)'", self.logs)
        self.assertEqual((p, f, s), (3, 1, 2), out)
        self.assertIn("vsock_test.sh never ran", out)
        # Without mk.tests=, every installed test.
        lst = os.path.join(self.logs, "list")
        self.put("list", "multikernel:pool_test\nmultikernel:cycle_test.sh\n")
        self.put("b.args", "mk.run=test\n")
        (p, f, s), out = checklib(
            "ksft b --skip '# SKIP (only without|needs two cores)'", self.logs,
            {"KSFT_LIST": lst})
        self.assertEqual(f, 1, out)
        self.assertIn("cycle_test.sh never ran", out)

    def test_every_report_fails_the_boot(self):
        # In the kernel log that /init dumps: the console shows errors only.
        for r in sorted(os.listdir(REPORTS)):
            report = read(os.path.join(REPORTS, r))
            good = self.good().split("mk-harness: end dmesg")
            self.put("b.log", good[0] + report + "mk-harness: end dmesg" + good[1])
            (p, f, s), out = checklib("clean b", self.logs)
            self.assertEqual((p, f), (0, 1), "%s: %s" % (r, out))
        self.put("b.log", self.good())
        (p, f, s), out = checklib("clean b", self.logs)
        self.assertEqual((p, f), (1, 0), out)

    def test_kernel_log_must_be_whole(self):
        good = self.good()
        dump = good[good.index("mk-harness: begin dmesg"):good.index("mk-harness: done")]
        cases = {
            "no dump": good.replace(dump, ""),
            "wrapped": good.replace("[    0.000000] Linux version 7.2.12 (mk@mk) #1 SMP\n"
                                    "[    0.000000] Command", "[    0.000000] Command"),
            # A kexec'd kernel (live update) that did not dump its own.
            "one of two": "[    0.000000] Linux version 7.2.12\n" + good,
        }
        for what, text in cases.items():
            self.put("b.log", text)
            (p, f, s), out = checklib("clean b", self.logs)
            self.assertEqual((p, f), (0, 1), "%s: %s" % (what, out))
        self.put("b.log", "[    0.000000] Linux version 7.2.12\n" + dump + good)
        (p, f, s), out = checklib("clean b", self.logs)
        self.assertEqual((p, f), (1, 0), out)

    def test_a_boot_that_fails_is_a_failure(self):
        self.put("b.log", self.good())
        for rc in ("1", "124"):
            fake = os.path.join(self.logs, "qemu.sh")
            self.put("qemu.sh", "#!/bin/sh\nexit %s\n" % rc)
            os.chmod(fake, 0o755)
            (p, f, s), out = checklib("boot b mk.run=test", self.logs, {"QEMU_SH": fake})
            self.assertEqual((p, f), (1, 1), out)


    def test_boots_at_once_are_each_counted(self):
        # Two boots at a time: each is counted by its own exit status,
        # and a boot that left no status (killed, never ran) fails.
        self.put("b.log", self.good())
        self.put("c.log", self.good())
        fake = os.path.join(self.logs, "qemu.sh")
        self.put("qemu.sh", "#!/bin/sh\nsleep 1\n[ \"$1\" = c ] && exit 1\nexit 0\n")
        os.chmod(fake, 0o755)
        script = ("launch b mk.run=test; launch c mk.run=test; launch d mk.run=test; "
                  "queued=(b c); run_boots; booted b; booted c; booted d")
        (p, f, s), out = checklib(script, self.logs, {"QEMU_SH": fake, "MK_BOOTS": "2"})
        # b: ends and is clean; c: did not end (its log is clean);
        # d: never ran, no status and no log.
        self.assertEqual((p, f), (3, 3), out)


class QemuExitStatus(unittest.TestCase):
    """qemu.sh fails when QEMU fails, even after the guest's last line."""

    def run_qemu_sh(self, qemu_rc, write_done):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        os.makedirs(os.path.join(d, "harness"))
        os.makedirs(os.path.join(d, "build/obj/arch/x86/boot"))
        os.makedirs(os.path.join(d, "bin"))
        shutil.copy(os.path.join(TOP, "harness/qemu.sh"), os.path.join(d, "harness"))
        open(os.path.join(d, "build/obj/arch/x86/boot/bzImage"), "w").close()
        open(os.path.join(d, "build/initramfs.cpio"), "w").close()
        fake = os.path.join(d, "bin/qemu-system-x86_64")
        with open(fake, "w") as f:
            f.write(textwrap.dedent("""\
                #!/bin/sh
                # The first -serial file:PATH is the console.
                while [ $# -gt 0 ]; do
                    case "$1" in -serial) s=${2#file:}; [ -z "$log" ] && log=$s ;; esac
                    shift
                done
                %s
                exit %d
                """) % ('echo "mk-harness: done" > "$log"' if write_done else "", qemu_rc))
        os.chmod(fake, 0o755)
        env = {**os.environ, "PATH": os.path.join(d, "bin") + ":" + os.environ["PATH"],
               "MK_KVM": "0"}
        return subprocess.run(["bash", os.path.join(d, "harness/qemu.sh"), "t"],
                              env=env, capture_output=True, text=True).returncode

    def test_exit_status(self):
        self.assertEqual(self.run_qemu_sh(0, True), 0)
        self.assertEqual(self.run_qemu_sh(1, True), 1)
        self.assertEqual(self.run_qemu_sh(0, False), 1)


class CyclesCanFail(unittest.TestCase):
    def test_cycles_fails_on_a_failed_cycle(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        os.makedirs(os.path.join(d, "harness"))
        for f in ("cycles.sh", "checklib.sh", "ktap.py"):
            shutil.copy(os.path.join(TOP, "harness", f), os.path.join(d, "harness"))
        fake = os.path.join(d, "qemu.sh")
        with open(fake, "w") as f:
            f.write(textwrap.dedent("""\
                #!/bin/sh
                echo "[    0.000000] Linux version 7.2.12" > %s/build/logs/cycles.log
                cat >> %s/build/logs/cycles.log <<EOF
                mk-harness: begin kselftest
                TAP version 13
                1..1
                # selftests: multikernel: cycle_test.sh
                # TAP version 13
                # 1..2
                # ok 1 100 spawn/kill cycles
                # not ok 2 the host has all its memory back
                not ok 1 selftests: multikernel: cycle_test.sh # exit=1
                mk-harness: end kselftest
                mk-harness: begin dmesg
                [    0.000000] Linux version 7.2.12
                mk-harness: end dmesg
                mk-harness: done
                EOF
                """) % (d, d))
        os.chmod(fake, 0o755)
        r = subprocess.run(["bash", os.path.join(d, "harness/cycles.sh")],
                           env={**os.environ, "QEMU_SH": fake},
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("3 passed, 1 failed", r.stdout)
