// SPDX-License-Identifier: GPL-2.0-only
/*
 * ENPU-1 hardware access: rings in host memory, control commands,
 * interrupts (MSI-X, legacy INTx or polling) and the event ring.
 */
#include <drm/drm_print.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>

#include "enpu_drv.h"
#include "enpu_trace.h"

static char *irq_mode = "auto";
module_param(irq_mode, charp, 0444);
MODULE_PARM_DESC(irq_mode,
		 "Interrupt delivery: auto (MSI-X, else MSI, else INTx, else polling), msix, msi, intx, poll");

static unsigned int poll_interval_us = 1000;
module_param(poll_interval_us, uint, 0644);
MODULE_PARM_DESC(poll_interval_us, "Event polling period when interrupts are unavailable (us)");

static int enpu_ring_alloc(struct enpu_device *edev, struct enpu_ring *ring, u32 entries,
			   u32 entry_size)
{
	ring->cpu = dmam_alloc_coherent(&edev->pdev->dev, (size_t)entries * entry_size,
					&ring->dma, GFP_KERNEL);
	if (!ring->cpu)
		return -ENOMEM;
	ring->entries = entries;
	ring->entry_size = entry_size;
	return 0;
}

/* Ring registers are latched by the chip at BOOT, so they are written
 * before every boot, including those after a reset.
 */
void enpu_device_program_rings(struct enpu_device *edev)
{
	u32 core, prio;

	mutex_lock(&edev->evq_lock);
	edev->evq_stopped = false;
	edev->evq_head = 0;
	edev->evq_seq = 0;
	memset(edev->evq.cpu, 0, (size_t)edev->evq.entries * edev->evq.entry_size);
	enpu_write(edev, ENPU1_REG_EVQ_BASE_LO, lower_32_bits(edev->evq.dma));
	enpu_write(edev, ENPU1_REG_EVQ_BASE_HI, upper_32_bits(edev->evq.dma));
	enpu_write(edev, ENPU1_REG_EVQ_ENTRIES, edev->evq.entries);
	enpu_write(edev, ENPU1_REG_EVQ_HEAD, 0);
	mutex_unlock(&edev->evq_lock);

	for (core = 0; core < ENPU1_MAX_CORES; core++) {
		for (prio = 0; prio < ENPU1_MAX_PRIO; prio++) {
			struct enpu_ring *sq = &edev->sq[core][prio];
			bool used = core < edev->num_cores && prio < edev->num_prio;

			enpu_write(edev, ENPU1_REG_SQ(core, prio, ENPU1_SQ_BASE_LO),
				   used ? lower_32_bits(sq->dma) : 0);
			enpu_write(edev, ENPU1_REG_SQ(core, prio, ENPU1_SQ_BASE_HI),
				   used ? upper_32_bits(sq->dma) : 0);
			enpu_write(edev, ENPU1_REG_SQ(core, prio, ENPU1_SQ_ENTRIES),
				   used ? sq->entries : 0);
			enpu_write(edev, ENPU1_REG_SQ(core, prio, ENPU1_SQ_TAIL), 0);
		}
	}
}

static bool enpu_cmd_done(struct enpu_device *edev, u32 seq)
{
	return enpu_read(edev, ENPU1_REG_CMD_ACK) == seq;
}

/**
 * enpu_device_cmd - run a control command and wait for the chip's ack
 * @edev: the device
 * @cmd: ENPU1_CMD_*
 * @arg0: first argument
 * @arg1: second argument
 *
 * Return: 0, -ETIMEDOUT if the chip does not answer, -EIO if it refuses.
 */
int enpu_device_cmd(struct enpu_device *edev, u32 cmd, u32 arg0, u32 arg1)
{
	u32 seq, result;
	long left;
	int ret = 0;

	mutex_lock(&edev->cmd_lock);
	seq = ++edev->cmd_seq;
	enpu_write(edev, ENPU1_REG_CMD, cmd);
	enpu_write(edev, ENPU1_REG_CMD_ARG0, arg0);
	enpu_write(edev, ENPU1_REG_CMD_ARG1, arg1);
	enpu_write(edev, ENPU1_REG_CMD_SEQ, seq);
	enpu_ring_doorbell(edev, ENPU1_DB_VEC_CTRL);

	/* The ack comes with an EVENT interrupt; the timeout guards against
	 * a lost one as well as a dead chip.
	 */
	left = wait_event_timeout(edev->cmd_wq, enpu_cmd_done(edev, seq),
				  msecs_to_jiffies(ENPU_CMD_TIMEOUT_MS));
	if (!left && !enpu_cmd_done(edev, seq)) {
		drm_err(&edev->drm, "chip did not acknowledge command %u within %u ms\n",
			cmd, ENPU_CMD_TIMEOUT_MS);
		ret = -ETIMEDOUT;
		goto out;
	}
	result = enpu_read(edev, ENPU1_REG_CMD_RESULT);
	if (result) {
		drm_err(&edev->drm, "chip refused command %u: error %u\n", cmd, result);
		ret = -EIO;
	}
out:
	mutex_unlock(&edev->cmd_lock);
	return ret;
}

