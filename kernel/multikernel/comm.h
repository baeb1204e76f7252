/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The communication area between the host and one instance: the wire
 * format both kernels agree on.  See "Wire format" in
 * Documentation/core-api/multikernel/protocol.rst.
 *
 * The host carves the area from the pool next to the instance's memory
 * and passes its address in the boot record; it is not part of the
 * instance's RAM, so it survives the instance.  Offsets are fixed here and
 * never read from the area.  Both sides treat everything the other side
 * writes as untrusted.
 */
#ifndef _KERNEL_MULTIKERNEL_COMM_H
#define _KERNEL_MULTIKERNEL_COMM_H

#include <linux/build_bug.h>
#include <linux/cache.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/multikernel.h>

#include <asm/page.h>

#define MK_COMM_MAGIC		0x4d4b434dU	/* "MKCM" */
#define MK_COMM_VERSION		4
#define MK_COMM_SIZE		SZ_4M

/* Messages in flight per direction; a power of two. */
#define MK_RING_SLOTS		128

/* struct mk_msg_hdr.flags */
#define MK_MSG_REQUEST		BIT(0)	/* the sender waits for a response */
#define MK_MSG_RESPONSE		BIT(1)	/* answers the request with @cookie */
#define MK_MSG_MORE		BIT(2)	/* continues in the next slot (links) */

/* Slots a message of a link may take: MULTIKERNEL_LINK_MAX bytes. */
#define MK_CHAIN_MAX		(MULTIKERNEL_LINK_MAX / MULTIKERNEL_MSG_MAX)

/**
 * struct mk_msg_hdr - the header of one message in a ring slot
 * @seq:    index of the slot in the sender's sequence; must match
 * @type:   what the message is, < MULTIKERNEL_MSG_USER_FIRST: a kernel's
 * @len:    payload bytes, at most MULTIKERNEL_MSG_MAX
 * @flags:  MK_MSG_REQUEST, MK_MSG_RESPONSE, MK_MSG_MORE
 * @cookie: pairs a response with its request
 */
struct mk_msg_hdr {
	u32 seq;
	u32 type;
	u32 len;
	u32 flags;
	u64 cookie;
	u64 reserved;
};

struct mk_slot {
	struct mk_msg_hdr hdr;
	u8 data[MULTIKERNEL_MSG_MAX];
} __aligned(64);

/**
 * struct mk_ring - messages in one direction, one producer, one consumer
 * @head:       next slot the producer fills; written by the producer only
 * @tail:       next slot the consumer reads; written by the consumer only
 * @want_space: set by a producer that found the ring full, cleared by the
 *              consumer, which then rings the producer's doorbell
 * @busy:       set by the consumer while it is taking messages anyway: the
 *              producer need not ring (virtio's notification suppression)
 * @slots:      the messages, at index & (MK_RING_SLOTS - 1)
 *
 * The indexes run freely and wrap at 2^32; head - tail is the number of
 * messages in the ring.  A consumer that finds more than MK_RING_SLOTS
 * drops everything up to head.
 */
struct mk_ring {
	u32 head __aligned(64);
	u32 tail __aligned(64);
	u32 want_space __aligned(64);
	u32 busy __aligned(64);
	struct mk_slot slots[MK_RING_SLOTS];
};

/* Log bytes the instance keeps for the host. */
#define MK_CONSOLE_SIZE		SZ_64K

/**
 * struct mk_console_ring - the instance's kernel log
 * @head: bytes ever written; byte n is at buf[n % MK_CONSOLE_SIZE]
 * @buf:  the last MK_CONSOLE_SIZE bytes
 */
struct mk_console_ring {
	u64 head __aligned(64);
	char buf[MK_CONSOLE_SIZE] __aligned(64);
};

#define MK_RELEASE_LEN		65
#define MK_CRASH_LEN		256

/**
 * struct mk_comm - the communication area
 * @magic:        MK_COMM_MAGIC, by the host
 * @version:      MK_COMM_VERSION, by the host
 * @id:           the instance's id, by the host
 * @state:        MULTIKERNEL_INSTANCE_*, by the instance
 * @heartbeat:    incremented by the instance every MK_HEARTBEAT_MS
 * @uptime_ms:    the instance's uptime, updated with @heartbeat
 * @doorbell:     by the host: what the instance rings to reach it (see
 *                arch_multikernel_ring_doorbell()); changes when the host
 *                moves the instance's interrupt to another CPU
 * @vsock_cid:    by the host: the instance's AF_VSOCK address
 * @cpus_online:  by the instance: its CPUs online, updated with @heartbeat
 * @host_heartbeat: incremented by the host each time it looks at the
 *                instance, at least every MK_HEARTBEAT_MS
 * @host_epoch:   by the host: host kernels the instance was handed over to
 * @host_away_ms: by the instance: how long @host_heartbeat stood still
 *                across the last host update, as the instance measured it
 * @release:      the instance's kernel release, NUL terminated
 * @crash_reason: the instance's panic message, NUL terminated
 * @console:      the instance's kernel log
 * @links:        a ring each way per link (enum multikernel_link_id)
 */
struct mk_comm {
	u32 magic;
	u32 version;
	u32 id;
	u32 state;
	u64 heartbeat;
	u64 uptime_ms;
	u64 doorbell;
	u32 vsock_cid;
	u32 cpus_online;
	u64 host_heartbeat;
	u32 host_epoch;
	u32 host_away_ms;
	char release[MK_RELEASE_LEN];
	char crash_reason[MK_CRASH_LEN];
	struct mk_console_ring console __aligned(PAGE_SIZE);
	struct {
		struct mk_ring to_instance __aligned(PAGE_SIZE);
		struct mk_ring to_host __aligned(PAGE_SIZE);
	} links[MULTIKERNEL_NR_LINKS];
};

/* The end of the area is the architecture's (MULTIKERNEL_PARK_SIZE). */
static_assert(sizeof(struct mk_comm) <= MK_COMM_SIZE - MULTIKERNEL_PARK_SIZE);

/* How often a running instance ticks its heartbeat. */
#define MK_HEARTBEAT_MS		100

/**
 * struct mk_ring_tx - a producer's own view of a ring
 * @ring: the shared ring
 * @head: the next slot to fill; never read back from the ring
 */
struct mk_ring_tx {
	struct mk_ring *ring;
	u32 head;
};

/**
 * struct mk_ring_rx - a consumer's own view of a ring
 * @ring: the shared ring
 * @tail: the next slot to read; never read back from the ring
 */
struct mk_ring_rx {
	struct mk_ring *ring;
	u32 tail;
};

void mk_ring_reset(struct mk_ring *ring);
void mk_ring_tx_init(struct mk_ring_tx *tx, struct mk_ring *ring);
void mk_ring_rx_init(struct mk_ring_rx *rx, struct mk_ring *ring);
int mk_ring_send(struct mk_ring_tx *tx, const struct mk_msg_hdr *hdr,
		 const void *data, bool *kick);
bool mk_ring_full(struct mk_ring_tx *tx, u32 slots);
int mk_ring_recv(struct mk_ring_rx *rx, struct mk_msg_hdr *hdr, void *data);
void mk_ring_busy(struct mk_ring_rx *rx);
bool mk_ring_idle(struct mk_ring_rx *rx);
bool mk_ring_take_want_space(struct mk_ring_rx *rx);

#endif /* _KERNEL_MULTIKERNEL_COMM_H */
