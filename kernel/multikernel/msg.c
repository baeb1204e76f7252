// SPDX-License-Identifier: GPL-2.0-only
/*
 * Messages between kernels.  Each peer (an instance, seen from the host;
 * the host, seen from an instance) has a communication area with one ring
 * per direction; the multikernel IPI only says "look at your rings".
 *
 * Receiving: the doorbell interrupt drains at most MK_RX_BUDGET messages
 * per peer and leaves the rest to a worker, so a peer that floods cannot
 * keep the CPU in interrupt context.  Handlers run in atomic context with
 * interrupts disabled, from the interrupt or from that worker; they must
 * not sleep.  Everything read from the ring is checked first (ring.c);
 * what fails the checks, has an unknown type or answers no request is
 * counted in the peer's dropped counter and otherwise ignored.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/multikernel.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "internal.h"

/* Messages taken per peer per doorbell interrupt. */
#define MK_RX_BUDGET	16

struct mk_handler {
	multikernel_msg_handler_t fn;
	void *priv;
};

static struct mk_handler __rcu *mk_handlers[MULTIKERNEL_MSG_USER_FIRST];
static DEFINE_MUTEX(mk_handlers_lock);

/* Peers whose rings the doorbell interrupt looks at. */
static LIST_HEAD(mk_peers);
static DEFINE_SPINLOCK(mk_peers_lock);

/* A multikernel_call() waiting for its response. */
struct mk_call {
	struct list_head node;
	u64 cookie;
	struct completion done;
	void *resp;
	size_t resp_size;
	ssize_t resp_len;
};

/**
 * multikernel_register_handler - receive messages of one type
 * @type: a kernel message type, below MULTIKERNEL_MSG_USER_FIRST
 * @fn:   called for each message of @type from any peer, in atomic
 *        context with interrupts disabled
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
EXPORT_SYMBOL_GPL(multikernel_register_handler);

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
	/* Handlers run with interrupts off: an RCU read-side section. */
	synchronize_rcu();
	kfree(h);
}
EXPORT_SYMBOL_GPL(multikernel_unregister_handler);

static void mk_peer_deliver_response(struct mk_peer *peer,
				     const struct mk_msg_hdr *hdr,
				     const void *data)
{
	struct mk_call *call;

	spin_lock(&peer->calls_lock);
	list_for_each_entry(call, &peer->calls, node) {
		if (call->cookie != hdr->cookie)
			continue;
		call->resp_len = min_t(size_t, hdr->len, call->resp_size);
		memcpy(call->resp, data, call->resp_len);
		list_del_init(&call->node);
		complete(&call->done);
		spin_unlock(&peer->calls_lock);
		return;
	}
	spin_unlock(&peer->calls_lock);
	atomic64_inc(&peer->dropped);
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
	struct mk_handler *h;

	atomic64_inc(&peer->received);
	if (hdr->flags & MK_MSG_RESPONSE) {
		mk_peer_deliver_response(peer, hdr, data);
		return;
	}
	if (hdr->type >= MULTIKERNEL_MSG_USER_FIRST) {
		if (!mk_cdev_deliver(peer, &msg))
			atomic64_inc(&peer->dropped);
		return;
	}
	h = rcu_dereference(mk_handlers[hdr->type]);
	if (h)
		h->fn(&msg, h->priv);
	else
		atomic64_inc(&peer->dropped);
}

/*
 * Take up to @budget messages from @peer.  Interrupts are off.
 * Return: true if the ring may hold more.
 */
