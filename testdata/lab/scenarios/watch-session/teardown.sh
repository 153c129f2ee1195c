# The watcher explains a run once PID 1 says it failed; under emulation
# (TCG) that took up to 9 s after watched-api's failure, and a fixed wait
# cut it off once: it is given up to a minute to print both.
for i in $(seq 1 60); do
	grep -q "watched-api.service failed" /run/harden-watch.txt && break
	sleep 1
done
sleep 2
kill -INT "$(cat /run/harden-watch.pid)"
sleep 2
mkdir -p /lab/out/watch-session
cp /run/harden-watch.txt /lab/out/watch-session/watch.txt
cp /run/harden-watch.err /lab/out/watch-session/watch.err
cp /run/burst.txt /run/auditctl-status.txt /run/syscall-filter.txt /lab/out/watch-session/
# The live paths, against this real systemd: why (local journal, D-Bus,
# /var/log/audit, unit files), triage, collect, and collect's bundle read
# back; and why as an unprivileged user, who may read none of it.
cd /lab/out/watch-session
/usr/local/bin/harden why watched-swap > live-why.txt 2> live-why.err; echo "exit=$?" >> live-why.txt
/usr/local/bin/harden why watched-swap -o json > live-why.json 2>/dev/null
/usr/local/bin/harden triage --since -15min > live-triage.txt 2> live-triage.err; echo "exit=$?" >> live-triage.txt
/usr/local/bin/harden collect watched-swap watched-api --to /lab/out/watch-session/collected.tar.gz 2> live-collect.err
/usr/local/bin/harden why --bundle collected.tar.gz watched-swap -o json > collected-why.json 2>/dev/null
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/local/bin/harden why watched-swap > nobody-why.txt 2> nobody-why.err; echo "exit=$?" >> nobody-why.txt
