package rules

// Directive is what harden knows of one systemd setting. Facts come from
// shared/reference/directives.md (systemd's sources, v245…v262).
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

func init() {
	for _, d := range directiveList {
		Directives[d.Name] = d
	}
}

func exec(name string) string { return "systemd.exec.html#" + name + "=" }

var directiveList = []Directive{
	{Name: "ExecStart", Man: "systemd.service.html#ExecStart=", Protects: "the program the service runs"},
	{Name: "User", Man: exec("User"), Protects: "the service runs without root's rights"},
	{Name: "Group", Man: exec("Group"), Protects: "the service runs with its own group"},
	{Name: "SupplementaryGroups", Man: exec("SupplementaryGroups"), Protects: "group memberships are limited to those listed"},
	{Name: "DynamicUser", Man: exec("DynamicUser"), Since: 232, Protects: "a throw-away UID owns nothing outside the service's own directories"},
	{Name: "ProtectSystem", Man: exec("ProtectSystem"), Since: 214, Protects: "the service cannot modify the operating system's files"},
	{Name: "ProtectHome", Man: exec("ProtectHome"), Since: 214, Protects: "users' home directories stay out of the service's reach"},
	{Name: "ReadWritePaths", OldNames: []string{"ReadWriteDirectories"}, Man: exec("ReadWritePaths"), Since: 231, Protects: "only the listed paths are writable"},
	{Name: "ReadOnlyPaths", OldNames: []string{"ReadOnlyDirectories"}, Man: exec("ReadOnlyPaths"), Since: 231, Protects: "the listed paths cannot be modified"},
	{Name: "InaccessiblePaths", OldNames: []string{"InaccessibleDirectories"}, Man: exec("InaccessiblePaths"), Since: 231, Protects: "the listed paths are hidden from the service"},
	{Name: "TemporaryFileSystem", Man: exec("TemporaryFileSystem"), Since: 238, Protects: "the host's content at these paths is hidden"},
	{Name: "BindPaths", Man: exec("BindPaths"), Since: 233},
	{Name: "BindReadOnlyPaths", Man: exec("BindReadOnlyPaths"), Since: 233, Protects: "the bound paths stay read-only"},
	{Name: "NoExecPaths", Man: exec("NoExecPaths"), Since: 248, Protects: "nothing can be executed from these paths"},
	{Name: "ExecPaths", Man: exec("ExecPaths"), Since: 248},
	{Name: "PrivateUsers", Man: exec("PrivateUsers"), Since: 232, Protects: "other users' IDs are unmapped inside the service",
		Off: "PrivateUsers=no", OffRestores: "the service sees the host's user IDs again"},
	{Name: "PrivateIPC", Man: exec("PrivateIPC"), Since: 248, Protects: "the host's System V IPC objects are out of reach",
		Off: "PrivateIPC=no", OffRestores: "the service shares the host's System V IPC objects and POSIX message queues again (or join the namespace of the unit that creates them with JoinsNamespaceOf= and PrivateIPC=yes on both)"},
	{Name: "SystemCallLog", Man: exec("SystemCallLog"), Since: 247},
	{Name: "RestrictFileSystems", Man: exec("RestrictFileSystems"), Since: 250, Protects: "files on other file system types cannot be opened"},
	{Name: "PrivateTmp", Man: exec("PrivateTmp"), Protects: "other processes' files in /tmp and /var/tmp are out of reach"},
	{Name: "PrivateDevices", Man: exec("PrivateDevices"), Since: 209, Protects: "physical devices are out of reach"},
	{Name: "ProtectKernelTunables", Man: exec("ProtectKernelTunables"), Since: 232, Protects: "kernel variables in /proc/sys and /sys cannot be changed",
		Hint: "better still, set the value once at boot in /etc/sysctl.d/ and keep the service away from /proc/sys"},
	{Name: "ProtectKernelLogs", Man: exec("ProtectKernelLogs"), Since: 244, Protects: "the kernel log buffer cannot be read or written"},
	{Name: "ProtectKernelModules", Man: exec("ProtectKernelModules"), Since: 232, Protects: "kernel modules cannot be loaded"},
	{Name: "ProtectControlGroups", Man: exec("ProtectControlGroups"), Since: 232, Protects: "the cgroup tree cannot be modified"},
	{Name: "NoNewPrivileges", Man: exec("NoNewPrivileges"), Since: 187, Protects: "setuid programs and file capabilities cannot raise the service's privileges",
		Off: "NoNewPrivileges=no", OffRestores: "lets setuid helpers such as sudo elevate again"},
	{Name: "CapabilityBoundingSet", Man: exec("CapabilityBoundingSet"), Protects: "capabilities outside the set can never be gained"},
	{Name: "AmbientCapabilities", Man: exec("AmbientCapabilities"), Since: 229, Protects: "a non-root service holds no capability"},
	{Name: "PrivateNetwork", Man: exec("PrivateNetwork"), Protects: "the service has no network but its own loopback"},
	{Name: "IPAddressDeny", Man: "systemd.resource-control.html#IPAddressAllow=ADDRESS%5B/PREFIXLENGTH%5D%E2%80%A6", Since: 235, Protects: "traffic to other addresses is dropped"},
	{Name: "RestrictAddressFamilies", Man: exec("RestrictAddressFamilies"), Since: 211, Protects: "sockets of other address families cannot be created"},
	{Name: "SystemCallFilter", Man: exec("SystemCallFilter"), Since: 187, Protects: "system calls outside the allowed set are refused"},
	{Name: "SystemCallArchitectures", Man: exec("SystemCallArchitectures"), Since: 209, Protects: "system calls of other ABIs are refused"},
	{Name: "ProtectHostname", Man: exec("ProtectHostname"), Since: 242, Protects: "the host name cannot be changed"},
	{Name: "ProtectClock", Man: exec("ProtectClock"), Since: 245, Protects: "the system clock cannot be changed"},
	{Name: "RestrictNamespaces", Man: exec("RestrictNamespaces"), Since: 233, Protects: "the service cannot create namespaces"},
	{Name: "MemoryDenyWriteExecute", Man: exec("MemoryDenyWriteExecute"), Since: 231, Protects: "memory cannot be both writable and executable"},
	{Name: "LockPersonality", Man: exec("LockPersonality"), Since: 235, Protects: "the execution domain cannot be changed"},
	{Name: "RestrictRealtime", Man: exec("RestrictRealtime"), Since: 231, Protects: "realtime scheduling cannot be requested"},
	{Name: "RestrictSUIDSGID", Man: exec("RestrictSUIDSGID"), Since: 242, Protects: "setuid and setgid files cannot be created"},
	{Name: "StateDirectory", Man: exec("RuntimeDirectory"), Since: 235},
	{Name: "CacheDirectory", Man: exec("RuntimeDirectory"), Since: 235},
	{Name: "LogsDirectory", Man: exec("RuntimeDirectory"), Since: 235},
	{Name: "RuntimeDirectory", Man: exec("RuntimeDirectory"), Since: 211},
	{Name: "ConfigurationDirectory", Man: exec("RuntimeDirectory"), Since: 235},
	{Name: "ProcSubset", Man: exec("ProcSubset"), Since: 247, Protects: "system-wide /proc files are hidden"},
	{Name: "ProtectProc", Man: exec("ProtectProc"), Since: 247, Protects: "other users' processes are hidden"},
	{Name: "DevicePolicy", Man: "systemd.resource-control.html#DevicePolicy=auto%7Cclosed%7Cstrict", Since: 208, Protects: "only the listed device nodes can be opened"},
	{Name: "DeviceAllow", Man: "systemd.resource-control.html#DeviceAllow=", Since: 208, Protects: "only the listed device nodes can be opened"},
	{Name: "IPAddressAllow", Man: "systemd.resource-control.html#IPAddressAllow=ADDRESS%5B/PREFIXLENGTH%5D%E2%80%A6", Since: 235},
	{Name: "TasksMax", Man: "systemd.resource-control.html#TasksMax=N", Since: 227, Protects: "the service cannot fork without bound"},
	{Name: "LimitNPROC", Man: exec("LimitCPU"), Protects: "the user cannot run more processes than allowed"},
	{Name: "LimitFSIZE", Man: exec("LimitCPU"), Protects: "the service cannot write files beyond the size limit"},
	{Name: "LimitCPU", Man: exec("LimitCPU"), Protects: "the service cannot use more CPU time than allowed"},
	{Name: "LimitMEMLOCK", Man: exec("LimitCPU"), Protects: "the service cannot lock more memory than allowed"},
	{Name: "PrivatePIDs", Man: exec("PrivatePIDs"), Since: 257, Protects: "the service sees and signals only its own processes",
		Off: "PrivatePIDs=no", OffRestores: "the service sees and can signal the host's processes again"},
	{Name: "SecureBits", Man: exec("SecureBits"), Protects: "being root grants no capabilities"},
	{Name: "KeyringMode", Man: exec("KeyringMode"), Since: 235, Protects: "the service's session keyring is its own, apart from its user's keys",
		Off: "KeyringMode=shared", OffRestores: "the service's session keyring is linked to its user's keyring again, so keys its user holds are found (the keyring stays per service)"},
	{Name: "NotifyAccess", Man: "systemd.service.html#NotifyAccess=", Protects: "only the listed processes may report readiness",
		Off: "NotifyAccess=all", OffRestores: "every process of the unit may report readiness and status (or keep it, and have the main process send the notification)"},
	{Name: "MemoryMax", Man: "systemd.resource-control.html#MemoryMax=bytes", Since: 231, Protects: "the service cannot use more memory than allowed"},
	{Name: "LimitNOFILE", Man: exec("LimitCPU"), Protects: "the service cannot open more files than allowed"},
	{Name: "LimitAS", Man: exec("LimitCPU"), Protects: "the service cannot map more address space than allowed"},
	{Name: "LimitDATA", Man: exec("LimitCPU"), Protects: "the service cannot allocate more data memory than allowed"},
	{Name: "LimitSTACK", Man: exec("LimitCPU"), Protects: "the service's stack cannot grow beyond the limit"},
	{Name: "LimitNICE", Man: exec("LimitCPU"), Protects: "the service cannot raise its priority beyond the limit"},
	{Name: "LimitRTPRIO", Man: exec("LimitCPU"), Protects: "the service cannot take realtime priorities beyond the limit"},
	{Name: "SocketBindDeny", Man: "systemd.resource-control.html#SocketBindAllow=bind-rule", Since: 249, Protects: "the service cannot listen on the denied ports"},
	{Name: "SocketBindAllow", Man: "systemd.resource-control.html#SocketBindAllow=bind-rule", Since: 249},
	{Name: "RestrictNetworkInterfaces", Man: "systemd.resource-control.html#RestrictNetworkInterfaces=", Since: 250, Protects: "the service's traffic cannot use other network interfaces"},
}

