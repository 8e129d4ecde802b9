// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs, under /sys/kernel/debug/accel/<PCI address>/: the chip's rings, MMU
 * slots and firmware as the driver sees them, and force_reset.
 */
#include <drm/drm_drv.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "enpu_debugfs.h"
#include "enpu_drv.h"
#include "enpu_mmu.h"

static int enpu_rings_show(struct seq_file *m, void *unused)
{
	struct enpu_device *edev = m->private;
	struct enpu_job *job;
	unsigned long flags;
	u32 c, p;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	mutex_lock(&edev->evq_lock);
	seq_printf(m, "event ring: %u entries, host head %u, chip tail %u, seq %u, bad %d\n",
		   edev->evq.entries, edev->evq_head, enpu_read(edev, ENPU1_REG_EVQ_TAIL),
		   edev->evq_seq, atomic_read(&edev->bad_events));
	mutex_unlock(&edev->evq_lock);
	for (c = 0; c < edev->num_cores; c++) {
		seq_printf(m, "core %u: state %u, job %u, progress %u, done %u\n", c,
			   enpu_read(edev, ENPU1_REG_CORE(c, ENPU1_CORE_STATE)),
			   enpu_read(edev, ENPU1_REG_CORE(c, ENPU1_CORE_JOB_LO)),
			   enpu_read(edev, ENPU1_REG_CORE(c, ENPU1_CORE_PROGRESS)),
			   enpu_read(edev, ENPU1_REG_CORE(c, ENPU1_CORE_JOBS_DONE)));
		for (p = 0; p < edev->num_prio; p++) {
			u32 tail;

			spin_lock_irqsave(&edev->hw_lock, flags);
			tail = edev->cores[c].sq_tail[p];
			spin_unlock_irqrestore(&edev->hw_lock, flags);
			seq_printf(m, "  ring prio %u: %u entries, host tail %u, chip head %u\n", p,
				   edev->sq[c][p].entries, tail,
				   enpu_read(edev, ENPU1_REG_SQ(c, p, ENPU1_SQ_HEAD)));
		}
	}
	seq_puts(m, "jobs on the chip:\n");
	spin_lock_irqsave(&edev->hw_lock, flags);
	list_for_each_entry(job, &edev->hw_jobs, node)
		seq_printf(m, "  job %llu: ctx %u, core %u, ring %u, as %u\n", job->id,
			   job->ctx->id, job->core, job->hw_prio, job->as_slot);
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	drm_dev_exit(idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(enpu_rings);

static int enpu_mmu_show(struct seq_file *m, void *unused)
{
	struct enpu_device *edev = m->private;
	u32 slot, info;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	mutex_lock(&edev->as_lock);
	for (slot = 0; slot < edev->num_as; slot++) {
		struct enpu_mmu_ctx *ctx = edev->as_owner[slot];

		if (ctx)
			seq_printf(m, "slot %u: ctx %u, %u jobs, root 0x%llx\n", slot, ctx->id,
				   ctx->jobs, (u64)ctx->root.dma);
		else
			seq_printf(m, "slot %u: free\n", slot);
	}
	mutex_unlock(&edev->as_lock);
	info = enpu_read(edev, ENPU1_REG_FAULT_INFO);
	seq_printf(m, "faults: %u, last at 0x%llx in slot %u (%s)\n",
		   enpu_read(edev, ENPU1_REG_FAULT_COUNT),
		   (u64)enpu_read(edev, ENPU1_REG_FAULT_ADDR_HI) << 32 |
		   enpu_read(edev, ENPU1_REG_FAULT_ADDR_LO), info & 0xff,
		   (info >> 8) == ENPU1_ACCESS_WRITE ? "write" : "read");
	drm_dev_exit(idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(enpu_mmu);

static int enpu_firmware_show(struct seq_file *m, void *unused)
{
	struct enpu_device *edev = m->private;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	seq_printf(m, "file: %s (%zu bytes)\n", edev->fw_name, edev->fw_size);
	seq_printf(m, "version: %u.%u.%u\n", edev->fw_version >> 16,
		   (edev->fw_version >> 8) & 0xff, edev->fw_version & 0xff);
	seq_printf(m, "capabilities: 0x%x\n", edev->fw_caps);
	seq_printf(m, "status: %u, boot error %u, error status 0x%x\n",
		   enpu_read(edev, ENPU1_REG_STATUS), enpu_read(edev, ENPU1_REG_BOOT_ERROR),
		   enpu_read(edev, ENPU1_REG_ERROR_STATUS));
	seq_printf(m, "heartbeat: %u\n", enpu_read(edev, ENPU1_REG_HEARTBEAT));
	seq_printf(m, "chip resets: %u, driver resets: %d\n",
		   enpu_read(edev, ENPU1_REG_RESET_COUNT), atomic_read(&edev->resets));
	drm_dev_exit(idx);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(enpu_firmware);

static ssize_t enpu_force_reset_write(struct file *file, const char __user *buf, size_t len,
				      loff_t *pos)
{
	struct enpu_device *edev = file->private_data;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	enpu_job_reset(edev, 0, "reset requested through debugfs");
	drm_dev_exit(idx);
	return len;
}

static const struct file_operations enpu_force_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = enpu_force_reset_write,
};

void enpu_debugfs_init(struct enpu_device *edev)
{
	struct dentry *root = edev->drm.debugfs_root;

	debugfs_create_file("rings", 0444, root, edev, &enpu_rings_fops);
	debugfs_create_file("mmu", 0444, root, edev, &enpu_mmu_fops);
	debugfs_create_file("firmware", 0444, root, edev, &enpu_firmware_fops);
	debugfs_create_file("force_reset", 0200, root, edev, &enpu_force_reset_fops);
}
