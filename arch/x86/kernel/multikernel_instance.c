// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running as a multikernel instance (X86_SUBARCH_MULTIKERNEL): a kernel
 * started by another running kernel (the host) on one of its CPUs and part
 * of its memory.
 *
 * The platform's shared devices belong to the host, so the instance leaves
 * them alone: no ACPI, MP table, 8259, IO-APIC, PIT, HPET, RTC, i8042, PCI,
 * BIOS/ROM/DMI scanning or real-mode trampoline, and no legacy UART but the
 * one its command line names with multikernel_uart=ttyS<n> (polled), a
 * debugging aid for a port the host does not use.  The TSC and APIC timer frequencies
 * come from the host in the SETUP_MULTIKERNEL record; without a TSC
 * frequency the instance does not boot (it would need the PIT).  Restart, halt and
 * power off park the CPU instead of touching reset hardware and tell the
 * host (kernel/multikernel/guest.c).
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/acpi.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/multikernel.h>
#include <linux/panic.h>
#include <linux/pgtable.h>
#include <linux/serial_8250.h>

#include <asm/apic.h>
#include <asm/bootparam.h>
#include <asm/cmdline.h>
#include <asm/i8259.h>
#include <asm/init.h>
#include <asm/mpspec.h>
#include <asm/multikernel.h>
#include <asm/pci_x86.h>
#include <asm/realmode.h>
#include <asm/reboot.h>
#include <asm/setup.h>
#include <asm/setup_data.h>
#include <asm/x86_init.h>

static struct multikernel_setup_data mk_setup __ro_after_init;
/* The legacy UART multikernel_uart= gave the instance, or 0. */
static unsigned long mk_uart_iobase __ro_after_init;

static bool mk_is_instance(void)
{
	return boot_params.hdr.hardware_subarch == X86_SUBARCH_MULTIKERNEL;
}

/**
 * arch_multikernel_is_instance - whether this kernel runs as an instance
 *
 * Return: true from the start of an instance's boot.
 */
bool arch_multikernel_is_instance(void)
{
	return mk_is_instance();
}

/**
 * arch_multikernel_self - what this kernel knows of its host
 * @self: filled in when this kernel is an instance
 *
 * Return: whether this kernel is an instance.
 */
bool arch_multikernel_self(struct multikernel_self *self)
{
	if (!mk_is_instance())
		return false;
	self->id = mk_setup.id;
	self->comm_base = mk_setup.comm_base;
	self->comm_size = mk_setup.comm_size;
	return true;
}

static unsigned long mk_tsc_khz(void)
{
	return mk_setup.tsc_khz;
}

static void __init mk_timer_init(void)
{
	if (mk_setup.lapic_timer_period && mk_setup.hz == HZ)
		lapic_timer_period = mk_setup.lapic_timer_period;
}

/* The park area, mapped; the page table its CPUs wake up on. */
static void *mk_park_area;
static pgd_t *mk_wakeup_pgd;

static void *mk_alloc_pgt_page(void *unused)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

/*
 * The page table a CPU leaves the park area on: the kernel's half of
 * init_top_pgt, as in the real-mode trampoline's, and the park area at
 * its physical address (the CPU runs there when it loads this).
 */
static int mk_wakeup_prepare(void)
{
	struct x86_mapping_info info = {
		.alloc_pgt_page	= mk_alloc_pgt_page,
		.page_flag	= __PAGE_KERNEL_LARGE_EXEC,
		.kernpg_flag	= _KERNPG_TABLE,
	};
	pgd_t *pgd;
	int i;

	if (mk_wakeup_pgd)
		return 0;
	mk_park_area = memremap(mk_setup.park_base, MULTIKERNEL_PARK_SIZE, MEMREMAP_WB);
	pgd = mk_alloc_pgt_page(NULL);
	if (!mk_park_area || !pgd)
		return -ENOMEM;
	for (i = pgd_index(__PAGE_OFFSET); i < PTRS_PER_PGD; i++)
		pgd[i] = init_top_pgt[i];
	if (kernel_ident_mapping_init(&info, pgd, mk_setup.park_base,
				      mk_setup.park_base + MULTIKERNEL_PARK_SIZE))
		return -ENOMEM;
	mk_wakeup_pgd = pgd;
	return 0;
}

/*
 * The park slot of the CPU with APIC id @apicid: the boot record's order
 * without the boot CPU, which has none.  -ENODEV for a CPU it does not
 * name.
 */
