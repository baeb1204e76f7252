// SPDX-License-Identifier: GPL-2.0
/*
 * Checks the multikernel pool as the host shows it:
 * /sys/kernel/multikernel/pool/{base,total,free} against /proc/iomem and
 * against what the host was asked for on its command line.
 *
 * The expectation comes from "multikernel_pool=" in /proc/cmdline.  A test
 * harness that boots with a parameter the kernel must refuse sets
 * MK_EXPECT_POOL=none; MK_EXPECT_POOL=SIZE[@ADDR] overrides the command
 * line in the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define POOL_DIR	"/sys/kernel/multikernel/pool/"
#define POOL_ALIGN	(2ULL << 20)

static const struct {
	const char *name;
	unsigned int mode;
} pool_files[] = {
	{ "base", 0400 },	/* a physical address: root's, as in /proc/iomem */
	{ "total", 0444 },
	{ "free", 0444 },
};

static int read_u64(const char *name, unsigned long long *val)
{
	char path[128], buf[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), POOL_DIR "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf || *end != '\n')
		return -EINVAL;
	return 0;
}

/* Like the kernel's memparse(): a number with an optional K/M/G/T suffix. */
static unsigned long long memparse(const char *s, const char **end)
{
	static const char suffixes[] = "KMGT";
	const char *sfx;
	char *e;
	unsigned long long v = strtoull(s, &e, 0);

	sfx = *e ? strchr(suffixes, toupper(*e)) : NULL;
	if (sfx) {
		v <<= 10 * (sfx - suffixes + 1);
		e++;
	}
	*end = e;
	return v;
}

/*
 * What the pool should look like: returns 0 and sets *size (0: no pool)
 * and *base (0: anywhere).
 */
static int expected_pool(unsigned long long *size, unsigned long long *base)
{
	static char cmdline[4096];
	const char *spec = getenv("MK_EXPECT_POOL"), *p, *end;
	ssize_t n;
	int fd;

	*size = 0;
	*base = 0;
	if (!spec) {
		fd = open("/proc/cmdline", O_RDONLY);
		if (fd < 0)
			return -errno;
		n = read(fd, cmdline, sizeof(cmdline) - 1);
		close(fd);
		if (n < 0)
			return -errno;
		cmdline[n] = '\0';
		/* The last occurrence wins, as for every early_param. */
		for (p = cmdline; (p = strstr(p, "multikernel_pool=")); p++)
			if (p == cmdline || isspace(p[-1]))
				spec = p + strlen("multikernel_pool=");
		if (!spec)
			return 0;
	}
	if (!strncmp(spec, "none", 4))
		return 0;
	*size = memparse(spec, &end);
	if (*end == '@')
		*base = memparse(end + 1, &end);
	return 0;
}

/* Every "Multikernel pool" line of /proc/iomem; returns how many. */
static int iomem_pool(unsigned long long *start, unsigned long long *end)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " : Multikernel pool"))
			continue;
		if (sscanf(line, " %llx-%llx", start, end) == 2)
			found++;
	}
	fclose(f);
	return found;
}

TEST(files_are_read_only)
{
	char path[128];
	struct stat st;
	int i, fd;

	for (i = 0; i < ARRAY_SIZE(pool_files); i++) {
		snprintf(path, sizeof(path), POOL_DIR "%s", pool_files[i].name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(pool_files[i].mode, st.st_mode & 07777)
			TH_LOG("%s mode %o", path, st.st_mode & 07777);
		fd = open(path, O_WRONLY);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EACCES, errno) TH_LOG("%s opened for writing", path);
		if (fd >= 0)
			close(fd);
	}
}

TEST(matches_command_line)
{
	unsigned long long want_size, want_base, base, total;

	ASSERT_EQ(0, expected_pool(&want_size, &want_base));
	ASSERT_EQ(0, read_u64("base", &base));
	ASSERT_EQ(0, read_u64("total", &total));

	EXPECT_EQ(want_size, total);
	if (!want_size) {
		EXPECT_EQ(0, base);
		return;
	}
	if (want_base)
		EXPECT_EQ(want_base, base);
	EXPECT_NE(0, base);
	EXPECT_EQ(0, base % POOL_ALIGN);
}

TEST(matches_iomem)
{
	unsigned long long base, total, start = 0, end = 0;
	int n;

	ASSERT_EQ(0, read_u64("base", &base));
	ASSERT_EQ(0, read_u64("total", &total));
	n = iomem_pool(&start, &end);
	ASSERT_LE(0, n);

	if (!total) {
		EXPECT_EQ(0, n) TH_LOG("no pool, but /proc/iomem shows one");
		return;
	}
	ASSERT_EQ(1, n);
	EXPECT_EQ(base, start);
	EXPECT_EQ(base + total - 1, end);
}

TEST(all_free_without_instances)
{
	unsigned long long total, free;

	ASSERT_EQ(0, read_u64("total", &total));
	ASSERT_EQ(0, read_u64("free", &free));
	EXPECT_EQ(total, free);
}

TEST_HARNESS_MAIN
