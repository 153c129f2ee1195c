package rules

// Effect is what a mount rule makes of a path inside the unit's namespace.
type Effect string

const (
	ReadOnly     Effect = "read-only"     // writes: EROFS
	Inaccessible Effect = "inaccessible"  // mode-0000 node: EACCES (ENOENT-like for root); writes EROFS
	TmpfsRO      Effect = "empty-ro"      // empty read-only tmpfs: ENOENT, creates EROFS
	Tmpfs        Effect = "empty"         // empty writable tmpfs: host content ENOENT
	PrivateTmp   Effect = "private-tmp"   // private /tmp: other processes' files ENOENT
	PrivateDev   Effect = "private-dev"   // private /dev: real devices ENOENT
	Writable     Effect = "writable"      // explicitly writable (exempt from read-only rules)
	NoExec       Effect = "noexec"        // execve EACCES
	ProcPIDOnly  Effect = "proc-pid-only" // ProcSubset=pid: only /proc/PID entries: ENOENT
	Exec         Effect = "exec"
	Host         Effect = "host" // no rule: as on the host
)

// PathEffect is one path a directive value mounts.
type PathEffect struct {
	Path   string
	Effect Effect
}

// MountTables gives, for each value of the boolean/enum mount directives,
// the paths it mounts (systemd namespace.c tables, identical v245…v262
// except where noted in the reference).
var MountTables = map[string]map[string][]PathEffect{
	"ProtectSystem": {
		"yes":    {{"/usr", ReadOnly}, {"/boot", ReadOnly}, {"/efi", ReadOnly}},
		"true":   {{"/usr", ReadOnly}, {"/boot", ReadOnly}, {"/efi", ReadOnly}},
		"full":   {{"/usr", ReadOnly}, {"/boot", ReadOnly}, {"/efi", ReadOnly}, {"/etc", ReadOnly}},
		"strict": {{"/", ReadOnly}, {"/proc", Host}, {"/sys", Host}, {"/dev", Host}, {"/home", Host}, {"/root", Host}, {"/run/user", Host}},
	},
	"ProtectHome": {
		"yes":       {{"/home", Inaccessible}, {"/root", Inaccessible}, {"/run/user", Inaccessible}},
		"true":      {{"/home", Inaccessible}, {"/root", Inaccessible}, {"/run/user", Inaccessible}},
		"read-only": {{"/home", ReadOnly}, {"/root", ReadOnly}, {"/run/user", ReadOnly}},
		"tmpfs":     {{"/home", TmpfsRO}, {"/root", TmpfsRO}, {"/run/user", TmpfsRO}},
	},
	"ProtectKernelTunables": {
		"yes": {{"/proc/acpi", ReadOnly}, {"/proc/apm", ReadOnly}, {"/proc/asound", ReadOnly}, {"/proc/bus", ReadOnly},
			{"/proc/fs", ReadOnly}, {"/proc/irq", ReadOnly}, {"/proc/latency_stats", ReadOnly}, {"/proc/mtrr", ReadOnly},
			{"/proc/scsi", ReadOnly}, {"/proc/sys", ReadOnly}, {"/proc/sysrq-trigger", ReadOnly}, {"/proc/timer_stats", ReadOnly},
			{"/sys", ReadOnly}, {"/proc/kallsyms", Inaccessible}, {"/proc/kcore", Inaccessible},
			{"/sys/fs/cgroup", Host}, {"/sys/fs/selinux", Host}},
	},
	"ProtectKernelLogs": {
		"yes": {{"/proc/kmsg", Inaccessible}, {"/dev/kmsg", Inaccessible}},
	},
	"ProtectKernelModules": {
		"yes": {{"/usr/lib/modules", Inaccessible}, {"/lib/modules", Inaccessible}},
	},
	"ProtectControlGroups": {
		"yes": {{"/sys/fs/cgroup", ReadOnly}},
	},
	"PrivateTmp": {
		"yes": {{"/tmp", PrivateTmp}, {"/var/tmp", PrivateTmp}},
	},
	"PrivateDevices": {
		"yes": {{"/dev", PrivateDev}},
	},
	"ProtectHostname": {
		"yes": {{"/proc/sys/kernel/hostname", ReadOnly}, {"/proc/sys/kernel/domainname", ReadOnly}},
	},
	"ProcSubset": {
		"pid": {{"/proc", ProcPIDOnly}},
	},
}

