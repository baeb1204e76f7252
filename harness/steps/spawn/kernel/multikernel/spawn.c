// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting and stopping instances: the LINUX_REBOOT_CMD_MULTIKERNEL*
 * commands of reboot(2), and what the host learns from a started instance.
 *
 * The instance reports its state in a word of its boot parameters (see
 * struct multikernel_setup_data on x86); the host treats that word as
 * untrusted and only takes the transitions it expects.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/reboot.h>
#include <linux/uaccess.h>

#include "../kexec_internal.h"
#include "internal.h"

/* The instance's own report; MK_REPORT_NONE when it has no status word. */
#define MK_REPORT_NONE	U32_MAX

static u32 mk_read_report(struct mk_instance *inst)
{
	phys_addr_t phys = inst->image ? inst->image->mk_status : 0;

	if (!phys || phys < inst->mem_res.start ||
	    phys + sizeof(u32) - 1 > inst->mem_res.end)
		return MK_REPORT_NONE;
	return READ_ONCE(*(u32 *)phys_to_virt(phys));
}

/**
 * mk_instance_refresh - take what a started instance reported
 * @inst: the instance; mk_lock held
 */
void mk_instance_refresh(struct mk_instance *inst)
{
	enum mk_state next;

	lockdep_assert_held(&mk_lock);
	if (inst->state != MK_STATE_STARTING && inst->state != MK_STATE_RUNNING)
		return;

	switch (mk_read_report(inst)) {
	case MULTIKERNEL_INSTANCE_RUNNING:
		next = MK_STATE_RUNNING;
		break;
	case MULTIKERNEL_INSTANCE_STOPPED:
		next = MK_STATE_STOPPED;
		break;
	case MULTIKERNEL_INSTANCE_CRASHED:
		next = MK_STATE_CRASHED;
		break;
	default:
		return;
	}
	if (next == MK_STATE_RUNNING && inst->state != MK_STATE_STARTING)
		return;
	if (next != MK_STATE_RUNNING) {
		/*
		 * It parked its CPU.  INIT keeps it parked whatever happens
		 * to its memory now (an NMI would run what is there).
		 */
		cpus_write_lock();
		arch_multikernel_stop(inst->cpu);
		cpus_write_unlock();
	}
	mk_instance_set_state(inst, next);
}

static int mk_instance_start(int id)
{
	struct mk_instance *inst;
	int ret;

	if (!kexec_trylock())
		return -EBUSY;
	mutex_lock(&mk_lock);
	inst = mk_instance_find(id);
	if (!inst) {
		ret = -ENOENT;
	} else if (inst->state != MK_STATE_EMPTY && inst->state != MK_STATE_LOADED) {
		ret = -EBUSY;
	} else if (!inst->image) {
		ret = -ENOEXEC;
	} else if (arch_multikernel_prepare(inst->image)) {
		ret = -EINVAL;
	} else {
		mk_instance_set_state(inst, MK_STATE_STARTING);
		cpus_write_lock();
		ret = arch_multikernel_start(inst->cpu, inst->image);
		cpus_write_unlock();
		if (ret) {
			pr_err("instance %d: start on CPU %u failed: %d\n", id,
			       inst->cpu, ret);
			mk_instance_set_state(inst, MK_STATE_CRASHED);
		} else {
			pr_info("instance %d: started on CPU %u\n", id, inst->cpu);
		}
	}
	mutex_unlock(&mk_lock);
	kexec_unlock();
	return ret;
}

static int mk_instance_kill(int id)
{
	struct mk_instance *inst;
	int ret = 0;

	mutex_lock(&mk_lock);
	inst = mk_instance_find(id);
	if (!inst) {
		ret = -ENOENT;
	} else if (inst->state == MK_STATE_EMPTY || inst->state == MK_STATE_LOADED) {
		ret = -EINVAL;
	} else {
		cpus_write_lock();
		ret = arch_multikernel_stop(inst->cpu);
		cpus_write_unlock();
		if (!ret) {
			mk_instance_set_state(inst, MK_STATE_STOPPED);
			pr_info("instance %d: killed\n", id);
		}
	}
	mutex_unlock(&mk_lock);
	return ret;
}

/**
 * multikernel_reboot - the LINUX_REBOOT_CMD_MULTIKERNEL* reboot() commands
 * @cmd: LINUX_REBOOT_CMD_MULTIKERNEL (start), ..._HALT or ..._HALT_FORCE
 * @arg: user pointer to a struct multikernel_boot_args
 *
 * Return: 0; -EPERM without CAP_SYS_BOOT, -EFAULT, -ENOENT (no such
 * instance), -ENOEXEC (start: nothing loaded), -EBUSY (start: executing
 * already), -EINVAL (start: the loaded kernel would not boot as an
 * instance, e.g. no multikernel boot record; kill: not executing),
 * -EOPNOTSUPP (graceful halt, not implemented yet) or the architecture's
 * error.
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
	case LINUX_REBOOT_CMD_MULTIKERNEL_HALT_FORCE:
		return mk_instance_kill(args.mk_id);
	default:
		return -EOPNOTSUPP;
	}
}
