/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Multikernel: what an instance reports to the kernel that started it,
 * in the status word its boot parameters point at.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_H
#define _UAPI_LINUX_MULTIKERNEL_H

#define MULTIKERNEL_INSTANCE_BOOTING	0
#define MULTIKERNEL_INSTANCE_RUNNING	1
#define MULTIKERNEL_INSTANCE_STOPPED	2
#define MULTIKERNEL_INSTANCE_CRASHED	3

/* Largest message payload, in bytes. */
#define MULTIKERNEL_MSG_MAX		4096

#endif /* _UAPI_LINUX_MULTIKERNEL_H */
