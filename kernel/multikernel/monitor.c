// SPDX-License-Identifier: GPL-2.0-only
/*
 * Watching started instances.  An instance reports its state in its
 * communication area and rings the doorbell when it does; it ticks a
 * heartbeat there every MK_HEARTBEAT_MS without telling anyone.  The
 * monitor work reads both after a doorbell and every MK_MONITOR_MS while
 * an instance executes, and takes the transitions; so do the operations
 * that must know (load, start, stop, kill, destroy), under the
 * instance's lock.
 * Reading sysfs changes nothing.  An instance whose heartbeat
 * stood still for mk_heartbeat_timeout_ms is hung; it is running again
 * when the heartbeat moves.  One that rings its doorbell for nothing too
 * often is stopped (doorbell.c), and so is one that takes too long to
 * start or to stop.  What the instance wrote is untrusted:
 * only the transitions below are taken.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/multikernel.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "internal.h"

#define MK_MONITOR_MS	100

/* /sys/kernel/multikernel/heartbeat_timeout_ms */
unsigned int mk_heartbeat_timeout_ms = 2000;
/* /sys/kernel/multikernel/{start,stop}_timeout_ms */
unsigned int mk_start_timeout_ms = 60000;
unsigned int mk_stop_timeout_ms = 30000;

static void mk_monitor_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(mk_monitor_work, mk_monitor_fn);

/*
 * Look at every instance now, e.g. after a doorbell.  Any context.  On any
 * CPU: the one that took the doorbell may be busy with more of them.
 */
void mk_monitor_kick(void)
{
	mod_delayed_work(system_dfl_wq, &mk_monitor_work, 0);
}

static void mk_monitor_fn(struct work_struct *work)
{
	if (mk_instances_refresh())
		queue_delayed_work(system_dfl_wq, &mk_monitor_work,
				   msecs_to_jiffies(MK_MONITOR_MS));
}

/* An instance in a doorbell storm is stopped without its help. */
static void mk_check_storm(struct mk_instance *inst)
{
	if (mk_instance_reclaim_cpus(inst))
		return;
	pr_err("instance %d: doorbell storm: more than %u doorbells a second with nothing in them, stopped\n",
	       inst->id, READ_ONCE(mk_doorbell_limit));
	WRITE_ONCE(inst->reason, "doorbell storm");
	mk_instance_set_state(inst, MK_STATE_CRASHED);
}

static void mk_check_heartbeat(struct mk_instance *inst)
{
	u64 beat = READ_ONCE(inst->comm->heartbeat);
	u64 now = ktime_get_boottime_ns();

	/* Ours, for the instance: the host looks at it (live update). */
	WRITE_ONCE(inst->comm->host_heartbeat, ++inst->host_beat);

	if (beat != inst->beat) {
		inst->beat = beat;
		WRITE_ONCE(inst->beat_time, now);
		if (inst->state == MK_STATE_HUNG) {
			pr_info("instance %d: heartbeat again\n", inst->id);
			mk_instance_set_state(inst, MK_STATE_RUNNING);
		}
	} else if (inst->state == MK_STATE_RUNNING &&
		   now - inst->beat_time >
		   (u64)READ_ONCE(mk_heartbeat_timeout_ms) * NSEC_PER_MSEC) {
		pr_warn("instance %d: no heartbeat for %u ms, hung\n", inst->id,
			mk_heartbeat_timeout_ms);
		mk_instance_set_state(inst, MK_STATE_HUNG);
	}
}

/*
 * An instance that does not report running within mk_start_timeout_ms of
 * its start, or stopped within mk_stop_timeout_ms of the request, is
 * stopped without its help: crashed, with the reason.
 */
static void mk_check_timeout(struct mk_instance *inst)
{
	u64 now = ktime_get_boottime_ns(), since;
	unsigned int limit;
	const char *what;

	if (inst->state == MK_STATE_STARTING) {
		since = inst->started;
		limit = READ_ONCE(mk_start_timeout_ms);
		what = "start timeout";
	} else if (inst->state == MK_STATE_STOPPING) {
		since = inst->stop_asked;
		limit = READ_ONCE(mk_stop_timeout_ms);
		what = "stop timeout";
	} else {
		return;
	}
	if (now - since <= (u64)limit * NSEC_PER_MSEC)
		return;
	if (mk_instance_reclaim_cpus(inst))
		return;
	pr_err("instance %d: %s: no report in %u ms, stopped\n", inst->id,
	       what, limit);
	WRITE_ONCE(inst->reason, what);
	mk_instance_set_state(inst, MK_STATE_CRASHED);
}

/**
 * mk_instance_refresh - take what a started instance reported
 * @inst: the instance; @inst->lock held
 *
 * A stopped or crashed report makes the host take the CPUs back
 * (INIT), once each CPU proves it parked.
 *
 * Return: @inst's state, the reports taken.
 */
enum mk_state mk_instance_refresh(struct mk_instance *inst)
{
	u32 report;
	int ret;

	lockdep_assert_held(&inst->lock);
	switch (inst->state) {
	case MK_STATE_STARTING:
	case MK_STATE_RUNNING:
	case MK_STATE_STOPPING:
	case MK_STATE_HUNG:
		break;
	default:
		return inst->state;
	}

	if (READ_ONCE(inst->storm)) {
		mk_check_storm(inst);
		return inst->state;
	}
	report = mk_comm_state(inst);
	switch (report) {
	case MULTIKERNEL_INSTANCE_STOPPED:
	case MULTIKERNEL_INSTANCE_CRASHED:
		/*
		 * It parked its CPU, it says.  Stopping the CPU keeps it so
		 * whatever happens to its memory now (an NMI would run what
		 * is there).  Until the CPU is proven stopped it stays
		 * executing: nothing is reclaimed.
		 */
		ret = mk_instance_reclaim_cpus(inst);
		if (ret)
			return inst->state;
		if (report == MULTIKERNEL_INSTANCE_CRASHED)
			pr_err("instance %d: crashed\n", inst->id);
		mk_instance_set_state(inst, report == MULTIKERNEL_INSTANCE_CRASHED ?
					    MK_STATE_CRASHED : MK_STATE_STOPPED);
		return inst->state;
	case MULTIKERNEL_INSTANCE_RUNNING:
		if (inst->state == MK_STATE_STARTING) {
			inst->beat = READ_ONCE(inst->comm->heartbeat);
			WRITE_ONCE(inst->beat_time, ktime_get_boottime_ns());
			mk_instance_set_state(inst, MK_STATE_RUNNING);
			return inst->state;
		}
		mk_check_heartbeat(inst);
		break;
	default:
		break;
	}
	mk_check_timeout(inst);
	return inst->state;
}
