/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel internals shared by the files in kernel/multikernel/.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "comm.h"

/* Pool base, pool size and every allocation are multiples of this. */
#define MK_POOL_ALIGN		SZ_2M
#define MK_POOL_ALIGN_ORDER	21

/**
 * struct mk_pool - a physical memory range handed out to instances
 * @gp:   allocator over [@base, @base + @size), NULL when there is no pool
 * @base: physical start address
 * @size: size in bytes
 */
struct mk_pool {
	struct gen_pool *gp;
	phys_addr_t base;
	u64 size;
};

/* The pool reserved at boot with multikernel_pool=; empty if none. */
extern struct mk_pool mk_host_pool;

int mk_pool_parse(const char *arg, u64 *size, u64 *base);
int mk_pool_init(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_destroy(struct mk_pool *pool);
int mk_pool_alloc(struct mk_pool *pool, u64 size, phys_addr_t *base);
int mk_pool_alloc_at(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_free(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_show(struct resource *res, const char *name, phys_addr_t base,
		  u64 size);
u64 mk_pool_free_bytes(struct mk_pool *pool);

/* Instance ids are 1 .. MK_ID_MAX: they travel in kexec flag bits 32..47. */
#define MK_ID_MAX		65535

enum mk_state {
	MK_STATE_EMPTY,		/* created, nothing loaded */
	MK_STATE_LOADED,	/* a kernel is loaded into its memory */
	MK_STATE_STARTING,	/* its CPU was sent to the kernel */
	MK_STATE_RUNNING,	/* the kernel reported that it runs */
	MK_STATE_STOPPING,	/* asked to shut down */
	MK_STATE_STOPPED,	/* shut down, CPU parked */
	MK_STATE_CRASHED,	/* the kernel reported a panic */
	MK_STATE_HUNG,		/* the kernel stopped its heartbeat */
	MK_STATE_LOST,		/* its CPU did not stop: nothing reclaimed */
};

/*
 * Whether an instance in @state may be running its kernel on its CPUs, as
 * far as the host knows.  Stopped and crashed instances have parked and
 * were reset: the host can take their CPUs back with INIT.  A lost
 * instance's CPUs may still run it.  Take what the instance reported first
 * (mk_instance_refresh()).
 */
static inline bool mk_state_executing(enum mk_state state)
{
	return state == MK_STATE_STARTING ||
	       state == MK_STATE_RUNNING ||
	       state == MK_STATE_STOPPING ||
	       state == MK_STATE_HUNG ||
	       state == MK_STATE_LOST;
}

/* States in which the instance takes messages. */
static inline bool mk_state_connected(enum mk_state state)
{
	return state == MK_STATE_RUNNING || state == MK_STATE_STOPPING ||
	       state == MK_STATE_HUNG;
}

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

/**
 * struct mk_instance - a kernel the host runs next to itself
 * @kobj:           /sys/kernel/multikernel/instances/<id>/
 * @lock:           guards @state and what changes with it; held across
 *                  waits on this instance (a CPU move waits for its
 *                  answer), never with another instance's lock
 * @gone:           destroyed or handed over: no longer the host's to use
 * @id:             1 .. MK_ID_MAX
 * @cpus:           the CPUs it runs on, offline in the host
 * @boot_cpus:      those it was started on, which its boot record lists
 * @was_online:     those to give back online when it is destroyed
 * @cpu:            its boot CPU, the first of @cpus
 * @mem_base:       physical start of its memory, carved from the pool
 * @mem_size:       size of its memory
 * @mem_res:        "Multikernel instance <id>" in /proc/iomem
 * @res_name:       storage for @mem_res.name
 * @state:          where it is in its life; changed under @lock
 * @image:          the loaded kernel, NULL when empty; under the kexec lock
 * @pristine:       a copy of what its load put into its memory (restart.c)
 * @recovery:       restart it after a crash or hang (recovery.c)
 * @recoveries:     restarts in the current row
 * @recovery_work:  the next restart
 * @crash_count:    crashes and hangs since it was created
 * @crash_log:      its kernel log at the last crash or hang, or NULL
 * @crash_log_len:  bytes in @crash_log
 * @comm_base:      physical address of its communication area
 * @comm:           the area, mapped
 * @comm_res:       "Multikernel instance <id> comm" in /proc/iomem
 * @comm_res_name:  storage for @comm_res.name
 * @peer:           its end of the message layer
 * @started:        boottime (ns) of the last start
 * @boot_ns:        from the last start to running, 0 until then
 * @stop_asked:     boottime (ns) of the last stop request
 * @host_down:      the host's reboot asked it to stop
 * @beat:           the heartbeat last seen
 * @beat_time:      boottime (ns) when @beat changed
 * @host_beat:      the host's heartbeat, written to its area (monitor.c)
 * @epoch:          host kernels it was handed over to (live update)
 * @reason:         why the host stopped it, or NULL; under @lock
 * @irq:            the interrupt it rings (doorbell.c)
 * @irq_name:       its name in /proc/interrupts
 * @doorbell:       what it must ring to reach @irq
 * @doorbell_work:  tells it @doorbell
 * @storm:          it rang too often for nothing; @irq is disabled
 * @storm_end:      end (jiffies) of the current storm window
 * @storm_rings:    doorbells in the window
 * @storm_traffic:  messages both ways when the window began
 * @vsock_cid:      its AF_VSOCK address; under @lock and mk_lock
 * @channels:       the channels were added to its peer
 */
struct mk_instance {
	struct kobject kobj;
	struct mutex lock;	/* this instance's state, see above */
	bool gone;
	int id;
	struct cpumask cpus;
	struct cpumask boot_cpus;
	struct cpumask was_online;
	unsigned int cpu;
	phys_addr_t mem_base;
	u64 mem_size;
	struct resource mem_res;
	char res_name[32];
	enum mk_state state;
	struct kimage *image;
	struct mk_pristine *pristine;
	bool recovery;
	unsigned int recoveries;
	struct delayed_work recovery_work;
	unsigned int crash_count;
	char *crash_log;
	size_t crash_log_len;
	phys_addr_t comm_base;
	struct mk_comm *comm;
	struct resource comm_res;
	char comm_res_name[40];
	struct mk_peer peer;
	u64 started;
	u64 boot_ns;
	u64 stop_asked;
	bool host_down;
	u64 beat;
	u64 beat_time;
	u64 host_beat;
	u32 epoch;
	const char *reason;
	unsigned int irq;
	char irq_name[24];
	u64 doorbell;
	struct delayed_work doorbell_work;
	bool storm;
	unsigned long storm_end;
	unsigned int storm_rings;
	u64 storm_traffic;
	u32 vsock_cid;
	bool channels;
};

/* The instance of /sys/kernel/multikernel/instances/<id>/ */
static inline struct mk_instance *mk_kobj_instance(struct kobject *kobj)
{
	return container_of(kobj, struct mk_instance, kobj);
}

/*
 * Guards the id space, the CPUs instances own and the vsock addresses;
 * held for no wait.  Taken inside an instance's lock, never around one.
 */
extern struct mutex mk_lock;
/* The instances by id; changed under mk_lock. */
extern struct xarray mk_instances;
extern bool mk_host_going_down;
bool mk_kexec_trylock(void);
void mk_kexec_unlock(void);

const char *mk_state_name(enum mk_state state);
int mk_instance_parse(const char *buf, int *id, struct cpumask *cpus, u64 *size);
int mk_instance_create(int id, const struct cpumask *cpus, u64 size);
int mk_instance_destroy(int id);
int mk_instance_set_cid(int id, u32 cid);
struct mk_instance *mk_instance_lock(int id);
void mk_instance_unlock(struct mk_instance *inst);
struct mk_instance *mk_instance_lock_kexec(int id);
struct mk_instance *mk_instance_next(struct mk_instance *prev);
void mk_instance_set_state(struct mk_instance *inst, enum mk_state state);
void mk_instance_connect(struct mk_instance *inst,
			 const struct mk_link_pos *pos);
void mk_instance_disconnect(struct mk_instance *inst);
enum mk_state mk_instance_refresh(struct mk_instance *inst);
bool mk_instances_refresh(void);
struct multikernel_self;
void mk_self_of(struct mk_instance *inst, struct multikernel_self *self);

int mk_instance_start(int id);
int mk_instance_stop(int id);
int mk_instance_stop_locked(struct mk_instance *inst);
int mk_instance_kill(int id);
int mk_instance_kill_locked(struct mk_instance *inst);
int mk_instance_reclaim_cpus(struct mk_instance *inst);

/* The CPUs instances own (cpus.c). */
bool mk_cpu_is_owned(unsigned int cpu);
const struct cpumask *mk_owned_cpumask(void);
int mk_cpulist_parse(const char *list, struct cpumask *cpus);
int mk_cpus_check(const struct cpumask *cpus);
int mk_cpus_take(struct mk_instance *inst);
int mk_cpus_offline(struct mk_instance *inst);
void mk_cpus_give_back(struct mk_instance *inst);
int mk_cpus_take_one(struct mk_instance *inst, unsigned int cpu);
void mk_cpus_give_back_one(struct mk_instance *inst, unsigned int cpu);

/* Restarting in place (restart.c). */
struct mk_pristine;
int mk_pristine_save(struct mk_instance *inst);
int mk_pristine_restore(struct mk_instance *inst);
size_t mk_pristine_bytes(struct mk_instance *inst);
void mk_pristine_free(struct mk_instance *inst);

/* After a crash or hang (recovery.c). */
extern const struct attribute_group mk_recovery_group;
void mk_recovery_init(struct mk_instance *inst);
void mk_recovery_stop(struct mk_instance *inst);
void mk_recovery_free(struct mk_instance *inst);
void mk_recovery_crashed(struct mk_instance *inst);

/* Live update: handing instances over (handover.c), adopting them (adopt.c). */
extern const struct attribute_group mk_handover_group;
void mk_handover_freeze(void);
int mk_cpus_adopt(struct mk_instance *inst);
unsigned int mk_cpu_of_hw_id(u32 hw_id);
void mk_cpus_claim(unsigned int cpu);

/* Moving CPUs into and out of running instances (move.c). */
int mk_instance_move_cpu(int id, const char *buf);

void mk_sysfs_init_instance(struct mk_instance *inst);
int mk_sysfs_add_instance(struct mk_instance *inst);
void mk_sysfs_del_instance(struct mk_instance *inst);

/* The host's side of the communication areas (comm.c). */
int mk_comm_create(struct mk_instance *inst);
int mk_comm_adopt(struct mk_instance *inst);
void mk_comm_destroy(struct mk_instance *inst);
void mk_comm_reset(struct mk_instance *inst);
u32 mk_comm_state(struct mk_instance *inst);
ssize_t mk_comm_string(const char *src, size_t max, char *buf);
ssize_t mk_comm_console(struct mk_instance *inst, char *buf, loff_t off,
			size_t count);

/* The interrupt an instance rings (doorbell.c). */
extern unsigned int mk_doorbell_limit;
int mk_doorbell_create(struct mk_instance *inst);
void mk_doorbell_destroy(struct mk_instance *inst);
void mk_doorbell_start(struct mk_instance *inst);
void mk_doorbell_running(struct mk_instance *inst);
void mk_doorbell_cpu_leaves(struct mk_instance *inst, unsigned int cpu);

/* Fault injection (inject.c, CONFIG_MULTIKERNEL_DEBUG). */
#if defined(CONFIG_MULTIKERNEL_DEBUG) && defined(CONFIG_FAULT_INJECTION)
bool mk_should_fail_stop(void);
#else
static inline bool mk_should_fail_stop(void)
{
	return false;
}
#endif
#ifdef CONFIG_MULTIKERNEL_DEBUG
unsigned int mk_inject_move_late(void);
#else
static inline unsigned int mk_inject_move_late(void)
{
	return 0;
}
#endif

/* Heartbeat and reports (monitor.c). */
extern unsigned int mk_heartbeat_timeout_ms;
extern unsigned int mk_start_timeout_ms;
extern unsigned int mk_stop_timeout_ms;
void mk_monitor_kick(void);
void mk_monitor_check(struct mk_instance *inst);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
