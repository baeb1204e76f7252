// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the message rings: order, full and empty rings, the
 * doorbell decision, messages of several slots, and a peer that writes
 * garbage.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "comm.h"

struct mk_ring_test {
	struct mk_ring *ring;
	struct mk_ring_tx tx;
	struct mk_ring_rx rx;
	u8 buf[MULTIKERNEL_LINK_MAX + 1];
};

static int mk_ring_test_init(struct kunit *test)
{
	struct mk_ring_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->ring = vzalloc(sizeof(*t->ring));
	KUNIT_ASSERT_NOT_NULL(test, t->ring);
	mk_ring_reset(t->ring);
	mk_ring_tx_init(&t->tx, t->ring);
	mk_ring_rx_init(&t->rx, t->ring);
	test->priv = t;
	return 0;
}

static void mk_ring_test_exit(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;

	vfree(t->ring);
}

/* Send a message of @len bytes whose payload and type say @n. */
static int send_n(struct mk_ring_test *t, u32 n, u32 len, bool *kick)
{
	struct mk_msg_hdr hdr = { .type = n & 0xff, .len = len, .cookie = n };
	u8 data[64];

	memset(data, n, sizeof(data));
	return mk_ring_send(&t->tx, &hdr, data, kick);
}

static void mk_ring_order(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr;
	bool kick;
	u32 i;

	/* Several times around, so the indexes wrap the slots. */
	for (i = 0; i < 5 * MK_RING_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, send_n(t, i, i % 64, &kick), 0);
		/* The consumer is idle at head: every send must ring. */
		KUNIT_EXPECT_TRUE(test, kick);
		KUNIT_ASSERT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
		KUNIT_EXPECT_EQ(test, hdr.cookie, (u64)i);
		KUNIT_EXPECT_EQ(test, hdr.len, i % 64);
		KUNIT_EXPECT_EQ(test, hdr.seq, i);
		if (hdr.len)
			KUNIT_EXPECT_EQ(test, t->buf[hdr.len - 1], (u8)i);
		KUNIT_EXPECT_TRUE(test, mk_ring_idle(&t->rx));
	}
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 0);
}

static void mk_ring_full_then_drain(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr;
	bool kick;
	u32 i;

	for (i = 0; i < MK_RING_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, send_n(t, i, 8, &kick), 0);
		/* Only the first message finds the consumer idle. */
		KUNIT_EXPECT_EQ(test, kick, i == 0);
	}
	KUNIT_EXPECT_TRUE(test, mk_ring_full(&t->tx, 1));
	KUNIT_EXPECT_EQ(test, send_n(t, i, 8, &kick), -EAGAIN);
	/* A full ring asks the consumer for a doorbell when it has room. */
	KUNIT_EXPECT_TRUE(test, mk_ring_take_want_space(&t->rx));
	KUNIT_EXPECT_FALSE(test, mk_ring_take_want_space(&t->rx));

	for (i = 0; i < MK_RING_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
		KUNIT_EXPECT_EQ(test, hdr.cookie, (u64)i);
	}
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 0);
	KUNIT_EXPECT_FALSE(test, mk_ring_full(&t->tx, 1));
}

/* Shared indices written before attach do not move the private ones. */
static void mk_ring_init_ignores_shared(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr;
	bool kick;

	WRITE_ONCE(t->ring->head, 1000);
	WRITE_ONCE(t->ring->tail, 77);
	mk_ring_tx_init(&t->tx, t->ring);
	mk_ring_rx_init(&t->rx, t->ring);
	mk_ring_reset(t->ring);
	KUNIT_ASSERT_EQ(test, send_n(t, 5, 8, &kick), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->head), 1U);
	KUNIT_EXPECT_EQ(test, t->ring->slots[0].hdr.seq, 0U);
	KUNIT_ASSERT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
	KUNIT_EXPECT_EQ(test, hdr.cookie, 5ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->tail), 1U);
}

