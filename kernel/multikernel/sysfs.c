// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/multikernel/: the pool, the instances, and the files that
 * create and destroy instances.  One value per file; see
 * Documentation/ABI/testing/sysfs-kernel-multikernel.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/string.h>
#include <linux/kstrtox.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "internal.h"

static struct kobject *mk_kobj;
static struct kset *mk_instances_kset;

/* /sys/kernel/multikernel/pool/ */

static ssize_t base_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%#llx\n", (u64)mk_host_pool.base);
}

/* Physical addresses are root's, as in /proc/iomem. */
static struct kobj_attribute base_attr = __ATTR_RO_MODE(base, 0400);

static ssize_t total_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_host_pool.size);
}

static struct kobj_attribute total_attr = __ATTR_RO(total);

static ssize_t free_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_pool_free_bytes(&mk_host_pool));
}

static struct kobj_attribute free_attr = __ATTR_RO(free);

/* The CPUs instances own: pool/cpus */
static ssize_t pool_cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(mk_owned_cpumask()));
}

static struct kobj_attribute pool_cpus_attr = __ATTR(cpus, 0444, pool_cpus_show,
						     NULL);

static struct attribute *mk_pool_attrs[] = {
	&base_attr.attr,
	&total_attr.attr,
	&free_attr.attr,
	&pool_cpus_attr.attr,
	NULL
};

static const struct attribute_group mk_pool_group = {
	.name	= "pool",
	.attrs	= mk_pool_attrs,
};

/* /sys/kernel/multikernel/{create,destroy} */

static ssize_t create_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	cpumask_var_t cpus;
	u64 size;
	int id, ret;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	if (!alloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	ret = mk_instance_parse(buf, &id, cpus, &size);
	if (!ret)
		ret = mk_instance_create(id, cpus, size);
	free_cpumask_var(cpus);
	return ret ? ret : count;
}

static struct kobj_attribute create_attr = __ATTR_WO(create);

static ssize_t destroy_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int id, ret;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	ret = kstrtoint(buf, 10, &id);
	if (!ret)
		ret = mk_instance_destroy(id);
	return ret ? ret : count;
}

static struct kobj_attribute destroy_attr = __ATTR_WO(destroy);

/*
 * A setting for all instances: a decimal in @min .. @max (or 0 when
 * @zero_ok), written by root with CAP_SYS_BOOT.  Return: as a store.
 */
static ssize_t mk_store_setting(unsigned int *setting, const char *buf,
				size_t count, unsigned int min,
				unsigned int max, bool zero_ok)
{
	unsigned int val;
	int ret;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	ret = kstrtouint(buf, 10, &val);
	if (ret)
		return ret;
	if ((val || !zero_ok) && (val < min || val > max))
		return -ERANGE;
	WRITE_ONCE(*setting, val);
	return count;
}

static ssize_t heartbeat_timeout_ms_show(struct kobject *kobj,
					 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_heartbeat_timeout_ms));
}

/* At least two heartbeats, at most a minute. */
static ssize_t heartbeat_timeout_ms_store(struct kobject *kobj,
					  struct kobj_attribute *attr,
					  const char *buf, size_t count)
{
	return mk_store_setting(&mk_heartbeat_timeout_ms, buf, count,
				2 * MK_HEARTBEAT_MS, 60000, false);
}

static struct kobj_attribute heartbeat_timeout_ms_attr =
	__ATTR_RW(heartbeat_timeout_ms);

static ssize_t start_timeout_ms_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_start_timeout_ms));
}

/* From start to running: 100 ms to 10 minutes. */
static ssize_t start_timeout_ms_store(struct kobject *kobj,
				      struct kobj_attribute *attr,
				      const char *buf, size_t count)
{
	return mk_store_setting(&mk_start_timeout_ms, buf, count, 100, 600000,
				false);
}

static struct kobj_attribute start_timeout_ms_attr = __ATTR_RW(start_timeout_ms);

static ssize_t stop_timeout_ms_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_stop_timeout_ms));
}

/* From a stop request to stopped: 100 ms to 10 minutes. */
static ssize_t stop_timeout_ms_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	return mk_store_setting(&mk_stop_timeout_ms, buf, count, 100, 600000,
				false);
}

static struct kobj_attribute stop_timeout_ms_attr = __ATTR_RW(stop_timeout_ms);

static ssize_t doorbell_limit_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_doorbell_limit));
}

/* 0 is no limit; otherwise at least 10 in each 100 ms window. */
static ssize_t doorbell_limit_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	return mk_store_setting(&mk_doorbell_limit, buf, count, 100, 10000000,
				true);
}

static struct kobj_attribute doorbell_limit_attr = __ATTR_RW(doorbell_limit);

