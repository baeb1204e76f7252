// SPDX-License-Identifier: GPL-2.0-only
/*
 * The park area of an instance (its layout is in asm/multikernel.h): the
 * loop and its descriptor tables, the page tables the loop runs on, and a
 * slot for each CPU the instance may wake.  The host fills it at a start
 * and, for each CPU moved in later, writes that CPU's slot and the move
 * page table only.  The instance writes the area too: what the host reads
 * back from it, it reads once.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <kunit/visibility.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/multikernel.h>
#include <linux/string.h>

#include <asm/desc.h>
#include <asm/init.h>
#include <asm/multikernel.h>
#include <asm/setup_data.h>
#include <asm/trapnr.h>

static_assert(MK_PARK_END <= MULTIKERNEL_PARK_SIZE);
static_assert(MULTIKERNEL_CPUS_MAX - 1 <= MK_PARK_NR_SLOTS);
static_assert(sizeof(struct mk_park_slot) == 1 << MK_PARK_SLOT_SHIFT);
static_assert(MK_PARK_GDT + MK_PARK_GDT_SIZE <= MK_PARK_IDT);
static_assert(MK_PARK_IDT + MK_PARK_IDT_SIZE <= MK_PARK_SLOTS);
static_assert(MK_PARK_SLOTS + MK_PARK_NR_SLOTS * sizeof(struct mk_park_slot) <= MK_PARK_PGT);

/* Page-table pages for kernel_ident_mapping_init(), from the park area. */
struct mk_park_pgt {
	void *next;
	void *end;
};

static void *mk_park_alloc_pgt(void *context)
{
	struct mk_park_pgt *pgt = context;
	void *page = pgt->next;

	if (page == pgt->end)
		return NULL;
	pgt->next += PAGE_SIZE;
	return page;
}

/*
 * A page table in the park area at @pgt_off (as many levels as the
 * kernel's, since CR4.LA57 stays) that maps the area at its physical
 * address and, if @text, mk_park_jump() where the host has it.
 */
int mk_park_pgt(void *area, phys_addr_t pa, unsigned int pgt_off,
		unsigned int pgt_end, bool text)
{
	struct mk_park_pgt pgt = {
		.next	= area + pgt_off + PAGE_SIZE,
		.end	= area + pgt_end,
	};
	struct x86_mapping_info info = {
		.alloc_pgt_page	= mk_park_alloc_pgt,
		.context	= &pgt,
		/* No global entries (see mk_park_loop). */
		.page_flag	= __PAGE_KERNEL_LARGE_EXEC & ~_PAGE_GLOBAL,
		.kernpg_flag	= _KERNPG_TABLE_NOENC,
	};
	unsigned long jump = __pa_symbol(mk_park_jump);

	memset(area + pgt_off, 0, pgt_end - pgt_off);
	/* The area is in the direct map: the pages' __pa() is right. */
	if (kernel_ident_mapping_init(&info, area + pgt_off, pa,
				      pa + MULTIKERNEL_PARK_SIZE))
		return -ENOMEM;
	if (!text)
		return 0;
	info.offset = (unsigned long)mk_park_jump - jump;
	if (kernel_ident_mapping_init(&info, area + pgt_off, jump & PMD_MASK,
				      ALIGN(__pa_symbol(mk_park_jump_end), PMD_SIZE)))
		return -ENOMEM;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_park_pgt);

/* The loop and its descriptor tables, at the start of the park area. */
static void mk_park_head(void *area, phys_addr_t pa)
{
	static const u64 gdt[] = {
		0, 0x00cf9a000000ffffULL, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL,
	};
	gate_desc *idt = area + MK_PARK_IDT;
	struct desc_ptr *dt;

	memset(area, 0, MK_PARK_SLOTS);
	memcpy(area, mk_park_loop, mk_park_loop_end - mk_park_loop);
	memcpy(area + MK_PARK_GDT, gdt, sizeof(gdt));
	dt = area + MK_PARK_GDTR;
	dt->size = MK_PARK_GDT_SIZE - 1;
	dt->address = pa + MK_PARK_GDT;
	pack_gate(&idt[X86_TRAP_NMI], GATE_INTERRUPT,
		  pa + (mk_park_nmi - mk_park_loop), 0, 0, MK_PARK_CS);
	pack_gate(&idt[X86_TRAP_MC], GATE_INTERRUPT,
		  pa + (mk_park_mce - mk_park_loop), 0, 0, MK_PARK_CS);
	dt = area + MK_PARK_IDTR;
	dt->size = MK_PARK_IDT_SIZE - 1;
	dt->address = pa + MK_PARK_IDT;
}

