// SPDX-License-Identifier: GPL-2.0
/*
 * Loading kernels into multikernel instances with kexec_file_load() and
 * kexec_load() and KEXEC_MULTIKERNEL: good loads, and every bad one with
 * its errno, each time checking that the instance, the pool and the
 * host's own kexec images did not change.
 *
 * The kernel for kexec_file_load() is MK_KERNEL (default /boot/bzImage).
 * With /proc/sys/kernel/kexec_load_disabled set, only the test that
 * every load is refused runs.
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

#include "../kselftest_harness.h"
#include "mk_util.h"

#define INSTANCE_SIZE	(64ULL << 20)

#ifndef KEXEC_ARCH_X86_64
#define KEXEC_ARCH_X86_64	(62 << 16)
#endif

static long file_load_flags(unsigned long flags)
{
	const char *kernel = getenv("MK_KERNEL") ?: "/boot/bzImage";
	static const char cmdline[] = "console=ttyS1";
	int fd = open(kernel, O_RDONLY);
	long ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_kexec_file_load, fd, -1, sizeof(cmdline), cmdline,
		      KEXEC_FILE_NO_INITRAMFS | flags);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static long file_load(unsigned long id, unsigned long extra)
{
	return file_load_flags(KEXEC_FILE_MULTIKERNEL | KEXEC_MK_ID(id) | extra);
}

static long file_unload(int id)
{
	long ret = syscall(SYS_kexec_file_load, -1, -1, 0, NULL,
			   KEXEC_FILE_UNLOAD | KEXEC_FILE_MULTIKERNEL |
			   KEXEC_MK_ID(id));

	return ret ? -errno : 0;
}

/* One page of payload in @memsz bytes at @mem, entry at @entry. */
static long seg_load_n(unsigned long flags, unsigned long entry,
		       unsigned long mem, size_t memsz)
{
	static char page[4096] = "multikernel";
	struct kexec_segment seg = {
		.buf = page, .bufsz = sizeof(page),
		.mem = (void *)mem, .memsz = memsz,
	};
	long ret = syscall(SYS_kexec_load, entry, 1, &seg,
			   flags | KEXEC_ARCH_X86_64);

	return ret ? -errno : 0;
}

static long seg_load(unsigned long flags, unsigned long entry,
		     unsigned long mem)
{
	return seg_load_n(flags, entry, mem, 4096);
}

static long seg_unload(int id)
{
	long ret = syscall(SYS_kexec_load, 0, 0, NULL,
			   KEXEC_MULTIKERNEL | KEXEC_MK_ID(id) | KEXEC_ARCH_X86_64);

	return ret ? -errno : 0;
}

FIXTURE(load) {
	unsigned long long base, pool_free, host_loaded, host_crash_loaded;
	int cpu;
	bool disabled;
};

FIXTURE_SETUP(load)
{
	char buf[64];

	if (read_ull(MK "pool/total") < INSTANCE_SIZE)
		SKIP(return, "needs a pool of 64M");
	self->disabled = read_ull("/proc/sys/kernel/kexec_load_disabled") == 1;
	self->pool_free = read_ull(MK "pool/free");
	self->host_loaded = read_ull("/sys/kernel/kexec_loaded");
	self->host_crash_loaded = read_ull("/sys/kernel/kexec_crash_loaded");
	self->cpu = last_cpu();
	ASSERT_LE(1, self->cpu);
	snprintf(buf, sizeof(buf), "1 %d 64M\n", self->cpu);
	ASSERT_EQ(0, write_str(MK "create", buf));
	self->base = read_ull(MK "instances/1/memory_base");
	ASSERT_STREQ("empty", inst_state(1));
}

FIXTURE_TEARDOWN(load)
{
	if (read_ull(MK "pool/total") < INSTANCE_SIZE)
		return;
	/* Destroying unloads what is still loaded. */
	EXPECT_EQ(0, write_str(MK "destroy", "1\n"));
	EXPECT_EQ(self->pool_free, read_ull(MK "pool/free"));
	/* The host's own kexec images were never touched. */
	EXPECT_EQ(self->host_loaded, read_ull("/sys/kernel/kexec_loaded"));
	EXPECT_EQ(self->host_crash_loaded, read_ull("/sys/kernel/kexec_crash_loaded"));
}

TEST_F(load, file_load_and_unload)
{
	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	ASSERT_EQ(0, file_load(1, 0));
	EXPECT_STREQ("loaded", inst_state(1));
	EXPECT_EQ(self->host_loaded, read_ull("/sys/kernel/kexec_loaded"));
	/* Loading twice: unload first. */
	EXPECT_EQ(-EBUSY, file_load(1, 0));
	EXPECT_STREQ("loaded", inst_state(1));
	EXPECT_EQ(0, file_unload(1));
	EXPECT_STREQ("empty", inst_state(1));
	/* And again, on the same memory. */
	EXPECT_EQ(0, file_load(1, 0));
	EXPECT_STREQ("loaded", inst_state(1));
}

