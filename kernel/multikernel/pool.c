// SPDX-License-Identifier: GPL-2.0-only
/*
 * The multikernel memory pool.
 *
 * "multikernel_pool=SIZE[@ADDR]" reserves one physically contiguous range
 * from memblock while the host boots.  The host never uses that memory
 * itself; it hands it out, in MK_POOL_ALIGN units, to the kernels it starts.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/ctype.h>
#include <linux/genalloc.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/memblock.h>
#include <linux/multikernel.h>
#include <linux/overflow.h>

#include <kunit/visibility.h>

#include "pool.h"

struct mk_pool mk_host_pool;

static char *mk_pool_param __initdata;
static phys_addr_t mk_boot_base __initdata;
static u64 mk_boot_size __initdata;

static struct resource mk_pool_res = {
	.name	= "Multikernel pool",
	.flags	= IORESOURCE_BUSY | IORESOURCE_SYSTEM_RAM,
};

/**
 * mk_pool_parse - parse a "SIZE[@ADDR]" pool specification
 * @arg:  the string, e.g. "512M@1G"; suffixes as for memparse()
 * @size: returns SIZE, never 0
 * @base: returns ADDR, or 0 when it was left out (the kernel chooses)
 *
 * SIZE and ADDR must be multiples of MK_POOL_ALIGN and the range must not
 * wrap around the end of the address space.
 *
 * Return: 0 on success, -EINVAL for anything else; @size and @base are
 * only written on success.
 */
int mk_pool_parse(const char *arg, u64 *size, u64 *base)
{
	char *end;
	u64 s, b = 0, last;

	/* memparse() would take a lone suffix ("M") as 0. */
	if (!arg || !isdigit(*arg))
		return -EINVAL;

	s = memparse(arg, &end);
	if (*end == '@') {
		const char *addr = end + 1;

		if (!isdigit(*addr))
			return -EINVAL;
		b = memparse(addr, &end);
	}
	if (*end)
		return -EINVAL;

	if (!s || !IS_ALIGNED(s, MK_POOL_ALIGN) || !IS_ALIGNED(b, MK_POOL_ALIGN))
		return -EINVAL;
	if (check_add_overflow(b, s - 1, &last))
		return -EINVAL;

	*size = s;
	*base = b;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_parse);

static int __init mk_pool_setup(char *arg)
{
	mk_pool_param = arg;
	return 0;
}
early_param("multikernel_pool", mk_pool_setup);

/**
 * multikernel_reserve_pool - reserve the pool requested on the command line
 *
 * Called by the architecture's setup code once memblock knows all memory
 * and the kernel, initrd and firmware ranges are reserved.  A request that
 * cannot be met is refused with a message saying why; the host then boots
 * without a pool.
 */
void __init multikernel_reserve_pool(void)
{
	u64 size, base;
	phys_addr_t got;

	if (!mk_pool_param)
		return;

	if (mk_pool_parse(mk_pool_param, &size, &base)) {
		pr_err("ignoring multikernel_pool=%s: want SIZE[@ADDR], both multiples of %uM, SIZE > 0\n",
		       mk_pool_param, MK_POOL_ALIGN / SZ_1M);
		return;
	}

	if (base) {
		if (!memblock_is_region_memory(base, size)) {
			pr_err("ignoring multikernel_pool=%s: [%#llx-%#llx] is not all RAM\n",
			       mk_pool_param, base, base + size - 1);
			return;
		}
		if (memblock_is_region_reserved(base, size)) {
			pr_err("ignoring multikernel_pool=%s: [%#llx-%#llx] overlaps memory already in use (kernel, initrd, firmware)\n",
			       mk_pool_param, base, base + size - 1);
			return;
		}
		/*
		 * Reserved, not allocated (so kmemleak does not know it):
		 * after a kexec with KHO, memblock allocates only from KHO's
		 * scratch areas until setup_arch() is done, and instances
		 * handed over live here.  Then KHO makes all memory that it
		 * does not preserve scratch: only this reservation keeps
		 * their memory theirs.
		 */
		got = memblock_reserve(base, size) ? 0 : base;
	} else {
		got = memblock_phys_alloc_range(size, MK_POOL_ALIGN, SZ_16M,
						MEMBLOCK_ALLOC_ACCESSIBLE);
		/* Instances own this memory: kmemleak must not scan it. */
		if (got)
			kmemleak_ignore_phys(got);
	}
	if (!got) {
		pr_err("ignoring multikernel_pool=%s: no free range of %llu MiB\n",
		       mk_pool_param, size >> 20);
		return;
	}

	mk_boot_base = got;
	mk_boot_size = size;
	pr_info("pool reserved: [%#llx-%#llx] (%llu MiB)\n",
		(u64)got, (u64)got + size - 1, size >> 20);
}

/**
 * mk_pool_init - set up an allocator over a physical range
 * @pool: the pool to initialise
 * @base: physical start, a non-zero multiple of MK_POOL_ALIGN
 * @size: bytes, a non-zero multiple of MK_POOL_ALIGN
 *
 * The range is only bookkept, never touched.
 *
 * Return: 0, -EINVAL for a bad range or -ENOMEM.
 */
