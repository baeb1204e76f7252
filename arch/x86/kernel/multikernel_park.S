/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a multikernel instance's CPUs other than its boot CPU wait until
 * the instance wakes them (see "park area" in asm/multikernel.h).  Copied
 * into the park area by the host, entered through relocate_kernel at its
 * physical address, on the image's identity map, interrupts off.  The
 * image's pages become the instance's RAM, so the loop first moves to
 * the park area's own page table and descriptor tables.
 */
#include <linux/linkage.h>
#include <asm/multikernel.h>
#include <asm/nospec-branch.h>
#include <asm/processor-flags.h>

	.text
	.code64
SYM_CODE_START_NOALIGN(mk_park_loop)
	UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	leaq	mk_park_loop(%rip), %rbx
	movq	MK_PARK_CR3(%rbx), %rax
	movq	%rax, %cr3

	/*
	 * A CPU moved in from the host has the host's CR4.  A CR3 write
	 * keeps global TLB entries, and with PCIDE the entries of other
	 * PCIDs: a stale one for the kernel's text or data would make the
	 * instance run the host's bytes once woken.  Clearing PGE, and
	 * PCIDE, flushes every TLB entry, global ones included (SDM vol. 3,
	 * 4.10.4.1); CR3[11:0] is 0 here, as clearing PCIDE wants.  FRED
	 * goes too: its entry points are the host's, which this page table
	 * does not map; events then go through the IDT below.  MCE is set:
	 * with it clear a machine check shuts the CPU down.  This is the
	 * CR4 relocate_kernel leaves (PAE, LA57), plus MCE.
	 */
	movq	%cr4, %rax
	movabsq	$~(X86_CR4_PGE | X86_CR4_PCIDE | X86_CR4_FRED), %rcx
	andq	%rcx, %rax
	orq	$X86_CR4_MCE, %rax
	movq	%rax, %cr4

	lgdt	MK_PARK_GDTR(%rbx)
	lidt	MK_PARK_IDTR(%rbx)

	/* The slot of this CPU, which the host wrote before kicking it. */
	movl	MK_PARK_NEXT(%rbx), %ecx
	andl	$(MK_PARK_NR_SLOTS - 1), %ecx
	shll	$MK_PARK_SLOT_SHIFT, %ecx
	leaq	MK_PARK_SLOTS(%rbx, %rcx), %rsi
	/* A stack in this area, for an NMI or a machine check. */
	leaq	(1 << MK_PARK_SLOT_SHIFT)(%rsi), %rsp
	/* What the host checks: CR4, stored before "parked" (TSO). */
	movq	%cr4, %rax
	movq	%rax, MK_SLOT_CR4(%rsi)
	movl	$1, MK_SLOT_PARKED(%rsi)

1:	pause
	cmpl	$MK_PARK_WAKE, MK_SLOT_COMMAND(%rsi)
	jne	1b

	/* Stores are ordered: @cr3 and @vector were written before @command. */
	movq	MK_SLOT_CR3(%rsi), %rax
	movq	MK_SLOT_VECTOR(%rsi), %rdx
	leaq	(1 << MK_PARK_SLOT_SHIFT)(%rsi), %rsp
	movl	$MK_PARK_WOKEN, MK_SLOT_COMMAND(%rsi)
	movq	%rax, %cr3
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rdx

	/*
	 * An NMI (a platform NMI through LINT1, say) returns to the loop.
	 * The IDT holds no other gate: nothing else can happen here.
	 */
	.globl	mk_park_nmi
mk_park_nmi:
	iretq

	/* A machine check: this CPU stays here until the host INITs it. */
	.globl	mk_park_mce
mk_park_mce:
2:	hlt
	jmp	2b
	.globl	mk_park_loop_end
mk_park_loop_end:
SYM_CODE_END(mk_park_loop)

/*
 * void mk_park_jump(unsigned long cr3, unsigned long loop): on a host CPU
 * that leaves the host for a running instance, interrupts off, CET off.
 * @cr3 maps this code where it is and the park area at its physical
 * address, where @loop is.
 */
	.text
SYM_FUNC_START(mk_park_jump)
	movq	%rdi, %cr3
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rsi
	.globl	mk_park_jump_end
mk_park_jump_end:
SYM_FUNC_END(mk_park_jump)
