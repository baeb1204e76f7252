/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel internals shared by the files in kernel/multikernel/.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/ioport.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>

/* Pool base, pool size and every allocation are multiples of this. */
#define MK_POOL_ALIGN		SZ_2M
#define MK_POOL_ALIGN_ORDER	21

/**
 * struct mk_pool - a physical memory range handed out to instances
 * @gp:   allocator over [@base, @base + @size), NULL when there is no pool
 * @base: physical start address
 * @size: size in bytes
 */
struct mk_pool {
	struct gen_pool *gp;
	phys_addr_t base;
	u64 size;
};

/* The pool reserved at boot with multikernel_pool=; empty if none. */
extern struct mk_pool mk_host_pool;

int mk_pool_parse(const char *arg, u64 *size, u64 *base);
int mk_pool_init(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_destroy(struct mk_pool *pool);
int mk_pool_alloc(struct mk_pool *pool, u64 size, phys_addr_t *base);
void mk_pool_free(struct mk_pool *pool, phys_addr_t base, u64 size);
u64 mk_pool_free_bytes(struct mk_pool *pool);

/* Instance ids are 1 .. MK_ID_MAX: they travel in kexec flag bits 32..47. */
#define MK_ID_MAX		65535

enum mk_state {
	MK_STATE_EMPTY,		/* created, nothing loaded */
	MK_STATE_LOADED,	/* a kernel is loaded into its memory */
	MK_STATE_STARTING,	/* its CPU was sent to the kernel */
	MK_STATE_RUNNING,	/* the kernel reported that it runs */
	MK_STATE_STOPPING,	/* asked to shut down */
	MK_STATE_STOPPED,	/* shut down, CPU parked */
	MK_STATE_CRASHED,	/* the kernel reported a panic */
	MK_STATE_HUNG,		/* the kernel stopped its heartbeat */
};

/**
 * struct mk_instance - a kernel the host runs next to itself
 * @kobj:           /sys/kernel/multikernel/instances/<id>/
 * @id:             1 .. MK_ID_MAX
 * @cpu:            the CPU it runs on, offline in the host
 * @cpu_was_online: give @cpu back online when the instance is destroyed
 * @mem_base:       physical start of its memory, carved from the pool
 * @mem_size:       size of its memory
 * @mem_res:        "Multikernel instance <id>" in /proc/iomem
 * @res_name:       storage for @mem_res.name
 * @state:          where it is in its life; changed under mk_lock
 * @image:          the loaded kernel, NULL when empty; under the kexec lock
 */
struct mk_instance {
	struct kobject kobj;
	int id;
	unsigned int cpu;
	bool cpu_was_online;
	phys_addr_t mem_base;
	u64 mem_size;
	struct resource mem_res;
	char res_name[32];
	enum mk_state state;
	struct kimage *image;
};

/* Serialises instance creation, destruction and state changes. */
extern struct mutex mk_lock;

const char *mk_state_name(enum mk_state state);
int mk_instance_parse(const char *buf, int *id, unsigned int *cpu, u64 *size);
int mk_instance_create(int id, unsigned int cpu, u64 size);
int mk_instance_destroy(int id);
struct mk_instance *mk_instance_find(int id);
void mk_instance_teardown(struct mk_instance *inst);
void mk_instance_set_state(struct mk_instance *inst, enum mk_state state);
void mk_instance_refresh(struct mk_instance *inst);
bool mk_cpu_is_owned(unsigned int cpu);
bool mk_instance_executing(struct mk_instance *inst);

int mk_sysfs_add_instance(struct mk_instance *inst);
void mk_sysfs_del_instance(struct mk_instance *inst);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
