// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's end of an instance's doorbell: an interrupt of its own per
 * instance, so that a doorbell says who rang.  It shows in
 * /proc/interrupts as "multikernel<id>", the operator picks the CPU that
 * takes it with /proc/irq/<irq>/smp_affinity (doorbell_irq says which
 * <irq>), and the instance is told where to ring when it moves
 * (MULTIKERNEL_MSG_DOORBELL).
 *
 * A doorbell is worth something when it brings work: a message, room in
 * a ring, a state report.  An instance that rings more than
 * mk_doorbell_limit times a second beyond that is in a doorbell storm:
 * its interrupt is disabled at once, and the monitor stops it and marks it
 * crashed.  The handler only counts and queues work, so until then each
 * doorbell costs the host CPU an interrupt entry and little more.  A
 * disabled interrupt does not stop the instance's CPU from sending the
 * IPIs, so that CPU is sent INIT from the handler at once, and the
 * monitor then stops it with proof.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/multikernel.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "internal.h"

/* The storm limit is checked over windows of this length. */
#define MK_STORM_WINDOW_MS	100

/* /sys/kernel/multikernel/doorbell_limit: doorbells a second; 0: no limit */
unsigned int mk_doorbell_limit = 10000;

/*
 * Whether this doorbell is one too many.  Called for each doorbell of the
 * instance, one at a time (the interrupt's handler is not reentered).
 */
static bool mk_doorbell_storm(struct mk_instance *inst)
{
	unsigned int limit = READ_ONCE(mk_doorbell_limit) /
			     (MSEC_PER_SEC / MK_STORM_WINDOW_MS);
	u64 traffic = mk_peer_traffic(&inst->peer);

	if (!limit)
		return false;
	if (time_after_eq(jiffies, inst->storm_end)) {
		inst->storm_end = jiffies + msecs_to_jiffies(MK_STORM_WINDOW_MS);
		inst->storm_rings = 0;
		inst->storm_traffic = traffic;
	}
	return ++inst->storm_rings > traffic - inst->storm_traffic + limit;
}

static irqreturn_t mk_doorbell_irq(int irq, void *data)
{
	struct mk_instance *inst = data;
	u32 report = READ_ONCE(inst->comm->state);
	unsigned int cpu;

	mk_peer_doorbell(&inst->peer);
	if (report == MULTIKERNEL_INSTANCE_STOPPED ||
	    report == MULTIKERNEL_INSTANCE_CRASHED)
		mk_monitor_kick();
	if (mk_doorbell_storm(inst)) {
		WRITE_ONCE(inst->storm, true);
		disable_irq_nosync(irq);
		/* The handler is off, not the doorbells: stop them now. */
		for_each_cpu(cpu, &inst->cpus)
			arch_multikernel_halt_now(cpu);
		mk_monitor_kick();
	}
	return IRQ_HANDLED;
}

/* Where the instance rings us from now on; in atomic context. */
static void mk_doorbell_program(void *data, u64 doorbell)
{
	struct mk_instance *inst = data;

	WRITE_ONCE(inst->doorbell, doorbell);
	WRITE_ONCE(inst->comm->doorbell, doorbell);
	mod_delayed_work(system_dfl_wq, &inst->doorbell_work, 0);
}

/*
 * Tell a running instance where to ring (it read comm->doorbell when it
 * booted), then look at its ring: what it sent meanwhile may have rung
 * a CPU that no longer takes its doorbells.  Retried while the ring is
 * full; ends once the instance stops.
 */
static void mk_doorbell_work(struct work_struct *work)
{
	struct mk_instance *inst = container_of(to_delayed_work(work),
						struct mk_instance,
						doorbell_work);
	u64 doorbell = READ_ONCE(inst->doorbell);
	struct mk_msg_hdr hdr = {
		.type	= MULTIKERNEL_MSG_DOORBELL,
		.len	= sizeof(doorbell),
	};

	if (mk_peer_send(&inst->peer, &hdr, &doorbell, 0) == -EAGAIN)
		queue_delayed_work(system_dfl_wq, &inst->doorbell_work,
				   msecs_to_jiffies(10));
	queue_work(system_bh_highpri_wq, &inst->peer.rx_work);
}

/**
 * mk_doorbell_create - give an instance its doorbell interrupt
 * @inst: the instance being created; its communication area exists
 *
 * Return: 0 or a negative errno.
 */
int mk_doorbell_create(struct mk_instance *inst)
{
	int irq, ret;

	INIT_DELAYED_WORK(&inst->doorbell_work, mk_doorbell_work);
	snprintf(inst->irq_name, sizeof(inst->irq_name), "multikernel%d",
		 inst->id);
	irq = arch_multikernel_irq_alloc(mk_doorbell_program, inst);
	if (irq < 0)
		return irq;
	ret = request_irq(irq, mk_doorbell_irq, 0, inst->irq_name, inst);
	if (ret) {
		arch_multikernel_irq_free(irq);
		return ret;
	}
	inst->irq = irq;
	return 0;
}

/**
 * mk_doorbell_destroy - take an instance's doorbell interrupt away
 * @inst: an instance that no longer executes
 */
void mk_doorbell_destroy(struct mk_instance *inst)
{
	if (!inst->irq)
		return;
	if (inst->storm)
		enable_irq(inst->irq);
	free_irq(inst->irq, inst);
	cancel_delayed_work_sync(&inst->doorbell_work);
	cancel_work_sync(&inst->peer.rx_work);
	arch_multikernel_irq_free(inst->irq);
	inst->irq = 0;
}

/**
 * mk_doorbell_cpu_leaves - take a CPU out of a running instance's CPUs
 * @inst: the instance; @inst->lock held
 * @cpu:  one of @inst->cpus, which the host is about to stop and take
 *
 * The storm handler INITs @inst->cpus from interrupt context; it must
 * not reach a CPU that the host has taken back.  disable_irq() waits for
 * a handler that runs, so every INIT it sends has been sent before the
 * host stops @cpu with proof (which sends its own INIT, startup IPI and
 * INIT, and takes nothing without the CPU's answer in between).
 */
void mk_doorbell_cpu_leaves(struct mk_instance *inst, unsigned int cpu)
{
	lockdep_assert_held(&inst->lock);
	disable_irq(inst->irq);
	cpumask_clear_cpu(cpu, &inst->cpus);
	enable_irq(inst->irq);
}

/**
 * mk_doorbell_start - a clean doorbell for the next start
 * @inst: an instance that does not execute; @inst->lock held
 */
void mk_doorbell_start(struct mk_instance *inst)
{
	lockdep_assert_held(&inst->lock);
	WRITE_ONCE(inst->comm->doorbell, READ_ONCE(inst->doorbell));
	inst->storm_end = jiffies;
	if (inst->storm) {
		WRITE_ONCE(inst->storm, false);
		enable_irq(inst->irq);
	}
}

/**
 * mk_doorbell_running - the instance takes messages: tell it where to ring
 * @inst: the instance
 */
void mk_doorbell_running(struct mk_instance *inst)
{
	mod_delayed_work(system_dfl_wq, &inst->doorbell_work, 0);
}
