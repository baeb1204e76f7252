// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message rings in a communication area: one producer and one consumer,
 * each in its own kernel.  The producer publishes a filled slot with a
 * release store of head; the consumer copies the slot out, checks it and
 * then gives it back with a release store of tail.  Each side keeps its
 * own index privately and only reads the other's, so a peer that writes
 * garbage can lose its own messages but cannot make us read or write
 * outside the ring.
 */
#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/string.h>

#include <asm/barrier.h>

#include <kunit/visibility.h>

#include "comm.h"

#define MK_RING_MASK	(MK_RING_SLOTS - 1)

static_assert((MK_RING_SLOTS & MK_RING_MASK) == 0);

/* Empty the ring; only while neither side uses it. */
void mk_ring_reset(struct mk_ring *ring)
{
	WRITE_ONCE(ring->head, 0);
	WRITE_ONCE(ring->tail, 0);
	WRITE_ONCE(ring->want_space, 0);
	WRITE_ONCE(ring->busy, 0);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_reset);

/*
 * The private indices start at 0, where mk_ring_reset() left the ring
 * before the other kernel was started, and never at what the other
 * kernel may have written into the shared ones since.
 */
void mk_ring_tx_init(struct mk_ring_tx *tx, struct mk_ring *ring)
{
	tx->ring = ring;
	tx->head = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_tx_init);

void mk_ring_rx_init(struct mk_ring_rx *rx, struct mk_ring *ring)
{
	rx->ring = ring;
	rx->tail = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_rx_init);

/*
 * Slots in use.  A tail more than MK_RING_SLOTS behind head, or ahead of
 * it, cannot be right: the consumer lost track (its view of the ring was
 * overwritten).  It drops everything up to our head when it next looks
 * (mk_ring_recv() returns -EPROTO), so the ring counts as empty: no
 * producer waits forever for a consumer that will never catch up.
 */
static u32 mk_ring_used(u32 head, u32 tail)
{
	u32 used = head - tail;

	return used > MK_RING_SLOTS ? 0 : used;
}

static bool mk_ring_no_room(struct mk_ring_tx *tx, u32 tail, u32 slots)
{
	return mk_ring_used(tx->head, tail) + slots > MK_RING_SLOTS;
}

/**
 * mk_ring_full - whether a send of @slots slots would find no room now
 * @tx:    the producer's view
 * @slots: 1 .. MK_CHAIN_MAX
 *
 * Sets want_space when full, so that the consumer rings the doorbell
 * when it has made room; checks again after that, so the doorbell cannot
 * be missed.
 *
 * Return: true if full.
 */
bool mk_ring_full(struct mk_ring_tx *tx, u32 slots)
{
	if (!mk_ring_no_room(tx, READ_ONCE(tx->ring->tail), slots))
		return false;
	WRITE_ONCE(tx->ring->want_space, 1);
	/* want_space before the second look at tail; pairs with recv. */
	smp_mb();
	return mk_ring_no_room(tx, READ_ONCE(tx->ring->tail), slots);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_full);

/**
 * mk_ring_send - put one message into a ring
 * @tx:   the producer's view; the caller serialises senders
 * @hdr:  type, len, flags and cookie of the message; seq is filled in
 * @data: @hdr->len bytes of payload
 * @kick: returns whether the consumer may have gone idle before seeing
 *        this message, i.e. whether to ring its doorbell: it had taken
 *        everything before, and is not busy taking more
 *
 * A message longer than a slot (up to MULTIKERNEL_LINK_MAX bytes) takes
 * several, each but the last marked MK_MSG_MORE, published at once.
 *
 * Return: 0; -EMSGSIZE if @hdr->len is too large, -EAGAIN if the ring
 * has no room for it.  On error the ring is unchanged.
 */
