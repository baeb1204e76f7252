/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 parts of multikernel: starting an instance on an offline CPU (host)
 * and running as an instance (X86_SUBARCH_MULTIKERNEL).
 */
#ifndef _ASM_X86_MULTIKERNEL_H
#define _ASM_X86_MULTIKERNEL_H

/*
 * The park area (x86): where an instance's CPUs other than its boot CPU
 * wait until the instance wakes them, in the instance's communication
 * area (MULTIKERNEL_PARK_SIZE bytes at its end).  The host copies
 * mk_park_loop() to its start and builds a page table that maps the area
 * at its physical address; each CPU gets a slot.  The instance wakes the
 * CPU of a slot by writing @cr3 and @vector, then MK_PARK_WAKE to
 * @command, as with the ACPI multiprocessor wake-up mailbox: the CPU
 * answers MK_PARK_WOKEN, loads @cr3 (which must map the area at its
 * physical address too), takes the slot's end as its stack and jumps to
 * @vector.
 *
 * The host writes the area once, when it starts the instance: the loop,
 * its tables and a slot for each CPU of the boot record but the first,
 * in the boot record's order.  While the instance runs, CPUs that it has
 * not woken (maxcpus=, say) run that loop: nothing writes it again, but
 * the slot of a CPU being moved in, and the move page table.
 *
 * A CPU moved into a running instance comes from the host's page table,
 * not through the image's relocate_kernel: mk_park_jump(), in the host's
 * text, loads a second page table (MK_PARK_MOVE_PGT) that maps the area
 * at its physical address and mk_park_jump() where the host has it, then
 * jumps to the loop, whose first instructions move it to the loop's own
 * page table.  Only a CPU on its way in runs on the move page table, one
 * at a time, so each move may build it anew (after a live update, the
 * host's text is elsewhere).
 *
 * A move the host gives up on is cancelled in the slot: the host and the
 * instance each write @command only with a compare-and-exchange over 0,
 * so either the instance wakes the CPU or the CPU stays in the loop,
 * where the host can stop it.
 */
#define MK_PARK_CR3		0x800	/* u64, host: the loop's page table */
#define MK_PARK_NEXT		0x808	/* u32, host: the slot of the CPU kicked */
/* u32, host: slots named, one per CPU of the boot record but the first */
#define MK_PARK_NR		0x80c
#define MK_PARK_GDTR		0x810	/* host: the loop's GDT ... */
#define MK_PARK_IDTR		0x820	/* ... and IDT */
#define MK_PARK_GDT		0x840	/* null, 32-bit code, code (0x10), data */
#define MK_PARK_GDT_SIZE	32
#define MK_PARK_CS		0x10
#define MK_PARK_IDT		0x900	/* vectors 0..18: NMI and #MC only */
#define MK_PARK_IDT_SIZE	(19 * 16)
#define MK_PARK_SLOTS		0x1000
#define MK_PARK_SLOT_SHIFT	8
#define MK_PARK_NR_SLOTS	32
#define MK_PARK_PGT		0x3000	/* the loop's page table, up to 5 pages */
#define MK_PARK_MOVE_PGT	0x8000	/* the same and mk_park_jump(), up to 8 */
#define MK_PARK_END		0x10000

/* In a slot: */
#define MK_SLOT_APICID		0	/* u32, host: the CPU's APIC id */
#define MK_SLOT_PARKED		4	/* u32, CPU: 1 once it waits */
/* u32, instance: MK_PARK_WAKE, or host: MK_PARK_CANCEL; each only over 0 */
#define MK_SLOT_COMMAND		8
#define MK_SLOT_CR3		16	/* u64, instance */
#define MK_SLOT_VECTOR		24	/* u64, instance */
#define MK_SLOT_CR4		32	/* u64, CPU: its CR4 as it waits */

#define MK_PARK_WAKE		1
#define MK_PARK_WOKEN		2
#define MK_PARK_CANCEL		3	/* the loop never leaves: stop it */

#ifndef __ASSEMBLER__
#include <linux/types.h>

struct mk_park_slot {
	u32 apic_id;
	u32 parked;
	u32 command;
	u32 reserved;
	u64 cr3;
	u64 vector;
	u64 cr4;
	u8 stack[(1 << MK_PARK_SLOT_SHIFT) - 40];
};

struct boot_params;
struct kimage;

extern const u8 mk_park_loop[], mk_park_loop_end[];
extern const u8 mk_park_nmi[], mk_park_mce[];
void mk_park_jump(unsigned long cr3, unsigned long loop);
extern const u8 mk_park_jump_end[];

/* How long a kicked CPU may take to get where it was sent. */
#define MK_ARRIVAL_TIMEOUT_MS	2000

/* The park area (multikernel_park_area.c). */
int mk_park_pgt(void *area, phys_addr_t pa, unsigned int pgt_off,
		unsigned int pgt_end, bool text);
struct mk_park_slot *mk_park_slot(void *area, unsigned int n);
int mk_park_fill(void *area, phys_addr_t pa, const u32 *ids, u32 nr,
		 u32 nr_possible);
int mk_park_find_slot(void *area, u32 apicid);
int mk_park_move_prepare(void *area, phys_addr_t pa, unsigned int n);
int mk_park_wait(void *area, unsigned int n);

#ifdef CONFIG_MULTIKERNEL
int multikernel_kick_ap(unsigned int cpu, void (*entry)(void));
int multikernel_reset_ap(unsigned int cpu);
void multikernel_setup_boot_params(struct kimage *image,
				   struct boot_params *params,
				   unsigned long params_load_addr,
				   unsigned int setup_data_offset);
void multikernel_instance_early_setup(void);
void multikernel_topology_boot_cpu_is_bsp(void);
#else
static inline void multikernel_instance_early_setup(void) { }
#endif

#endif /* !__ASSEMBLER__ */

#endif /* _ASM_X86_MULTIKERNEL_H */
