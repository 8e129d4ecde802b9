// SPDX-License-Identifier: GPL-2.0-only
/*
 * Firmware: loaded with request_firmware(), checked before it goes near the
 * chip, kept in DMA memory and uploaded by the chip's boot ROM on BOOT.
 */
#include <drm/drm_print.h>
#include <linux/crc32.h>
#include <linux/dma-mapping.h>
#include <linux/firmware.h>

#include "enpu_drv.h"
#include "enpu_trace.h"

#define ENPU_FW_MAJOR_MIN	1
#define ENPU_FW_MAJOR_MAX	1

static char *firmware;
module_param(firmware, charp, 0444);
MODULE_PARM_DESC(firmware, "Firmware file to load instead of the chip generation's default");

MODULE_FIRMWARE("enpu/enpu1.bin");

/* CRC-32 as zlib and the chip's boot ROM compute it. */
static u32 enpu_crc32(const void *buf, size_t len)
{
	return crc32_le(~0u, buf, len) ^ ~0u;
}

static const char *enpu_fw_check(const struct firmware *fw)
{
	struct enpu1_fw_header hdr;
	u32 crc, major;

	if (fw->size < sizeof(hdr))
		return "shorter than its header";
	if (fw->size > ENPU1_FW_MAX_SIZE)
		return "larger than the chip accepts";
	memcpy(&hdr, fw->data, sizeof(hdr));
	if (hdr.magic != ENPU1_FW_MAGIC)
		return "bad magic";
	crc = hdr.header_crc;
	hdr.header_crc = 0;
	if (hdr.header_size != sizeof(hdr) || enpu_crc32(&hdr, sizeof(hdr)) != crc)
		return "corrupt header";
	if (hdr.abi != ENPU1_FW_ABI)
		return "unsupported firmware ABI";
	if (hdr.machine != ENPU1_FW_MACHINE_X86_64_SO)
		return "built for another control core";
	if (hdr.payload_size != fw->size - sizeof(hdr))
		return "size does not match its header";
	if (enpu_crc32(fw->data + sizeof(hdr), hdr.payload_size) != hdr.payload_crc)
		return "payload CRC mismatch";
	major = hdr.fw_version >> 16;
	if (major < ENPU_FW_MAJOR_MIN || major > ENPU_FW_MAJOR_MAX)
		return "unsupported firmware major version";
	return NULL;
}

int enpu_fw_init(struct enpu_device *edev)
{
	const struct firmware *fw;
	const char *why;
	int ret;

	if (firmware)
		strscpy(edev->fw_name, firmware, sizeof(edev->fw_name));
	else
		snprintf(edev->fw_name, sizeof(edev->fw_name), "enpu/enpu%u.bin", edev->chip_id);

	ret = request_firmware(&fw, edev->fw_name, edev->drm.dev);
	if (ret) {
		drm_err(&edev->drm, "firmware %s: not found (%d)\n", edev->fw_name, ret);
		return ret;
	}
	why = enpu_fw_check(fw);
	if (why) {
		drm_err(&edev->drm, "firmware %s rejected: %s\n", edev->fw_name, why);
		ret = -EINVAL;
		goto err_release;
	}
	edev->fw_size = fw->size;
	edev->fw_cpu = dma_alloc_coherent(edev->drm.dev, fw->size, &edev->fw_dma, GFP_KERNEL);
	if (!edev->fw_cpu) {
		ret = -ENOMEM;
		goto err_release;
	}
	memcpy(edev->fw_cpu, fw->data, fw->size);
	edev->fw_version = ((const struct enpu1_fw_header *)fw->data)->fw_version;
	release_firmware(fw);

	ret = enpu_fw_boot(edev);
	if (ret)
		goto err_free;
	return 0;

err_free:
	dma_free_coherent(edev->drm.dev, edev->fw_size, edev->fw_cpu, edev->fw_dma);
	edev->fw_cpu = NULL;
	return ret;
err_release:
	release_firmware(fw);
	return ret;
}

void enpu_fw_fini(struct enpu_device *edev)
{
	if (edev->fw_cpu)
		dma_free_coherent(edev->drm.dev, edev->fw_size, edev->fw_cpu, edev->fw_dma);
	edev->fw_cpu = NULL;
}

static const char *enpu_boot_error_name(u32 err)
{
	static const char * const names[] = {
		[ENPU1_BOOT_OK] = "no error",
		[ENPU1_BOOT_BAD_MAGIC] = "bad magic",
		[ENPU1_BOOT_BAD_HEADER] = "bad header",
		[ENPU1_BOOT_BAD_ABI] = "unsupported ABI",
		[ENPU1_BOOT_BAD_SIZE] = "bad size",
		[ENPU1_BOOT_BAD_CRC] = "bad payload CRC",
		[ENPU1_BOOT_BAD_MACHINE] = "wrong machine",
		[ENPU1_BOOT_DMA_ERROR] = "image not reachable by DMA",
		[ENPU1_BOOT_LOAD_FAILED] = "payload did not start",
		[ENPU1_BOOT_NO_IMAGE] = "no image",
	};

	return err < ARRAY_SIZE(names) ? names[err] : "unknown error";
}

/**
 * enpu_fw_boot - hand the firmware to the chip's boot ROM and wait for it
 * @edev: the device, in ROM state (after power-on or RESET)
 *
 * Return: 0 once the firmware runs, else a negative errno.
 */
int enpu_fw_boot(struct enpu_device *edev)
{
	u32 status, version;
	int ret;

	enpu_device_program_rings(edev);
	enpu_write(edev, ENPU1_REG_FW_ADDR_LO, lower_32_bits(edev->fw_dma));
	enpu_write(edev, ENPU1_REG_FW_ADDR_HI, upper_32_bits(edev->fw_dma));
	enpu_write(edev, ENPU1_REG_FW_SIZE, edev->fw_size);
	ret = enpu_device_cmd(edev, ENPU1_CMD_BOOT, 0, 0);
	if (ret) {
		trace_enpu_fw_boot(edev, edev->fw_version, ret);
		return ret;
	}

	status = enpu_read(edev, ENPU1_REG_STATUS);
	if (status != ENPU1_STATUS_READY) {
		u32 err = enpu_read(edev, ENPU1_REG_BOOT_ERROR);

		drm_err(&edev->drm, "chip refused firmware %s: %s (status %u, boot error %u)\n",
			edev->fw_name, enpu_boot_error_name(err), status, err);
		trace_enpu_fw_boot(edev, edev->fw_version, -EIO);
		return -EIO;
	}
	version = enpu_read(edev, ENPU1_REG_FW_VERSION);
	if (version != edev->fw_version) {
		drm_err(&edev->drm, "firmware reports version 0x%x, image says 0x%x\n",
			version, edev->fw_version);
		trace_enpu_fw_boot(edev, version, -EIO);
		/* It runs: stop it before its rings and image are freed. */
		enpu_device_stop_events(edev);
		enpu_device_cmd(edev, ENPU1_CMD_RESET, 0, 0);
		return -EIO;
	}
	edev->fw_caps = enpu_read(edev, ENPU1_REG_FW_CAPS);
	edev->booted = true;
	trace_enpu_fw_boot(edev, version, 0);
	drm_info(&edev->drm, "firmware %s %u.%u.%u running, capabilities 0x%x\n",
		 edev->fw_name, version >> 16, (version >> 8) & 0xff, version & 0xff,
		 edev->fw_caps);
	return 0;
}
