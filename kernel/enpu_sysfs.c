// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysfs attributes on the PCI device: counters an operator can watch
 * without debugfs.  Runtime PM state is the standard power/runtime_status.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "enpu_drv.h"

static struct enpu_device *enpu_from_dev(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t jobs_completed_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&enpu_from_dev(dev)->stat_jobs_ok));
}
static DEVICE_ATTR_RO(jobs_completed);

static ssize_t jobs_failed_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&enpu_from_dev(dev)->stat_jobs_failed));
}
static DEVICE_ATTR_RO(jobs_failed);

static ssize_t resets_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&enpu_from_dev(dev)->resets));
}
static DEVICE_ATTR_RO(resets);

static ssize_t busy_time_us_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&enpu_from_dev(dev)->stat_busy_ns) / NSEC_PER_USEC);
}
static DEVICE_ATTR_RO(busy_time_us);

static ssize_t fw_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	u32 v = enpu_from_dev(dev)->fw_version;

	return sysfs_emit(buf, "%u.%u.%u\n", v >> 16, (v >> 8) & 0xff, v & 0xff);
}
static DEVICE_ATTR_RO(fw_version);

static struct attribute *enpu_attrs[] = {
	&dev_attr_jobs_completed.attr,
	&dev_attr_jobs_failed.attr,
	&dev_attr_resets.attr,
	&dev_attr_busy_time_us.attr,
	&dev_attr_fw_version.attr,
	NULL,
};

static const struct attribute_group enpu_attr_group = {
	.attrs = enpu_attrs,
};

/* The driver core creates these after probe succeeds, before the uevent. */
const struct attribute_group *enpu_attr_groups[] = {
	&enpu_attr_group,
	NULL,
};
