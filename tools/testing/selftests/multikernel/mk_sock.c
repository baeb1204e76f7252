// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets and consoles between a multikernel host and its instances, for
 * the selftests and the benchmarks:
 *
 *   mk_sock cid                          this kernel's AF_VSOCK CID
 *   mk_sock serve FAMILY ADDR TYPE       echo every connection, forever
 *   mk_sock hold FAMILY ADDR             accept connections, read nothing
 *   mk_sock fill FAMILY ADDR             write to a "hold" until the
 *                                        peer's credit runs out: prints
 *                                        the bytes it took (stream)
 *   mk_sock echo FAMILY ADDR TYPE SIZE COUNT
 *                                        COUNT messages of SIZE bytes,
 *                                        each must come back whole
 *   mk_sock stream FAMILY ADDR MBYTES    send MBYTES to a "serve" and
 *                                        read them back; prints MB/s
 *   mk_sock rr FAMILY ADDR COUNT         COUNT round trips of 64 bytes
 *                                        (SOCK_SEQPACKET); prints the
 *                                        median in microseconds
 *   mk_sock pair FAMILY TYPE CPU_A CPU_B (stream MBYTES | rr COUNT)
 *                                        both ends in this kernel, a
 *                                        server pinned to CPU_A and the
 *                                        client to CPU_B
 *   mk_sock blast IPV4:PORT SECONDS      UDP datagrams of 1400 bytes as
 *                                        fast as they go, for SECONDS
 *   mk_sock run TTY TIMEOUT COMMAND      run COMMAND in the shell on the
 *                                        other end of TTY; print its
 *                                        output, exit with its status
 *
 * FAMILY is vsock (ADDR "CID:PORT"), tcp (ADDR "IPV4:PORT") or unix (ADDR
 * a path); TYPE is stream or seqpacket.  Exit status 0 on success, 1 on
 * failure with a line "mk_sock: ..." saying why.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define RR_SIZE		64
#define STREAM_CHUNK	65536

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("mk_sock: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct addr {
	int family;
	union {
		struct sockaddr sa;
		struct sockaddr_vm vm;
		struct sockaddr_in in;
		struct sockaddr_un un;
	} u;
	socklen_t len;
};

static void parse_addr(const char *family, const char *s, struct addr *a)
{
	const char *colon = strrchr(s, ':');
	char host[64];

	memset(a, 0, sizeof(*a));
	if (!strcmp(family, "unix")) {
		a->family = AF_UNIX;
		a->u.un.sun_family = AF_UNIX;
		snprintf(a->u.un.sun_path, sizeof(a->u.un.sun_path), "%s", s);
		a->len = sizeof(a->u.un);
		return;
	}
	if (!colon || colon - s >= (long)sizeof(host))
		fail("bad address %s", s);
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (!strcmp(family, "vsock")) {
		a->family = AF_VSOCK;
		a->u.vm.svm_family = AF_VSOCK;
		a->u.vm.svm_cid = strtoul(host, NULL, 0);
		a->u.vm.svm_port = strtoul(colon + 1, NULL, 0);
		a->len = sizeof(a->u.vm);
	} else if (!strcmp(family, "tcp")) {
		a->family = AF_INET;
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons(strtoul(colon + 1, NULL, 0));
		if (inet_pton(AF_INET, host, &a->u.in.sin_addr) != 1)
			fail("bad IPv4 address %s", host);
		a->len = sizeof(a->u.in);
	} else {
		fail("unknown family %s", family);
	}
}

static int sock_type(const char *type)
{
	if (!strcmp(type, "stream"))
		return SOCK_STREAM;
	if (!strcmp(type, "seqpacket"))
		return SOCK_SEQPACKET;
	fail("unknown type %s", type);
	return -1;
}

static int listen_on(struct addr *a, int type)
{
	int one = 1, fd = socket(a->family, type, 0);

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_UNIX)
		unlink(a->u.un.sun_path);
	if (bind(fd, &a->u.sa, a->len) || listen(fd, 16))
		fail("bind/listen: %s", strerror(errno));
	return fd;
}

static int connect_to(struct addr *a, int type)
{
	int i, fd;

	/* The server may still be starting: try for 10 s. */
	for (i = 0; i < 100; i++) {
		fd = socket(a->family, type, 0);
		if (fd < 0)
			fail("socket: %s", strerror(errno));
		if (!connect(fd, &a->u.sa, a->len))
			return fd;
		if (errno != ECONNREFUSED && errno != ECONNRESET &&
		    errno != ENOENT && errno != ENODEV)
			fail("connect: %s", strerror(errno));
		close(fd);
		usleep(100000);
	}
	fail("connect: %s", strerror(errno));
	return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Echo one connection until it ends. */
static void echo_conn(int fd, int type)
{
	static char buf[STREAM_CHUNK];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (type == SOCK_SEQPACKET ? write(fd, buf, n) != n :
					     write_all(fd, buf, n))
			break;
	close(fd);
}

static void cmd_serve(struct addr *a, int type)
{
	int lfd = listen_on(a, type), fd;

	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (!fork()) {
			close(lfd);
			echo_conn(fd, type);
			_exit(0);
		}
		close(fd);
	}
}

static void cmd_hold(struct addr *a)
{
	int lfd = listen_on(a, SOCK_STREAM);

	for (;;)
		accept(lfd, NULL, NULL);
}

/* Connect, then read until the connection ends; say how it ended. */
static int cmd_wait(struct addr *a)
{
	int fd = connect_to(a, SOCK_STREAM);
	ssize_t n;
	char c;

	printf("mk_sock: wait: connected\n");
	do
		n = read(fd, &c, 1);
	while (n > 0);
	printf("mk_sock: wait: %s\n", n ? strerror(errno) : "end of stream");
	close(fd);
	return n ? 1 : 0;
}

/* Bytes a peer that reads nothing takes before writes would block. */
static int cmd_fill(struct addr *a)
{
	static char buf[STREAM_CHUNK];
	int fd = connect_to(a, SOCK_STREAM);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	size_t total = 0;
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* Until two seconds pass without room. */
	while (poll(&p, 1, 2000) > 0) {
		n = write(fd, buf, sizeof(buf));
		if (n > 0)
			total += n;
		else if (errno != EAGAIN)
			fail("fill: %s after %zu bytes", strerror(errno), total);
		if (total > (256UL << 20))
			fail("fill: the peer took 256 MB without reading");
	}
	printf("mk_sock: fill: %zu bytes taken, then no room\n", total);
	close(fd);
	return 0;
}

static int read_all(int fd, char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, buf, len);
		if (n < 0)
			fail("read: %s", strerror(errno));
		if (!n)
			fail("read: connection closed with %zu bytes to go", len);
		buf += n;
		len -= n;
	}
	return 0;
}

static int cmd_echo(struct addr *a, int type, size_t size, unsigned long count)
{
	char *out = malloc(size), *in = malloc(size);
	int fd = connect_to(a, type);
	unsigned long i;
	size_t j;
	ssize_t n;

	if (!out || !in)
		fail("no memory");
	for (i = 0; i < count; i++) {
		for (j = 0; j < size; j++)
			out[j] = (char)(i * 31 + j);
		if (type == SOCK_SEQPACKET) {
			if (write(fd, out, size) != (ssize_t)size)
				fail("write %lu: %s", i, strerror(errno));
			n = read(fd, in, size);
			if (n != (ssize_t)size)
				fail("message %lu: %zd bytes back, wanted %zu (%s)",
				     i, n, size, n < 0 ? strerror(errno) : "");
		} else {
			if (write_all(fd, out, size))
				fail("write %lu: %s", i, strerror(errno));
			read_all(fd, in, size);
		}
		if (memcmp(in, out, size))
			fail("message %lu came back changed", i);
	}
	printf("mk_sock: echo: %lu messages of %zu bytes back whole\n", count, size);
	close(fd);
	return 0;
}

