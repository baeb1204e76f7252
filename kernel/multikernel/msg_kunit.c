// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the message layer: a peer that stops consuming holds a
 * sender for its timeout, never longer; and for links: a message of
 * several slots comes out whole, a chain that lies is dropped.
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
	struct mk_msg_hdr hdr = { .type = MULTIKERNEL_MSG_SINK };
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
	KUNIT_EXPECT_EQ(test, mk_peer_call(&t->peer, MULTIKERNEL_MSG_PING, NULL,
					   0, NULL, 0, HZ / 10),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, jiffies - t0, HZ / 10);
	KUNIT_EXPECT_LT(test, jiffies - t0, 2 * HZ);
}

/* The instance's side of the vsock link, writing into the host's ring. */
static void mk_link_peer_tx(struct mk_msg_test *t, struct mk_ring_tx *tx)
{
	mk_ring_tx_init(tx, &t->comm->links[MULTIKERNEL_LINK_VSOCK].to_host);
}

/* Publish a slot as a producer that lies might: @more, @len as given. */
static void mk_link_put_slot(struct mk_ring_tx *tx, u32 len, bool more)
{
	struct mk_slot *slot = &tx->ring->slots[tx->head % MK_RING_SLOTS];

	slot->hdr.seq = tx->head;
	slot->hdr.len = len;
	slot->hdr.flags = more ? MK_MSG_MORE : 0;
	/* The slot before head: pairs with the acquire in mk_ring_recv(). */
	smp_store_release(&tx->ring->head, ++tx->head);
}

static void mk_link_chain_recv(struct kunit *test)
{
	struct mk_msg_test *t = test->priv;
	struct multikernel_link *link = &t->peer.links[MULTIKERNEL_LINK_VSOCK];
	struct mk_msg_hdr hdr = { .len = 10000 };
	struct mk_ring_tx tx;
	u8 *buf;
	bool kick;
	u32 i;

	buf = kunit_kzalloc(test, MULTIKERNEL_LINK_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < hdr.len; i++)
		buf[i] = i % 253;
	mk_link_peer_tx(t, &tx);
	KUNIT_ASSERT_EQ(test, mk_ring_send(&tx, &hdr, buf, &kick), 0);
	memset(buf, 0, MULTIKERNEL_LINK_MAX);
	KUNIT_EXPECT_EQ(test, multikernel_link_recv(link, buf), 10000);
	for (i = 0; i < hdr.len; i++)
		if (buf[i] != i % 253)
			break;
	KUNIT_EXPECT_EQ(test, i, 10000U);
	KUNIT_EXPECT_EQ(test, atomic64_read(&link->received), 1);
	KUNIT_EXPECT_EQ(test, multikernel_link_recv(link, buf), 0);
}

/* A chain that ends early or runs too long is dropped; then in step. */
static void mk_link_chain_lies(struct kunit *test)
{
	struct mk_msg_test *t = test->priv;
	struct multikernel_link *link = &t->peer.links[MULTIKERNEL_LINK_VSOCK];
	struct mk_ring_tx tx;
	u8 *buf;
	int i;

	buf = kunit_kzalloc(test, MULTIKERNEL_LINK_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	mk_link_peer_tx(t, &tx);

	mk_link_put_slot(&tx, MULTIKERNEL_MSG_MAX, true);
	KUNIT_EXPECT_EQ(test, multikernel_link_recv(link, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&link->dropped), 1);

	for (i = 0; i < MK_CHAIN_MAX + 1; i++)
		mk_link_put_slot(&tx, 8, i < MK_CHAIN_MAX);
	mk_link_put_slot(&tx, 5, false);
	KUNIT_EXPECT_EQ(test, multikernel_link_recv(link, buf), 5);
	KUNIT_EXPECT_EQ(test, atomic64_read(&link->dropped), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&link->received), 1);
}

static struct kunit_case mk_msg_test_cases[] = {
	KUNIT_CASE(mk_send_full_ring),
	KUNIT_CASE(mk_call_full_ring),
	KUNIT_CASE(mk_link_chain_recv),
	KUNIT_CASE(mk_link_chain_lies),
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
