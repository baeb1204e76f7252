// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moving CPUs into and out of a running instance: both ends.
 *
 * In: the host takes the CPU (offline in the host, owned by the
 * instance), sends it to the instance's park area, and asks the instance
 * to bring it up (cpu_add).  Out: the host asks the instance to take the
 * CPU offline (cpu_remove), then stops it with proof and brings it up in
 * the host.  The instance answers 0 or -errno; to a
 * request for a CPU it does not have, -ENODEV.  Whatever goes wrong, a
 * CPU that may still run the instance stays the instance's, and one that
 * was proven stopped is the host's: never both, never none.
 *
 * A move in that gets no answer in time is not over in the instance: it
 * may bring the CPU up later.  The host cancels it in the CPU's park
 * slot, which works if the instance has not woken the CPU yet; else it
 * asks for the CPU back, and the instance, which takes requests in
 * order, answers that once the first is done.  Only then is the CPU
 * stopped.  A move out that gets no answer leaves the CPU the instance's;
 * a later "-N" takes it back, even if the instance gave it up meanwhile
 * (-ENODEV).
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "internal.h"

/* How long the instance may take to bring a CPU up or down. */
#define MK_MOVE_TIMEOUT_MS	10000

/*
 * Ask the instance to take or give @cpu: 0 (done, or given up already),
 * -ETIMEDOUT or -EREMOTEIO.
 */
