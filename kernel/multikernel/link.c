// SPDX-License-Identifier: GPL-2.0-only
/*
 * Links and channels.  A link is a ring each way in a communication
 * area; the message layer has one, and a channel (vsock, net) may own
 * another, which it consumes in its own context (a work item, NAPI)
 * with its own flow control: a full ring makes its sender wait, not the
 * others'.  Channels are called as the peer comes and goes (add, start,
 * stop, remove), in the manner of remoteproc's subdevices, so that the
 * core does not know what they are.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <kunit/visibility.h>

#include "comm.h"
#include "peer.h"

static LIST_HEAD(mk_channels);
static DEFINE_MUTEX(mk_channels_lock);

void mk_link_init(struct multikernel_link *link, struct mk_peer *peer)
{
	link->peer = peer;
	spin_lock_init(&link->tx_lock);
	init_waitqueue_head(&link->tx_wait);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_init);

/*
 * Use rings where another kernel of ours left them (live update): send
 * into @tx from slot @head, read @rx from slot @tail.
 */
void mk_link_resume(struct multikernel_link *link, struct mk_ring *tx,
		    struct mk_ring *rx, u32 head, u32 tail)
{
	unsigned long flags;

	mk_ring_rx_init(&link->rx, rx);
	link->rx.tail = tail;
	spin_lock_irqsave(&link->tx_lock, flags);
	mk_ring_tx_init(&link->tx, tx);
	link->tx.head = head;
	link->tx_blocked = false;
	link->tx_on = true;
	spin_unlock_irqrestore(&link->tx_lock, flags);
}

/* Start using two rings; the consumer is not running yet. */
void mk_link_attach(struct multikernel_link *link, struct mk_ring *tx,
		    struct mk_ring *rx)
{
	mk_link_resume(link, tx, rx, 0, 0);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_attach);

/* Stop sending; blocked senders get -ENOTCONN. */
void mk_link_detach(struct multikernel_link *link)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	link->tx_on = false;
	spin_unlock_irqrestore(&link->tx_lock, flags);
	wake_up_all(&link->tx_wait);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_detach);

/**
 * mk_link_send - put one message into a link's ring, ring if needed
 * @link: the link
 * @hdr:  type, len, flags, cookie
 * @data: @hdr->len bytes
 *
 * Return: 0, -ENOTCONN, -EMSGSIZE or -EAGAIN (full: the peer rings us
 * when it made room).
 */
int mk_link_send(struct multikernel_link *link, const struct mk_msg_hdr *hdr,
		 const void *data)
{
	unsigned long flags;
	bool kick = false;
	int ret;

	spin_lock_irqsave(&link->tx_lock, flags);
	if (!link->tx_on)
		ret = -ENOTCONN;
	else
		ret = mk_ring_send(&link->tx, hdr, data, &kick);
	link->tx_blocked = ret == -EAGAIN;
	if (kick)
		mk_peer_ring(link->peer);
	spin_unlock_irqrestore(&link->tx_lock, flags);
	if (!ret)
		atomic64_inc(&link->sent);
	return ret;
}

/*
 * A doorbell of the link's peer, in hard interrupt context: kick the
 * channel when its receive ring has something, or the peer may have made
 * room for a blocked send.
 */
void mk_link_doorbell(struct multikernel_link *link)
{
	bool rx;

	if (!link->chan || !link->chan->kick || !link->rx.ring)
		return;
	rx = READ_ONCE(link->rx.ring->head) != READ_ONCE(link->rx.tail);
	/* The channel takes it from here: no doorbell each message. */
	if (rx)
		mk_ring_busy(&link->rx);
	if (rx || READ_ONCE(link->rx.ring->want_space) ||
	    READ_ONCE(link->tx_blocked))
		link->chan->kick(link);
}

/**
 * multikernel_link_send - send one message on a channel's link
 * @link: the link
 * @data: payload
 * @len:  at most MULTIKERNEL_LINK_MAX bytes
 *
 * Context: any.  Does not wait: after -EAGAIN the channel's kick() is
 * called once the peer has made room.
 *
 * Return: 0, -ENOTCONN (the peer does not run), -EMSGSIZE or -EAGAIN.
 */
