#!/usr/bin/env bash
# Triage at scale: harden triage beside what the journal's own index and
# ausearch cost on the same data, for each size asked (MB of journal
# export and of audit log; default 100 1000):
#
#   load            every run a failure (mkbench -healthy 0): 10,000 unit
#                   names, an audit log where ~60% of the events are SECCOMP
#                   denials of processes outside any unit
#   healthy95       95% of the runs healthy (mkbench -healthy 95), 500 unit
#                   names (a host's worth)
#   fleet           a journal-remote folder of 50 hosts, SIZE/50 MB each (at
#                   the largest size only)
#
# For each: wall time and peak RSS (anonymous + file-backed, /usr/bin/time),
# the lines printed, and beside it `journalctl MESSAGE_ID=<unit failed>`
# (the failed runs from the journal's index), `journalctl -o export`
# (every entry read once: the floor for a journal that is all failures)
# and `ausearch -m SECCOMP` on the audit log. Then the ratios of the
# largest size to the smallest.
#
#   testdata/bench/triage.sh            # 100 and 1000 MB
#   testdata/bench/triage.sh 5          # small (CI's smoke run)
# The data sets are built once under /var/tmp (harden-SET-SIZE).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v ausearch >/dev/null || { apt-get update -q >/dev/null; apt-get install -y -q auditd >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
[ -x /lib/systemd/systemd-journal-remote ] || apt-get install -y -q systemd-journal-remote >/dev/null
tmp=$(mktemp -d); bin=$tmp/harden
go build -o "$bin" ./cmd/harden
sizes=("${@:-100 1000}")
sizes=(${sizes[*]})
largest=${sizes[${#sizes[@]}-1]}

build() { # build SET MB ARGS…: the data set, once
	local d=/var/tmp/harden-$1-$2
	if [ ! -e "$d/done" ]; then
		rm -rf "$d"
		go run ./testdata/bench/mkbench -journal-mb "$2" -audit-mb "$2" -units 10000 -denials 12000 -out "$d" "${@:3}" >/dev/null 2>&1 # later flags win
		touch "$d/done"
	fi
	echo "$d"
}
buildFleet() { # buildFleet MB: 50 hosts of MB/50 each, one audit log
	local d=/var/tmp/harden-fleet-$1 per=$(( $1 / 50 > 0 ? $1 / 50 : 1 ))
	if [ ! -e "$d/done" ]; then
		rm -rf "$d"
		for i in $(seq -w 1 50); do
			go run ./testdata/bench/mkbench -journal-mb "$per" -audit-mb "$per" -units 200 -denials 12000 -host "host$i" -out "$d" >/dev/null 2>&1
		done
		touch "$d/done"
	fi
	echo "$d"
}
measure() { # measure NAME DIR: one row
	local d=$2 t0 t1 secs mb lines failed idx exp aus
	# Warm, as every tool beside it is: the files are read once first (a
	# host may page out a set left idle while the others ran: this one's
	# kernel does, with DAMON, and the row was a cold read).
	cat "$d"/journal/* "$d"/audit/* > /dev/null
	t0=$(date +%s%N)
	local rc=0
	# As the issue's user ran it: each set is a bundle folder (journal/,
	# audit/, units/, host.txt), read through its view of links.
	/usr/bin/time -f %M -o "$tmp/rss" "$bin" triage --bundle "$d" > "$tmp/out" 2> "$tmp/err" || rc=$?
	# Every data set holds sandbox failures: exit 1 (findings), nothing else.
	[ "$rc" = 1 ] || { echo "triage exited $rc on $d:" >&2; cat "$tmp/err" >&2; exit 1; }
	t1=$(date +%s%N)
	secs=$(echo "($t1 - $t0) / 1000000000" | bc -l); mb=$(( $(tail -1 "$tmp/rss") / 1024 ))
	lines=$(wc -l < "$tmp/out")
	grep -q . "$tmp/out" || { echo "triage printed nothing on $d:" >&2; cat "$tmp/err" >&2; exit 1; }
	t0=$(date +%s%N); failed=$(journalctl -D "$d/journal" MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c -o cat --no-pager | wc -l); t1=$(date +%s%N)
	idx=$(echo "($t1 - $t0) / 1000000000" | bc -l)
	t0=$(date +%s%N); journalctl -D "$d/journal" -o export --no-pager > /dev/null; t1=$(date +%s%N)
	exp=$(echo "($t1 - $t0) / 1000000000" | bc -l)
	t0=$(date +%s%N); ausearch -if "$d/audit/audit.log" -m SECCOMP > /dev/null 2>&1 || true; t1=$(date +%s%N)
	aus=$(echo "($t1 - $t0) / 1000000000" | bc -l)
	printf '%-20s %5s MB  %7s failed runs  triage %7.2f s %5d MB %6d lines | index query %5.2f s (%.0fx) | export %6.2f s (%.1fx) | ausearch %6.2f s\n' \
		"$1" "$(du -sm "$d/journal" | cut -f1)" "$failed" "$secs" "$mb" "$lines" "$idx" "$(echo "$secs / $idx" | bc -l)" "$exp" "$(echo "$secs / $exp" | bc -l)" "$aus"
	echo "$secs $mb" > "$tmp/$1"
}
for mb in "${sizes[@]}"; do
	measure "load-$mb" "$(build load "$mb" -healthy 0)"
	measure "healthy95-$mb" "$(build healthy95 "$mb" -healthy 95 -units 500)"
done
measure "fleet-$largest" "$(buildFleet "$largest")"
if [ ${#sizes[@]} -gt 1 ]; then
	small=${sizes[0]}
	for set in load healthy95; do
		read -r s1 m1 < "$tmp/$set-$small"; read -r s2 m2 < "$tmp/$set-$largest"
		printf '%s %s MB -> %s MB: time %.1fx, peak RSS %.2fx\n' "$set" "$small" "$largest" "$(echo "$s2 / $s1" | bc -l)" "$(echo "$m2 / $m1" | bc -l)"
	done
fi
