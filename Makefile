# SPDX-License-Identifier: GPL-2.0
#
# ptun: out-of-tree kernel module, CLI and the QEMU test rig.
#
#   make              module against KDIR, and the ptun CLI
#   make check        every test: CLI unit tests, then the selftests in QEMU
#                     on each kernel of VM_KERNELS
#   make check-debug  the selftests on a debug kernel (KASAN, lockdep,
#                     kmemleak...) built once from linux-source-6.12
#   make demo         two sites joined by ptun, in a QEMU guest
#   make bench        ptun against WireGuard, IPsec (ESP, ESP-in-UDP) and plain
#                     veth in one QEMU guest, as ratios (BENCH_ROUNDS,
#                     BENCH_SECONDS); table, JSON and chart in bench/results/
#   make bench-rekey  UDP loss and reordering across forced rekeys
#   make bench-scale  throughput with 100,000 allowed IPs against 1, and
#                     1,000 idle ptun devices against 1,000 WireGuard ones
#                     (creation time, memory per device); not in make check
#   make bench-profile where the CPU goes for 64-byte datagrams, per thread
#                     and per function, ptun against WireGuard
#   make install      module (+ depmod), CLI, ptun-quick and its systemd
#                     units, man pages, bash completion and the uapi header
#                     (linux/ptun.h); honours DESTDIR
#   make dkms-install the module's sources to /usr/src/ptun-VERSION, then
#                     DKMS builds and installs it for every kernel with
#                     headers (DKMS_KERNELS), and for each kernel to come
#   make deb          Debian packages ptun-dkms and ptun-tools in build/deb/,
#                     built from a copy of the tree, checked by lintian
#   make deb-test     those packages installed with apt into a fresh bookworm
#                     root (debootstrap, cached in ~/.cache/ptun/), checked there
#   make ynl-header   regenerate uapi/linux/ptun.h from the YNL spec
#                     Documentation/netlink/specs/ptun.yaml (ynl-gen-c.py
#                     from linux-source-6.12)
#   make ynl-check    fail if the committed header is not what that makes
#                     (part of make check)
#   make lint         checkpatch.pl --strict
#   make sparse       the module under sparse (C=2), for KDIR's kernel
#   make deps         install the Debian packages all this needs
#
# The kernel part is built by Kbuild (./Kbuild, kmod/Kbuild). The module for
# each kernel the rig boots gets its own copy of the sources under
# build/<kernel version>/, so that one tree serves several kernels at once.

VM_KERNELS ?= 6.1 6.12
DEMO_KERNEL ?= 6.12
BENCH_KERNEL ?= $(DEMO_KERNEL)
BENCH_ROUNDS ?= 7
BENCH_SECONDS ?= 5
BENCH_OUT ?= $(CURDIR)/bench/results
BENCH_REKEY_AFTER ?= 3
BENCH_REKEY_SECONDS ?= 20
BENCH_REKEY_RATE ?= 0
BENCH_SCALE_ROUNDS ?= 10
BENCH_SCALE_PREFIXES ?= 100000
BENCH_SCALE_DEVICES ?= 1000
BENCH_SCALE_TRIALS ?= 3
PROFILE_SECONDS ?= 8

