/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel: boot further kernels on CPUs and memory reserved by the host.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/err.h>
#include <linux/kexec.h>
#include <linux/list.h>
#include <linux/sizes.h>
#include <uapi/linux/multikernel.h>

/*
 * The instance id carried in bits 32..47 of kexec_load()/kexec_file_load()
 * flags; bits 48..63 are reserved and must be zero with it.
 */
#define KEXEC_MK_ID_OF(flags)	(((u64)(flags) & KEXEC_MK_ID_MASK) >> KEXEC_MK_ID_SHIFT)
#define KEXEC_MK_RESERVED_MASK	(~0ULL << 48)

/* The flags carry an instance id. */
static inline bool kexec_mk_id_present(unsigned long flags)
{
	return (u64)flags & KEXEC_MK_ID_MASK;
}

/* The flags carry an instance id that is not zero, and nothing above it. */
static inline bool kexec_mk_id_valid(unsigned long flags)
{
	return KEXEC_MK_ID_OF(flags) && !((u64)flags & KEXEC_MK_RESERVED_MASK);
}

struct kimage;
struct mk_peer;

/* The peer id of the host, seen from an instance. */
#define MULTIKERNEL_HOST	0

/*
 * The end of each communication area is the architecture's, to park the
 * instance's CPUs but the first until the instance wakes them.
 */
#define MULTIKERNEL_PARK_SIZE	SZ_64K

/* CPUs of one instance, at most. */
#define MULTIKERNEL_INSTANCE_CPUS	32

/**
 * struct multikernel_msg - a message as a handler gets it
 * @peer:    who sent it: an instance id, or MULTIKERNEL_HOST
 * @type:    its type
 * @len:     payload bytes
 * @data:    the payload, a copy; valid during the handler only
 * @cookie:  pairs a request with its response
 * @request: the sender waits for multikernel_reply()
 * @from:    for multikernel_reply()
 */
struct multikernel_msg {
	int peer;
	u32 type;
	u32 len;
	const void *data;
	u64 cookie;
	bool request;
	struct mk_peer *from;
};

typedef void (*multikernel_msg_handler_t)(const struct multikernel_msg *msg,
					  void *priv);

/*
 * The kernels' own message types, below MULTIKERNEL_MSG_USER_FIRST: one
 * list for both kernels (Documentation/core-api/multikernel/protocol.rst).
 */
enum multikernel_msg_type {
	/* Request; empty response. */
	MULTIKERNEL_MSG_PING = 1,
	/* Host to instance: power off. */
	MULTIKERNEL_MSG_SHUTDOWN = 2,
	/* Dropped on arrival (benchmark). */
	MULTIKERNEL_MSG_SINK = 3,
	/* Host to instance: ring this (u64). */
	MULTIKERNEL_MSG_DOORBELL = 4,
	/* Console bytes, both ways. */
	MULTIKERNEL_MSG_CONSOLE = 5,
	/*
	 * Request: bring up this CPU (u32 hw id); the answer is an s32,
	 * 0 or why not (-errno).
	 */
	MULTIKERNEL_MSG_CPU_ADD = 6,
	/* Request: give back this CPU (u32 hw id); answered alike. */
	MULTIKERNEL_MSG_CPU_REMOVE = 7,
	/*
	 * Request: the host kexecs; ring nothing.  Answered empty, once
	 * the instance rings no more.
	 */
	MULTIKERNEL_MSG_HOST_AWAY = 8,
};

#ifdef CONFIG_MULTIKERNEL
void __init multikernel_reserve_pool(void);

/* kexec integration; the caller holds the kexec lock. */
struct kimage **multikernel_kexec_dest(unsigned long flags, bool unload);
int multikernel_kimage_init(struct kimage *image, unsigned long flags);
void multikernel_kexec_done(unsigned long flags);

int multikernel_reboot(unsigned int cmd, void __user *arg);
bool multikernel_cpus_owned(void);
int multikernel_host_kexec_check(void);
void multikernel_host_image(struct kimage *image);

/* Provided by the architecture. */
struct multikernel_self;
ssize_t arch_multikernel_boot_record(const struct multikernel_self *self,
				     void *buf, size_t size);
int arch_multikernel_prepare(struct kimage *image);
/* The CPU hotplug lock is held for reading. */
int arch_multikernel_start(const struct multikernel_self *self,
			   struct kimage *image);
int arch_multikernel_reclaim_cpu(unsigned int cpu);
void arch_multikernel_halt_now(unsigned int cpu);
bool arch_multikernel_same_core(unsigned int a, unsigned int b);
bool arch_multikernel_is_instance(void);
/* Moving CPUs: on the host, the CPU hotplug lock held for reading. */
u32 arch_multikernel_hw_id(unsigned int cpu);
int arch_multikernel_park_cpu(const struct multikernel_self *self,
			      unsigned int cpu);
bool arch_multikernel_cancel_park(const struct multikernel_self *self,
				  unsigned int cpu);
/* ... and in the instance, the CPU device hotplug lock held. */
int arch_multikernel_register_cpu(u32 hw_id);
int arch_multikernel_cpu_find(u32 hw_id);
void arch_multikernel_cpu_gone(unsigned int cpu);

