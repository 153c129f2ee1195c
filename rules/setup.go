package rules

// SetupMessage is a line systemd logs, before the program runs, when it
// cannot apply a setting (messages.md §3b; the first line of the pair
// "… / Failed at step STEP spawning …"). Path and Err name the regexp
// groups that carry the offending path and the strerror text.
type SetupMessage struct {
	Pattern    string
	Step       string // the exit status name, e.g. NAMESPACE
	Directives []string
	// PathList means the path in the message must be looked up among the
	// unit's path-list settings to find the directive that named it.
	PathList bool
	// ExecDirRoot means the path is the root of an exec-directory setting.
	ExecDirRoot bool
	// Executable means the path is the program systemd was to run: the
	// mounts are judged on it as on an exec() of that path.
	Executable bool
}

// SetupMessages in the order they are tried.
var SetupMessages = []SetupMessage{
	{Pattern: `^Failed to set up mount namespacing(?:: (?P<path>/\S+))?: (?P<err>.+)$`, Step: "NAMESPACE", PathList: true,
		Directives: []string{"ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "BindPaths", "BindReadOnlyPaths", "TemporaryFileSystem", "NoExecPaths", "ExecPaths"}},
	{Pattern: `^Failed to determine user credentials: (?P<err>.+)$`, Step: "USER", Directives: []string{"User"}},
	{Pattern: `^Failed to determine credentials for user '[^']*': (?P<err>.+)$`, Step: "USER", Directives: []string{"User"}},
	{Pattern: `^Failed to set up user namespacing: (?P<err>.+)$`, Step: "USER", Directives: []string{"PrivateUsers"}},
	{Pattern: `^Failed to determine group credentials: (?P<err>.+)$`, Step: "GROUP", Directives: []string{"Group"}},
	{Pattern: `^Failed to determine credentials for group '[^']*': (?P<err>.+)$`, Step: "GROUP", Directives: []string{"Group"}},
	{Pattern: `^Failed to determine supplementary groups: (?P<err>.+)$`, Step: "GROUP", Directives: []string{"SupplementaryGroups"}},
	{Pattern: `^Failed to apply ambient capabilities.*: (?P<err>.+)$`, Step: "CAPABILITIES", Directives: []string{"AmbientCapabilities", "CapabilityBoundingSet"}},
	{Pattern: `^Failed to drop (?:bset )?capabilities: (?P<err>.+)$`, Step: "CAPABILITIES", Directives: []string{"CapabilityBoundingSet"}},
	{Pattern: `^Failed to set up network namespacing: (?P<err>.+)$`, Step: "NETWORK", Directives: []string{"PrivateNetwork"}},
	{Pattern: `^Failed to set up IPC namespacing: (?P<err>.+)$`, Step: "NAMESPACE", Directives: []string{"PrivateIPC"}},
	{Pattern: `^Failed to set up UTS namespacing: (?P<err>.+)$`, Step: "NAMESPACE", Directives: []string{"ProtectHostname"}},
	{Pattern: `^Failed to disable new privileges: (?P<err>.+)$`, Step: "NO_NEW_PRIVILEGES", Directives: []string{"NoNewPrivileges"}},
	{Pattern: `^Failed to apply system call filters: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"SystemCallFilter"}},
	{Pattern: `^Failed to apply syscall architecture restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"SystemCallArchitectures"}},
	{Pattern: `^Failed to apply namespace restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"RestrictNamespaces"}},
	{Pattern: `^Failed to lock personalities: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"LockPersonality"}},
	{Pattern: `^Failed to disable writing to executable memory: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"MemoryDenyWriteExecute"}},
	{Pattern: `^Failed to apply realtime restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"RestrictRealtime"}},
	{Pattern: `^Failed to apply SUID/SGID restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"RestrictSUIDSGID"}},
	{Pattern: `^Failed to apply clock restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"ProtectClock"}},
	{Pattern: `^Failed to apply hostname restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"ProtectHostname"}},
	{Pattern: `^Failed to apply module loading restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"ProtectKernelModules"}},
	{Pattern: `^Failed to apply kernel log restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"ProtectKernelLogs"}},
	{Pattern: `^Failed to apply sysctl restrictions: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"ProtectKernelTunables"}},
	{Pattern: `^Failed to apply system call log filters: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"SystemCallLog"}},
	{Pattern: `^Failed to set up private devices: (?P<err>.+)$`, Step: "SECCOMP", Directives: []string{"PrivateDevices"}},
	{Pattern: `^Failed to restrict address families: (?P<err>.+)$`, Step: "ADDRESS_FAMILIES", Directives: []string{"RestrictAddressFamilies"}},
	{Pattern: `^Failed to set up special execution directory in (?P<path>/\S+): (?P<err>.+)$`, Step: "STATE_DIRECTORY", ExecDirRoot: true,
		Directives: []string{"StateDirectory", "CacheDirectory", "LogsDirectory", "RuntimeDirectory", "ConfigurationDirectory"}},
	{Pattern: `^Failed to restrict filesystems: (?P<err>.+)$`, Step: "BPF", Directives: []string{"RestrictFileSystems"}},
	// The program itself (messages.md: 203/EXEC): missing, hidden by a
	// mount setting, or on a noexec mount.
	{Pattern: `^(?:Failed to locate executable |Unable to locate executable ')(?P<path>/[^':]+)'?: (?P<err>.+)$`, Step: "EXEC", Executable: true,
		Directives: []string{"ExecStart"}},
	{Pattern: `^Failed to execute (?P<path>/[^:]+): (?P<err>.+)$`, Step: "EXEC", Executable: true, Directives: []string{"ExecStart"}},
	// Opening /dev/null for the standard streams under DevicePolicy=strict
	// (lab: blind11-python-devicepolicy-strict, 208/STDIN on 252 and 257).
	{Pattern: `^Failed to set up standard (?:input|output|error): (?P<err>.+)$`, Step: "STDIN", Directives: []string{"DevicePolicy"}},
}

// UnitRootPrefix is where systemd assembles the namespace; it prefixes
// paths in "Failed to set up mount namespacing" messages.
const UnitRootPrefix = "/run/systemd/unit-root"