static void mk_ring_too_large(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr = { .len = MULTIKERNEL_LINK_MAX + 1 };
	bool kick;

	KUNIT_EXPECT_EQ(test, mk_ring_send(&t->tx, &hdr, t->buf, &kick),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->head), 0U);
	hdr.len = MULTIKERNEL_MSG_MAX;
	KUNIT_EXPECT_EQ(test, mk_ring_send(&t->tx, &hdr, t->buf, &kick), 0);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
	KUNIT_EXPECT_EQ(test, hdr.len, (u32)MULTIKERNEL_MSG_MAX);
	KUNIT_EXPECT_FALSE(test, hdr.flags & MK_MSG_MORE);
}

/* A message longer than a slot takes several, published at once. */
static void mk_ring_chain(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr = { .len = 2 * MULTIKERNEL_MSG_MAX + 1 };
	u32 i;
	bool kick;

	for (i = 0; i < hdr.len; i++)
		t->buf[i] = i % 251;
	KUNIT_ASSERT_EQ(test, mk_ring_send(&t->tx, &hdr, t->buf, &kick), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->head), 3U);
	memset(t->buf, 0, sizeof(t->buf));
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, mk_ring_recv(&t->rx, &hdr,
						   t->buf + i * MULTIKERNEL_MSG_MAX), 1);
		KUNIT_EXPECT_EQ(test, !!(hdr.flags & MK_MSG_MORE), i < 2);
		KUNIT_EXPECT_EQ(test, hdr.len, i < 2 ? (u32)MULTIKERNEL_MSG_MAX : 1U);
	}
	for (i = 0; i < 2 * MULTIKERNEL_MSG_MAX + 1; i++)
		if (t->buf[i] != i % 251)
			break;
	KUNIT_EXPECT_EQ(test, i, 2U * MULTIKERNEL_MSG_MAX + 1);
	/* No room for the whole of one: nothing of it goes in. */
	hdr.len = MULTIKERNEL_LINK_MAX;
	WRITE_ONCE(t->ring->tail, 3 - (MK_RING_SLOTS - MK_CHAIN_MAX + 1));
	KUNIT_EXPECT_EQ(test, mk_ring_send(&t->tx, &hdr, t->buf, &kick), -EAGAIN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->head), 3U);
}

/* A consumer that is busy taking messages is not rung. */
static void mk_ring_busy_no_kick(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr;
	bool kick;

	mk_ring_busy(&t->rx);
	KUNIT_ASSERT_EQ(test, send_n(t, 1, 8, &kick), 0);
	KUNIT_EXPECT_FALSE(test, kick);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
	KUNIT_EXPECT_TRUE(test, mk_ring_idle(&t->rx));
	KUNIT_ASSERT_EQ(test, send_n(t, 2, 8, &kick), 0);
	KUNIT_EXPECT_TRUE(test, kick);
}

/* A slot whose header lies is consumed and reported, never followed. */
static void mk_ring_bad_slot(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr;
	bool kick;

	KUNIT_ASSERT_EQ(test, send_n(t, 1, 8, &kick), 0);
	KUNIT_ASSERT_EQ(test, send_n(t, 2, 8, &kick), 0);
	KUNIT_ASSERT_EQ(test, send_n(t, 3, 8, &kick), 0);
	t->ring->slots[0].hdr.len = 0xffffffff;
	t->ring->slots[1].hdr.seq = 77;

	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), -EBADMSG);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), -EBADMSG);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
	KUNIT_EXPECT_EQ(test, hdr.cookie, 3ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->tail), 3U);
}

/* A head that claims more than the ring holds: drop all, go on after it. */
static void mk_ring_bad_head(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct mk_msg_hdr hdr;

	WRITE_ONCE(t->ring->head, 0x80000000);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), -EPROTO);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->tail), 0x80000000U);
	KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 0);
	KUNIT_EXPECT_TRUE(test, mk_ring_idle(&t->rx));
}

