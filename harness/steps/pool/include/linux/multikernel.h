/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel: boot further kernels on CPUs and memory reserved by the host.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#ifdef CONFIG_MULTIKERNEL
void __init multikernel_reserve_pool(void);
#else
static inline void multikernel_reserve_pool(void) { }
#endif

#endif /* _LINUX_MULTIKERNEL_H */
