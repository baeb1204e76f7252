// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading a kernel into an instance with kexec_load()/kexec_file_load()
 * and KEXEC_MULTIKERNEL.
 *
 * Such an image is loaded like a crash kernel: its segments are copied
 * straight into the instance's memory at load time, and every segment and
 * control page must lie inside that memory.  The host's own kexec and
 * crash images are not touched.  The instance's image and its
 * empty <-> loaded transitions are protected by the kexec lock.  A stopped
 * or crashed instance is unloaded (back to empty) before it is loaded
 * again.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/cpu.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/security.h>

#include "internal.h"

/**
 * multikernel_kexec_dest - where a KEXEC_MULTIKERNEL load or unload goes
 * @flags:  the syscall's flags, with the instance id
 * @unload: the call unloads
 *
 * Context: the caller holds the kexec lock, which mk_instance_destroy()
 * takes too, so the instance stays while it is used.
 *
 * Return: the instance's image slot; ERR_PTR(-EPERM) for a load while
 * the host is locked down, ERR_PTR(-ENOENT) when there is no such
 * instance, ERR_PTR(-EBUSY) when it executes or, for a load, when a
 * kernel is loaded already or it has not been unloaded since it stopped.
 */
struct kimage **multikernel_kexec_dest(unsigned long flags, bool unload)
{
	struct mk_instance *inst;
	struct kimage **dest;

	/*
	 * Nothing verifies an instance's initramfs and command line, and it
	 * sees host memory as memory it may map: under lockdown a signed
	 * kernel is not enough.
	 */
	if (!unload && security_locked_down(LOCKDOWN_KEXEC)) {
		pr_warn_ratelimited("load refused: the host is locked down\n");
		return ERR_PTR(-EPERM);
	}

	inst = mk_instance_lock(KEXEC_MK_ID_OF(flags));
	if (!inst)
		return ERR_PTR(-ENOENT);
	if (mk_state_executing(mk_instance_refresh(inst)))
		dest = ERR_PTR(-EBUSY);
	else if (!unload && (inst->image || inst->state != MK_STATE_EMPTY))
		dest = ERR_PTR(-EBUSY);
	else
		dest = &inst->image;
	mk_instance_unlock(inst);
	return dest;
}

/**
 * multikernel_kimage_init - make a new image load into its instance
 * @image: the image being set up
 * @flags: the syscall's flags, with the instance id
 *
 * Context: the caller holds the kexec lock.
 *
 * Return: 0; -ENOENT when the instance went away, -EADDRNOTAVAIL when the
 * entry point of a kexec_load() image is outside the instance's memory.
 */
int multikernel_kimage_init(struct kimage *image, unsigned long flags)
{
	struct mk_instance *inst;
	int ret = 0;

	inst = mk_instance_lock(KEXEC_MK_ID_OF(flags));
	if (!inst)
		return -ENOENT;
	if (!image->file_mode &&
	    (image->start < inst->mem_res.start ||
	     image->start > inst->mem_res.end)) {
		ret = -EADDRNOTAVAIL;
	} else {
		image->type = KEXEC_TYPE_MULTIKERNEL;
		image->control_page = inst->mem_res.start;
		image->mk_id = inst->id;
		image->mk_res = &inst->mem_res;
		image->mk_comm = inst->comm_base;
		image->mk_cpus = &inst->cpus;
	}
	mk_instance_unlock(inst);
	return ret;
}

/**
 * multikernel_kexec_done - account for a finished load or unload
 * @flags: the syscall's flags, with the instance id
 *
 * Context: the caller holds the kexec lock.
 */
void multikernel_kexec_done(unsigned long flags)
{
	struct mk_instance *inst;

	inst = mk_instance_lock(KEXEC_MK_ID_OF(flags));
	if (!inst)
		return;
	if (!mk_state_executing(mk_instance_refresh(inst))) {
		if (inst->image)
			mk_pristine_save(inst);
		else
			mk_pristine_free(inst);
		mk_instance_set_state(inst, inst->image ? MK_STATE_LOADED : MK_STATE_EMPTY);
	}
	mk_instance_unlock(inst);
}

static void mk_self_fill(int id, phys_addr_t comm_base,
			 const struct cpumask *cpus,
			 struct multikernel_self *self)
{
	self->id = id;
	self->comm_base = comm_base;
	self->comm_size = MK_COMM_SIZE;
	self->park_base = comm_base + MK_COMM_SIZE - MULTIKERNEL_PARK_SIZE;
	self->cpus = cpus;
}

/**
 * mk_self_of - what an instance will know of itself and its host
 * @inst: the instance; @inst->lock held, or its kobject referenced
 * @self: filled in
 */
void mk_self_of(struct mk_instance *inst, struct multikernel_self *self)
{
	mk_self_fill(inst->id, inst->comm_base, &inst->cpus, self);
}

/**
 * multikernel_image_self - what an image's kernel will know as an instance
 * @image: a KEXEC_TYPE_MULTIKERNEL image
 * @self:  filled in
 *
 * Context: the caller holds the kexec lock, or starts the image.
 */
void multikernel_image_self(struct kimage *image, struct multikernel_self *self)
{
	mk_self_fill(image->mk_id, image->mk_comm, image->mk_cpus, self);
}