static bool mk_peer_drain(struct mk_peer *peer, int budget)
{
	struct mk_msg_hdr hdr;
	bool more = false;
	int ret;

	lockdep_assert_irqs_disabled();
	spin_lock(&peer->rx_lock);
	if (!peer->rx_on)
		goto out;
	for (;;) {
		if (!budget--) {
			more = true;
			break;
		}
		ret = mk_ring_recv(&peer->rx, &hdr, peer->rx_buf);
		if (ret < 0) {
			atomic64_inc(&peer->dropped);
			continue;
		}
		if (ret == 0 && mk_ring_empty(&peer->rx))
			break;
		if (ret > 0)
			mk_peer_dispatch(peer, &hdr, peer->rx_buf);
	}
	/* The producer waits for room: tell it there is some. */
	if (mk_ring_take_want_space(&peer->rx))
		arch_multikernel_ring_doorbell(peer->doorbell);
out:
	spin_unlock(&peer->rx_lock);
	return more;
}

static void mk_peer_rx_work(struct work_struct *work)
{
	struct mk_peer *peer = container_of(work, struct mk_peer, rx_work);
	bool more;

	do {
		local_irq_disable();
		more = mk_peer_drain(peer, MK_RX_BUDGET);
		local_irq_enable();
		cond_resched();
	} while (more);
}

/**
 * multikernel_doorbell - a peer rang: look at the rings
 *
 * Called by the architecture's multikernel interrupt handler.
 */
void multikernel_doorbell(void)
{
	struct mk_peer *peer;

	rcu_read_lock();
	list_for_each_entry_rcu(peer, &mk_peers, node) {
		atomic64_inc(&peer->doorbells);
		if (mk_peer_drain(peer, MK_RX_BUDGET))
			queue_work(system_highpri_wq, &peer->rx_work);
		if (wq_has_sleeper(&peer->tx_wait))
			wake_up(&peer->tx_wait);
		if (peer->notify)
			peer->notify(peer);
	}
	rcu_read_unlock();
}

/**
 * mk_peer_init - set up a peer, not yet attached to a communication area
 * @peer:     the peer
 * @id:       its id: an instance id, or 0 for the host
 * @doorbell: the architecture's id of the CPU to ring
 */
void mk_peer_init(struct mk_peer *peer, int id, u32 doorbell)
{
	peer->id = id;
	peer->doorbell = doorbell;
	spin_lock_init(&peer->tx_lock);
	spin_lock_init(&peer->rx_lock);
	spin_lock_init(&peer->calls_lock);
	INIT_LIST_HEAD(&peer->calls);
	init_waitqueue_head(&peer->tx_wait);
	INIT_WORK(&peer->rx_work, mk_peer_rx_work);
	INIT_LIST_HEAD(&peer->node);
}

/**
 * mk_peer_attach - start exchanging messages over two rings
 * @peer: an initialised, detached peer
 * @tx:   where we send
 * @rx:   where we receive
 */
void mk_peer_attach(struct mk_peer *peer, struct mk_ring *tx,
		    struct mk_ring *rx)
{
	unsigned long flags;

	spin_lock_irqsave(&peer->tx_lock, flags);
	mk_ring_tx_init(&peer->tx, tx);
	peer->tx_on = true;
	spin_unlock_irqrestore(&peer->tx_lock, flags);
	spin_lock_irqsave(&peer->rx_lock, flags);
	mk_ring_rx_init(&peer->rx, rx);
	peer->rx_on = true;
	spin_unlock_irqrestore(&peer->rx_lock, flags);

