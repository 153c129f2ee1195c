#!/usr/bin/env bash
# Benchmarks harden against what an operator types today, on the same data.
#
#   testdata/bench/bench.sh            # 100 MB and 1000 MB data sets
#   testdata/bench/bench.sh 20         # a small one (CI)
#
# For each size it builds (once, under /var/tmp) a real journal written by
# systemd-journal-remote and a rotated audit log from the lab's captures
# (testdata/bench/mkbench), with the failure to find near the end, then
# measures, each the median of 5 runs:
#   why        harden why bench-target (journal through sdjournal, audit windowed)
#   pipeline   journalctl -D … -u bench-target.service -n 200, then
#              ausearch -if audit.log -m SECCOMP,AVC,SYSCALL --success no -ts recent
#   audit      a full pass over audit.log: harden triage (audit only),
#              ausearch -if audit.log -m SECCOMP, grep -c type=SECCOMP
# and prints the ratios the targets are stated in, plus harden's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v ausearch >/dev/null || { apt-get update -q >/dev/null; apt-get install -y -q auditd >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -q time >/dev/null
[ -x /lib/systemd/systemd-journal-remote ] || apt-get install -y -q systemd-journal-remote >/dev/null
tmp=$(mktemp -d); bin=$tmp/harden
go build -o "$bin" ./cmd/harden

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { # secs CMD… : median wall time of 5 runs, in seconds (ns resolution)
	for i in 1 2 3 4 5; do
		s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
		echo "($e - $s) / 1000000000" | bc -l
	done | median
}
# GNU grep stops at the first match when its output is /dev/null, so its
# count goes to a file.
grepc() { grep -c type=SECCOMP "$1" > "$tmp/grep.out"; }
rss() { /usr/bin/time -f %M -o /tmp/hb.m "$@" >/dev/null 2>&1 || true; echo $(( $(tail -1 /tmp/hb.m) / 1024 )); }

declare -A WHY
[ $# -gt 0 ] || set -- 100 1000
for mb in "$@"; do
	d=/var/tmp/harden-bench-$mb
	if [ ! -e "$d/done" ]; then
		rm -rf "$d"
		go run ./testdata/bench/mkbench -journal-mb "$mb" -audit-mb "$mb" -out "$d" >/dev/null
		touch "$d/done"
	fi
	jsize=$(du -sm "$d/journal" | cut -f1); asize=$(du -sm "$d/audit" | cut -f1)
	why=(why --directory "$d/journal" --audit-log "$d/audit" --unit-dir "$d/units" bench-target)
	{ "$bin" "${why[@]}" || true; } | grep -q "SystemCallFilter=swapon" || { echo "harden did not find the failure in $d" >&2; exit 1; }
	t_why=$(secs "$bin" "${why[@]}")
	m_why=$(rss "$bin" "${why[@]}")
	t_pipe=$(secs sh -c "journalctl -D '$d/journal' -u bench-target.service -n 200 --no-pager; ausearch -if '$d/audit/audit.log' -m SECCOMP,AVC,SYSCALL --success no -ts recent")
	t_haud=$(secs "$bin" triage --file /dev/null --audit-log "$d/audit/audit.log")
	m_haud=$(rss "$bin" triage --file /dev/null --audit-log "$d/audit/audit.log")
	t_ause=$(secs ausearch -if "$d/audit/audit.log" -m SECCOMP)
	t_grep=$(secs grepc "$d/audit/audit.log")
	# The same pass on a log dense with denials (mkbench -denials 12000:
	# about one line in four is a SECCOMP record of a process outside any
	# unit), where ausearch has records to format and harden must skip
	# them without parsing.
	dd=/var/tmp/harden-bench-dense-$mb
	if [ ! -e "$dd/done" ]; then
		rm -rf "$dd"
		go run ./testdata/bench/mkbench -journal-mb 1 -audit-mb "$mb" -denials 12000 -out "$dd" >/dev/null
		touch "$dd/done"
	fi
	t_dhaud=$(secs "$bin" triage --file /dev/null --audit-log "$dd/audit/audit.log")
	t_dause=$(secs ausearch -if "$dd/audit/audit.log" -m SECCOMP)
	t_dgrep=$(secs grepc "$dd/audit/audit.log")
	n_dense=$(grep -c type=SECCOMP "$dd/audit/audit.log" || true)
	WHY[$mb]=$t_why
	printf '\n== %s MB data set: journal %s MB on disk, audit %s MB (audit.log %s MB)\n' "$mb" "$jsize" "$asize" "$(du -m "$d/audit/audit.log" | cut -f1)"
	printf 'harden why                    %6.3f s   peak RSS %d MB\n' "$t_why" "$m_why"
	printf 'journalctl -u + ausearch      %6.3f s   ratio pipeline/harden = %.1fx (target >= 2)\n' "$t_pipe" "$(echo "$t_pipe / ($t_why+0.001)" | bc -l)"
	printf 'harden full audit pass        %6.3f s   peak RSS %d MB\n' "$t_haud" "$m_haud"
	printf 'ausearch -m SECCOMP           %6.3f s   ratio ausearch/harden = %.1fx (target >= 10)\n' "$t_ause" "$(echo "$t_ause / ($t_haud+0.001)" | bc -l)"
	printf 'grep -c type=SECCOMP          %6.3f s   ratio harden/grep = %.1fx (target <= 5)\n' "$t_grep" "$(echo "$t_haud / ($t_grep+0.001)" | bc -l)"
	printf -- '-- audit log dense with denials: %s MB, %s SECCOMP records\n' "$(du -m "$dd/audit/audit.log" | cut -f1)" "$n_dense"
	printf 'harden full audit pass        %6.3f s\n' "$t_dhaud"
	printf 'ausearch -m SECCOMP           %6.3f s   ratio ausearch/harden = %.1fx (target >= 10)\n' "$t_dause" "$(echo "$t_dause / ($t_dhaud+0.001)" | bc -l)"
	printf 'grep -c type=SECCOMP          %6.3f s   ratio harden/grep = %.1fx (target <= 5)\n' "$t_dgrep" "$(echo "$t_dhaud / ($t_dgrep+0.001)" | bc -l)"
done
if [ -n "${WHY[100]:-}" ] && [ -n "${WHY[1000]:-}" ]; then
	printf '\nharden why, 1000 MB vs 100 MB: %.2fx (target <= 1.2)\n' "$(echo "${WHY[1000]} / ${WHY[100]}" | bc -l)"
fi
