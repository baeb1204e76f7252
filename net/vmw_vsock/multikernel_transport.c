// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_VSOCK between a multikernel host and its instances, on
 * virtio_transport_common as vsock_loopback and vhost-vsock are.
 *
 * The host registers as the host-to-guest transport (it is CID 2); each
 * running instance is reached at its CID
 * (/sys/kernel/multikernel/instances/<id>/vsock_cid).  An instance
 * registers as the guest-to-host transport, with the CID the host gave
 * it.  Packets (a virtio_vsock_hdr and its payload, up to 64 KiB) travel
 * one per message of the instance's vsock link, sent at once when the
 * link has room and from a work item when it had not, taken out of it by
 * a work item kicked by the doorbell.  Credit-based flow control is
 * virtio_transport_common's: a
 * peer that does not read stops its sender.  What the peer sends is
 * checked as vhost-vsock checks a guest: its length, and the addresses
 * (an instance can only send as its own CID, to the host).
 */
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/multikernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/virtio_vsock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <net/af_vsock.h>
#include <net/net_namespace.h>

/* Packets moved per run of a work item. */
#define MK_VSOCK_BUDGET		64
#define MK_VSOCK_HDR		sizeof(struct virtio_vsock_hdr)

static_assert(MK_VSOCK_HDR + VIRTIO_VSOCK_MAX_PKT_BUF_SIZE <= MULTIKERNEL_LINK_MAX);

/**
 * struct mk_vsock - the vsock end of one peer
 * @link:       its link
 * @cid:        the instance's CID (the peer's on the host, ours in an
 *              instance), fixed from start to stop
 * @running:    between start and stop; senders look under RCU
 * @send_queue: packets waiting for room in the link
 * @tx_lock:    serialises sends, in order: @tx_buf and the link
 * @tx_work:    moves them into the link
 * @rx_work:    takes packets out of the link
 * @tx_buf:     the packet being sent (MULTIKERNEL_LINK_MAX bytes)
 * @rx_buf:     the packet being received; used by @rx_work only
 */
struct mk_vsock {
	struct multikernel_link *link;
	u32 cid;
	bool running;
	struct sk_buff_head send_queue;
	spinlock_t tx_lock;		/* tx_buf, sends */
	struct work_struct tx_work;
	struct work_struct rx_work;
	u8 *tx_buf;
	u8 *rx_buf;
};

static struct workqueue_struct *mk_vsock_wq;
/* Host: running instances by CID.  Instance: the host, at index 0. */
static DEFINE_XARRAY(mk_vsock_peers);
static bool mk_vsock_is_instance;
static struct virtio_transport mk_vsock_transport;

/* The peer a packet to @cid goes to; under RCU. */
static struct mk_vsock *mk_vsock_get(u32 cid)
{
	struct mk_vsock *v;

	if (mk_vsock_is_instance)
		v = cid == VMADDR_CID_HOST ? xa_load(&mk_vsock_peers, 0) : NULL;
	else
		v = xa_load(&mk_vsock_peers, cid);
	return v && READ_ONCE(v->running) ? v : NULL;
}

static u32 mk_vsock_get_local_cid(void)
{
	struct mk_vsock *v;
	u32 cid = VMADDR_CID_ANY;

	if (!mk_vsock_is_instance)
		return VMADDR_CID_HOST;
	rcu_read_lock();
	v = xa_load(&mk_vsock_peers, 0);
	if (v)
		cid = v->cid;
	rcu_read_unlock();
	return cid;
}

static bool mk_vsock_has_remote_cid(struct vsock_sock *vsk, u32 cid)
{
	bool found;

	rcu_read_lock();
	found = mk_vsock_get(cid);
	rcu_read_unlock();
	return found;
}

static bool mk_vsock_send_skb(struct mk_vsock *v, struct sk_buff *skb);