// SourceFallbacks name, for a directive the unit never set, the settings
// that brought it into play: the line to show the operator instead.
var SourceFallbacks = map[string][]string{
	"AmbientCapabilities": {"User", "DynamicUser"},
	"LimitRTPRIO":         {"User", "DynamicUser"}, // the default limit binds only a non-root user
	"LimitNICE":           {"User", "DynamicUser"},
	"NotifyAccess":        {"Type"}, // Type=notify makes the default main apply
	"ProtectSystem":       {"DynamicUser"},
	"ProtectHome":         {"DynamicUser"},
	"PrivateTmp":          {"DynamicUser"},
	"NoNewPrivileges":     {"DynamicUser"},
	"RestrictSUIDSGID":    {"DynamicUser"},
}

// SignalLimits: a process killed by one of these signals hit the resource
// limit named (SIGXFSZ at LimitFSIZE=, SIGXCPU at LimitCPU='s soft limit,
// SIGKILL at its hard limit, SIGSEGV when the stack outgrows LimitSTACK=).
// LimitFloors are the least a raised limit is set to: four times a tiny
// limit is still too small for any real program.
var LimitFloors = map[string]int64{"LimitNOFILE": 1024, "TasksMax": 64, "LimitMEMLOCK": 64 << 20}

// LimitTrades are process limits a cgroup limit can replace: the
// resource-control setting that bounds the same thing more truly
// (address space is not memory: runtimes reserve far more than they use).
var LimitTrades = map[string]string{"LimitAS": "MemoryMax"}

// SignalNames are the names of the signals SignalLimits know.
var SignalNames = map[int]string{9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU", 25: "SIGXFSZ"}

var SignalLimits = map[int][]string{25: {"LimitFSIZE"}, 24: {"LimitCPU"}, 9: {"LimitCPU"}, 11: {"LimitSTACK"}}
