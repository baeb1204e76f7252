// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/multikernel/: what the host has set aside for instances.
 *
 *   pool/base   physical start of the pool (hex), 0x0 when there is none
 *   pool/total  size of the pool in bytes
 *   pool/free   bytes not given to any instance
 */
#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct kobject *mk_kobj;

static ssize_t base_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%#llx\n", (u64)mk_host_pool.base);
}

static struct kobj_attribute base_attr = __ATTR_RO(base);

static ssize_t total_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_host_pool.size);
}

static struct kobj_attribute total_attr = __ATTR_RO(total);

static ssize_t free_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", mk_pool_free_bytes(&mk_host_pool));
}

static struct kobj_attribute free_attr = __ATTR_RO(free);

static struct attribute *mk_pool_attrs[] = {
	&base_attr.attr,
	&total_attr.attr,
	&free_attr.attr,
	NULL
};

static const struct attribute_group mk_pool_group = {
	.name	= "pool",
	.attrs	= mk_pool_attrs,
};

static int __init mk_sysfs_init(void)
{
	int ret;

	mk_kobj = kobject_create_and_add("multikernel", kernel_kobj);
	if (!mk_kobj)
		return -ENOMEM;

	ret = sysfs_create_group(mk_kobj, &mk_pool_group);
	if (ret) {
		pr_err("cannot create /sys/kernel/multikernel/pool: %d\n", ret);
		kobject_put(mk_kobj);
		mk_kobj = NULL;
	}
	return ret;
}
subsys_initcall(mk_sysfs_init);
