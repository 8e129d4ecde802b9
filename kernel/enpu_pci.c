// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI face of ENPU-1.  The chip has its own PCI ID; it also ships behind a
 * generic shared-memory PCI function (QEMU's ivshmem), which other things
 * use too, so there the BAR2 signature decides.
 */
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "enpu_debugfs.h"
#include "enpu_drv.h"
#include "enpu_mmu.h"

static int enpu_pci_map(struct enpu_device *edev)
{
	struct pci_dev *pdev = edev->pdev;

	if (pci_resource_len(pdev, 0) < 16 || pci_resource_len(pdev, 2) < ENPU1_REGS_SIZE)
		return -ENODEV;
	edev->db = pcim_iomap_region(pdev, 0, ENPU_DRIVER_NAME);
	if (IS_ERR(edev->db))
		return PTR_ERR(edev->db);
	edev->regs = pcim_iomap_region(pdev, 2, ENPU_DRIVER_NAME);
	if (IS_ERR(edev->regs))
		return PTR_ERR(edev->regs);
	return 0;
}

static void enpu_pci_release(struct drm_device *drm, void *arg)
{
	enpu_job_fini(arg);
}

static int enpu_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct enpu_device *edev;
	int ret;

	edev = devm_drm_dev_alloc(&pdev->dev, &enpu_drm_driver, struct enpu_device, drm);
	if (IS_ERR(edev))
		return PTR_ERR(edev);
	edev->pdev = pdev;
	pci_set_drvdata(pdev, edev);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = enpu_pci_map(edev);
	if (ret)
		return ret;
	if (readl(edev->regs + ENPU1_REG_SIGNATURE) != ENPU1_SIGNATURE) {
		/* Someone else's shared-memory device: not an error. */
		dev_dbg(&pdev->dev, "no ENPU-1 signature in BAR2\n");
		return -ENODEV;
	}
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	ret = enpu_device_init(edev);
	if (ret)
		return ret;
	enpu_mmu_init(edev);
	ret = enpu_job_init(edev);
	if (ret)
		return ret;
	/* Schedulers live as long as the DRM device: files may outlive the PCI
	 * device and still tear down their entities.
	 */
	ret = drmm_add_action_or_reset(&edev->drm, enpu_pci_release, edev);
	if (ret)
		return ret;
	ret = enpu_device_irq_init(edev);
	if (ret)
		return ret;
	ret = enpu_fw_init(edev);
	if (ret)
		goto err_irq;
	ret = drm_dev_register(&edev->drm, 0);
	if (ret)
		goto err_fw;
	enpu_debugfs_init(edev);
	enpu_pm_init(edev);
	return 0;

err_fw:
	enpu_device_fini(edev);
	enpu_fw_fini(edev);
err_irq:
	enpu_device_irq_fini(edev);
	return ret;
}

static void enpu_pci_remove(struct pci_dev *pdev)
{
	struct enpu_device *edev = pci_get_drvdata(pdev);

	enpu_pm_fini(edev);
	drm_dev_unplug(&edev->drm);
	enpu_job_abort_all(edev, -ENODEV);
	enpu_device_fini(edev);
	enpu_device_irq_fini(edev);
	enpu_fw_fini(edev);
}

static const struct pci_device_id enpu_pci_ids[] = {
	{ PCI_DEVICE(ENPU1_PCI_VENDOR_ID, ENPU1_PCI_DEVICE_ID) },
	{ PCI_DEVICE(ENPU1_IVSHMEM_VENDOR_ID, ENPU1_IVSHMEM_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, enpu_pci_ids);

static struct pci_driver enpu_pci_driver = {
	.name = ENPU_DRIVER_NAME,
	.id_table = enpu_pci_ids,
	.probe = enpu_pci_probe,
	.remove = enpu_pci_remove,
	.driver.pm = &enpu_pm_ops,
	.dev_groups = enpu_attr_groups,
};

module_pci_driver(enpu_pci_driver);

MODULE_AUTHOR("The enpu authors");
MODULE_DESCRIPTION(ENPU_DRIVER_DESC);
MODULE_LICENSE("GPL");
