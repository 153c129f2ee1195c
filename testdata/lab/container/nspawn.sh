#!/bin/bash
# nspawn.sh captures scenarios in systemd-nspawn containers booted from the
# VM lab's Debian 12 root file system, one container per scenario, with the
# nspawn options of its nspawn.args (one per line):
#   container-no-unshare   a seccomp filter refuses unshare(): the
#                          host-caused case, where a unit's namespace
#                          settings cannot be set up. Real runs (systemd
#                          252): systemd then runs the service WITHOUT them,
#                          logging that only at debug level —
#                          ProtectSystem=strict was silently not in force.
#   container-ns-in-force  nspawn's defaults: the namespaces are set up, and
#                          the run's own EROFS shows ProtectSystem= in force.
#   testdata/lab/container/nspawn.sh [SCENARIO…]  (root; all by default; uses
#                                                the VM lab's cached Debian 12
#                                                root file system)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
src=${LAB_CACHE:-/var/cache/harden-lab}/rootfs
[ -d "$src" ] || { echo "run testdata/lab/lab.sh once first (it builds $src)" >&2; exit 1; }
command -v systemd-nspawn >/dev/null || apt-get install -y -q systemd-container >/dev/null
. "$here/boot.sh"
root=""
stop() {
	[ -n "$root" ] || return 0
	pkill -f "systemd-nspawn -b -D $root" 2>/dev/null || true
	for _ in $(seq 1 20); do pgrep -f "systemd-nspawn -b -D $root" >/dev/null || break; sleep 0.5; done
	rm -rf "$root"; root=""
}
trap stop EXIT
inside() { nsenter -t "$pid1" -a "$@"; }
[ $# -gt 0 ] || set -- $(cd "$here" && ls -d */ | tr -d /)
for name in "$@"; do
	dir=$here/$name; unit=$(sed -n 's/^unit: //p' "$dir/expect")
	args=(); [ -f "$dir/nspawn.args" ] && mapfile -t args < <(grep -v '^$' "$dir/nspawn.args")
	root=$(mktemp -d /var/tmp/harden-nspawn.XXXX)
	cp -a "$src"/. "$root"/
	rm -f "$root/etc/systemd/system/multi-user.target.wants/harden-lab.service" "$root/etc/systemd/system/multi-user.target.wants/auditd.service"
	install -m 0755 "$here/../workloads/shell/shapp.sh" "$root/usr/local/bin/shapp.sh"
	cp "$dir"/*.service "$root/etc/systemd/system/"
	nspawn_boot "$root" "harden-ns-$$" "${args[@]}"
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
	stop
done
