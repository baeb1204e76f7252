// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update, the old host's half: the host kexecs into a new kernel
 * while instances run, and hands them over through KHO.
 *
 * kexec -e is refused (EBUSY, with the reason in the log) while an
 * instance executes, unless every executing instance runs and answers,
 * and the loaded kernel can adopt them: it was loaded with
 * kexec_file_load() with KHO on, its image says it adopts instances
 * (x86: XLF_MULTIKERNEL), its command line names this pool and it will
 * run this kernel's paging mode (x86: no5lvl).  Then the reboot notifier
 * asks each instance to ring nothing (host_away), stops using its rings
 * and records it in the "multikernel" KHO blob (handover.h) for adopt.c
 * in the next kernel.  Nothing of the instance is touched: its CPUs,
 * memory and communication area stay as they are.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/err.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kernel.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "comm.h"
#include "handover.h"
#include "internal.h"

/* How long an instance has to answer a ping or MULTIKERNEL_MSG_HOST_AWAY. */
#define MK_HANDOVER_ANSWER_MS	1000

/* Why @image cannot adopt the instances, or NULL when it can. */
static const char *mk_handover_refusal(const struct kimage *image)
{
	if (!IS_ENABLED(CONFIG_KEXEC_HANDOVER))
		return "this kernel has no KHO (CONFIG_KEXEC_HANDOVER)";
	if (!kho_is_enabled())
		return "KHO is off (boot the host with kho=on)";
	if (!image)
		return "no kernel is loaded";
	if (!image->file_mode)
		return "the new kernel was loaded with kexec_load(), not kexec -s";
	if (!image->mk_adopts)
		return "the new kernel cannot adopt instances (its image does not say so)";
	if (!mk_host_pool.size || image->mk_pool_size != mk_host_pool.size ||
	    image->mk_pool_base != mk_host_pool.base)
		return "the new kernel's command line does not name this pool";
	if (image->mk_other_paging)
		return "the new kernel would run another paging mode (no5lvl)";
	return NULL;
}

/* Whether a running @inst answers a ping.  @inst->lock held. */
static bool mk_handover_answers(struct mk_instance *inst)
{
	return mk_peer_call(&inst->peer, MULTIKERNEL_MSG_PING, NULL, 0, NULL, 0,
			    msecs_to_jiffies(MK_HANDOVER_ANSWER_MS)) >= 0;
}

/**
 * multikernel_host_kexec_check - whether the host may kexec now
 *
 * An executing instance's CPU goes on writing its memory, which a next
 * host kernel that does not know it would take as free: refuse, unless
 * the loaded kernel adopts every executing instance (live update).  An
 * instance that does not execute (empty, loaded, stopped, crashed) is
 * not handed over: it ends with this kernel.
 *
 * Return: 0, or -EBUSY (and a log line saying why).
 */
int multikernel_host_kexec_check(void)
{
	const char *why = NULL;
	struct mk_instance *inst;
	int n = 0;

	if (!mk_kexec_trylock())
		return -EBUSY;
	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		mutex_lock(&inst->lock);
		if (!inst->gone &&
		    mk_state_executing(mk_instance_refresh(inst))) {
			why = mk_handover_refusal(kexec_image);
			if (!why && ++n > MK_HANDOVER_MAX)
				why = "more instances run than one handover carries";
			if (!why && inst->state != MK_STATE_RUNNING)
				why = "it is not running";
			if (!why && !mk_handover_answers(inst))
				why = "it does not answer";
		}
		mutex_unlock(&inst->lock);
		if (why)
			break;
	}
	mk_kexec_unlock();
	if (!why)
		return 0;
	pr_warn("host kexec refused: instance %d executes and %s\n", inst->id,
		why);
	kobject_put(&inst->kobj);
	return -EBUSY;
}

/* Record @inst, which rings nothing any more, in @ho.  @inst->lock held. */
static void mk_handover_record(struct mk_handover *ho, struct mk_instance *inst)
{
	struct mk_handover_instance *rec = &ho->inst[ho->nr++];
	struct mk_peer *peer = &inst->peer;
	unsigned int cpu;
	int i;

	/* Nothing uses the rings after this: the positions are final. */
	mk_instance_disconnect(inst);

	rec->id = inst->id;
	rec->vsock_cid = inst->vsock_cid;
	rec->hw_ids[rec->nr_cpus++] = arch_multikernel_hw_id(inst->cpu);
	for_each_cpu(cpu, &inst->cpus)
		if (cpu != inst->cpu)
			rec->hw_ids[rec->nr_cpus++] = arch_multikernel_hw_id(cpu);
	for_each_cpu(cpu, &inst->boot_cpus)
		rec->boot_hw_ids[rec->nr_boot_cpus++] = arch_multikernel_hw_id(cpu);
	rec->mem_base = inst->mem_base;
	rec->mem_size = inst->mem_size;
	rec->comm_base = inst->comm_base;
	rec->doorbell = peer->doorbell;
	rec->boot_ns = inst->boot_ns;
	rec->doorbells = atomic64_read(&peer->doorbells);
	rec->recovery = inst->recovery;
	rec->crash_count = inst->crash_count;
	rec->epoch = inst->epoch;
	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++) {
		struct multikernel_link *link = &peer->links[i];

		rec->links[i].tx_head = link->tx.head;
		rec->links[i].rx_tail = link->rx.tail;
		rec->links[i].sent = atomic64_read(&link->sent);
		rec->links[i].received = atomic64_read(&link->received);
		rec->links[i].dropped = atomic64_read(&link->dropped);
	}
}

