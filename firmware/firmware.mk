# The control-core firmware, built for the emulator as a shared object whose
# only export is enpu_fw_entry, then packed into a verified image.
FW_SRCS := $(sort $(wildcard firmware/*.c))
FW_SO := $(O)/firmware/enpu1-fw.so
FW_IMAGE := $(O)/firmware/enpu/enpu1.bin
FW_VERSION ?= 1.1.0
FW_CFLAGS := $(CFLAGS_COMMON) -Ifirmware/include -fPIC -fvisibility=hidden

FWPACK := $(O)/tools/enpu-fwpack
ALL_TARGETS += $(FW_SO) $(FW_IMAGE) $(FWPACK)

$(FW_SO): $(FW_SRCS) $(wildcard firmware/*.h firmware/include/*.h hw/*.h) | $(O)/firmware/
	$(CC) $(FW_CFLAGS) -shared -Wl,-z,defs -Wl,--no-undefined -o $@ $(FW_SRCS)

$(FWPACK): tools/enpu-fwpack/fwpack.c tools/common/crc32.c tools/common/crc32.h hw/enpu1_hw.h | $(O)/tools/
	$(CC) $(CFLAGS_COMMON) -Itools/common -o $@ tools/enpu-fwpack/fwpack.c tools/common/crc32.c

$(FW_IMAGE): $(FW_SO) $(FWPACK) | $(O)/firmware/enpu/
	$(FWPACK) --version $(FW_VERSION) -o $@ $(FW_SO)
