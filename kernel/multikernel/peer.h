/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The message layer between two kernels: a peer, its links (a ring each
 * way in the communication area), the channels on them and the calls
 * waiting for a response (msg.c, link.c, call.c).  The same on the host,
 * where each instance is a peer, and in an instance, whose one peer is
 * the host.
 */
#ifndef _KERNEL_MULTIKERNEL_PEER_H
#define _KERNEL_MULTIKERNEL_PEER_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "comm.h"

struct mk_cdev;
struct multikernel_msg;

/**
 * struct multikernel_link - a ring each way between two kernels
 * @peer:       whose link
 * @chan:       the channel that consumes it, NULL for the message layer
 * @priv:       the channel's
 * @tx_lock:    serialises senders
 * @tx_on:      we may send; under @tx_lock
 * @tx_blocked: a send found the ring full; under @tx_lock
 * @tx:         where we send
 * @tx_wait:    senders waiting for room
 * @rx:         where we receive; its consumer serialises itself
 * @sent:       messages put into the ring
 * @received:   valid messages taken out of the ring
 * @dropped:    messages invalid or not delivered
 */
struct multikernel_link {
	struct mk_peer *peer;
	const struct multikernel_channel *chan;
	void *priv;
	spinlock_t tx_lock;		/* senders */
	bool tx_on;
	bool tx_blocked;
	struct mk_ring_tx tx;
	wait_queue_head_t tx_wait;
	struct mk_ring_rx rx;
	atomic64_t sent;
	atomic64_t received;
	atomic64_t dropped;
};

/**
 * struct mk_peer - the other kernel, as the message layer sees it
 * @id:          an instance id, or MULTIKERNEL_HOST
 * @doorbell:    what to ring to reach it (arch_multikernel_ring_doorbell())
 * @attached:    its doorbell interrupt looks at the rings
 * @links:       the rings to and from it; [MULTIKERNEL_LINK_MSG] carries
 *               typed messages
 * @rx_on:       we take messages; under @rx_lock
 * @rx_lock:     serialises receivers of messages (@rx_work, detach)
 * @rx_buf:      the message being handled, copied out of the ring
 * @rx_work:     BH work that takes messages after a doorbell
 * @calls_lock:  protects @calls and @next_cookie
 * @calls:       multikernel_call()s waiting for a response
 * @next_cookie: the last cookie used
 * @doorbells:   doorbell interrupts from it
 * @vsock_cid:   its AF_VSOCK address (the host's view of an instance)
 * @cdev:        its /dev/multikernelN
 */
struct mk_peer {
	int id;
	u64 doorbell;
	bool attached;
	struct multikernel_link links[MULTIKERNEL_NR_LINKS];
	bool rx_on;
	spinlock_t rx_lock;		/* receivers */
	u8 rx_buf[MULTIKERNEL_MSG_MAX];
	struct work_struct rx_work;
	spinlock_t calls_lock;		/* calls, next_cookie */
	struct list_head calls;
	u64 next_cookie;
	atomic64_t doorbells;
	u32 vsock_cid;
	struct mk_cdev *cdev;
};

/* The link of typed messages. */
static inline struct multikernel_link *mk_msg_link(struct mk_peer *peer)
{
	return &peer->links[MULTIKERNEL_LINK_MSG];
}

void mk_peer_init(struct mk_peer *peer, int id, u64 doorbell);
void mk_peer_attach(struct mk_peer *peer, struct mk_comm *comm, bool host);

/* Where a kernel left a link: its next slot to send and to read. */
struct mk_link_pos {
	u32 tx_head;
	u32 rx_tail;
};

void mk_peer_resume(struct mk_peer *peer, struct mk_comm *comm, bool host,
		    const struct mk_link_pos *pos);
void mk_peer_detach(struct mk_peer *peer);
u64 mk_peer_traffic(struct mk_peer *peer);

/* Links and channels (link.c). */
void mk_link_init(struct multikernel_link *link, struct mk_peer *peer);
void mk_link_attach(struct multikernel_link *link, struct mk_ring *tx,
		    struct mk_ring *rx);
void mk_link_resume(struct multikernel_link *link, struct mk_ring *tx,
		    struct mk_ring *rx, u32 head, u32 tail);
void mk_link_detach(struct multikernel_link *link);
int mk_link_send(struct multikernel_link *link, const struct mk_msg_hdr *hdr,
		 const void *data);
void mk_link_doorbell(struct multikernel_link *link);
bool mk_link_writable(struct multikernel_link *link, u32 slots);
int mk_channels_add(struct mk_peer *peer);
void mk_channels_remove(struct mk_peer *peer);
void mk_channels_start(struct mk_peer *peer);
void mk_channels_stop(struct mk_peer *peer);
void mk_peer_doorbell(struct mk_peer *peer);
void mk_peer_ring(struct mk_peer *peer);
int mk_peer_send(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
		 const void *data, long timeout);
bool mk_peer_writable(struct mk_peer *peer);
/**
 * struct mk_call - a request waiting for its response
 * @node:      in the peer's @calls
 * @cookie:    the request's, which the response carries back
 * @done:      completed when the response arrived or the peer went
 * @resp:      room for the response payload
 * @resp_size: bytes of room
 * @resp_len:  the response's length, or -ENOTCONN
 */
struct mk_call {
	struct list_head node;
	u64 cookie;
	struct completion done;
	void *resp;
	size_t resp_size;
	ssize_t resp_len;
};

int mk_peer_try_send(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
		     const void *data);
void mk_call_deliver(struct mk_peer *peer, const struct mk_msg_hdr *hdr,
		     const void *data);
int mk_call_begin(struct mk_peer *p, struct mk_call *call, u32 type,
		  const void *req, size_t req_len, long timeout);
ssize_t mk_call_end(struct mk_peer *p, struct mk_call *call, int ret);
ssize_t mk_peer_call(struct mk_peer *p, u32 type, const void *req,
		     size_t req_len, void *resp, size_t resp_size,
		     unsigned long timeout);
struct mk_peer *mk_peer_get(int id);
struct mk_peer *mk_peer_hold(struct mk_peer *peer);
void mk_peer_put(struct mk_peer *peer);
struct mk_peer *mk_instance_peer_get(int id);
void mk_instance_peer_hold(struct mk_peer *peer);
void mk_instance_peer_put(struct mk_peer *peer);
struct mk_peer *mk_guest_peer(void);
struct mk_comm *mk_guest_comm(void);
void mk_console_start(struct mk_console_ring *ring);

/* /dev/multikernelN (chardev.c) */
bool mk_cdev_deliver(struct mk_peer *peer, const struct multikernel_msg *msg);

#endif /* _KERNEL_MULTIKERNEL_PEER_H */
