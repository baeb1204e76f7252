// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 multikernel host: start an instance's kernel on one of the host's
 * offline CPUs, stop it, and give it its boot parameters.
 *
 * Starting works as machine_kexec() does on the boot CPU, but on another
 * CPU and without shutting anything down: the CPU is sent through the
 * normal AP startup (multikernel_kick_ap()) into mk_ap_entry(), which
 * jumps through relocate_kernel in the image's control page, on the
 * identity map that machine_kexec_prepare() built at load time, to the
 * image's entry (purgatory).  The image was copied into place at load
 * time, so nothing is relocated.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cc_platform.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/topology.h>

#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/cpu.h>
#include <asm/e820/types.h>
#include <asm/multikernel.h>
#include <asm/sections.h>
#include <asm/setup_data.h>
#include <asm/tsc.h>

static_assert(MULTIKERNEL_CPUS_MAX == MULTIKERNEL_INSTANCE_CPUS);

/*
 * Where a kicked CPU goes, and the host's AP startup globals that
 * multikernel_kick_ap() sets (initial_code, smpboot_control): one kick at
 * a time, held until the CPU got there, as cpu_up() holds the hotplug
 * lock until its AP called in.  Instances start and stop in parallel.
 */
static DEFINE_MUTEX(mk_kick_lock);
static struct {
	struct kimage *image;
	unsigned long start;
	unsigned long park_cr3;
	unsigned long park_loop;
} mk_boot;

/*
 * Each kick gets a token, which the CPU hands back when it gets where it
 * was sent: a CPU late from an earlier kick proves nothing for this one.
 */
static u32 mk_kick_seq;
static DEFINE_PER_CPU(u32, mk_kick_token);
static DEFINE_PER_CPU(u32, mk_kick_arrived);

/* On the kicked CPU: it got there. */
static void mk_arrive(void)
{
	/* Pairs with the acquire in mk_kick(). */
	smp_store_release(this_cpu_ptr(&mk_kick_arrived), this_cpu_read(mk_kick_token));
}

/*
 * Runs on the instance's CPU, in the host, on its idle stack, IRQs off.
 * machine_kexec_prepare() copied relocate_kernel, with this image's page
 * table and control page, into the control page at load time; call it
 * there, as machine_kexec() does.
 */
static void __noreturn __nocfi mk_ap_entry(void)
{
	struct kimage *image = mk_boot.image;
	void *control_page = page_address(image->control_code_page);
	relocate_kernel_fn *relocate = control_page +
		((unsigned long)relocate_kernel - (unsigned long)__relocate_kernel_start);
	unsigned long head = image->head;
	unsigned long start = mk_boot.start;

	/* The host may reuse mk_boot from here on. */
	mk_arrive();

	cet_disable();
	relocate(head, virt_to_phys(control_page), start, 0);
	for (;;)
		native_halt();
}

ANNOTATE_NOCFI_SYM(mk_ap_entry);

/*
 * Runs on a stopped instance's CPU, in the host, IRQs off: the CPU took
 * INIT and the startup IPIs, so it no longer runs the instance's code.
 */
static void __noreturn mk_ap_stopped(void)
{
	mk_arrive();
	for (;;)
		native_halt();
}

/*
 * Send @cpu to @entry and wait until it says it got there.  One that does
 * not in time is sent INIT, so that it does not get there later.
 */
static int mk_kick(unsigned int cpu, void (*entry)(void))
{
	u32 token;
	int i, ret;

	lockdep_assert_held(&mk_kick_lock);
	token = ++mk_kick_seq ?: ++mk_kick_seq;
	per_cpu(mk_kick_arrived, cpu) = 0;
	per_cpu(mk_kick_token, cpu) = token;
	/* multikernel_kick_ap() orders these before the startup IPIs. */
	ret = multikernel_kick_ap(cpu, entry);
	if (ret)
		return ret;

	for (i = 0; i < MK_ARRIVAL_TIMEOUT_MS; i++) {
		/* Pairs with the release in mk_arrive(). */
		if (smp_load_acquire(per_cpu_ptr(&mk_kick_arrived, cpu)) == token)
			break;
		usleep_range(1000, 2000);
	}
	arch_cpuhp_cleanup_kick_cpu(cpu);
	if (i == MK_ARRIVAL_TIMEOUT_MS) {
		multikernel_reset_ap(cpu);
		return -ETIMEDOUT;
	}
	return 0;
}

