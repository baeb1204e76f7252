// SPDX-License-Identifier: GPL-2.0-only
/*
 * An instance's kernel log, kept for the host in the communication area:
 * a console that writes into a byte ring the host reads through
 * /sys/kernel/multikernel/instances/<id>/console, also after the instance
 * died.  It needs no device and no interrupt, so it works in a panic.
 */
#include <linux/console.h>
#include <linux/init.h>

#include "comm.h"
#include "peer.h"

static struct mk_console_ring *mk_con;

static void mk_console_write(struct console *con, const char *s,
			     unsigned int count)
{
	u64 head = mk_con->head;

	while (count--)
		mk_con->buf[head++ % MK_CONSOLE_SIZE] = *s++;
	/* The bytes before the count that covers them. */
	smp_wmb();
	WRITE_ONCE(mk_con->head, head);
}

static struct console mk_console = {
	.name	= "mkcon",
	.write	= mk_console_write,
	/* Enabled without console=, and with the log from the start. */
	.flags	= CON_ENABLED | CON_PRINTBUFFER | CON_ANYTIME,
	.index	= -1,
};

/**
 * mk_console_start - keep this kernel's log in @ring
 * @ring: the console ring of our communication area
 */
void __init mk_console_start(struct mk_console_ring *ring)
{
	mk_con = ring;
	register_console(&mk_console);
}
