// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for multikernel instances: parsing what is written to
 * /sys/kernel/multikernel/create, and the state names shown in sysfs.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/sizes.h>

#include "internal.h"

struct create_case {
	const char *buf;
	int ret;
	int id;
	unsigned int cpu;
	u64 size;
};

static const struct create_case create_cases[] = {
	{ "1 3 128M",		0,	1,	3,	SZ_128M },
	{ "1 3 128M\n",		0,	1,	3,	SZ_128M },
	{ "2047 1 2M",		0,	2047,	1,	SZ_2M },
	{ "  7   2   1G\n",	0,	7,	2,	SZ_1G },
	{ "-1 3 2M",		0,	-1,	3,	SZ_2M },	/* range is create's job */
	{ "1 3 3M",		0,	1,	3,	3 * SZ_1M },	/* alignment too */
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
};

static void create_case_desc(const struct create_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->buf);
}

KUNIT_ARRAY_PARAM(create, create_cases, create_case_desc);

static void mk_instance_parse_test(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	unsigned int cpu = 1234;
	u64 size = 5678;
	int id = 42, ret;

	ret = mk_instance_parse(c->buf, &id, &cpu, &size);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_EQ(test, id, 42);
		KUNIT_EXPECT_EQ(test, cpu, 1234);
		KUNIT_EXPECT_EQ(test, size, 5678);
		return;
	}
	KUNIT_EXPECT_EQ(test, id, c->id);
	KUNIT_EXPECT_EQ(test, cpu, c->cpu);
	KUNIT_EXPECT_EQ(test, size, c->size);
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
