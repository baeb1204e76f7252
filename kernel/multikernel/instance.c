// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel instances: an id, CPUs taken from the host (cpus.c) and
 * memory carved from the pool.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <uapi/linux/vm_sockets.h>

#include <kunit/visibility.h>

#include "../kexec_internal.h"
#include "internal.h"

/*
 * The id space, the CPUs instances own and the vsock addresses; held for
 * no wait.  Each instance has its own lock for its state.
 */
DEFINE_MUTEX(mk_lock);
/* Start and destroy wait for each other here, not on the kexec lock. */
static DEFINE_MUTEX(mk_kexec_users);
DEFINE_XARRAY(mk_instances);

static const char * const mk_state_names[] = {
	[MK_STATE_EMPTY]	= "empty",
	[MK_STATE_LOADED]	= "loaded",
	[MK_STATE_STARTING]	= "starting",
	[MK_STATE_RUNNING]	= "running",
	[MK_STATE_STOPPING]	= "stopping",
	[MK_STATE_STOPPED]	= "stopped",
	[MK_STATE_CRASHED]	= "crashed",
	[MK_STATE_HUNG]		= "hung",
	[MK_STATE_LOST]		= "lost",
};

const char *mk_state_name(enum mk_state state)
{
	if (state >= ARRAY_SIZE(mk_state_names) || !mk_state_names[state])
		return "unknown";
	return mk_state_names[state];
}
EXPORT_SYMBOL_IF_KUNIT(mk_state_name);

/**
 * mk_instance_parse - parse what is written to /sys/kernel/multikernel/create
 * @buf:  "ID CPUS SIZE", e.g. "1 2-3 128M"; trailing white space is allowed
 * @id:   returns ID
 * @cpus: returns CPUS, a list as mk_cpulist_parse() takes
 * @size: returns SIZE in bytes (memparse() suffixes)
 *
 * Only the syntax is checked here; the values are checked when the
 * instance is created.
 *
 * Return: 0, or as mk_cpulist_parse(); -EINVAL for bad syntax.
 */
int mk_instance_parse(const char *buf, int *id, struct cpumask *cpus, u64 *size)
{
	char idstr[12], list[256], sz[24], *end;
	int i, n = 0, ret;
	u64 s;

	if (sscanf(buf, "%11s %255s %23s %n", idstr, list, sz, &n) != 3 || !n || buf[n])
		return -EINVAL;
	/* Not "%d": it wraps, and "4294967297" would be instance 1. */
	if (kstrtoint(idstr, 10, &i))
		return -EINVAL;
	/* memparse() would take a lone suffix ("M") as 0. */
	if (!isdigit(sz[0]))
		return -EINVAL;
	s = memparse(sz, &end);
	if (*end)
		return -EINVAL;
	ret = mk_cpulist_parse(list, cpus);
	if (ret)
		return ret;

	*id = i;
	*size = s;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_instance_parse);

/**
 * mk_instance_connect - messages, the doorbell and every channel, for an
 * instance that runs
 * @inst: the instance; @inst->lock held
 * @pos: per link, where a previous host kernel left the rings (adoption,
 *       at a live update), or NULL for rings just reset
 *
 * Reaching running from a start, a restart or a recovery, and adoption,
 * all connect here.
 */
void mk_instance_connect(struct mk_instance *inst,
			 const struct mk_link_pos *pos)
{
	WRITE_ONCE(inst->peer.vsock_cid, inst->vsock_cid);
	mk_peer_resume(&inst->peer, inst->comm, true, pos);
	mk_doorbell_running(inst);
	mk_channels_start(&inst->peer);
}

/**
 * mk_instance_disconnect - nothing flows between the host and @inst any more
 * @inst: the instance; @inst->lock held
 */
void mk_instance_disconnect(struct mk_instance *inst)
{
	mk_peer_detach(&inst->peer);
	mk_channels_stop(&inst->peer);
}

/*
 * Caller holds @inst->lock; userspace polls the state file.  Messages
 * flow from running until the instance stops, crashes or is killed.
 */
void mk_instance_set_state(struct mk_instance *inst, enum mk_state state)
{
	bool was = mk_state_connected(inst->state);

	lockdep_assert_held(&inst->lock);
	if (inst->state == state)
		return;
	if (state == MK_STATE_RUNNING && inst->state == MK_STATE_STARTING)
		inst->boot_ns = ktime_get_boottime_ns() - inst->started;
	/* Pairs with heartbeat_age_ms_show(): @beat_time is set first. */
	smp_store_release(&inst->state, state);
	if (state == MK_STATE_CRASHED || state == MK_STATE_HUNG)
		mk_recovery_crashed(inst);
	if (!was && mk_state_connected(state))
		mk_instance_connect(inst, NULL);
	else if (was && !mk_state_connected(state))
		mk_instance_disconnect(inst);
	sysfs_notify(&inst->kobj, NULL, "state");
}