int multikernel_link_send(struct multikernel_link *link, const void *data,
			  size_t len)
{
	struct mk_msg_hdr hdr = { .len = len };

	if (len > MULTIKERNEL_LINK_MAX)
		return -EMSGSIZE;
	return mk_link_send(link, &hdr, data);
}

/**
 * multikernel_link_recv - take the next message of a channel's link
 * @link: the link, between the channel's start() and stop()
 * @buf:  room for MULTIKERNEL_LINK_MAX bytes
 *
 * Context: the channel serialises its calls.  What the peer wrote is
 * checked first (ring.c): a slot that fails, or a chain of slots
 * (MK_MSG_MORE) that is too long or ends early, is counted and skipped.
 *
 * Return: the message's length, 0 when the ring is empty.
 */
ssize_t multikernel_link_recv(struct multikernel_link *link, void *buf)
{
	struct mk_msg_hdr hdr;
	u32 pieces = 0;
	size_t len = 0;
	int i, ret;

	/* A batch of garbage is bounded by the ring's size. */
	for (i = 0; i <= MK_RING_SLOTS; i++) {
		/* The rest of a chain too long to fit is dropped. */
		ret = mk_ring_recv(&link->rx, &hdr,
				   pieces < MK_CHAIN_MAX ? buf + len : buf);
		if (!ret) {
			/* A producer publishes whole chains: this one lies. */
			if (pieces)
				atomic64_inc(&link->dropped);
			return 0;
		}
		if (ret < 0 || pieces == MK_CHAIN_MAX) {
			atomic64_inc(&link->dropped);
			/* Resynchronise at the end of the chain. */
			pieces = ret < 0 || !(hdr.flags & MK_MSG_MORE) ? 0 : MK_CHAIN_MAX;
			len = 0;
			continue;
		}
		len += hdr.len;
		pieces++;
		if (!(hdr.flags & MK_MSG_MORE)) {
			atomic64_inc(&link->received);
			return len;
		}
	}
	return 0;
}

/**
 * multikernel_link_done - a channel's consumer is done with a batch
 * @link: the link
 *
 * Rings the peer if it waits for room, lets it ring again for the next
 * message, and looks whether more came meanwhile.
 *
 * Return: true if the ring has more: take it (or kick yourself).
 */
bool multikernel_link_done(struct multikernel_link *link)
{
	if (mk_ring_take_want_space(&link->rx))
		mk_peer_ring(link->peer);
	return !mk_ring_idle(&link->rx);
}

/* Whether a send of @slots slots would find room, or fail at once. */
bool mk_link_writable(struct multikernel_link *link, u32 slots)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&link->tx_lock, flags);
	ret = !link->tx_on || !mk_ring_full(&link->tx, slots);
	link->tx_blocked = !ret;
	spin_unlock_irqrestore(&link->tx_lock, flags);
	return ret;
}

/**
 * multikernel_link_writable - whether a send would find room
 * @link: the link
 *
 * Return: true if there is room for a message of MULTIKERNEL_LINK_MAX
 * bytes, or the link is down (a send fails at once).  When false, kick()
 * comes once the peer made room.
 */
bool multikernel_link_writable(struct multikernel_link *link)
{
	return mk_link_writable(link, MK_CHAIN_MAX);
}

/**
 * multikernel_link_peer - who is at the other end
 * @link: the link
 *
 * Return: the instance id on the host, MULTIKERNEL_HOST in an instance.
 */
int multikernel_link_peer(const struct multikernel_link *link)
{
	return link->peer->id;
}

/**
 * multikernel_link_vsock_cid - the AF_VSOCK address of the instance
 * @link: the link; the instance's on the host, the host's in an instance
 *
 * Return: the instance's CID, as it was when it was started.
 */
u32 multikernel_link_vsock_cid(const struct multikernel_link *link)
{
	return READ_ONCE(link->peer->vsock_cid);
}

