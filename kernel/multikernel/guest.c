// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running as an instance: the instance's side of the communication area.
 * It reports its state, kernel release, uptime and heartbeat (which stops
 * when any of its CPUs stops taking timer ticks), keeps its
 * kernel log there (console.c), records the reason of a panic, talks to
 * the host over the rings and powers off when the host asks it to.  It
 * watches the host's heartbeat too: across a live update of the host it
 * rings nothing, measures how long the host was away, and resets its
 * connections to the old host once the new one adopted it.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/multikernel.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>

#include "comm.h"
#include "peer.h"

static struct mk_comm *mk_comm;
static int mk_self_id;
static struct mk_peer mk_host;
static struct timer_list mk_heartbeat;

/* The host's heartbeat as last seen, when (ms of uptime), and its epoch. */
static u64 mk_host_beat;
static u64 mk_host_beat_ms;
static u32 mk_host_epoch;

/* The host, when we are an instance; NULL on the host. */
struct mk_peer *mk_guest_peer(void)
{
	return mk_comm ? &mk_host : NULL;
}

/**
 * multikernel_instance_id - this kernel's instance id
 *
 * Return: the id, 1 .. 65535, in an instance; 0 on a host.
 */
int multikernel_instance_id(void)
{
	return mk_comm ? mk_self_id : 0;
}

/* Our communication area, when we are an instance. */
struct mk_comm *mk_guest_comm(void)
{
	return mk_comm;
}

/**
 * multikernel_report - tell the host how the instance is
 * @state: MULTIKERNEL_INSTANCE_*; a crash is not overwritten by a stop
 *
 * Context: any, including panic and a parking CPU.
 */
void multikernel_report(u32 state)
{
	if (!mk_comm)
		return;
	if (state == MULTIKERNEL_INSTANCE_STOPPED &&
	    READ_ONCE(mk_comm->state) == MULTIKERNEL_INSTANCE_CRASHED)
		return;
	WRITE_ONCE(mk_comm->state, state);
	mk_peer_ring(&mk_host);
}

/*
 * Each CPU's own tick: a CPU that stops taking interrupts (a hard lockup)
 * stops its tick, and then the instance's heartbeat stops.
 */
static DEFINE_PER_CPU(struct timer_list, mk_cpu_timer);
static DEFINE_PER_CPU(unsigned long, mk_cpu_beat);

/* How long a CPU's tick may be late before the heartbeat stops. */
#define MK_CPU_SILENT_MS	(10 * MK_HEARTBEAT_MS)

static void mk_cpu_tick(struct timer_list *t)
{
	this_cpu_write(mk_cpu_beat, jiffies);
	mod_timer(t, jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS));
}

static int mk_cpu_online(unsigned int cpu)
{
	struct timer_list *t = per_cpu_ptr(&mk_cpu_timer, cpu);

	per_cpu(mk_cpu_beat, cpu) = jiffies;
	timer_setup(t, mk_cpu_tick, TIMER_PINNED);
	t->expires = jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS);
	add_timer_on(t, cpu);
	return 0;
}

/* A CPU going offline (given back to the host) takes its tick along. */
static int mk_cpu_offline(unsigned int cpu)
{
	timer_delete_sync(per_cpu_ptr(&mk_cpu_timer, cpu));
	return 0;
}

/*
 * A new host adopted us: what we had with the old one is gone.  Channels
 * start over, as when the host restarts an instance: connected sockets
 * are reset (ECONNRESET), listening ones stay.
 */
static void mk_host_changed(struct work_struct *work)
{
	mk_channels_stop(&mk_host);
	mk_channels_start(&mk_host);
	pr_info("host kernel updated: %u ms without the host\n",
		READ_ONCE(mk_comm->host_away_ms));
}

static DECLARE_WORK(mk_host_changed_work, mk_host_changed);

/* From the heartbeat timer: follow the host's heartbeat and epoch. */
static void mk_host_tick(void)
{
	u64 beat = READ_ONCE(mk_comm->host_heartbeat);
	u32 epoch = READ_ONCE(mk_comm->host_epoch);
	u64 now = ktime_get_boottime_ns() / NSEC_PER_MSEC;

	if (epoch != mk_host_epoch) {
		mk_host_epoch = epoch;
		WRITE_ONCE(mk_comm->host_away_ms,
			   min_t(u64, now - mk_host_beat_ms, U32_MAX));
		queue_work(system_dfl_wq, &mk_host_changed_work);
	}
	if (beat != mk_host_beat || !mk_host_beat_ms) {
		mk_host_beat = beat;
		mk_host_beat_ms = now;
	}
}