/* Messages between kernels (kernel/multikernel/msg.c). */
int multikernel_register_handler(u32 type, multikernel_msg_handler_t fn,
				 void *priv);
void multikernel_unregister_handler(u32 type);
int multikernel_send(int peer, u32 type, const void *data, size_t len,
		     bool block);
int multikernel_reply(const struct multikernel_msg *req, const void *data,
		      size_t len);
ssize_t multikernel_call(int peer, u32 type, const void *req, size_t req_len,
			 void *resp, size_t resp_size, unsigned long timeout);
int multikernel_ping(int peer, unsigned long timeout);

/*
 * Channels (kernel/multikernel/link.c): what flows between two kernels
 * besides typed messages.  A channel registers once, at boot; the core
 * then calls it for each peer: add when the peer appears (on the host an
 * instance is created, in an instance at boot), start when data may flow
 * (the instance runs), stop when it may not any more (it stopped, crashed
 * or was killed: nothing of the peer may be used after), remove when the
 * peer goes.  A channel may own a link: a ring per direction in the
 * communication area, which it consumes itself; kick() is called from the
 * peer's doorbell interrupt (hard interrupt context) when the link's
 * receive ring has data or a send found it full, from start() on.
 */
enum multikernel_link_id {
	MULTIKERNEL_LINK_MSG,		/* typed messages: the message layer's */
	MULTIKERNEL_LINK_VSOCK,		/* AF_VSOCK packets */
	MULTIKERNEL_LINK_NET,		/* Ethernet frames */
	MULTIKERNEL_NR_LINKS,
};

struct multikernel_link;

/**
 * struct multikernel_channel - something that flows between kernels
 * @node:   in the list of channels; the core's
 * @name:   for messages
 * @link:   the link it consumes, or MULTIKERNEL_LINK_MSG for none (it
 *          uses typed messages)
 * @add:    a peer appeared (process context); may fail
 * @start:  data may flow (process context)
 * @stop:   data may not flow any more (process context)
 * @remove: the peer goes (process context)
 * @kick:   its link has work (hard interrupt context), or NULL
 */
struct multikernel_channel {
	struct list_head node;
	const char *name;
	enum multikernel_link_id link;
	int (*add)(struct multikernel_link *link);
	void (*start)(struct multikernel_link *link);
	void (*stop)(struct multikernel_link *link);
	void (*remove)(struct multikernel_link *link);
	void (*kick)(struct multikernel_link *link);
};

int multikernel_channel_register(struct multikernel_channel *ch);
bool multikernel_is_instance(void);
int multikernel_instance_id(void);
int multikernel_link_peer(const struct multikernel_link *link);
void *multikernel_link_priv(const struct multikernel_link *link);
void multikernel_link_set_priv(struct multikernel_link *link, void *priv);
u32 multikernel_link_vsock_cid(const struct multikernel_link *link);
int multikernel_link_send(struct multikernel_link *link, const void *data,
			  size_t len);
ssize_t multikernel_link_recv(struct multikernel_link *link, void *buf);
bool multikernel_link_done(struct multikernel_link *link);

/* A link's largest message: it takes up to 17 ring slots. */
#define MULTIKERNEL_LINK_MAX		(17 * MULTIKERNEL_MSG_MAX)
bool multikernel_link_writable(struct multikernel_link *link);

/* Called by the architecture's multikernel interrupt. */
void multikernel_doorbell(void);
void multikernel_report(u32 state);

/*
 * Provided by the architecture.  A doorbell is an architecture-defined
 * token naming a CPU and how to interrupt it; 0 rings nothing.
 */
void arch_multikernel_ring_doorbell(u64 doorbell);
u64 arch_multikernel_doorbell_of(unsigned int cpu);
int arch_multikernel_irq_alloc(void (*program)(void *data, u64 doorbell),
			       void *data);
void arch_multikernel_irq_free(unsigned int irq);

/**
 * struct multikernel_self - what an instance knows of the host
 * @id:        its own id
 * @comm_base: physical address of its communication area
 * @comm_size: its size
 * @park_base: where its CPUs but the first wait to be woken, the last
 *             MULTIKERNEL_PARK_SIZE bytes of the communication area
 * @cpus:      the host's numbers of its CPUs, the lowest its boot CPU;
 *             NULL in the instance
 */
struct multikernel_self {
	int id;
	phys_addr_t comm_base;
	u32 comm_size;
	phys_addr_t park_base;
	const struct cpumask *cpus;
};

bool arch_multikernel_self(struct multikernel_self *self);
void multikernel_image_self(struct kimage *image, struct multikernel_self *self);
#else
static inline void multikernel_reserve_pool(void) { }

static inline struct kimage **multikernel_kexec_dest(unsigned long flags,
						     bool unload)
{
	return ERR_PTR(-EINVAL);
}

static inline int multikernel_kimage_init(struct kimage *image,
					  unsigned long flags)
{
	return -EINVAL;
}

static inline void multikernel_kexec_done(unsigned long flags) { }

static inline bool multikernel_cpus_owned(void)
{
	return false;
}

static inline void multikernel_host_image(struct kimage *image) { }
static inline int multikernel_host_kexec_check(void)
{
	return 0;
}
#endif

#endif /* _LINUX_MULTIKERNEL_H */
