// SPDX-License-Identifier: GPL-2.0
/*
 * Creating and destroying multikernel instances through
 * /sys/kernel/multikernel/{create,destroy}: what an instance takes from
 * the host (a CPU, pool memory), that the host gets it back, and that
 * every bad request fails with its own errno and changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/multikernel.h>

#include "../kselftest_harness.h"
#include "mk_util.h"

static int cpu_online(int cpu)
{
	char path[64];

	snprintf(path, sizeof(path), CPU_SYS "cpu%d/online", cpu);
	return (int)read_ull(path);
}

static int set_cpu_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), CPU_SYS "cpu%d/online", cpu);
	return write_str(path, on ? "1" : "0");
}

static int iomem_has(const char *name, unsigned long long *start)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *n = strstr(line, " : ");

		line[strcspn(line, "\n")] = '\0';
		if (!n || strcmp(n + 3, name))
			continue;
		found = 1;
		if (start)
			sscanf(line, " %llx", start);
	}
	fclose(f);
	return found;
}

/* A line of /proc/interrupts ends with @name. */
static int interrupts_have(const char *name)
{
	char line[512];
	int found = 0;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		if (len > n && line[len - n - 1] == ' ' &&
		    !strncmp(line + len - n, name, n))
			found = 1;
	}
	fclose(f);
	return found;
}

static int create(int id, int cpu, const char *size)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d %d %s\n", id, cpu, size);
	return write_str(MK "create", buf);
}

static int destroy(int id)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d\n", id);
	return write_str(MK "destroy", buf);
}

/* What an instance takes from the host, to check nothing leaked. */
struct host_state {
	unsigned long long pool_free;
	char online[64];
	int instances;
};

static void host_state(struct host_state *s)
{
	FILE *f = popen("ls " MK "instances | wc -l", "r");

	s->pool_free = read_ull(MK "pool/free");
	if (read_str(CPU_SYS "online", s->online, sizeof(s->online)))
		s->online[0] = '\0';
	s->instances = -1;
	if (f) {
		if (fscanf(f, "%d", &s->instances) != 1)
			s->instances = -1;
		pclose(f);
	}
}

static void host_unchanged(struct __test_metadata *_metadata,
			   const struct host_state *before)
{
	struct host_state now;

	host_state(&now);
	EXPECT_EQ(before->pool_free, now.pool_free);
	EXPECT_STREQ(before->online, now.online);
	EXPECT_EQ(before->instances, now.instances);
}

FIXTURE(mk) {
	struct host_state before;
	unsigned long long pool_total;
	int cpu;
};

FIXTURE_SETUP(mk)
{
	self->pool_total = read_ull(MK "pool/total");
	self->cpu = last_cpu();
	ASSERT_LE(1, self->cpu) TH_LOG("needs a second CPU");
	host_state(&self->before);
	ASSERT_EQ(0, self->before.instances);
}

FIXTURE_TEARDOWN(mk)
{
	/* Whatever a test did, the host has everything back. */
	host_unchanged(_metadata, &self->before);
}