static struct attribute *mk_top_attrs[] = {
	&create_attr.attr,
	&destroy_attr.attr,
	&heartbeat_timeout_ms_attr.attr,
	&start_timeout_ms_attr.attr,
	&stop_timeout_ms_attr.attr,
	&doorbell_limit_attr.attr,
	NULL
};

static const struct attribute_group mk_top_group = {
	.attrs	= mk_top_attrs,
};

/* /sys/kernel/multikernel/instances/<id>/ */

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	/* As the monitor last took it: reading changes nothing. */
	return sysfs_emit(buf, "%s\n",
			  mk_state_name(READ_ONCE(mk_kobj_instance(kobj)->state)));
}

/* start, stop or kill, as the LINUX_REBOOT_CMD_MULTIKERNEL* commands. */
static ssize_t state_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int id = mk_kobj_instance(kobj)->id;
	int ret;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	if (sysfs_streq(buf, "start"))
		ret = mk_instance_start(id);
	else if (sysfs_streq(buf, "stop"))
		ret = mk_instance_stop(id);
	else if (sysfs_streq(buf, "kill"))
		ret = mk_instance_kill(id);
	else
		ret = -EINVAL;
	return ret ?: count;
}

static struct kobj_attribute state_attr = __ATTR_RW(state);

static ssize_t cpus_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&mk_kobj_instance(kobj)->cpus));
}

/* "+N" moves host CPU N into the running instance, "-N" out (move.c). */
static ssize_t cpus_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	return mk_instance_move_cpu(mk_kobj_instance(kobj)->id, buf) ?: count;
}

static struct kobj_attribute cpus_attr = __ATTR_RW(cpus);

static ssize_t memory_base_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#llx\n", (u64)mk_kobj_instance(kobj)->mem_base);
}

static struct kobj_attribute memory_base_attr = __ATTR_RO_MODE(memory_base, 0400);

static ssize_t memory_size_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_kobj_instance(kobj)->mem_size);
}

static struct kobj_attribute memory_size_attr = __ATTR_RO(memory_size);

/* Its AF_VSOCK address; another one while it does not execute. */
static ssize_t vsock_cid_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_kobj_instance(kobj)->vsock_cid));
}

static ssize_t vsock_cid_store(struct kobject *kobj,
			       struct kobj_attribute *attr, const char *buf,
			       size_t count)
{
	u32 cid;
	int ret;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	ret = kstrtou32(buf, 10, &cid) ?:
	      mk_instance_set_cid(mk_kobj_instance(kobj)->id, cid);
	return ret ?: count;
}

static struct kobj_attribute vsock_cid_attr = __ATTR_RW(vsock_cid);

/* The interrupt it rings: /proc/irq/<n>/smp_affinity picks its host CPU. */
static ssize_t doorbell_irq_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", mk_kobj_instance(kobj)->irq);
}

static struct kobj_attribute doorbell_irq_attr = __ATTR_RO(doorbell_irq);

/* What the instance reported: release, crash_reason */
static ssize_t release_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return mk_comm_string(mk_kobj_instance(kobj)->comm->release, MK_RELEASE_LEN,
			      buf);
}

static struct kobj_attribute release_attr = __ATTR_RO(release);

static ssize_t crash_reason_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct mk_instance *inst = mk_kobj_instance(kobj);
	const char *reason = READ_ONCE(inst->reason);

	/* The host's reason, when the host stopped it. */
	if (reason)
		return sysfs_emit(buf, "%s\n", reason);
	return mk_comm_string(inst->comm->crash_reason, MK_CRASH_LEN, buf);
}

/* What the instance's kernel wrote when it died may say where it lives. */
static struct kobj_attribute crash_reason_attr = __ATTR_RO_MODE(crash_reason, 0400);

static ssize_t uptime_ms_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(mk_kobj_instance(kobj)->comm->uptime_ms));
}

static struct kobj_attribute uptime_ms_attr = __ATTR_RO(uptime_ms);

/* Fewer than its CPUs: some did not come up (or maxcpus= kept them). */
static ssize_t cpus_online_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(mk_kobj_instance(kobj)->comm->cpus_online));
}

static struct kobj_attribute cpus_online_attr = __ATTR_RO(cpus_online);

/* Measured by the host: boot_ms, heartbeat_age_ms */
static ssize_t boot_ms_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(mk_kobj_instance(kobj)->boot_ns) / NSEC_PER_MSEC);
}

static struct kobj_attribute boot_ms_attr = __ATTR_RO(boot_ms);

static ssize_t heartbeat_age_ms_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct mk_instance *inst = mk_kobj_instance(kobj);
	s64 age = -1;

	/* Pairs with the release in mk_instance_set_state(). */
	enum mk_state state = smp_load_acquire(&inst->state);

	/* Without the lock, which a CPU move holds for seconds. */
	if (mk_state_connected(state))
		age = (ktime_get_boottime_ns() - READ_ONCE(inst->beat_time)) /
		      NSEC_PER_MSEC;
	return sysfs_emit(buf, "%lld\n", age);
}

