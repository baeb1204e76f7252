// SPDX-License-Identifier: GPL-2.0-only
/*
 * An Ethernet link between a multikernel host and each of its instances:
 * a netdev at each end (mk<id> on the host, eth<n> in the instance) whose
 * frames travel one per message of the instance's net link, with NAPI on
 * the receiving side (threaded on the host) and the carrier on while the
 * instance runs.
 *
 * Each frame goes with a virtio_net_hdr, as between virtio-net and
 * vhost-net, so that checksums are left to the receiver's trust in the
 * link (CHECKSUM_PARTIAL, as veth does) and a TSO frame of up to 64 KiB
 * crosses as one message; the same helpers fill it in and check it.
 *
 * MAC addresses are locally administered and stable: 02:4d:4b:HH:LL:SS,
 * HH:LL the instance id, SS 00 for the host's end and 01 for the
 * instance's.  What the peer sends is bounded by the MTU (or the GSO
 * limit) and its header checked (virtio_net_hdr_to_skb()) before it is
 * passed up.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/init.h>
#include <linux/multikernel.h>
#include <linux/netdevice.h>
#include <linux/virtio_net.h>

#define MK_NET_HDR		sizeof(struct virtio_net_hdr)
/* A frame is one message of the link, of up to 17 ring slots. */
#define MK_NET_MAX_FRAME	(MULTIKERNEL_LINK_MAX - MK_NET_HDR)
#define MK_NET_MAX_MTU		min(ETH_MAX_MTU, MK_NET_MAX_FRAME - VLAN_ETH_HLEN)
#define MK_NET_FEATURES		(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | \
				 NETIF_F_TSO6 | NETIF_F_TSO_ECN)

/**
 * struct mk_net - one end of an instance's link
 * @link:    its link
 * @dev:     its netdev
 * @napi:    receives
 * @running: between start and stop
 * @tx_buf:  the frame being sent; ndo_start_xmit() is serialised
 * @rx_buf:  the frame being received; NAPI is serialised
 */
struct mk_net {
	struct multikernel_link *link;
	struct net_device *dev;
	struct napi_struct napi;
	bool running;
	u8 tx_buf[MULTIKERNEL_LINK_MAX];
	u8 rx_buf[MULTIKERNEL_LINK_MAX];
};

static netdev_tx_t mk_net_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mk_net *n = netdev_priv(dev);
	int ret = -EMSGSIZE;

	if (skb->len <= MK_NET_MAX_FRAME &&
	    !virtio_net_hdr_from_skb(skb, (void *)n->tx_buf, true, false, 0) &&
	    !skb_copy_bits(skb, 0, n->tx_buf + MK_NET_HDR, skb->len))
		ret = multikernel_link_send(n->link, n->tx_buf,
					    MK_NET_HDR + skb->len);
	if (ret == -EAGAIN) {
		netif_stop_queue(dev);
		return NETDEV_TX_BUSY;
	}
	if (ret) {
		DEV_STATS_INC(dev, tx_dropped);
	} else {
		DEV_STATS_INC(dev, tx_packets);
		DEV_STATS_ADD(dev, tx_bytes, skb->len);
	}
	dev_consume_skb_any(skb);
	/* Stop before the next frame finds no room; kick() wakes us. */
	if (!multikernel_link_writable(n->link))
		netif_stop_queue(dev);
	return NETDEV_TX_OK;
}

/* One frame from the peer, in @n->rx_buf: bounded, then passed up. */
static void mk_net_rx(struct mk_net *n, size_t len)
{
	struct net_device *dev = n->dev;
	struct virtio_net_hdr hdr;
	struct sk_buff *skb;

	if (len < MK_NET_HDR + ETH_HLEN) {
		DEV_STATS_INC(dev, rx_length_errors);
		return;
	}
	memcpy(&hdr, n->rx_buf, MK_NET_HDR);
	len -= MK_NET_HDR;
	/* Only a TSO frame may be larger than the MTU. */
	if (hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	    len > dev->mtu + VLAN_ETH_HLEN) {
		DEV_STATS_INC(dev, rx_length_errors);
		return;
	}
	skb = napi_alloc_skb(&n->napi, len);
	if (!skb) {
		DEV_STATS_INC(dev, rx_dropped);
		return;
	}
	skb_put_data(skb, n->rx_buf + MK_NET_HDR, len);
	if (virtio_net_hdr_to_skb(skb, &hdr, true)) {
		DEV_STATS_INC(dev, rx_frame_errors);
		kfree_skb(skb);
		return;
	}
	skb->protocol = eth_type_trans(skb, dev);
	DEV_STATS_INC(dev, rx_packets);
	DEV_STATS_ADD(dev, rx_bytes, len);
	napi_gro_receive(&n->napi, skb);
}

