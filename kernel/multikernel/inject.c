// SPDX-License-Identifier: GPL-2.0-only
/*
 * Misbehaving on purpose, to test that the host survives an instance that
 * floods, scribbles or stalls: /sys/kernel/debug/multikernel/inject in an
 * instance (CONFIG_MULTIKERNEL_DEBUG).  Write one of
 *
 *   doorbells N   ring the host's doorbell N times, with no message
 *   garbage       fill the ring to the host with random bytes, indexes
 *                 included, and ring once
 *   stall MS      spin MS milliseconds with interrupts off (no heartbeat)
 *   fuzz S        for S seconds, random bytes at random places of the whole
 *                 communication area (header, console, both rings), and
 *                 a doorbell now and then
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "comm.h"
#include "internal.h"

static void mk_inject_fuzz(struct mk_peer *host, unsigned int secs)
{
	u8 *comm = (u8 *)mk_guest_comm();
	unsigned long end = jiffies + secs * HZ;
	u32 off, len;

	while (time_before(jiffies, end)) {
		off = get_random_u32_below(sizeof(struct mk_comm));
		len = min_t(u32, 1 + get_random_u32_below(256),
			    sizeof(struct mk_comm) - off);
		get_random_bytes(comm + off, len);
		if (!get_random_u32_below(64))
			arch_multikernel_ring_doorbell(host->doorbell);
		cond_resched();
	}
}

static ssize_t mk_inject_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct mk_peer *host = mk_guest_peer();
	unsigned int n, i;
	char buf[32];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	if (sscanf(buf, "doorbells %u", &n) == 1) {
		for (i = 0; i < n; i++) {
			arch_multikernel_ring_doorbell(host->doorbell);
			if (!(i % 1024))
				cond_resched();
		}
	} else if (sysfs_streq(buf, "garbage")) {
		get_random_bytes(&mk_guest_comm()->to_host,
				 sizeof(struct mk_ring));
		arch_multikernel_ring_doorbell(host->doorbell);
	} else if (sscanf(buf, "fuzz %u", &n) == 1 && n <= 600) {
		mk_inject_fuzz(host, n);
	} else if (sscanf(buf, "stall %u", &n) == 1 && n <= 60000) {
		local_irq_disable();
		for (i = 0; i < n; i++)
			mdelay(1);
		local_irq_enable();
	} else {
		return -EINVAL;
	}
	return count;
}

static const struct file_operations mk_inject_fops = {
	.write	= mk_inject_write,
};

static int __init mk_inject_init(void)
{
	if (!mk_guest_peer())
		return 0;
	debugfs_create_file("inject", 0200, debugfs_create_dir("multikernel", NULL),
			    NULL, &mk_inject_fops);
	return 0;
}
late_initcall(mk_inject_init);