KVER_DEFAULT := $(shell uname -r)
ifeq ($(wildcard /lib/modules/$(KVER_DEFAULT)/build),)
KVER_DEFAULT := $(shell scripts/kver $(DEMO_KERNEL) 2>/dev/null)
endif
KDIR ?= /lib/modules/$(KVER_DEFAULT)/build
# The kernel KDIR builds for: the directory name under /lib/modules (Debian's
# 6.1 headers say "6.1.192" in kernel.release, not "6.1.0-56-amd64")
KVER ?= $(or $(patsubst /lib/modules/%/build,%,$(filter /lib/modules/%/build,$(KDIR))), \
	$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR ?=

# What a per-kernel build directory needs: the Kbuild files and sources,
# never the objects an in-tree build leaves next to them.
KMOD_SOURCES = $(shell find Kbuild VERSION kmod uapi -type f \
	\( -name '*.[ch]' -o -name Kbuild -o -name Makefile -o -name VERSION \) \
	! -name '*.mod.c' 2>/dev/null)

VERSION := $(shell cat VERSION)
# Kernels that have headers to build against
DKMS_KERNELS ?= $(patsubst /lib/modules/%/build,%,$(wildcard /lib/modules/*/build))
# dkms options, e.g. --dkmstree/--sourcetree/--installtree for a test
DKMS_FLAGS ?=
DKMS_SRC ?= $(DESTDIR)/usr/src/ptun-$(VERSION)

CHECKPATCH_DIR := build/checkpatch
CHECKPATCH := $(CHECKPATCH_DIR)/scripts/checkpatch.pl
LINUX_SOURCE_TAR := /usr/src/linux-source-6.12.tar.xz

.PHONY: all module tool deps check check-debug demo bench bench-rekey bench-scale bench-profile install \
	install-doc install-quick dkms-src dkms-install deb deb-test clean \
	lint sparse vm-modules module-for module-debug-for tool-test \
	ynl-header ynl-check install-header

all: module tool

module:
	@test -d "$(KDIR)" || { echo "KDIR=$(KDIR) does not exist (make deps?)" >&2; exit 1; }
	scripts/no-warnings $(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

tool:
	scripts/no-warnings $(MAKE) -C tool

tool-test: tool
	$(MAKE) -C tool test

deps:
	scripts/deps

# build/<kver>/kmod/ptun.ko for one kernel: make module-for KVER=<version>
# (KBUILD_DIR: the kernel's build tree, when it is not an installed one's)
BDIR = build/$(KVER)
KBUILD_DIR = /lib/modules/$(KVER)/build
module-for:
	@test -n "$(KVER)" && test -d $(KBUILD_DIR) || \
		{ echo "no headers for kernel '$(KVER)'" >&2; exit 1; }
	@mkdir -p $(BDIR)
	@cp --parents -p $(KMOD_SOURCES) $(BDIR)/
	scripts/no-warnings $(MAKE) -C $(KBUILD_DIR) \
		M=$(CURDIR)/$(BDIR) W=1 $(KBUILD_EXTRA) modules

# build/<kver>-debug/kmod/ptun.ko: the module with PTUN_DEBUG=1, which runs
# the in-module self-tests when it loads (selftests/selftest-kmod.sh)
module-debug-for:
	$(MAKE) --no-print-directory module-for KVER=$(KVER) \
		BDIR=build/$(KVER)-debug KBUILD_EXTRA=PTUN_DEBUG=1

# The module, and its debug build, for every kernel the rig boots
vm-modules:
	@set -e; for k in $(VM_KERNELS); do \
		v=$$(scripts/kver $$k); \
		$(MAKE) --no-print-directory module-for KVER=$$v; \
		$(MAKE) --no-print-directory module-debug-for KVER=$$v; \
	done

check:
	@scripts/check $(VM_KERNELS)

# uapi/linux/ptun.h is generated from the YNL spec and committed
ynl-header:
	scripts/ynl header

ynl-check:
	@scripts/ynl check

# The selftests on a KASAN/lockdep/kmemleak kernel built from Debian's
# linux-source-6.12 (scripts/debug-kernel; cached outside the tree)
check-debug:
	@scripts/check debug

demo: deps
	$(MAKE) tool
	$(MAKE) --no-print-directory module-for KVER=$$(scripts/kver $(DEMO_KERNEL))
	selftests/vm/run --kernel $(DEMO_KERNEL) --script selftests/demo.sh

# Quick, for development: make bench BENCH_ROUNDS=1 BENCH_SECONDS=2
bench: deps
	$(MAKE) tool
	$(MAKE) --no-print-directory module-for KVER=$$(scripts/kver $(BENCH_KERNEL))
	selftests/bench/bench.sh $(BENCH_KERNEL) $(BENCH_ROUNDS) $(BENCH_SECONDS) $(BENCH_OUT)

# Loss and reordering of a sequence-numbered UDP stream across forced
# rekeys (BENCH_REKEY_AFTER, BENCH_REKEY_SECONDS, BENCH_REKEY_RATE)
bench-rekey: deps
	$(MAKE) tool
	$(MAKE) --no-print-directory module-for KVER=$$(scripts/kver $(BENCH_KERNEL))
	@mkdir -p build/bench
	@printf 'BENCH_REKEY_AFTER=%s BENCH_REKEY_SECONDS=%s BENCH_REKEY_RATE=%s exec bash %s\n' \
		'$(BENCH_REKEY_AFTER)' '$(BENCH_REKEY_SECONDS)' '$(BENCH_REKEY_RATE)' \
		'$(CURDIR)/selftests/bench/rekeyloss.sh' > build/bench/rekey.sh
	selftests/vm/run --kernel $(BENCH_KERNEL) --script build/bench/rekey.sh

# Where the CPU goes for 64-byte datagrams through ptun and WireGuard:
# per-thread CPU time and a function_graph trace, PROFILE_SECONDS a run
bench-profile: deps
	$(MAKE) tool
	$(MAKE) --no-print-directory module-for KVER=$$(scripts/kver $(BENCH_KERNEL))
	@mkdir -p build/bench
	@printf 'PROFILE_SECONDS=%s exec bash %s\n' '$(PROFILE_SECONDS)' \
		'$(CURDIR)/selftests/bench/profile.sh' > build/bench/profile.sh
	selftests/vm/run --kernel $(BENCH_KERNEL) --script build/bench/profile.sh

# Throughput with BENCH_SCALE_PREFIXES allowed IPs against one (runs of
# BENCH_SECONDS, BENCH_SCALE_ROUNDS of them, A B B A...), and
# BENCH_SCALE_DEVICES idle ptun devices against as many WireGuard devices
# (BENCH_SCALE_TRIALS, ptun wg ptun...); table and JSON in BENCH_OUT
bench-scale: deps
	$(MAKE) tool
	$(MAKE) --no-print-directory module-for KVER=$$(scripts/kver $(BENCH_KERNEL))
	selftests/bench/scale.sh $(BENCH_KERNEL) $(BENCH_SCALE_ROUNDS) $(BENCH_SECONDS) \
		$(BENCH_SCALE_PREFIXES) $(BENCH_SCALE_DEVICES) $(BENCH_SCALE_TRIALS) $(BENCH_OUT)

# Installs into /lib/modules/<kver>/updates, unsigned (Debian's headers
# carry no signing key). depmod runs only for a real install: a DESTDIR
# install is a package's job, whose postinst runs it.
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		CONFIG_MODULE_SIG_ALL= modules_install
	$(if $(DESTDIR),,depmod $(KVER))
	install -D -m 0755 tool/ptun $(DESTDIR)$(SBINDIR)/ptun
	$(MAKE) --no-print-directory install-doc install-quick install-header

# What DKMS builds from: the module's sources, and dkms.conf with the version
dkms-src:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp --parents -p $(KMOD_SOURCES) $(DKMS_SRC)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DKMS_SRC)/dkms.conf

dkms-install: dkms-src
	dkms $(DKMS_FLAGS) status -m ptun -v $(VERSION) | grep -q . || \
		dkms $(DKMS_FLAGS) add -m ptun -v $(VERSION)
	set -e; for k in $(DKMS_KERNELS); do \
		dkms $(DKMS_FLAGS) install -m ptun -v $(VERSION) -k $$k; \
	done

# debian/ builds them (scripts/deb-build); the tree itself stays clean
deb:
	scripts/deb-build build/deb

deb-test:
	scripts/deb-test

# The generic netlink API, for programs that drive ptun themselves
install-header:
	install -D -m 0644 uapi/linux/ptun.h $(DESTDIR)$(INCLUDEDIR)/linux/ptun.h

# The manual pages and the bash completions: nothing to build
install-doc:
	install -D -m 0644 doc/ptun.8 $(DESTDIR)$(MANDIR)/man8/ptun.8
	install -D -m 0644 doc/ptun-quick.8 $(DESTDIR)$(MANDIR)/man8/ptun-quick.8
	install -D -m 0644 doc/ptun.conf.5 $(DESTDIR)$(MANDIR)/man5/ptun.conf.5
	install -D -m 0644 completion/ptun.bash $(DESTDIR)$(BASHCOMPDIR)/ptun
	install -D -m 0644 completion/ptun-quick.bash $(DESTDIR)$(BASHCOMPDIR)/ptun-quick

# ptun-quick and its systemd units, which run $(SBINDIR)/ptun-quick and
# $(SBINDIR)/ptun (the units name /usr/sbin/)
install-quick:
	install -D -m 0755 tool/ptun-quick $(DESTDIR)$(SBINDIR)/ptun-quick
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed '/^Exec/s|/usr/sbin/|$(SBINDIR)/|g' systemd/ptun-quick@.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/ptun-quick@.service
	install -m 0644 systemd/ptun-quick.target $(DESTDIR)$(SYSTEMDUNITDIR)/ptun-quick.target
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/ptun-quick@.service

clean:
	if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	if [ -f tool/Makefile ]; then $(MAKE) -C tool clean; fi
	rm -rf build

$(CHECKPATCH):
	@test -f $(LINUX_SOURCE_TAR) || scripts/deps lint
	mkdir -p $(CHECKPATCH_DIR)
	tar -C $(CHECKPATCH_DIR) --strip-components=1 -xJf $(LINUX_SOURCE_TAR) \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch $@

# Not uapi/linux/ptun.h: ynl-gen-c.py writes it, in its own layout
# (a define right after its enum, which --strict questions)
lint: $(CHECKPATCH)
	$(CHECKPATCH) --strict --no-tree --show-types -f \
		$(sort $(filter-out %.mod.c,$(wildcard kmod/*.[ch])))

# In a directory of its own, so that it never mixes with other builds
sparse:
	$(MAKE) --no-print-directory module-for KVER=$(KVER) \
		BDIR=build/sparse/$(KVER) KBUILD_EXTRA=C=2