int mk_pool_init(struct mk_pool *pool, phys_addr_t base, u64 size)
{
	struct gen_pool *gp;
	int ret;

	if (!base || !size || !IS_ALIGNED(base | size, MK_POOL_ALIGN) ||
	    base + size < base)
		return -EINVAL;

	gp = gen_pool_create(MK_POOL_ALIGN_ORDER, NUMA_NO_NODE);
	if (!gp)
		return -ENOMEM;
	ret = gen_pool_add(gp, base, size, NUMA_NO_NODE);
	if (ret) {
		gen_pool_destroy(gp);
		return ret;
	}

	pool->gp = gp;
	pool->base = base;
	pool->size = size;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_init);

/**
 * mk_pool_destroy - tear down an allocator; everything must have been freed
 * @pool: the pool
 */
void mk_pool_destroy(struct mk_pool *pool)
{
	if (pool->gp)
		gen_pool_destroy(pool->gp);
	pool->gp = NULL;
	pool->base = 0;
	pool->size = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_destroy);

/**
 * mk_pool_alloc - carve a physically contiguous range out of a pool
 * @pool: the pool
 * @size: bytes, a non-zero multiple of MK_POOL_ALIGN
 * @base: returns the physical start of the range
 *
 * Return: 0, -ENODEV when there is no pool, -EINVAL for a bad @size,
 * -ENOMEM when no free range is large enough.
 */
int mk_pool_alloc(struct mk_pool *pool, u64 size, phys_addr_t *base)
{
	unsigned long addr;

	if (!pool->gp)
		return -ENODEV;
	if (!size || !IS_ALIGNED(size, MK_POOL_ALIGN))
		return -EINVAL;
	if (size > pool->size)
		return -ENOMEM;

	addr = gen_pool_alloc(pool->gp, size);
	if (!addr)
		return -ENOMEM;
	*base = addr;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_alloc);

/**
 * mk_pool_alloc_at - carve a given range out of a pool
 * @pool: the pool
 * @base: physical start, a multiple of MK_POOL_ALIGN
 * @size: bytes, a non-zero multiple of MK_POOL_ALIGN
 *
 * For ranges a previous host kernel handed out (live update).
 *
 * Return: 0, -ENODEV when there is no pool, -EINVAL for a range that is
 * not aligned or not inside the pool, -EBUSY when part of it is taken.
 */
int mk_pool_alloc_at(struct mk_pool *pool, phys_addr_t base, u64 size)
{
	struct genpool_data_fixed fixed;
	u64 end;

	if (!pool->gp)
		return -ENODEV;
	if (!size || !IS_ALIGNED(base | size, MK_POOL_ALIGN) ||
	    check_add_overflow(base, size, &end) || base < pool->base ||
	    end > pool->base + pool->size)
		return -EINVAL;
	fixed.offset = base - pool->base;
	if (gen_pool_alloc_algo(pool->gp, size, gen_pool_fixed_alloc,
				&fixed) != base) {
		return -EBUSY;
	}
	return 0;
}

/**
 * mk_pool_free - give a range obtained from mk_pool_alloc() back
 * @pool: the pool
 * @base: what mk_pool_alloc() returned
 * @size: the size passed to mk_pool_alloc()
 */
void mk_pool_free(struct mk_pool *pool, phys_addr_t base, u64 size)
{
	if (WARN_ON_ONCE(!pool->gp || !gen_pool_has_addr(pool->gp, base, size)))
		return;
	gen_pool_free(pool->gp, base, size);
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_free);

/**
 * mk_pool_show - show a range taken from the pool in /proc/iomem
 * @res: the range's resource
 * @name: its name there
 * @base: its first byte
 * @size: its length
 *
 * The pool hands out ranges that do not overlap, inside the pool's own
 * resource, and nothing else inserts there: a conflict is a bug in the
 * pool, which this warns of.  The range stays the instance's either way;
 * only its line in /proc/iomem is missing, and release_resource() is not
 * called for a resource that has no parent.
 */
void mk_pool_show(struct resource *res, const char *name, phys_addr_t base,
		  u64 size)
{
	res->name = name;
	res->start = base;
	res->end = base + size - 1;
	res->flags = IORESOURCE_BUSY | IORESOURCE_SYSTEM_RAM;
	WARN_ON_ONCE(insert_resource(&iomem_resource, res));
}

/**
 * mk_pool_free_bytes - bytes of a pool not handed out
 * @pool: the pool
 *
 * Return: free bytes; 0 when there is no pool.
 */
u64 mk_pool_free_bytes(struct mk_pool *pool)
{
	return pool->gp ? gen_pool_avail(pool->gp) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_pool_free_bytes);

static int __init mk_pool_late_init(void)
{
	int ret;

	if (!mk_boot_size)
		return 0;

	ret = mk_pool_init(&mk_host_pool, mk_boot_base, mk_boot_size);
	if (ret) {
		pr_err("cannot set up the pool allocator: %d\n", ret);
		return ret;
	}

	mk_pool_res.start = mk_boot_base;
	mk_pool_res.end = mk_boot_base + mk_boot_size - 1;
	insert_resource(&iomem_resource, &mk_pool_res);
	return 0;
}
core_initcall(mk_pool_late_init);
