// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message benchmark, host side (CONFIG_MULTIKERNEL_DEBUG):
 *
 *   echo "ID [COUNT]" > /sys/kernel/debug/multikernel/bench
 *   cat /sys/kernel/debug/multikernel/bench
 *
 * From the boot CPU, which takes the instances' doorbells: COUNT round
 * trips to running instance ID (busy-waiting for the answer, and
 * sleeping), COUNT smp_call_function_single(wait=1) calls to another host
 * CPU for comparison, and one-way throughput of 64 B and 4 KiB messages
 * next to memcpy() of the same bytes.  Only ratios taken in one run mean
 * anything under emulation.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "peer.h"

#define MK_BENCH_OUT	2048

static DEFINE_MUTEX(mk_bench_lock);
static char mk_bench_out[MK_BENCH_OUT];

struct mk_bench {
	struct mk_peer *peer;
	unsigned int count;
	u64 *ns;
	size_t len;
	int err;
};

static int mk_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median and 99th percentile of @b->ns, sorted in place. */
static void mk_bench_stats(struct mk_bench *b, u64 *median, u64 *p99)
{
	sort(b->ns, b->count, sizeof(u64), mk_cmp_u64, NULL);
	*median = b->ns[b->count / 2];
	*p99 = b->ns[b->count * 99 / 100];
}

/* A ping that busy-waits for its response: the latency without a wakeup. */
static ssize_t mk_bench_ping_spin(struct mk_peer *p, unsigned long timeout)
{
	struct mk_call call = {};
	unsigned long end = jiffies + timeout;
	int ret;

	ret = mk_call_begin(p, &call, MULTIKERNEL_MSG_PING, NULL, 0, timeout);
	while (!ret && !try_wait_for_completion(&call.done)) {
		if (time_after(jiffies, end))
			ret = -ETIMEDOUT;
		cpu_relax();
	}
	return mk_call_end(p, &call, ret);
}

static ssize_t mk_bench_ping(struct mk_peer *p, unsigned long timeout,
			     bool spin)
{
	if (spin)
		return mk_bench_ping_spin(p, timeout);
	return mk_peer_call(p, MULTIKERNEL_MSG_PING, NULL, 0, NULL, 0, timeout);
}

static int mk_bench_pings(struct mk_bench *b, bool spin)
{
	unsigned int i;
	ssize_t ret;
	u64 t;

	for (i = 0; i < b->count; i++) {
		t = ktime_get_ns();
		ret = mk_bench_ping(b->peer, HZ, spin);
		if (ret < 0)
			return ret;
		b->ns[i] = ktime_get_ns() - t;
	}
	return 0;
}

static void mk_bench_nop(void *info)
{
}

static int mk_bench_ipis(struct mk_bench *b, unsigned int cpu)
{
	unsigned int i;
	int ret;
	u64 t;

	for (i = 0; i < b->count; i++) {
		t = ktime_get_ns();
		ret = smp_call_function_single(cpu, mk_bench_nop, NULL, true);
		if (ret)
			return ret;
		b->ns[i] = ktime_get_ns() - t;
	}
	return 0;
}

/* Bytes per microsecond is MB/s. */
static u64 mk_mbps(u64 bytes, u64 ns)
{
	return ns ? div64_u64(bytes * 1000, ns) : 0;
}

/* @n messages of @size bytes, then a ping that comes back after them. */
static int mk_bench_stream(struct mk_bench *b, void *buf, u32 size,
			   unsigned int n, u64 *ns)
{
	struct mk_msg_hdr hdr = { .type = MULTIKERNEL_MSG_SINK, .len = size };
	unsigned int i;
	ssize_t ret;
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < n; i++) {
		ret = mk_peer_send(b->peer, &hdr, buf, 10 * HZ);
		if (ret)
			return ret;
	}
	ret = mk_bench_ping_spin(b->peer, 10 * HZ);
	*ns = ktime_get_ns() - t;
	return ret < 0 ? ret : 0;
}

static u64 mk_bench_memcpy(void *dst, const void *src, u32 size,
			   unsigned int n)
{
	unsigned int i;
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < n; i++) {
		memcpy(dst, src, size);
		barrier();
	}
	return ktime_get_ns() - t;
}

static __printf(2, 3) void mk_out(struct mk_bench *b, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	b->len += vscnprintf(mk_bench_out + b->len, MK_BENCH_OUT - b->len,
			     fmt, args);
	va_end(args);
}

