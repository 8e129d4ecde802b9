# enpu top-level build.  `make` builds the module, the library, the tools and
# the firmware image; `make check` runs every test; `make deps` installs what
# all of that needs.  Components add themselves through their *.mk fragments.

O ?= build
CC ?= gcc
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	-fno-strict-aliasing -Ihw
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The newest installed 6.12-or-later kernel headers, unless KDIR is given.
KDIR ?= $(shell ls -d /lib/modules/6.1[2-9]*/build /lib/modules/[7-9].*/build 2>/dev/null | sort -V | tail -n1)
KVER = $(notdir $(patsubst %/build,%,$(KDIR)))

ALL_TARGETS :=
TEST_PROGS :=
TEST_SCRIPTS :=
KTEST_SCRIPTS :=
BENCH_TARGETS :=

.PHONY: all deps check check-kernel demo bench clean module
all: build-all

include firmware/firmware.mk
include tools/enpu-emu/emu.mk
-include lib/lib.mk
-include tools/enpu-run/run.mk
-include lib/compiler/compiler.mk
include kernel/kernel.mk
include tests/tests.mk
include tools/demo/demo.mk
include tools/bench/bench.mk

build-all: $(ALL_TARGETS) module

deps:
	./scripts/deps.sh

# Runs every test, host and VM, then prints "N passed, N failed".
check: build-all $(TEST_PROGS)
	@tests/run-suite $(TEST_PROGS) $(TEST_SCRIPTS) $(KTEST_SCRIPTS)

check-kernel: build-all
	@tests/run-suite $(KTEST_SCRIPTS)

demo: build-all
	tools/vm/run -- tools/demo/run-demo

bench: build-all
	@for b in $(BENCH_TARGETS); do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf $(O)
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1 || true

.PRECIOUS: $(O)/%/
$(O)/%/:
	@mkdir -p $@
