package rules

import "strings"

// NamedValue is a value of a setting and the words (lower case) that name
// it in a program's message.
type NamedValue struct{ Words, Value string }

// Directive is what harden knows of one systemd setting: the single
// record of its facts. The tables the engine reads by kind of fact
// (MountTables, PathListDirectives, ExecDirectories, …; see index.go) are
// derived from these records, so a directive is added here and nowhere
// else. Facts come from shared/reference/directives.md (systemd's sources,
// v245…v262) and are checked by the lab's captures.
type Directive struct {
	Name     string
	OldNames []string
	Man      string // page and anchor under the systemd man pages
	Since    int    // first release with the directive (0 = older than v200)
	// Protects is one sentence on what the directive defends against: the
	// thing an operator gives up when relaxing it.
	Protects string
	// Off, for a switch, is the assignment that turns it off when nothing
	// narrower helps ("NoNewPrivileges=no"), with what that restores.
	Off, OffRestores string
	// Hint is the purpose-built alternative to relaxing the directive at
	// all, added to its relaxations' rationale.
	Hint string
	// RefusesNothing: the setting grants the service something
	// (ReadWritePaths=, AmbientCapabilities=) or names what it runs
	// (ExecStart=); it is never a suspect when a program fails without a
	// word.
	RefusesNothing bool

	// Mounts are the paths each value of a boolean/enum setting mounts
	// (systemd's namespace.c tables).
	Mounts map[string][]PathEffect
	// PathList, for a list setting whose entries each mount one path, is
	// what an entry makes of its path. Remount entries change how a path
	// already in the namespace is mounted and bring no content: below an
	// empty tmpfs (ProtectHome=tmpfs, TemporaryFileSystem=) their path
	// does not exist, and the unit fails with 226/NAMESPACE unless the
	// entry starts with "-" (lab: ProtectHome=tmpfs with
	// ReadWritePaths=/home/u/data failed so on systemd 252).
	PathList Effect
	Remount  bool
	// PurposeBuilt, for a directory setting, is where systemd creates the
	// directory it hands to the service's user, writable whatever
	// ProtectSystem= says.
	PurposeBuilt *PurposeBuilt
	// DropsCapabilities are removed from the bounding set at exec time
	// when the switch is on, beyond what CapabilityBoundingSet= says.
	DropsCapabilities []string
	// Seccomp is set for the settings implemented as seccomp filters: the
	// value that installs one ("yes"), or "any" for any value but empty
	// and "no". Up to v254 each implied NoNewPrivileges=yes for a service
	// without CAP_SYS_ADMIN (directives.md §0).
	Seccomp string
	// BPF: enforced by a BPF program systemd compiles in only with its BPF
	// framework (+BPF_FRAMEWORK in `systemctl --version`); without it the
	// setting is accepted and ignored.
	BPF bool
	// Implies are the settings this one turns on unless the unit sets
	// something at least as strong (DynamicUser=yes).
	Implies []Setting
	// InPlayBy names, for a setting the unit may never have written, the
	// settings that bring it into play: the line to show the operator
	// instead (a default limit binds only a non-root User=).
	InPlayBy []string
	// Merge is how a later assignment (a drop-in's) combines with earlier
	// ones.
	Merge Merge
	// Ladder lists the values of an enum setting from the strongest to
	// the weakest: the relaxations beyond the purpose-built settings.
	Ladder []string
	// Broad says when a relaxation that assigns this setting is sweeping,
	// and is then never proposed on the service's own words alone.
	Broad *Broad
	// Floor is the least a raised limit is set to (four times a tiny limit
	// is still too small for any real program); Trade is the cgroup
	// setting that bounds the same thing more truly (address space is not
	// memory: runtimes reserve far more than they use).
	Floor int64
	Trade string
	// SystemdHard is the hard limit systemd gives a service that sets
	// none (LimitNOFILE=: 524288 since v240; the soft limit stays 1024):
	// a program may raise its own soft limit up to it, without
	// CAP_SYS_RESOURCE.
	SystemdHard int64
	// Named are values of a list setting that a failure's words name
	// ("network namespace" is RestrictNamespaces=net): a unit whose list
	// holds the value is not refused, and relaxing adds just that value.
	Named []NamedValue
	// ArgSized: a size the command line names (fallocate --length 8MiB,
	// truncate -s 2G, dd bs=1M) is one the program will reach, so a
	// raised limit is at least that.
	ArgSized bool
	// Signals are the signals the kernel sends a process that exceeds the
	// limit (SIGXFSZ at LimitFSIZE=, SIGXCPU at LimitCPU='s soft limit,
	// SIGKILL at its hard limit, SIGSEGV when the stack outgrows
	// LimitSTACK=).
	Signals []int
	// Tighten is the value `harden tighten` tries when the unit sets
	// nothing as strong: the one `systemd-analyze security` rewards
	// ("<none>" for an empty list, which drops everything).
	Tighten string
	// Unbearable names programs known not to bear the Tighten value, and
	// why: tighten tries it on them last and alone, so that its failure
	// does not split every group it is in (it is still tried: a JIT can
	// be switched off).
	Unbearable *Unbearable
	// CheckBreaks says why a check run from the host fails under the
	// Tighten value while the service is refused nothing: tighten rejects
	// the setting with it rather than as unexplained.
	CheckBreaks string
	// Observe, for an allow-list setting, is the line whose trial has
	// systemd log, without refusing, what the Tighten value would refuse:
	// when the service does not bear Tighten, the observed names are
	// allowed on top of it in one trial rather than one per failure.
	Observe string
	// Missing, for a setting that names an account or a group, is what
	// a unit that names one that does not exist is told: {value} is the
	// setting's value.
	Missing *Missing
}

