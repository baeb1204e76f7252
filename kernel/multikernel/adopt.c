// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update, the new host's half: adopt the instances the previous host
 * kernel handed over (handover.c) through KHO.
 *
 * Before smp_init() the CPUs the instances run on are claimed, so that
 * this kernel never sends them anything (no INIT, no startup IPI).  Once
 * the pool, sysfs and the channels are up, each instance is booked again
 * as it was: the same id, CPUs, memory, communication area and AF_VSOCK
 * address, running, its counters continued, its rings used where the old
 * host left them.  It gets a new doorbell interrupt and is told where to
 * ring (a doorbell message); a new host epoch in its area tells it that its
 * connections to the old host are gone.
 *
 * The blob was written by the previous kernel, which root chose to run:
 * it is checked all the same, and an instance that does not fit stays
 * where it is, its CPUs and what of its memory is in the pool kept from
 * this kernel, with a log line saying why.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "comm.h"
#include "handover.h"
#include "internal.h"

/* The blob, found before smp_init(); freed once the instances are in. */
static struct mk_handover *mk_adopt_in __initdata;

/* The CPUs of @hw_ids into @cpus; whether all are present and distinct. */
static bool __init mk_adopt_cpus(const u32 *hw_ids, u32 n,
				 struct cpumask *cpus)
{
	unsigned int cpu;
	u32 i;

	cpumask_clear(cpus);
	if (!n || n > MULTIKERNEL_INSTANCE_CPUS)
		return false;
	for (i = 0; i < n; i++) {
		cpu = mk_cpu_of_hw_id(hw_ids[i]);
		if (cpu >= nr_cpu_ids || cpu == get_boot_cpu_id() ||
		    cpumask_test_and_set_cpu(cpu, cpus))
			return false;
	}
	return true;
}

/* Read the blob and claim the instances' CPUs; before smp_init(). */
static int __init mk_adopt_claim(void)
{
	struct mk_handover_instance *rec;
	struct mk_handover *ho;
	struct cpumask cpus;
	phys_addr_t phys;
	size_t size;
	unsigned int cpu;
	u32 i;

	if (kho_retrieve_subtree(MK_HANDOVER_NAME, &phys, &size))
		return 0;
	if (size != sizeof(*ho)) {
		pr_err("handover of %zu bytes, want %zu: no instance adopted\n",
		       size, sizeof(*ho));
		return 0;
	}
	ho = phys_to_virt(phys);
	if (ho->magic != MK_HANDOVER_MAGIC || ho->version != MK_HANDOVER_VERSION ||
	    ho->nr > MK_HANDOVER_MAX) {
		pr_err("handover not understood (magic %#x, version %u, %u instances): no instance adopted\n",
		       ho->magic, ho->version, ho->nr);
		kho_restore_free(ho);
		return 0;
	}
	/* Used in place, given back once the instances are in (mk_adopt()). */
	mk_adopt_in = ho;

	for (i = 0; i < mk_adopt_in->nr; i++) {
		rec = &mk_adopt_in->inst[i];
		if (!mk_adopt_cpus(rec->hw_ids, rec->nr_cpus, &cpus))
			pr_err("instance %u: CPUs of the handover not all here\n",
			       rec->id);
		/* Whatever else is wrong: CPUs it may run on stay down. */
		for_each_cpu(cpu, &cpus)
			mk_cpus_claim(cpu);
	}
	return 0;
}
early_initcall(mk_adopt_claim);

/*
 * Book @inst (from @rec) in its pool ranges and on its CPUs; mk_lock held.
 * What it took stays taken on error: the instance may run there.
 */
static int __init mk_adopt_resources(struct mk_instance *inst,
				     const struct mk_handover_instance *rec)
{
	int ret;

	if (!mk_adopt_cpus(rec->hw_ids, rec->nr_cpus, &inst->cpus) ||
	    !mk_adopt_cpus(rec->boot_hw_ids, rec->nr_boot_cpus,
			   &inst->boot_cpus))
		return -ENODEV;
	inst->cpu = mk_cpu_of_hw_id(rec->hw_ids[0]);
	ret = mk_cpus_adopt(inst);
	if (ret)
		return ret;

	inst->mem_base = rec->mem_base;
	inst->mem_size = rec->mem_size;
	ret = mk_pool_alloc_at(&mk_host_pool, inst->mem_base, inst->mem_size);
	if (ret)
		return ret;
	inst->comm_base = rec->comm_base;
	return mk_comm_adopt(inst);
}

