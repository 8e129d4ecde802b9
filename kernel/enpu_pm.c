// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runtime PM: every job holds a reference from SUBMIT until it is freed,
 * so the chip autosuspends once idle for autosuspend_ms and resumes on the
 * next SUBMIT.  Suspend powers the compute cores down through the chip's
 * SUSPEND command; the firmware and its state stay, so resume is cheap.
 */
#include <drm/drm_print.h>
#include <linux/pm_runtime.h>

#include "enpu_drv.h"

static unsigned int autosuspend_ms = 100;
module_param(autosuspend_ms, uint, 0444);
MODULE_PARM_DESC(autosuspend_ms, "Idle time before the chip is suspended (ms)");

static int enpu_pm_runtime_suspend(struct device *dev)
{
	struct enpu_device *edev = dev_get_drvdata(dev);
	int ret;

	if (!edev->booted)
		return 0;
	ret = enpu_device_cmd(edev, ENPU1_CMD_SUSPEND, 0, 0);
	if (ret)
		return -EBUSY;
	return 0;
}

static int enpu_pm_runtime_resume(struct device *dev)
{
	struct enpu_device *edev = dev_get_drvdata(dev);

	if (!edev->booted)
		return 0;
	return enpu_device_cmd(edev, ENPU1_CMD_RESUME, 0, 0);
}

const struct dev_pm_ops enpu_pm_ops = {
	RUNTIME_PM_OPS(enpu_pm_runtime_suspend, enpu_pm_runtime_resume, NULL)
};

void enpu_pm_init(struct enpu_device *edev)
{
	struct device *dev = edev->drm.dev;

	/* The PCI core enabled runtime PM and holds a reference across
	 * probe; dropping ours lets the chip autosuspend.
	 */
	pm_runtime_use_autosuspend(dev);
	pm_runtime_set_autosuspend_delay(dev, autosuspend_ms);
	pm_runtime_allow(dev);
	pm_runtime_mark_last_busy(dev);
	pm_runtime_put_autosuspend(dev);
}

void enpu_pm_fini(struct enpu_device *edev)
{
	struct device *dev = edev->drm.dev;

	/* Undo enpu_pm_init(); the PCI core resumed the chip for remove. */
	pm_runtime_get_noresume(dev);
	pm_runtime_forbid(dev);
}

int enpu_pm_get(struct enpu_device *edev)
{
	return pm_runtime_resume_and_get(edev->drm.dev);
}

void enpu_pm_put(struct enpu_device *edev)
{
	pm_runtime_mark_last_busy(edev->drm.dev);
	pm_runtime_put_autosuspend(edev->drm.dev);
}