static struct kobj_attribute heartbeat_age_ms_attr =
	__ATTR_RO(heartbeat_age_ms);

#define MK_COUNTER_ATTR(name, field)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&mk_kobj_instance(kobj)->peer.field)); \
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

MK_COUNTER_ATTR(msg_sent, links[MULTIKERNEL_LINK_MSG].sent);
MK_COUNTER_ATTR(msg_received, links[MULTIKERNEL_LINK_MSG].received);
MK_COUNTER_ATTR(msg_dropped, links[MULTIKERNEL_LINK_MSG].dropped);
MK_COUNTER_ATTR(doorbells, doorbells);

static struct attribute *mk_instance_attrs[] = {
	&state_attr.attr,
	&cpus_attr.attr,
	&memory_base_attr.attr,
	&memory_size_attr.attr,
	&release_attr.attr,
	&uptime_ms_attr.attr,
	&cpus_online_attr.attr,
	&boot_ms_attr.attr,
	&heartbeat_age_ms_attr.attr,
	&crash_reason_attr.attr,
	&msg_sent_attr.attr,
	&msg_received_attr.attr,
	&msg_dropped_attr.attr,
	&doorbells_attr.attr,
	&doorbell_irq_attr.attr,
	&vsock_cid_attr.attr,
	NULL
};

/* What a boot loader building the instance's boot parameters passes on. */
static ssize_t boot_record_read(struct file *file, struct kobject *kobj,
				const struct bin_attribute *attr, char *buf,
				loff_t off, size_t count)
{
	struct multikernel_self self;
	char record[256];
	ssize_t len;

	mk_self_of(mk_kobj_instance(kobj), &self);
	len = arch_multikernel_boot_record(&self, record, sizeof(record));
	if (len < 0)
		return len;
	return memory_read_from_buffer(buf, count, &off, record, len);
}

static BIN_ATTR_ADMIN_RO(boot_record, 0);

/* The instance's kernel log, as far as the host keeps it. */
static ssize_t console_read(struct file *file, struct kobject *kobj,
			    const struct bin_attribute *attr, char *buf,
			    loff_t off, size_t count)
{
	return mk_comm_console(mk_kobj_instance(kobj), buf, off, count);
}

static BIN_ATTR_ADMIN_RO(console, MK_CONSOLE_SIZE);

static const struct bin_attribute *const mk_instance_bin_attrs[] = {
	&bin_attr_boot_record,
	&bin_attr_console,
	NULL
};

static const struct attribute_group mk_instance_group = {
	.attrs		= mk_instance_attrs,
	.bin_attrs	= mk_instance_bin_attrs,
};

static const struct attribute_group *mk_instance_groups[] = {
	&mk_instance_group,
	&mk_recovery_group,
	&mk_handover_group,
	NULL
};

static void mk_instance_release(struct kobject *kobj)
{
	kfree(mk_kobj_instance(kobj));
}

static const struct kobj_type mk_instance_ktype = {
	.release	= mk_instance_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= mk_instance_groups,
};

/* From here on the kobject owns @inst: kobject_put() frees it. */
void mk_sysfs_init_instance(struct mk_instance *inst)
{
	kobject_init(&inst->kobj, &mk_instance_ktype);
}

/* Show an instance in sysfs; on error too, kobject_put() frees it. */
int mk_sysfs_add_instance(struct mk_instance *inst)
{
	inst->kobj.kset = mk_instances_kset;
	return kobject_add(&inst->kobj, NULL, "%d", inst->id);
}

/*
 * Take an instance out of sysfs; the caller still holds its reference.
 * Not if it never got there: kobject_del() of a kobject whose add failed
 * would drop a reference to the instances kset that it never took.
 */
void mk_sysfs_del_instance(struct mk_instance *inst)
{
	if (inst->kobj.state_in_sysfs)
		kobject_del(&inst->kobj);
}

static int __init mk_sysfs_init(void)
{
	int ret;

	mk_kobj = kobject_create_and_add("multikernel", kernel_kobj);
	if (!mk_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(mk_kobj, &mk_pool_group);
	if (ret)
		goto err;
	ret = sysfs_create_group(mk_kobj, &mk_top_group);
	if (ret)
		goto err;
	ret = -ENOMEM;
	mk_instances_kset = kset_create_and_add("instances", NULL, mk_kobj);
	if (!mk_instances_kset)
		goto err;
	return 0;
err:
	pr_err("cannot create /sys/kernel/multikernel: %d\n", ret);
	kobject_put(mk_kobj);
	mk_kobj = NULL;
	return ret;
}
subsys_initcall(mk_sysfs_init);