static int mk_vsock_send_pkt(struct sk_buff *skb, struct net *net)
{
	struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);
	int len = skb->len, ret;
	struct mk_vsock *v;
	bool sent = false;

	rcu_read_lock();
	v = net_eq(net, &init_net) ? mk_vsock_get(le64_to_cpu(hdr->dst_cid)) : NULL;
	if (!v) {
		/*
		 * Only a new connection has no device to go to.  A
		 * connection whose instance has just stopped is reset
		 * (mk_vsock_stop() resets its sockets once no sender can
		 * see the peer): its writer gets the same error whichever
		 * comes first.
		 */
		ret = le16_to_cpu(hdr->op) == VIRTIO_VSOCK_OP_REQUEST ? -ENODEV : -ECONNRESET;
		rcu_read_unlock();
		kfree_skb(skb);
		return ret;
	}
	/* Nothing waits before it and the link has room: at once. */
	if (skb_queue_empty_lockless(&v->send_queue) && spin_trylock_bh(&v->tx_lock)) {
		if (skb_queue_empty(&v->send_queue))
			sent = mk_vsock_send_skb(v, skb);
		spin_unlock_bh(&v->tx_lock);
	}
	if (!sent) {
		virtio_vsock_skb_queue_tail(&v->send_queue, skb);
		queue_work(mk_vsock_wq, &v->tx_work);
	}
	rcu_read_unlock();
	return len;
}

static int mk_vsock_cancel_pkt(struct vsock_sock *vsk)
{
	struct mk_vsock *v;
	int ret = -ENODEV;

	rcu_read_lock();
	v = mk_vsock_get(vsk->remote_addr.svm_cid);
	if (v)
		ret = virtio_transport_purge_skbs(vsk, &v->send_queue);
	rcu_read_unlock();
	return ret < 0 ? ret : 0;
}

static bool mk_vsock_allow(struct vsock_sock *vsk, u32 cid, u32 port)
{
	return true;
}

static bool mk_vsock_seqpacket_allow(struct vsock_sock *vsk, u32 remote_cid)
{
	return true;
}

/*
 * MSG_ZEROCOPY: the sender's pages stay pinned in the skb's frags until
 * mk_vsock_send_skb() has copied them into the link (skb_copy_bits()
 * reads frags), and the completion is queued when the skb is freed after
 * that, as with vsock_loopback.
 */
static bool mk_vsock_msgzerocopy_allow(void)
{
	return true;
}

static struct virtio_transport mk_vsock_transport = {
	.transport = {
		.module                   = THIS_MODULE,

		.get_local_cid            = mk_vsock_get_local_cid,
		.has_remote_cid           = mk_vsock_has_remote_cid,

		.init                     = virtio_transport_do_socket_init,
		.destruct                 = virtio_transport_destruct,
		.release                  = virtio_transport_release,
		.connect                  = virtio_transport_connect,
		.shutdown                 = virtio_transport_shutdown,
		.cancel_pkt               = mk_vsock_cancel_pkt,

		.dgram_bind               = virtio_transport_dgram_bind,
		.dgram_dequeue            = virtio_transport_dgram_dequeue,
		.dgram_enqueue            = virtio_transport_dgram_enqueue,
		.dgram_allow              = virtio_transport_dgram_allow,

		.stream_dequeue           = virtio_transport_stream_dequeue,
		.stream_enqueue           = virtio_transport_stream_enqueue,
		.stream_has_data          = virtio_transport_stream_has_data,
		.stream_has_space         = virtio_transport_stream_has_space,
		.stream_rcvhiwat          = virtio_transport_stream_rcvhiwat,
		.stream_is_active         = virtio_transport_stream_is_active,
		.stream_allow             = mk_vsock_allow,

		.seqpacket_dequeue        = virtio_transport_seqpacket_dequeue,
		.seqpacket_enqueue        = virtio_transport_seqpacket_enqueue,
		.seqpacket_allow          = mk_vsock_seqpacket_allow,
		.seqpacket_has_data       = virtio_transport_seqpacket_has_data,

		.msgzerocopy_allow        = mk_vsock_msgzerocopy_allow,

		.notify_poll_in           = virtio_transport_notify_poll_in,
		.notify_poll_out          = virtio_transport_notify_poll_out,
		.notify_recv_init         = virtio_transport_notify_recv_init,
		.notify_recv_pre_block    = virtio_transport_notify_recv_pre_block,
		.notify_recv_pre_dequeue  = virtio_transport_notify_recv_pre_dequeue,
		.notify_recv_post_dequeue = virtio_transport_notify_recv_post_dequeue,
		.notify_send_init         = virtio_transport_notify_send_init,
		.notify_send_pre_block    = virtio_transport_notify_send_pre_block,
		.notify_send_pre_enqueue  = virtio_transport_notify_send_pre_enqueue,
		.notify_send_post_enqueue = virtio_transport_notify_send_post_enqueue,
		.notify_buffer_size       = virtio_transport_notify_buffer_size,
		.notify_set_rcvlowat      = virtio_transport_notify_set_rcvlowat,

		.unsent_bytes             = virtio_transport_unsent_bytes,

		.read_skb                 = virtio_transport_read_skb,
	},