/**
 * mk_instances_refresh - take what every started instance reported
 *
 * An instance whose lock is held is in the middle of an operation, which
 * takes its reports itself: it is looked at next time, so that one
 * instance's wait holds up no other.
 *
 * Return: whether any instance may be executing, or was busy.
 */
bool mk_instances_refresh(void)
{
	struct mk_instance *inst;
	bool any = false;

	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		if (!mutex_trylock(&inst->lock)) {
			any = true;
			continue;
		}
		if (!inst->gone)
			any |= mk_state_executing(mk_instance_refresh(inst));
		mutex_unlock(&inst->lock);
	}
	return any;
}

/**
 * mk_kexec_trylock - take the kexec lock, as loads do to use an image
 *
 * Start and destroy queue here, so that only a kexec load in progress
 * makes them fail.
 *
 * Return: true with the kexec lock held; release it with mk_kexec_unlock().
 */
bool mk_kexec_trylock(void)
{
	mutex_lock(&mk_kexec_users);
	if (kexec_trylock())
		return true;
	mutex_unlock(&mk_kexec_users);
	return false;
}

void mk_kexec_unlock(void)
{
	kexec_unlock();
	mutex_unlock(&mk_kexec_users);
}

/**
 * mk_instance_lock - find an instance and take its lock
 * @id: the instance
 *
 * Context: process context, no instance's lock held.  The lock may be
 * held for seconds by an operation that waits on this instance.
 *
 * Return: the instance, referenced and locked, or NULL when there is
 * none; release it with mk_instance_unlock().
 */
struct mk_instance *mk_instance_lock(int id)
{
	struct mk_instance *inst;

	mutex_lock(&mk_lock);
	inst = id > 0 ? xa_load(&mk_instances, id) : NULL;
	if (inst)
		kobject_get(&inst->kobj);
	mutex_unlock(&mk_lock);
	if (!inst)
		return NULL;
	mutex_lock(&inst->lock);
	if (!inst->gone)
		return inst;
	mk_instance_unlock(inst);
	return NULL;
}

void mk_instance_unlock(struct mk_instance *inst)
{
	mutex_unlock(&inst->lock);
	kobject_put(&inst->kobj);
}

/**
 * mk_instance_lock_kexec - take the kexec lock, then an instance's lock
 * @id: the instance
 *
 * For start and destroy, which use the image that loads set up; release
 * with mk_kexec_unlock() and mk_instance_unlock().
 *
 * Return: the instance, or ERR_PTR(-EBUSY) (a kexec load is in
 * progress) or ERR_PTR(-ENOENT).
 */
struct mk_instance *mk_instance_lock_kexec(int id)
{
	struct mk_instance *inst;

	if (!mk_kexec_trylock())
		return ERR_PTR(-EBUSY);
	inst = mk_instance_lock(id);
	if (inst)
		return inst;
	mk_kexec_unlock();
	return ERR_PTR(-ENOENT);
}

/*
 * The instance after @prev (NULL: the first), referenced, not locked;
 * @prev is released.  One added meanwhile may be missed.  A loop that
 * stops early drops the last one with kobject_put().
 */
struct mk_instance *mk_instance_next(struct mk_instance *prev)
{
	unsigned long id = prev ? prev->id + 1 : 0;
	struct mk_instance *inst;

	mutex_lock(&mk_lock);
	inst = xa_find(&mk_instances, &id, ULONG_MAX, XA_PRESENT);
	if (inst)
		kobject_get(&inst->kobj);
	mutex_unlock(&mk_lock);
	if (prev)
		kobject_put(&prev->kobj);
	return inst;
}

/**
 * mk_instance_peer_get - an instance's message peer, referenced
 * @id: the instance
 *
 * Context: process context.
 *
 * Return: the peer, or NULL; release it with mk_peer_put().
 */
struct mk_peer *mk_instance_peer_get(int id)
{
	struct mk_instance *inst;

	mutex_lock(&mk_lock);
	inst = xa_load(&mk_instances, id);
	if (inst)
		kobject_get(&inst->kobj);
	mutex_unlock(&mk_lock);
	return inst ? &inst->peer : NULL;
}