// Unbearable: the programs (by file name) a setting is known to break,
// and why.
type Unbearable struct {
	Programs []string
	Why      string
}

// Missing is the reason a setting naming a missing account stops the
// unit, and the drop-in that lets it start all the same.
type Missing struct {
	Reason             string
	Lines              []string
	Rationale, GivesUp string
}

// Rank is a value's place on the directive's ladder, strongest 0; a value
// not on it (unset, "no" spelled otherwise) ranks last.
func (d Directive) Rank(v string) int {
	for i, l := range d.Ladder {
		if l == v {
			return i
		}
	}
	return len(d.Ladder)
}

// IsTrue reads a boolean setting as systemd does.
func IsTrue(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "on", "1", "y", "t":
		return true
	}
	return false
}

// Setting is one assignment.
type Setting struct{ Directive, Value string }

// PurposeBuilt is where a directory setting makes its directory, and what
// choosing it gives up.
type PurposeBuilt struct {
	Root, GivesUp string
	// RootOwned: systemd leaves the directory root's, whatever User= says.
	RootOwned bool
}

// Merge is how assignments of a setting combine (systemd.exec(5)).
type Merge int

const (
	// Replace: a later assignment replaces the earlier ones.
	Replace Merge = iota
	// Accumulate: assignments add up; an empty one resets the list.
	Accumulate
	// AllowDeny: a list that is an allow-list or, with "~", a deny-list;
	// an assignment of the other kind than the first removes entries.
	AllowDeny
)

// Broad says which values of a setting make a relaxation sweeping: those
// in Values, or those not in Not, or (both empty) any value.
type Broad struct {
	Values, Not []string
	Why         string
}

// Sweeping reports whether assigning value is broad, and why.
func (b *Broad) Sweeping(value string) (string, bool) {
	if b == nil {
		return "", false
	}
	switch {
	case b.Values != nil:
		for _, v := range b.Values {
			if v == value {
				return b.Why, true
			}
		}
		return "", false
	case b.Not != nil:
		for _, v := range b.Not {
			if v == strings.ToLower(value) {
				return "", false
			}
		}
	}
	return b.Why, true
}

