/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 parts of multikernel: starting an instance on an offline CPU (host)
 * and running as an instance (X86_SUBARCH_MULTIKERNEL).
 */
#ifndef _ASM_X86_MULTIKERNEL_H
#define _ASM_X86_MULTIKERNEL_H

struct boot_params;
struct kimage;

#ifdef CONFIG_MULTIKERNEL
int multikernel_kick_ap(unsigned int cpu, void (*entry)(void));
int multikernel_reset_ap(unsigned int cpu);
void multikernel_setup_boot_params(struct kimage *image,
				   struct boot_params *params,
				   unsigned long params_load_addr,
				   unsigned int setup_data_offset);
void multikernel_instance_early_setup(void);
#else
static inline void multikernel_instance_early_setup(void) { }
#endif

#endif /* _ASM_X86_MULTIKERNEL_H */