static bool enpu_event_valid(struct enpu_device *edev, const struct enpu1_event *ev)
{
	if (ev->csum != enpu1_event_csum(ev)) {
		drm_err(&edev->drm, "event %u: bad checksum, dropped\n", edev->evq_seq + 1);
		return false;
	}
	/* An intact event after a gap: events were lost, this one is good,
	 * and the sequence continues from it.
	 */
	if (ev->seq != edev->evq_seq + 1)
		drm_err(&edev->drm, "events %u to %u lost\n", edev->evq_seq + 1, ev->seq - 1);
	return true;
}

static void enpu_handle_event(struct enpu_device *edev, const struct enpu1_event *ev)
{
	switch (ev->type) {
	case ENPU1_EV_BOOT:
		drm_dbg_driver(&edev->drm, "firmware boot event\n");
		break;
	case ENPU1_EV_JOB_DONE:
		enpu_job_done(edev, ev);
		break;
	case ENPU1_EV_ERROR:
		enpu_job_error_irq(edev);
		break;
	default:
		drm_err(&edev->drm, "unknown event type %u\n", ev->type);
		break;
	}
}

/* Drains the event ring.  Runs from the threaded IRQ handler or the poll
 * worker; evq_lock keeps the two from racing.
 */
void enpu_device_process_events(struct enpu_device *edev)
{
	u32 tail, count = 0;

	mutex_lock(&edev->evq_lock);
	if (edev->evq_stopped) {
		mutex_unlock(&edev->evq_lock);
		wake_up_all(&edev->cmd_wq);
		return;
	}
	tail = enpu_read(edev, ENPU1_REG_EVQ_TAIL);
	/* Read the entries only after the tail that covers them. */
	dma_rmb();
	while (edev->evq_head != tail) {
		struct enpu1_event ev;

		if (tail - edev->evq_head > edev->evq.entries) {
			drm_err(&edev->drm, "event ring tail %u impossible (head %u)\n", tail,
				edev->evq_head);
			break;
		}
		memcpy(&ev, edev->evq.cpu + (edev->evq_head & (edev->evq.entries - 1)) *
		       sizeof(ev), sizeof(ev));
		edev->evq_head++;
		if (!enpu_event_valid(edev, &ev)) {
			atomic_inc(&edev->bad_events);
			edev->evq_seq++;
			continue;
		}
		edev->evq_seq = ev.seq;
		enpu_handle_event(edev, &ev);
		count++;
	}
	enpu_write(edev, ENPU1_REG_EVQ_HEAD, edev->evq_head);
	mutex_unlock(&edev->evq_lock);
	trace_enpu_irq(edev, ENPU1_IRQ_VEC_EVENT, count);
	wake_up_all(&edev->cmd_wq);
}

/* Between RESET and the next boot the chip's event ring indices mean
 * nothing; the ring is ignored until enpu_device_program_rings().
 */
void enpu_device_stop_events(struct enpu_device *edev)
{
	mutex_lock(&edev->evq_lock);
	edev->evq_stopped = true;
	mutex_unlock(&edev->evq_lock);
}

static irqreturn_t enpu_irq_event(int irq, void *arg)
{
	return IRQ_WAKE_THREAD;
}

static irqreturn_t enpu_irq_event_thread(int irq, void *arg)
{
	struct enpu_device *edev = arg;

	enpu_device_process_events(edev);
	/* With one shared vector (INTx, polling) errors arrive here too. */
	if (edev->irq_mode != ENPU_IRQ_MSIX && edev->booted &&
	    enpu_read(edev, ENPU1_REG_STATUS) == ENPU1_STATUS_HALTED)
		enpu_job_error_irq(edev);
	return IRQ_HANDLED;
}

static irqreturn_t enpu_irq_error(int irq, void *arg)
{
	struct enpu_device *edev = arg;

	/* Boot refusals are reported here too; waiters re-read STATUS. */
	trace_enpu_irq(edev, ENPU1_IRQ_VEC_ERROR, 0);
	wake_up_all(&edev->cmd_wq);
	if (edev->booted)
		enpu_job_error_irq(edev);
	return IRQ_HANDLED;
}

