// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting and stopping instances: the LINUX_REBOOT_CMD_MULTIKERNEL*
 * commands of reboot(2), also behind the instance's state file.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/reboot.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "internal.h"

/*
 * Whether @inst may start: it is loaded, or stopped or crashed with its
 * image's copy back in place.  @inst->lock held.
 */
static int mk_instance_restart_prepare(struct mk_instance *inst)
{
	mk_instance_refresh(inst);
	switch (inst->state) {
	case MK_STATE_EMPTY:
	case MK_STATE_LOADED:
		return 0;
	case MK_STATE_STOPPED:
	case MK_STATE_CRASHED:
		break;
	default:
		return -EBUSY;
	}
	if (!inst->image)
		return -ENOEXEC;
	/* Its boot record names the CPUs it was loaded for. */
	if (!cpumask_equal(&inst->cpus, &inst->boot_cpus))
		return -EINVAL;
	return mk_pristine_restore(inst);
}

/**
 * mk_instance_start - start the kernel loaded into an instance
 * @id: the instance
 *
 * A stopped or crashed instance restarts in place: the copy of what its
 * load put into its memory goes back first (restart.c).
 *
 * Return: 0; -EBUSY (executing or lost, a kexec load is in progress, or
 * the host is going down), -ENOENT, -ENOEXEC (nothing loaded, or no copy to restart
 * from), -EINVAL (the image would not boot as an instance, or CPUs were
 * moved since it was loaded), -ENOMEM, or the architecture's error.
 */
int mk_instance_start(int id)
{
	struct multikernel_self self;
	struct mk_instance *inst;
	int ret = 0;

	inst = mk_instance_lock_kexec(id);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	if (READ_ONCE(mk_host_going_down))
		ret = -EBUSY;
	else
		ret = mk_instance_restart_prepare(inst);
	if (!ret && !inst->image)
		ret = -ENOEXEC;
	else if (!ret && arch_multikernel_prepare(inst->image))
		ret = -EINVAL;
	/*
	 * Loads and destroy leave an executing instance alone, so its image
	 * stays once it is starting, without the kexec lock: a host panic
	 * needs that for its kdump while we wait for the CPU.
	 */
	if (!ret) {
		mk_comm_reset(inst);
		mk_doorbell_start(inst);
		WRITE_ONCE(inst->reason, NULL);
		inst->started = ktime_get_boottime_ns();
		inst->boot_ns = 0;
		cpumask_copy(&inst->boot_cpus, &inst->cpus);
		mk_instance_set_state(inst, MK_STATE_STARTING);
	}
	mk_kexec_unlock();
	if (ret)
		goto unlock;

	/*
	 * The hotplug lock keeps cpu_up() away from the AP startup globals
	 * the kicks use; it is held across each CPU's arrival, bounded, as
	 * cpu_up() holds it.
	 */
	mk_self_of(inst, &self);
	cpus_read_lock();
	ret = arch_multikernel_start(&self, inst->image);
	cpus_read_unlock();
	if (ret) {
		pr_err("instance %d: start on CPUs %*pbl failed: %d\n", id,
		       cpumask_pr_args(&inst->cpus), ret);
		/* CPUs that left may run its code: stop them, with proof. */
		if (!mk_instance_reclaim_cpus(inst))
			mk_instance_set_state(inst, MK_STATE_CRASHED);
	} else {
		pr_info("instance %d: started on CPUs %*pbl\n", id,
			cpumask_pr_args(&inst->cpus));
	}
unlock:
	mk_instance_unlock(inst);
	if (!ret)
		mk_monitor_kick();
	return ret;
}

/**
 * mk_instance_stop - ask a running instance to shut down
 * @id: the instance
 *
 * The instance powers off as if the power button was pressed and parks
 * its CPU; its state goes from stopping to stopped when it has.
 *
 * Return: 0; -ENOENT, -EINVAL (not running), -EBUSY (no room for the
 * request: try again, or kill it).
 */
int mk_instance_stop(int id)
{
	struct mk_instance *inst;
	int ret;

	inst = mk_instance_lock(id);
	if (!inst)
		return -ENOENT;
	ret = mk_instance_stop_locked(inst);
	mk_instance_unlock(inst);
	return ret;
}

/* As mk_instance_stop(), for an instance; @inst->lock held. */
int mk_instance_stop_locked(struct mk_instance *inst)
{
	struct mk_msg_hdr hdr = { .type = MULTIKERNEL_MSG_SHUTDOWN };

	lockdep_assert_held(&inst->lock);
	mk_instance_refresh(inst);
	if (inst->state != MK_STATE_RUNNING)
		return -EINVAL;
	if (mk_peer_send(&inst->peer, &hdr, NULL, 0))
		return -EBUSY;
	inst->stop_asked = ktime_get_boottime_ns();
	mk_instance_set_state(inst, MK_STATE_STOPPING);
	return 0;
}

