#!/usr/bin/env bash
# Load test: harden triage on a 1 GB journal of 10,000 units and a 1 GB
# audit log in which most events are seccomp denials (millions of them),
# built from the lab's captures by mkbench. Prints time, peak RSS and the
# number of denials, and fails if triage does not finish or exceeds the
# memory bound.
#   testdata/bench/load.sh [MB] [MAX_RSS_MB]      (default 1000 400)
set -euo pipefail
cd "$(dirname "$0")/../.."
mb=${1:-1000}; max=${2:-400}
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
d=/var/tmp/harden-load-$mb
if [ ! -e "$d/done" ]; then
	rm -rf "$d"
	go run ./testdata/bench/mkbench -journal-mb "$mb" -audit-mb "$mb" -units 10000 -denials 12000 -out "$d" >/dev/null
	touch "$d/done"
fi
bin=$(mktemp -d)/harden; go build -o "$bin" ./cmd/harden
denials=$(cat "$d"/audit/audit.log* | grep -c 'type=SECCOMP' || true)
start=$(date +%s%N)
timeout 1200 "$bin" triage --directory "$d/journal" --audit-log "$d/audit" --unit-dir "$d/units" > /tmp/load.out 2>/tmp/load.err &
tpid=$!
sleep 0.5
pid=$(pgrep -P $tpid | head -1); pid=${pid:-$tpid}
anon=0; file=0
# Peak anonymous memory (the heap) and file-backed memory (libsystemd maps
# the journal files; those pages are the kernel's cache, not harden's heap).
while kill -0 $pid 2>/dev/null; do
	a=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0); f=$(awk '/^RssFile/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
	[ "${a:-0}" -gt "$anon" ] && anon=$a; [ "${f:-0}" -gt "$file" ] && file=$f
	sleep 0.2
done
wait $tpid || true
secs=$(echo "($(date +%s%N) - $start) / 1000000000" | bc -l)
kb=$anon
lines=$(wc -l < /tmp/load.out)
printf 'triage: %.1f s, peak anonymous RSS %d MB (file-backed journal maps %d MB), %s lines of output; %s SECCOMP denials in the audit log; 10000 unit names\n' "$secs" $((anon / 1024)) $((file / 1024)) "$lines" "$denials"
grep -m1 'bench-target' /tmp/load.out | cut -c1-120 || { echo "the target failure is missing from the triage" >&2; exit 1; }
cat /tmp/load.err | head -3
[ $((kb / 1024)) -le "$max" ] || { echo "peak anonymous RSS above $max MB" >&2; exit 1; }
