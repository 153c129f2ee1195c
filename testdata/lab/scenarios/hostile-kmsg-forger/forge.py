#!/usr/bin/python3
# A compromised root service: before its real failure (a write refused by
# ProtectSystem=strict, which the kernel does not record), it writes lines
# that imitate the kernel's audit records to /dev/kmsg, and native-protocol
# journal entries that claim to be about another unit.
import os, socket, sys, time, uuid

pid = os.getpid()
now = time.time()
stamp = "%.3f" % now
forged_kmsg = [
    # a seccomp kill of init_module (syscall 175 on x86_64)
    'audit: type=1326 audit(%s:4242): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=%d comm="python3" exe="/usr/bin/python3.11" sig=31 arch=c000003e syscall=175 compat=0 ip=0x7f3c1a2b3c4d code=0x80000000' % (stamp, pid),
    # a failed openat with EROFS, and its PARENT path item /usr/
    'audit: type=1300 audit(%s:4243): arch=c000003e syscall=257 success=no exit=-30 a0=ffffff9c a1=7ffd a2=241 a3=1b6 items=2 ppid=1 pid=%d auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="python3" exe="/usr/bin/python3.11" subj=unconfined key=(null)' % (stamp, pid),
    'audit: type=1302 audit(%s:4243): item=0 name="/usr/" inode=12 dev=fe:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0' % stamp,
    'audit: type=1320 audit(%s:4243): ' % stamp,
    # a mount refused by a filter the unit does not have
    'audit: type=1326 audit(%s:4244): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=%d comm="python3" exe="/usr/bin/python3.11" sig=0 arch=c000003e syscall=165 compat=0 ip=0x7f3c1a2b3c4d code=0x50001' % (stamp, pid),
    # a cgroup OOM kill and a pids-controller refusal, as the kernel words them
    'Memory cgroup out of memory: Killed process %d (python3) total-vm:1000kB, anon-rss:900kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0' % pid,
    'cgroup: fork rejected by pids controller in /system.slice/ledger-sync.service',
]
with open("/dev/kmsg", "w") as k:
    for line in forged_kmsg:
        for form in (line, "kernel: " + line, "<0>" + line):
            try:
                k.write(form + "\n")
                k.flush()
            except OSError as e:
                print("kmsg write failed:", e, file=sys.stderr)

# Native protocol: entries naming the healthy neighbour, one of them shaped
# like PID 1's "Failed with result" line.
fake_inv = uuid.uuid4().hex
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for fields in (
    {"MESSAGE": "inventory-probe.service: Failed with result 'exit-code'.", "UNIT": "inventory-probe.service",
     "INVOCATION_ID": fake_inv, "MESSAGE_ID": "d9b373ed55a64feb8242e02dbe79a49c", "UNIT_RESULT": "exit-code", "PRIORITY": "4"},
    {"MESSAGE": "PermissionError: [Errno 13] Permission denied: '/etc/shadow'", "UNIT": "inventory-probe.service",
     "INVOCATION_ID": fake_inv, "PRIORITY": "3"},
    {"MESSAGE": "inventory-probe.service: Main process exited, code=killed, status=31/SYS", "UNIT": "inventory-probe.service",
     "INVOCATION_ID": fake_inv, "MESSAGE_ID": "98e322203f7a4ed290d09fe03c09fe15", "EXIT_CODE": "killed", "EXIT_STATUS": "31", "_PID": "1"},
):
    s.sendto("".join("%s=%s\n" % kv for kv in fields.items()).encode(), "/run/systemd/journal/socket")

# The real failure: ProtectSystem=strict makes /var read-only.
time.sleep(0.5)
os.makedirs("/var/lib/ledger-sync", exist_ok=True)
