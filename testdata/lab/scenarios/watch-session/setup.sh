# harden watch runs for real here: the journal through sdjournal, the
# kernel's audit stream through netlink, while two units fail and a burst
# of audit records goes by.
install -m 0755 /lab/bin/harden /usr/local/bin/harden
/usr/local/bin/harden watch watched-api watched-swap > /run/harden-watch.txt 2> /run/harden-watch.err &
echo $! > /run/harden-watch.pid
sleep 3
systemctl start --no-block watched-swap.service
sleep 3
# A burst: 20,000 audited system calls, as fast as the VM can make them.
auditctl -b 65536 >/dev/null; auditctl -r 0 >/dev/null
auditctl -a always,exit -F arch=b64 -S getppid -k harden-burst
python3 -c 'import os,time; t=time.time(); [os.getppid() for _ in range(20000)]; d=time.time()-t; print("20000 calls in %.2f s: %.0f records/s" % (d, 20000/d))' > /run/burst.txt
auditctl -d always,exit -F arch=b64 -S getppid -k harden-burst
# Let the kernel hand every queued record to its listeners first.
for i in $(seq 1 240); do [ "$(auditctl -s | awk '/^backlog /{print $2}')" = 0 ] && break; sleep 0.5; done
auditctl -s > /run/auditctl-status.txt
systemd-analyze syscall-filter --no-pager > /run/syscall-filter.txt
sleep 2
