// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the x86 park area: the page tables the park loop runs
 * on map nothing global (a global TLB entry survives the loop's CR3
 * write into the instance), its IDT sends an NMI and a machine check to
 * the loop's own handlers, a CPU moved in finds the slot its boot record
 * gave it, and a move writes nothing that a parked CPU runs.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/multikernel.h>
#include <linux/pgtable.h>

#include <asm/desc.h>
#include <asm/multikernel.h>
#include <asm/trapnr.h>

/* Leaves under @table, a page-table page of level @level (1: PTEs). */
static unsigned int mk_walk(struct kunit *test, const u64 *table, int level)
{
	unsigned int i, leaves = 0;

	for (i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = table[i];

		if (!(e & _PAGE_PRESENT))
			continue;
		/* PSE means a leaf only in a PUD or a PMD. */
		if (level == 1 || (level <= 3 && (e & _PAGE_PSE))) {
			KUNIT_EXPECT_FALSE_MSG(test, e & _PAGE_GLOBAL,
					       "global entry %#llx at level %d", e, level);
			leaves++;
			continue;
		}
		leaves += mk_walk(test, __va(e & PTE_PFN_MASK), level - 1);
	}
	return leaves;
}

static int mk_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

struct mk_park_test {
	struct page *page;
	void *area;
	phys_addr_t pa;
};

static void mk_park_free(void *page)
{
	__free_pages(page, get_order(MULTIKERNEL_PARK_SIZE));
}

static int mk_park_test_init(struct kunit *test)
{
	struct mk_park_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int ret;

	if (!t)
		return -ENOMEM;
	t->page = alloc_pages(GFP_KERNEL, get_order(MULTIKERNEL_PARK_SIZE));
	if (!t->page)
		return -ENOMEM;
	ret = kunit_add_action_or_reset(test, mk_park_free, t->page);
	if (ret)
		return ret;
	t->area = page_address(t->page);
	t->pa = page_to_phys(t->page);
	test->priv = t;
	return 0;
}

/* The table the loop runs on at a start: the area, identity mapped. */
static void mk_park_start_table_test(struct kunit *test)
{
	struct mk_park_test *t = test->priv;
	u32 ids[2] = { 0, 1 };

	KUNIT_ASSERT_EQ(test, mk_park_fill(t->area, t->pa, ids, 2, 2), 0);
	KUNIT_EXPECT_EQ(test, *(u64 *)(t->area + MK_PARK_CR3), t->pa + MK_PARK_PGT);
	KUNIT_EXPECT_GT(test, mk_walk(test, t->area + MK_PARK_PGT, mk_levels()), 0);
}

/* The table a CPU moved in takes: the area and mk_park_jump(). */
static void mk_park_move_table_test(struct kunit *test)
{
	struct mk_park_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, mk_park_pgt(t->area, t->pa, MK_PARK_MOVE_PGT,
					  MK_PARK_END, true), 0);
	/* At least two: the area's and mk_park_jump()'s. */
	KUNIT_EXPECT_GE(test, mk_walk(test, t->area + MK_PARK_MOVE_PGT, mk_levels()), 2);
}

/* The IDT: NMI and #MC to the loop's handlers, in code segment 0x10. */
static void mk_park_idt_test(struct kunit *test)
{
	struct mk_park_test *t = test->priv;
	const gate_desc *idt = t->area + MK_PARK_IDT;
	const struct desc_ptr *dt = t->area + MK_PARK_IDTR;
	u32 ids[2] = { 0, 1 };
	unsigned int v;

	KUNIT_ASSERT_EQ(test, mk_park_fill(t->area, t->pa, ids, 2, 2), 0);
	KUNIT_EXPECT_EQ(test, dt->address, t->pa + MK_PARK_IDT);
	KUNIT_EXPECT_EQ(test, dt->size, MK_PARK_IDT_SIZE - 1);
	KUNIT_EXPECT_EQ(test, gate_offset(&idt[X86_TRAP_NMI]),
			t->pa + (mk_park_nmi - mk_park_loop));
	KUNIT_EXPECT_EQ(test, gate_offset(&idt[X86_TRAP_MC]),
			t->pa + (mk_park_mce - mk_park_loop));
	for (v = 0; v < MK_PARK_IDT_SIZE / sizeof(*idt); v++) {
		bool want = v == X86_TRAP_NMI || v == X86_TRAP_MC;

		KUNIT_EXPECT_EQ_MSG(test, (bool)idt[v].bits.p, want, "vector %u", v);
		if (want) {
			KUNIT_EXPECT_EQ(test, idt[v].segment, MK_PARK_CS);
			KUNIT_EXPECT_EQ(test, (unsigned int)idt[v].bits.type, GATE_INTERRUPT);
			KUNIT_EXPECT_EQ(test, (unsigned int)idt[v].bits.ist, 0);
		}
	}
	/* The handlers are copied with the loop, before its data. */
	KUNIT_EXPECT_LE(test, mk_park_loop_end - mk_park_loop, MK_PARK_CR3);
}

