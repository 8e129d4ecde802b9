/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enpu: DRM accel driver for ENPU-1 neural processing units.
 */
#ifndef __ENPU_DRV_H__
#define __ENPU_DRV_H__

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_mm.h>
#include <drm/gpu_scheduler.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "enpu1_hw.h"
#include "enpu_job.h"

#define ENPU_DRIVER_NAME	"enpu"
#define ENPU_DRIVER_DESC	"ENPU-1 neural processing unit"
#define ENPU_UAPI_VERSION	1

#define ENPU_EVQ_ENTRIES	256
#define ENPU_SQ_ENTRIES		64
#define ENPU_CMD_TIMEOUT_MS	5000
#define ENPU_NUM_PRIORITIES	3	/* enum drm_enpu_priority */

enum enpu_irq_mode {
	ENPU_IRQ_MSIX,
	ENPU_IRQ_MSI,
	ENPU_IRQ_INTX,
	ENPU_IRQ_POLL,
};

/* A ring in host memory the chip reads or writes. */
struct enpu_ring {
	void *cpu;
	dma_addr_t dma;
	u32 entries;
	u32 entry_size;
};

struct enpu_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *db;		/* BAR0: doorbell block */
	void __iomem *regs;		/* BAR2: register block */
	u32 db_target;

	/* Chip description, read once at probe. */
	u32 chip_id;
	u32 chip_rev;
	u32 num_cores;
	u32 num_prio;
	u32 num_as;
	u32 sram_size;
	u32 clock_khz;
	u32 macs_per_cycle;
	u32 bus_bytes_per_cycle;
	u32 sram_bytes_per_cycle;

	enum enpu_irq_mode irq_mode;
	int nvec;
	struct delayed_work poll_work;	/* ENPU_IRQ_POLL only */

	/* Firmware image, kept in DMA memory so a reset can boot it again. */
	void *fw_cpu;
	dma_addr_t fw_dma;
	size_t fw_size;
	u32 fw_version;
	u32 fw_caps;
	char fw_name[64];

	/* Serialises control commands: protects CMD, ARG*, CMD_SEQ and cmd_seq. */
	struct mutex cmd_lock;
	u32 cmd_seq;
	wait_queue_head_t cmd_wq;	/* woken on every event interrupt */

	/* Protects evq_head, evq_seq, evq_stopped and the event ring's consumer side. */
	struct mutex evq_lock;
	struct enpu_ring evq;
	u32 evq_head;
	u32 evq_seq;
	bool evq_stopped;		/* chip reset, ring not yet re-programmed */
	atomic_t bad_events;

	struct enpu_ring sq[ENPU1_MAX_CORES][ENPU1_MAX_PRIO];

	/* AS slots: protects as_owner[] and every context's slot binding. */
	struct mutex as_lock;
	struct enpu_mmu_ctx *as_owner[ENPU1_MAX_AS];
	wait_queue_head_t as_wq;	/* a slot became idle */

	/* Protects hw_jobs, resetting, wedged and the cores' ring tails. */
	spinlock_t hw_lock;
	struct list_head hw_jobs;	/* jobs handed to the chip, oldest first */
	bool resetting;			/* rings are being rebuilt: hold new jobs */
	bool wedged;			/* the chip did not come back from a reset */
	spinlock_t fence_lock;		/* the hardware fences' lock */
	atomic64_t job_seq;

	struct enpu_core cores[ENPU1_MAX_CORES];
	struct drm_gpu_scheduler *sched_list[ENPU1_MAX_CORES];
	struct workqueue_struct *reset_wq;	/* timeouts and error work, ordered */
	struct work_struct error_work;
	struct mutex reset_lock;	/* one reset at a time */

	atomic_t resets;
	atomic64_t stat_jobs_ok;	/* jobs that ended with status OK */
	atomic64_t stat_jobs_failed;	/* jobs that ended with any error */
	atomic64_t stat_busy_ns;	/* device time spent in jobs */
	bool booted;
};

/* Per open file: its device address space and scheduler entities. */
struct enpu_file {
	struct kref ref;		/* the file and each of its jobs */
	struct enpu_device *edev;
	struct enpu_mmu_ctx *ctx;
	struct drm_sched_entity entity[ENPU_NUM_PRIORITIES];
	struct mutex submit_lock;	/* orders job arm and push */
	spinlock_t results_lock;	/* protects results[] and result_next */
	struct enpu_job_result *results;	/* ENPU_JOB_RESULTS entries */
	u32 result_next;
	atomic_t guilty;		/* a job of ours caused a reset */
};

void enpu_file_release(struct kref *ref);

static inline struct enpu_file *enpu_file_get(struct enpu_file *efile)
{
	kref_get(&efile->ref);
	return efile;
}

static inline void enpu_file_put(struct enpu_file *efile)
{
	kref_put(&efile->ref, enpu_file_release);
}

static inline struct enpu_device *to_enpu_device(struct drm_device *drm)
{
	return container_of(drm, struct enpu_device, drm);
}

static inline u32 enpu_read(struct enpu_device *edev, u32 reg)
{
	return readl(edev->regs + reg);
}

static inline void enpu_write(struct enpu_device *edev, u32 reg, u32 val)
{
	writel(val, edev->regs + reg);
}

static inline void enpu_ring_doorbell(struct enpu_device *edev, u32 vector)
{
	writel(edev->db_target << 16 | vector, edev->db + ENPU1_BAR0_DOORBELL);
}

/* enpu_device.c */
int enpu_device_init(struct enpu_device *edev);
void enpu_device_fini(struct enpu_device *edev);
int enpu_device_cmd(struct enpu_device *edev, u32 cmd, u32 arg0, u32 arg1);
void enpu_device_process_events(struct enpu_device *edev);
void enpu_device_stop_events(struct enpu_device *edev);
int enpu_device_irq_init(struct enpu_device *edev);
void enpu_device_irq_fini(struct enpu_device *edev);
void enpu_device_program_rings(struct enpu_device *edev);

/* enpu_fw.c */
int enpu_fw_init(struct enpu_device *edev);
void enpu_fw_fini(struct enpu_device *edev);
int enpu_fw_boot(struct enpu_device *edev);

/* enpu_pm.c */
extern const struct dev_pm_ops enpu_pm_ops;
void enpu_pm_init(struct enpu_device *edev);
void enpu_pm_fini(struct enpu_device *edev);
int enpu_pm_get(struct enpu_device *edev);
void enpu_pm_put(struct enpu_device *edev);

/* enpu_sysfs.c */
extern const struct attribute_group *enpu_attr_groups[];

/* enpu_drv.c */
extern const struct drm_driver enpu_drm_driver;

#endif /* __ENPU_DRV_H__ */
