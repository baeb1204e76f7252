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
#include "pool.h"
#include "peer.h"

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
int mk_instance_reclaim(struct mk_instance *inst, const struct cpumask *cpus);
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