void mk_instance_peer_hold(struct mk_peer *peer)
{
	kobject_get(&container_of(peer, struct mk_instance, peer)->kobj);
}

void mk_instance_peer_put(struct mk_peer *peer)
{
	kobject_put(&container_of(peer, struct mk_instance, peer)->kobj);
}

/* Whether an instance other than @self has @cid; mk_lock held. */
static bool mk_cid_taken(u32 cid, struct mk_instance *self)
{
	struct mk_instance *inst;
	unsigned long id;

	lockdep_assert_held(&mk_lock);
	xa_for_each(&mk_instances, id, inst)
		if (inst != self && inst->vsock_cid == cid)
			return true;
	return false;
}

/*
 * A new instance's AF_VSOCK address: its id + 2 (instance 1 is CID 3),
 * or, when another instance was given that one, the first free one above
 * all such defaults.  mk_lock held.
 */
static u32 mk_default_cid(struct mk_instance *inst)
{
	u32 cid = inst->id + 2;

	if (!mk_cid_taken(cid, inst))
		return cid;
	for (cid = MK_ID_MAX + 3; mk_cid_taken(cid, inst); cid++)
		;
	return cid;
}

/**
 * mk_instance_set_cid - give an instance another AF_VSOCK address
 * @id:  the instance
 * @cid: 3 .. 0xfffffffe (0, 1 and 2 are the hypervisor, the local
 *       machine and the host; 0xffffffff is "any")
 *
 * Return: 0; -EINVAL (a reserved @cid), -ENOENT, -EBUSY (it executes:
 * its kernel knows its address), -EADDRINUSE (another instance has it).
 */
int mk_instance_set_cid(int id, u32 cid)
{
	struct mk_instance *inst;
	int ret = 0;

	if (cid <= VMADDR_CID_HOST || cid == VMADDR_CID_ANY)
		return -EINVAL;
	inst = mk_instance_lock(id);
	if (!inst)
		return -ENOENT;
	if (mk_state_executing(mk_instance_refresh(inst))) {
		ret = -EBUSY;
	} else {
		mutex_lock(&mk_lock);
		if (mk_cid_taken(cid, inst))
			ret = -EADDRINUSE;
		else
			WRITE_ONCE(inst->vsock_cid, cid);
		mutex_unlock(&mk_lock);
	}
	mk_instance_unlock(inst);
	return ret;
}

/*
 * Give an instance's resources back to the host.  Caller holds
 * @inst->lock; the instance must not execute, and nothing can find it.
 */
static void mk_instance_teardown(struct mk_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	if (inst->channels)
		mk_channels_remove(&inst->peer);
	inst->channels = false;
	kimage_free(inst->image);
	inst->image = NULL;
	mk_pristine_free(inst);
	mk_recovery_free(inst);
	mk_doorbell_destroy(inst);
	mk_comm_destroy(inst);
	if (inst->mem_res.parent)
		release_resource(&inst->mem_res);
	mk_pool_free(&mk_host_pool, inst->mem_base, inst->mem_size);
	mk_cpus_give_back(inst);
}

/*
 * Check @inst's request and book its id, its CPUs (still online) and its
 * memory; mk_lock held.  On error nothing is booked.
 */
static int mk_instance_book(struct mk_instance *inst)
{
	int ret;

	lockdep_assert_held(&mk_lock);
	if (xa_load(&mk_instances, inst->id))
		return -EEXIST;
	ret = mk_cpus_check(&inst->cpus);
	if (ret)
		return ret;
	if (!inst->mem_size || !IS_ALIGNED(inst->mem_size, MK_POOL_ALIGN))
		return -EINVAL;
	/* No pool at all is "not enough memory" too. */
	if (mk_pool_alloc(&mk_host_pool, inst->mem_size, &inst->mem_base))
		return -ENOMEM;
	ret = mk_comm_create(inst);
	if (ret)
		goto free_mem;
	mk_peer_init(&inst->peer, inst->id,
		     arch_multikernel_doorbell_of(inst->cpu));
	ret = mk_doorbell_create(inst);
	if (ret)
		goto free_comm;
	inst->vsock_cid = mk_default_cid(inst);
	ret = xa_insert(&mk_instances, inst->id, inst, GFP_KERNEL);
	if (ret)
		goto free_doorbell;
	ret = mk_cpus_take(inst);
	if (!ret)
		return 0;
	xa_erase(&mk_instances, inst->id);
free_doorbell:
	mk_doorbell_destroy(inst);
free_comm:
	mk_comm_destroy(inst);
free_mem:
	mk_pool_free(&mk_host_pool, inst->mem_base, inst->mem_size);
	return ret;
}

