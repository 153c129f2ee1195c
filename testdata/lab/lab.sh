#!/bin/bash
# lab.sh rebuilds the real captures in testdata/captures/ by booting real
# systemd (Debian 12, systemd 252; or Debian 13, systemd 257, with
# LAB_SUITE=trixie) in a qemu VM under software emulation.
#
#   testdata/lab/lab.sh             all scenarios (about 5 minutes)
#   LAB_ONLY="a b" testdata/lab/lab.sh   only the named scenarios
#   LAB_HOSTNAME=web2 LAB_DEST=testdata/fleet/web2 LAB_ONLY=… testdata/lab/lab.sh
#                                   the same scenarios on another host (fleets)
#   LAB_SUITE=selinux testdata/lab/lab.sh
#                                   Debian 13 with SELinux enforcing (default
#                                   policy), the scenarios of selinux/: a copy
#                                   of the trixie root file system with
#                                   selinux-policy-default, relabelled here
#   LAB_SUITE=trixie LAB_ONLY="…" testdata/lab/lab.sh
#                                   on Debian 13 (systemd 257, built with the
#                                   BPF framework): captures go to NAME-trixie,
#                                   with scenarios/NAME/expect.trixie if the
#                                   outcome differs by version
#
# Needs root (debootstrap) and network access to the Debian mirror the first
# time; the root file system is cached in $LAB_CACHE (default
# /var/cache/harden-lab). Steps: install packages, debootstrap once, build
# the workloads (Go, C, Rust here; Python, Node and shell run as they are),
# copy them with the scenarios into the image, boot, run run-in-vm.sh as a
# oneshot unit, copy the bundles out with debugfs (no mounts, no loop
# devices) and install them under testdata/captures/<scenario>/ with the
# scenario's expect file.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${LAB_CACHE:-/var/cache/harden-lab}
suite=${LAB_SUITE:-bookworm}
root=$cache/rootfs
[ "$suite" = bookworm ] || root=$cache/rootfs-$suite
# (awk reads all its input: with pipefail, grep -m1 could fail the pipe and
# add the fallback as a second line.)
mirror=$({ cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } | sed -n 's/^URIs: //p;s/^deb \(http[^ ]*\) .*/\1/p' | awk '/debian/ && m == "" {m = $1} END {print m}')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

need() { command -v "$1" >/dev/null || { apt-get update -q && apt-get install -y -q debootstrap qemu-system-x86 e2fsprogs; }; }
need qemu-system-x86_64; need debootstrap; need debugfs

if [ "$suite" = selinux ] && [ ! -e "$root/.harden-lab-ready" ]; then
	# Debian 13 plus the default SELinux policy, enforcing: built from the
	# trixie root file system (LAB_SUITE=trixie builds that first).
	[ -e "$cache/rootfs-trixie/.harden-lab-ready" ] || LAB_SUITE=trixie LAB_ONLY=none "$0"
	cp -a "$cache/rootfs-trixie" "$root"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	chroot "$root" apt-get install -y -q --no-install-recommends selinux-policy-default selinux-utils policycoreutils || true
	umount "$root/proc"
	sed -i 's/^SELINUX=.*/SELINUX=enforcing/' "$root/etc/selinux/config"
fi
if [ ! -e "$root/.harden-lab-ready" ]; then
	mkdir -p "$cache"
	debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,udev,linux-image-amd64,initramfs-tools,auditd,python3,sudo,iproute2,procps,kmod,nodejs "$suite" "$root" "$mirror"
	echo labvm > "$root/etc/hostname"
	echo '/dev/vda / ext4 rw 0 1' > "$root/etc/fstab"
	touch "$root/.harden-lab-ready"
fi
if [ ! -x "$root/usr/bin/java" ] || [ ! -x "$root/sbin/apparmor_parser" ] || [ ! -x "$root/bin/ping" ] || [ ! -x "$root/bin/keyctl" ]; then # Java workloads (added after the first captures)
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	chroot "$root" apt-get install -y -q --no-install-recommends default-jre-headless apparmor util-linux kmod iputils-ping keyutils || true
	umount "$root/proc"
fi

