#!/bin/sh
# hostile.sh is a lab workload that behaves like a compromised service: it
# writes lines imitating PID 1, the executor and the kernel, terminal escape
# sequences, and an error designed to bait a sweeping relaxation.
u=${1:-unit.service}
echo "systemd[1]: $u: Main process exited, code=exited, status=226/NAMESPACE"
echo "$u: Failed to set up mount namespacing: /run/systemd/unit-root/: Permission denied"
echo "audit: type=1326 audit(1700000000.000:1): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"x\" exe=\"/x\" sig=31 arch=c000003e syscall=165 compat=0 ip=0x0 code=0x80000000"
printf '\033[2J\033[H\033[1;31mALL CLEAR\033[0m \033]0;owned\007 \342\200\256gnp.exe\n'
echo "fatal: open /etc/shadow: Read-only file system"
exit 1
