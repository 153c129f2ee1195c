#!/bin/sh
# Post-conditions of the watch session, run by lab.sh in the capture's
# folder: figures of the live run that no test can recompute.
fail=0
# watch used the kernel's audit stream and received the whole burst of
# 20,000 audited calls (about 60,000 records) without losing any.
grep -q "not available" watch.err && { echo "watch: the audit stream was not used: $(cat watch.err)"; fail=1; }
received=$(sed -n 's/.*audit stream: \([0-9]*\) records received, \([0-9]*\) events lost.*/\1 \2/p' watch.err)
set -- $received
[ "${1:-0}" -ge 40000 ] && [ "${2:-1}" -eq 0 ] || { echo "watch: burst figures '$received' (want >= 40000 received, 0 lost)"; fail=1; }
# Live why named the setting from the unit file and the kernel's record.
for want in "set at /etc/systemd/system/watched-swap.service:5" "kernel   SECCOMP audit(" "SystemCallFilter=swapon" "exit=1"; do
	grep -qF "$want" live-why.txt || { echo "live why lacks: $want"; fail=1; }
done
grep -q "watched-swap.service" live-triage.txt && grep -q "StateDirectory=watched-api" live-triage.txt || { echo "live triage incomplete"; fail=1; }
# Unprivileged, why says what it could not read.
grep -q "cannot read /var/log/audit: permission denied" nobody-why.txt || { echo "unprivileged why does not say what it could not read"; fail=1; }
exit $fail
