// SPDX-License-Identifier: GPL-2.0-only
/*
 * Restarting a stopped or crashed instance in place, from the kernel it
 * was loaded with.  A run writes over what the load put into the
 * instance's memory: the segments, the control pages and the page
 * tables that kexec built there (they lie, in order, from the start of
 * the instance's memory up to image->control_page).  So once a load is
 * done the host keeps a copy of all of that in its own memory, and puts
 * it back before a restart.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

/**
 * struct mk_pristine - what a load put into an instance's memory
 * @nr:    ranges in @range
 * @range: physical start and length of each, inside the instance
 * @data:  their contents, one after the other
 * @size:  bytes in @data
 */
struct mk_pristine {
	unsigned int nr;
	struct {
		phys_addr_t pa;
		size_t len;
	} range[KEXEC_SEGMENT_MAX + 1];
	void *data;
	size_t size;
};

/* Copy each range to (@save) or from @p->data; 0 or -ENOMEM. */
static int mk_pristine_copy(struct mk_pristine *p, bool save)
{
	void *data = p->data, *mem;
	unsigned int i;

	for (i = 0; i < p->nr; i++) {
		mem = memremap(p->range[i].pa, p->range[i].len, MEMREMAP_WB);
		if (!mem)
			return -ENOMEM;
		if (save)
			memcpy(data, mem, p->range[i].len);
		else
			memcpy(mem, data, p->range[i].len);
		memunmap(mem);
		data += p->range[i].len;
	}
	return 0;
}

static void mk_pristine_add(struct mk_pristine *p, phys_addr_t pa, size_t len,
			    bool *overflow)
{
	if (!len)
		return;
	p->range[p->nr].pa = pa;
	p->range[p->nr].len = len;
	p->nr++;
	*overflow |= check_add_overflow(p->size, len, &p->size);
}

/**
 * mk_pristine_save - keep what a load put into an instance's memory
 * @inst: the instance, its image just loaded; @inst->lock and the kexec
 *        lock held
 *
 * Return: 0, or -ENOMEM: the instance cannot be restarted in place, only
 * reloaded.
 */
int mk_pristine_save(struct mk_instance *inst)
{
	struct kimage *image = inst->image;
	struct mk_pristine *p;
	bool overflow = false;
	unsigned long i;
	int ret;

	mk_pristine_free(inst);
	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	if (image->control_page > inst->mem_base)
		mk_pristine_add(p, inst->mem_base,
				image->control_page - inst->mem_base, &overflow);
	for (i = 0; i < image->nr_segments; i++)
		mk_pristine_add(p, image->segment[i].mem,
				image->segment[i].memsz, &overflow);
	ret = -ENOMEM;
	if (overflow || p->size > inst->mem_size * 2)
		goto free;
	p->data = vmalloc(p->size);
	if (!p->data)
		goto free;
	ret = mk_pristine_copy(p, true);
	if (ret)
		goto free;
	inst->pristine = p;
	pr_info("instance %d: %zu KiB kept to restart it in place\n", inst->id,
		p->size >> 10);
	return 0;
free:
	vfree(p->data);
	kfree(p);
	pr_warn("instance %d: no copy of its image: it cannot be restarted in place\n",
		inst->id);
	return ret;
}

/**
 * mk_pristine_restore - put an instance's loaded image back in place
 * @inst: a stopped or crashed instance; @inst->lock held
 *
 * Return: 0; -ENOEXEC (no copy was kept), -ENOMEM.
 */
int mk_pristine_restore(struct mk_instance *inst)
{
	unsigned long code;
	int ret;

	if (!inst->pristine)
		return -ENOEXEC;
	/*
	 * machine_kexec_prepare() made the control code page read-only and
	 * executable: NX first, then writable, as machine_kexec_cleanup()
	 * does, so that the page is never writable and executable.
	 */
	code = (unsigned long)page_address(inst->image->control_code_page);
	ret = set_memory_nx(code, 1) ?: set_memory_rw(code, 1);
	if (!ret)
		ret = mk_pristine_copy(inst->pristine, false);
	set_memory_rox(code, 1);
	return ret;
}

/**
 * mk_pristine_bytes - the host memory a restart copy takes
 * @inst: the instance; @inst->lock held
 *
 * Return: bytes, 0 when none is kept.
 */
size_t mk_pristine_bytes(struct mk_instance *inst)
{
	return inst->pristine ? inst->pristine->size : 0;
}

/* Forget the copy (unload, destroy); @inst->lock held. */
void mk_pristine_free(struct mk_instance *inst)
{
	if (!inst->pristine)
		return;
	vfree(inst->pristine->data);
	kfree(inst->pristine);
	inst->pristine = NULL;
}
