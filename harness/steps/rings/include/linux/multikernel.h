/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel: boot further kernels on CPUs and memory reserved by the host.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/err.h>
#include <linux/kexec.h>
#include <linux/list.h>
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

/*
 * The links between two kernels: a ring each way in their communication
 * area, for typed messages and for the channels that carry AF_VSOCK
 * packets and Ethernet frames.
 */
enum multikernel_link_id {
	MULTIKERNEL_LINK_MSG,		/* typed messages: the message layer's */
	MULTIKERNEL_LINK_VSOCK,		/* AF_VSOCK packets */
	MULTIKERNEL_LINK_NET,		/* Ethernet frames */
	MULTIKERNEL_NR_LINKS,
};

/* A link's largest message: it takes up to 17 ring slots. */
#define MULTIKERNEL_LINK_MAX		(17 * MULTIKERNEL_MSG_MAX)

#ifdef CONFIG_MULTIKERNEL
void __init multikernel_reserve_pool(void);

/* kexec integration; the caller holds the kexec lock. */
struct kimage **multikernel_kexec_dest(unsigned long flags, bool unload);
int multikernel_kimage_init(struct kimage *image, unsigned long flags);
void multikernel_kexec_done(unsigned long flags);

int multikernel_reboot(unsigned int cmd, void __user *arg);
bool multikernel_cpus_owned(void);
int multikernel_host_kexec_check(void);

/* Provided by the architecture. */
ssize_t arch_multikernel_boot_record(int id, void *buf, size_t size);
int arch_multikernel_prepare(struct kimage *image);
/* The CPU hotplug lock is held for writing. */
int arch_multikernel_start(unsigned int cpu, struct kimage *image);
int arch_multikernel_stop(unsigned int cpu);
void arch_multikernel_ring_doorbell(u32 target);
u32 arch_multikernel_doorbell_of(unsigned int cpu);
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

static inline int multikernel_host_kexec_check(void)
{
	return 0;
}
#endif

#endif /* _LINUX_MULTIKERNEL_H */
