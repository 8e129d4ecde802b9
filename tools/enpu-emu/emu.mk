# enpu-emu: the ENPU-1 chip on the far side of QEMU's ivshmem-doorbell link.
EMU_SRCS := $(sort $(wildcard tools/enpu-emu/*.c)) tools/common/crc32.c
EMU := $(O)/tools/enpu-emu
ALL_TARGETS += $(EMU)

$(EMU): $(EMU_SRCS) $(wildcard tools/enpu-emu/*.h tools/common/*.h hw/*.h firmware/include/*.h) | $(O)/tools/
	$(CC) $(CFLAGS_COMMON) -Itools/common -Ifirmware/include -pthread -o $@ $(EMU_SRCS) -ldl -lm
