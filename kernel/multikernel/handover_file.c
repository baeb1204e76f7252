// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live update, what kexec_file_load() tells the old host about the host
 * kernel it loads: which pool that kernel's command line asks for, so that
 * handover.c refuses a kexec -e into a kernel that would not find the
 * instances.  Only kexec_file_load() keeps the command line (kexec_load()
 * images cannot adopt instances at all), hence a file of its own, built
 * with CONFIG_KEXEC_FILE.
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/kernel.h>
#include <linux/kexec.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/**
 * multikernel_host_image - note what a host kernel being loaded offers
 * @image: a KEXEC_TYPE_DEFAULT image loaded with kexec_file_load(), its
 *         command line not yet freed
 *
 * Records the pool its command line asks for (the last multikernel_pool=,
 * as the kernel itself takes it), for mk_handover_refusal().
 */
void multikernel_host_image(struct kimage *image)
{
	char *args, *copy, *param, *val;
	u64 size, base;

	image->mk_pool_size = 0;
	image->mk_pool_base = 0;
	if (image->type != KEXEC_TYPE_DEFAULT || !image->cmdline_buf)
		return;
	copy = kstrdup(image->cmdline_buf, GFP_KERNEL);
	if (!copy)
		return;
	args = skip_spaces(copy);
	while (*args) {
		args = next_arg(args, &param, &val);
		if (strcmp(param, "multikernel_pool") || !val)
			continue;
		if (mk_pool_parse(val, &size, &base)) {
			size = 0;
			base = 0;
		}
		image->mk_pool_size = size;
		image->mk_pool_base = base;
	}
	kfree(copy);
}
