package rules

// LastReleaseSeccompImpliesNNP is the last systemd release in which
// seccomp options implied NoNewPrivileges= (v255 NEWS).
const LastReleaseSeccompImpliesNNP = 254

// SeccompKillErrorNumber is what systemctl show prints for
// SystemCallErrorNumber= when the action is to kill (INT_MAX-1).
const SeccompKillErrorNumber = "2147483646"

// SyscallsErrnoFilters are the seccomp-based directives that answer a
// denied call with an errno instead of killing, and for which calls.
var SyscallErrnoFilters = []struct {
	Directive string
	Syscalls  []string
	Errno     string
}{
	{"ProtectHostname", []string{"sethostname", "setdomainname"}, "EPERM"},
	{"ProtectClock", []string{"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday", "stime"}, "EPERM"},
	{"ProtectKernelModules", []string{"init_module", "finit_module", "delete_module"}, "EPERM"},
	{"ProtectKernelLogs", []string{"syslog"}, "EPERM"},
	{"PrivateDevices", []string{"ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write"}, "EPERM"},
	{"RestrictNamespaces", []string{"unshare", "setns", "clone"}, "EPERM"},
	{"LockPersonality", []string{"personality"}, "EPERM"},
	{"RestrictRealtime", []string{"sched_setscheduler", "sched_setattr"}, "EPERM"},
	{"MemoryDenyWriteExecute", []string{"mmap", "mprotect", "pkey_mprotect", "shmat"}, "EPERM"},
	{"RestrictAddressFamilies", []string{"socket"}, "EAFNOSUPPORT"},
	{"RestrictSUIDSGID", []string{"chmod", "fchmod", "fchmodat", "fchmodat2", "mkdir", "mkdirat", "mknod", "mknodat", "open", "openat", "creat"}, "EPERM"},
}

// CommonAddressFamilies are proposed, in this order, when a program's
// message does not name the address family RestrictAddressFamilies=
// refused.
var CommonAddressFamilies = []string{"AF_INET6", "AF_INET", "AF_UNIX", "AF_NETLINK", "AF_PACKET"}

// AuditArchToSystemd maps auparse's architecture names to the names
// SystemCallArchitectures= takes.
var AuditArchToSystemd = map[string]string{
	"x86_64": "x86-64", "i386": "x86", "i686": "x86", "aarch64": "arm64", "arm": "arm", "armeb": "arm",
	"ppc64le": "ppc64-le", "ppc64": "ppc64", "ppc": "ppc", "s390x": "s390x", "s390": "s390",
	"riscv64": "riscv64", "mips": "mips", "mipsel": "mips-le", "loongarch64": "loongarch64",
}