/**
 * mk_instance_kill - stop an instance's CPU without its help
 * @id: the instance
 *
 * Works on an instance that is starting, running, stopping, hung or lost
 * (which tries again).
 *
 * Return: 0; -ENOENT, -EINVAL (not executing: never started, stopped or
 * crashed), -ETIMEDOUT (the CPU did not stop: the instance is lost), or
 * the architecture's error.
 */
int mk_instance_kill(int id)
{
	struct mk_instance *inst;
	int ret;

	inst = mk_instance_lock(id);
	if (!inst)
		return -ENOENT;
	if (!mk_state_executing(mk_instance_refresh(inst)))
		ret = -EINVAL;
	else
		ret = mk_instance_kill_locked(inst);
	mk_instance_unlock(inst);
	return ret;
}

/**
 * mk_instance_reclaim - stop CPUs of an instance without its help
 * @inst: the instance; @inst->lock held
 * @cpus: the CPUs, its own or on their way in or out
 *
 * Each CPU gets INIT, the startup IPIs to a host stub, INIT
 * (arch_multikernel_reclaim_cpu()): it is the host's again only once it
 * proved that it stopped.  Every CPU is tried, whatever the others did.
 *
 * Return: 0, or as arch_multikernel_reclaim_cpu() for the first CPU that
 * failed, -ETIMEDOUT (a CPU that may still run the instance) first.
 */
int mk_instance_reclaim(struct mk_instance *inst, const struct cpumask *cpus)
{
	unsigned int cpu;
	int ret = 0, err;

	lockdep_assert_held(&inst->lock);
	cpus_read_lock();
	/*
	 * INIT them all first: none runs the instance, and none can send
	 * an interrupt to one that the host is taking back meanwhile.
	 */
	local_irq_disable();
	for_each_cpu(cpu, cpus)
		arch_multikernel_halt_now(cpu);
	local_irq_enable();
	for_each_cpu(cpu, cpus) {
		if (mk_should_fail_stop())
			/* As a CPU that never reached the stub: it runs on. */
			err = -ETIMEDOUT;
		else
			err = arch_multikernel_reclaim_cpu(cpu);
		if (err == -ETIMEDOUT)
			pr_err("instance %d: CPU %u did not stop\n", inst->id, cpu);
		else if (err)
			pr_err_ratelimited("instance %d: cannot stop CPU %u: %d\n",
					   inst->id, cpu, err);
		if (!ret || (err == -ETIMEDOUT && ret != -ETIMEDOUT))
			ret = err;
	}
	cpus_read_unlock();
	return ret;
}

/**
 * mk_instance_reclaim_cpus - stop an instance's CPUs, with proof
 * @inst: an executing instance; @inst->lock held
 *
 * As mk_instance_reclaim() for all its CPUs.  A CPU that did not prove it
 * stopped may still run the instance, so the instance is lost: it keeps
 * its CPUs and memory until a kill succeeds.
 *
 * Return: as mk_instance_reclaim().
 */
int mk_instance_reclaim_cpus(struct mk_instance *inst)
{
	int ret = mk_instance_reclaim(inst, &inst->cpus);

	if (ret == -ETIMEDOUT && inst->state != MK_STATE_LOST) {
		pr_err("instance %d: lost: its CPUs and memory stay reserved\n",
		       inst->id);
		mk_instance_set_state(inst, MK_STATE_LOST);
	}
	return ret;
}

/* As mk_instance_kill(), for an executing instance; @inst->lock held. */
int mk_instance_kill_locked(struct mk_instance *inst)
{
	int ret;

	lockdep_assert_held(&inst->lock);
	ret = mk_instance_reclaim_cpus(inst);
	if (!ret) {
		mk_instance_set_state(inst, MK_STATE_STOPPED);
		pr_info("instance %d: killed\n", inst->id);
	}
	return ret;
}

/**
 * multikernel_reboot - the LINUX_REBOOT_CMD_MULTIKERNEL* reboot() commands
 * @cmd: LINUX_REBOOT_CMD_MULTIKERNEL (start), ..._HALT or ..._HALT_FORCE
 * @arg: user pointer to a struct multikernel_boot_args
 *
 * Return: 0; -EPERM without CAP_SYS_BOOT, -EFAULT, -EOPNOTSUPP (another
 * command), or as mk_instance_start(), mk_instance_stop() and
 * mk_instance_kill().
 */
int multikernel_reboot(unsigned int cmd, void __user *arg)
{
	struct multikernel_boot_args args;

	if (!capable(CAP_SYS_BOOT))
		return -EPERM;
	if (copy_from_user(&args, arg, sizeof(args)))
		return -EFAULT;

	switch (cmd) {
	case LINUX_REBOOT_CMD_MULTIKERNEL:
		return mk_instance_start(args.mk_id);
	case LINUX_REBOOT_CMD_MULTIKERNEL_HALT:
		return mk_instance_stop(args.mk_id);
	case LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE:
		return mk_instance_kill(args.mk_id);
	default:
		return -EOPNOTSUPP;
	}
}
