# SPDX-License-Identifier: GPL-2.0
#
# eventline: the kernel module, libeventline, examples and tests.
#
#   make                 module (for KVER), library, examples, selftests
#   make check           unit tests + selftests in a VM on every supported kernel
#   make demo            boot a VM with the module and run examples/demo
#   make bench           examples/elbench in a VM per kernel; figures in results/
#   make vmtest          selftests in a VM on KVER only (FILTER=name to pick)
#   make deps            install build and test dependencies (Debian 12, root)
#   make install         library, headers, udev rule; module-install for KVER
#   make dkms-install    copy the module sources to /usr/src for dkms
#   make style           checkpatch and sparse over the module
#
# KVER picks the kernel to build the module for (default: the newest
# supported kernel whose headers and image are installed).  Module objects
# for each kernel live in build/<KVER>/ so several kernels can be built side
# by side; the module sources themselves are built there through symlinks.

VERSION := 0.1.0

KVER ?= $(shell bash scripts/kernels.sh --newest 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
KBUILD_DIR := $(CURDIR)/build/$(KVER)

PREFIX ?= /usr/local
DESTDIR ?=
UDEVDIR ?= /lib/udev

MODULE_SOURCES := $(wildcard module/*.c module/*.h) module/Kbuild
# The test module selftests/kpost_test drives, built beside eventline.
KPOST_SOURCES := selftests/kmod/Kbuild selftests/kmod/evl_kpost.c \
	selftests/kmod/evl_kpost.h
KPOST_DIR := $(KBUILD_DIR)/selftests/kmod

.PHONY: all module lib examples selftests check vmtest demo bench deps install \
	module-install dkms-install style clean

all: module lib examples selftests

module: $(KBUILD_DIR)/module/eventline.ko $(KPOST_DIR)/evl_kpost.ko

$(KBUILD_DIR)/module/eventline.ko: $(MODULE_SOURCES) include/uapi/linux/eventline.h include/linux/eventline_kernel.h Kbuild
	@test -n "$(KVER)" || { echo "no supported kernel headers found; run 'make deps'" >&2; exit 1; }
	@mkdir -p $(KBUILD_DIR)/module
	@ln -sfn $(CURDIR)/include $(KBUILD_DIR)/include
	@ln -sf $(CURDIR)/Kbuild $(KBUILD_DIR)/Kbuild
	@for f in $(MODULE_SOURCES); do ln -sf $(CURDIR)/$$f $(KBUILD_DIR)/$$f; done
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) W=1 modules

# A separate external module: it links against eventline's exports through
# the Module.symvers that eventline's build wrote.  kbuild does not see
# those symbol versions change, so a new eventline.ko means a full rebuild.
$(KPOST_DIR)/evl_kpost.ko: $(KPOST_SOURCES) $(KBUILD_DIR)/module/eventline.ko
	@mkdir -p $(KPOST_DIR)
	@rm -f $(KPOST_DIR)/*.o $(KPOST_DIR)/*.ko $(KPOST_DIR)/*.mod*
	@for f in $(KPOST_SOURCES); do ln -sf $(CURDIR)/$$f $(KBUILD_DIR)/$$f; done
	$(MAKE) -C $(KDIR) M=$(KPOST_DIR) W=1 \
		KBUILD_EXTRA_SYMBOLS=$(KBUILD_DIR)/Module.symvers modules

lib:
	$(MAKE) -C lib

examples: lib
	$(MAKE) -C examples

selftests:
	$(MAKE) -C selftests

check: lib examples selftests
	bash scripts/check.sh

vmtest: module lib examples selftests
	bash scripts/vm-run.sh --kver $(KVER) --mode test $(if $(FILTER),--filter $(FILTER))

demo: module lib examples
	bash scripts/vm-run.sh --kver $(KVER) --mode demo

# Every supported kernel, one VM boot each; figures land in results/.
bench: lib examples
	bash scripts/bench.sh

deps:
	bash scripts/install-deps.sh

install: lib
	$(MAKE) -C lib install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -m0644 -D udev/60-eventline.rules $(DESTDIR)$(UDEVDIR)/rules.d/60-eventline.rules

module-install: module
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

DKMS_DIR := $(DESTDIR)/usr/src/eventline-$(VERSION)

dkms-install:
	install -m0644 -D dkms.conf $(DKMS_DIR)/dkms.conf
	install -m0644 -D Kbuild $(DKMS_DIR)/Kbuild
	install -m0644 -D include/uapi/linux/eventline.h $(DKMS_DIR)/include/uapi/linux/eventline.h
	install -m0644 -D include/linux/eventline_kernel.h $(DKMS_DIR)/include/linux/eventline_kernel.h
	for f in $(MODULE_SOURCES); do install -m0644 -D $$f $(DKMS_DIR)/$$f; done

style: module
	bash scripts/style.sh $(KDIR) $(KBUILD_DIR)

clean:
	rm -rf build
	$(MAKE) -C lib clean
	$(MAKE) -C examples clean
	$(MAKE) -C selftests clean
