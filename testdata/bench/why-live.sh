#!/usr/bin/env bash
# `harden why` on a live host whose journal is at journald's default cap
# (4 GiB): a systemd-nspawn container booted from the lab's Debian 12 root
# file system, its journald running, with mkbench's healthy95 journal files
# (SIZE MB of export, default 8400: some 4 GB of files) placed in its
# /var/log/journal/<machine-id>/ as archived files and mkbench's audit log
# as its /var/log/audit/audit.log. Then a unit fails for real under
# ProtectSystem=strict, and harden explains it from the live journal —
# every file libsystemd opens on a host, the live one being written.
#
# For each of the live failure (live-web, the newest run) and the bench's
# target (bench-target, a run among the 4 GB): harden's time warm (median of
# 5) and cold (page cache dropped first), its peak RSS, and beside it
# `journalctl -u UNIT -n 200` on the same journal.
#
#   testdata/bench/why-live.sh          # 8400 MB of export, ~4 GB of files
#   testdata/bench/why-live.sh 1000     # smaller
#   HARDEN_BASELINE=/tmp/harden-old testdata/bench/why-live.sh   # triage beside another build
#
# Needs root and the VM lab's cached root file system (testdata/lab/lab.sh
# builds it); the data set is built once under /var/tmp (harden-healthy95-SIZE,
# as triage.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
mb=${1:-8400}
src=${LAB_CACHE:-/var/cache/harden-lab}/rootfs
[ -d "$src" ] || { echo "run testdata/lab/lab.sh once first (it builds $src)" >&2; exit 1; }
command -v systemd-nspawn >/dev/null || apt-get install -y -q systemd-container >/dev/null
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
[ -x /lib/systemd/systemd-journal-remote ] || apt-get install -y -q systemd-journal-remote >/dev/null

d=/var/tmp/harden-healthy95-$mb
if [ ! -e "$d/done" ]; then
	rm -rf "$d"
	go run ./testdata/bench/mkbench -journal-mb "$mb" -audit-mb 100 -units 500 -denials 12000 -healthy 95 -out "$d" >/dev/null 2>&1
	touch "$d/done"
fi
tmp=$(mktemp -d)
go build -o "$tmp/harden" ./cmd/harden
root=$(mktemp -d /var/tmp/harden-live.XXXX)
cleanup() {
	pkill -f "systemd-nspawn -b -D $root" 2>/dev/null || true
	sleep 2
	rm -rf "$root" "$tmp"
}
trap cleanup EXIT

cp -a "$src"/. "$root"/
rm -f "$root"/etc/systemd/system/multi-user.target.wants/{harden-lab,auditd}.service
install -m 0755 "$tmp/harden" "$root/usr/local/bin/harden"
install -m 0755 /usr/bin/time "$root/usr/local/bin/time" # both Debian 12
mid=$(cat "$root/etc/machine-id")
jdir=$root/var/log/journal/$mid
mkdir -p "$jdir" "$root/var/log/audit"
# Archived files of this machine, as journald names them (the journal-remote
# file still open when mkbench ended is archived under its own name).
for f in "$d"/journal/*.journal; do
	b=$(basename "$f")
	case "$b" in
	*@*) cp "$f" "$jdir/system@${b#*@}" ;;
	*) cp "$f" "$jdir/system@bench-${b%.journal}.journal" ;;
	esac
done
cp "$d/audit/audit.log" "$root/var/log/audit/audit.log"
# The bench's target as a unit of this host (its run is among the archived
# files) and a unit that fails here, now: ProtectSystem=strict refuses the
# write to /etc.
sed -n '/^\[Unit\]/,$p' "$d/units/bench-target.service.cat" > "$root/etc/systemd/system/bench-target.service"
cat > "$root/etc/systemd/system/live-web.service" <<'EOF'
[Unit]
Description=A web app that writes its state under /etc

[Service]
ProtectSystem=strict
ExecStart=/bin/sh -c 'echo started; echo 1 > /etc/live-web.state || exit 1'
EOF

. testdata/lab/container/boot.sh
nspawn_boot "$root" harden-live
inside() { nsenter -t "$pid1" -a "$@"; }
inside systemctl start live-web.service || true
sleep 2
inside journalctl --sync
echo "journal: $(inside journalctl --disk-usage)"
echo "files: $(ls "$jdir" | wc -l), $(du -sm "$jdir" | cut -f1) MB"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
once() { # once CMD…: wall seconds of one run
	local s e
	s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
	echo "($e - $s) / 1000000000" | bc -l
}
warm() { for i in 1 2 3 4 5; do once "$@"; done | median; }
cold() { sync; echo 3 > /proc/sys/vm/drop_caches; once "$@"; }
rss() { # rss CMD…: peak RSS in MB, measured inside (nsenter's own is not harden's)
	inside /usr/local/bin/time -f %M -o /var/tmp/harden-rss "${@:2}" >/dev/null 2>&1 || true
	echo $(( $(tail -1 "$root/var/tmp/harden-rss") / 1024 ))
}

# Every figure below includes entering the container (nsenter), measured
# alone here.
printf 'nsenter alone: %.3f s\n' "$(warm inside true)"
for unit in live-web bench-target; do
	why=(inside harden why "$unit")
	out=$("${why[@]}" 2>&1 || true)
	case $unit in
	live-web) want="ProtectSystem=" ;;
	bench-target) want="SystemCallFilter=" ;;
	esac
	# The finding itself, not the words anywhere (a note names the
	# settings too: a not-sandbox answer once passed this check).
	grep -q "^1\. $want" <<<"$out" || { echo "harden why $unit did not blame $want first:" >&2; echo "$out" >&2; exit 1; }
	t_cold=$(cold "${why[@]}")
	t_warm=$(warm "${why[@]}")
	m=$(rss "${why[@]}")
	j_cold=$(cold inside journalctl -u "$unit" -n 200 --no-pager)
	j_warm=$(warm inside journalctl -u "$unit" -n 200 --no-pager)
	printf '%-13s harden why: %.3f s warm, %.2f s cold, %d MB | journalctl -u -n 200: %.3f s warm, %.2f s cold\n' \
		"$unit" "$t_warm" "$t_cold" "$m" "$j_warm" "$j_cold"
done
# Triage of the whole live journal (every failure in its 4 GiB): twice
# each, alternated with HARDEN_BASELINE (another harden binary, if given).
[ -n "${HARDEN_BASELINE:-}" ] && install -m 0755 "$HARDEN_BASELINE" "$root/usr/local/bin/harden-baseline"
for i in 1 2; do
	for bin in harden ${HARDEN_BASELINE:+harden-baseline}; do
		tri=(inside "$bin" triage)
		printf '%-16s triage of the live journal: %.2f s, %d MB\n' "$bin" "$(once "${tri[@]}")" "$(rss "${tri[@]}")"
	done
done
inside harden triage > "$tmp/triage.out" 2>&1 || true
echo "harden triage: $(wc -l < "$tmp/triage.out") lines"
if [ -n "${HARDEN_BASELINE:-}" ]; then
	inside harden-baseline triage > "$tmp/triage-baseline.out" 2>&1 || true
	if cmp -s "$tmp/triage.out" "$tmp/triage-baseline.out"; then
		echo "the same output as the baseline's"
	else
		echo "output differs from the baseline's in $(diff "$tmp/triage-baseline.out" "$tmp/triage.out" | grep -c '^[<>]' || true) lines:"
		diff "$tmp/triage-baseline.out" "$tmp/triage.out" | grep '^[<>]' | head -8 || true # (diff says 1: they differ)
	fi
fi
echo "--- harden why live-web"
inside harden why live-web || true