/*
 * Take @inst, locked and not executing, off the books and give what it
 * has back to the host; its lock and the reference its creation took are
 * dropped.
 */
static void mk_instance_remove(struct mk_instance *inst)
{
	inst->gone = true;
	mutex_lock(&mk_lock);
	if (xa_load(&mk_instances, inst->id) == inst)
		xa_erase(&mk_instances, inst->id);
	mutex_unlock(&mk_lock);
	/*
	 * Out of sysfs without the lock: removal waits for the files'
	 * readers and writers, which may wait for it.  Its files read the
	 * communication area: out of sysfs before the teardown.
	 */
	mutex_unlock(&inst->lock);
	mk_sysfs_del_instance(inst);
	mk_recovery_stop(inst);
	mutex_lock(&inst->lock);
	mk_instance_teardown(inst);
	mutex_unlock(&inst->lock);
	kobject_put(&inst->kobj);
}

/**
 * mk_instance_create - create an instance and take its resources
 * @id:   1 .. MK_ID_MAX
 * @cpus: present CPUs other than the boot CPU, not owned by an instance;
 *        the lowest is the instance's boot CPU
 * @size: memory in bytes, a multiple of MK_POOL_ALIGN
 *
 * Return: 0; -ERANGE (bad @id), -EEXIST (@id in use), -EINVAL (boot CPU,
 * bad @size), or as mk_cpus_check(), -ENOMEM (no room in the pool), or
 * the error from taking a CPU offline.  On error nothing has changed.
 */
int mk_instance_create(int id, const struct cpumask *cpus, u64 size)
{
	struct mk_instance *inst;
	int ret;

	if (id < 1 || id > MK_ID_MAX)
		return -ERANGE;

	inst = kzalloc_obj(*inst, GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	/* From here on the kobject owns @inst: kobject_put() frees it. */
	mk_sysfs_init_instance(inst);
	mutex_init(&inst->lock);
	inst->id = id;
	cpumask_copy(&inst->cpus, cpus);
	inst->cpu = cpumask_first(cpus);
	inst->mem_size = size;
	inst->state = MK_STATE_EMPTY;
	mk_recovery_init(inst);

	/* Whoever finds it before it is complete waits here. */
	mutex_lock(&inst->lock);
	mutex_lock(&mk_lock);
	ret = mk_instance_book(inst);
	mutex_unlock(&mk_lock);
	if (ret) {
		mutex_unlock(&inst->lock);
		kobject_put(&inst->kobj);
		return ret;
	}

	ret = mk_cpus_offline(inst);
	if (!ret) {
		snprintf(inst->res_name, sizeof(inst->res_name),
			 "Multikernel instance %d", id);
		mk_pool_show(&inst->mem_res, inst->res_name, inst->mem_base,
			     size);
		ret = mk_sysfs_add_instance(inst);
	}
	if (!ret) {
		ret = mk_channels_add(&inst->peer);
		inst->channels = !ret;
	}
	if (ret) {
		mk_instance_remove(inst);
		return ret;
	}

	pr_info("instance %d: CPUs %*pbl, memory [%#llx-%#llx]\n", id,
		cpumask_pr_args(cpus), (u64)inst->mem_base,
		(u64)inst->mem_base + size - 1);
	mutex_unlock(&inst->lock);
	return 0;
}

/**
 * mk_instance_destroy - give an instance's CPU and memory back to the host
 * @id: the instance
 *
 * A loaded kernel is unloaded first.
 *
 * Return: 0, -ENOENT (no such instance) or -EBUSY (it is executing, or a
 * kexec load is in progress).
 */
int mk_instance_destroy(int id)
{
	struct mk_instance *inst;
	struct kimage *image;

	/* Loads use the instance's image slot under the kexec lock. */
	inst = mk_instance_lock_kexec(id);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	if (mk_state_executing(mk_instance_refresh(inst))) {
		mk_instance_unlock(inst);
		mk_kexec_unlock();
		return -EBUSY;
	}
	image = inst->image;
	inst->image = NULL;
	inst->gone = true;
	mk_kexec_unlock();

	mk_instance_remove(inst);
	kimage_free(image);
	kobject_put(&inst->kobj);
	pr_info("instance %d: destroyed\n", id);
	return 0;
}
