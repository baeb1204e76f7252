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

	.text
	.code64
SYM_CODE_START_NOALIGN(mk_park_loop)
	UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	leaq	mk_park_loop(%rip), %rbx
	movq	MK_PARK_CR3(%rbx), %rax
	movq	%rax, %cr3
	lgdt	MK_PARK_GDTR(%rbx)
	lidt	MK_PARK_IDTR(%rbx)

	/* The slot of this CPU, which the host wrote before kicking it. */
	movl	MK_PARK_NEXT(%rbx), %ecx
	andl	$(MK_PARK_NR_SLOTS - 1), %ecx
	shll	$MK_PARK_SLOT_SHIFT, %ecx
	leaq	MK_PARK_SLOTS(%rbx, %rcx), %rsi
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
