// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/multikernelN: message endpoints for userspace, in the style of
 * rpmsg_char.  On the host N is an instance id; in an instance,
 * /dev/multikernel0 is the host.  An open file binds one message type
 * (MULTIKERNEL_IOC_BIND, a type of MULTIKERNEL_MSG_USER_FIRST or above),
 * then each write() sends one message of that type and each read()
 * returns one.  Every file bound to a type gets its own copy of each
 * message of that type, in a record FIFO of MK_EPT_QUEUE_BYTES allocated
 * when it binds: delivery copies, it does not allocate.  Messages that do
 * not fit, and those of a type no file is bound to, are dropped and
 * counted.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "comm.h"
#include "peer.h"

/*
 * Bytes of messages an open file may have waiting, a power of two: 64 of
 * the largest, each with its 2-byte length.
 */
#define MK_EPT_QUEUE_BYTES	SZ_256K

/**
 * struct mk_cdev - the device of one peer
 * @misc: the misc device
 * @name: its name
 * @ref:  held by the peer until it goes, and by each open file
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

/**
 * struct mk_ept - an open file
 * @node:    in its device's @epts
 * @cdev:    its device
 * @type:    the message type it is bound to, 0 before
 * @fifo:    messages waiting, one record each; filled under the device's
 *           lock, emptied under @read_lock
 * @buf:     its MK_EPT_QUEUE_BYTES, from bind on
 * @read_lock: serialises readers
 * @wait:    readers waiting
 */
struct mk_ept {
	struct list_head node;
	struct mk_cdev *cdev;
	u32 type;
	struct kfifo_rec_ptr_2 fifo;
	void *buf;
	struct mutex read_lock;		/* readers of @fifo */
	wait_queue_head_t wait;
};

static void mk_cdev_release(struct kref *ref)
{
	struct mk_cdev *cdev = container_of(ref, struct mk_cdev, ref);

	mk_peer_put(cdev->peer);
	kfree(cdev);
}

static int mk_cdev_open(struct inode *inode, struct file *file)
{
	struct mk_cdev *cdev = container_of(file->private_data,
					    struct mk_cdev, misc);
	struct mk_ept *ept;

	ept = kzalloc_obj(*ept, GFP_KERNEL);
	if (!ept)
		return -ENOMEM;
	mutex_init(&ept->read_lock);
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
	spin_unlock_irq(&cdev->lock);
	kvfree(ept->buf);
	kfree(ept);
	kref_put(&cdev->ref, mk_cdev_release);
	return 0;
}

static bool mk_ept_readable(struct mk_ept *ept)
{
	bool ret;

	spin_lock_irq(&ept->cdev->lock);
	ret = !kfifo_is_empty(&ept->fifo) || ept->cdev->gone;
	spin_unlock_irq(&ept->cdev->lock);
	return ret;
}

static ssize_t mk_cdev_read(struct file *file, char __user *buf, size_t len,
			    loff_t *ppos)
{
	struct mk_ept *ept = file->private_data;
	struct mk_cdev *cdev = ept->cdev;
	unsigned int copied;
	int ret;

	if (!READ_ONCE(ept->type))
		return -EDESTADDRREQ;
	for (;;) {
		if (mutex_lock_interruptible(&ept->read_lock))
			return -ERESTARTSYS;
		/* One record, cut to @len, as a datagram socket does. */
		if (!kfifo_is_empty(&ept->fifo)) {
			ret = kfifo_to_user(&ept->fifo, buf, len, &copied);
			mutex_unlock(&ept->read_lock);
			return ret ?: copied;
		}
		mutex_unlock(&ept->read_lock);
		if (READ_ONCE(cdev->gone))
			return -ENODEV;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(ept->wait, mk_ept_readable(ept));
		if (ret)
			return ret;
	}
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
	poll_wait(file, &mk_msg_link(cdev->peer)->tx_wait, wait);
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
	mutex_lock(&ept->read_lock);
	if (ept->type) {
		ret = -EINVAL;
	} else {
		ept->buf = kvmalloc(MK_EPT_QUEUE_BYTES, GFP_KERNEL);
		ret = ept->buf ? kfifo_init(&ept->fifo, ept->buf,
					    MK_EPT_QUEUE_BYTES) : -ENOMEM;
		if (ret) {
			kvfree(ept->buf);
			ept->buf = NULL;
		}
	}
	if (!ret) {
		spin_lock_irq(&ept->cdev->lock);
		WRITE_ONCE(ept->type, type);
		spin_unlock_irq(&ept->cdev->lock);
	}
	mutex_unlock(&ept->read_lock);
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
	struct mk_ept *ept;

	if (!cdev)
		return false;
	spin_lock(&cdev->lock);
	list_for_each_entry(ept, &cdev->epts, node) {
		if (ept->type != msg->type)
			continue;
		any = true;
		if (kfifo_avail(&ept->fifo) < msg->len) {
			all = false;
			continue;
		}
		kfifo_in(&ept->fifo, msg->data, msg->len);
		wake_up_interruptible(&ept->wait);
	}
	spin_unlock(&cdev->lock);
	return any && all;
}

/* A peer appeared: create /dev/multikernelN for it. */
static int mk_cdev_add(struct multikernel_link *link)
{
	struct mk_peer *peer = link->peer;
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

/* The peer goes: remove its device; open files see -ENODEV. */
static void mk_cdev_del(struct multikernel_link *link)
{
	struct mk_peer *peer = link->peer;
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

static struct multikernel_channel mk_cdev_channel = {
	.name	= "chardev",
	.link	= MULTIKERNEL_LINK_MSG,
	.add	= mk_cdev_add,
	.remove	= mk_cdev_del,
};

static int __init mk_cdev_init(void)
{
	return multikernel_channel_register(&mk_cdev_channel);
}
device_initcall(mk_cdev_init);