/* Send MBYTES, read them back meanwhile: MB/s of the round trip's half. */
static int cmd_stream(struct addr *a, unsigned long mbytes)
{
	static char buf[STREAM_CHUNK];
	size_t total = mbytes << 20, sent = 0, got = 0;
	int fd = connect_to(a, SOCK_STREAM);
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	double t0 = now_us(), secs;
	ssize_t n;

	memset(buf, 0x5a, sizeof(buf));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got < total) {
		p.events = POLLIN | (sent < total ? POLLOUT : 0);
		if (poll(&p, 1, 10000) <= 0)
			fail("stream: stalled at %zu of %zu bytes", got, total);
		if (p.revents & POLLOUT && sent < total) {
			n = write(fd, buf, sent + sizeof(buf) > total ?
					   total - sent : sizeof(buf));
			if (n > 0)
				sent += n;
			else if (errno != EAGAIN)
				fail("stream: connection lost at %zu bytes: %s",
				     got, strerror(errno));
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			n = read(fd, buf, sizeof(buf));
			if (n == 0)
				fail("stream: closed at %zu bytes", got);
			if (n > 0)
				got += n;
			else if (errno != EAGAIN)
				fail("stream: connection lost at %zu bytes: %s",
				     got, strerror(errno));
		}
	}
	secs = (now_us() - t0) / 1e6;
	printf("mk_sock: stream: %lu MB there and back in %.3f s, %.1f MB/s\n",
	       mbytes, secs, mbytes / secs);
	close(fd);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmd_rr(struct addr *a, unsigned long count)
{
	double *t = calloc(count, sizeof(*t));
	int fd = connect_to(a, SOCK_SEQPACKET);
	char buf[RR_SIZE] = { 1 };
	unsigned long i;
	double t0;

	if (!t || !count)
		fail("bad count");
	for (i = 0; i < count; i++) {
		t0 = now_us();
		if (write(fd, buf, sizeof(buf)) != sizeof(buf) ||
		    read(fd, buf, sizeof(buf)) != sizeof(buf))
			fail("rr %lu: %s", i, strerror(errno));
		t[i] = now_us() - t0;
	}
	qsort(t, count, sizeof(*t), cmp_double);
	printf("mk_sock: rr: %lu round trips of %d bytes, median %.1f us, p99 %.1f us\n",
	       count, RR_SIZE, t[count / 2], t[count * 99 / 100]);
	close(fd);
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("CPU %d: %s", cpu, strerror(errno));
}

/* A server on CPU @a and the client on CPU @b, both here. */
static int cmd_pair(const char *family, int type, int a, int b, char **argv)
{
	struct addr addr;
	pid_t server;
	int ret;

	if (!strcmp(family, "unix"))
		parse_addr(family, "/tmp/mk_sock.pair", &addr);
	else if (!strcmp(family, "tcp"))
		parse_addr(family, "127.0.0.1:7911", &addr);
	else
		parse_addr(family, "1:7911", &addr);	/* VMADDR_CID_LOCAL */
	server = fork();
	if (!server) {
		pin(a);
		cmd_serve(&addr, type);
	}
	pin(b);
	if (!strcmp(argv[0], "stream"))
		ret = cmd_stream(&addr, strtoul(argv[1], NULL, 0));
	else
		ret = cmd_rr(&addr, strtoul(argv[1], NULL, 0));
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	return ret;
}

/*
 * Run @cmd in the shell at the other end of @tty: raw mode here, no echo
 * there, a marker before the output and one with the status after it.
 * Both carry a nonce of this call, so that the late answer of an earlier
 * call (one that timed out) is not taken for this one's.  The markers are
 * split in the command line, so that an echo of the line (or a prompt) is
 * no marker.
 */