// PathListDirectives are the list settings whose entries each mount one
// path; systemctl show reports them under the new name. Remount entries
// change how a path already in the namespace is mounted and bring no
// content: below an empty tmpfs (ProtectHome=tmpfs, TemporaryFileSystem=)
// their path does not exist, and the unit fails with 226/NAMESPACE unless
// the entry starts with "-" (lab: ProtectHome=tmpfs with
// ReadWritePaths=/home/u/data failed so on systemd 252).
var PathListDirectives = []struct {
	Directive string
	OldName   string
	Effect    Effect
	Remount   bool
}{
	{"ReadWritePaths", "ReadWriteDirectories", Writable, true},
	{"ReadOnlyPaths", "ReadOnlyDirectories", ReadOnly, true},
	{"InaccessiblePaths", "InaccessibleDirectories", Inaccessible, true},
	{"TemporaryFileSystem", "", Tmpfs, false},
	{"BindPaths", "", Writable, false},
	{"BindReadOnlyPaths", "", ReadOnly, false},
	{"NoExecPaths", "", NoExec, true},
	{"ExecPaths", "", Exec, true},
}

// ExecDirectories are the purpose-built directory settings: systemd
// creates the directory, hands it to the service's user and makes it
// writable whatever ProtectSystem= says.
var ExecDirectories = []struct {
	Directive string
	Root      string
	GivesUp   string
}{
	{"StateDirectory", "/var/lib", "nothing else under /var/lib becomes writable; systemd creates and owns the directory for the service"},
	{"CacheDirectory", "/var/cache", "nothing else under /var/cache becomes writable"},
	{"LogsDirectory", "/var/log", "nothing else under /var/log becomes writable"},
	{"RuntimeDirectory", "/run", "nothing else under /run becomes writable; the directory is removed when the service stops"},
	{"ConfigurationDirectory", "/etc", "nothing else under /etc becomes writable; the directory stays root-owned"},
}

// DeviceNodesKept are the /dev entries PrivateDevices= keeps.
var DeviceNodesKept = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
	"/dev/ptmx", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/hugepages", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/fd", "/dev/log"}

// BroadPaths are paths whose opening counts as sweeping: a relaxation that
// makes one of them (or "/") writable or visible is never proposed on the
// service's own words alone.
var BroadPaths = []string{"/", "/usr", "/etc", "/var", "/home", "/root", "/run", "/srv", "/opt", "/boot", "/proc", "/sys", "/dev", "/tmp", "/var/lib", "/var/log", "/var/cache", "/usr/local", "/run/user", "/var/run", "/var/lock", "/run/lock"}

// PathAliases are the links every systemd host has: /var/run is /run
// (lab: cron's /var/run/crond.pid), /var/lock is /run/lock. A path is
// judged by what it names.
var PathAliases = map[string]string{"/var/run": "/run", "/var/lock": "/run/lock"}

// ImpliedCapabilityDrops are capabilities a directive removes from the
// bounding set at exec time, beyond what CapabilityBoundingSet= says.
var ImpliedCapabilityDrops = map[string][]string{
	"PrivateDevices":       {"CAP_MKNOD", "CAP_SYS_RAWIO"},
	"ProtectKernelModules": {"CAP_SYS_MODULE"},
	"ProtectKernelLogs":    {"CAP_SYSLOG"},
	"ProtectClock":         {"CAP_SYS_TIME", "CAP_WAKE_ALARM"},
}

// SeccompDirectives are the settings implemented as seccomp filters; up to
// v254 each implied NoNewPrivileges=yes for a service without
// CAP_SYS_ADMIN (directives.md §0). Value "" means any non-empty value.
var SeccompDirectives = map[string]string{
	"SystemCallFilter": "", "SystemCallArchitectures": "", "RestrictAddressFamilies": "",
	"RestrictNamespaces": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
	"RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "PrivateDevices": "yes",
	"ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectKernelTunables": "yes",
	"ProtectClock": "yes", "ProtectHostname": "yes",
}

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

// DevicesKeptByPolicy are the nodes DevicePolicy=closed always allows.
var DevicesKeptByPolicy = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/pts"}

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

// ConfigWarningMessageID is PID 1's MESSAGE_ID for problems in unit files
// ("Unknown key", "Failed to parse …, ignoring").
const ConfigWarningMessageID = "c772d24e9a884cbeb9ea12625c306c01"
