/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the multikernel selftests: reading and writing sysfs
 * files, returning -errno.
 */
#ifndef MK_UTIL_H
#define MK_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#define MK		"/sys/kernel/multikernel/"
#define CPU_SYS		"/sys/devices/system/cpu/"

static inline int write_str(const char *path, const char *s)
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

/* Reads @path into @buf without its trailing newline. */
static inline int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* The number in @path, ~0ULL when it cannot be read. */
static inline unsigned long long read_ull(const char *path)
{
	char buf[64];

	if (read_str(path, buf, sizeof(buf)))
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

/* Highest present CPU number, -1 when unknown. */
static inline int last_cpu(void)
{
	char buf[64], *p;

	if (read_str(CPU_SYS "present", buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, '-');
	if (!p)
		p = strrchr(buf, ',');
	return atoi(p ? p + 1 : buf);
}

/* The state of instance @id, "(none)" when there is no such instance. */
static inline const char *inst_state(int id)
{
	static char buf[32];
	char path[96];

	snprintf(path, sizeof(path), MK "instances/%d/state", id);
	if (read_str(path, buf, sizeof(buf)))
		return "(none)";
	return buf;
}

/*
 * Runs @fn(@arg) in a child as user and group nobody.  Returns what @fn
 * returned (0..254), 255 when the child kept its privileges, -1 when it
 * could not be run.
 */
static inline int as_nobody(int (*fn)(void *arg), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(255);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Runs @fn(@arg) in a child that stays root but has no CAP_SYS_BOOT in its
 * effective set.  Returns what @fn returned (0..254), 255 when the
 * capability could not be dropped, -1 when it could not be run.
 */
static inline int without_cap_sys_boot(int (*fn)(void *arg), void *arg)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (syscall(SYS_capget, &h, d))
			_exit(255);
		d[CAP_SYS_BOOT / 32].effective &= ~(1U << (CAP_SYS_BOOT % 32));
		if (syscall(SYS_capset, &h, d))
			_exit(255);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* MK_UTIL_H */
