// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for multikernel instances: parsing what is written to
 * /sys/kernel/multikernel/create (with its CPU list), and the state names
 * shown in sysfs.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/cpumask.h>
#include <linux/sizes.h>

#include "internal.h"

struct create_case {
	const char *buf;
	int ret;
	int id;
	const char *cpus;
	u64 size;
};

static const struct create_case create_cases[] = {
	{ "1 3 128M",		0,	1,	"3",	SZ_128M },
	{ "1 3 128M\n",		0,	1,	"3",	SZ_128M },
	{ "2047 1 2M",		0,	2047,	"1",	SZ_2M },
	{ "  7   2   1G\n",	0,	7,	"2",	SZ_1G },
	{ "-1 3 2M",		0,	-1,	"3",	SZ_2M },	/* range is create's job */
	{ "1 3 3M",		0,	1,	"3",	3 * SZ_1M },	/* alignment too */
	{ "1 2-3 2M",		0,	1,	"2-3",	SZ_2M },
	{ "1 1,3 2M",		0,	1,	"1,3",	SZ_2M },
	{ "1 3,1-2 2M",		0,	1,	"1-3",	SZ_2M },
	{ "",			-EINVAL },
	{ "\n",			-EINVAL },
	{ "1",			-EINVAL },
	{ "1 3",		-EINVAL },
	{ "1 3 ",		-EINVAL },
	{ "x 3 2M",		-EINVAL },
	{ "1 y 2M",		-EINVAL },
	{ "1 -3 2M",		-EINVAL },
	{ "1 3 2Q",		-EINVAL },
	{ "1 3 M",		-EINVAL },
	{ "1 3 2M 4",		-EINVAL },
	{ "1 3 2M,4",		-EINVAL },
	{ "4294967297 2 64M",	-EINVAL },	/* not an int: no wrap to 1 */
	{ "2147483648 3 2M",	-EINVAL },
	{ "0x1 3 2M",		-EINVAL },
	{ "1x 3 2M",		-EINVAL },
	{ "1 3-2 2M",		-EINVAL },	/* backwards */
	{ "1 1,1 2M",		-EINVAL },	/* twice */
	{ "1 1-3,2 2M",		-EINVAL },
	{ "1 1,,2 2M",		-EINVAL },
	{ "1 1, 2M",		-EINVAL },
	{ "1 ,1 2M",		-EINVAL },
	{ "1 1- 2M",		-EINVAL },
	{ "1 +1 2M",		-EINVAL },
	{ "1 1-+2 2M",		-EINVAL },
	{ "1 0-32 2M",		-E2BIG },
	{ "1 0-4294967295 2M",	-E2BIG },
	{ "1 99999 2M",		-ENODEV },
	{ "1 4294967296 2M",	-EINVAL },	/* not a u32 */
};

static void create_case_desc(const struct create_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->buf);
}

KUNIT_ARRAY_PARAM(create, create_cases, create_case_desc);

static void mk_instance_parse_test(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	cpumask_var_t cpus, want;
	u64 size = 5678;
	int id = 42, ret;

	/* The cases name CPUs 0-3 (e.g. in an instance with fewer). */
	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs CPU numbers 0-3");
	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&cpus, GFP_KERNEL));
	if (!alloc_cpumask_var(&want, GFP_KERNEL)) {
		free_cpumask_var(cpus);
		KUNIT_FAIL_AND_ABORT(test, "no memory");
	}
	ret = mk_instance_parse(c->buf, &id, cpus, &size);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_EQ(test, id, 42);
		KUNIT_EXPECT_EQ(test, size, 5678);
	} else {
		KUNIT_EXPECT_EQ(test, id, c->id);
		KUNIT_EXPECT_EQ(test, size, c->size);
		KUNIT_EXPECT_EQ(test, cpulist_parse(c->cpus, want), 0);
		KUNIT_EXPECT_TRUE(test, cpumask_equal(cpus, want));
	}
	free_cpumask_var(want);
	free_cpumask_var(cpus);
}

static void mk_state_name_test(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_STATE_EMPTY), "empty");
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_STATE_LOADED), "loaded");
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_STATE_RUNNING), "running");
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_STATE_HUNG), "hung");
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_STATE_LOST), "lost");
	KUNIT_EXPECT_STREQ(test, mk_state_name(MK_STATE_LOST + 1), "unknown");
}

static struct kunit_case mk_instance_test_cases[] = {
	KUNIT_CASE_PARAM(mk_instance_parse_test, create_gen_params),
	KUNIT_CASE(mk_state_name_test),
	{}
};

static struct kunit_suite mk_instance_test_suite = {
	.name = "multikernel_instance",
	.test_cases = mk_instance_test_cases,
};

kunit_test_suite(mk_instance_test_suite);

MODULE_DESCRIPTION("KUnit tests for multikernel instances");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
