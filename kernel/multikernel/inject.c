// SPDX-License-Identifier: GPL-2.0-only
/*
 * Misbehaving on purpose, to test that the host survives an instance that
 * floods, scribbles or stalls: /sys/kernel/debug/multikernel/inject in an
 * instance (CONFIG_MULTIKERNEL_DEBUG).  Write one of
 *
 *   doorbells N   ring the host's doorbell N times, with no message
 *   garbage       fill the ring to the host with random bytes, indexes
 *                 included, go on from a random head, and ring once
 *   stall MS      spin MS milliseconds with interrupts off (no heartbeat)
 *   fuzz S        for S seconds, random bytes at random places of the whole
 *                 communication area (header, console, both rings), and
 *                 a doorbell now and then
 *   move_late MS  answer the host's next request to move a CPU in or out
 *                 MS milliseconds late, after doing it
 *
 * and with multikernel.boot_msgs=N on its command line an instance sends N
 * (at most a ring's worth) messages to the host while it boots, before the
 * host sees it running.
 *
 * On the host, /sys/kernel/debug/fail_multikernel_stop (with
 * CONFIG_FAULT_INJECTION_DEBUG_FS, see fault-injection.rst) makes stopping
 * an instance's CPU fail as if the CPU never proved it stopped, without
 * trying: the instance then still runs, and is lost.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
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
			mk_peer_ring(host);
		cond_resched();
	}
}

/*
 * Random bytes over the whole ring to the host, indexes included, and a
 * random head published as if it were ours: the host sees garbage
 * whatever else we send meanwhile, as we go on from that head.
 */
static void mk_inject_garbage(struct mk_peer *host)
{
	struct multikernel_link *link = mk_msg_link(host);
	struct mk_ring *ring = link->tx.ring;
	unsigned long flags;
	u32 head;

	spin_lock_irqsave(&link->tx_lock, flags);
	get_random_bytes(ring, sizeof(*ring));
	head = get_random_u32();
	WRITE_ONCE(ring->head, head);
	link->tx.head = head;
	spin_unlock_irqrestore(&link->tx_lock, flags);
	mk_peer_ring(host);
}

static atomic_t mk_move_late_ms = ATOMIC_INIT(0);

/**
 * mk_inject_move_late - how late to answer this CPU move
 *
 * Return: milliseconds, once per "move_late"; then 0.
 */
unsigned int mk_inject_move_late(void)
{
	return atomic_xchg(&mk_move_late_ms, 0);
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
			mk_peer_ring(host);
			if (!(i % 1024))
				cond_resched();
		}
	} else if (sysfs_streq(buf, "garbage")) {
		mk_inject_garbage(host);
	} else if (sscanf(buf, "fuzz %u", &n) == 1 && n <= 600) {
		mk_inject_fuzz(host, n);
	} else if (sscanf(buf, "move_late %u", &n) == 1 && n <= 60000) {
		atomic_set(&mk_move_late_ms, n);
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

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(mk_fail_stop);

bool mk_should_fail_stop(void)
{
	return should_fail(&mk_fail_stop, 1);
}

static void __init mk_fail_stop_init(void)
{
	fault_create_debugfs_attr("fail_multikernel_stop", NULL, &mk_fail_stop);
}
#else
static inline void mk_fail_stop_init(void)
{
}
#endif

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "multikernel."
static unsigned int boot_msgs;
module_param(boot_msgs, uint, 0444);
MODULE_PARM_DESC(boot_msgs, "messages an instance sends the host while it boots (testing)");

/* Before the host sees us running: it must not lose these. */
static void __init mk_inject_boot_msgs(struct mk_peer *host)
{
	struct mk_msg_hdr hdr = { .type = MULTIKERNEL_MSG_SINK };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < min(boot_msgs, MK_RING_SLOTS) && !ret; i++)
		ret = mk_peer_send(host, &hdr, NULL, 0);
	pr_info("multikernel: %u messages sent while booting: %d\n", i, ret);
}

static int __init mk_inject_init(void)
{
	struct mk_peer *host = mk_guest_peer();

	if (!host) {
		mk_fail_stop_init();
		return 0;
	}
	debugfs_create_file("inject", 0200, debugfs_create_dir("multikernel", NULL),
			    NULL, &mk_inject_fops);
	if (boot_msgs)
		mk_inject_boot_msgs(host);
	return 0;
}
late_initcall(mk_inject_init);
