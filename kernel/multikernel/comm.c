// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's side of an instance's communication area: carved from the
 * pool when the instance is created, reset before each start, kept (with
 * the instance's last log and crash reason) until the instance is
 * destroyed.  What the instance wrote is copied out and bounded before
 * use.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/string.h>

#include "comm.h"
#include "internal.h"

/* Map @inst->comm_base, taken from the pool, and show it in /proc/iomem. */
static int mk_comm_map(struct mk_instance *inst)
{
	inst->comm = memremap(inst->comm_base, MK_COMM_SIZE, MEMREMAP_WB);
	if (!inst->comm) {
		mk_pool_free(&mk_host_pool, inst->comm_base, MK_COMM_SIZE);
		return -ENOMEM;
	}
	snprintf(inst->comm_res_name, sizeof(inst->comm_res_name),
		 "Multikernel instance %d comm", inst->id);
	mk_pool_show(&inst->comm_res, inst->comm_res_name, inst->comm_base,
		     MK_COMM_SIZE);
	return 0;
}

/**
 * mk_comm_create - give an instance its communication area
 * @inst: the instance being created
 *
 * Return: 0 or -ENOMEM.
 */
int mk_comm_create(struct mk_instance *inst)
{
	size_t off;

	if (mk_pool_alloc(&mk_host_pool, MK_COMM_SIZE, &inst->comm_base))
		return -ENOMEM;
	if (mk_comm_map(inst))
		return -ENOMEM;
	/* Page by page: the area is over a megabyte. */
	for (off = 0; off < sizeof(*inst->comm); off += PAGE_SIZE)
		memset((void *)inst->comm + off, 0,
		       min_t(size_t, PAGE_SIZE, sizeof(*inst->comm) - off));
	return 0;
}

/**
 * mk_comm_adopt - take over the area a previous host kernel gave @inst
 * @inst: the instance being adopted; @inst->comm_base set
 *
 * The area is used as it is: the instance runs.
 *
 * Return: 0, -ENOMEM, or as mk_pool_alloc_at().
 */
int mk_comm_adopt(struct mk_instance *inst)
{
	int ret;

	ret = mk_pool_alloc_at(&mk_host_pool, inst->comm_base, MK_COMM_SIZE);
	return ret ?: mk_comm_map(inst);
}

void mk_comm_destroy(struct mk_instance *inst)
{
	if (!inst->comm)
		return;
	if (inst->comm_res.parent)
		release_resource(&inst->comm_res);
	memunmap(inst->comm);
	inst->comm = NULL;
	mk_pool_free(&mk_host_pool, inst->comm_base, MK_COMM_SIZE);
}

/**
 * mk_comm_reset - a clean area for the next start
 * @inst: the instance, not executing
 */
void mk_comm_reset(struct mk_instance *inst)
{
	struct mk_comm *comm = inst->comm;
	int i;

	memset(comm, 0, offsetof(struct mk_comm, links));
	comm->magic = MK_COMM_MAGIC;
	comm->version = MK_COMM_VERSION;
	comm->id = inst->id;
	comm->state = MULTIKERNEL_INSTANCE_BOOTING;
	comm->vsock_cid = inst->vsock_cid;
	for (i = 0; i < MULTIKERNEL_NR_LINKS; i++) {
		mk_ring_reset(&comm->links[i].to_instance);
		mk_ring_reset(&comm->links[i].to_host);
	}
}

/* The state the instance reports; MULTIKERNEL_INSTANCE_* or garbage. */
u32 mk_comm_state(struct mk_instance *inst)
{
	return READ_ONCE(inst->comm->state);
}

/**
 * mk_comm_string - a string the instance wrote, as one line for sysfs
 * @src: the field in the communication area
 * @max: its size
 * @buf: sysfs buffer (PAGE_SIZE)
 *
 * Return: bytes in @buf: @src up to its first NUL or newline, at most
 * @max bytes, non-printable bytes replaced, and a newline.
 */
ssize_t mk_comm_string(const char *src, size_t max, char *buf)
{
	size_t n, i;

	memcpy(buf, src, max);
	for (n = 0; n < max && buf[n] && buf[n] != '\n'; n++)
		;
	for (i = 0; i < n; i++)
		if (buf[i] < ' ' || buf[i] > '~')
			buf[i] = '?';
	buf[n++] = '\n';
	return n;
}

/**
 * mk_comm_console - read the instance's log as it is now
 * @inst:  the instance
 * @buf:   where to copy
 * @off:   offset in the log the host still has (the last MK_CONSOLE_SIZE
 *         bytes at most)
 * @count: bytes wanted
 *
 * Return: bytes copied, 0 at the end.
 */
ssize_t mk_comm_console(struct mk_instance *inst, char *buf, loff_t off,
			size_t count)
{
	struct mk_console_ring *con = &inst->comm->console;
	u64 head = READ_ONCE(con->head);
	u64 len = min_t(u64, head, MK_CONSOLE_SIZE);
	size_t pos, chunk, done = 0;

	if (off >= len)
		return 0;
	count = min_t(u64, count, len - off);
	pos = (head - len + off) % MK_CONSOLE_SIZE;
	while (done < count) {
		chunk = min(count - done, MK_CONSOLE_SIZE - pos);
		memcpy(buf + done, con->buf + pos, chunk);
		done += chunk;
		pos = 0;
	}
	return done;
}
