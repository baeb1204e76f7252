// SPDX-License-Identifier: GPL-2.0
/*
 * mk_msg: the host side of the multikernel message tests (msg_test.sh,
 * hostile_test.sh, host_busy_test.sh), and a waiter for sysfs_notify()
 * (restart_test.sh).  The instance runs mk_echo, which sends every message
 * of type 0x100 back.  Each subcommand prints one line "mk_msg: ..." and
 * exits 0 when what it checks holds, 1 otherwise; see help().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/multikernel.h>

#include "mk_util.h"

#define ECHO_TYPE	0x100	/* what mk_echo answers by default */
#define WINDOW		32	/* echoes outstanding at most */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void help(void)
{
	fprintf(stderr,
		"usage: mk_msg echo ID COUNT SIZE [SECONDS]\n"
		"         send COUNT messages of SIZE (8..%d) bytes to instance ID, at\n"
		"         most %d unanswered, and check that each comes back whole and\n"
		"         in order; fail after SECONDS (default 30) without progress\n"
		"       mk_msg errno ID SIZE\n"
		"         one non-blocking write of SIZE bytes: prints errno=NAME\n"
		"         (errno=0 when it worked), fails unless it worked\n"
		"       mk_msg unbound ID\n"
		"         read/write before bind: EDESTADDRREQ; bind of a type outside\n"
		"         0x%x..0x%x: EINVAL\n"
		"       mk_msg nobody ID\n"
		"         user nobody cannot open /dev/multikernelID: EACCES\n"
		"       mk_msg fill ID SECONDS\n"
		"         non-blocking writes of 8 bytes until the ring to instance ID\n"
		"         is full (EAGAIN, and still so 0.2 s later); fails after\n"
		"         SECONDS without that\n"
		"       mk_msg notify FILE WANT SECONDS\n"
		"         read FILE (a sysfs file), then poll() it for POLLPRI and read\n"
		"         it again at each wakeup until it reads WANT; fails when it\n"
		"         read WANT at first, or after SECONDS without that\n"
		"       mk_msg flood-workload ITER\n"
		"         ITER rounds of integer hashing: prints workload ms=N hash=H\n",
		MULTIKERNEL_MSG_MAX, WINDOW, MULTIKERNEL_MSG_USER_FIRST,
		MULTIKERNEL_MSG_USER_LAST);
	exit(1);
}