TEST_F(mk, create_and_destroy)
{
	unsigned long long base, pool_base, iomem_start = 0, irq;
	char buf[64];

	if (self->pool_total < (68ULL << 20))
		SKIP(return, "needs a pool of 68M");
	pool_base = read_ull(MK "pool/base");

	ASSERT_EQ(0, create(1, self->cpu, "64M"));

	ASSERT_EQ(0, read_str(MK "instances/1/state", buf, sizeof(buf)));
	EXPECT_STREQ("empty", buf);
	EXPECT_EQ(self->cpu, (int)read_ull(MK "instances/1/cpus"));
	EXPECT_EQ(64ULL << 20, read_ull(MK "instances/1/memory_size"));
	base = read_ull(MK "instances/1/memory_base");
	EXPECT_LE(pool_base, base);
	EXPECT_GE(pool_base + self->pool_total, base + (64ULL << 20));
	EXPECT_EQ(0, base % (2ULL << 20));
	/* Its memory and its 4M communication area. */
	EXPECT_EQ(self->before.pool_free - (68ULL << 20), read_ull(MK "pool/free"));
	EXPECT_TRUE(iomem_has("Multikernel instance 1", &iomem_start));
	EXPECT_EQ(base, iomem_start);
	EXPECT_TRUE(iomem_has("Multikernel instance 1 comm", &iomem_start));
	EXPECT_TRUE(iomem_start < base || iomem_start >= base + (64ULL << 20));

	/* Its doorbell: an interrupt of its own, with a /proc/irq entry. */
	irq = read_ull(MK "instances/1/doorbell_irq");
	EXPECT_LT(0ULL, irq);
	snprintf(buf, sizeof(buf), "/proc/irq/%llu/smp_affinity_list", irq);
	EXPECT_EQ(0, access(buf, F_OK));
	EXPECT_TRUE(interrupts_have("multikernel1"));

	/* The host gave the CPU away and will not take it back. */
	EXPECT_EQ(0, cpu_online(self->cpu));
	EXPECT_EQ(-EBUSY, set_cpu_online(self->cpu, 1));
	EXPECT_EQ(0, cpu_online(self->cpu));

	ASSERT_EQ(0, destroy(1));
	EXPECT_EQ(-ENOENT, access(MK "instances/1", F_OK) ? -errno : 0);
	EXPECT_FALSE(iomem_has("Multikernel instance 1", NULL));
	EXPECT_FALSE(iomem_has("Multikernel instance 1 comm", NULL));
	EXPECT_FALSE(interrupts_have("multikernel1"));
	EXPECT_EQ(1, cpu_online(self->cpu));
}

TEST_F(mk, offline_cpu_stays_offline)
{
	if (self->pool_total < (6ULL << 20))
		SKIP(return, "needs a pool");

	ASSERT_EQ(0, set_cpu_online(self->cpu, 0));
	ASSERT_EQ(0, create(1, self->cpu, "2M"));
	EXPECT_EQ(-EBUSY, set_cpu_online(self->cpu, 1));
	ASSERT_EQ(0, destroy(1));
	/* It was offline before, so it stays offline. */
	EXPECT_EQ(0, cpu_online(self->cpu));
	ASSERT_EQ(0, set_cpu_online(self->cpu, 1));
}

TEST_F(mk, bad_create)
{
	char big[32], absent[16];
	const struct {
		const char *what;
		char buf[64];
		int err;
	} *c, cases[] = {
		{ "id 0",		"0 %d 2M",	-ERANGE },
		{ "id 65536",		"65536 %d 2M",	-ERANGE },
		{ "negative id",	"-1 %d 2M",	-ERANGE },
		{ "boot CPU",		"1 0 2M",	-EINVAL },
		{ "absent CPU",		"1 %s 2M",	-ENODEV },
		{ "size not 2M aligned", "1 %d 3M",	-EINVAL },
		{ "size 0",		"1 %d 0",	-EINVAL },
		{ "larger than pool",	"1 %d %s",	-ENOMEM },
		{ "no size",		"1 %d",		-EINVAL },
		{ "trailing junk",	"1 %d 2M x",	-EINVAL },
		{ "not numbers",	"a b c",	-EINVAL },
	};
	char buf[96];
	int i;

	snprintf(big, sizeof(big), "%lluM", (self->pool_total >> 20) + 2);
	snprintf(absent, sizeof(absent), "%d", self->cpu + 1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		c = &cases[i];
		if (strstr(c->buf, "%s") && strstr(c->buf, "%d"))
			snprintf(buf, sizeof(buf), c->buf, self->cpu, big);
		else if (strstr(c->buf, "%s"))
			snprintf(buf, sizeof(buf), c->buf, absent);
		else
			snprintf(buf, sizeof(buf), c->buf, self->cpu);
		EXPECT_EQ(c->err, write_str(MK "create", buf))
			TH_LOG("%s: \"%s\"", c->what, buf);
		host_unchanged(_metadata, &self->before);
	}
}

TEST_F(mk, no_pool_is_enomem)
{
	if (self->pool_total)
		SKIP(return, "only without a pool");
	EXPECT_EQ(-ENOMEM, create(1, self->cpu, "2M"));
}

TEST_F(mk, id_and_cpu_taken)
{
	struct host_state with_one;

	if (self->pool_total < (6ULL << 20))
		SKIP(return, "needs a pool of 6M");
	if (self->cpu < 2)
		SKIP(return, "needs three CPUs");

	ASSERT_EQ(0, create(1, self->cpu, "2M"));
	host_state(&with_one);
	EXPECT_EQ(-EEXIST, create(1, self->cpu - 1, "2M"));
	EXPECT_EQ(-EBUSY, create(2, self->cpu, "2M"));
	host_unchanged(_metadata, &with_one);
	ASSERT_EQ(0, destroy(1));
}