/*
 * Each CPU of the boot record but the first has the slot of its place
 * there, whichever of them started; the boot CPU and strangers have none,
 * and a slot count the instance scribbled over is bounded.
 */
static void mk_park_slot_test(struct kunit *test)
{
	struct mk_park_test *t = test->priv;
	u32 ids[4] = { 8, 3, 0, 6 };

	KUNIT_ASSERT_EQ(test, mk_park_fill(t->area, t->pa, ids, 2, 4), 0);
	KUNIT_EXPECT_EQ(test, mk_park_find_slot(t->area, 3), 0);
	KUNIT_EXPECT_EQ(test, mk_park_find_slot(t->area, 0), 1);
	KUNIT_EXPECT_EQ(test, mk_park_find_slot(t->area, 6), 2);
	KUNIT_EXPECT_EQ(test, mk_park_find_slot(t->area, 8), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mk_park_find_slot(t->area, 5), -ENOSPC);
	*(u32 *)(t->area + MK_PARK_NR) = U32_MAX;
	KUNIT_EXPECT_EQ(test, mk_park_find_slot(t->area, 5), -ENOSPC);
}

/*
 * A move writes its slot (but the APIC id), MK_PARK_NEXT and the move
 * page table, and nothing else: not the loop, its tables or the slot of
 * a CPU parked there since the start.
 */
static void mk_park_move_writes_test(struct kunit *test)
{
	struct mk_park_test *t = test->priv;
	u32 ids[4] = { 0, 1, 2, 3 };
	struct mk_park_slot *slot = t->area + MK_PARK_SLOTS + 2 * sizeof(*slot);
	const size_t first = offsetof(struct mk_park_slot, parked);
	u8 *before;
	int n;

	KUNIT_ASSERT_EQ(test, mk_park_fill(t->area, t->pa, ids, 2, 4), 0);
	/* The CPU of slot 0 waits; the one of slot 2 left on a failed move. */
	((struct mk_park_slot *)(t->area + MK_PARK_SLOTS))->parked = 1;
	slot->parked = 1;
	slot->command = MK_PARK_CANCEL;
	/*
	 * Poison the loop, its page table, CR3 and descriptor tables: a
	 * move that wrote them again, even with the same bytes, shows.
	 */
	memset(t->area, 0xa5, MK_PARK_NEXT);
	memset(t->area + MK_PARK_GDTR, 0xa5, MK_PARK_SLOTS - MK_PARK_GDTR);
	memset(t->area + MK_PARK_PGT, 0xa5, MK_PARK_MOVE_PGT - MK_PARK_PGT);
	before = kunit_kmalloc(test, MK_PARK_MOVE_PGT, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	memcpy(before, t->area, MK_PARK_MOVE_PGT);

	n = mk_park_find_slot(t->area, 3);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_ASSERT_EQ(test, mk_park_move_prepare(t->area, t->pa, n), 0);
	KUNIT_EXPECT_EQ(test, *(u32 *)(t->area + MK_PARK_NEXT), 2);
	KUNIT_EXPECT_EQ(test, slot->apic_id, 3);
	KUNIT_EXPECT_EQ(test, slot->parked, 0);
	KUNIT_EXPECT_EQ(test, slot->command, 0);
	KUNIT_EXPECT_GE(test, mk_walk(test, t->area + MK_PARK_MOVE_PGT, mk_levels()), 2);

	/* Put back what the move may write: the rest must be as it was. */
	memcpy(before + MK_PARK_NEXT, t->area + MK_PARK_NEXT, sizeof(u32));
	memcpy(before + ((void *)slot - t->area) + first, (void *)slot + first,
	       sizeof(*slot) - first);
	KUNIT_EXPECT_EQ(test, memcmp(before, t->area, MK_PARK_MOVE_PGT), 0);
}

static struct kunit_case mk_park_test_cases[] = {
	KUNIT_CASE(mk_park_start_table_test),
	KUNIT_CASE(mk_park_move_table_test),
	KUNIT_CASE(mk_park_idt_test),
	KUNIT_CASE(mk_park_slot_test),
	KUNIT_CASE(mk_park_move_writes_test),
	{}
};

static struct kunit_suite mk_park_test_suite = {
	.name = "multikernel_x86_park",
	.init = mk_park_test_init,
	.test_cases = mk_park_test_cases,
};

kunit_test_suite(mk_park_test_suite);

MODULE_DESCRIPTION("KUnit tests for the multikernel x86 park area");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