// ManURL is the man page anchor of a directive.
func (d Directive) ManURL() string {
	if d.Man == "" {
		return ""
	}
	return "https://www.freedesktop.org/software/systemd/man/latest/" + d.Man
}

// Directives by name. Old names are listed on the entry of the new one.
var Directives = map[string]Directive{}

// LookupDirective finds a directive by its name or an old name.
func LookupDirective(name string) (Directive, bool) {
	if d, ok := Directives[name]; ok {
		return d, true
	}
	for _, d := range Directives {
		for _, o := range d.OldNames {
			if o == name {
				return d, true
			}
		}
	}
	return Directive{Name: name}, false
}

func exec(name string) string { return "systemd.exec.html#" + name + "=" }

var yesNo = []string{"yes", "no"}

var protectSystemMounts = map[string][]PathEffect{
	"yes":    {{"/usr", ReadOnly}, {"/boot", ReadOnly}, {"/efi", ReadOnly}},
	"true":   {{"/usr", ReadOnly}, {"/boot", ReadOnly}, {"/efi", ReadOnly}},
	"full":   {{"/usr", ReadOnly}, {"/boot", ReadOnly}, {"/efi", ReadOnly}, {"/etc", ReadOnly}},
	"strict": {{"/", ReadOnly}, {"/proc", Host}, {"/sys", Host}, {"/dev", Host}, {"/home", Host}, {"/root", Host}, {"/run/user", Host}},
}

var protectHomeMounts = map[string][]PathEffect{
	"yes":       {{"/home", Inaccessible}, {"/root", Inaccessible}, {"/run/user", Inaccessible}},
	"true":      {{"/home", Inaccessible}, {"/root", Inaccessible}, {"/run/user", Inaccessible}},
	"read-only": {{"/home", ReadOnly}, {"/root", ReadOnly}, {"/run/user", ReadOnly}},
	"tmpfs":     {{"/home", TmpfsRO}, {"/root", TmpfsRO}, {"/run/user", TmpfsRO}},
}

var protectKernelTunablesMounts = map[string][]PathEffect{
	"yes": {{"/proc/acpi", ReadOnly}, {"/proc/apm", ReadOnly}, {"/proc/asound", ReadOnly}, {"/proc/bus", ReadOnly},
		{"/proc/fs", ReadOnly}, {"/proc/irq", ReadOnly}, {"/proc/latency_stats", ReadOnly}, {"/proc/mtrr", ReadOnly},
		{"/proc/scsi", ReadOnly}, {"/proc/sys", ReadOnly}, {"/proc/sysrq-trigger", ReadOnly}, {"/proc/timer_stats", ReadOnly},
		{"/sys", ReadOnly}, {"/proc/kallsyms", Inaccessible}, {"/proc/kcore", Inaccessible},
		{"/sys/fs/cgroup", Host}, {"/sys/fs/selinux", Host}},
}