# Real programs from Debian's packages (scenarios real-*): installed once,
# their own services disabled so that only the scenarios start them.
pkgs=$(grep -v '^#' "$here/packages.txt" | tr '\n' ' ')
missing=""
for p in $pkgs; do [ -e "$root/var/lib/dpkg/info/$p.list" ] || [ -e "$root/var/lib/dpkg/info/$p:amd64.list" ] || missing="$missing $p"; done
if [ -n "$missing" ]; then
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing || true
	umount "$root/proc"
	for s in nginx chrony memcached redis-server rsyslog dnsmasq lighttpd haproxy unbound mosquitto ssh cron named bind9 prometheus-node-exporter nftables apache2 lldpd; do
		rm -f "$root"/etc/systemd/system/*.wants/$s.service
	done
fi

# Workloads built on the host (Debian 12 too, so glibc matches the guest).
bin=$(mktemp -d); trap 'rm -rf "$bin"' EXIT
w=$here/workloads
(cd "$w/go" && CGO_ENABLED=0 go build -o "$bin/goapp" main.go)
gcc -O2 -o "$bin/capp" "$w/c/capp.c" -lpthread
# A 32-bit build for SystemCallArchitectures= (gcc-multilib).
command -v i686-linux-gnu-gcc >/dev/null || [ -e /usr/lib/gcc/x86_64-linux-gnu/12/32 ] || apt-get install -y -q gcc-multilib >/dev/null
gcc -m32 -static -O2 -o "$bin/capp32" "$w/c/capp.c" -lpthread
(cd "$w/rust" && CARGO_TARGET_DIR="$bin/rust-target" cargo build --release --offline -q && cp "$bin/rust-target/release/rsapp" "$bin/")
(cd "$w/java" && javac --release 17 -d "$bin" JApp.java)
(cd "$repo" && go build -o "$bin/harden" ./cmd/harden) # for the watch-session scenario
cp "$w/python/pyapp.py" "$w/node/nodeapp.js" "$w/shell/shapp.sh" "$w/shell/hostile.sh" "$bin/"

rm -rf "$root/lab"; mkdir -p "$root/lab/bin"
cp "$bin"/goapp "$bin"/capp "$bin"/capp32 "$bin"/rsapp "$bin"/JApp.class "$bin"/harden "$bin"/pyapp.py "$bin"/nodeapp.js "$bin"/shapp.sh "$bin"/hostile.sh "$root/lab/bin/"
if [ "$suite" = selinux ]; then
	cp -r "$here/selinux" "$root/lab/scenarios"
else
	cp -r "$here/scenarios" "$root/lab/scenarios"
fi
cp "$here/run-in-vm.sh" "$root/lab/run-in-vm.sh"
# The Debian package, when one was built (packaging/build-deb.sh): the VM
# installs it and the tune scenarios use it, so the package is proven on
# a real host.
deb=$(ls "$repo"/dist/harden_*_amd64.deb 2>/dev/null | tail -1 || true)
[ -n "$deb" ] && cp "$deb" "$root/lab/harden.deb"
cat > "$root/etc/systemd/system/harden-lab.service" <<UNIT
[Unit]
Description=harden lab runner
After=multi-user.target auditd.service systemd-journald.service
[Service]
Type=oneshot
Environment="LAB_ONLY=${LAB_ONLY:-}"
ExecStart=/lab/run-in-vm.sh
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/harden-lab.service "$root/etc/systemd/system/multi-user.target.wants/harden-lab.service"
rm -rf "$root/var/log/journal"/* "$root/var/log/audit/audit.log"* 2>/dev/null || true
# LAB_HOSTNAME boots the VM as another host (fleet captures).
echo "${LAB_HOSTNAME:-labvm}" > "$root/etc/hostname"

lsm=landlock,lockdown,yama,apparmor,bpf
if [ "$suite" = selinux ]; then
	# Files this script added have no label yet: label the whole tree, as
	# an autorelabel would, so that the enforcing policy can boot it.
	chroot "$root" /usr/sbin/setfiles -e /proc -e /sys -e /dev /etc/selinux/default/contexts/files/file_contexts / >/dev/null
	lsm=landlock,lockdown,yama,selinux,bpf
fi
img=$cache/lab-$suite.img
rm -f "$img"; mkfs.ext4 -q -d "$root" -L root "$img" 3G
kernel=$(ls "$root"/boot/vmlinuz-* | tail -1); initrd=$(ls "$root"/boot/initrd.img-* | tail -1)
echo "booting $(basename "$kernel") under TCG..."
timeout "${LAB_TIMEOUT:-3600}" qemu-system-x86_64 -accel tcg -m 2048 -smp 1 -kernel "$kernel" -initrd "$initrd" \
	-append "root=/dev/vda rw console=ttyS0 audit=1 apparmor=1 lsm=$lsm systemd.show_status=0" \
	-drive "file=$img,if=virtio,format=raw" -display none -nic none -serial "file:$cache/console-$suite.log" -no-reboot ||
	echo "the VM did not finish (timeout): taking the scenarios it completed" >&2

out=$cache/out-$suite; rm -rf "$out"; mkdir -p "$out"
# -c: a VM stopped by the timeout left the file system unclean.
debugfs -c -R "rdump /lab/out $out" "$img" >/dev/null 2>&1
[ -e "$out/out/DONE" ] || echo "lab run did not finish; see $cache/console-$suite.log and $out/out/runner.log" >&2
for b in "$out"/out/*/; do
	name=$(basename "$b"); [ "$name" = _journal ] && continue
	[ -e "$b/.done" ] || { echo "not captured (unfinished): $name" >&2; continue; }
	rm -f "$b/.done"
	cname=$name; [ "$suite" = bookworm ] || cname=$name-$suite
	dest=${LAB_DEST:-$repo/testdata/captures}/$cname
	rm -rf "$dest"; mkdir -p "$dest"
	cp -r "$b"/. "$dest"/
	sdir=$here/scenarios; [ "$suite" = selinux ] && sdir=$here/selinux
	expect=$sdir/$name/expect
	[ -f "$expect.$suite" ] && expect=$expect.$suite
	cp "$expect" "$dest/expect"
	[ -d "$dest/audit" ] && [ ! -s "$dest/audit/audit.log" ] && rm -rf "$dest/audit"
	[ -d "$dest/fix/audit" ] && [ ! -s "$dest/fix/audit/audit.log" ] && rm -rf "$dest/fix/audit"
	if [ ! -s "$dest/journal.export" ]; then
		# Under SELinux enforcing the runner's domain may not read the
		# journal: take the unit's entries from the whole-boot journal.
		unit=$(sed -n 's/^unit: //p' "$dest/expect")
		journalctl -D "$out/out/_journal" -o export -u "$unit" > "$dest/journal.export"
	fi
	# A scenario's post-conditions on what the VM recorded (figures of a
	# live run that no test can recompute), checked here as it lands.
	if [ -x "$sdir/$name/postcondition.sh" ]; then
		(cd "$dest" && "$sdir/$name/postcondition.sh") || echo "POSTCONDITION FAILED: $cname" >&2
	fi
	echo "captured $cname"
done
cp "$out/out/runner.log" "$cache/runner.log"
echo "journal directory of the whole boot: $out/out/_journal"
