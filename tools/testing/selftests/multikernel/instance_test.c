// SPDX-License-Identifier: GPL-2.0
/*
 * Creating and destroying multikernel instances through
 * /sys/kernel/multikernel/{create,destroy}: what an instance takes from
 * the host (a CPU, pool memory), that the host gets it back, and that
 * every bad request fails with its own errno and changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

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

TEST_F(mk, root_without_cap_sys_boot)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d))
			_exit(2);
		d[CAP_SYS_BOOT / 32].effective &= ~(1U << (CAP_SYS_BOOT % 32));
		if (syscall(SYS_capset, &h, d))
			_exit(3);
		_exit(create(1, 1, "2M") == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("create worked without CAP_SYS_BOOT");
}

TEST_HARNESS_MAIN
