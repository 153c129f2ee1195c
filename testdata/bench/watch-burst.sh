#!/usr/bin/env bash
# Can harden's live audit reader (harden watch) keep up with a burst of
# kernel audit records? Runs on the host's own kernel (not the lab VM,
# whose software emulation makes at most ~8,600 records/s): enables audit,
# adds a rule recording failed openat() calls of the burst program, runs
# testdata/bench/auditburst at full speed and at fixed rates, prints what
# was received and lost, and puts the audit settings back.
#   testdata/bench/watch-burst.sh [CALLS]        (default 50000; root)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-50000}
command -v auditctl >/dev/null || { apt-get update -q >/dev/null; apt-get install -y -q auditd >/dev/null; }
bin=$(mktemp -d)/auditburst
go build -o "$bin" ./testdata/bench/auditburst
was_enabled=$(auditctl -s | awk '/^enabled/ {print $2}')
was_backlog=$(auditctl -s | awk '/^backlog_limit/ {print $2}')
restore() {
	auditctl -d always,exit -F arch=b64 -S openat -F success=0 -F exe="$bin" >/dev/null 2>&1 || true
	auditctl -b "$was_backlog" >/dev/null 2>&1 || true
	auditctl -e "$was_enabled" >/dev/null 2>&1 || true
}
trap restore EXIT
auditctl -e 1 >/dev/null
auditctl -b 65536 >/dev/null # the kernel's queue in front of the readers
auditctl -a always,exit -F arch=b64 -S openat -F success=0 -F exe="$bin" >/dev/null
for rate in 2000 5000 10000 20000 0; do
	printf 'rate %s calls/s: ' "${rate/#0/max}"
	"$bin" -n "$n" -rate "$rate" || echo "  (records were lost)"
done