/* A tail the consumer could not have written: the producer sees no room. */
static void mk_ring_bad_tail(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	bool kick;

	struct mk_msg_hdr hdr;

	/* A tail that cannot be right: the ring counts as empty, and rings. */
	WRITE_ONCE(t->ring->tail, 12345);
	KUNIT_EXPECT_FALSE(test, mk_ring_full(&t->tx, 1));
	KUNIT_EXPECT_EQ(test, send_n(t, 1, 8, &kick), 0);
	KUNIT_EXPECT_TRUE(test, kick);
	KUNIT_ASSERT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->tail), 1U);

	/* Exactly MK_RING_SLOTS behind head: full, a consumer that stopped. */
	WRITE_ONCE(t->ring->tail, 1 - MK_RING_SLOTS);
	KUNIT_EXPECT_TRUE(test, mk_ring_full(&t->tx, 1));
	KUNIT_EXPECT_EQ(test, send_n(t, 2, 8, &kick), -EAGAIN);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->head), 1U);
}

/*
 * Random ring contents, indexes included: every receive returns within
 * the ring's bounds, with a payload no longer than the maximum, and the
 * ring is empty after at most MK_RING_SLOTS + 1 receives.
 */
static void mk_ring_random(struct kunit *test)
{
	struct mk_ring_test *t = test->priv;
	struct rnd_state rnd;
	struct mk_msg_hdr hdr;
	int round, n, ret, good, bad;

	prandom_seed_state(&rnd, 42);
	for (round = 0; round < 200; round++) {
		prandom_bytes_state(&rnd, t->ring, sizeof(*t->ring));
		/* Half the time a head that is in range, to reach the slots. */
		if (round & 1)
			WRITE_ONCE(t->ring->head, t->rx.tail +
				   prandom_u32_state(&rnd) % (MK_RING_SLOTS + 1));
		good = 0;
		bad = 0;
		for (n = 0; n <= MK_RING_SLOTS + 1; n++) {
			memset(&hdr, 0, sizeof(hdr));
			ret = mk_ring_recv(&t->rx, &hdr, t->buf);
			if (ret == 0)
				break;
			if (ret == 1) {
				KUNIT_EXPECT_LE(test, hdr.len, (u32)MULTIKERNEL_MSG_MAX);
				good++;
			} else {
				KUNIT_EXPECT_TRUE(test, ret == -EBADMSG || ret == -EPROTO);
				bad++;
			}
		}
		KUNIT_EXPECT_LE(test, n, MK_RING_SLOTS + 1);
		KUNIT_EXPECT_EQ(test, mk_ring_recv(&t->rx, &hdr, t->buf), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(t->ring->tail), t->rx.tail);
		/* Random headers almost never carry the right seq. */
		KUNIT_EXPECT_LE(test, good, bad + 1);
	}
}

static struct kunit_case mk_ring_test_cases[] = {
	KUNIT_CASE(mk_ring_order),
	KUNIT_CASE(mk_ring_full_then_drain),
	KUNIT_CASE(mk_ring_init_ignores_shared),
	KUNIT_CASE(mk_ring_too_large),
	KUNIT_CASE(mk_ring_chain),
	KUNIT_CASE(mk_ring_busy_no_kick),
	KUNIT_CASE(mk_ring_bad_slot),
	KUNIT_CASE(mk_ring_bad_head),
	KUNIT_CASE(mk_ring_bad_tail),
	KUNIT_CASE(mk_ring_random),
	{}
};

static struct kunit_suite mk_ring_test_suite = {
	.name = "multikernel_ring",
	.init = mk_ring_test_init,
	.exit = mk_ring_test_exit,
	.test_cases = mk_ring_test_cases,
};

kunit_test_suite(mk_ring_test_suite);

MODULE_DESCRIPTION("KUnit tests for multikernel message rings");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