/* Send @cpu through relocate_kernel to @start, physical. */
static int mk_enter(unsigned int cpu, struct kimage *image, unsigned long start)
{
	int ret;

	guard(mutex)(&mk_kick_lock);
	mk_boot.image = image;
	mk_boot.start = start;
	ret = mk_kick(cpu, mk_ap_entry);
	if (ret == -ETIMEDOUT) {
		pr_err("CPU %u did not reach the instance entry\n", cpu);
		return -EIO;
	}
	return ret;
}

/*
 * The APIC ids an instance on @cpus learns, in its order: @cpus, the boot
 * CPU (the lowest) first (@nr), then the present CPUs the host may move
 * into it later, all but the host's boot CPU (up to @nr_possible).
 */
static void mk_apic_ids(const struct cpumask *cpus, u32 *ids, u32 *nr,
			u32 *nr_possible)
{
	unsigned int cpu, n = 0;

	for_each_cpu(cpu, cpus) {
		if (n == MULTIKERNEL_CPUS_MAX)
			break;
		ids[n++] = apic->cpu_present_to_apicid(cpu);
	}
	*nr = n;
	for_each_present_cpu(cpu) {
		if (n == MULTIKERNEL_CPUS_MAX)
			break;
		if (cpu != get_boot_cpu_id() && !cpumask_test_cpu(cpu, cpus))
			ids[n++] = apic->cpu_present_to_apicid(cpu);
	}
	*nr_possible = n;
}

/* Kick each CPU of @self but the boot CPU into its slot, one at a time. */
static int mk_park_cpus(const struct multikernel_self *self,
			struct kimage *image)
{
	unsigned int boot = cpumask_first(self->cpus), cpu, n = 0;
	u32 ids[MULTIKERNEL_CPUS_MAX], nr, nr_possible;
	void *area;
	int ret = 0;

	mk_apic_ids(self->cpus, ids, &nr, &nr_possible);
	/* No CPU to park now or to move in later. */
	if (nr_possible == 1)
		return 0;
	if (WARN_ON_ONCE(mk_park_loop_end - mk_park_loop > MK_PARK_CR3))
		return -EINVAL;
	/* The loop's page table has no encryption bit: no moves either. */
	if (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT))
		return nr == 1 ? 0 : -EOPNOTSUPP;
	if (!IS_ALIGNED(self->park_base, MULTIKERNEL_PARK_SIZE))
		return -EINVAL;

	/* Written once: CPUs parked now run it until the instance stops. */
	area = memremap(self->park_base, MULTIKERNEL_PARK_SIZE, MEMREMAP_WB);
	if (!area)
		return -ENOMEM;
	ret = mk_park_fill(area, self->park_base, ids, nr, nr_possible);
	if (ret)
		goto unmap;
	for_each_cpu(cpu, self->cpus) {
		if (cpu == boot)
			continue;
		/*
		 * relocate_kernel runs on a stack in the control page: one
		 * CPU at a time, each gone to its slot before the next.
		 */
		WRITE_ONCE(*(u32 *)(area + MK_PARK_NEXT), n);
		ret = mk_enter(cpu, image, self->park_base);
		if (!ret)
			ret = mk_park_wait(area, n);
		if (ret) {
			pr_err("CPU %u did not reach the park area: %d\n", cpu, ret);
			break;
		}
		n++;
	}
unmap:
	memunmap(area);
	return ret;
}

/**
 * arch_multikernel_start - start a loaded image on offline CPUs
 * @self:  the instance: its CPUs, offline in the host, and park area
 * @image: a KEXEC_TYPE_MULTIKERNEL image
 *
 * The CPUs but the first go to the park area, where the instance wakes
 * them; the first (the boot CPU) then goes to the image's entry.
 *
 * Context: the CPU hotplug lock is held (for reading); operations on one
 * instance are serialised, those on different ones are not.
 *
 * Return: 0 once every CPU has left the host for the instance; -EIO when
 * one did not get there in time, -EOPNOTSUPP for several CPUs on a host
 * with memory encryption, or the error of
 * multikernel_kick_ap().  On error, CPUs that left may still run the
 * instance's code: stop them with arch_multikernel_reclaim_cpu().
 */
