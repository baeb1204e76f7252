/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a host hands to the next host kernel when it kexecs while
 * instances run (live update): one KHO blob, "multikernel", written by
 * handover.c in the old kernel and read by adopt.c in the new one.  Both
 * are the same source: the layout changes with MK_HANDOVER_VERSION.
 */
#ifndef _KERNEL_MULTIKERNEL_HANDOVER_H
#define _KERNEL_MULTIKERNEL_HANDOVER_H

#include <linux/multikernel.h>
#include <linux/types.h>

#define MK_HANDOVER_NAME	"multikernel"
#define MK_HANDOVER_MAGIC	0x4d4b484fU	/* "MKHO" */
#define MK_HANDOVER_VERSION	1
/* Instances one handover carries; each needs a CPU of its own anyway. */
#define MK_HANDOVER_MAX		64

/**
 * struct mk_handover_link - where the old host left one link
 * @tx_head:  its next slot to fill in the ring to the instance
 * @rx_tail:  its next slot to read in the ring from the instance
 * @sent:     counters, continued by the new host
 * @received: ...
 * @dropped:  ...
 */
struct mk_handover_link {
	u32 tx_head;
	u32 rx_tail;
	u64 sent;
	u64 received;
	u64 dropped;
};

/**
 * struct mk_handover_instance - one running instance
 * @id:           its id
 * @vsock_cid:    its AF_VSOCK address
 * @nr_cpus:      entries of @hw_ids
 * @nr_boot_cpus: entries of @boot_hw_ids
 * @hw_ids:       its CPUs (arch_multikernel_hw_id()); the first is the one
 *                the host rings
 * @boot_hw_ids:  the CPUs it was started on
 * @mem_base:     its memory, in the pool
 * @mem_size:     ...
 * @comm_base:    its communication area (MK_COMM_SIZE), in the pool
 * @doorbell:     what the host rings to reach it
 * @boot_ns:      from its start to running
 * @doorbells:    doorbells it rang
 * @recovery:     restart it after a crash or hang
 * @crash_count:  crashes and hangs so far
 * @epoch:        host kernels it was handed over to before this one
 * @links:        the host's end of each link
 */
struct mk_handover_instance {
	u32 id;
	u32 vsock_cid;
	u32 nr_cpus;
	u32 nr_boot_cpus;
	u32 hw_ids[MULTIKERNEL_INSTANCE_CPUS];
	u32 boot_hw_ids[MULTIKERNEL_INSTANCE_CPUS];
	u64 mem_base;
	u64 mem_size;
	u64 comm_base;
	u64 doorbell;
	u64 boot_ns;
	u64 doorbells;
	u32 recovery;
	u32 crash_count;
	u32 epoch;
	u32 reserved;
	struct mk_handover_link links[MULTIKERNEL_NR_LINKS];
};

/**
 * struct mk_handover - the blob
 * @magic:                MK_HANDOVER_MAGIC
 * @version:              MK_HANDOVER_VERSION
 * @nr:                   entries of @inst
 * @heartbeat_timeout_ms: the host's settings, kept
 * @pool_base:            the pool the instances live in
 * @pool_size:            ...
 * @start_timeout_ms:     ...
 * @stop_timeout_ms:      ...
 * @doorbell_limit:       ...
 * @reserved:             0
 * @inst:                 the instances
 */
struct mk_handover {
	u32 magic;
	u32 version;
	u32 nr;
	u32 heartbeat_timeout_ms;
	u64 pool_base;
	u64 pool_size;
	u32 start_timeout_ms;
	u32 stop_timeout_ms;
	u32 doorbell_limit;
	u32 reserved;
	struct mk_handover_instance inst[MK_HANDOVER_MAX];
};

#endif /* _KERNEL_MULTIKERNEL_HANDOVER_H */
