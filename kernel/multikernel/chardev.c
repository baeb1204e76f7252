// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/multikernelN: message endpoints for userspace, in the style of
 * rpmsg_char.  On the host N is an instance id; in an instance,
 * /dev/multikernel0 is the host.  An open file binds one message type
 * (MULTIKERNEL_IOC_BIND, a type of MULTIKERNEL_MSG_USER_FIRST or above),
 * then each write() sends one message of that type and each read()
 * returns one.  Every file bound to a type gets its own copy of each
 * message of that type, up to MK_EPT_QUEUE_MAX waiting; beyond that, and
 * when no file is bound to a type, messages are dropped and counted.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/multikernel.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "comm.h"
#include "internal.h"

/* Messages an open file may have waiting. */
#define MK_EPT_QUEUE_MAX	256

/**
 * struct mk_cdev - the device of one peer
 * @misc: the misc device
 * @name: its name
 * @ref:  held by the peer until mk_cdev_del(), and by each open file
 * @lock: protects @epts, the endpoints' queues and @gone
 * @epts: the open files
 * @gone: the peer is being destroyed
 * @peer: the peer; referenced until the last put
 */
struct mk_cdev {
	struct miscdevice misc;
	char name[24];
	struct kref ref;
	spinlock_t lock;	/* epts, queues, gone; taken in the handlers */
	struct list_head epts;
	bool gone;
	struct mk_peer *peer;
};

/* An open file. */
struct mk_ept {
	struct list_head node;
	struct mk_cdev *cdev;
	u32 type;
	struct list_head queue;
	unsigned int queued;
	wait_queue_head_t wait;
};

struct mk_qmsg {
	struct list_head node;
	u32 len;
	u8 data[];
};

static void mk_cdev_release(struct kref *ref)
{
	struct mk_cdev *cdev = container_of(ref, struct mk_cdev, ref);

	mk_peer_put(cdev->peer);
	kfree(cdev);
}

static void mk_ept_flush(struct mk_ept *ept)
{
	struct mk_qmsg *m, *tmp;

	list_for_each_entry_safe(m, tmp, &ept->queue, node)
		kfree(m);
	INIT_LIST_HEAD(&ept->queue);
	ept->queued = 0;
}

static int mk_cdev_open(struct inode *inode, struct file *file)
{
	struct mk_cdev *cdev = container_of(file->private_data,
					    struct mk_cdev, misc);
	struct mk_ept *ept;

	ept = kzalloc_obj(*ept, GFP_KERNEL);
	if (!ept)
		return -ENOMEM;
	INIT_LIST_HEAD(&ept->queue);
	init_waitqueue_head(&ept->wait);
	ept->cdev = cdev;
	/* misc_open() holds misc_mtx, which misc_deregister() takes. */
	kref_get(&cdev->ref);

	spin_lock_irq(&cdev->lock);
	list_add_tail(&ept->node, &cdev->epts);
	spin_unlock_irq(&cdev->lock);
	file->private_data = ept;
	return stream_open(inode, file);
}

static int mk_cdev_close(struct inode *inode, struct file *file)
{
	struct mk_ept *ept = file->private_data;
	struct mk_cdev *cdev = ept->cdev;

	spin_lock_irq(&cdev->lock);
	list_del(&ept->node);
	mk_ept_flush(ept);
	spin_unlock_irq(&cdev->lock);
	kfree(ept);
	kref_put(&cdev->ref, mk_cdev_release);
	return 0;
}

static bool mk_ept_readable(struct mk_ept *ept)
{
	bool ret;

	spin_lock_irq(&ept->cdev->lock);
	ret = !list_empty(&ept->queue) || ept->cdev->gone;
	spin_unlock_irq(&ept->cdev->lock);
	return ret;
}

static ssize_t mk_cdev_read(struct file *file, char __user *buf, size_t len,
			    loff_t *ppos)
{
	struct mk_ept *ept = file->private_data;
	struct mk_cdev *cdev = ept->cdev;
	struct mk_qmsg *m;
	int ret;

	if (!READ_ONCE(ept->type))
		return -EDESTADDRREQ;
	for (;;) {
		spin_lock_irq(&cdev->lock);
		m = list_first_entry_or_null(&ept->queue, struct mk_qmsg, node);
		if (m) {
			list_del(&m->node);
			ept->queued--;
		}
		spin_unlock_irq(&cdev->lock);
		if (m)
			break;
		if (READ_ONCE(cdev->gone))
			return -ENODEV;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(ept->wait, mk_ept_readable(ept));
		if (ret)
			return ret;
	}

	len = min_t(size_t, len, m->len);
	ret = copy_to_user(buf, m->data, len) ? -EFAULT : len;
	kfree(m);
	return ret;
}