/* Take over one instance, as it runs; mk_lock held. */
static int __init mk_adopt_one(const struct mk_handover_instance *rec)
{
	struct mk_link_pos pos[MULTIKERNEL_NR_LINKS];
	struct mk_instance *inst;
	struct mk_peer *peer;
	int i, ret;

	if (rec->id < 1 || rec->id > MK_ID_MAX || xa_load(&mk_instances, rec->id))
		return -EINVAL;
	inst = kzalloc_obj(*inst, GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	mk_sysfs_init_instance(inst);
	mutex_init(&inst->lock);
	inst->id = rec->id;
	inst->vsock_cid = rec->vsock_cid;
	inst->recovery = rec->recovery;
	inst->crash_count = rec->crash_count;
	inst->epoch = rec->epoch + 1;
	inst->boot_ns = rec->boot_ns;
	inst->started = ktime_get_boottime_ns();
	mk_recovery_init(inst);
	ret = mk_adopt_resources(inst, rec);
	if (ret)
		return ret;	/* @inst leaks with what it holds: on purpose */

	peer = &inst->peer;
	mk_peer_init(peer, inst->id, rec->doorbell);
	atomic64_set(&peer->doorbells, rec->doorbells);
	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++) {
		atomic64_set(&peer->links[i].sent, rec->links[i].sent);
		atomic64_set(&peer->links[i].received, rec->links[i].received);
		atomic64_set(&peer->links[i].dropped, rec->links[i].dropped);
		pos[i].tx_head = rec->links[i].tx_head;
		pos[i].rx_tail = rec->links[i].rx_tail;
	}
	ret = mk_doorbell_create(inst);
	if (ret)
		return ret;
	/* Nothing reclaims a lost instance's CPUs or memory, as it may run. */
	inst->state = MK_STATE_LOST;
	ret = xa_insert(&mk_instances, inst->id, inst, GFP_KERNEL);
	if (ret)
		return ret;

	snprintf(inst->res_name, sizeof(inst->res_name),
		 "Multikernel instance %d", inst->id);
	mk_pool_show(&inst->mem_res, inst->res_name, inst->mem_base,
		     inst->mem_size);

	ret = mk_sysfs_add_instance(inst);
	if (!ret) {
		ret = mk_channels_add(peer);
		inst->channels = !ret;
	}
	if (ret)
		return ret;

	/* Running, as it never stopped, where it left its rings. */
	inst->state = MK_STATE_RUNNING;
	inst->beat = READ_ONCE(inst->comm->heartbeat);
	inst->beat_time = ktime_get_boottime_ns();
	WRITE_ONCE(inst->comm->host_epoch, inst->epoch);
	mk_instance_connect(inst, pos);
	pr_info("instance %d: adopted, running on CPUs %*pbl\n", inst->id,
		cpumask_pr_args(&inst->cpus));
	return 0;
}

/* Once the pool, sysfs and the channels are up. */
static int __init mk_adopt(void)
{
	struct mk_handover *ho = mk_adopt_in;
	struct mk_handover_instance *rec;
	unsigned int n = 0;
	u32 i;
	int ret;

	if (!ho)
		return 0;
	if (ho->pool_base != mk_host_pool.base || ho->pool_size != mk_host_pool.size)
		pr_err("handover from a pool at %#llx (%llu MiB), ours is at %#llx (%llu MiB)\n",
		       ho->pool_base, ho->pool_size >> 20, (u64)mk_host_pool.base,
		       mk_host_pool.size >> 20);
	WRITE_ONCE(mk_heartbeat_timeout_ms, ho->heartbeat_timeout_ms);
	WRITE_ONCE(mk_start_timeout_ms, ho->start_timeout_ms);
	WRITE_ONCE(mk_stop_timeout_ms, ho->stop_timeout_ms);
	WRITE_ONCE(mk_doorbell_limit, ho->doorbell_limit);

	mutex_lock(&mk_lock);
	for (i = 0; i < ho->nr; i++) {
		rec = &ho->inst[i];
		ret = mk_adopt_one(rec);
		if (ret)
			pr_err("instance %u: not adopted: %d; what it had stays reserved\n",
			       rec->id, ret);
		else
			n++;
	}
	mutex_unlock(&mk_lock);
	pr_info("adopted %u of %u instances %llu ms after this kernel started\n",
		n, ho->nr, ktime_get_boottime_ns() / NSEC_PER_MSEC);
	kho_restore_free(ho);
	mk_adopt_in = NULL;
	if (n)
		mk_monitor_kick();
	return 0;
}
late_initcall(mk_adopt);

static ssize_t handovers_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_kobj_instance(kobj)->epoch));
}

static struct kobj_attribute handovers_attr = __ATTR_RO(handovers);

/* What the instance says; only shown. */
static ssize_t host_away_ms_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(mk_kobj_instance(kobj)->comm->host_away_ms));
}

static struct kobj_attribute host_away_ms_attr = __ATTR_RO(host_away_ms);

static struct attribute *mk_handover_attrs[] = {
	&handovers_attr.attr,
	&host_away_ms_attr.attr,
	NULL
};

const struct attribute_group mk_handover_group = {
	.attrs = mk_handover_attrs,
};