/* Prints "mk_msg: ..." and exits 1. */
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("mk_msg: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" },
		{ EPIPE, "EPIPE" }, { EDESTADDRREQ, "EDESTADDRREQ" },
		{ EMSGSIZE, "EMSGSIZE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ECONNRESET, "ECONNRESET" }, { ENOTCONN, "ENOTCONN" },
		{ ESHUTDOWN, "ESHUTDOWN" }, { ETIMEDOUT, "ETIMEDOUT" },
	};
	static char buf[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* A number in 0..max, else help(). */
static unsigned long num(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		help();
	return v;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dev_open(int id, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/multikernel%d", id);
	fd = open(path, flags);
	if (fd < 0)
		fail("open %s: %s", path, errname(errno));
	return fd;
}

/* 0, or the errno of MULTIKERNEL_IOC_BIND. */
static int bind_type(int fd, __u32 type)
{
	return ioctl(fd, MULTIKERNEL_IOC_BIND, &type) ? errno : 0;
}

/*
 * Message @seq of @size bytes: @seq as a little-endian u64 in the first
 * 8 bytes, then a pattern that depends on @seq.
 */
static void fill(unsigned char *buf, uint64_t seq, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = i < 8 ? seq >> (8 * i) : (unsigned char)(seq * 167 + i * 13);
}

static uint64_t seq_of(const unsigned char *buf)
{
	uint64_t seq = 0;
	int i;

	for (i = 7; i >= 0; i--)
		seq = seq << 8 | buf[i];
	return seq;
}

static int cmd_echo(int id, unsigned long count, size_t size, int seconds)
{
	static unsigned char out[MULTIKERNEL_MSG_MAX], want[MULTIKERNEL_MSG_MAX];
	static unsigned char in[MULTIKERNEL_MSG_MAX];
	unsigned long sent = 0, got = 0;
	uint64_t t0 = now_ms(), last = t0, ms;
	struct pollfd p;
	ssize_t n;
	int fd, e;

	fd = dev_open(id, O_RDWR | O_NONBLOCK);
	e = bind_type(fd, ECHO_TYPE);
	if (e)
		fail("bind 0x%x: %s", ECHO_TYPE, errname(e));
	while (got < count) {
		if (now_ms() - last > seconds * 1000ULL)
			fail("echo: no progress for %d s: %lu sent, %lu back of %lu",
			     seconds, sent, got, count);
		p.fd = fd;
		p.events = POLLIN;
		if (sent < count && sent - got < WINDOW)
			p.events |= POLLOUT;
		if (poll(&p, 1, 1000) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll: %s", errname(errno));
		}
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
			fail("echo: poll revents 0x%x after %lu sent, %lu back",
			     p.revents, sent, got);
		if (p.revents & POLLOUT) {
			fill(out, sent, size);
			n = write(fd, out, size);
			if (n == (ssize_t)size) {
				sent++;
				last = now_ms();
			} else if (n >= 0 || errno != EAGAIN) {
				fail("write of message %lu: %zd, %s", sent, n,
				     errname(n < 0 ? errno : 0));
			}
		}
		if (!(p.revents & POLLIN))
			continue;
		n = read(fd, in, sizeof(in));
		if (n < 0) {
			if (errno == EAGAIN)
				continue;
			fail("read of echo %lu: %s", got, errname(errno));
		}
		if (got == sent)
			fail("a message of %zd bytes came before message %lu was sent",
			     n, got);
		fill(want, got, size);
		if (n != (ssize_t)size || memcmp(in, want, size))
			fail("echo %lu: %zd bytes with seq %lld, wanted %zu with seq %lu%s",
			     got, n, n >= 8 ? (long long)seq_of(in) : -1LL, size,
			     got, n >= 8 && seq_of(in) == got ? " (contents differ)" : "");
		got++;
		last = now_ms();
	}
	ms = now_ms() - t0;
	/* Nothing more may come: no duplicates. */
	p.events = POLLIN;
	if (poll(&p, 1, 100) > 0 && (p.revents & POLLIN)) {
		n = read(fd, in, sizeof(in));
		fail("a message of %zd bytes (seq %lld) after the last echo", n,
		     n >= 8 ? (long long)seq_of(in) : -1LL);
	}
	close(fd);
	printf("mk_msg: echo: %lu messages of %zu bytes back in order in %llu ms, %llu msgs/s\n",
	       count, size, (unsigned long long)ms,
	       (unsigned long long)(count * 1000ULL / (ms ? ms : 1)));
	return 0;
}

static int cmd_errno(int id, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	int fd, e;

	if (!buf)
		fail("out of memory");
	fill(buf, 0, size);
	fd = dev_open(id, O_RDWR | O_NONBLOCK);
	e = bind_type(fd, ECHO_TYPE);
	if (e)
		fail("bind 0x%x: %s", ECHO_TYPE, errname(e));
	e = write(fd, buf, size) == (ssize_t)size ? 0 : errno;
	printf("mk_msg: errno=%s\n", errname(e));
	close(fd);
	free(buf);
	return e ? 1 : 0;
}

/* Prints "WHAT NAME" for the errno @e; whether it is @want. */
static int expect(const char *what, int e, int want)
{
	printf(" %s %s", what, errname(e));
	if (e != want)
		printf(" (wanted %s)", errname(want));
	printf(",");
	return e == want;
}

static int cmd_unbound(int id)
{
	unsigned char buf[8] = { 0 };
	int fd = dev_open(id, O_RDWR | O_NONBLOCK);
	int ok = 1, fd2;

	printf("mk_msg: unbound:");
	ok &= expect("write", write(fd, buf, 8) < 0 ? errno : 0, EDESTADDRREQ);
	ok &= expect("read", read(fd, buf, 8) < 0 ? errno : 0, EDESTADDRREQ);
	ok &= expect("bind 0x7f", bind_type(fd, 0x7f), EINVAL);
	ok &= expect("bind 0xff", bind_type(fd, MULTIKERNEL_MSG_USER_FIRST - 1), EINVAL);
	ok &= expect("bind 0x10000", bind_type(fd, MULTIKERNEL_MSG_USER_LAST + 1), EINVAL);
	/* A refused bind leaves the file unbound. */
	ok &= expect("write", write(fd, buf, 8) < 0 ? errno : 0, EDESTADDRREQ);
	fd2 = dev_open(id, O_RDWR | O_NONBLOCK);
	ok &= expect("bind 0xffff", bind_type(fd2, MULTIKERNEL_MSG_USER_LAST), 0);
	/* As bind() of a bound socket: once bound, always that type. */
	ok &= expect("bind again", bind_type(fd2, MULTIKERNEL_MSG_USER_FIRST), EINVAL);
	printf(" %s\n", ok ? "as expected" : "FAILED");
	close(fd2);
	close(fd);
	return ok ? 0 : 1;
}

/* Run as nobody: 0 when the open worked, else its errno. */
static int nobody_opens(void *arg)
{
	int fd = open(arg, O_RDWR);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int cmd_nobody(int id)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/dev/multikernel%d", id);
	if (access(path, F_OK))
		fail("nobody: %s: %s", path, errname(errno));
	r = as_nobody(nobody_opens, path);
	if (r < 0 || r == 255)
		fail("nobody: could not run as user nobody");
	printf("mk_msg: nobody: open %s: %s%s\n", path,
	       r ? errname(r) : "worked", r == EACCES ? "" : " (wanted EACCES)");
	return r == EACCES ? 0 : 1;
}

static int cmd_fill(int id, int seconds)
{
	unsigned char buf[8] = { 0 };
	uint64_t t0 = now_ms();
	unsigned long n = 0;
	int fd, e;

	fd = dev_open(id, O_RDWR | O_NONBLOCK);
	e = bind_type(fd, ECHO_TYPE);
	if (e)
		fail("bind 0x%x: %s", ECHO_TYPE, errname(e));
	while (now_ms() - t0 < seconds * 1000ULL) {
		if (write(fd, buf, sizeof(buf)) == sizeof(buf)) {
			n++;
			continue;
		}
		if (errno != EAGAIN)
			fail("fill: write %lu: %s", n, errname(errno));
		/* Full, unless the instance still takes messages. */
		usleep(200000);
		if (write(fd, buf, sizeof(buf)) == sizeof(buf)) {
			n++;
			continue;
		}
		if (errno != EAGAIN)
			fail("fill: write %lu: %s", n, errname(errno));
		printf("mk_msg: fill: ring full after %lu messages\n", n);
		close(fd);
		return 0;
	}
	fail("fill: %lu messages in %d s, the ring never stayed full", n, seconds);
	return 1;
}

/* @fd's contents from offset 0, without the newline, into @buf. */
static void sysfs_read(int fd, const char *path, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		fail("notify: read %s: %s", path, errname(errno));
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int cmd_notify(const char *path, const char *want, int seconds)
{
	uint64_t end = now_ms() + seconds * 1000ULL;
	struct pollfd p = { .events = POLLPRI };
	unsigned int wakeups = 0;
	char buf[64];
	int r;

	p.fd = open(path, O_RDONLY);
	if (p.fd < 0)
		fail("notify: open %s: %s", path, errname(errno));
	sysfs_read(p.fd, path, buf, sizeof(buf));
	printf("mk_msg: notify: armed at '%s'\n", buf);
	if (!strcmp(buf, want))
		fail("notify: %s is '%s' already", path, want);
	for (;;) {
		uint64_t now = now_ms();

		if (now >= end)
			fail("notify: %s: '%s' after %u wakeups in %d s, wanted '%s'",
			     path, buf, wakeups, seconds, want);
		r = poll(&p, 1, end - now);
		if (r < 0 && errno != EINTR)
			fail("notify: poll: %s", errname(errno));
		if (r <= 0)
			continue;
		if (!(p.revents & (POLLPRI | POLLERR)))
			fail("notify: poll revents 0x%x", p.revents);
		wakeups++;
		sysfs_read(p.fd, path, buf, sizeof(buf));
		if (!strcmp(buf, want))
			break;
	}
	printf("mk_msg: notify: %s is '%s' after %u wakeups\n", path, want,
	       wakeups);
	close(p.fd);
	return 0;
}

static int cmd_workload(unsigned long iter)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, t0 = now_ms();
	unsigned long i;

	for (i = 0; i < iter; i++) {
		h ^= i;
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	/* The hash is printed so that the loop cannot be left out. */
	printf("mk_msg: workload ms=%llu hash=%016llx\n",
	       (unsigned long long)(now_ms() - t0), (unsigned long long)h);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	unsigned long count, size, seconds = 30;
	int id;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "flood-workload") && argc == 3)
		return cmd_workload(num(argv[2], ~0UL));
	if (!strcmp(cmd, "notify") && argc == 5)
		return cmd_notify(argv[2], argv[3], num(argv[4], 3600));
	if (argc < 3)
		help();
	id = num(argv[2], INT_MAX);
	if (!strcmp(cmd, "echo") && (argc == 5 || argc == 6)) {
		count = num(argv[3], ~0UL);
		size = num(argv[4], MULTIKERNEL_MSG_MAX);
		if (argc == 6)
			seconds = num(argv[5], 3600);
		if (!count || size < 8 || !seconds)
			help();
		return cmd_echo(id, count, size, seconds);
	}
	if (!strcmp(cmd, "errno") && argc == 4)
		return cmd_errno(id, num(argv[3], 1 << 20));
	if (!strcmp(cmd, "unbound") && argc == 3)
		return cmd_unbound(id);
	if (!strcmp(cmd, "nobody") && argc == 3)
		return cmd_nobody(id);
	if (!strcmp(cmd, "fill") && argc == 4)
		return cmd_fill(id, num(argv[3], 3600));
	help();
	return 1;
}
