// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's own transitions while instances run: suspend and
 * hibernation are refused while an instance executes (a kexec of the
 * host is handover.c's); reboot, halt and power off stop the instances
 * first.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kexec.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/suspend.h>

#include "internal.h"

/* Return: 0, or -EBUSY (and a log line) while an instance executes. */
static int mk_instances_busy(const char *what)
{
	struct mk_instance *inst;
	bool busy;

	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		mutex_lock(&inst->lock);
		busy = !inst->gone &&
		       mk_state_executing(mk_instance_refresh(inst));
		mutex_unlock(&inst->lock);
		if (busy) {
			pr_warn("host %s refused: instance %d executes\n",
				what, inst->id);
			kobject_put(&inst->kobj);
			return -EBUSY;
		}
	}
	return 0;
}

/*
 * Suspend stops the machine under the instances, and a hibernation image
 * (or one restored over this kernel) does not know their memory: neither
 * while an instance executes.
 */
static int mk_pm_notify(struct notifier_block *nb, unsigned long action,
			void *unused)
{
	switch (action) {
	case PM_SUSPEND_PREPARE:
		return notifier_from_errno(mk_instances_busy("suspend"));
	case PM_HIBERNATION_PREPARE:
	case PM_RESTORE_PREPARE:
		return notifier_from_errno(mk_instances_busy("hibernation"));
	default:
		return NOTIFY_DONE;
	}
}

static struct notifier_block mk_pm_nb = {
	.notifier_call = mk_pm_notify,
};

/* How long the host's reboot waits for its instances to stop. */
#define MK_REBOOT_STOP_MS	5000

/* Set once the host reboots, halts or powers off; read by starts. */
bool mk_host_going_down;

/* Ask every running instance to stop; whether any was. */
static bool mk_reboot_ask(void)
{
	struct mk_instance *inst;
	bool any = false;

	/* Nothing starts from now on (a restart, a recovery). */
	WRITE_ONCE(mk_host_going_down, true);
	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		mutex_lock(&inst->lock);
		inst->host_down = !inst->gone && !mk_instance_stop_locked(inst);
		any |= inst->host_down;
		mutex_unlock(&inst->lock);
	}
	return any;
}

/* Whether an instance asked to stop still executes. */
static bool mk_reboot_waiting(void)
{
	struct mk_instance *inst;
	bool any = false;

	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		mutex_lock(&inst->lock);
		any |= !inst->gone && inst->host_down &&
		       mk_state_executing(mk_instance_refresh(inst));
		mutex_unlock(&inst->lock);
	}
	return any;
}

/*
 * Reboot, halt and power off end the machine the instances run on: ask
 * the running ones to stop, wait up to MK_REBOOT_STOP_MS, then stop the
 * CPUs of any that still executes, so that no instance runs on into
 * firmware or into the next kernel's memory (a warm reset need not reset
 * its CPU).
 */
static int mk_reboot_notify(struct notifier_block *nb, unsigned long action,
			    void *unused)
{
	const char *what = action == SYS_POWER_OFF ? "power off" :
			   action == SYS_HALT ? "halt" : "restart";
	unsigned long end = jiffies + msecs_to_jiffies(MK_REBOOT_STOP_MS);
	struct mk_instance *inst;

	/* A live update takes the running instances along (handover.c). */
	if (action == SYS_RESTART && kexec_in_progress)
		mk_handover_freeze();
	if (mk_reboot_ask())
		while (mk_reboot_waiting() && time_before(jiffies, end))
			msleep(50);

	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		mutex_lock(&inst->lock);
		if (inst->gone) {
			/* Handed over: it runs on. */
		} else if (!mk_state_executing(mk_instance_refresh(inst))) {
			if (inst->host_down)
				pr_info("instance %d: stopped for the host's %s\n",
					inst->id, what);
		} else {
			pr_warn("instance %d: %skilled for the host's %s\n",
				inst->id, inst->host_down ?
				"did not stop in time: " : "", what);
			if (mk_instance_kill_locked(inst))
				pr_err("instance %d: its CPUs did not stop\n",
				       inst->id);
		}
		mutex_unlock(&inst->lock);
	}
	return NOTIFY_DONE;
}

static struct notifier_block mk_reboot_nb = {
	.notifier_call = mk_reboot_notify,
};

static int __init mk_host_init(void)
{
	register_pm_notifier(&mk_pm_nb);
	return register_reboot_notifier(&mk_reboot_nb);
}
core_initcall(mk_host_init);
