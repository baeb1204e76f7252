// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interactive console of a multikernel instance: /dev/hvc0 in the
 * instance, whose other end is /dev/ttyMK<id> on the host.  Bytes travel
 * both ways as MULTIKERNEL_MSG_CONSOLE messages of up to
 * MULTIKERNEL_MSG_MAX bytes.  The instance's kernel log is not here: it
 * stays in the communication area, where the host reads it even after a
 * crash.
 *
 * Instance: an hvc backend, polled by khvcd and kicked when bytes come.
 * Host: a tty driver with a line per instance (ids below MK_TTY_LINES),
 * which hangs up when the instance stops.
 */
#include <linux/init.h>
#include <linux/kfifo.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/workqueue.h>

#include "hvc_console.h"

/* Instances with an id below this get /dev/ttyMK<id>. */
#define MK_TTY_LINES		256
/* Bytes from the host the instance keeps until hvc reads them. */
#define MK_HVC_RX_BYTES		SZ_4K

/* The instance's end. */
static DEFINE_KFIFO(mk_hvc_rx, u8, MK_HVC_RX_BYTES);
static DEFINE_SPINLOCK(mk_hvc_rx_lock);

static ssize_t mk_hvc_get_chars(u32 vtermno, u8 *buf, size_t count)
{
	return kfifo_out_spinlocked(&mk_hvc_rx, buf, count, &mk_hvc_rx_lock);
}

static ssize_t mk_hvc_put_chars(u32 vtermno, const u8 *buf, size_t count)
{
	int ret;

	count = min_t(size_t, count, MULTIKERNEL_MSG_MAX);
	ret = multikernel_send(MULTIKERNEL_HOST, MULTIKERNEL_MSG_CONSOLE, buf,
			       count, false);
	/* Full: hvc tries again later.  No host: nobody reads, drop. */
	return ret == -EAGAIN ? 0 : count;
}

static const struct hv_ops mk_hvc_ops = {
	.get_chars = mk_hvc_get_chars,
	.put_chars = mk_hvc_put_chars,
};

/* The host's end. */

/**
 * struct mk_tty - the host's end of an instance's console
 * @port:   its tty port
 * @id:     the instance
 * @wakeup: tells writers there may be room again
 */
struct mk_tty {
	struct tty_port port;
	int id;
	struct delayed_work wakeup;
};

static struct tty_driver *mk_tty_driver;
static struct mk_tty __rcu *mk_ttys[MK_TTY_LINES];

/* An open tty holds its port, as rpmsg_tty's do: it may outlive removal. */
static int mk_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct tty_port *port = NULL;
	struct mk_tty *t;

	rcu_read_lock();
	t = rcu_dereference(mk_ttys[tty->index]);
	if (t)
		port = tty_port_get(&t->port);
	rcu_read_unlock();
	return port ? tty_port_install(port, driver, tty) : -ENODEV;
}

static void mk_tty_cleanup(struct tty_struct *tty)
{
	tty_port_put(tty->port);
}

static int mk_tty_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(tty->port, tty, filp);
}

static void mk_tty_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(tty->port, tty, filp);
}

static void mk_tty_hangup(struct tty_struct *tty)
{
	tty_port_hangup(tty->port);
}

static ssize_t mk_tty_write(struct tty_struct *tty, const u8 *buf, size_t count)
{
	struct mk_tty *t = container_of(tty->port, struct mk_tty, port);
	int ret;

	count = min_t(size_t, count, MULTIKERNEL_MSG_MAX);
	ret = multikernel_send(t->id, MULTIKERNEL_MSG_CONSOLE, buf, count, false);
	if (ret == -EAGAIN) {
		/* No doorbell says "room" to us: look again in a while. */
		schedule_delayed_work(&t->wakeup, msecs_to_jiffies(10));
		return 0;
	}
	/* Not running: the bytes go nowhere, as on a line nobody listens to. */
	return count;
}

static unsigned int mk_tty_write_room(struct tty_struct *tty)
{
	return MULTIKERNEL_MSG_MAX;
}

static const struct tty_operations mk_tty_ops = {
	.install	= mk_tty_install,
	.cleanup	= mk_tty_cleanup,
	.open		= mk_tty_open,
	.close		= mk_tty_close,
	.hangup		= mk_tty_hangup,
	.write		= mk_tty_write,
	.write_room	= mk_tty_write_room,
};

static const struct tty_port_operations mk_tty_port_ops = {
};