int mk_ring_send(struct mk_ring_tx *tx, const struct mk_msg_hdr *hdr,
		 const void *data, bool *kick)
{
	struct mk_ring *ring = tx->ring;
	u32 n = max_t(u32, 1, DIV_ROUND_UP(hdr->len, MULTIKERNEL_MSG_MAX));
	u32 head = tx->head, i, off = 0;
	struct mk_slot *slot;

	if (hdr->len > MULTIKERNEL_LINK_MAX)
		return -EMSGSIZE;
	if (mk_ring_full(tx, n))
		return -EAGAIN;

	for (i = 0; i < n; i++) {
		slot = &ring->slots[(head + i) & MK_RING_MASK];
		memcpy(&slot->hdr, hdr, sizeof(*hdr));
		slot->hdr.seq = head + i;
		slot->hdr.len = min_t(u32, hdr->len - off, MULTIKERNEL_MSG_MAX);
		if (i < n - 1)
			slot->hdr.flags |= MK_MSG_MORE;
		memcpy(slot->data, data + off, slot->hdr.len);
		off += slot->hdr.len;
	}
	/* The slots before head: pairs with the acquire in mk_ring_recv(). */
	smp_store_release(&ring->head, head + n);
	tx->head = head + n;

	/*
	 * A consumer that stopped at our old head published tail == head,
	 * cleared busy and then looked at head again (mk_ring_idle()); one
	 * of us sees the other's stores.
	 */
	smp_mb();
	*kick = !mk_ring_used(head, READ_ONCE(ring->tail)) &&
		!READ_ONCE(ring->busy);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_send);

/**
 * mk_ring_recv - take the next message out of a ring
 * @rx:   the consumer's view; the caller serialises consumers
 * @hdr:  returns the message's header, checked
 * @data: returns its payload; room for MULTIKERNEL_MSG_MAX bytes
 *
 * The slot is copied before it is checked, so the producer cannot change
 * it behind our back, and handed back to the producer at once.
 *
 * Return: 1 with a message; 0 if the ring is empty; -EBADMSG if the slot
 * held garbage (a wrong seq or len), which is consumed and dropped;
 * -EPROTO if head is garbage, in which case everything up to it is
 * dropped.
 */
int mk_ring_recv(struct mk_ring_rx *rx, struct mk_msg_hdr *hdr, void *data)
{
	struct mk_ring *ring = rx->ring;
	struct mk_slot *slot;
	u32 head, tail = rx->tail;
	int ret = 1;

	/* Pairs with the release in mk_ring_send(). */
	head = smp_load_acquire(&ring->head);
	if (head == tail)
		return 0;
	if (head - tail > MK_RING_SLOTS) {
		rx->tail = head;
		ret = -EPROTO;
		goto publish;
	}

	slot = &ring->slots[tail & MK_RING_MASK];
	memcpy(hdr, &slot->hdr, sizeof(*hdr));
	if (hdr->seq != tail || hdr->len > MULTIKERNEL_MSG_MAX)
		ret = -EBADMSG;
	else
		memcpy(data, slot->data, hdr->len);
	rx->tail = tail + 1;
publish:
	/* Done with the slot before the producer may refill it. */
	smp_store_release(&ring->tail, rx->tail);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_recv);

/**
 * mk_ring_busy - the consumer takes messages anyway: no need to ring
 * @rx: the consumer's view
 *
 * Context: any; from the doorbell interrupt that scheduled the consumer.
 */
void mk_ring_busy(struct mk_ring_rx *rx)
{
	WRITE_ONCE(rx->ring->busy, 1);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_busy);

/**
 * mk_ring_idle - the consumer goes idle, if it has seen everything
 * @rx: the consumer's view
 *
 * Call after the last mk_ring_recv() of a batch: clears busy, so that the
 * producer rings again; a producer that published in the meantime either
 * is seen here or sees our tail and busy and rings the doorbell.
 *
 * Return: true if there is nothing more to read.
 */
bool mk_ring_idle(struct mk_ring_rx *rx)
{
	WRITE_ONCE(rx->ring->busy, 0);
	/* Our tail and busy before this look at head; pairs with send. */
	smp_mb();
	return READ_ONCE(rx->ring->head) == rx->tail;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_idle);

/**
 * mk_ring_take_want_space - whether a producer waits for room
 * @rx: the consumer's view
 *
 * Clears the request; the caller then rings the producer's doorbell.
 *
 * Return: true if the producer asked for room.
 */
bool mk_ring_take_want_space(struct mk_ring_rx *rx)
{
	/* One read and clear: a request set in between is not lost. */
	return xchg(&rx->ring->want_space, 0) != 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_take_want_space);
