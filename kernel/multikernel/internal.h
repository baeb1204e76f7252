/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel internals shared by the files in kernel/multikernel/.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

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

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */
