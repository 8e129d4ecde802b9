# enpu.ko, built by the kernel's own build system against $(KDIR).  Kbuild
# writes objects next to the sources; the module is copied to $(O)/kernel/.
# W=1 by default: the driver must stay free of extra warnings.
W ?= 1
KMOD := $(O)/kernel/enpu.ko
KERNEL_SRCS := $(wildcard kernel/*.c kernel/*.h hw/*.h uapi/drm/*.h) kernel/Kbuild Kbuild

module: $(KMOD)

$(KMOD): $(KERNEL_SRCS) | $(O)/kernel/
	@test -n "$(KDIR)" || { echo "no 6.12+ kernel headers: run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules
	cp kernel/enpu.ko $@
