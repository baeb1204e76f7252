// SPDX-License-Identifier: GPL-2.0
/*
 * reboot(LINUX_REBOOT_CMD_MULTIKERNEL*) on instances that cannot be
 * started or stopped: each request fails with its own errno and the
 * instance stays as it was.  Starting real kernels is spawn_test.sh's job.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/reboot.h>

#include "../kselftest_harness.h"

#define MK	"/sys/kernel/multikernel/"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static const char *inst_state(int id)
{
	static char buf[32];
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), MK "instances/%d/state", id);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "(none)";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n - 1 : 0] = '\0';
	return buf;
}

static int mk_reboot(unsigned int cmd, int id)
{
	struct multikernel_boot_args args = { .mk_id = id };

	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, &args))
		return -errno;
	return 0;
}

FIXTURE(start) {
	int created;
};

FIXTURE_SETUP(start)
{
	char buf[64], present[32];
	int fd = open("/sys/devices/system/cpu/present", O_RDONLY);
	ssize_t n;

	ASSERT_LE(0, fd);
	n = read(fd, present, sizeof(present) - 1);
	close(fd);
	ASSERT_LT(0, n);
	present[n] = '\0';
	snprintf(buf, sizeof(buf), "1 %d 2M\n",
		 atoi(strrchr(present, '-') ? strrchr(present, '-') + 1 : present));
	self->created = write_str(MK "create", buf) == 0;
}

FIXTURE_TEARDOWN(start)
{
	if (self->created)
		EXPECT_EQ(0, write_str(MK "destroy", "1\n"));
}

TEST_F(start, no_such_instance)
{
	EXPECT_EQ(-ENOENT, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 7));
	EXPECT_EQ(-ENOENT, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 7));
}

TEST_F(start, nothing_loaded)
{
	if (!self->created)
		SKIP(return, "no pool to create an instance in");
	EXPECT_EQ(-ENOEXEC, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1));
	EXPECT_STREQ("empty", inst_state(1));
	/* Nothing runs, so there is nothing to kill. */
	EXPECT_EQ(-EINVAL, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 1));
	EXPECT_STREQ("empty", inst_state(1));
}

TEST_F(start, graceful_halt_not_yet)
{
	EXPECT_EQ(-EOPNOTSUPP, mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT, 1));
}

TEST_F(start, bad_argument_pointer)
{
	EXPECT_EQ(-EFAULT, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
				   LINUX_REBOOT_MAGIC2,
				   LINUX_REBOOT_CMD_MULTIKERNEL, (void *)8) ? -errno : 0);
}

TEST_F(start, not_root)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL, 1) == -EPERM &&
		      mk_reboot(LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE, 1) == -EPERM ?
		      0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