static ssize_t mk_cdev_write(struct file *file, const char __user *buf,
			     size_t len, loff_t *ppos)
{
	struct mk_ept *ept = file->private_data;
	struct mk_msg_hdr hdr = { .len = len };
	void *data;
	int ret;

	hdr.type = READ_ONCE(ept->type);
	if (!hdr.type)
		return -EDESTADDRREQ;
	if (len > MULTIKERNEL_MSG_MAX)
		return -EMSGSIZE;
	if (READ_ONCE(ept->cdev->gone))
		return -ENODEV;
	data = memdup_user(buf, len);
	if (IS_ERR(data))
		return PTR_ERR(data);
	ret = mk_peer_send(ept->cdev->peer, &hdr, data,
			   file->f_flags & O_NONBLOCK ? 0 : MAX_SCHEDULE_TIMEOUT);
	kfree(data);
	return ret ?: len;
}

static __poll_t mk_cdev_poll(struct file *file, poll_table *wait)
{
	struct mk_ept *ept = file->private_data;
	struct mk_cdev *cdev = ept->cdev;
	__poll_t mask = 0;

	poll_wait(file, &ept->wait, wait);
	poll_wait(file, &cdev->peer->tx_wait, wait);
	if (mk_ept_readable(ept))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (mk_peer_writable(cdev->peer))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static long mk_cdev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct mk_ept *ept = file->private_data;
	int ret = 0;
	u32 type;

	if (cmd != MULTIKERNEL_IOC_BIND)
		return -ENOTTY;
	if (get_user(type, (u32 __user *)arg))
		return -EFAULT;
	if (type < MULTIKERNEL_MSG_USER_FIRST || type > MULTIKERNEL_MSG_USER_LAST)
		return -EINVAL;

	/* Bound once, as a socket is: nothing queued is lost to a rebind. */
	spin_lock_irq(&ept->cdev->lock);
	if (ept->type)
		ret = -EINVAL;
	else
		WRITE_ONCE(ept->type, type);
	spin_unlock_irq(&ept->cdev->lock);
	return ret;
}

static const struct file_operations mk_cdev_fops = {
	.owner		= THIS_MODULE,
	.open		= mk_cdev_open,
	.release	= mk_cdev_close,
	.read		= mk_cdev_read,
	.write		= mk_cdev_write,
	.poll		= mk_cdev_poll,
	.unlocked_ioctl	= mk_cdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * mk_cdev_deliver - hand a user message to the files bound to its type
 * @peer: the sender
 * @msg:  the message
 *
 * Context: the message handlers' (interrupts disabled).
 *
 * Return: whether every bound file got it; false if none is bound.
 */
bool mk_cdev_deliver(struct mk_peer *peer, const struct multikernel_msg *msg)
{
	struct mk_cdev *cdev = peer->cdev;
	bool any = false, all = true;
	struct mk_qmsg *m;
	struct mk_ept *ept;

	if (!cdev)
		return false;
	spin_lock(&cdev->lock);
	list_for_each_entry(ept, &cdev->epts, node) {
		if (ept->type != msg->type)
			continue;
		any = true;
		m = NULL;
		if (ept->queued < MK_EPT_QUEUE_MAX)
			m = kmalloc(struct_size(m, data, msg->len), GFP_ATOMIC);
		if (!m) {
			all = false;
			continue;
		}
		m->len = msg->len;
		memcpy(m->data, msg->data, msg->len);
		list_add_tail(&m->node, &ept->queue);
		ept->queued++;
		wake_up_interruptible(&ept->wait);
	}
	spin_unlock(&cdev->lock);
	return any && all;
}

/**
 * mk_cdev_add - create /dev/multikernelN for a peer
 * @peer: an initialised peer
 *
 * Return: 0 or an error from misc_register().
 */
int mk_cdev_add(struct mk_peer *peer)
{
	struct mk_cdev *cdev;
	int ret;

	cdev = kzalloc_obj(*cdev, GFP_KERNEL);
	if (!cdev)
		return -ENOMEM;
	kref_init(&cdev->ref);
	spin_lock_init(&cdev->lock);
	INIT_LIST_HEAD(&cdev->epts);
	cdev->peer = mk_peer_hold(peer);
	snprintf(cdev->name, sizeof(cdev->name), "multikernel%d", peer->id);
	cdev->misc.minor = MISC_DYNAMIC_MINOR;
	cdev->misc.name = cdev->name;
	cdev->misc.fops = &mk_cdev_fops;
	cdev->misc.mode = 0600;

	ret = misc_register(&cdev->misc);
	if (ret) {
		kref_put(&cdev->ref, mk_cdev_release);
		return ret;
	}
	peer->cdev = cdev;
	return 0;
}

/**
 * mk_cdev_del - remove a peer's device; open files see -ENODEV
 * @peer: the peer, detached
 */
void mk_cdev_del(struct mk_peer *peer)
{
	struct mk_cdev *cdev = peer->cdev;
	struct mk_ept *ept;

	if (!cdev)
		return;
	misc_deregister(&cdev->misc);
	spin_lock_irq(&cdev->lock);
	peer->cdev = NULL;
	cdev->gone = true;
	list_for_each_entry(ept, &cdev->epts, node)
		wake_up_interruptible(&ept->wait);
	spin_unlock_irq(&cdev->lock);
	kref_put(&cdev->ref, mk_cdev_release);
}