	.send_pkt = mk_vsock_send_pkt,
};

/*
 * Put @skb into the link, header and payload in one message; @v->tx_lock
 * held.  Return: false when the link has no room (kick() comes when it
 * has), true when @skb is done with.
 */
static bool mk_vsock_send_skb(struct mk_vsock *v, struct sk_buff *skb)
{
	int ret = -EMSGSIZE;

	memcpy(v->tx_buf, virtio_vsock_hdr(skb), MK_VSOCK_HDR);
	if (skb->len <= VIRTIO_VSOCK_MAX_PKT_BUF_SIZE &&
	    !skb_copy_bits(skb, 0, v->tx_buf + MK_VSOCK_HDR, skb->len))
		ret = multikernel_link_send(v->link, v->tx_buf,
					    MK_VSOCK_HDR + skb->len);
	if (ret == -EAGAIN)
		return false;
	/* Sent, or the peer went: it is done with either way. */
	virtio_transport_deliver_tap_pkt(skb);
	virtio_transport_consume_skb_sent(skb, true);
	return true;
}

static void mk_vsock_tx_work(struct work_struct *work)
{
	struct mk_vsock *v = container_of(work, struct mk_vsock, tx_work);
	struct sk_buff *skb;
	int n;

	spin_lock_bh(&v->tx_lock);
	for (n = 0; n < MK_VSOCK_BUDGET; n++) {
		skb = virtio_vsock_skb_dequeue(&v->send_queue);
		if (!skb)
			goto out;
		if (!mk_vsock_send_skb(v, skb)) {
			/* kick() queues us again when the peer made room. */
			virtio_vsock_skb_queue_head(&v->send_queue, skb);
			goto out;
		}
	}
	queue_work(mk_vsock_wq, &v->tx_work);
out:
	spin_unlock_bh(&v->tx_lock);
}

/* One packet from the peer, in @v->rx_buf: check it, then hand it on. */
static void mk_vsock_deliver(struct mk_vsock *v, size_t len)
{
	struct virtio_vsock_hdr hdr;
	struct sk_buff *skb;
	u64 src, dst;
	u32 payload;

	if (len < MK_VSOCK_HDR)
		return;
	memcpy(&hdr, v->rx_buf, MK_VSOCK_HDR);
	payload = le32_to_cpu(hdr.len);
	src = le64_to_cpu(hdr.src_cid);
	dst = le64_to_cpu(hdr.dst_cid);
	if (payload != len - MK_VSOCK_HDR ||
	    payload > VIRTIO_VSOCK_MAX_PKT_BUF_SIZE)
		return;
	/* An instance speaks as itself, to the host and nobody else. */
	if (mk_vsock_is_instance ? src != VMADDR_CID_HOST || dst != v->cid :
				   src != v->cid || dst != VMADDR_CID_HOST)
		return;

	skb = virtio_vsock_alloc_skb(VIRTIO_VSOCK_SKB_HEADROOM + payload,
				     GFP_KERNEL);
	if (!skb)
		return;
	memcpy(virtio_vsock_hdr(skb), &hdr, MK_VSOCK_HDR);
	virtio_vsock_skb_put(skb, payload);
	if (skb_store_bits(skb, 0, v->rx_buf + MK_VSOCK_HDR, payload)) {
		kfree_skb(skb);
		return;
	}
	virtio_transport_deliver_tap_pkt(skb);
	virtio_transport_recv_pkt(&mk_vsock_transport, skb, &init_net);
}

static void mk_vsock_rx_work(struct work_struct *work)
{
	struct mk_vsock *v = container_of(work, struct mk_vsock, rx_work);
	ssize_t len;
	int n;

	for (n = 0; n < MK_VSOCK_BUDGET; n++) {
		if (!READ_ONCE(v->running))
			return;
		len = multikernel_link_recv(v->link, v->rx_buf);
		if (len > 0)
			mk_vsock_deliver(v, len);
		else if (!multikernel_link_done(v->link))
			return;
	}
	multikernel_link_done(v->link);
	queue_work(mk_vsock_wq, &v->rx_work);
}

/* The peer rang: it sent, or made room.  Hard interrupt context. */
static void mk_vsock_kick(struct multikernel_link *link)
{
	struct mk_vsock *v = multikernel_link_priv(link);

	if (!READ_ONCE(v->running))
		return;
	queue_work(mk_vsock_wq, &v->rx_work);
	if (!skb_queue_empty_lockless(&v->send_queue))
		queue_work(mk_vsock_wq, &v->tx_work);
}