static void mk_tty_wakeup(struct work_struct *work)
{
	struct mk_tty *t = container_of(to_delayed_work(work), struct mk_tty,
					wakeup);

	tty_port_tty_wakeup(&t->port);
}

/* Bytes from the other kernel; softirq context. */
static void mk_console_handler(const struct multikernel_msg *msg, void *priv)
{
	struct mk_tty *t;

	if (multikernel_is_instance()) {
		if (msg->peer != MULTIKERNEL_HOST)
			return;
		kfifo_in_spinlocked(&mk_hvc_rx, msg->data, msg->len,
				    &mk_hvc_rx_lock);
		hvc_kick();
		return;
	}
	if (msg->peer <= 0 || msg->peer >= MK_TTY_LINES)
		return;
	rcu_read_lock();
	t = rcu_dereference(mk_ttys[msg->peer]);
	if (t) {
		tty_insert_flip_string(&t->port, msg->data, msg->len);
		tty_flip_buffer_push(&t->port);
	}
	rcu_read_unlock();
}

static int mk_tty_add(struct multikernel_link *link)
{
	int id = multikernel_link_peer(link);
	struct device *dev;
	struct mk_tty *t;

	if (id == MULTIKERNEL_HOST) {
		/* The instance's end, once: there is one host. */
		return PTR_ERR_OR_ZERO(hvc_alloc(0, 0, &mk_hvc_ops, PAGE_SIZE));
	}
	if (id >= MK_TTY_LINES)
		return 0;
	t = kzalloc_obj(*t, GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->id = id;
	INIT_DELAYED_WORK(&t->wakeup, mk_tty_wakeup);
	tty_port_init(&t->port);
	t->port.ops = &mk_tty_port_ops;
	rcu_assign_pointer(mk_ttys[id], t);
	dev = tty_port_register_device(&t->port, mk_tty_driver, id, NULL);
	if (IS_ERR(dev)) {
		RCU_INIT_POINTER(mk_ttys[id], NULL);
		synchronize_rcu();
		tty_port_destroy(&t->port);
		kfree(t);
		return PTR_ERR(dev);
	}
	return 0;
}

/* The instance stopped: whoever has its console open sees a hangup. */
static void mk_tty_stop(struct multikernel_link *link)
{
	int id = multikernel_link_peer(link);
	struct mk_tty *t;

	if (id <= 0 || id >= MK_TTY_LINES)
		return;
	t = rcu_dereference_protected(mk_ttys[id], true);
	if (t)
		tty_port_tty_hangup(&t->port, false);
}

static void mk_tty_remove(struct multikernel_link *link)
{
	int id = multikernel_link_peer(link);
	struct mk_tty *t;

	if (id <= 0 || id >= MK_TTY_LINES)
		return;
	t = rcu_dereference_protected(mk_ttys[id], true);
	if (!t)
		return;
	tty_unregister_device(mk_tty_driver, id);
	RCU_INIT_POINTER(mk_ttys[id], NULL);
	synchronize_rcu();
	cancel_delayed_work_sync(&t->wakeup);
	tty_port_tty_hangup(&t->port, false);
	tty_port_put(&t->port);
}

static struct multikernel_channel mk_console_channel = {
	.name	= "console",
	.link	= MULTIKERNEL_LINK_MSG,
	.add	= mk_tty_add,
	.stop	= mk_tty_stop,
	.remove	= mk_tty_remove,
};

static int __init mk_console_init(void)
{
	struct tty_driver *driver;
	int ret;

	if (!multikernel_is_instance()) {
		driver = tty_alloc_driver(MK_TTY_LINES, TTY_DRIVER_REAL_RAW |
					  TTY_DRIVER_DYNAMIC_DEV);
		if (IS_ERR(driver))
			return PTR_ERR(driver);
		driver->driver_name = "multikernel";
		driver->name = "ttyMK";
		driver->type = TTY_DRIVER_TYPE_CONSOLE;
		driver->init_termios = tty_std_termios;
		tty_set_operations(driver, &mk_tty_ops);
		ret = tty_register_driver(driver);
		if (ret) {
			tty_driver_kref_put(driver);
			return ret;
		}
		mk_tty_driver = driver;
	}
	ret = multikernel_register_handler(MULTIKERNEL_MSG_CONSOLE,
					   mk_console_handler, NULL);
	return ret ?: multikernel_channel_register(&mk_console_channel);
}
device_initcall(mk_console_init);