static int mk_park_index(u32 apicid)
{
	unsigned int i;

	for (i = 1; i < mk_setup.nr_possible; i++)
		if (mk_setup.apic_ids[i] == apicid)
			return i - 1;
	return -ENODEV;
}

/*
 * apic->wakeup_secondary_cpu_64: wake a CPU the host parked for us (no
 * INIT or startup IPI; there is no real-mode trampoline for @start_ip).
 * It goes to secondary_startup_64() with the CPU number do_boot_cpu() put
 * in smpboot_control.
 */
static int mk_wakeup_cpu(u32 apicid, unsigned long start_ip, unsigned int cpu)
{
	struct mk_park_slot *slot;
	unsigned int i;
	int n, ret;

	n = mk_park_index(apicid);
	if (n < 0)
		return n;
	ret = mk_wakeup_prepare();
	if (ret)
		return ret;
	slot = mk_park_slot(mk_park_area, n);
	if (READ_ONCE(slot->apic_id) != apicid || !READ_ONCE(slot->parked))
		return -EBUSY;
	/*
	 * A CR3 write keeps CR4.LA57: a CPU parked by a host of the other
	 * paging mode (a live update that should have been refused) would
	 * walk our page table with the wrong number of levels.
	 */
	if ((READ_ONCE(slot->cr4) ^ native_read_cr4()) & X86_CR4_LA57) {
		pr_err("instance: CPU %u (APIC %#x) is parked in the other paging mode\n",
		       cpu, apicid);
		return -EINVAL;
	}

	WRITE_ONCE(slot->cr3, __pa(mk_wakeup_pgd));
	WRITE_ONCE(slot->vector, (unsigned long)secondary_startup_64);
	/*
	 * The CPU sees the command last (a locked instruction orders the
	 * stores before it).  The host may have cancelled the move that
	 * brought the CPU: then it is not ours to wake.
	 */
	if (cmpxchg(&slot->command, 0, MK_PARK_WAKE))
		return -EBUSY;
	for (i = 0; i < 1000; i++) {
		if (READ_ONCE(slot->command) == MK_PARK_WOKEN)
			return 0;
		mdelay(1);
	}
	pr_err("instance: CPU %u (APIC %#x) did not leave the park area\n",
	       cpu, apicid);
	return -EIO;
}

/*
 * Our CPUs' local APICs, from the boot record, and no other CPU, IO-APIC
 * or interrupt routing.  The CPUs the host may move in later are there
 * as not present, as firmware lists hot-pluggable CPUs.
 */
static void __init mk_parse_smp_config(void)
{
	unsigned int i;

	register_lapic_address(APIC_DEFAULT_PHYS_BASE);
	multikernel_topology_boot_cpu_is_bsp();
	for (i = 1; i < mk_setup.nr_possible; i++)
		topology_register_apic(mk_setup.apic_ids[i], CPU_ACPIID_INVALID,
				       i < mk_setup.nr_cpus);
	if (mk_setup.nr_possible > 1)
		apic_update_callback(wakeup_secondary_cpu_64, mk_wakeup_cpu);
	smp_found_config = 1;
}

/* The present CPU with APIC id @apicid, or -ENODEV. */
static int mk_cpu_of(u32 apicid)
{
	unsigned int cpu;

	for_each_present_cpu(cpu)
		if (per_cpu(x86_cpu_to_apicid, cpu) == apicid)
			return cpu;
	return -ENODEV;
}

/**
 * arch_multikernel_register_cpu - make a CPU the host moved in present
 * @hw_id: its APIC id
 *
 * Context: process context; the CPU device hotplug lock is held.
 *
 * Return: its CPU number, to bring up; -ENODEV (the boot record does not
 * name it), -EEXIST (it is ours already), or as arch_register_cpu().
 */
int arch_multikernel_register_cpu(u32 hw_id)
{
	int cpu, ret;

	if (mk_park_index(hw_id) < 0)
		return -ENODEV;
	if (mk_cpu_of(hw_id) >= 0)
		return -EEXIST;
	cpu = topology_hotplug_apic(hw_id, CPU_ACPIID_INVALID);
	if (cpu < 0)
		return cpu;
	ret = arch_register_cpu(cpu);
	if (ret) {
		topology_hotunplug_apic(cpu);
		return ret;
	}
	return cpu;
}

/**
 * arch_multikernel_cpu_find - the CPU the host wants back
 * @hw_id: its APIC id
 *
 * Return: its CPU number, or -ENODEV.
 */