int arch_multikernel_start(const struct multikernel_self *self,
			   struct kimage *image)
{
	return mk_park_cpus(self, image) ?:
	       mk_enter(cpumask_first(self->cpus), image, image->start);
}

/*
 * Runs on a CPU moved into a running instance, in the host, on its idle
 * stack, IRQs off: to the park area's loop, at its physical address.
 */
static void __noreturn __nocfi mk_ap_park(void)
{
	unsigned long cr3 = mk_boot.park_cr3, loop = mk_boot.park_loop;

	/* The host may reuse mk_boot from here on. */
	mk_arrive();

	cet_disable();
	mk_park_jump(cr3, loop);
	for (;;)
		native_halt();
}

ANNOTATE_NOCFI_SYM(mk_ap_park);

/**
 * arch_multikernel_hw_id - how an instance names a CPU
 * @cpu: a present CPU
 *
 * Return: its APIC id.
 */
u32 arch_multikernel_hw_id(unsigned int cpu)
{
	return apic->cpu_present_to_apicid(cpu);
}

/* The park area of a running instance, to move a CPU in or out of it. */
static void *mk_park_map(const struct multikernel_self *self)
{
	if (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT) ||
	    !IS_ALIGNED(self->park_base, MULTIKERNEL_PARK_SIZE))
		return NULL;
	return memremap(self->park_base, MULTIKERNEL_PARK_SIZE, MEMREMAP_WB);
}

/**
 * arch_multikernel_park_cpu - send a CPU to a running instance's park area
 * @self: the instance
 * @cpu:  a CPU the instance owns, offline in the host
 *
 * The CPU waits in the slot the instance's boot record gives it, until
 * the instance wakes it.  Only that slot and the move page table are
 * written: CPUs the instance has not woken may run the rest.
 *
 * Context: as arch_multikernel_start(); the instance runs.
 *
 * Return: 0 once the CPU waits there; -ENOSPC (the boot record did not
 * name it: more than MULTIKERNEL_CPUS_MAX CPUs), -EOPNOTSUPP (a host with
 * memory encryption), -ENOMEM, -EIO (it did not get there in time), or
 * the error of multikernel_kick_ap().  On error the CPU may have left the
 * host: stop it with arch_multikernel_reclaim_cpu().
 */
int arch_multikernel_park_cpu(const struct multikernel_self *self,
			      unsigned int cpu)
{
	phys_addr_t pa = self->park_base;
	void *area;
	int n, ret;

	if (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT))
		return -EOPNOTSUPP;
	area = mk_park_map(self);
	if (!area)
		return -ENOMEM;
	n = mk_park_find_slot(area, apic->cpu_present_to_apicid(cpu));
	ret = n < 0 ? n : mk_park_move_prepare(area, pa, n);
	if (ret)
		goto unmap;

	scoped_guard(mutex, &mk_kick_lock) {
		mk_boot.park_cr3 = pa + MK_PARK_MOVE_PGT;
		mk_boot.park_loop = pa;
		ret = mk_kick(cpu, mk_ap_park);
	}
	if (!ret)
		ret = mk_park_wait(area, n);
	else if (ret == -ETIMEDOUT)
		ret = -EIO;
unmap:
	memunmap(area);
	return ret;
}

/**
 * arch_multikernel_cancel_park - keep the instance from waking a CPU
 * @self: the instance
 * @cpu:  a CPU arch_multikernel_park_cpu() sent to it
 *
 * For a move the host gives up on: the CPU stays in the park loop, to be
 * stopped, unless the instance woke it first (one compare-and-exchange
 * on the slot's command decides, on both sides).
 *
 * Return: true if the instance will never wake the CPU; false if it
 * woke it, or may have.
 */
bool arch_multikernel_cancel_park(const struct multikernel_self *self,
				  unsigned int cpu)
{
	void *area = mk_park_map(self);
	bool cancelled;
	int n;

	if (!area)
		return false;
	n = mk_park_find_slot(area, apic->cpu_present_to_apicid(cpu));
	cancelled = n >= 0 &&
		    !cmpxchg(&mk_park_slot(area, n)->command, 0, MK_PARK_CANCEL);
	memunmap(area);
	return cancelled;
}

