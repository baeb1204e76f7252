// SPDX-License-Identifier: GPL-2.0-only
/*
 * What happens after an instance crashes or hangs: it is counted, its
 * kernel log is kept, and with recovery "restart" (as remoteproc's
 * recovery) the instance is started again in place after a backoff of
 * 1 s, 2 s, 4 s, at most MK_RECOVERY_MAX times in a row.  A row ends
 * once the instance ran for MK_RECOVERY_STABLE_MS.  A hung instance is
 * killed first.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "internal.h"

#define MK_RECOVERY_MAX		3
#define MK_RECOVERY_STABLE_MS	60000
#define MK_RECOVERY_DELAY_MS	1000

static void mk_recovery_fn(struct work_struct *work)
{
	struct mk_instance *inst = container_of(to_delayed_work(work),
						struct mk_instance,
						recovery_work);
	bool start = true;
	int ret;

	mutex_lock(&inst->lock);
	if (inst->gone) {
		start = false;
	} else {
		mk_instance_refresh(inst);
		if (inst->state == MK_STATE_HUNG)
			start = !mk_instance_kill_locked(inst);
		else if (inst->state != MK_STATE_CRASHED)
			start = false;	/* it runs again, or the operator acted */
	}
	mutex_unlock(&inst->lock);
	if (!start)
		return;
	ret = mk_instance_start(inst->id);
	if (ret)
		pr_err("instance %d: recovery: restart failed: %d\n", inst->id,
		       ret);
}

/**
 * mk_recovery_init - set up an instance's recovery
 * @inst: a new instance
 */
void mk_recovery_init(struct mk_instance *inst)
{
	INIT_DELAYED_WORK(&inst->recovery_work, mk_recovery_fn);
}

/**
 * mk_recovery_stop - no more recovery for an instance being destroyed
 * @inst: no longer findable by id; @inst->lock not held
 */
void mk_recovery_stop(struct mk_instance *inst)
{
	cancel_delayed_work_sync(&inst->recovery_work);
}

/* Forget the kept log; @inst unreachable. */
void mk_recovery_free(struct mk_instance *inst)
{
	kvfree(inst->crash_log);
	inst->crash_log = NULL;
}

/**
 * mk_recovery_crashed - an instance just crashed or hung
 * @inst: the instance; @inst->lock held
 */
void mk_recovery_crashed(struct mk_instance *inst)
{
	unsigned int delay;

	lockdep_assert_held(&inst->lock);
	inst->crash_count++;
	sysfs_notify(&inst->kobj, NULL, "crash_count");
	if (!inst->crash_log)
		inst->crash_log = kvmalloc(MK_CONSOLE_SIZE, GFP_KERNEL);
	if (inst->crash_log)
		inst->crash_log_len = mk_comm_console(inst, inst->crash_log, 0,
						      MK_CONSOLE_SIZE);

	if (!READ_ONCE(inst->recovery))
		return;
	if (ktime_get_boottime_ns() - inst->started >
	    (u64)MK_RECOVERY_STABLE_MS * NSEC_PER_MSEC)
		inst->recoveries = 0;
	if (inst->recoveries >= MK_RECOVERY_MAX) {
		pr_err("instance %d: %u restarts in a row did not help: not restarted\n",
		       inst->id, inst->recoveries);
		return;
	}
	delay = MK_RECOVERY_DELAY_MS << inst->recoveries++;
	pr_info("instance %d: %s: restart %u of %u in %u ms\n", inst->id,
		mk_state_name(inst->state), inst->recoveries, MK_RECOVERY_MAX,
		delay);
	queue_delayed_work(system_dfl_wq, &inst->recovery_work,
			   msecs_to_jiffies(delay));
}

static ssize_t recovery_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(mk_kobj_instance(kobj)->recovery) ?
			  "restart" : "off");
}

static ssize_t recovery_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	struct mk_instance *inst = mk_kobj_instance(kobj);
	bool on;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	if (sysfs_streq(buf, "restart"))
		on = true;
	else if (sysfs_streq(buf, "off"))
		on = false;
	else
		return -EINVAL;
	mutex_lock(&inst->lock);
	WRITE_ONCE(inst->recovery, on);
	inst->recoveries = 0;
	mutex_unlock(&inst->lock);
	return count;
}

static struct kobj_attribute recovery_attr = __ATTR_RW(recovery);

static ssize_t crash_count_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(mk_kobj_instance(kobj)->crash_count));
}

static struct kobj_attribute crash_count_attr = __ATTR_RO(crash_count);

/* The kernel log as it was at the last crash or hang. */
static ssize_t crash_log_read(struct file *file, struct kobject *kobj,
			      const struct bin_attribute *attr, char *buf,
			      loff_t off, size_t count)
{
	struct mk_instance *inst = mk_kobj_instance(kobj);
	ssize_t ret = 0;

	mutex_lock(&inst->lock);
	if (inst->crash_log)
		ret = memory_read_from_buffer(buf, count, &off, inst->crash_log,
					      inst->crash_log_len);
	mutex_unlock(&inst->lock);
	return ret;
}

static BIN_ATTR_ADMIN_RO(crash_log, MK_CONSOLE_SIZE);

static struct attribute *mk_recovery_attrs[] = {
	&recovery_attr.attr,
	&crash_count_attr.attr,
	NULL
};

static const struct bin_attribute *const mk_recovery_bin_attrs[] = {
	&bin_attr_crash_log,
	NULL
};

const struct attribute_group mk_recovery_group = {
	.attrs		= mk_recovery_attrs,
	.bin_attrs	= mk_recovery_bin_attrs,
};
