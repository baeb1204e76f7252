// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the message layer: a peer that stops consuming holds a
 * sender for its timeout, never longer.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/jiffies.h>
#include <linux/vmalloc.h>

#include "comm.h"
#include "internal.h"

/* MK_RING_SLOTS behind head 0: full, for as long as the peer leaves it. */
#define MK_STOPPED_TAIL		(0U - MK_RING_SLOTS)

struct mk_msg_test {
	struct mk_peer peer;
	struct mk_comm *comm;
	struct mk_ring *tx;
};

static int mk_msg_test_init(struct kunit *test)
{
	struct mk_msg_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->comm = vzalloc(sizeof(*t->comm));
	KUNIT_ASSERT_NOT_NULL(test, t->comm);
	t->tx = &t->comm->links[MULTIKERNEL_LINK_MSG].to_instance;
	/* No doorbell is rung: every send finds the ring full. */
	mk_peer_init(&t->peer, MK_ID_MAX, 0);
	mk_peer_attach(&t->peer, t->comm, true);
	WRITE_ONCE(t->tx->tail, MK_STOPPED_TAIL);
	test->priv = t;
	return 0;
}

static void mk_msg_test_exit(struct kunit *test)
{
	struct mk_msg_test *t = test->priv;

	mk_peer_detach(&t->peer);
	vfree(t->comm);
}

static void mk_send_full_ring(struct kunit *test)
{
	struct mk_msg_test *t = test->priv;
	struct mk_msg_hdr hdr = { .type = MK_MSG_SINK };
	unsigned long t0;

	KUNIT_EXPECT_EQ(test, mk_peer_send(&t->peer, &hdr, NULL, 0), -EAGAIN);

	t0 = jiffies;
	KUNIT_EXPECT_EQ(test, mk_peer_send(&t->peer, &hdr, NULL, HZ / 10),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, jiffies - t0, HZ / 10);
	KUNIT_EXPECT_LT(test, jiffies - t0, 2 * HZ);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->tx->head), 0U);
}

static void mk_call_full_ring(struct kunit *test)
{
	struct mk_msg_test *t = test->priv;
	unsigned long t0 = jiffies;

	/* The call's timeout covers its send. */
	KUNIT_EXPECT_EQ(test, mk_peer_call(&t->peer, MK_MSG_PING, NULL, 0,
					   NULL, 0, HZ / 10),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, jiffies - t0, HZ / 10);
	KUNIT_EXPECT_LT(test, jiffies - t0, 2 * HZ);
}

static struct kunit_case mk_msg_test_cases[] = {
	KUNIT_CASE(mk_send_full_ring),
	KUNIT_CASE(mk_call_full_ring),
	{}
};

static struct kunit_suite mk_msg_test_suite = {
	.name = "multikernel_msg",
	.init = mk_msg_test_init,
	.exit = mk_msg_test_exit,
	.test_cases = mk_msg_test_cases,
};

kunit_test_suite(mk_msg_test_suite);

MODULE_DESCRIPTION("KUnit tests for multikernel messages");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