/* The blob, preserved and named in the KHO tree; NULL on failure. */
static struct mk_handover *mk_handover_blob(void)
{
	struct mk_handover *ho;
	int ret;

	ho = kho_alloc_preserve(sizeof(*ho));
	if (IS_ERR(ho)) {
		pr_err("no memory for the handover: %pe\n", ho);
		return NULL;
	}
	ret = kho_add_subtree(MK_HANDOVER_NAME, ho, sizeof(*ho));
	if (ret) {
		pr_err("cannot add the handover to KHO: %d\n", ret);
		kho_unpreserve_free(ho);
		return NULL;
	}
	ho->version = MK_HANDOVER_VERSION;
	ho->pool_base = mk_host_pool.base;
	ho->pool_size = mk_host_pool.size;
	ho->heartbeat_timeout_ms = READ_ONCE(mk_heartbeat_timeout_ms);
	ho->start_timeout_ms = READ_ONCE(mk_start_timeout_ms);
	ho->stop_timeout_ms = READ_ONCE(mk_stop_timeout_ms);
	ho->doorbell_limit = READ_ONCE(mk_doorbell_limit);
	return ho;
}

/*
 * Hand @inst over in *@ho (made on first use) if it runs, unless @why.
 * @inst->lock held.  Return: 0, or -ENOMEM (no blob) or -ENOSPC (the
 * blob is full) to stop.
 */
static int mk_handover_one(struct mk_handover **ho, struct mk_instance *inst,
			   const char *why)
{
	ssize_t ret;

	mk_instance_refresh(inst);
	if (inst->state != MK_STATE_RUNNING)
		return 0;
	if (why) {
		pr_warn("instance %d: not handed over: %s\n", inst->id, why);
		return 0;
	}
	if (!*ho)
		*ho = mk_handover_blob();
	if (!*ho)
		return -ENOMEM;
	ret = mk_peer_call(&inst->peer, MULTIKERNEL_MSG_HOST_AWAY, NULL, 0,
			   NULL, 0, msecs_to_jiffies(MK_HANDOVER_ANSWER_MS));
	if (ret < 0) {
		pr_warn("instance %d: not handed over: no answer (%zd)\n",
			inst->id, ret);
		return 0;
	}
	mk_handover_record(*ho, inst);
	/* It runs on, for the next kernel: nothing here may touch it. */
	inst->gone = true;
	mutex_lock(&mk_lock);
	xa_erase(&mk_instances, inst->id);
	mutex_unlock(&mk_lock);
	pr_info("instance %d: handed over to the next kernel\n", inst->id);
	return (*ho)->nr == MK_HANDOVER_MAX ? -ENOSPC : 0;
}

/**
 * mk_handover_freeze - hand the running instances to the kernel kexec runs
 *
 * From the reboot notifier of a kexec, which can no longer fail: the
 * kexec lock is held and kexec_image is the kernel that will run.  Each
 * running instance that confirms it rings nothing is recorded and leaves
 * this kernel's books; the others stay, and the reboot stops or kills
 * them as it does for any restart.
 */
void mk_handover_freeze(void)
{
	const char *why = mk_handover_refusal(kexec_image);
	struct mk_handover *ho = NULL;
	struct mk_instance *inst;
	int ret;

	WRITE_ONCE(mk_host_going_down, true);
	for (inst = mk_instance_next(NULL); inst;
	     inst = mk_instance_next(inst)) {
		mutex_lock(&inst->lock);
		ret = inst->gone ? 0 : mk_handover_one(&ho, inst, why);
		mutex_unlock(&inst->lock);
		if (ret) {
			kobject_put(&inst->kobj);
			break;
		}
	}
	/* Valid once complete: the next kernel checks this first. */
	if (ho)
		ho->magic = MK_HANDOVER_MAGIC;
}