TEST_F(load, segment_load_and_unload)
{
	unsigned long mem = self->base + (2UL << 20);

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	ASSERT_EQ(0, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1), mem, mem));
	EXPECT_STREQ("loaded", inst_state(1));
	EXPECT_EQ(-EBUSY, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1), mem, mem));
	EXPECT_EQ(0, seg_unload(1));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_F(load, segment_outside_instance)
{
	unsigned long in = self->base + (2UL << 20);
	unsigned long end = self->base + INSTANCE_SIZE;
	unsigned long f = KEXEC_MULTIKERNEL | KEXEC_MK_ID(1);

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	/* Below, above, across the end, in host memory at 16M. */
	EXPECT_EQ(-EADDRNOTAVAIL, seg_load(f, in, self->base - 4096));
	EXPECT_EQ(-EADDRNOTAVAIL, seg_load(f, in, end));
	EXPECT_EQ(-EADDRNOTAVAIL, seg_load_n(f, in, end - 4096, 8192));
	EXPECT_EQ(-EADDRNOTAVAIL, seg_load(f, in, 16UL << 20));
	/* Entry point outside. */
	EXPECT_EQ(-EADDRNOTAVAIL, seg_load(f, 16UL << 20, in));
	EXPECT_STREQ("empty", inst_state(1));
	EXPECT_EQ(self->host_loaded, read_ull("/sys/kernel/kexec_loaded"));
}

TEST_F(load, no_such_instance)
{
	unsigned long mem = self->base + (2UL << 20);

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	EXPECT_EQ(-ENOENT, file_load(2, 0));
	EXPECT_EQ(-ENOENT, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(2), mem, mem));
	EXPECT_EQ(-ENOENT, file_unload(2));
	EXPECT_EQ(-ENOENT, seg_unload(2));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_F(load, bad_flags)
{
	unsigned long mem = self->base + (2UL << 20);

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	/* An id without KEXEC_MULTIKERNEL. */
	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MK_ID(1), mem, mem));
	/* KEXEC_MULTIKERNEL with a crash or other load flag. */
	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) |
				    KEXEC_ON_CRASH, mem, mem));
	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) |
				    KEXEC_UPDATE_ELFCOREHDR, mem, mem));
	EXPECT_EQ(-EINVAL, file_load(1, KEXEC_FILE_ON_CRASH));
	/* A flag this kernel does not take (no CONFIG_KEXEC_JUMP) ... */
	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) |
				    KEXEC_PRESERVE_CONTEXT, mem, mem));
	/* ... and unknown kexec_file_load() flag bits. */
	EXPECT_EQ(-EINVAL, file_load(1, 0x10000));
	EXPECT_EQ(-EINVAL, file_load(1, 0x80000000UL));
	EXPECT_STREQ("empty", inst_state(1));
}

/*
 * The id is bits 32..47 of the flags and is never masked: id 0, an id
 * without the flag, and any bit above the id field are refused, and
 * ids that the old 11-bit field folded onto instance 1 stay themselves.
 */
TEST_F(load, bad_id)
{
	unsigned long mem = self->base + (2UL << 20);

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MULTIKERNEL, mem, mem));
	EXPECT_EQ(-EINVAL, file_load(0, 0));
	EXPECT_EQ(-EINVAL, file_load_flags(KEXEC_MK_ID(1)));
	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(65536 + 1),
				    mem, mem));
	EXPECT_EQ(-EINVAL, file_load(65536 + 1, 0));
	EXPECT_EQ(-EINVAL, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1) |
				    (1UL << 63), mem, mem));
	EXPECT_EQ(-EINVAL, file_load(1, 1UL << 63));
	/* 2049 and 65535 are ids of their own, with no instance. */
	EXPECT_EQ(-ENOENT, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(2049),
				    mem, mem));
	EXPECT_EQ(-ENOENT, file_load(65535, 0));
	EXPECT_STREQ("empty", inst_state(1));
}

static int nobody_loads(void *arg)
{
	unsigned long mem = *(unsigned long *)arg;

	return file_load(1, 0) == -EPERM &&
	       seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1), mem, mem) == -EPERM ?
	       0 : 1;
}

TEST_F(load, not_root)
{
	unsigned long mem = self->base + (2UL << 20);

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	EXPECT_EQ(0, as_nobody(nobody_loads, &mem));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_F(load, destroy_while_loaded)
{
	char buf[32];

	if (self->disabled)
		SKIP(return, "kexec_load_disabled is set");

	ASSERT_EQ(0, file_load(1, 0));
	ASSERT_EQ(0, write_str(MK "destroy", "1\n"));
	EXPECT_STREQ("(none)", inst_state(1));
	EXPECT_EQ(self->pool_free, read_ull(MK "pool/free"));
	/* Put it back for the teardown. */
	snprintf(buf, sizeof(buf), "1 %d 64M\n", self->cpu);
	ASSERT_EQ(0, write_str(MK "create", buf));
}

/*
 * kexec_load_disabled cannot be cleared until reboot, so the harness sets
 * it for a boot of its own; then every load is refused.
 */
TEST_F(load, kexec_load_disabled)
{
	unsigned long mem = self->base + (2UL << 20);

	if (!self->disabled)
		SKIP(return, "kexec_load_disabled is not set");
	EXPECT_EQ(-EPERM, file_load(1, 0));
	EXPECT_EQ(-EPERM, seg_load(KEXEC_MULTIKERNEL | KEXEC_MK_ID(1), mem, mem));
	EXPECT_EQ(-EPERM, file_unload(1));
	EXPECT_EQ(-EPERM, seg_unload(1));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_HARNESS_MAIN
