// SPDX-License-Identifier: GPL-2.0-only
/*
 * The multikernel doorbell on x86: a fixed IPI sent to a physical APIC id.
 * A doorbell token holds both: (vector << 32) | APIC id.
 *
 * The host rings an instance's CPU on MULTIKERNEL_VECTOR, the instance's
 * only peer.  Each instance rings the host on an interrupt of its own,
 * allocated from the vector domain like an MSI: its vector and APIC id are
 * written where the instance reads them (the core's program callback)
 * whenever the interrupt moves, so /proc/irq/N/smp_affinity picks the host
 * CPU that takes an instance's doorbells, and a doorbell says who rang.
 */
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/multikernel.h>
#include <linux/slab.h>

#include <asm/apic.h>
#include <asm/barrier.h>
#include <asm/hardirq.h>
#include <asm/hw_irq.h>
#include <asm/idtentry.h>
#include <asm/irq_vectors.h>
#include <asm/irqdomain.h>
#include <asm/msr.h>

static u64 mk_doorbell(u32 apicid, unsigned int vector)
{
	return (u64)vector << 32 | apicid;
}

/**
 * arch_multikernel_ring_doorbell - send a doorbell IPI
 * @doorbell: from arch_multikernel_doorbell_of() or the host's interrupt;
 *            0, or a vector outside the device and multikernel vectors,
 *            rings nothing
 *
 * Everything written to shared memory before this call is visible to the
 * receiver when its interrupt runs: xAPIC ICR writes are uncached MMIO,
 * ordered after earlier stores; x2APIC ICR writes are MSR writes that do
 * not serialise, hence weak_wrmsr_fence().
 */
void arch_multikernel_ring_doorbell(u64 doorbell)
{
	unsigned int vector = doorbell >> 32;
	unsigned long flags;

	if (vector < FIRST_EXTERNAL_VECTOR || vector > MULTIKERNEL_VECTOR)
		return;
	local_irq_save(flags);
	if (x2apic_enabled())
		weak_wrmsr_fence();
	else
		apic_wait_icr_idle();
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_PHYSICAL | vector,
		       (u32)doorbell);
	local_irq_restore(flags);
}

/**
 * arch_multikernel_doorbell_of - the doorbell of an instance's CPU
 * @cpu: a present CPU, possibly offline in the host
 *
 * Return: its token: MULTIKERNEL_VECTOR at its physical APIC id.
 */
u64 arch_multikernel_doorbell_of(unsigned int cpu)
{
	return mk_doorbell(apic->cpu_present_to_apicid(cpu), MULTIKERNEL_VECTOR);
}

DEFINE_IDTENTRY_SYSVEC(sysvec_multikernel)
{
	apic_eoi();
	inc_irq_stat(MULTIKERNEL);
	multikernel_doorbell();
}

/* The host's interrupts that instances ring. */

struct mk_irq {
	void (*program)(void *data, u64 doorbell);
	void *data;
};

static struct irq_domain *mk_irq_domain;
static DEFINE_MUTEX(mk_irq_domain_lock);

/*
 * Tell the instance where to ring: the vector and CPU it has now.  The
 * CPU by its physical APIC id: cfg->dest_apicid is a logical one in
 * x2APIC cluster mode, which the instance's ICR cannot use.
 */
static void mk_irq_program(struct irq_data *irqd, bool on)
{
	struct mk_irq *mi = irq_data_get_irq_chip_data(irqd);
	const struct cpumask *eff = irq_data_get_effective_affinity_mask(irqd);
	struct irq_cfg *cfg = irqd_cfg(irqd);
	unsigned int cpu = cpumask_first(eff);
	u64 doorbell = 0;

	if (on && cpu < nr_cpu_ids && cfg->vector >= FIRST_EXTERNAL_VECTOR &&
	    cfg->vector < FIRST_SYSTEM_VECTOR)
		doorbell = mk_doorbell(apic->cpu_present_to_apicid(cpu),
				       cfg->vector);
	mi->program(mi->data, doorbell);
}

