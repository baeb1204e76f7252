// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the multikernel pool: the multikernel_pool= parser and
 * the allocator.  The allocator is exercised on a made-up physical range;
 * it only bookkeeps addresses and never touches the memory.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/sizes.h>

#include "pool.h"

struct parse_case {
	const char *arg;
	int ret;
	u64 size;
	u64 base;
};

static const struct parse_case parse_cases[] = {
	{ "512M@1G",		0,	SZ_512M,	SZ_1G },
	{ "512M",		0,	SZ_512M,	0 },
	{ "2M@0x40000000",	0,	SZ_2M,		SZ_1G },
	{ "1G@4G",		0,	SZ_1G,		4ULL * SZ_1G },
	{ "4096K@2M",		0,	SZ_4M,		SZ_2M },
	{ "512M@0",		0,	SZ_512M,	0 },
	{ "",			-EINVAL },
	{ "0",			-EINVAL },
	{ "0@1G",		-EINVAL },
	{ "abc",		-EINVAL },
	{ "@1G",		-EINVAL },
	{ "512M@",		-EINVAL },
	{ "512M@x",		-EINVAL },
	{ "512M@G",		-EINVAL },	/* suffix without digits */
	{ "M@1G",		-EINVAL },
	{ " 512M",		-EINVAL },
	{ "512M@1G,",		-EINVAL },
	{ "512M@1G@2G",		-EINVAL },
	{ "512M 1G",		-EINVAL },
	{ "-2M",		-EINVAL },
	{ "1M",			-EINVAL },	/* size not 2M aligned */
	{ "3M@1G",		-EINVAL },
	{ "512M@1025M",		-EINVAL },	/* base not 2M aligned */
	{ "4K@1G",		-EINVAL },
	{ "0xffffffffffe00000@0x400000", -EINVAL },	/* wraps */
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->arg);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void mk_pool_parse_test(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	u64 size = 0xdead, base = 0xbeef;
	int ret;

	ret = mk_pool_parse(c->arg, &size, &base);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		/* Outputs untouched on error. */
		KUNIT_EXPECT_EQ(test, size, 0xdead);
		KUNIT_EXPECT_EQ(test, base, 0xbeef);
		return;
	}
	KUNIT_EXPECT_EQ(test, size, c->size);
	KUNIT_EXPECT_EQ(test, base, c->base);
}

static void mk_pool_parse_null_test(struct kunit *test)
{
	u64 size, base;

	KUNIT_EXPECT_EQ(test, mk_pool_parse(NULL, &size, &base), -EINVAL);
}

#define TEST_BASE	SZ_1G
#define TEST_SIZE	SZ_64M

static void mk_pool_exit(void *pool)
{
	mk_pool_destroy(pool);
}

static struct mk_pool *test_pool(struct kunit *test)
{
	struct mk_pool *pool;

	pool = kunit_kzalloc(test, sizeof(*pool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, mk_pool_init(pool, TEST_BASE, TEST_SIZE), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mk_pool_exit, pool), 0);
	return pool;
}

static void mk_pool_init_bad_test(struct kunit *test)
{
	struct mk_pool pool = { };

	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, 0, SZ_64M), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, SZ_1G, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, SZ_1G + SZ_4K, SZ_64M), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_init(&pool, SZ_1G, SZ_64M + SZ_1M), -EINVAL);
	KUNIT_EXPECT_NULL(test, pool.gp);
}

static void mk_pool_empty_test(struct kunit *test)
{
	struct mk_pool pool = { };
	phys_addr_t base;

	KUNIT_EXPECT_EQ(test, mk_pool_alloc(&pool, SZ_2M, &base), -ENODEV);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(&pool), 0);
}

