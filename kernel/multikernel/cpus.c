// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUs instances own: parsing a CPU list, checking it, taking its
 * CPUs offline for an instance and giving them back.  The host refuses
 * to bring up an owned CPU, or a thread of an owned CPU's core.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/multikernel.h>
#include <linux/sched/smt.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "internal.h"

/* CPUs owned by an instance; read locklessly by the hotplug callback. */
static struct cpumask mk_owned_cpus;

bool mk_cpu_is_owned(unsigned int cpu)
{
	return cpumask_test_cpu(cpu, &mk_owned_cpus);
}

const struct cpumask *mk_owned_cpumask(void)
{
	return &mk_owned_cpus;
}

/**
 * multikernel_cpus_owned - whether another kernel runs on CPUs of this machine
 *
 * On a host: an instance owns a CPU.  In an instance: always, the host's.
 * The architecture must not send IPIs to "all" or "all but self" then.
 */
bool multikernel_cpus_owned(void)
{
	return arch_multikernel_is_instance() || !cpumask_empty(&mk_owned_cpus);
}

/* Parse "A" or "A-B" into @cpus; @n counts the CPUs. */
static int mk_cpu_range(const char *s, size_t len, struct cpumask *cpus,
			unsigned int *n)
{
	unsigned int first, last, cpu;
	char buf[24], *dash;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (!isdigit(buf[0]) || kstrtouint(buf, 10, &first))
		return -EINVAL;
	last = first;
	if (dash && (!isdigit(dash[0]) || kstrtouint(dash, 10, &last)))
		return -EINVAL;
	if (last < first)
		return -EINVAL;
	if (last - first >= MULTIKERNEL_INSTANCE_CPUS - *n)
		return -E2BIG;
	if (last >= nr_cpu_ids)
		return -ENODEV;
	for (cpu = first; cpu <= last; cpu++) {
		if (cpumask_test_and_set_cpu(cpu, cpus))
			return -EINVAL;
		(*n)++;
	}
	return 0;
}

/**
 * mk_cpulist_parse - parse the CPU list of an instance
 * @list: "2", "2-3", "1,3": as in /sys, without strides
 * @cpus: returns the CPUs
 *
 * Return: 0; -EINVAL for bad syntax, a range that runs backwards or a CPU
 * named twice, -E2BIG for more than MULTIKERNEL_INSTANCE_CPUS CPUs,
 * -ENODEV for a CPU number the kernel cannot have.
 *
 * Not cpulist_parse(): that takes a CPU named twice and strides ("0-7:2/4")
 * as well, and has one errno, -ERANGE, for a CPU beyond the mask.  An
 * instance's list is an ABI of its own: each CPU once, at most
 * MULTIKERNEL_INSTANCE_CPUS of them, and an errno for each mistake.
 */