	spin_lock(&mk_peers_lock);
	list_add_tail_rcu(&peer->node, &mk_peers);
	spin_unlock(&mk_peers_lock);
}

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

	spin_lock(&mk_peers_lock);
	list_del_rcu(&peer->node);
	spin_unlock(&mk_peers_lock);
	synchronize_rcu();

	/* Not nested: a handler holds rx_lock when it replies (tx_lock). */
	spin_lock_irqsave(&peer->rx_lock, flags);
	peer->rx_on = false;
	spin_unlock_irqrestore(&peer->rx_lock, flags);
	cancel_work_sync(&peer->rx_work);
	spin_lock_irqsave(&peer->tx_lock, flags);
	peer->tx_on = false;
	spin_unlock_irqrestore(&peer->tx_lock, flags);
	wake_up_all(&peer->tx_wait);

	spin_lock_irqsave(&peer->calls_lock, flags);
	list_for_each_entry_safe(call, tmp, &peer->calls, node) {
		list_del_init(&call->node);
		call->resp_len = -ENOTCONN;
		complete(&call->done);
	}
	spin_unlock_irqrestore(&peer->calls_lock, flags);
}

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
static int mk_peer_try_send(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
			    const void *data)
{
	unsigned long flags;
	bool kick = false;
	int ret;

	spin_lock_irqsave(&peer->tx_lock, flags);
	if (!peer->tx_on)
		ret = -ENOTCONN;
	else
		ret = mk_ring_send(&peer->tx, hdr, data, &kick);
	if (kick)
		arch_multikernel_ring_doorbell(peer->doorbell);
	spin_unlock_irqrestore(&peer->tx_lock, flags);
	if (!ret)
		atomic64_inc(&peer->sent);
	return ret;
}

/* Whether a send would not block: room in the ring, or not connected. */
bool mk_peer_writable(struct mk_peer *peer)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&peer->tx_lock, flags);
	ret = !peer->tx_on || !mk_ring_full(&peer->tx);
	spin_unlock_irqrestore(&peer->tx_lock, flags);
	return ret;
}

/**
 * mk_peer_send - send one message, waiting for room if asked to
 * @peer:  the receiver
 * @hdr:   type, len, flags, cookie
 * @data:  @hdr->len bytes
 * @block: wait (interruptibly) while the ring is full
 *
 * Return: 0, -ENOTCONN, -EMSGSIZE, -EAGAIN or -ERESTARTSYS.
 */
int mk_peer_send(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
		 const void *data, bool block)
{
	int ret;

	for (;;) {
		ret = mk_peer_try_send(peer, hdr, data);
		if (ret != -EAGAIN || !block)
			return ret;
		ret = wait_event_interruptible(peer->tx_wait,
					       mk_peer_writable(peer));
		if (ret)
			return ret;
	}
}

/**
 * multikernel_send - send a message to another kernel
 * @peer:  an instance id on the host; MULTIKERNEL_HOST in an instance
 * @type:  the message type, below MULTIKERNEL_MSG_USER_FIRST
 * @data:  payload
 * @len:   payload bytes, at most MULTIKERNEL_MSG_MAX
 * @block: wait for room in a full ring instead of failing; may sleep then
 *
 * Return: 0 once the message is in the ring; -EINVAL (a user type),
 * -ENOENT (no such peer), -ENOTCONN (it is not running), -EMSGSIZE,
 * -EAGAIN (full) or -ERESTARTSYS.
 */
