// SPDX-License-Identifier: GPL-2.0
/*
 * reboot(LINUX_REBOOT_CMD_MULTIKERNEL*) on instances that cannot be
 * started or stopped: each request fails with its own errno and the
 * instance stays as it was.  Starting real kernels is spawn_test.sh's job.
 * Every test needs instance 1: without a pool the tests skip, but a pool
 * that has no room for it fails them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <asm/bootparam.h>
#include <linux/reboot.h>

#include "../kselftest_harness.h"
#include "mk_util.h"

static int mk_reboot(unsigned int cmd, int id)
{
	struct multikernel_boot_args args = { .mk_id = id };

	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, &args))
		return -errno;
	return 0;
}

FIXTURE(start) {};

FIXTURE_SETUP(start)
{
	char buf[64];

	/* 2M and the 4M communication area. */
	if (read_ull(MK "pool/total") < (6ULL << 20))
		SKIP(return, "needs a pool of 6M");
	snprintf(buf, sizeof(buf), "1 %d 2M\n", last_cpu());
	ASSERT_EQ(0, write_str(MK "create", buf));
}

FIXTURE_TEARDOWN(start)
{
	EXPECT_EQ(0, write_str(MK "destroy", "1\n"));
}

TEST_F(start, no_such_instance)
{
	EXPECT_EQ(-ENOENT, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 7));
	EXPECT_EQ(-ENOENT, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 7));
}

TEST_F(start, nothing_loaded)
{
	EXPECT_EQ(-ENOEXEC, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1));
	EXPECT_STREQ("empty", inst_state(1));
	/* Nothing runs, so there is nothing to kill. */
	EXPECT_EQ(-EINVAL, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 1));
	EXPECT_STREQ("empty", inst_state(1));
}

/* A kexec_load() image that is no instance kernel (no SETUP_MULTIKERNEL). */
TEST_F(start, not_an_instance_kernel)
{
	static char page[4096] = "not a kernel";
	unsigned long mem = read_ull(MK "instances/1/memory_base") + 4096;
	struct kexec_segment seg = {
		.buf = page, .bufsz = sizeof(page),
		.mem = (void *)mem, .memsz = sizeof(page),
	};

	if (read_ull("/proc/sys/kernel/kexec_load_disabled") == 1)
		SKIP(return, "kexec_load_disabled is set");
	ASSERT_EQ(0, syscall(SYS_kexec_load, mem, 1, &seg,
			     KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) | (62 << 16)));
	EXPECT_EQ(-EINVAL, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1));
	EXPECT_STREQ("loaded", inst_state(1));
}

/*
 * kexec_load() images whose boot_params point setup_data outside the
 * instance: past its end, and at the top of the address space, where
 * "address + record size" wraps around to a small number.  The host
 * refuses to start either, without reading there.
 */
TEST_F(start, setup_data_outside)
{
	static struct boot_params bp;
	unsigned long base = read_ull(MK "instances/1/memory_base");
	unsigned long size = read_ull(MK "instances/1/memory_size");
	unsigned long mem = base + 4096;
	const unsigned long long bad[] = { base + size - 8, ~0ULL - 15 };
	struct kexec_segment seg = {
		.buf = &bp, .bufsz = sizeof(bp),
		.mem = (void *)mem, .memsz = sizeof(bp),
	};
	unsigned int i;

	if (read_ull("/proc/sys/kernel/kexec_load_disabled") == 1)
		SKIP(return, "kexec_load_disabled is set");
	bp.hdr.header = 0x53726448;	/* "HdrS" */
	bp.hdr.hardware_subarch = X86_SUBARCH_MULTIKERNEL;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		bp.hdr.setup_data = bad[i];
		ASSERT_EQ(0, syscall(SYS_kexec_load, mem, 1, &seg,
				     KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) | (62 << 16)));
		EXPECT_EQ(-EINVAL, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1));
		EXPECT_STREQ("loaded", inst_state(1));
		ASSERT_EQ(0, syscall(SYS_kexec_load, 0, 0, NULL,
				     KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) | (62 << 16)));
	}
}

/*
 * A kexec_load() image whose SETUP_MULTIKERNEL record is the one instance 2
 * publishes in its boot_record, loaded into instance 1: the id, CPUs and
 * areas are another instance's, so the start is refused.
 */
TEST_F(start, boot_record_of_another_instance)
{
	static char pages[2][4096];
	struct boot_params *bp = (struct boot_params *)pages[0];
	struct setup_data *sd = (struct setup_data *)pages[1];
	unsigned long mem = read_ull(MK "instances/1/memory_base") + 4096;
	struct kexec_segment seg = {
		.buf = pages, .bufsz = sizeof(pages),
		.mem = (void *)mem, .memsz = sizeof(pages),
	};
	char buf[64];
	ssize_t len;
	int fd;

	if (read_ull("/proc/sys/kernel/kexec_load_disabled") == 1)
		SKIP(return, "kexec_load_disabled is set");
	ASSERT_LE(2, last_cpu());
	snprintf(buf, sizeof(buf), "2 %d 2M\n", last_cpu() - 1);
	ASSERT_EQ(0, write_str(MK "create", buf));
	fd = open(MK "instances/2/boot_record", O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, sd->data, sizeof(pages[1]) - sizeof(*sd));
	close(fd);
	EXPECT_EQ(0, write_str(MK "destroy", "2\n"));
	ASSERT_LT(0, len);

	bp->hdr.header = 0x53726448;	/* "HdrS" */
	bp->hdr.hardware_subarch = X86_SUBARCH_MULTIKERNEL;
	bp->hdr.setup_data = mem + 4096;
	sd->type = SETUP_MULTIKERNEL;
	sd->len = len;
	ASSERT_EQ(0, syscall(SYS_kexec_load, mem, 1, &seg,
			     KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) | (62 << 16)));
	EXPECT_EQ(-EINVAL, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1));
	EXPECT_STREQ("loaded", inst_state(1));
}

/* Only a running instance can be asked to stop. */
TEST_F(start, graceful_halt_not_running)
{
	EXPECT_EQ(-ENOENT, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT, 7));
	EXPECT_EQ(-EINVAL, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT, 1));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_F(start, bad_argument_pointer)
{
	EXPECT_EQ(-EFAULT, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
				   LINUX_REBOOT_MAGIC2,
				   LINUX_REBOOT_CMD_MULTIKERNEL, (void *)8) ? -errno : 0);
}

static int nobody_starts(void *arg)
{
	return mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1) == -EPERM &&
	       mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 1) == -EPERM ?
	       0 : 1;
}

TEST_F(start, not_root)
{
	EXPECT_EQ(0, as_nobody(nobody_starts, NULL));
}

static int no_cap_reboots(void *arg)
{
	return mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1) == -EPERM &&
	       mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT, 1) == -EPERM &&
	       mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 1) == -EPERM ?
	       0 : 1;
}

/* Root without CAP_SYS_BOOT in its effective set starts and stops nothing. */
TEST_F(start, without_cap_sys_boot)
{
	EXPECT_EQ(0, without_cap_sys_boot(no_cap_reboots, NULL));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_HARNESS_MAIN
