// SPDX-License-Identifier: GPL-2.0-only
/*
 * Messages between kernels.  Each peer (an instance, seen from the host;
 * the host, seen from an instance) has a communication area with one ring
 * per direction; the multikernel IPI only says "look at your rings".
 *
 * Receiving: the peer's doorbell interrupt (on the host one per instance,
 * in an instance the multikernel vector) queues the peer's BH work
 * (system_bh_highpri_wq), which takes at most MK_RX_BUDGET messages per
 * run and queues itself again while there are more, so a peer that floods
 * cannot keep the CPU.  Handlers run in softirq context; they must not
 * sleep.  Everything read from the ring is checked first (ring.c);
 * what fails the checks, has an unknown type or answers no request is
 * counted in the peer's dropped counter and otherwise ignored.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/multikernel.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <kunit/visibility.h>

#include "comm.h"
#include "internal.h"

/* Messages taken per peer per run of its rx work. */
#define MK_RX_BUDGET	16

struct mk_handler {
	multikernel_msg_handler_t fn;
	void *priv;
};

static struct mk_handler __rcu *mk_handlers[MULTIKERNEL_MSG_USER_FIRST];
static DEFINE_MUTEX(mk_handlers_lock);

/**
 * multikernel_register_handler - receive messages of one type
 * @type: a kernel message type, below MULTIKERNEL_MSG_USER_FIRST
 * @fn:   called for each message of @type from any peer, in softirq
 *        context
 * @priv: passed to @fn
 *
 * Return: 0; -EINVAL for a user type, -EBUSY if @type has a handler.
 */
int multikernel_register_handler(u32 type, multikernel_msg_handler_t fn,
				 void *priv)
{
	struct mk_handler *h;
	int ret = 0;

	if (type >= MULTIKERNEL_MSG_USER_FIRST || !fn)
		return -EINVAL;
	h = kmalloc_obj(*h, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->fn = fn;
	h->priv = priv;

	mutex_lock(&mk_handlers_lock);
	if (rcu_access_pointer(mk_handlers[type])) {
		ret = -EBUSY;
		kfree(h);
	} else {
		rcu_assign_pointer(mk_handlers[type], h);
	}
	mutex_unlock(&mk_handlers_lock);
	return ret;
}

/**
 * multikernel_unregister_handler - stop receiving messages of one type
 * @type: as registered
 *
 * Waits until no call of the handler runs any more.
 */
void multikernel_unregister_handler(u32 type)
{
	struct mk_handler *h;

	if (type >= MULTIKERNEL_MSG_USER_FIRST)
		return;
	mutex_lock(&mk_handlers_lock);
	h = rcu_replace_pointer(mk_handlers[type], NULL,
				lockdep_is_held(&mk_handlers_lock));
	mutex_unlock(&mk_handlers_lock);
	/* Handlers run in an RCU read-side section. */
	synchronize_rcu();
	kfree(h);
}

static void mk_peer_dispatch(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
			     const void *data)
{
	struct multikernel_msg msg = {
		.peer	= peer->id,
		.type	= hdr->type,
		.len	= hdr->len,
		.data	= data,
		.cookie	= hdr->cookie,
		.request = !!(hdr->flags & MK_MSG_REQUEST),
		.from	= peer,
	};
	struct multikernel_link *link = mk_msg_link(peer);
	struct mk_handler *h;

	atomic64_inc(&link->received);
	if (hdr->flags & MK_MSG_RESPONSE) {
		mk_call_deliver(peer, hdr, data);
		return;
	}
	if (hdr->type >= MULTIKERNEL_MSG_USER_FIRST) {
		if (!mk_cdev_deliver(peer, &msg))
			atomic64_inc(&link->dropped);
		return;
	}
	rcu_read_lock();
	h = rcu_dereference(mk_handlers[hdr->type]);
	if (h)
		h->fn(&msg, h->priv);
	else
		atomic64_inc(&link->dropped);
	rcu_read_unlock();
}

/*
 * Take up to @budget messages from @peer, in softirq context: handlers
 * run so.  Return: true if the ring may hold more.
 */
static bool mk_peer_drain(struct mk_peer *peer, int budget)
{
	struct multikernel_link *link = mk_msg_link(peer);
	struct mk_msg_hdr hdr;
	bool more = false;
	int ret;

	spin_lock(&peer->rx_lock);
	if (!peer->rx_on)
		goto out;
	for (;;) {
		if (!budget--) {
			more = true;
			break;
		}
		ret = mk_ring_recv(&link->rx, &hdr, peer->rx_buf);
		if (ret < 0) {
			atomic64_inc(&link->dropped);
			continue;
		}
		if (ret == 0 && mk_ring_idle(&link->rx))
			break;
		if (ret > 0)
			mk_peer_dispatch(peer, &hdr, peer->rx_buf);
	}
	/* The producer waits for room: tell it there is some. */
	if (mk_ring_take_want_space(&link->rx))
		mk_peer_ring(peer);
out:
	spin_unlock(&peer->rx_lock);
	return more;
}

/*
 * In softirq context, right after the doorbell: one budget of messages
 * per run, then the next run is queued behind whatever else waits, so a
 * peer that keeps its ring full does not hold the CPU.
 */
static void mk_peer_rx_work(struct work_struct *work)
{
	struct mk_peer *peer = container_of(work, struct mk_peer, rx_work);

	if (mk_peer_drain(peer, MK_RX_BUDGET))
		queue_work(system_bh_highpri_wq, &peer->rx_work);
	if (wq_has_sleeper(&mk_msg_link(peer)->tx_wait))
		wake_up(&mk_msg_link(peer)->tx_wait);
}

/**
 * mk_peer_doorbell - @peer rang our doorbell
 * @peer: the peer whose interrupt this is
 *
 * Context: hard interrupt, where no spinlock_t may be taken: queues the
 * message BH work when it has messages or waiting senders, and kicks the
 * channels whose links have work.
 */
void mk_peer_doorbell(struct mk_peer *peer)
{
	struct multikernel_link *link = mk_msg_link(peer);
	int i;

	atomic64_inc(&peer->doorbells);
	if (!READ_ONCE(peer->attached))
		return;
	/* A hint, without rx_lock: the work looks again under it. */
	if (READ_ONCE(link->rx.ring->head) != READ_ONCE(link->rx.tail)) {
		mk_ring_busy(&link->rx);
		queue_work(system_bh_highpri_wq, &peer->rx_work);
	} else if (READ_ONCE(link->rx.ring->want_space) ||
		   wq_has_sleeper(&link->tx_wait)) {
		queue_work(system_bh_highpri_wq, &peer->rx_work);
	}
	for (i = MULTIKERNEL_LINK_MSG + 1; i < MULTIKERNEL_NR_LINKS; i++)
		mk_link_doorbell(&peer->links[i]);
}

/* Messages both ways on all links: each may come with one doorbell. */
u64 mk_peer_traffic(struct mk_peer *peer)
{
	u64 n = 0;
	int i;

	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++)
		n += atomic64_read(&peer->links[i].sent) +
		     atomic64_read(&peer->links[i].received) +
		     atomic64_read(&peer->links[i].dropped);
	return n;
}