static irqreturn_t enpu_irq_legacy(int irq, void *arg)
{
	struct enpu_device *edev = arg;

	/* Reading INTR_STATUS acknowledges the pin; 0 means a shared line
	 * fired for someone else.
	 */
	if (!readl(edev->db + ENPU1_BAR0_INTR_STATUS))
		return IRQ_NONE;
	return IRQ_WAKE_THREAD;
}

static void enpu_poll_work(struct work_struct *work)
{
	struct enpu_device *edev = container_of(to_delayed_work(work), struct enpu_device,
						poll_work);

	enpu_irq_event_thread(0, edev);
	/* At least a jiffy, or a zero interval would spin. */
	schedule_delayed_work(&edev->poll_work,
			      max(usecs_to_jiffies(READ_ONCE(poll_interval_us)), 1UL));
}

static int enpu_irq_msix(struct enpu_device *edev)
{
	struct pci_dev *pdev = edev->pdev;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, ENPU1_IRQ_VECTORS, ENPU1_IRQ_VECTORS, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	edev->nvec = ret;
	ret = request_threaded_irq(pci_irq_vector(pdev, ENPU1_IRQ_VEC_EVENT), enpu_irq_event,
				   enpu_irq_event_thread, IRQF_ONESHOT, "enpu-event", edev);
	if (ret)
		goto err_vectors;
	ret = request_irq(pci_irq_vector(pdev, ENPU1_IRQ_VEC_ERROR), enpu_irq_error, 0,
			  "enpu-error", edev);
	if (ret)
		goto err_event;
	edev->irq_mode = ENPU_IRQ_MSIX;
	return 0;

err_event:
	free_irq(pci_irq_vector(pdev, ENPU1_IRQ_VEC_EVENT), edev);
err_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

/* One MSI message: with fewer vectors than causes, the chip signals all
 * of them on vector 0 (as PCI multi-message MSI does), and the thread
 * looks at STATUS for errors.
 */
static int enpu_irq_msi(struct enpu_device *edev)
{
	struct pci_dev *pdev = edev->pdev;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		return ret;
	edev->nvec = 1;
	ret = request_threaded_irq(pci_irq_vector(pdev, 0), enpu_irq_event,
				   enpu_irq_event_thread, IRQF_ONESHOT, "enpu", edev);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}
	edev->irq_mode = ENPU_IRQ_MSI;
	return 0;
}

static int enpu_irq_intx(struct enpu_device *edev)
{
	struct pci_dev *pdev = edev->pdev;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	edev->nvec = 1;
	writel(0xffffffff, edev->db + ENPU1_BAR0_INTR_MASK);
	ret = request_threaded_irq(pci_irq_vector(pdev, 0), enpu_irq_legacy,
				   enpu_irq_event_thread, IRQF_SHARED | IRQF_ONESHOT,
				   "enpu", edev);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}
	edev->irq_mode = ENPU_IRQ_INTX;
	return 0;
}

int enpu_device_irq_init(struct enpu_device *edev)
{
	bool any = !strcmp(irq_mode, "auto");
	int ret = -ENODEV;

	enpu_write(edev, ENPU1_REG_INT_MASK, 0);
	if (any || !strcmp(irq_mode, "msix")) {
		ret = enpu_irq_msix(edev);
		if (!ret)
			goto out;
		drm_info(&edev->drm, "MSI-X unavailable (%d)\n", ret);
	}
	if (any || !strcmp(irq_mode, "msi")) {
		ret = enpu_irq_msi(edev);
		if (!ret)
			goto out;
		drm_info(&edev->drm, "MSI unavailable (%d)\n", ret);
	}
	if (any || !strcmp(irq_mode, "intx")) {
		ret = enpu_irq_intx(edev);
		if (!ret)
			goto out;
		drm_info(&edev->drm, "legacy interrupt unavailable (%d)\n", ret);
	}
	if (any || !strcmp(irq_mode, "poll")) {
		/* No interrupts at all: mask them at the source and poll. */
		enpu_write(edev, ENPU1_REG_INT_MASK, GENMASK(ENPU1_IRQ_VECTORS - 1, 0));
		edev->irq_mode = ENPU_IRQ_POLL;
		INIT_DELAYED_WORK(&edev->poll_work, enpu_poll_work);
		schedule_delayed_work(&edev->poll_work, 0);
		ret = 0;
		goto out;
	}
	drm_err(&edev->drm, "irq_mode=%s: no such interrupt mode or it failed\n", irq_mode);
	return ret ? ret : -EINVAL;
out:
	drm_info(&edev->drm, "interrupts: %s\n",
		 edev->irq_mode == ENPU_IRQ_MSIX ? "MSI-X" :
		 edev->irq_mode == ENPU_IRQ_MSI ? "MSI" :
		 edev->irq_mode == ENPU_IRQ_INTX ? "INTx" : "polling");
	return 0;
}