/**
 * arch_multikernel_reclaim_cpu - stop an instance's CPU without its help
 * @cpu: the instance's CPU
 *
 * INIT is not enough: a CPU in VMX root mode, or in SVM with GIF clear,
 * does not take it and goes on running the instance.  So the CPU is sent
 * INIT, then through the startup IPIs to a host stub that says it got
 * there, then INIT again, to wait for the next start.  Only a CPU that
 * reached the stub has proven that it stopped.
 *
 * Context: as arch_multikernel_start().
 *
 * Return: 0 once the CPU is proven stopped; -ETIMEDOUT when it did not
 * reach the stub (it may still run the instance: reclaim nothing), or
 * another error of multikernel_kick_ap() (-EINVAL: the CPU is online).
 */
int arch_multikernel_reclaim_cpu(unsigned int cpu)
{
	int ret;

	guard(mutex)(&mk_kick_lock);
	ret = multikernel_reset_ap(cpu) ?: mk_kick(cpu, mk_ap_stopped);
	if (ret)
		return ret;
	return multikernel_reset_ap(cpu);
}

/**
 * arch_multikernel_halt_now - stop an instance's CPU at once
 * @cpu: the instance's CPU
 *
 * Context: interrupts off (the ICR is written in two parts in xAPIC mode);
 * hard interrupt handlers too.
 *
 * Sends INIT and waits for nothing (send_init_sequence() would wait
 * init_udelay between assert and de-assert): a CPU that takes it stops running the
 * instance there and then (a doorbell storm ends at once, not when the
 * monitor gets to it).  It proves nothing: arch_multikernel_reclaim_cpu() must
 * follow before anything is reclaimed.
 */
void arch_multikernel_halt_now(unsigned int cpu)
{
	apic_wait_icr_idle();
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT,
		       apic->cpu_present_to_apicid(cpu));
}

/**
 * arch_multikernel_same_core - whether two CPUs are threads of one core
 * @a: a present CPU, online or not
 * @b: another
 *
 * Threads of a core share its caches, branch predictors and microcode:
 * the host keeps them together.  From the APIC ids, which are known for
 * offline CPUs too (the sibling masks are not).
 *
 * Return: true if they share a core.
 */
bool arch_multikernel_same_core(unsigned int a, unsigned int b)
{
	unsigned int shift = x86_topo_system.dom_shifts[TOPO_SMT_DOMAIN];

	return apic->cpu_present_to_apicid(a) >> shift ==
	       apic->cpu_present_to_apicid(b) >> shift;
}

/* What an instance must know of this host. */
static void mk_fill_record(struct multikernel_setup_data *mk,
			   const struct multikernel_self *self)
{
	memset(mk, 0, sizeof(*mk));
	mk->version = MULTIKERNEL_SETUP_VERSION;
	mk->id = self->id;
	mk->tsc_khz = tsc_khz;
	mk->lapic_timer_period = lapic_timer_period;
	mk->hz = HZ;
	mk->comm_base = self->comm_base;
	mk->comm_size = self->comm_size;
	mk->park_base = self->park_base;
	mk_apic_ids(self->cpus, mk->apic_ids, &mk->nr_cpus, &mk->nr_possible);
}

/**
 * arch_multikernel_boot_record - the record an instance's boot loader passes
 * @self: the instance as it will see itself
 * @buf:  where to put the record
 * @size: room in @buf
 *
 * On x86 a struct multikernel_setup_data, to be passed as the data of a
 * SETUP_MULTIKERNEL setup_data entry by loaders that build the boot
 * parameters themselves (kexec_load()).
 *
 * Return: its size, or -ENOSPC.
 */
ssize_t arch_multikernel_boot_record(const struct multikernel_self *self,
				     void *buf, size_t size)
{
	if (size < sizeof(struct multikernel_setup_data))
		return -ENOSPC;
	mk_fill_record(buf, self);
	return sizeof(struct multikernel_setup_data);
}

/*
 * Whether a kexec_load() image will boot as this instance: follow its
 * boot_params to its SETUP_MULTIKERNEL record.  Everything read was
 * written by userspace, so every address must lie in the instance's
 * memory and the walk is bounded.
 */