int arch_multikernel_cpu_find(u32 hw_id)
{
	return mk_cpu_of(hw_id);
}

/**
 * arch_multikernel_cpu_gone - forget an offline CPU given back to the host
 * @cpu: offline
 *
 * Context: the CPU device hotplug lock is held.
 */
void arch_multikernel_cpu_gone(unsigned int cpu)
{
	arch_unregister_cpu(cpu);
	topology_hotunplug_apic(cpu);
}

static void mk_get_wallclock(struct timespec64 *now)
{
	now->tv_sec = 0;
	now->tv_nsec = 0;
}

static int mk_set_wallclock(const struct timespec64 *now)
{
	return -ENODEV;
}

static unsigned char mk_get_nmi_reason(void)
{
	return 0;
}

static bool mk_x2apic_available(void)
{
	return x2apic_enabled();
}

/*
 * Without interrupt remapping, x2APIC mode brings up only CPUs that an
 * IOAPIC or MSI can reach: APIC ids up to 255, unless MSIs carry an
 * extended destination.  An instance has neither an IOAPIC nor MSIs (no
 * ACPI, no PCI): only IPIs, which reach every APIC id in x2APIC mode.
 */
static bool mk_msi_ext_dest_id(void)
{
	return true;
}

#ifdef CONFIG_PCI
/* The PCI buses are the host's: no config space access method at all. */
static int __init mk_pci_arch_init(void)
{
	return 0;
}
#endif

static void __noreturn mk_park(void)
{
	local_irq_disable();
	multikernel_report(MULTIKERNEL_INSTANCE_STOPPED);
	stop_this_cpu(NULL);
}

static void mk_restart(char *cmd)
{
	mk_park();
}