TEST_F(mk, bad_destroy)
{
	EXPECT_EQ(-ENOENT, destroy(5));
	EXPECT_EQ(-EINVAL, write_str(MK "destroy", "five\n"));
}

static int nobody_writes(void *arg)
{
	return write_str(MK "create", "1 1 2M\n") == -EACCES &&
	       write_str(MK "destroy", "1\n") == -EACCES ? 0 : 1;
}

TEST_F(mk, not_root)
{
	EXPECT_EQ(0, as_nobody(nobody_writes, NULL))
		TH_LOG("nobody could write create/destroy");
}

static int nobody_reads(void *arg)
{
	char buf[128];

	return read_str(MK "pool/base", buf, sizeof(buf)) == -EACCES &&
	       read_str(MK "instances/1/memory_base", buf, sizeof(buf)) == -EACCES &&
	       read_str(MK "instances/1/crash_reason", buf, sizeof(buf)) == -EACCES &&
	       read_str(MK "instances/1/memory_size", buf, sizeof(buf)) == 0 &&
	       read_str(MK "instances/1/state", buf, sizeof(buf)) == 0 ? 0 : 1;
}

/*
 * Physical addresses are root's, as /proc/iomem shows them only to root,
 * and so is what an instance's kernel wrote when it died; sizes and
 * states are everyone's.
 */
TEST_F(mk, addresses_are_root_only)
{
	if (!self->pool_total)
		SKIP(return, "no pool to create an instance in");
	ASSERT_EQ(0, create(1, self->cpu, "2M"));
	EXPECT_EQ(0, as_nobody(nobody_reads, NULL))
		TH_LOG("nobody could read an address or crash_reason, or not a size");
	EXPECT_EQ(0, destroy(1));
}

/*
 * Every write that changes something needs CAP_SYS_BOOT, also from root.
 * Each value would be taken with it (or fail otherwise: stop and a move
 * into an instance that does not run), so only EPERM shows the check.
 */
static int no_cap_writes(void *arg)
{
	static const char * const writes[][2] = {
		{ MK "create", "2 1 2M\n" },
		{ MK "destroy", "1\n" },
		{ MK "heartbeat_timeout_ms", "2000\n" },
		{ MK "start_timeout_ms", "60000\n" },
		{ MK "stop_timeout_ms", "30000\n" },
		{ MK "doorbell_limit", "10000\n" },
		{ MK "instances/1/state", "stop\n" },
		{ MK "instances/1/state", "kill\n" },
		{ MK "instances/1/state", "start\n" },
		{ MK "instances/1/cpus", "+1\n" },
		{ MK "instances/1/vsock_cid", "100\n" },
		{ MK "instances/1/recovery", "off\n" },
	};
	int i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(writes); i++) {
		int ret = write_str(writes[i][0], writes[i][1]);

		if (ret != -EPERM) {
			printf("# %s: writing %.*s gave %d, wanted -EPERM\n",
			       writes[i][0], (int)strlen(writes[i][1]) - 1,
			       writes[i][1], ret);
			bad = 1;
		}
	}
	return bad;
}

TEST_F(mk, root_without_cap_sys_boot)
{
	if (self->pool_total < (6ULL << 20))
		SKIP(return, "needs a pool of 6M");
	ASSERT_EQ(0, create(1, self->cpu, "2M"));
	EXPECT_EQ(0, without_cap_sys_boot(no_cap_writes, NULL));
	EXPECT_STREQ("empty", inst_state(1));
	EXPECT_EQ(0, destroy(1));
}

/*
 * /dev/multikernel1 of an instance that never ran: an unknown ioctl is
 * ENOTTY and a write ENOTCONN; after destroy, a file opened before fails
 * with ENODEV, poll() says so (POLLIN), and the device is gone.
 */