static int mk_vsock_add(struct multikernel_link *link)
{
	struct mk_vsock *v;

	v = kzalloc_obj(*v, GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->tx_buf = kvmalloc(MULTIKERNEL_LINK_MAX, GFP_KERNEL);
	v->rx_buf = kvmalloc(MULTIKERNEL_LINK_MAX, GFP_KERNEL);
	if (!v->tx_buf || !v->rx_buf) {
		kvfree(v->tx_buf);
		kvfree(v->rx_buf);
		kfree(v);
		return -ENOMEM;
	}
	v->link = link;
	spin_lock_init(&v->tx_lock);
	skb_queue_head_init(&v->send_queue);
	INIT_WORK(&v->tx_work, mk_vsock_tx_work);
	INIT_WORK(&v->rx_work, mk_vsock_rx_work);
	multikernel_link_set_priv(link, v);
	return 0;
}

static void mk_vsock_start(struct multikernel_link *link)
{
	struct mk_vsock *v = multikernel_link_priv(link);
	unsigned long index;

	v->cid = multikernel_link_vsock_cid(link);
	index = mk_vsock_is_instance ? 0 : v->cid;
	/* The host makes CIDs unique; a failure leaves the peer unreachable. */
	if (xa_insert(&mk_vsock_peers, index, v, GFP_KERNEL)) {
		pr_err("multikernel: vsock: CID %u taken\n", v->cid);
		return;
	}
	WRITE_ONCE(v->running, true);
	/* What it sent before we started. */
	queue_work(mk_vsock_wq, &v->rx_work);
}

/* A socket whose instance stopped: reset, as vhost-vsock does. */
static void mk_vsock_reset_orphans(struct sock *sk)
{
	struct vsock_sock *vsk = vsock_sk(sk);

	rcu_read_lock();
	if (mk_vsock_get(vsk->remote_addr.svm_cid)) {
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();
	if (vsk->close_work_scheduled)
		return;
	sock_set_flag(sk, SOCK_DONE);
	vsk->peer_shutdown = SHUTDOWN_MASK;
	sk->sk_state = SS_UNCONNECTED;
	sk->sk_err = ECONNRESET;
	sk_error_report(sk);
}

static void mk_vsock_stop(struct multikernel_link *link)
{
	struct mk_vsock *v = multikernel_link_priv(link);

	if (!v->running)
		return;
	WRITE_ONCE(v->running, false);
	xa_erase(&mk_vsock_peers, mk_vsock_is_instance ? 0 : v->cid);
	/* No sender or kick() sees it running any more. */
	synchronize_rcu();
	cancel_work_sync(&v->rx_work);
	cancel_work_sync(&v->tx_work);
	virtio_vsock_skb_queue_purge(&v->send_queue);
	vsock_for_each_connected_socket(&mk_vsock_transport.transport,
					mk_vsock_reset_orphans);
}

static void mk_vsock_remove(struct multikernel_link *link)
{
	struct mk_vsock *v = multikernel_link_priv(link);

	multikernel_link_set_priv(link, NULL);
	kvfree(v->tx_buf);
	kvfree(v->rx_buf);
	kfree(v);
}

static struct multikernel_channel mk_vsock_channel = {
	.name	= "vsock",
	.link	= MULTIKERNEL_LINK_VSOCK,
	.add	= mk_vsock_add,
	.start	= mk_vsock_start,
	.stop	= mk_vsock_stop,
	.remove	= mk_vsock_remove,
	.kick	= mk_vsock_kick,
};

static int __init mk_vsock_init(void)
{
	int ret;

	mk_vsock_is_instance = multikernel_is_instance();
	/* Per CPU: the receive work runs where the doorbell came. */
	mk_vsock_wq = alloc_workqueue("multikernel-vsock", WQ_PERCPU, 0);
	if (!mk_vsock_wq)
		return -ENOMEM;
	ret = vsock_core_register(&mk_vsock_transport.transport,
				  mk_vsock_is_instance ? VSOCK_TRANSPORT_F_G2H :
							 VSOCK_TRANSPORT_F_H2G);
	if (ret)
		goto wq;
	ret = multikernel_channel_register(&mk_vsock_channel);
	if (ret)
		goto unregister;
	return 0;
unregister:
	vsock_core_unregister(&mk_vsock_transport.transport);
wq:
	destroy_workqueue(mk_vsock_wq);
	pr_err("multikernel: vsock transport: %d\n", ret);
	return ret;
}
device_initcall(mk_vsock_init);
