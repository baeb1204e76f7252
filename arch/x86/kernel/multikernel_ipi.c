// SPDX-License-Identifier: GPL-2.0-only
/*
 * The multikernel doorbell on x86: a fixed IPI (MULTIKERNEL_VECTOR) sent
 * to a physical APIC id.  The host rings an instance's CPU, an instance
 * rings the host's boot CPU; neither knows the other's CPUs by number, so
 * the ICR is written directly, in physical destination mode.
 */
#include <linux/multikernel.h>

#include <asm/apic.h>
#include <asm/barrier.h>
#include <asm/hardirq.h>
#include <asm/idtentry.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>

/**
 * arch_multikernel_ring_doorbell - send the multikernel IPI to one CPU
 * @target: the physical APIC id of the CPU
 *
 * Everything written to shared memory before this call is visible to the
 * receiver when its interrupt runs: xAPIC ICR writes are uncached MMIO,
 * ordered after earlier stores; x2APIC ICR writes are MSR writes that do
 * not serialise, hence weak_wrmsr_fence().
 */
void arch_multikernel_ring_doorbell(u32 target)
{
	unsigned long flags;

	local_irq_save(flags);
	if (x2apic_enabled())
		weak_wrmsr_fence();
	else
		apic_wait_icr_idle();
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_PHYSICAL | MULTIKERNEL_VECTOR,
		       target);
	local_irq_restore(flags);
}

/**
 * arch_multikernel_doorbell_of - the doorbell target of a host CPU
 * @cpu: a present CPU, possibly offline
 *
 * Return: its physical APIC id.
 */
u32 arch_multikernel_doorbell_of(unsigned int cpu)
{
	return apic->cpu_present_to_apicid(cpu);
}

DEFINE_IDTENTRY_SYSVEC(sysvec_multikernel)
{
	apic_eoi();
	inc_irq_stat(MULTIKERNEL);
	multikernel_doorbell();
}