int mk_cpulist_parse(const char *list, struct cpumask *cpus)
{
	unsigned int n = 0;
	size_t len;
	int ret;

	cpumask_clear(cpus);
	for (;;) {
		len = strcspn(list, ",");
		ret = mk_cpu_range(list, len, cpus, &n);
		if (ret)
			return ret;
		if (!list[len])
			return 0;
		list += len + 1;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mk_cpulist_parse);

/*
 * The CPU, other than @cpu, that shares @cpu's core and is in @mask; or
 * nr_cpu_ids.  An instance never shares a core with the host: threads of
 * a core share caches and branch predictors.
 */
static unsigned int mk_core_sibling(unsigned int cpu, const struct cpumask *mask)
{
	unsigned int other;

	for_each_cpu(other, mask)
		if (other != cpu && arch_multikernel_same_core(cpu, other))
			return other;
	return nr_cpu_ids;
}

/* A CPU online in the host on @cpu's core, not in @mine; or nr_cpu_ids. */
static unsigned int mk_host_sibling(unsigned int cpu, const struct cpumask *mine)
{
	unsigned int other;

	for_each_online_cpu(other)
		if (other != cpu && !mk_cpu_is_owned(other) &&
		    !cpumask_test_cpu(other, mine) &&
		    arch_multikernel_same_core(cpu, other))
			return other;
	return nr_cpu_ids;
}

/**
 * mk_cpus_check - whether an instance may have these CPUs
 * @cpus: the list; mk_lock held
 *
 * Return: 0; -ENODEV (a CPU is not present), -EINVAL (the boot CPU, or
 * the list is empty), -EBUSY (another instance owns a CPU), -EXDEV (a
 * thread of a CPU's core is online in the host and not in the list).
 */
int mk_cpus_check(const struct cpumask *cpus)
{
	unsigned int cpu, sibling;

	lockdep_assert_held(&mk_lock);
	if (cpumask_empty(cpus))
		return -EINVAL;
	for_each_cpu(cpu, cpus)
		if (!cpu_present(cpu))
			return -ENODEV;
	if (cpumask_test_cpu(get_boot_cpu_id(), cpus))
		return -EINVAL;
	if (cpumask_intersects(cpus, &mk_owned_cpus))
		return -EBUSY;
	for_each_cpu(cpu, cpus) {
		sibling = mk_host_sibling(cpu, cpus);
		if (sibling < nr_cpu_ids) {
			pr_info("CPU %u shares its core with host CPU %u: take that offline first\n",
				cpu, sibling);
			return -EXDEV;
		}
	}
	return 0;
}

/**
 * mk_cpus_take - own an instance's CPUs
 * @inst: the instance being created, its CPUs checked; mk_lock held
 *
 * Owns the CPUs, so nothing can online them (or a thread of their cores)
 * once they are down, and the hotplug code stops IPI broadcasts
 * (arch_smt_update()); mk_cpus_offline() then takes them down, without
 * mk_lock.
 *
 * Return: 0, or -EXDEV (a thread of a core came online since the check):
 * then nothing changed.
 */
int mk_cpus_take(struct mk_instance *inst)
{
	unsigned int cpu;
	int ret = 0;

	lockdep_assert_held(&mk_lock);
	cpus_read_lock();
	for_each_cpu(cpu, &inst->cpus)
		if (mk_host_sibling(cpu, &inst->cpus) < nr_cpu_ids)
			ret = -EXDEV;
	if (!ret)
		cpumask_or(&mk_owned_cpus, &mk_owned_cpus, &inst->cpus);
	cpumask_and(&inst->was_online, &inst->cpus, cpu_online_mask);
	cpus_read_unlock();
	return ret;
}

/**
 * mk_cpus_offline - take an instance's CPUs offline in the host
 * @inst: the instance being created, its CPUs owned; @inst->lock held
 *
 * Return: 0, or the error from taking a CPU offline; then
 * mk_cpus_give_back() brings back up those that went down.
 */
int mk_cpus_offline(struct mk_instance *inst)
{
	unsigned int cpu;
	int ret;

	lockdep_assert_held(&inst->lock);
	for_each_cpu(cpu, &inst->was_online) {
		ret = remove_cpu(cpu);
		if (ret) {
			pr_err("instance %d: cannot take CPU %u offline: %d\n",
			       inst->id, cpu, ret);
			return ret;
		}
	}
	arch_smt_update();
	return 0;
}

/* Bring @cpu up again if it was online before @inst took it. */
static void mk_cpu_give_back(struct mk_instance *inst, unsigned int cpu)
{
	unsigned int sibling;
	int ret;

	if (!cpumask_test_cpu(cpu, &inst->was_online) || cpu_online(cpu))
		return;
	mutex_lock(&mk_lock);
	sibling = mk_core_sibling(cpu, &mk_owned_cpus);
	mutex_unlock(&mk_lock);
	if (sibling < nr_cpu_ids) {
		pr_info("instance %d: CPU %u stays offline: its core's CPU %u belongs to an instance\n",
			inst->id, cpu, sibling);
		return;
	}
	/* An instance that owns a thread of its core meanwhile: -EBUSY. */
	ret = add_cpu(cpu);
	if (ret)
		pr_err("instance %d: cannot bring CPU %u back online: %d\n",
		       inst->id, cpu, ret);
}

/**
 * mk_cpus_give_back - give an instance's CPUs back to the host
 * @inst: an instance none of whose CPUs executes it; @inst->lock held
 *
 * The CPUs that were online before are brought up again, but for one
 * whose core's other thread still belongs to an instance.
 */
void mk_cpus_give_back(struct mk_instance *inst)
{
	unsigned int cpu;

	lockdep_assert_held(&inst->lock);
	mutex_lock(&mk_lock);
	cpumask_andnot(&mk_owned_cpus, &mk_owned_cpus, &inst->cpus);
	mutex_unlock(&mk_lock);
	for_each_cpu(cpu, &inst->was_online)
		mk_cpu_give_back(inst, cpu);
	arch_smt_update();
}

/**
 * mk_cpus_take_one - take one more CPU from the host for an instance
 * @inst: the instance; @inst->lock held
 * @cpu:  a present CPU, not the boot CPU
 *
 * Return: 0; -EBUSY (an instance owns it), -EXDEV (a thread of its core
 * is online in the host), or the error from taking it offline.  On error
 * it is the host's, as it was.
 */
int mk_cpus_take_one(struct mk_instance *inst, unsigned int cpu)
{
	unsigned int sibling = nr_cpu_ids;
	int ret = 0;

	lockdep_assert_held(&inst->lock);
	mutex_lock(&mk_lock);
	cpus_read_lock();
	if (mk_cpu_is_owned(cpu)) {
		ret = -EBUSY;
	} else {
		sibling = mk_host_sibling(cpu, cpumask_of(cpu));
		if (sibling < nr_cpu_ids)
			ret = -EXDEV;
	}
	if (!ret) {
		cpumask_set_cpu(cpu, &mk_owned_cpus);
		if (cpu_online(cpu))
			cpumask_set_cpu(cpu, &inst->was_online);
		else
			cpumask_clear_cpu(cpu, &inst->was_online);
	}
	cpus_read_unlock();
	mutex_unlock(&mk_lock);
	if (ret == -EXDEV)
		pr_info("CPU %u shares its core with host CPU %u: take that offline first\n",
			cpu, sibling);
	if (ret)
		return ret;

	if (cpumask_test_cpu(cpu, &inst->was_online)) {
		ret = remove_cpu(cpu);
		if (ret) {
			pr_err("instance %d: cannot take CPU %u offline: %d\n",
			       inst->id, cpu, ret);
			mutex_lock(&mk_lock);
			cpumask_clear_cpu(cpu, &mk_owned_cpus);
			mutex_unlock(&mk_lock);
			return ret;
		}
	}
	arch_smt_update();
	return 0;
}

/**
 * mk_cpus_give_back_one - give one CPU of an instance back to the host
 * @inst: the instance; @inst->lock held
 * @cpu:  its CPU, proven not to execute it, no longer in @inst->cpus
 *
 * The CPU comes up in the host if it was online when the instance took it.
 */
void mk_cpus_give_back_one(struct mk_instance *inst, unsigned int cpu)
{
	lockdep_assert_held(&inst->lock);
	mutex_lock(&mk_lock);
	cpumask_clear_cpu(cpu, &mk_owned_cpus);
	mutex_unlock(&mk_lock);
	mk_cpu_give_back(inst, cpu);
	cpumask_clear_cpu(cpu, &inst->was_online);
	arch_smt_update();
}

/**
 * mk_cpu_of_hw_id - the present CPU with a hardware id
 * @hw_id: as arch_multikernel_hw_id() gives it
 *
 * Return: the CPU, or nr_cpu_ids.
 */
unsigned int mk_cpu_of_hw_id(u32 hw_id)
{
	unsigned int cpu;

	for_each_present_cpu(cpu)
		if (arch_multikernel_hw_id(cpu) == hw_id)
			return cpu;
	return nr_cpu_ids;
}

/**
 * mk_cpus_claim - own a CPU an instance handed over to us runs on
 * @cpu: a present CPU, not brought up: before smp_init()
 *
 * The CPU stays down: mk_cpu_prepare() refuses to bring it up, before
 * anything is sent to it.
 */
void __init mk_cpus_claim(unsigned int cpu)
{
	cpumask_set_cpu(cpu, &mk_owned_cpus);
}

/**
 * mk_cpus_adopt - book the CPUs of an instance a previous host handed over
 * @inst: the instance being adopted, its CPUs set; mk_lock held
 *
 * They were claimed before smp_init() and never came up here; when the
 * instance is destroyed they come online as the host's.
 *
 * Return: 0, or -EBUSY when one was not claimed or is online.
 */
int mk_cpus_adopt(struct mk_instance *inst)
{
	lockdep_assert_held(&mk_lock);
	if (!cpumask_subset(&inst->cpus, &mk_owned_cpus) ||
	    cpumask_intersects(&inst->cpus, cpu_online_mask))
		return -EBUSY;
	cpumask_copy(&inst->was_online, &inst->cpus);
	return 0;
}

/* Refuse to bring up a CPU that an instance owns, or shares a core with. */
static int mk_cpu_prepare(unsigned int cpu)
{
	if (mk_cpu_is_owned(cpu) ||
	    mk_core_sibling(cpu, &mk_owned_cpus) < nr_cpu_ids)
		return -EBUSY;
	return 0;
}

/* Before smp_init(): CPUs that instances handed over run on stay down. */
static int __init mk_cpus_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"multikernel:prepare", mk_cpu_prepare,
					NULL);
	return ret < 0 ? ret : 0;
}
early_initcall(mk_cpus_init);
