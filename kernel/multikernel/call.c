// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests and responses between kernels: a request carries a cookie,
 * its response carries the cookie back (MK_MSG_RESPONSE), and the caller
 * waits for it with a timeout that covers the send too.  The in-kernel
 * API multikernel_call(), multikernel_reply() and multikernel_ping();
 * every kernel answers pings (MULTIKERNEL_MSG_PING).
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/multikernel.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "comm.h"
#include "peer.h"

/* A response arrived: hand it to the call that waits for it, if any. */
void mk_call_deliver(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
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
	atomic64_inc(&mk_msg_link(peer)->dropped);
}

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

/**
 * mk_call_begin - send a request whose response @call will take
 * @p:       the receiver
 * @call:    zeroed but for @resp and @resp_size
 * @type:    the request's type
 * @req:     request payload
 * @req_len: its length
 * @timeout: jiffies to wait for room in the ring
 *
 * Whatever it returns, end the call with mk_call_end().
 *
 * Return: 0 once the request is in the ring, or as mk_peer_send().
 */
int mk_call_begin(struct mk_peer *p, struct mk_call *call, u32 type,
		  const void *req, size_t req_len, long timeout)
{
	struct mk_msg_hdr hdr = { .type = type, .len = req_len,
				  .flags = MK_MSG_REQUEST };
	unsigned long flags;

	init_completion(&call->done);
	spin_lock_irqsave(&p->calls_lock, flags);
	call->cookie = ++p->next_cookie;
	list_add_tail(&call->node, &p->calls);
	spin_unlock_irqrestore(&p->calls_lock, flags);

	if (req_len > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	hdr.cookie = call->cookie;
	return mk_peer_send(p, &hdr, req, timeout);
}
EXPORT_SYMBOL_IF_KUNIT(mk_call_begin);

/**
 * mk_call_end - forget a call begun with mk_call_begin()
 * @p:    the receiver
 * @call: the call
 * @ret:  0 if its response arrived, or the error that ended it
 *
 * Return: @ret, or the length of the response when @ret is 0.
 */
ssize_t mk_call_end(struct mk_peer *p, struct mk_call *call, int ret)
{
	unsigned long flags;

	spin_lock_irqsave(&p->calls_lock, flags);
	list_del(&call->node);
	spin_unlock_irqrestore(&p->calls_lock, flags);
	return ret ?: call->resp_len;
}
EXPORT_SYMBOL_IF_KUNIT(mk_call_end);

/**
 * mk_peer_call - send a request and wait for its response
 * @p:         the receiver
 * @type:      the request's type
 * @req:       request payload
 * @req_len:   its length
 * @resp:      room for the response payload
 * @resp_size: bytes of room; a longer response is cut
 * @timeout:   in jiffies, for the send and the response together
 *
 * Return: the length of the response; -ETIMEDOUT, or as mk_peer_send().
 */
ssize_t mk_peer_call(struct mk_peer *p, u32 type, const void *req,
		     size_t req_len, void *resp, size_t resp_size,
		     unsigned long timeout)
{
	struct mk_call call = { .resp = resp, .resp_size = resp_size };
	unsigned long end = jiffies + timeout;
	int ret;

	ret = mk_call_begin(p, &call, type, req, req_len, timeout);
	if (!ret && (time_after_eq(jiffies, end) ||
		     !wait_for_completion_timeout(&call.done, end - jiffies)))
		ret = -ETIMEDOUT;
	return mk_call_end(p, &call, ret);
}
EXPORT_SYMBOL_IF_KUNIT(mk_peer_call);

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
	ret = mk_peer_call(p, type, req, req_len, resp, resp_size, timeout);
	mk_peer_put(p);
	return ret;
}

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

	ret = multikernel_call(peer, MULTIKERNEL_MSG_PING, NULL, 0, NULL, 0,
			       timeout);
	return ret < 0 ? ret : 0;
}

static void mk_ping_handler(const struct multikernel_msg *msg, void *priv)
{
	multikernel_reply(msg, NULL, 0);
}

static int __init mk_msg_init(void)
{
	return multikernel_register_handler(MULTIKERNEL_MSG_PING,
					    mk_ping_handler, NULL);
}
core_initcall(mk_msg_init);