/**
 * mk_peer_ring - ring @peer's doorbell
 * @peer: the peer
 *
 * Everything written to the rings before is visible to the peer when its
 * interrupt runs.
 */
void mk_peer_ring(struct mk_peer *peer)
{
	arch_multikernel_ring_doorbell(READ_ONCE(peer->doorbell));
}

/**
 * multikernel_doorbell - the multikernel vector rang
 *
 * Called by the architecture's multikernel interrupt handler, in hard
 * interrupt context.  In an instance it is the host's doorbell.  On the
 * host each instance rings an interrupt of its own instead: this one only
 * counts (in the architecture's interrupt statistics).
 */
void multikernel_doorbell(void)
{
	struct mk_peer *host = mk_guest_peer();

	if (host)
		mk_peer_doorbell(host);
}

/**
 * mk_peer_init - set up a peer, not yet attached to a communication area
 * @peer:     the peer
 * @id:       its id: an instance id, or 0 for the host
 * @doorbell: what to ring to reach it
 */
void mk_peer_init(struct mk_peer *peer, int id, u64 doorbell)
{
	int i;

	peer->id = id;
	peer->doorbell = doorbell;
	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++)
		mk_link_init(&peer->links[i], peer);
	spin_lock_init(&peer->rx_lock);
	spin_lock_init(&peer->calls_lock);
	INIT_LIST_HEAD(&peer->calls);
	INIT_WORK(&peer->rx_work, mk_peer_rx_work);
}
EXPORT_SYMBOL_IF_KUNIT(mk_peer_init);

/**
 * mk_peer_resume - start exchanging messages where they were left
 * @peer: a detached peer
 * @comm: the communication area
 * @host: we are the host
 * @pos:  per link, our next slot to send and to read (a previous host
 *        kernel's, at a live update), or NULL for rings just reset
 */
void mk_peer_resume(struct mk_peer *peer, struct mk_comm *comm, bool host,
		    const struct mk_link_pos *pos)
{
	int i;

	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++)
		mk_link_resume(&peer->links[i],
			       host ? &comm->links[i].to_instance : &comm->links[i].to_host,
			       host ? &comm->links[i].to_host : &comm->links[i].to_instance,
			       pos ? pos[i].tx_head : 0, pos ? pos[i].rx_tail : 0);
	spin_lock_bh(&peer->rx_lock);
	peer->rx_on = true;
	spin_unlock_bh(&peer->rx_lock);

	WRITE_ONCE(peer->attached, true);
	/*
	 * The other side may have sent before we attached: its doorbells
	 * were not for us, and it rings again only when the ring was empty.
	 */
	queue_work(system_bh_highpri_wq, &peer->rx_work);
}

/**
 * mk_peer_attach - start exchanging data over a communication area
 * @peer: an initialised, detached peer
 * @comm: the area
 * @host: we are the host: we send on to_instance, receive on to_host
 */