static int cmd_run(const char *tty, int timeout, const char *cmd)
{
	static char out[65536];
	struct termios t;
	struct timespec ts;
	size_t len = 0;
	char line[4096], nonce[32], go[48], rc[48], *m, *start, *p;
	double end = now_us() + timeout * 1e6;
	int fd, status;
	ssize_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(nonce, sizeof(nonce), "%x.%lx", (unsigned int)getpid(),
		 (unsigned long)ts.tv_nsec);
	snprintf(go, sizeof(go), "@mk-go-%s@", nonce);
	snprintf(rc, sizeof(rc), "@mk-rc-%s=", nonce);
	fd = open(tty, O_RDWR | O_NOCTTY);
	if (fd < 0)
		fail("open %s: %s", tty, strerror(errno));
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	snprintf(line, sizeof(line),
		 "\nstty -echo 2>/dev/null; echo \"@mk\"\"-go-%s@\"; %s; echo \"@mk\"\"-rc-%s=$?@\"\n",
		 nonce, cmd, nonce);
	if (write_all(fd, line, strlen(line)))
		fail("write %s: %s", tty, strerror(errno));
	while (now_us() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(fd, out + len, sizeof(out) - 1 - len);
		if (n <= 0)
			fail("read %s: %s", tty, n ? strerror(errno) : "hung up");
		len += n;
		out[len] = '\0';
		m = strstr(out, rc);
		if (!m || sscanf(m + strlen(rc), "%d@", &status) != 1 ||
		    !strchr(m + strlen(rc), '@'))
			continue;
		*m = '\0';
		/* The output is between the two markers. */
		start = strstr(out, go);
		start = start ? strchr(start, '\n') : NULL;
		if (!start)
			fail("run: the status came without the start marker %s", go);
		for (p = start + 1; *p; p++)
			if (*p != '\r')
				putchar(*p);
		return status;
	}
	fail("run: no answer from %s in %d s", tty, timeout);
	return 1;
}

/* A flood: nobody need listen. */
static int cmd_blast(const char *to, int seconds)
{
	static char buf[1400];
	struct addr a;
	double end = now_us() + seconds * 1e6;
	unsigned long n = 0;
	int fd;

	parse_addr("tcp", to, &a);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	while (now_us() < end)
		for (int i = 0; i < 64; i++)
			if (sendto(fd, buf, sizeof(buf), 0, &a.u.sa, a.len) > 0)
				n++;
	printf("mk_sock: blast: %lu datagrams in %d s\n", n, seconds);
	return 0;
}

static int cmd_cid(void)
{
	unsigned int cid;
	int fd = open("/dev/vsock", O_RDONLY);

	if (fd < 0 || ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid))
		fail("local CID: %s", strerror(errno));
	printf("%u\n", cid);
	return 0;
}

static void help(void)
{
	fail("usage: mk_sock cid | serve FAMILY ADDR TYPE | hold FAMILY ADDR | fill FAMILY ADDR |\n"
	     "  wait FAMILY ADDR |\n"
	     "  echo FAMILY ADDR TYPE SIZE COUNT | stream FAMILY ADDR MBYTES | rr FAMILY ADDR COUNT |\n"
	     "  pair FAMILY TYPE CPU_A CPU_B (stream MBYTES | rr COUNT) | blast IPV4:PORT SECONDS |\n"
	     "  run TTY TIMEOUT COMMAND");
}

int main(int argc, char **argv)
{
	struct addr a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "cid"))
		return cmd_cid();
	if (argc == 4 && !strcmp(argv[1], "blast"))
		return cmd_blast(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "run"))
		return cmd_run(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 8 && !strcmp(argv[1], "pair"))
		return cmd_pair(argv[2], sock_type(argv[3]), atoi(argv[4]),
				atoi(argv[5]), argv + 6);
	if (argc < 4)
		help();
	parse_addr(argv[2], argv[3], &a);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		cmd_hold(&a);	/* does not return */
	if (argc == 4 && !strcmp(argv[1], "wait"))
		return cmd_wait(&a);
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return cmd_fill(&a);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		cmd_serve(&a, sock_type(argv[4]));
	if (argc == 7 && !strcmp(argv[1], "echo"))
		return cmd_echo(&a, sock_type(argv[4]), strtoul(argv[5], NULL, 0),
				strtoul(argv[6], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "stream"))
		return cmd_stream(&a, strtoul(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "rr"))
		return cmd_rr(&a, strtoul(argv[4], NULL, 0));
	help();
	return 1;
}