/* multikernel_uart=ttyS<n>: the instance may drive that legacy UART. */
static int __init mk_uart_setup(char *arg)
{
	static const unsigned long iobase[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	unsigned int n;

	if (!arg || sscanf(arg, "ttyS%u", &n) != 1 || n >= ARRAY_SIZE(iobase))
		return -EINVAL;
	mk_uart_iobase = iobase[n];
	return 0;
}
early_param("multikernel_uart", mk_uart_setup);

#ifdef CONFIG_SERIAL_8250
static void mk_serial_fixup(int port, struct uart_port *up, u32 *capabilities)
{
	if (!mk_uart_iobase || up->iobase != mk_uart_iobase)
		up->iobase = 0;
	else
		up->irq = 0;
}
#endif

/*
 * earlyprintk= drives a UART before instance mode could refuse it (early
 * params are parsed after arch_setup): without multikernel_uart= it is
 * not the instance's, so it is not parsed at all.
 */
static void __init mk_refuse_earlyprintk(void)
{
	char *p = boot_command_line;

	if (strstr(boot_command_line, "multikernel_uart="))
		return;
	while ((p = strstr(p, "earlyprintk="))) {
		if (p == boot_command_line || p[-1] == ' ') {
			pr_warn("instance: earlyprintk= ignored: no multikernel_uart=\n");
			/* Now an unknown parameter, which init gets. */
			*p = 'x';
		}
		p++;
	}
}

static void __init mk_arch_setup(void)
{
	u64 pa = boot_params.hdr.setup_data;
	struct setup_data hdr;
	void *p;

	while (pa) {
		p = early_memremap(pa, sizeof(hdr));
		memcpy(&hdr, p, sizeof(hdr));
		early_memunmap(p, sizeof(hdr));
		if (hdr.type == SETUP_MULTIKERNEL && hdr.len >= sizeof(mk_setup))
			break;
		pa = hdr.next;
	}
	if (!pa)
		panic("multikernel: instance without a SETUP_MULTIKERNEL record");

	p = early_memremap(pa + sizeof(hdr), sizeof(mk_setup));
	memcpy(&mk_setup, p, sizeof(mk_setup));
	early_memunmap(p, sizeof(mk_setup));
	if (mk_setup.version != MULTIKERNEL_SETUP_VERSION)
		panic("multikernel: SETUP_MULTIKERNEL version %u, want %u",
		      mk_setup.version, MULTIKERNEL_SETUP_VERSION);
	if (!mk_setup.nr_cpus || mk_setup.nr_cpus > mk_setup.nr_possible ||
	    mk_setup.nr_possible > MULTIKERNEL_CPUS_MAX)
		panic("multikernel: the host gave %u CPUs of %u", mk_setup.nr_cpus,
		      mk_setup.nr_possible);

	mk_refuse_earlyprintk();

	/* Calibrating ourselves would take the host's PIT. */
	if (!mk_setup.tsc_khz)
		panic("multikernel: the host gave no TSC frequency");
	setup_force_cpu_cap(X86_FEATURE_TSC_KNOWN_FREQ);
	setup_force_cpu_cap(X86_FEATURE_TSC_RELIABLE);
	/*
	 * The delay loop runs on the TSC: every CPU's loops per jiffy is
	 * the TSC's, as tsc_init() computes it for the boot CPU.  Without
	 * it each further CPU calibrates for itself, slowly.
	 */
	preset_lpj = div_u64((u64)mk_setup.tsc_khz * 1000, HZ);
#ifdef CONFIG_ACPI
	disable_acpi();
#endif
#ifdef CONFIG_PCI
	pci_probe = 0;
	x86_init.pci.arch_init = mk_pci_arch_init;
#endif
#ifdef CONFIG_SERIAL_8250
	serial8250_set_isa_configurator(mk_serial_fixup);
#endif
	pr_info("instance %u, %u CPUs, TSC %u kHz\n", mk_setup.id,
		mk_setup.nr_cpus, mk_setup.tsc_khz);
}

/*
 * After parse_early_param(), in place of dmi_setup: instance mode wins
 * over the command line, which nothing verified.  acpi=force or pci=conf1
 * would take the instance to the host's firmware tables and buses.
 */
static void __init mk_after_early_params(void)
{
#ifdef CONFIG_ACPI
	if (!acpi_disabled)
		pr_warn("instance: acpi= on the command line ignored: no ACPI\n");
	disable_acpi();
#endif
#ifdef CONFIG_PCI
	if (pci_probe)
		pr_warn("instance: pci= on the command line ignored: no PCI\n");
	pci_probe = 0;
#endif
	/* The decompressor kept the host's mode (compressed/pgtable_64.c). */
	if (pgtable_l5_enabled() &&
	    cmdline_find_option_bool(boot_command_line, "no5lvl"))
		pr_warn("instance: no5lvl ignored: the host runs 5-level paging\n");
}

/**
 * multikernel_instance_early_setup - keep an instance off the host's hardware
 *
 * Called for X86_SUBARCH_MULTIKERNEL before start_kernel(); only sets
 * platform hooks, the SETUP_MULTIKERNEL record is read in arch_setup.
 */
void __init multikernel_instance_early_setup(void)
{
	x86_init.oem.arch_setup			= mk_arch_setup;
	x86_init.resources.probe_roms		= x86_init_noop;
	x86_init.resources.reserve_resources	= x86_init_noop;
	x86_init.resources.dmi_setup		= mk_after_early_params;
	x86_init.mpparse.find_mptable		= x86_init_noop;
	x86_init.mpparse.early_parse_smp_cfg	= x86_init_noop;
	x86_init.mpparse.parse_smp_cfg		= mk_parse_smp_config;
	x86_init.irqs.pre_vector_init		= x86_init_noop;
	x86_init.timers.timer_init		= mk_timer_init;
	x86_init.hyper.x2apic_available		= mk_x2apic_available;
	x86_init.hyper.msi_ext_dest_id		= mk_msi_ext_dest_id;
	/* One CPU at a time, each woken through its park slot. */
	x86_cpuinit.parallel_bringup		= false;

	x86_platform.calibrate_cpu		= mk_tsc_khz;
	x86_platform.calibrate_tsc		= mk_tsc_khz;
	x86_platform.get_wallclock		= mk_get_wallclock;
	x86_platform.set_wallclock		= mk_set_wallclock;
	x86_platform.get_nmi_reason		= mk_get_nmi_reason;
	x86_platform.realmode_reserve		= x86_init_noop;
	x86_platform.realmode_init		= x86_init_noop;
	x86_platform.legacy.rtc			= 0;
	x86_platform.legacy.warm_reset		= 0;
	x86_platform.legacy.i8042		= X86_LEGACY_I8042_PLATFORM_ABSENT;
	x86_platform.legacy.devices.pnpbios	= 0;

	legacy_pic				= &null_legacy_pic;

	machine_ops.restart			= mk_restart;
	machine_ops.halt			= mk_park;
	machine_ops.power_off			= mk_park;
	machine_ops.emergency_restart		= mk_park;

	/* A panic parks the CPU (through emergency_restart), unless panic= says otherwise. */
	if (!panic_timeout)
		panic_timeout = -1;
}