static int mk_find_record(struct kimage *image,
			  const struct multikernel_setup_data *exp)
{
	const struct resource *res = image->mk_res;
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++) {
		const struct kexec_segment *seg = &image->segment[i];
		const struct boot_params *bp;
		u64 pa;
		int n;

		if (seg->memsz < sizeof(*bp))
			continue;
		bp = phys_to_virt(seg->mem);
		if (bp->hdr.header != 0x53726448 ||	/* "HdrS" */
		    bp->hdr.hardware_subarch != X86_SUBARCH_MULTIKERNEL)
			continue;

		pa = bp->hdr.setup_data;
		for (n = 0; pa && n < 16; n++) {
			const struct setup_data *sd;
			const struct multikernel_setup_data *mk;
			u64 last;

			if (pa < res->start ||
			    check_add_overflow(pa, sizeof(*sd) + sizeof(*mk) - 1, &last) ||
			    last > res->end)
				return -EINVAL;
			sd = phys_to_virt(pa);
			if (sd->type != SETUP_MULTIKERNEL) {
				pa = sd->next;
				continue;
			}
			mk = (const void *)sd->data;
			if (sd->len < sizeof(*mk) ||
			    mk->version != MULTIKERNEL_SETUP_VERSION ||
			    mk->id != exp->id ||
			    mk->comm_base != exp->comm_base ||
			    mk->park_base != exp->park_base ||
			    mk->nr_cpus != exp->nr_cpus ||
			    mk->nr_possible != exp->nr_possible ||
			    memcmp(mk->apic_ids, exp->apic_ids, sizeof(exp->apic_ids)))
				return -EINVAL;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * arch_multikernel_prepare - check that an image can be started
 * @image: a KEXEC_TYPE_MULTIKERNEL image
 *
 * kexec_file_load() images got their SETUP_MULTIKERNEL record from the
 * host; a kexec_load() image must carry one (from boot_record) that
 * names this instance: its id, CPUs, communication and park areas.
 *
 * Return: 0, or -EINVAL for an image that would not boot as an instance.
 */
int arch_multikernel_prepare(struct kimage *image)
{
	struct multikernel_setup_data exp;
	struct multikernel_self self;

	if (image->file_mode)
		return 0;
	multikernel_image_self(image, &self);
	mk_fill_record(&exp, &self);
	return mk_find_record(image, &exp);
}

/**
 * multikernel_setup_boot_params - boot parameters of a multikernel instance
 * @image:            the KEXEC_TYPE_MULTIKERNEL image being loaded
 * @params:           its boot_params, at @params_load_addr in its memory
 * @params_load_addr: physical address of @params
 * @setup_data_offset: free room in @params for a setup_data record
 *
 * The instance sees its own memory and nothing of the platform's firmware:
 * no ACPI, no EFI, no screen; it learns that it is an instance, and where
 * its communication area is, from the subarch and the SETUP_MULTIKERNEL
 * record.
 */
void multikernel_setup_boot_params(struct kimage *image,
				   struct boot_params *params,
				   unsigned long params_load_addr,
				   unsigned int setup_data_offset)
{
	struct setup_data *sd = (void *)params + setup_data_offset;
	struct multikernel_setup_data *mk = (void *)sd->data;
	struct resource *res = image->mk_res;
	struct multikernel_self self;

	params->hdr.hardware_subarch = X86_SUBARCH_MULTIKERNEL;
	params->acpi_rsdp_addr = 0;
	memset(&params->screen_info, 0, sizeof(params->screen_info));
	memset(&params->efi_info, 0, sizeof(params->efi_info));

	/* Two entries: the kernel ignores an e820 table with only one. */
	params->e820_table[0].addr = res->start;
	params->e820_table[0].size = SZ_1M;
	params->e820_table[0].type = E820_TYPE_RAM;
	params->e820_table[1].addr = res->start + SZ_1M;
	params->e820_table[1].size = resource_size(res) - SZ_1M;
	params->e820_table[1].type = E820_TYPE_RAM;
	params->e820_entries = 2;

	multikernel_image_self(image, &self);
	mk_fill_record(mk, &self);

	sd->type = SETUP_MULTIKERNEL;
	sd->len = sizeof(*mk);
	sd->next = params->hdr.setup_data;
	params->hdr.setup_data = params_load_addr + setup_data_offset;
}
