#!/bin/bash
# nspawn.sh captures scenarios in a systemd-nspawn container whose seccomp
# filter refuses unshare(): the host-caused case, where a unit's
# namespace settings cannot be set up. Real runs (systemd 252): systemd
# then runs the service WITHOUT them, logging that only at debug level —
# ProtectSystem=strict was silently not in force.
#   testdata/lab/container/nspawn.sh            (root; uses the VM lab's
#                                                cached Debian 12 root file system)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
src=${LAB_CACHE:-/var/cache/harden-lab}/rootfs
[ -d "$src" ] || { echo "run testdata/lab/lab.sh once first (it builds $src)" >&2; exit 1; }
command -v systemd-nspawn >/dev/null || apt-get install -y -q systemd-container >/dev/null
root=$(mktemp -d /var/tmp/harden-nspawn.XXXX)
trap 'pkill -f "systemd-nspawn -b -D $root" 2>/dev/null; sleep 1; rm -rf "$root"' EXIT
cp -a "$src"/. "$root"/
rm -f "$root/etc/systemd/system/multi-user.target.wants/harden-lab.service" "$root/etc/systemd/system/multi-user.target.wants/auditd.service"
install -m 0755 "$here/../workloads/shell/shapp.sh" "$root/usr/local/bin/shapp.sh"
for dir in "$here"/*/; do cp "$dir"/*.service "$root/etc/systemd/system/"; done
. "$here/boot.sh"
nspawn_boot "$root" harden-ns --system-call-filter='~unshare'
inside() { nsenter -t "$pid1" -a "$@"; }
for dir in "$here"/*/; do
	name=$(basename "$dir"); unit=$(sed -n 's/^unit: //p' "$dir/expect")
	cursor=$(inside journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
	inside systemctl start "$unit" || true
	sleep 2; inside journalctl --sync
	dest=$repo/testdata/captures/$name; rm -rf "$dest"; mkdir -p "$dest/units"
	inside journalctl --after-cursor="$cursor" -o export > "$dest/journal.export"
	inside systemctl show "$unit" > "$dest/units/$unit.show"
	inside systemctl cat "$unit" > "$dest/units/$unit.cat"
	{ inside systemctl --version; inside uname -a; echo "virtualization: $(inside systemd-detect-virt || true)"; } > "$dest/host.txt"
	cp "$dir/expect" "$dest/expect"
	echo "captured $name"
done