TEST_F(mk, device_after_destroy)
{
	__u32 type = MULTIKERNEL_MSG_USER_FIRST;
	struct pollfd p = { .events = POLLIN };
	char buf[8] = { 0 };
	int fd;

	if (self->pool_total < (6ULL << 20))
		SKIP(return, "needs a pool of 6M");
	ASSERT_EQ(0, create(1, self->cpu, "2M"));
	fd = open("/dev/multikernel1", O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd) TH_LOG("open /dev/multikernel1: %s", strerror(errno));
	EXPECT_EQ(-ENOTTY, ioctl(fd, _IO(0xb9, 0x7f)) ? -errno : 0);
	/* MULTIKERNEL_IOC_BIND's number, another direction. */
	EXPECT_EQ(-ENOTTY, ioctl(fd, _IOR(0xb9, 0x00, __u32), &type) ? -errno : 0);
	ASSERT_EQ(0, ioctl(fd, MULTIKERNEL_IOC_BIND, &type));
	EXPECT_EQ(-ENOTCONN, write(fd, buf, sizeof(buf)) < 0 ? -errno : 0);
	EXPECT_EQ(-EAGAIN, read(fd, buf, sizeof(buf)) < 0 ? -errno : 0);

	ASSERT_EQ(0, destroy(1));
	EXPECT_EQ(-ENODEV, write(fd, buf, sizeof(buf)) < 0 ? -errno : 0);
	EXPECT_EQ(-ENODEV, read(fd, buf, sizeof(buf)) < 0 ? -errno : 0);
	p.fd = fd;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	close(fd);
	EXPECT_EQ(-ENOENT, access("/dev/multikernel1", F_OK) ? -errno : 0);
}

/* What writers of a state file saw while their instance was destroyed. */
struct race_seen {
	int ready;
	int einval, enoent, enodev, other, other_err;
};

/* Write "kill" to instance 1's state file until the file is gone. */
static void race_writer(struct race_seen *seen)
{
	int fd = open(MK "instances/1/state", O_WRONLY);

	if (fd < 0)
		_exit(1);
	__atomic_add_fetch(&seen->ready, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		int e = write(fd, "kill", 4) < 0 ? errno : 0;

		if (e == EINVAL) {
			__atomic_add_fetch(&seen->einval, 1, __ATOMIC_SEQ_CST);
		} else if (e == ENOENT) {
			__atomic_add_fetch(&seen->enoent, 1, __ATOMIC_SEQ_CST);
		} else if (e == ENODEV) {
			__atomic_add_fetch(&seen->enodev, 1, __ATOMIC_SEQ_CST);
			_exit(0);
		} else {
			seen->other_err = e;
			__atomic_add_fetch(&seen->other, 1, __ATOMIC_SEQ_CST);
			_exit(1);
		}
	}
}

/*
 * A state file write that finds its instance being destroyed fails with
 * ENOENT (documented); before, kill of an empty instance is EINVAL, and
 * once the directory is gone a file opened before fails with ENODEV.
 * Writers race destroys until one saw ENOENT.
 */
#define RACE_WRITERS	3
#define RACE_ROUNDS	100

TEST_F(mk, state_write_during_destroy)
{
	struct race_seen *seen;
	pid_t pid[RACE_WRITERS];
	int round, i, ret, status;

	if (self->pool_total < (6ULL << 20))
		SKIP(return, "needs a pool of 6M");
	seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, seen);
	memset(seen, 0, sizeof(*seen));
	for (round = 0; round < RACE_ROUNDS && !seen->enoent; round++) {
		ASSERT_EQ(0, create(1, self->cpu, "2M"));
		seen->ready = 0;
		for (i = 0; i < RACE_WRITERS; i++) {
			pid[i] = fork();
			ASSERT_LE(0, pid[i]);
			if (!pid[i])
				race_writer(seen);
		}
		while (__atomic_load_n(&seen->ready, __ATOMIC_SEQ_CST) < RACE_WRITERS)
			usleep(1000);
		ret = destroy(1);
		for (i = 0; i < RACE_WRITERS; i++) {
			/* They wait for the file to go. */
			if (ret)
				kill(pid[i], SIGKILL);
			ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
			EXPECT_EQ(0, status);
		}
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, seen->other)
			TH_LOG("a write during destroy: %s", strerror(seen->other_err));
	}
	TH_LOG("%d rounds: EINVAL %d, ENOENT %d, ENODEV %d", round,
	       seen->einval, seen->enoent, seen->enodev);
	EXPECT_LT(0, seen->enoent);
	EXPECT_EQ(RACE_WRITERS * round, seen->enodev);
	munmap(seen, sizeof(*seen));
}

TEST_HARNESS_MAIN
