# Sourced by the scripts that boot the lab's root file system in
# systemd-nspawn (container/nspawn.sh, bench/why-live.sh).
#
# nspawn_boot ROOT NAME [NSPAWN-ARGS…] boots ROOT as machine NAME (no host
# systemd: --register=no and --keep-unit are both needed), waits until its
# systemd says running or degraded (60 s at most), and sets pid1 to the
# container's PID 1 as the host sees it, for nsenter.
nspawn_boot() {
	local root=$1 name=$2 i np
	setsid systemd-nspawn -b -D "$root" --register=no --keep-unit --private-network --console=passive \
		-M "$name" "${@:3}" >/dev/null 2>&1 &
	pid1=""
	for i in $(seq 1 120); do
		sleep 0.5
		np=$(pgrep -f "systemd-nspawn -b -D $root" | head -1) || true
		[ -n "$np" ] && pid1=$(pgrep -P "$np" | head -1) || true
		[ -n "$pid1" ] && nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null | grep -qE 'running|degraded' && return 0
	done
	[ -n "$pid1" ] || { echo "container did not boot" >&2; return 1; }
}