void *multikernel_link_priv(const struct multikernel_link *link)
{
	return link->priv;
}

void multikernel_link_set_priv(struct multikernel_link *link, void *priv)
{
	link->priv = priv;
}

static struct multikernel_link *mk_chan_link(struct mk_peer *peer,
					     const struct multikernel_channel *ch)
{
	return &peer->links[ch->link];
}

/*
 * Add every channel to a new peer.  Caller serialises the peer's
 * lifecycle (the instance's lock on the host).  On error nothing stays
 * added.
 */
int mk_channels_add(struct mk_peer *peer)
{
	struct multikernel_channel *ch;
	int ret = 0;

	mutex_lock(&mk_channels_lock);
	list_for_each_entry(ch, &mk_channels, node) {
		if (ch->link != MULTIKERNEL_LINK_MSG)
			peer->links[ch->link].chan = ch;
		ret = ch->add(mk_chan_link(peer, ch));
		if (ret) {
			pr_err("peer %d: channel %s: %d\n", peer->id, ch->name, ret);
			break;
		}
	}
	if (ret) {
		list_for_each_entry_continue_reverse(ch, &mk_channels, node)
			ch->remove(mk_chan_link(peer, ch));
	}
	mutex_unlock(&mk_channels_lock);
	return ret;
}

void mk_channels_remove(struct mk_peer *peer)
{
	struct multikernel_channel *ch;

	mutex_lock(&mk_channels_lock);
	list_for_each_entry_reverse(ch, &mk_channels, node)
		ch->remove(mk_chan_link(peer, ch));
	mutex_unlock(&mk_channels_lock);
}

/* The peer is attached: its links carry data. */
void mk_channels_start(struct mk_peer *peer)
{
	struct multikernel_channel *ch;

	mutex_lock(&mk_channels_lock);
	list_for_each_entry(ch, &mk_channels, node)
		if (ch->start)
			ch->start(mk_chan_link(peer, ch));
	mutex_unlock(&mk_channels_lock);
}

/* The peer is detached: nothing flows, no kick() comes any more. */
void mk_channels_stop(struct mk_peer *peer)
{
	struct multikernel_channel *ch;

	mutex_lock(&mk_channels_lock);
	list_for_each_entry_reverse(ch, &mk_channels, node)
		if (ch->stop)
			ch->stop(mk_chan_link(peer, ch));
	mutex_unlock(&mk_channels_lock);
}

/**
 * multikernel_channel_register - add a channel to every peer to come
 * @ch: the channel; @add and @remove are required
 *
 * Context: at boot, before userspace creates instances.  In an instance,
 * the host is a peer from early on: the channel is added and started
 * for it at once.
 *
 * Return: 0, -EINVAL (bad @ch), -EBUSY (its link is taken), or the
 * error of @add.
 */
int multikernel_channel_register(struct multikernel_channel *ch)
{
	struct multikernel_channel *other;
	struct mk_peer *host = mk_guest_peer();
	int ret = 0;

	if (!ch->add || !ch->remove || ch->link >= MULTIKERNEL_NR_LINKS ||
	    (ch->link != MULTIKERNEL_LINK_MSG && !ch->kick))
		return -EINVAL;
	mutex_lock(&mk_channels_lock);
	list_for_each_entry(other, &mk_channels, node)
		if (ch->link != MULTIKERNEL_LINK_MSG && other->link == ch->link)
			ret = -EBUSY;
	if (!ret && host) {
		if (ch->link != MULTIKERNEL_LINK_MSG)
			host->links[ch->link].chan = ch;
		ret = ch->add(mk_chan_link(host, ch));
		if (!ret && ch->start)
			ch->start(mk_chan_link(host, ch));
	}
	if (!ret)
		list_add_tail(&ch->node, &mk_channels);
	mutex_unlock(&mk_channels_lock);
	return ret;
}

/**
 * multikernel_is_instance - whether this kernel runs as an instance
 *
 * Return: true in an instance, false on a host.
 */
bool multikernel_is_instance(void)
{
	return mk_guest_peer();
}