static int mk_move_ask(struct mk_instance *inst, u32 type, unsigned int cpu)
{
	u32 hw_id = arch_multikernel_hw_id(cpu);
	s32 answer;
	ssize_t n;

	n = mk_peer_call(&inst->peer, type, &hw_id, sizeof(hw_id), &answer,
			 sizeof(answer), msecs_to_jiffies(MK_MOVE_TIMEOUT_MS));
	if (n == sizeof(answer) &&
	    (!answer ||
	     (type == MULTIKERNEL_MSG_CPU_REMOVE && answer == -ENODEV)))
		return 0;
	if (n == -ETIMEDOUT) {
		pr_err("instance %d: no answer about CPU %u in %u ms\n",
		       inst->id, cpu, MK_MOVE_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	if (n == sizeof(answer))
		pr_err("instance %d: refused to %s CPU %u: %d\n", inst->id,
		       type == MULTIKERNEL_MSG_CPU_ADD ? "take" : "give back",
		       cpu, answer);
	else
		pr_err("instance %d: bad answer about CPU %u: %zd\n", inst->id,
		       cpu, n);
	return -EREMOTEIO;
}

/* Stop @cpu of @inst without its help, with proof; @inst->lock held. */
static int mk_move_reclaim(struct mk_instance *inst, unsigned int cpu)
{
	int ret = mk_instance_reclaim(inst, cpumask_of(cpu));

	if (ret)
		pr_err("instance %d: CPU %u stays the instance's\n", inst->id,
		       cpu);
	return ret;
}

static int mk_move_in(struct mk_instance *inst, unsigned int cpu)
{
	struct multikernel_self self;
	int ret, err;

	if (cpu == get_boot_cpu_id())
		return -EINVAL;
	if (cpumask_test_cpu(cpu, &inst->cpus))
		return -EBUSY;
	if (cpumask_weight(&inst->cpus) >= MULTIKERNEL_INSTANCE_CPUS)
		return -E2BIG;
	ret = mk_cpus_take_one(inst, cpu);
	if (ret)
		return ret;

	mk_self_of(inst, &self);
	cpus_read_lock();
	ret = arch_multikernel_park_cpu(&self, cpu);
	cpus_read_unlock();
	if (!ret)
		ret = mk_move_ask(inst, MULTIKERNEL_MSG_CPU_ADD, cpu);
	if (!ret) {
		cpumask_set_cpu(cpu, &inst->cpus);
		pr_info("instance %d: CPU %u moved in\n", inst->id, cpu);
		return 0;
	}
	/* The instance may still bring it up: cancel, or ask for it back. */
	if (ret == -ETIMEDOUT && !arch_multikernel_cancel_park(&self, cpu) &&
	    mk_move_ask(inst, MULTIKERNEL_MSG_CPU_REMOVE, cpu)) {
		pr_err("instance %d: CPU %u may run it: it stays the instance's\n",
		       inst->id, cpu);
		cpumask_set_cpu(cpu, &inst->cpus);
		return ret;
	}

	/* It may be on its way, parked, or woken and given up. */
	err = mk_move_reclaim(inst, cpu);
	if (err) {
		cpumask_set_cpu(cpu, &inst->cpus);
		return err;
	}
	mk_cpus_give_back_one(inst, cpu);
	return ret;
}

static int mk_move_out(struct mk_instance *inst, unsigned int cpu)
{
	int ret;

	if (!cpumask_test_cpu(cpu, &inst->cpus))
		return -ENXIO;
	if (cpu == inst->cpu)
		return -EINVAL;
	ret = mk_move_ask(inst, MULTIKERNEL_MSG_CPU_REMOVE, cpu);
	if (ret)
		return ret;
	mk_doorbell_cpu_leaves(inst, cpu);
	ret = mk_move_reclaim(inst, cpu);
	if (ret) {
		cpumask_set_cpu(cpu, &inst->cpus);
		return ret;
	}
	/* Given back, it comes up in the host. */
	cpumask_set_cpu(cpu, &inst->was_online);
	mk_cpus_give_back_one(inst, cpu);
	pr_info("instance %d: CPU %u moved out\n", inst->id, cpu);
	return 0;
}

/**
 * mk_instance_move_cpu - move a CPU into or out of a running instance
 * @id:  the instance
 * @buf: "+N" moves host CPU N in, "-N" moves the instance's CPU N out
 *
 * Return: 0; -EINVAL (bad syntax, not running, the host's or the
 * instance's boot CPU), -ENODEV (no such CPU), -ENOENT (no such
 * instance), +N: -EBUSY (an instance owns it), -E2BIG (the instance has
 * MULTIKERNEL_INSTANCE_CPUS), -EXDEV (a thread of its core is online in
 * the host), -ENOSPC (its boot record does not name it), -EIO (it did not
 * reach the park area); -N: -ENXIO (not the instance's); both:
 * -ETIMEDOUT (no answer in time, or the CPU did not stop: the CPU stays
 * where it may run, in the instance if it may have woken it), -EREMOTEIO
 * (the instance refused).
 */
int mk_instance_move_cpu(int id, const char *buf)
{
	struct mk_instance *inst;
	unsigned int cpu;
	int ret;

	if ((buf[0] != '+' && buf[0] != '-') || !isdigit(buf[1]) ||
	    kstrtouint(buf + 1, 10, &cpu))
		return -EINVAL;
	if (cpu >= nr_cpu_ids || !cpu_present(cpu))
		return -ENODEV;

	/* Only this instance waits for its answers: its lock, no other. */
	inst = mk_instance_lock(id);
	if (!inst)
		return -ENOENT;
	mk_instance_refresh(inst);
	if (inst->state != MK_STATE_RUNNING)
		ret = -EINVAL;
	else if (buf[0] == '+')
		ret = mk_move_in(inst, cpu);
	else
		ret = mk_move_out(inst, cpu);
	sysfs_notify(&inst->kobj, NULL, "cpus");
	mk_instance_unlock(inst);
	return ret;
}

/* The instance's end: requests from the host, in process context, in order. */
static struct workqueue_struct *mk_guest_move_wq;

struct mk_move_req {
	struct work_struct work;
	struct multikernel_msg msg;
	u32 hw_id;
};

static int mk_guest_cpu_add(u32 hw_id)
{
	int cpu, ret;

	lock_device_hotplug();
	cpu = arch_multikernel_register_cpu(hw_id);
	unlock_device_hotplug();
	if (cpu < 0)
		return cpu;
	ret = add_cpu(cpu);
	if (ret) {
		lock_device_hotplug();
		arch_multikernel_cpu_gone(cpu);
		unlock_device_hotplug();
		return ret;
	}
	pr_info("CPU %d (%#x) moved in from the host\n", cpu, hw_id);
	return 0;
}

static int mk_guest_cpu_remove(u32 hw_id)
{
	int cpu, ret;

	lock_device_hotplug();
	cpu = arch_multikernel_cpu_find(hw_id);
	if (cpu < 0) {
		ret = cpu;
	} else if (cpu == get_boot_cpu_id()) {
		ret = -EINVAL;
	} else {
		ret = device_offline(get_cpu_device(cpu));
		if (ret >= 0) {
			arch_multikernel_cpu_gone(cpu);
			ret = 0;
		}
	}
	unlock_device_hotplug();
	if (!ret)
		pr_info("CPU %d (%#x) given back to the host\n", cpu, hw_id);
	return ret;
}

static void mk_guest_move_fn(struct work_struct *work)
{
	struct mk_move_req *req = container_of(work, struct mk_move_req, work);
	unsigned int late;
	s32 answer;

	if (req->msg.type == MULTIKERNEL_MSG_CPU_ADD)
		answer = mk_guest_cpu_add(req->hw_id);
	else
		answer = mk_guest_cpu_remove(req->hw_id);
	late = mk_inject_move_late();
	if (late)
		msleep(late);
	multikernel_reply(&req->msg, &answer, sizeof(answer));
	kfree(req);
}

static void mk_guest_move(const struct multikernel_msg *msg, void *priv)
{
	struct mk_move_req *req;

	if (msg->peer != MULTIKERNEL_HOST || !msg->request ||
	    msg->len != sizeof(req->hw_id))
		return;
	req = kzalloc_obj(*req, GFP_ATOMIC);
	if (!req)
		return;
	INIT_WORK(&req->work, mk_guest_move_fn);
	req->msg = *msg;
	req->msg.data = NULL;
	memcpy(&req->hw_id, msg->data, sizeof(req->hw_id));
	/* One at a time, in order. */
	queue_work(mk_guest_move_wq, &req->work);
}

static int __init mk_guest_move_init(void)
{
	if (!mk_guest_peer())
		return 0;
	mk_guest_move_wq = alloc_ordered_workqueue("multikernel_move", 0);
	if (!mk_guest_move_wq)
		return -ENOMEM;
	return multikernel_register_handler(MULTIKERNEL_MSG_CPU_ADD,
					    mk_guest_move, NULL) ?:
	       multikernel_register_handler(MULTIKERNEL_MSG_CPU_REMOVE,
					    mk_guest_move, NULL);
}
device_initcall(mk_guest_move_init);