int multikernel_send(int peer, u32 type, const void *data, size_t len,
		     bool block)
{
	struct mk_msg_hdr hdr = { .type = type, .len = len };
	struct mk_peer *p;
	int ret;

	if (type >= MULTIKERNEL_MSG_USER_FIRST)
		return -EINVAL;
	if (len > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	p = mk_peer_get(peer);
	if (!p)
		return -ENOENT;
	ret = mk_peer_send(p, &hdr, data, block);
	mk_peer_put(p);
	return ret;
}
EXPORT_SYMBOL_GPL(multikernel_send);

/**
 * multikernel_reply - answer a request from a handler
 * @req:  the request, as passed to the handler
 * @data: payload
 * @len:  payload bytes
 *
 * Context: in the handler that got @req.  Does not wait for room: a
 * response that does not fit is dropped and the caller's
 * multikernel_call() times out.
 *
 * Return: 0, -EINVAL (@req is no request), -ENOTCONN, -EMSGSIZE or
 * -EAGAIN.
 */
int multikernel_reply(const struct multikernel_msg *req, const void *data,
		      size_t len)
{
	struct mk_msg_hdr hdr = {
		.type	= req->type,
		.len	= len,
		.flags	= MK_MSG_RESPONSE,
		.cookie	= req->cookie,
	};

	if (!req->request)
		return -EINVAL;
	return mk_peer_try_send(req->from, &hdr, data);
}
EXPORT_SYMBOL_GPL(multikernel_reply);

/**
 * mk_peer_call - send a request and wait for its response
 * @p:         the receiver
 * @type:      the request's type
 * @req:       request payload
 * @req_len:   its length
 * @resp:      room for the response payload
 * @resp_size: bytes of room; a longer response is cut
 * @timeout:   in jiffies
 * @spin:      busy-wait for the response instead of sleeping
 *
 * Return: the length of the response; -ETIMEDOUT, or as mk_peer_send().
 */
ssize_t mk_peer_call(struct mk_peer *p, u32 type, const void *req,
		     size_t req_len, void *resp, size_t resp_size,
		     unsigned long timeout, bool spin)
{
	struct mk_msg_hdr hdr = { .type = type, .len = req_len,
				  .flags = MK_MSG_REQUEST };
	struct mk_call call = { .resp = resp, .resp_size = resp_size };
	unsigned long flags, end = jiffies + timeout;
	ssize_t ret;

	if (req_len > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	init_completion(&call.done);
	spin_lock_irqsave(&p->calls_lock, flags);
	call.cookie = ++p->next_cookie;
	list_add_tail(&call.node, &p->calls);
	spin_unlock_irqrestore(&p->calls_lock, flags);

	hdr.cookie = call.cookie;
	ret = mk_peer_send(p, &hdr, req, true);
	if (!ret && spin) {
		while (!try_wait_for_completion(&call.done)) {
			if (time_after(jiffies, end)) {
				ret = -ETIMEDOUT;
				break;
			}
			cpu_relax();
		}
	} else if (!ret && !wait_for_completion_timeout(&call.done, timeout)) {
		ret = -ETIMEDOUT;
	}

	spin_lock_irqsave(&p->calls_lock, flags);
	list_del(&call.node);
	spin_unlock_irqrestore(&p->calls_lock, flags);
	return ret ?: call.resp_len;
}

/**
 * multikernel_call - send a request and wait for its response
 * @peer:      as for multikernel_send()
 * @type:      a type whose handler answers with multikernel_reply()
 * @req:       request payload
 * @req_len:   its length
 * @resp:      room for the response payload
 * @resp_size: bytes of room; a longer response is cut
 * @timeout:   in jiffies
 *
 * Context: process context; sleeps.
 *
 * Return: the length of the response; -ETIMEDOUT, or as
 * multikernel_send().
 */
ssize_t multikernel_call(int peer, u32 type, const void *req, size_t req_len,
			 void *resp, size_t resp_size, unsigned long timeout)
{
	struct mk_peer *p;
	ssize_t ret;

	p = mk_peer_get(peer);
	if (!p)
		return -ENOENT;
	ret = mk_peer_call(p, type, req, req_len, resp, resp_size, timeout,
			   false);
	mk_peer_put(p);
	return ret;
}
EXPORT_SYMBOL_GPL(multikernel_call);

/**
 * multikernel_ping - check that a peer answers
 * @peer:    as for multikernel_send()
 * @timeout: in jiffies
 *
 * Context: process context; sleeps.
 *
 * Return: 0, or as multikernel_call().
 */
int multikernel_ping(int peer, unsigned long timeout)
{
	ssize_t ret;

	ret = multikernel_call(peer, MK_MSG_PING, NULL, 0, NULL, 0, timeout);
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_GPL(multikernel_ping);

static void mk_ping_handler(const struct multikernel_msg *msg, void *priv)
{
	multikernel_reply(msg, NULL, 0);
}

static void mk_sink_handler(const struct multikernel_msg *msg, void *priv)
{
}

static int __init mk_msg_init(void)
{
	return multikernel_register_handler(MK_MSG_PING, mk_ping_handler, NULL) ?:
	       multikernel_register_handler(MK_MSG_SINK, mk_sink_handler, NULL);
}
core_initcall(mk_msg_init);