void mk_peer_attach(struct mk_peer *peer, struct mk_comm *comm, bool host)
{
	mk_peer_resume(peer, comm, host, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(mk_peer_attach);

/**
 * mk_peer_detach - stop exchanging messages; may sleep
 * @peer: an attached peer
 *
 * Senders blocked on a full ring and callers waiting for a response get
 * -ENOTCONN.
 */
void mk_peer_detach(struct mk_peer *peer)
{
	struct mk_call *call, *tmp;
	unsigned long flags;
	int i;

	/* Hard interrupt handlers are RCU readers: none looks at it after. */
	WRITE_ONCE(peer->attached, false);
	synchronize_rcu();

	/* Not nested: a handler holds rx_lock when it replies (tx_lock). */
	spin_lock_bh(&peer->rx_lock);
	peer->rx_on = false;
	spin_unlock_bh(&peer->rx_lock);
	cancel_work_sync(&peer->rx_work);
	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++)
		mk_link_detach(&peer->links[i]);

	spin_lock_irqsave(&peer->calls_lock, flags);
	list_for_each_entry_safe(call, tmp, &peer->calls, node) {
		list_del_init(&call->node);
		call->resp_len = -ENOTCONN;
		complete(&call->done);
	}
	spin_unlock_irqrestore(&peer->calls_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mk_peer_detach);

/**
 * mk_peer_get - the peer with an id, referenced
 * @id: an instance id on the host; MULTIKERNEL_HOST in an instance
 *
 * Context: process context.
 *
 * Return: the peer or NULL; release it with mk_peer_put().
 */
struct mk_peer *mk_peer_get(int id)
{
	struct mk_peer *host = mk_guest_peer();

	if (host)
		return id == MULTIKERNEL_HOST ? host : NULL;
	return id == MULTIKERNEL_HOST ? NULL : mk_instance_peer_get(id);
}

/* Another reference to a peer that is referenced already. */
struct mk_peer *mk_peer_hold(struct mk_peer *peer)
{
	if (peer->id != MULTIKERNEL_HOST)
		mk_instance_peer_hold(peer);
	return peer;
}

void mk_peer_put(struct mk_peer *peer)
{
	if (peer->id != MULTIKERNEL_HOST)
		mk_instance_peer_put(peer);
}

/* Return: 0, -ENOTCONN, -EMSGSIZE or -EAGAIN (ring full). */
int mk_peer_try_send(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
		     const void *data)
{
	return mk_link_send(mk_msg_link(peer), hdr, data);
}

/* Whether a send would not block: room in the ring, or not connected. */
bool mk_peer_writable(struct mk_peer *peer)
{
	return mk_link_writable(mk_msg_link(peer), 1);
}

/**
 * mk_peer_send - send one message, waiting for room if asked to
 * @peer:    the receiver
 * @hdr:     type, len, flags, cookie
 * @data:    @hdr->len bytes
 * @timeout: jiffies to wait (interruptibly) while the ring is full: 0 not
 *           at all, MAX_SCHEDULE_TIMEOUT until a signal or the peer goes
 *
 * A peer that takes nothing, or publishes a tail that leaves no room,
 * holds a sender for @timeout at most.
 *
 * Return: 0, -ENOTCONN, -EMSGSIZE, -EAGAIN (full, @timeout 0),
 * -ETIMEDOUT or -ERESTARTSYS.
 */
int mk_peer_send(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
		 const void *data, long timeout)
{
	long left = timeout;
	int ret;

	for (;;) {
		ret = mk_peer_try_send(peer, hdr, data);
		if (ret != -EAGAIN || !timeout)
			return ret;
		left = wait_event_interruptible_timeout(mk_msg_link(peer)->tx_wait,
							mk_peer_writable(peer),
							left);
		if (left < 0)
			return left;
		if (!left)
			return -ETIMEDOUT;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mk_peer_send);

/**
 * multikernel_send - send a message to another kernel
 * @peer:  an instance id on the host; MULTIKERNEL_HOST in an instance
 * @type:  the message type, below MULTIKERNEL_MSG_USER_FIRST
 * @data:  payload
 * @len:   payload bytes, at most MULTIKERNEL_MSG_MAX
 * @block: wait for room in a full ring instead of failing, for at most
 *         heartbeat_timeout_ms (a peer that takes nothing for that long is
 *         as good as hung); may sleep then
 *
 * Return: 0 once the message is in the ring; -EINVAL (a user type),
 * -ENOENT (no such peer), -ENOTCONN (it is not running), -EMSGSIZE,
 * -EAGAIN (full), -ETIMEDOUT (still full after the wait) or
 * -ERESTARTSYS.
 */
int multikernel_send(int peer, u32 type, const void *data, size_t len,
		     bool block)
{
	struct mk_msg_hdr hdr = { .type = type, .len = len };
	struct mk_peer *p;
	long timeout = 0;
	int ret;

	if (type >= MULTIKERNEL_MSG_USER_FIRST)
		return -EINVAL;
	if (len > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	p = mk_peer_get(peer);
	if (!p)
		return -ENOENT;
	if (block)
		timeout = msecs_to_jiffies(READ_ONCE(mk_heartbeat_timeout_ms));
	ret = mk_peer_send(p, &hdr, data, timeout);
	mk_peer_put(p);
	return ret;
}