static void mk_pool_alloc_free_test(struct kunit *test)
{
	struct mk_pool *pool = test_pool(test);
	phys_addr_t a, b;

	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), TEST_SIZE);

	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_16M, &a), 0);
	KUNIT_EXPECT_GE(test, a, TEST_BASE);
	KUNIT_EXPECT_LE(test, a + SZ_16M, TEST_BASE + TEST_SIZE);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(a, MK_POOL_ALIGN));
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), TEST_SIZE - SZ_16M);

	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_2M, &b), 0);
	KUNIT_EXPECT_TRUE(test, b + SZ_2M <= a || b >= a + SZ_16M);

	mk_pool_free(pool, a, SZ_16M);
	mk_pool_free(pool, b, SZ_2M);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), TEST_SIZE);
}

static void mk_pool_alloc_bad_size_test(struct kunit *test)
{
	struct mk_pool *pool = test_pool(test);
	phys_addr_t base = 0;

	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, 0, &base), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_1M, &base), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_2M + SZ_4K, &base), -EINVAL);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, TEST_SIZE + SZ_2M, &base), -ENOMEM);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, U64_MAX & ~(u64)(SZ_2M - 1), &base),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, base, 0);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), TEST_SIZE);
}

static void mk_pool_exhaust_test(struct kunit *test)
{
	struct mk_pool *pool = test_pool(test);
	phys_addr_t r[4], again, extra;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(r); i++)
		KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_16M, &r[i]), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_2M, &extra), -ENOMEM);

	/* The four ranges tile the pool without overlapping. */
	for (i = 0; i < ARRAY_SIZE(r); i++)
		for (j = i + 1; j < ARRAY_SIZE(r); j++)
			KUNIT_EXPECT_TRUE(test, r[i] + SZ_16M <= r[j] ||
					  r[j] + SZ_16M <= r[i]);

	/* A freed range is reused. */
	mk_pool_free(pool, r[2], SZ_16M);
	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_16M, &again), 0);
	KUNIT_EXPECT_EQ(test, again, r[2]);

	for (i = 0; i < ARRAY_SIZE(r); i++)
		mk_pool_free(pool, r[i], SZ_16M);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), TEST_SIZE);
}

static void mk_pool_fragment_test(struct kunit *test)
{
	struct mk_pool *pool = test_pool(test);
	phys_addr_t r[4], big;
	int i;

	for (i = 0; i < ARRAY_SIZE(r); i++)
		KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_16M, &r[i]), 0);

	/* Free two ranges that are not neighbours: 32M free, but not in one piece. */
	mk_pool_free(pool, r[0], SZ_16M);
	mk_pool_free(pool, r[2], SZ_16M);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), SZ_32M);
	KUNIT_EXPECT_EQ(test, mk_pool_alloc(pool, SZ_32M, &big), -ENOMEM);

	/* Freeing the range between them makes one 48M hole. */
	mk_pool_free(pool, r[1], SZ_16M);
	KUNIT_ASSERT_EQ(test, mk_pool_alloc(pool, SZ_32M + SZ_16M, &big), 0);
	KUNIT_EXPECT_EQ(test, big, TEST_BASE);

	mk_pool_free(pool, big, SZ_32M + SZ_16M);
	mk_pool_free(pool, r[3], SZ_16M);
	KUNIT_EXPECT_EQ(test, mk_pool_free_bytes(pool), TEST_SIZE);
}

static struct kunit_case mk_pool_test_cases[] = {
	KUNIT_CASE_PARAM(mk_pool_parse_test, parse_gen_params),
	KUNIT_CASE(mk_pool_parse_null_test),
	KUNIT_CASE(mk_pool_init_bad_test),
	KUNIT_CASE(mk_pool_empty_test),
	KUNIT_CASE(mk_pool_alloc_free_test),
	KUNIT_CASE(mk_pool_alloc_bad_size_test),
	KUNIT_CASE(mk_pool_exhaust_test),
	KUNIT_CASE(mk_pool_fragment_test),
	{}
};

static struct kunit_suite mk_pool_test_suite = {
	.name = "multikernel_pool",
	.test_cases = mk_pool_test_cases,
};

kunit_test_suite(mk_pool_test_suite);

MODULE_DESCRIPTION("KUnit tests for the multikernel pool");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