var directiveList = []Directive{
	{Name: "ExecStart", RefusesNothing: true, Man: "systemd.service.html#ExecStart=", Protects: "the program the service runs"},
	{Name: "ExecStartPre", RefusesNothing: true, Man: "systemd.service.html#ExecStartPre=", Merge: Accumulate},
	{Name: "User", Man: exec("User"), Protects: "the service runs without root's rights",
		Missing: &Missing{Reason: "the account User={value} does not exist, so systemd cannot switch to it and the program never runs",
			Lines:     []string{"DynamicUser=yes"},
			Rationale: "systemd allocates a transient account for the service instead of the missing one; or create the account (`useradd --system {value}`, or a sysusers.d entry)",
			GivesUp:   "the service gets a UID that can change between runs; give it StateDirectory= for data that must persist"}},
	{Name: "Group", Man: exec("Group"), Protects: "the service runs with its own group",
		Missing: &Missing{Reason: "the group Group={value} does not exist, so systemd cannot switch to it and the program never runs",
			Lines:     []string{"Group="},
			Rationale: "runs the service with its user's primary group instead of the missing one; or create the group (`groupadd --system {value}`)",
			GivesUp:   "whatever access the missing group was meant to give"}},
	{Name: "SupplementaryGroups", Man: exec("SupplementaryGroups"), Protects: "group memberships are limited to those listed", Merge: Accumulate,
		Missing: &Missing{Reason: "a group of SupplementaryGroups={value} does not exist, so systemd cannot set the groups and the program never runs",
			Lines:     []string{"SupplementaryGroups="},
			Rationale: "drops the supplementary groups, of which one does not exist; or create the group (`groupadd --system NAME`)",
			GivesUp:   "the service loses the access the listed groups would have given"}},
	{Name: "DynamicUser", Man: exec("DynamicUser"), Since: 232, Protects: "a throw-away UID owns nothing outside the service's own directories",
		Implies: []Setting{{"ProtectSystem", "strict"}, {"ProtectHome", "read-only"}, {"PrivateTmp", "yes"}, {"NoNewPrivileges", "yes"}, {"RestrictSUIDSGID", "yes"}}},
	{Name: "ProtectSystem", Man: exec("ProtectSystem"), Since: 214, Protects: "the service cannot modify the operating system's files",
		Mounts: protectSystemMounts, Ladder: []string{"strict", "full", "yes", "no"},
		Broad: &Broad{Why: "lowers ProtectSystem= for the whole operating system"}, Tighten: "strict"},
	{Name: "ProtectHome", Man: exec("ProtectHome"), Since: 214, Protects: "users' home directories stay out of the service's reach",
		Mounts: protectHomeMounts, Ladder: []string{"yes", "tmpfs", "read-only", "no"},
		Broad: &Broad{Values: []string{"no", "read-only"}, Why: "exposes every home directory"}, Tighten: "yes"},
	{Name: "ReadWritePaths", RefusesNothing: true, OldNames: []string{"ReadWriteDirectories"}, Man: exec("ReadWritePaths"), Since: 231, Protects: "only the listed paths are writable",
		PathList: Writable, Remount: true, Merge: Accumulate},
	{Name: "ReadOnlyPaths", OldNames: []string{"ReadOnlyDirectories"}, Man: exec("ReadOnlyPaths"), Since: 231, Protects: "the listed paths cannot be modified",
		PathList: ReadOnly, Remount: true, Merge: Accumulate},
	{Name: "InaccessiblePaths", OldNames: []string{"InaccessibleDirectories"}, Man: exec("InaccessiblePaths"), Since: 231, Protects: "the listed paths are hidden from the service",
		PathList: Inaccessible, Remount: true, Merge: Accumulate},
	{Name: "TemporaryFileSystem", Man: exec("TemporaryFileSystem"), Since: 238, Protects: "the host's content at these paths is hidden",
		PathList: Tmpfs, Merge: Accumulate},
	{Name: "BindPaths", Man: exec("BindPaths"), Since: 233,
		PathList: Writable, Merge: Accumulate},
	{Name: "BindReadOnlyPaths", Man: exec("BindReadOnlyPaths"), Since: 233, Protects: "the bound paths stay read-only",
		PathList: ReadOnly, Merge: Accumulate},
	{Name: "NoExecPaths", Man: exec("NoExecPaths"), Since: 248, Protects: "nothing can be executed from these paths",
		PathList: NoExec, Remount: true, Merge: Accumulate},
	{Name: "ExecPaths", RefusesNothing: true, Man: exec("ExecPaths"), Since: 248,
		PathList: Exec, Remount: true, Merge: Accumulate},
	{Name: "PrivateUsers", Man: exec("PrivateUsers"), Since: 232, Protects: "other users' IDs are unmapped inside the service",
		Off: "PrivateUsers=no", OffRestores: "the service sees the host's user IDs again", Tighten: "yes"},
	{Name: "PrivateIPC", Man: exec("PrivateIPC"), Since: 248, Protects: "the host's System V IPC objects are out of reach",
		Off: "PrivateIPC=no", OffRestores: "the service shares the host's System V IPC objects and POSIX message queues again (or join the namespace of the unit that creates them with JoinsNamespaceOf= and PrivateIPC=yes on both)", Tighten: "yes"},
	{Name: "SystemCallLog", RefusesNothing: true, Man: exec("SystemCallLog"), Since: 247},
	{Name: "RestrictFileSystems", Man: exec("RestrictFileSystems"), Since: 250, Protects: "files on other file system types cannot be opened",
		Merge: AllowDeny, BPF: true},
	{Name: "PrivateTmp", Man: exec("PrivateTmp"), Protects: "other processes' files in /tmp and /var/tmp are out of reach",
		Mounts: map[string][]PathEffect{"yes": {{"/tmp", PrivateTmp}, {"/var/tmp", PrivateTmp}}}, Ladder: yesNo, Tighten: "yes"},
	{Name: "PrivateDevices", Man: exec("PrivateDevices"), Since: 209, Protects: "physical devices are out of reach",
		Mounts: map[string][]PathEffect{"yes": {{"/dev", PrivateDev}}}, Ladder: yesNo,
		DropsCapabilities: []string{"CAP_MKNOD", "CAP_SYS_RAWIO"}, Seccomp: "yes", Tighten: "yes"},
	{Name: "ProtectKernelTunables", Man: exec("ProtectKernelTunables"), Since: 232, Protects: "kernel variables in /proc/sys and /sys cannot be changed",
		Mounts: protectKernelTunablesMounts, Ladder: yesNo, Seccomp: "yes",
		Broad: &Broad{Why: "makes all of /proc/sys and /sys writable"},
		Hint:  "better still, set the value once at boot in /etc/sysctl.d/ and keep the service away from /proc/sys", Tighten: "yes"},
	{Name: "ProtectKernelLogs", Man: exec("ProtectKernelLogs"), Since: 244, Protects: "the kernel log buffer cannot be read or written",
		Mounts: map[string][]PathEffect{"yes": {{"/proc/kmsg", Inaccessible}, {"/dev/kmsg", Inaccessible}}}, Ladder: yesNo,
		DropsCapabilities: []string{"CAP_SYSLOG"}, Seccomp: "yes", Tighten: "yes"},
	{Name: "ProtectKernelModules", Man: exec("ProtectKernelModules"), Since: 232, Protects: "kernel modules cannot be loaded",
		Mounts: map[string][]PathEffect{"yes": {{"/usr/lib/modules", Inaccessible}, {"/lib/modules", Inaccessible}}}, Ladder: yesNo,
		DropsCapabilities: []string{"CAP_SYS_MODULE"}, Seccomp: "yes", Tighten: "yes"},
	{Name: "ProtectControlGroups", Man: exec("ProtectControlGroups"), Since: 232, Protects: "the cgroup tree cannot be modified",
		Mounts: map[string][]PathEffect{"yes": {{"/sys/fs/cgroup", ReadOnly}}}, Ladder: yesNo, Tighten: "yes"},
	{Name: "NoNewPrivileges", Man: exec("NoNewPrivileges"), Since: 187, Protects: "setuid programs and file capabilities cannot raise the service's privileges", Ladder: yesNo,
		Broad: &Broad{Not: []string{"yes", "true", "on", "1", "y", "t"}, Why: "drops no_new_privs"},
		Off:   "NoNewPrivileges=no", OffRestores: "lets setuid helpers such as sudo elevate again", Tighten: "yes"},
	{Name: "CapabilityBoundingSet", Man: exec("CapabilityBoundingSet"), Protects: "capabilities outside the set can never be gained",
		Merge: Accumulate, Broad: &Broad{Values: []string{"", "~"}, Why: "empties CapabilityBoundingSet="}, Tighten: "<none>"},
	{Name: "AmbientCapabilities", RefusesNothing: true, Man: exec("AmbientCapabilities"), Since: 229, Protects: "a non-root service holds no capability",
		Merge: Accumulate, InPlayBy: []string{"User", "DynamicUser"}},
	{Name: "PrivateNetwork", Man: exec("PrivateNetwork"), Protects: "the service has no network but its own loopback", Tighten: "yes",
		// lab: every network daemon's check (nginx, redis, memcached,
		// mosquitto, node) failed under it, nothing refused.
		CheckBreaks: "in its own network namespace the service is out of the check's reach: its 127.0.0.1 is not the host's"},
	{Name: "IPAddressDeny", Man: "systemd.resource-control.html#IPAddressAllow=ADDRESS%5B/PREFIXLENGTH%5D%E2%80%A6", Since: 235, Protects: "traffic to other addresses is dropped",
		Merge: Accumulate},
	{Name: "RestrictAddressFamilies", Man: exec("RestrictAddressFamilies"), Since: 211, Protects: "sockets of other address families cannot be created",
		Merge: AllowDeny, Seccomp: "any", Broad: &Broad{Values: []string{"", "~"}, Why: "empties RestrictAddressFamilies="}, Tighten: "AF_UNIX AF_INET AF_INET6"},
	{Name: "SystemCallFilter", Man: exec("SystemCallFilter"), Since: 187, Protects: "system calls outside the allowed set are refused",
		Merge: AllowDeny, Seccomp: "any", Broad: &Broad{Values: []string{"", "~"}, Why: "empties SystemCallFilter="}, Tighten: "@system-service",
		Observe: "SystemCallLog=~@system-service"},
	{Name: "SystemCallArchitectures", Man: exec("SystemCallArchitectures"), Since: 209, Protects: "system calls of other ABIs are refused",
		Seccomp: "any", Tighten: "native"},
	{Name: "ProtectHostname", Man: exec("ProtectHostname"), Since: 242, Protects: "the host name cannot be changed",
		Mounts: map[string][]PathEffect{"yes": {{"/proc/sys/kernel/hostname", ReadOnly}, {"/proc/sys/kernel/domainname", ReadOnly}}}, Ladder: yesNo, Seccomp: "yes", Tighten: "yes"},
	{Name: "ProtectClock", Man: exec("ProtectClock"), Since: 245, Protects: "the system clock cannot be changed",
		DropsCapabilities: []string{"CAP_SYS_TIME", "CAP_WAKE_ALARM"}, Seccomp: "yes", Tighten: "yes"},
	{Name: "RestrictNamespaces", Man: exec("RestrictNamespaces"), Since: 233, Protects: "the service cannot create namespaces",
		Seccomp: "yes", Tighten: "yes",
		// lab: real-ipnetns-restrictnamespaces, iproute2's "Failed to
		// create a new network namespace" (=net verified).
		Named: []NamedValue{{"network namespace", "net"}, {"mount namespace", "mnt"}, {"user namespace", "user"}, {"pid namespace", "pid"},
			{"uts namespace", "uts"}, {"ipc namespace", "ipc"}, {"cgroup namespace", "cgroup"},
			{"clone_newnet", "net"}, {"clone_newns", "mnt"}, {"clone_newuser", "user"}, {"clone_newpid", "pid"},
			{"clone_newuts", "uts"}, {"clone_newipc", "ipc"}, {"clone_newcgroup", "cgroup"}}},
	{Name: "MemoryDenyWriteExecute", Man: exec("MemoryDenyWriteExecute"), Since: 231, Protects: "memory cannot be both writable and executable",
		Seccomp: "yes", Tighten: "yes",
		// lab: tighten-node-jit, on 252 and 257 (ENOMEM/EPERM from mprotect).
		Unbearable: &Unbearable{Programs: []string{"node", "nodejs", "java", "dotnet", "beam.smp", "pypy", "pypy3", "luajit", "mono"},
			Why: "its JIT compiler writes the machine code it then runs"}},
	{Name: "LockPersonality", Man: exec("LockPersonality"), Since: 235, Protects: "the execution domain cannot be changed",
		Seccomp: "yes", Tighten: "yes"},
	{Name: "RestrictRealtime", Man: exec("RestrictRealtime"), Since: 231, Protects: "realtime scheduling cannot be requested",
		Seccomp: "yes", Tighten: "yes"},
	{Name: "RestrictSUIDSGID", Man: exec("RestrictSUIDSGID"), Since: 242, Protects: "setuid and setgid files cannot be created",
		Seccomp: "yes", Tighten: "yes"},
	{Name: "StateDirectory", Man: exec("RuntimeDirectory"), Since: 235,
		PurposeBuilt: &PurposeBuilt{Root: "/var/lib", GivesUp: "nothing else under /var/lib becomes writable; systemd creates and owns the directory for the service"}, Merge: Accumulate},
	{Name: "CacheDirectory", Man: exec("RuntimeDirectory"), Since: 235,
		PurposeBuilt: &PurposeBuilt{Root: "/var/cache", GivesUp: "nothing else under /var/cache becomes writable"}, Merge: Accumulate},
	{Name: "LogsDirectory", Man: exec("RuntimeDirectory"), Since: 235,
		PurposeBuilt: &PurposeBuilt{Root: "/var/log", GivesUp: "nothing else under /var/log becomes writable"}, Merge: Accumulate},
	{Name: "RuntimeDirectory", Man: exec("RuntimeDirectory"), Since: 211,
		PurposeBuilt: &PurposeBuilt{Root: "/run", GivesUp: "nothing else under /run becomes writable; the directory is removed when the service stops"}, Merge: Accumulate},
	{Name: "ConfigurationDirectory", Man: exec("RuntimeDirectory"), Since: 235,
		PurposeBuilt: &PurposeBuilt{Root: "/etc", GivesUp: "nothing else under /etc becomes writable; the directory stays root-owned", RootOwned: true}, Merge: Accumulate},
	{Name: "ProcSubset", Man: exec("ProcSubset"), Since: 247, Protects: "system-wide /proc files are hidden",
		Mounts: map[string][]PathEffect{"pid": {{"/proc", ProcPIDOnly}}}, Ladder: []string{"pid", "all"}, Tighten: "pid"},
	{Name: "ProtectProc", Man: exec("ProtectProc"), Since: 247, Protects: "other users' processes are hidden",
		Ladder: []string{"noaccess", "invisible", "ptraceable", "default"}, Tighten: "invisible"},
	{Name: "DevicePolicy", Man: "systemd.resource-control.html#DevicePolicy=auto%7Cclosed%7Cstrict", Since: 208, Protects: "only the listed device nodes can be opened"},
	{Name: "DeviceAllow", Man: "systemd.resource-control.html#DeviceAllow=", Since: 208, Protects: "only the listed device nodes can be opened",
		Merge: Accumulate},
	{Name: "IPAddressAllow", RefusesNothing: true, Man: "systemd.resource-control.html#IPAddressAllow=ADDRESS%5B/PREFIXLENGTH%5D%E2%80%A6", Since: 235,
		Merge: Accumulate},
	{Name: "TasksMax", Man: "systemd.resource-control.html#TasksMax=N", Since: 227, Protects: "the service cannot fork without bound",
		Floor: 64},
	{Name: "LimitNPROC", Man: exec("LimitCPU"), Protects: "the user cannot run more processes than allowed"},
	{Name: "LimitFSIZE", Man: exec("LimitCPU"), Protects: "the service cannot write files beyond the size limit",
		Signals: []int{25}, ArgSized: true},
	{Name: "LimitCPU", Man: exec("LimitCPU"), Protects: "the service cannot use more CPU time than allowed",
		Signals: []int{24, 9}},
	{Name: "LimitMEMLOCK", Man: exec("LimitCPU"), Protects: "the service cannot lock more memory than allowed",
		Floor: 64 << 20},
	{Name: "PrivatePIDs", Man: exec("PrivatePIDs"), Since: 257, Protects: "the service sees and signals only its own processes",
		Off: "PrivatePIDs=no", OffRestores: "the service sees and can signal the host's processes again"},
	{Name: "SecureBits", Man: exec("SecureBits"), Protects: "being root grants no capabilities"},
	{Name: "KeyringMode", Man: exec("KeyringMode"), Since: 235, Protects: "the service's session keyring is its own, apart from its user's keys",
		Off: "KeyringMode=shared", OffRestores: "the service's session keyring is linked to its user's keyring again, so keys its user holds are found (the keyring stays per service)"},
	{Name: "UMask", Man: exec("UMask"), Protects: "files the service creates are not readable by other users", Tighten: "0077"},
	{Name: "PrivateMounts", Man: exec("PrivateMounts"), Since: 239, Protects: "mounts the service makes stay in its own namespace", Tighten: "yes"},
	{Name: "RemoveIPC", Man: exec("RemoveIPC"), Since: 232, Protects: "IPC objects the service's user leaves behind are removed when it stops"},
	{Name: "NotifyAccess", Man: "systemd.service.html#NotifyAccess=", Protects: "only the listed processes may report readiness",
		InPlayBy: []string{"Type"},
		Off:      "NotifyAccess=all", OffRestores: "every process of the unit may report readiness and status (or keep it, and have the main process send the notification)"},
	{Name: "MemoryMax", Man: "systemd.resource-control.html#MemoryMax=bytes", Since: 231, Protects: "the service cannot use more memory than allowed"},
	{Name: "LimitMSGQUEUE", Man: exec("LimitCPU"), Protects: "the service's user cannot fill kernel memory with POSIX message queues",
		Floor: 819200}, // the kernel's default RLIMIT_MSGQUEUE
	{Name: "LimitNOFILE", Man: exec("LimitCPU"), Protects: "the service cannot open more files than allowed",
		Floor: 1024, SystemdHard: 524288},
	{Name: "LimitAS", Man: exec("LimitCPU"), Protects: "the service cannot map more address space than allowed",
		Trade: "MemoryMax"},
	{Name: "LimitDATA", Man: exec("LimitCPU"), Protects: "the service cannot allocate more data memory than allowed"},
	{Name: "LimitSTACK", Man: exec("LimitCPU"), Protects: "the service's stack cannot grow beyond the limit",
		Signals: []int{11}},
	{Name: "LimitNICE", Man: exec("LimitCPU"), Protects: "the service cannot raise its priority beyond the limit",
		InPlayBy: []string{"User", "DynamicUser"}},
	{Name: "LimitRTPRIO", Man: exec("LimitCPU"), Protects: "the service cannot take realtime priorities beyond the limit",
		InPlayBy: []string{"User", "DynamicUser"}},
	{Name: "SocketBindDeny", Man: "systemd.resource-control.html#SocketBindAllow=bind-rule", Since: 249, Protects: "the service cannot listen on the denied ports",
		Merge: Accumulate, BPF: true},
	{Name: "SocketBindAllow", RefusesNothing: true, Man: "systemd.resource-control.html#SocketBindAllow=bind-rule", Since: 249,
		Merge: Accumulate},
	{Name: "RestrictNetworkInterfaces", Man: "systemd.resource-control.html#RestrictNetworkInterfaces=", Since: 250, Protects: "the service's traffic cannot use other network interfaces",
		Merge: AllowDeny, BPF: true},
}
