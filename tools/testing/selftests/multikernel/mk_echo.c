// SPDX-License-Identifier: GPL-2.0
/*
 * mk_echo: runs in a multikernel instance (harness/guest/instance-init,
 * mk.instance=echo) and sends every message of one type that comes from
 * the host back unchanged; "mk_msg echo" is the other end.
 *   mk_echo [TYPE]    TYPE 0x100 (default) .. 0xffff
 * Prints "mk-echo: ready type 0x100" once it listens.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/multikernel.h>

#define HOST	"/dev/multikernel0"

/* Prints what failed; whether to go on (the error is a passing one). */
static int passing(const char *what)
{
	int e = errno;

	printf("mk-echo: %s: %s\n", what, strerror(e));
	return e == EINTR || e == EAGAIN;
}

int main(int argc, char **argv)
{
	static char buf[MULTIKERNEL_MSG_MAX];
	unsigned long type = MULTIKERNEL_MSG_USER_FIRST;
	char *end = "";
	ssize_t n, w;
	__u32 t;
	int fd, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	errno = 0;
	if (argc == 2)
		type = strtoul(argv[1], &end, 0);
	if (argc > 2 || errno || *end || type < MULTIKERNEL_MSG_USER_FIRST ||
	    type > MULTIKERNEL_MSG_USER_LAST) {
		fprintf(stderr, "usage: mk_echo [TYPE], TYPE 0x%x..0x%x\n",
			MULTIKERNEL_MSG_USER_FIRST, MULTIKERNEL_MSG_USER_LAST);
		return 1;
	}

	/* devtmpfs makes the device once the message driver is up: 10 s. */
	for (i = 0; (fd = open(HOST, O_RDWR)) < 0; i++) {
		if (i == 100) {
			passing("open " HOST);
			return 1;
		}
		usleep(100000);
	}
	t = type;
	if (ioctl(fd, MULTIKERNEL_IOC_BIND, &t)) {
		passing("bind");
		return 1;
	}
	printf("mk-echo: ready type 0x%lx\n", type);

	for (;;) {
		/* A message may be empty: 0 is no end of file here. */
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (!passing("read"))
				return 1;
			continue;
		}
		w = write(fd, buf, n);
		if (w < 0 && !passing("write"))
			return 1;
		if (w >= 0 && w != n) {
			printf("mk-echo: write of %zd bytes sent %zd\n", n, w);
			return 1;
		}
	}
}