static int mk_net_poll(struct napi_struct *napi, int budget)
{
	struct mk_net *n = container_of(napi, struct mk_net, napi);
	int done = 0, tries = 0;
	ssize_t len;

	/* Garbage counts too: a peer cannot keep us here. */
	while (done < budget && tries++ < 2 * budget && READ_ONCE(n->running)) {
		len = multikernel_link_recv(n->link, n->rx_buf);
		if (len > 0) {
			mk_net_rx(n, len);
			done++;
		} else if (!multikernel_link_done(n->link)) {
			break;
		}
	}
	if (netif_queue_stopped(n->dev) && multikernel_link_writable(n->link))
		netif_wake_queue(n->dev);
	if (done < budget && napi_complete_done(napi, done) &&
	    READ_ONCE(n->running) && multikernel_link_done(n->link))
		napi_schedule(napi);
	return done;
}

/* The peer rang: it sent, or made room.  Hard interrupt context. */
static void mk_net_kick(struct multikernel_link *link)
{
	struct mk_net *n = multikernel_link_priv(link);

	if (READ_ONCE(n->running))
		napi_schedule(&n->napi);
}

static int mk_net_open(struct net_device *dev)
{
	struct mk_net *n = netdev_priv(dev);

	napi_enable(&n->napi);
	netif_start_queue(dev);
	if (READ_ONCE(n->running))
		napi_schedule(&n->napi);
	return 0;
}

static int mk_net_stop(struct net_device *dev)
{
	struct mk_net *n = netdev_priv(dev);

	netif_stop_queue(dev);
	napi_disable(&n->napi);
	return 0;
}

static const struct net_device_ops mk_net_ops = {
	.ndo_open		= mk_net_open,
	.ndo_stop		= mk_net_stop,
	.ndo_start_xmit		= mk_net_xmit,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void mk_net_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &mk_net_ops;
	dev->max_mtu = MK_NET_MAX_MTU;
	dev->hw_features = MK_NET_FEATURES;
	dev->features = MK_NET_FEATURES;
	/* A qdisc holds frames while the ring is full: the queue stops. */
	dev->needs_free_netdev = true;
}

static int mk_net_add(struct multikernel_link *link)
{
	int id = multikernel_link_peer(link);
	bool instance = id == MULTIKERNEL_HOST;
	u8 mac[ETH_ALEN] = { 0x02, 0x4d, 0x4b };
	char name[IFNAMSIZ];
	struct net_device *dev;
	struct mk_net *n;
	int ret;

	if (instance)
		strscpy(name, "eth%d");
	else
		snprintf(name, sizeof(name), "mk%d", id);
	dev = alloc_netdev(sizeof(*n), name,
			   instance ? NET_NAME_ENUM : NET_NAME_PREDICTABLE,
			   mk_net_setup);
	if (!dev)
		return -ENOMEM;
	n = netdev_priv(dev);
	n->link = link;
	n->dev = dev;
	netif_napi_add(dev, &n->napi, mk_net_poll);
	/*
	 * The host takes frames from a flooding instance in a kthread the
	 * scheduler shares fairly (and may move off the doorbell CPU), not
	 * in the softirq of the CPU that takes its doorbells.
	 */
	if (!instance) {
		ret = dev_set_threaded(dev, NETDEV_NAPI_THREADED_ENABLED);
		if (ret) {
			free_netdev(dev);
			return ret;
		}
	}
	if (instance)
		id = multikernel_instance_id();
	mac[3] = id >> 8;
	mac[4] = id;
	mac[5] = instance;
	eth_hw_addr_set(dev, mac);
	netif_carrier_off(dev);
	multikernel_link_set_priv(link, n);
	ret = register_netdev(dev);
	if (ret) {
		multikernel_link_set_priv(link, NULL);
		free_netdev(dev);
	}
	return ret;
}

static void mk_net_start(struct multikernel_link *link)
{
	struct mk_net *n = multikernel_link_priv(link);

	WRITE_ONCE(n->running, true);
	netif_carrier_on(n->dev);
	/* What it sent before we started. */
	if (netif_running(n->dev)) {
		netif_wake_queue(n->dev);
		napi_schedule(&n->napi);
	}
}

static void mk_net_stop_link(struct multikernel_link *link)
{
	struct mk_net *n = multikernel_link_priv(link);

	WRITE_ONCE(n->running, false);
	netif_carrier_off(n->dev);
}

static void mk_net_remove(struct multikernel_link *link)
{
	struct mk_net *n = multikernel_link_priv(link);

	multikernel_link_set_priv(link, NULL);
	unregister_netdev(n->dev);
}

static struct multikernel_channel mk_net_channel = {
	.name	= "net",
	.link	= MULTIKERNEL_LINK_NET,
	.add	= mk_net_add,
	.start	= mk_net_start,
	.stop	= mk_net_stop_link,
	.remove	= mk_net_remove,
	.kick	= mk_net_kick,
};

static int __init mk_net_init(void)
{
	return multikernel_channel_register(&mk_net_channel);
}
device_initcall(mk_net_init);