/*
 * The old vector stays until the first doorbell arrives on the new one
 * (apic_ack_edge()), so an instance that has not heard of the move yet
 * still reaches us; until then the vector domain refuses another move.
 */
static int mk_irq_set_affinity(struct irq_data *irqd,
			       const struct cpumask *mask, bool force)
{
	int ret = irq_chip_set_affinity_parent(irqd, mask, force);

	if (ret >= 0)
		mk_irq_program(irqd, true);
	return ret;
}

static struct irq_chip mk_irq_chip = {
	.name			= "MK",
	.irq_ack		= irq_chip_ack_parent,
	.irq_set_affinity	= mk_irq_set_affinity,
	.irq_retrigger		= irq_chip_retrigger_hierarchy,
	.flags			= IRQCHIP_SKIP_SET_WAKE,
};

static int mk_irq_domain_alloc(struct irq_domain *domain, unsigned int virq,
			       unsigned int nr_irqs, void *arg)
{
	struct irq_alloc_info *info = arg;
	int ret;

	if (nr_irqs != 1 || !info->data)
		return -EINVAL;
	ret = irq_domain_alloc_irqs_parent(domain, virq, nr_irqs, arg);
	if (ret < 0)
		return ret;
	irq_domain_set_info(domain, virq, virq, &mk_irq_chip, info->data,
			    handle_edge_irq, NULL, "edge");
	return 0;
}

static int mk_irq_domain_activate(struct irq_domain *domain,
				  struct irq_data *irqd, bool reserve)
{
	mk_irq_program(irqd, !reserve);
	return 0;
}

static void mk_irq_domain_deactivate(struct irq_domain *domain,
				     struct irq_data *irqd)
{
	mk_irq_program(irqd, false);
}

static const struct irq_domain_ops mk_irq_domain_ops = {
	.alloc		= mk_irq_domain_alloc,
	.free		= irq_domain_free_irqs_top,
	.activate	= mk_irq_domain_activate,
	.deactivate	= mk_irq_domain_deactivate,
};

static struct irq_domain *mk_get_irq_domain(void)
{
	struct fwnode_handle *fn;

	guard(mutex)(&mk_irq_domain_lock);
	if (mk_irq_domain)
		return mk_irq_domain;
	fn = irq_domain_alloc_named_fwnode("MULTIKERNEL");
	if (!fn)
		return NULL;
	mk_irq_domain = irq_domain_create_hierarchy(x86_vector_domain, 0, 0, fn,
						    &mk_irq_domain_ops, NULL);
	if (!mk_irq_domain)
		irq_domain_free_fwnode(fn);
	return mk_irq_domain;
}

/**
 * arch_multikernel_irq_alloc - an interrupt for an instance to ring
 * @program: called with the doorbell token the instance must ring from
 *           now on (0: none), whenever it changes; in atomic context
 * @data:    passed to @program
 *
 * The interrupt gets its vector, and @program its first call, when it is
 * requested.
 *
 * Return: the Linux interrupt number, or a negative errno.
 */
int arch_multikernel_irq_alloc(void (*program)(void *data, u64 doorbell),
			       void *data)
{
	struct irq_domain *domain = mk_get_irq_domain();
	struct irq_alloc_info info;
	struct mk_irq *mi;
	int irq;

	if (!domain)
		return -ENOMEM;
	mi = kzalloc_obj(*mi, GFP_KERNEL);
	if (!mi)
		return -ENOMEM;
	mi->program = program;
	mi->data = data;
	init_irq_alloc_info(&info, NULL);
	info.data = mi;
	irq = irq_domain_alloc_irqs(domain, 1, NUMA_NO_NODE, &info);
	if (irq < 0)
		kfree(mi);
	return irq;
}

/**
 * arch_multikernel_irq_free - give back an interrupt from arch_multikernel_irq_alloc()
 * @irq: the interrupt, freed with free_irq() already
 */
void arch_multikernel_irq_free(unsigned int irq)
{
	struct mk_irq *mi = irq_get_chip_data(irq);

	irq_domain_free_irqs(irq, 1);
	kfree(mi);
}