struct mk_park_slot *mk_park_slot(void *area, unsigned int n)
{
	return area + MK_PARK_SLOTS + n * sizeof(struct mk_park_slot);
}

/*
 * Fill the park area for a start: the loop, its descriptor tables and
 * page table, and a slot for each of @ids but the first (@nr_possible),
 * in their order, as the boot record has them.
 */
int mk_park_fill(void *area, phys_addr_t pa, const u32 *ids, u32 nr,
		 u32 nr_possible)
{
	unsigned int i;
	int ret;

	memset(area, 0, MK_PARK_END);
	mk_park_head(area, pa);
	ret = mk_park_pgt(area, pa, MK_PARK_PGT, MK_PARK_MOVE_PGT, false);
	if (ret)
		return ret;
	*(u64 *)(area + MK_PARK_CR3) = pa + MK_PARK_PGT;
	*(u32 *)(area + MK_PARK_NR) = nr_possible - 1;
	for (i = 1; i < nr_possible; i++)
		mk_park_slot(area, i - 1)->apic_id = ids[i];
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_park_fill);

/*
 * The slot of the CPU with APIC id @apicid: the one the boot record gave
 * it, as the area says, not as the host's CPUs of now would (a CPU may
 * have been added since, or this host may not be the one that started
 * the instance).  The instance can write the area: each field is read
 * once, and the worst it gets is one of its own CPUs in the wrong slot.
 */
int mk_park_find_slot(void *area, u32 apicid)
{
	u32 nr = min_t(u32, READ_ONCE(*(u32 *)(area + MK_PARK_NR)),
		       MK_PARK_NR_SLOTS);
	unsigned int n;

	for (n = 0; n < nr; n++)
		if (READ_ONCE(mk_park_slot(area, n)->apic_id) == apicid)
			return n;
	return -ENOSPC;
}
EXPORT_SYMBOL_IF_KUNIT(mk_park_find_slot);

/*
 * Ready slot @n for a CPU moved in: the move page table, the slot but
 * its APIC id, and the slot the next CPU kicked takes.  Nothing else:
 * the CPUs the instance has not woken run the loop, on its own tables.
 */
int mk_park_move_prepare(void *area, phys_addr_t pa, unsigned int n)
{
	struct mk_park_slot *slot = mk_park_slot(area, n);
	int ret;

	ret = mk_park_pgt(area, pa, MK_PARK_MOVE_PGT, MK_PARK_END, true);
	if (ret)
		return ret;
	memset(&slot->parked, 0,
	       sizeof(*slot) - offsetof(struct mk_park_slot, parked));
	WRITE_ONCE(*(u32 *)(area + MK_PARK_NEXT), n);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_park_move_prepare);

/*
 * Wait until the CPU kicked into slot @n waits there, with no global
 * pages, PCIDs or FRED (-EIO otherwise: the loop did not clear them).
 */
int mk_park_wait(void *area, unsigned int n)
{
	struct mk_park_slot *slot = mk_park_slot(area, n);
	u64 cr4;
	int i;

	for (i = 0; i < MK_ARRIVAL_TIMEOUT_MS; i++) {
		/* The loop stores its CR4, then "parked" (x86 keeps that order). */
		if (smp_load_acquire(&slot->parked)) {
			cr4 = READ_ONCE(slot->cr4);
			if (cr4 & (X86_CR4_PGE | X86_CR4_PCIDE | X86_CR4_FRED)) {
				pr_err("slot %u: CR4 %#llx in the park loop\n", n, cr4);
				return -EIO;
			}
			return 0;
		}
		usleep_range(1000, 2000);
	}
	return -EIO;
}