static void mk_heartbeat_tick(struct timer_list *t)
{
	static unsigned int silent = UINT_MAX;
	unsigned long late = msecs_to_jiffies(MK_CPU_SILENT_MS);
	unsigned int cpu, stuck = UINT_MAX;

	for_each_online_cpu(cpu)
		if (time_after(jiffies, READ_ONCE(per_cpu(mk_cpu_beat, cpu)) + late))
			stuck = cpu;
	if (stuck != silent && stuck != UINT_MAX)
		pr_warn("CPU %u took no timer tick for %u ms: heartbeat stopped\n",
			stuck, MK_CPU_SILENT_MS);
	silent = stuck;

	WRITE_ONCE(mk_comm->cpus_online, num_online_cpus());
	WRITE_ONCE(mk_comm->uptime_ms, ktime_get_boottime_ns() / NSEC_PER_MSEC);
	mk_host_tick();
	if (stuck == UINT_MAX)
		WRITE_ONCE(mk_comm->heartbeat, mk_comm->heartbeat + 1);
	mod_timer(&mk_heartbeat, jiffies + msecs_to_jiffies(MK_HEARTBEAT_MS));
}

static int mk_guest_panic(struct notifier_block *nb, unsigned long event,
			  void *msg)
{
	strscpy(mk_comm->crash_reason, msg ?: "panic", MK_CRASH_LEN);
	multikernel_report(MULTIKERNEL_INSTANCE_CRASHED);
	return NOTIFY_DONE;
}

static struct notifier_block mk_guest_panic_nb = {
	.notifier_call	= mk_guest_panic,
	/* Before kmsg_dump and the consoles' last flush. */
	.priority	= INT_MAX,
};

/* The host asks us to stop: the usual way, as if power were cut. */
static void mk_guest_shutdown(const struct multikernel_msg *msg, void *priv)
{
	if (msg->peer == MULTIKERNEL_HOST)
		orderly_poweroff(true);
}

/* The host moved its doorbell: ring there from now on. */
static void mk_guest_doorbell(const struct multikernel_msg *msg, void *priv)
{
	u64 doorbell;

	if (msg->peer != MULTIKERNEL_HOST || msg->len != sizeof(doorbell))
		return;
	memcpy(&doorbell, msg->data, sizeof(doorbell));
	WRITE_ONCE(mk_host.doorbell, doorbell);
}

/*
 * The host is about to kexec into a new kernel, which will adopt us: ring
 * nothing from now on (the doorbell would hit a kernel that does not know
 * it), until the new host tells us where (a doorbell message).  Messages
 * wait in the rings meanwhile.  The answer is rung to the old host first.
 */
static void mk_guest_host_away(const struct multikernel_msg *msg, void *priv)
{
	if (msg->peer != MULTIKERNEL_HOST)
		return;
	if (!multikernel_reply(msg, NULL, 0))
		WRITE_ONCE(mk_host.doorbell, 0);
}

static int __init mk_guest_init(void)
{
	struct multikernel_self self;
	int ret;

	if (!arch_multikernel_self(&self))
		return 0;
	if (self.comm_size < sizeof(struct mk_comm))
		panic("multikernel: communication area too small: %u bytes",
		      self.comm_size);
	mk_comm = memremap(self.comm_base, self.comm_size, MEMREMAP_WB);
	if (!mk_comm)
		panic("multikernel: cannot map the communication area");
	if (mk_comm->magic != MK_COMM_MAGIC ||
	    mk_comm->version != MK_COMM_VERSION || mk_comm->id != self.id)
		panic("multikernel: bad communication area at %pa",
		      &self.comm_base);

	mk_self_id = self.id;
	strscpy(mk_comm->release, init_utsname()->release, MK_RELEASE_LEN);
	/*
	 * Where the host's doorbell is; read once: later we believe only
	 * the host's doorbell message, not what else may write the area.
	 */
	mk_peer_init(&mk_host, MULTIKERNEL_HOST, READ_ONCE(mk_comm->doorbell));
	mk_host.vsock_cid = READ_ONCE(mk_comm->vsock_cid);
	mk_peer_attach(&mk_host, mk_comm, false);
	mk_host_epoch = READ_ONCE(mk_comm->host_epoch);
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "multikernel:beat",
				mk_cpu_online, mk_cpu_offline);
	if (ret < 0)
		return ret;
	timer_setup(&mk_heartbeat, mk_heartbeat_tick, 0);
	mk_heartbeat_tick(&mk_heartbeat);
	atomic_notifier_chain_register(&panic_notifier_list, &mk_guest_panic_nb);
	mk_console_start(&mk_comm->console);
	return multikernel_register_handler(MULTIKERNEL_MSG_SHUTDOWN,
					    mk_guest_shutdown, NULL) ?:
	       multikernel_register_handler(MULTIKERNEL_MSG_DOORBELL,
					    mk_guest_doorbell, NULL) ?:
	       multikernel_register_handler(MULTIKERNEL_MSG_HOST_AWAY,
					    mk_guest_host_away, NULL);
}
arch_initcall(mk_guest_init);

static int __init mk_guest_running(void)
{
	multikernel_report(MULTIKERNEL_INSTANCE_RUNNING);
	return 0;
}
late_initcall_sync(mk_guest_running);