void enpu_device_irq_fini(struct enpu_device *edev)
{
	struct pci_dev *pdev = edev->pdev;

	switch (edev->irq_mode) {
	case ENPU_IRQ_MSIX:
		free_irq(pci_irq_vector(pdev, ENPU1_IRQ_VEC_ERROR), edev);
		free_irq(pci_irq_vector(pdev, ENPU1_IRQ_VEC_EVENT), edev);
		pci_free_irq_vectors(pdev);
		break;
	case ENPU_IRQ_MSI:
	case ENPU_IRQ_INTX:
		free_irq(pci_irq_vector(pdev, 0), edev);
		pci_free_irq_vectors(pdev);
		break;
	case ENPU_IRQ_POLL:
		cancel_delayed_work_sync(&edev->poll_work);
		break;
	}
}

int enpu_device_init(struct enpu_device *edev)
{
	u32 hw_id, version, core, prio;
	int ret;

	mutex_init(&edev->cmd_lock);
	mutex_init(&edev->evq_lock);
	init_waitqueue_head(&edev->cmd_wq);

	hw_id = enpu_read(edev, ENPU1_REG_HW_ID);
	version = enpu_read(edev, ENPU1_REG_HW_VERSION);
	if (ENPU1_HW_ID_CHIP(hw_id) != ENPU1_CHIP_ENPU1 ||
	    version >> 16 != ENPU1_HW_VERSION >> 16) {
		drm_err(&edev->drm, "unsupported chip 0x%x, register interface 0x%x\n", hw_id,
			version);
		return -ENODEV;
	}
	edev->chip_id = ENPU1_HW_ID_CHIP(hw_id);
	edev->chip_rev = ENPU1_HW_ID_REV(hw_id);
	edev->db_target = enpu_read(edev, ENPU1_REG_DB_TARGET);
	edev->num_cores = enpu_read(edev, ENPU1_REG_NUM_CORES);
	edev->num_prio = enpu_read(edev, ENPU1_REG_NUM_PRIO);
	edev->num_as = enpu_read(edev, ENPU1_REG_NUM_AS);
	edev->sram_size = enpu_read(edev, ENPU1_REG_SRAM_SIZE);
	edev->clock_khz = enpu_read(edev, ENPU1_REG_CLOCK_KHZ);
	edev->macs_per_cycle = enpu_read(edev, ENPU1_REG_MACS_PER_CYCLE);
	edev->bus_bytes_per_cycle = enpu_read(edev, ENPU1_REG_BUS_BYTES_PER_CYCLE);
	edev->sram_bytes_per_cycle = enpu_read(edev, ENPU1_REG_SRAM_BYTES_PER_CYCLE);
	if (!edev->num_cores || edev->num_cores > ENPU1_MAX_CORES || !edev->num_prio ||
	    edev->num_prio > ENPU1_MAX_PRIO || !edev->num_as || edev->num_as > ENPU1_MAX_AS ||
	    enpu_read(edev, ENPU1_REG_RING_MAX) < ENPU_EVQ_ENTRIES) {
		drm_err(&edev->drm, "chip reports an impossible configuration\n");
		return -ENODEV;
	}
	/* The command sequence continues from whatever an earlier driver
	 * instance left, so a stale ack is never mistaken for ours.
	 */
	edev->cmd_seq = enpu_read(edev, ENPU1_REG_CMD_ACK);

	ret = enpu_ring_alloc(edev, &edev->evq, ENPU_EVQ_ENTRIES, sizeof(struct enpu1_event));
	if (ret)
		return ret;
	for (core = 0; core < edev->num_cores; core++) {
		for (prio = 0; prio < edev->num_prio; prio++) {
			ret = enpu_ring_alloc(edev, &edev->sq[core][prio], ENPU_SQ_ENTRIES,
					      sizeof(struct enpu1_sq_entry));
			if (ret)
				return ret;
		}
	}
	drm_info(&edev->drm, "ENPU-1 rev %u: %u cores, %u KiB SRAM, %u MHz, %u AS slots\n",
		 edev->chip_rev, edev->num_cores, edev->sram_size / 1024,
		 edev->clock_khz / 1000, edev->num_as);
	return 0;
}

void enpu_device_fini(struct enpu_device *edev)
{
	/* Leave the chip quiet: no DMA into memory we are about to free. */
	enpu_device_stop_events(edev);
	if (edev->booted && enpu_device_cmd(edev, ENPU1_CMD_RESET, 0, 0))
		drm_err(&edev->drm, "chip did not reset on removal\n");
	edev->booted = false;
}