static long mk_bench_run(void *arg)
{
	static const struct { u32 size; unsigned int n; } streams[] = {
		{ 64, 20000 }, { MULTIKERNEL_MSG_MAX, 5000 },
	};
	struct mk_bench *b = arg;
	u64 spin_med, spin_p99, sleep_med, sleep_p99, ipi_med, ipi_p99;
	unsigned int cpu, i;
	void *src, *dst;
	int ret;

	cpu = cpumask_any_but(cpu_online_mask, smp_processor_id());
	if (cpu >= nr_cpu_ids)
		return -ENODEV;

	ret = mk_bench_pings(b, true);
	if (ret)
		return ret;
	mk_bench_stats(b, &spin_med, &spin_p99);
	ret = mk_bench_pings(b, false);
	if (ret)
		return ret;
	mk_bench_stats(b, &sleep_med, &sleep_p99);
	ret = mk_bench_ipis(b, cpu);
	if (ret)
		return ret;
	mk_bench_stats(b, &ipi_med, &ipi_p99);

	mk_out(b, "round trips from CPU %d, %u each         median ns    p99 ns\n",
	       smp_processor_id(), b->count);
	mk_out(b, "ping instance %d, busy-wait             %9llu %9llu\n",
	       b->peer->id, spin_med, spin_p99);
	mk_out(b, "ping instance %d, sleeping wait         %9llu %9llu\n",
	       b->peer->id, sleep_med, sleep_p99);
	mk_out(b, "smp_call_function_single(CPU %u, wait=1) %9llu %9llu\n",
	       cpu, ipi_med, ipi_p99);
	ipi_med = max(ipi_med, 1ULL);
	ipi_p99 = max(ipi_p99, 1ULL);
	mk_out(b, "ratio ping (busy-wait) / smp_call         %3llu.%02llu    %3llu.%02llu\n",
	       spin_med / ipi_med, spin_med * 100 / ipi_med % 100,
	       spin_p99 / ipi_p99, spin_p99 * 100 / ipi_p99 % 100);

	src = kmalloc(MULTIKERNEL_MSG_MAX, GFP_KERNEL);
	dst = kmalloc(MULTIKERNEL_MSG_MAX, GFP_KERNEL);
	if (!src || !dst) {
		ret = -ENOMEM;
		goto out;
	}
	memset(src, 0x5a, MULTIKERNEL_MSG_MAX);
	mk_out(b, "one way, message size   messages   MB/s   memcpy MB/s   ratio\n");
	for (i = 0; i < ARRAY_SIZE(streams); i++) {
		u64 bytes = (u64)streams[i].size * streams[i].n, msg_ns, cpy_ns;
		u64 msg, cpy;

		ret = mk_bench_stream(b, src, streams[i].size, streams[i].n,
				      &msg_ns);
		if (ret)
			goto out;
		cpy_ns = mk_bench_memcpy(dst, src, streams[i].size, streams[i].n);
		msg = mk_mbps(bytes, msg_ns);
		cpy = mk_mbps(bytes, cpy_ns);
		mk_out(b, "%4u B                   %8u %6llu   %11llu   %3llu.%02llu\n",
		       streams[i].size, streams[i].n, msg, cpy,
		       cpy ? msg / cpy : 0, cpy ? msg * 100 / cpy % 100 : 0);
	}
out:
	kfree(src);
	kfree(dst);
	return ret;
}

static ssize_t mk_bench_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct mk_bench b = { .count = 10000 };
	char buf[32];
	int id, n;
	long ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	n = sscanf(buf, "%d %u", &id, &b.count);
	if (n < 1 || b.count < 100 || b.count > 1000000)
		return -EINVAL;

	b.peer = mk_peer_get(id);
	if (!b.peer)
		return -ENOENT;
	b.ns = vmalloc_array(b.count, sizeof(u64));
	mutex_lock(&mk_bench_lock);
	mk_bench_out[0] = '\0';
	/* Doorbells from instances go to the boot CPU. */
	ret = b.ns ? work_on_cpu(get_boot_cpu_id(), mk_bench_run, &b) : -ENOMEM;
	mutex_unlock(&mk_bench_lock);
	vfree(b.ns);
	mk_peer_put(b.peer);
	return ret ?: count;
}

static ssize_t mk_bench_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&mk_bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, mk_bench_out,
				      strlen(mk_bench_out));
	mutex_unlock(&mk_bench_lock);
	return ret;
}

static const struct file_operations mk_bench_fops = {
	.read	= mk_bench_read,
	.write	= mk_bench_write,
};

/* What the host streams at an instance ends here. */
static void mk_sink_handler(const struct multikernel_msg *msg, void *priv)
{
}

static int __init mk_bench_init(void)
{
	int ret;

	ret = multikernel_register_handler(MULTIKERNEL_MSG_SINK,
					   mk_sink_handler, NULL);
	if (ret || mk_guest_peer())
		return ret;
	debugfs_create_file("bench", 0600, debugfs_create_dir("multikernel", NULL),
			    NULL, &mk_bench_fops);
	return 0;
}
late_initcall(mk_bench_init);
