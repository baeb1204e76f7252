/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The multikernel memory pool (pool.c): the range of RAM reserved at boot
 * that instances' memory and communication areas are carved from.
 */
#ifndef _KERNEL_MULTIKERNEL_POOL_H
#define _KERNEL_MULTIKERNEL_POOL_H

#include <linux/ioport.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct gen_pool;

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
int mk_pool_alloc_at(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_free(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_show(struct resource *res, const char *name, phys_addr_t base,
		  u64 size);
u64 mk_pool_free_bytes(struct mk_pool *pool);

#endif /* _KERNEL_MULTIKERNEL_POOL_H */
