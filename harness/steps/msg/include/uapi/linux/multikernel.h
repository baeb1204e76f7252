/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Multikernel: what an instance reports to the kernel that started it, and
 * the message endpoints (/dev/multikernelN) of both.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_H
#define _UAPI_LINUX_MULTIKERNEL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* An instance's own report of its state, in its communication area. */
#define MULTIKERNEL_INSTANCE_BOOTING	0
#define MULTIKERNEL_INSTANCE_RUNNING	1
#define MULTIKERNEL_INSTANCE_STOPPED	2
#define MULTIKERNEL_INSTANCE_CRASHED	3

/* Largest message payload, in bytes. */
#define MULTIKERNEL_MSG_MAX		4096

/*
 * Message types 0 .. MULTIKERNEL_MSG_USER_FIRST - 1 belong to the kernels;
 * /dev/multikernelN sends and receives the others.
 */
#define MULTIKERNEL_MSG_USER_FIRST	0x100
#define MULTIKERNEL_MSG_USER_LAST	0xffff

#endif /* _UAPI_LINUX_MULTIKERNEL_H */
