package rules

// OpCapability says which capability an operation needs when the caller
// is not allowed by ordinary permissions (capabilities(7)).
var OpCapability = map[string]string{
	"rtnetlink":     "CAP_NET_ADMIN",        // changing links, addresses and routes
	"bind-low":      "CAP_NET_BIND_SERVICE", // bind() to a port below 1024
	"chown":         "CAP_CHOWN",
	"sethostname":   "CAP_SYS_ADMIN",
	"setdomainname": "CAP_SYS_ADMIN",
	"swapon":        "CAP_SYS_ADMIN",
	"swapoff":       "CAP_SYS_ADMIN",
	"mount":         "CAP_SYS_ADMIN",
	"umount":        "CAP_SYS_ADMIN",
	"raw-socket":    "CAP_NET_RAW",
	"kill":          "CAP_KILL",
	"setuid":        "CAP_SETUID",
	"setgid":        "CAP_SETGID",
	// The kernel's records name the call itself: a daemon dropping root
	// calls setgroups() (or initgroups()) before setgid() and setuid()
	// (lab, 257: mosquitto's refused setgroups() and setuid()).
	"setgroups": "CAP_SETGID",
	"setresgid": "CAP_SETGID",
	"setregid":  "CAP_SETGID",
	"setfsgid":  "CAP_SETGID",
	"setresuid": "CAP_SETUID",
	"setreuid":  "CAP_SETUID",
	"setfsuid":  "CAP_SETUID",
	"fchown":    "CAP_CHOWN",
	"lchown":    "CAP_CHOWN",
	"fchownat":  "CAP_CHOWN",
	"mknod":     "CAP_MKNOD",
	// nice(2) raising a priority, as setpriority(2) does (lab:
	// real-nice-bounding-trixie, coreutils' "nice: cannot set niceness",
	// the program's name read as the call).
	"nice": "CAP_SYS_NICE",
	// The realtime I/O class (IOPRIO_CLASS_RT): the kernel takes
	// CAP_SYS_NICE or CAP_SYS_ADMIN, the first the narrower (lab:
	// real-ionice-bounding).
	"ioprio_set":         "CAP_SYS_NICE",
	"settimeofday":       "CAP_SYS_TIME",
	"clock_settime":      "CAP_SYS_TIME",
	"adjtimex":           "CAP_SYS_TIME",
	"chroot":             "CAP_SYS_CHROOT",
	"ptrace":             "CAP_SYS_PTRACE",
	"ioperm":             "CAP_SYS_RAWIO",
	"iopl":               "CAP_SYS_RAWIO",
	"init_module":        "CAP_SYS_MODULE",
	"finit_module":       "CAP_SYS_MODULE",
	"syslog":             "CAP_SYSLOG",
	"setpriority":        "CAP_SYS_NICE",
	"sched_setscheduler": "CAP_SYS_NICE",
	"reboot":             "CAP_SYS_BOOT",
	"net-admin":          "CAP_NET_ADMIN",
	"dac":                "CAP_DAC_OVERRIDE", // root reading/writing files it does not own
}

// OperationWords map words in a program's error message to the operation
// that failed. Syscall names found as "name:" or "name(" are recognised
// separately, from the @known syscall list.
var OperationWords = []struct {
	Pattern string // regular expression, case-insensitive, matched on word boundaries
	Op      string
}{
	{`set pid .* policy|chrt|sched_setscheduler|sched_setattr`, "sched_setscheduler"},
	// Dropping root: setgroups() needs CAP_SETGID (memcached: "failed to
	// drop supplementary groups: Operation not permitted", mosquitto:
	// "Error setting groups whilst dropping privileges: Operation not
	// permitted"; lab: tighten-memcached and tighten-mosquitto under an
	// empty CapabilityBoundingSet=).
	{`supplementary groups|setgroups|initgroups|setting groups|setting gid|setresgid|setregid`, "setgid"},
	// mosquitto: "Error setting uid whilst dropping privileges: Operation
	// not permitted" (lab, 257, under CapabilityBoundingSet=CAP_SETGID).
	{`setting uid|setresuid|setreuid`, "setuid"},
	// Calls that seccomp switches refuse, named in words without "call:"
	// ("unshare failed", Perl's "… failed: $!", Ruby's "- unshare").
	{`unshare|setns|new namespace`, "unshare"},
	{`pkey_mprotect|mprotect|executable memory`, "mprotect"},
	{`adjtimex|ntp_adjtime|clock_adjtime`, "adjtimex"},
	{`sethostname|setdomainname|set hostname|set host name`, "sethostname"},
	{`personality`, "personality"},
	{`RTNETLINK|rtnetlink`, "rtnetlink"},
	{`niceness|setpriority|renice`, "setpriority"}, // iproute2: "RTNETLINK answers: Operation not permitted"
	{`set date|settimeofday|clock_settime|set the clock`, "settimeofday"},
	{`insert|insmod|modprobe|init_module|finit_module`, "finit_module"},
	{`kernel buffer|klogctl|dmesg`, "syslog"},
	{`changing permissions|change permissions|chmod|fchmod`, "chmod"},
	{`fork|pthread_create|clone|start new thread|spawn`, "fork"},
	{`sendto|sendmsg|send`, "sendto"},
	{`listen|bind|BindException|AddrInUse|create_server`, "bind"},
	{`connect|dial|ConnectException|create_connection|ECONNREFUSED|refused`, "connect"},
	{`mkdir|create directory|create_dir|makedirs`, "mkdir"},
	{`changing ownership|change ownership|chown|lchown|fchown`, "chown"},
	{`exec|execve|posix_spawn`, "exec"},
	{`socket`, "socket"},
	{`read|reading|load|loading|cat|fopen\(.*\"r\"`, "read"},
	{`write|writing|save|saving|cannot create|could not create|create file|creating|touch|truncate|creat|writeFileSync|store`, "write"},
	{`open|openat|fopen|opening|readFileSync`, "open"},
	{`unlink|remove|rename|delete|rmdir`, "unlink"},
	{`sudo|su|pkexec|newgrp`, "setuid-helper"},
}

// TransportWords tell the transport protocol of a failed bind or send
// from the words of the message or the command line: socket APIs of the
// runtimes (a server that listens is TCP).
var TransportWords = []struct{ Word, Proto string }{
	{"udp", "udp"}, {"UdpSocket", "udp"}, {"DatagramSocket", "udp"}, {"SOCK_DGRAM", "udp"}, {"createSocket", "udp"},
	{"tcp", "tcp"}, {"listen", "tcp"}, {"ServerSocket", "tcp"}, {"create_server", "tcp"}, {"TcpListener", "tcp"},
	{"createServer", "tcp"}, {"SOCK_STREAM", "tcp"},
}

// FamilyWords name the address family a failed socket() was for when the
// message does not spell AF_*: the calls and wordings that need it
// (listing interfaces goes through AF_NETLINK in glibc, Go and Rust; sd_notify
// and the journal speak AF_UNIX). Matched case-insensitively.
var FamilyWords = []struct{ Word, Family string }{
	{"ipv6", "AF_INET6"}, {"inet6", "AF_INET6"}, {"tcp6", "AF_INET6"}, {"udp6", "AF_INET6"},
	{"netlink", "AF_NETLINK"}, {"if_nameindex", "AF_NETLINK"}, {"getifaddrs", "AF_NETLINK"},
	{"net.Interfaces", "AF_NETLINK"}, {"route ip+net", "AF_NETLINK"}, {"networkInterfaces", "AF_NETLINK"},
	{"notify", "AF_UNIX"}, {"journal socket", "AF_UNIX"}, {"unix socket", "AF_UNIX"},
}

// ImpliedFailures are runtime messages that name neither errno nor call
// but can only mean one refused call: what JIT compilers print when they
// cannot make memory executable (seen in the lab under
// MemoryDenyWriteExecute=: the JVM's line, and V8's stack frame after
// "Check failed: 12 == errno").
var ImpliedFailures = []struct{ Text, Errno, Op string }{
	{"Failed to mark memory page as executable", "EPERM", "mprotect"},
	{"SetPermissionsOnExecutableMemoryChunk", "EPERM", "mprotect"},
	{"SetPermissionsAndRecommit", "EPERM", "mprotect"},
	{"mprotect failed with EACCES", "EACCES", "mprotect"},
}

// JITAllocationTexts are out-of-memory reports of JIT runtimes that, under
// MemoryDenyWriteExecute=, mean a refused executable mapping (node 18 of
// Debian 12 in the lab: "Fatal javascript OOM in MemoryChunk allocation
// failed during deserialization", with plenty of memory free).
var JITAllocationTexts = []string{"MemoryChunk allocation failed", "CodeRange", "code space"}

// CapabilityPowers say, for a relaxation that grants a capability, what
// the service can then do beyond the failed operation (capabilities(7)).
var CapabilityPowers = map[string]string{
	"CAP_NET_BIND_SERVICE": "bind any port below 1024",
	"CAP_SYS_NICE":         "raise the priority of, and give realtime scheduling to, any process",
	"CAP_CHOWN":            "change the owner of any file",
	"CAP_FOWNER":           "change the mode of any file",
	"CAP_DAC_OVERRIDE":     "read, write and run any file whatever its permissions",
	"CAP_DAC_READ_SEARCH":  "read any file and list any directory",
	"CAP_NET_RAW":          "open raw sockets (sniff and forge packets)",
	"CAP_NET_ADMIN":        "reconfigure interfaces, routes and firewall rules",
	"CAP_SYS_TIME":         "set the system clock",
	"CAP_IPC_LOCK":         "lock any amount of memory",
	"CAP_SYS_ADMIN":        "do most of what root can",
	"CAP_KILL":             "signal any process",
	"CAP_SETUID":           "become any user",
	"CAP_SETGID":           "join any group",
	"CAP_SYS_PTRACE":       "trace and read the memory of any process",
	"CAP_SYS_MODULE":       "load kernel modules",
	"CAP_SYS_RAWIO":        "access I/O ports and raw devices",
}

// OpLimits are the resource limits that let an unprivileged process do
// what otherwise needs a capability: realtime scheduling up to
// RLIMIT_RTPRIO, a lower nice value down to RLIMIT_NICE, locked memory up
// to RLIMIT_MEMLOCK. Raising the limit is narrower than granting the
// capability. Value: the limit and the value to propose when the message
// names none.
var OpLimits = map[string]struct{ Limit, Propose, Allows string }{
	"sched_setscheduler": {"LimitRTPRIO", "99", "take realtime priorities up to that limit"},
	"sched_setattr":      {"LimitRTPRIO", "99", "take realtime priorities up to that limit"},
	"setpriority":        {"LimitNICE", "-10", "lower its nice value down to that level"}, // systemd stores RLIMIT_NICE = 20 - level
}

// ReservationTexts are allocation failures of runtimes that reserve
// address space up front (the JVM's heap and code cache, V8's cage): an
// address-space limit breaks them without their using the memory.
var ReservationTexts = []string{"Could not reserve", "Failed to reserve", "failed to reserve"}

// NoNewPrivilegesTexts are what setuid helpers print when the no_new_privs
// flag made the kernel ignore their setuid bit.
var NoNewPrivilegesTexts = []string{
	`"no new privileges" flag is set`,
	`effective uid is not 0, is .* on a file system with the 'nosuid' option set`,
	`must be setuid root`,
}

// PrivilegedHelpers are programs that get their privileges from a setuid
// bit or file capabilities, which no_new_privs makes the kernel ignore;
// their own "NAME: … Operation not permitted" then points at
// NoNewPrivileges=.
var PrivilegedHelpers = []string{"sudo", "su", "ping", "ping6", "mount", "umount", "newgrp", "passwd", "chsh", "crontab",
	"traceroute", "arping", "unix_chkpwd", "newuidmap", "newgidmap", "pkexec", "fusermount", "fusermount3", "gpasswd", "ssh-keysign"}

// Capabilities are Linux's capabilities in the kernel's numbering
// (linux/capability.h, 0 to 40 since Linux 5.9). `systemctl show` lists a
// unit's bounding set by name up to the running kernel's last capability:
// on the kernels of Debian 11 and later an untouched set names all of
// these. (On an older kernel it names fewer, and is taken as a set that
// removes some: a suspect too many, never one too few.)
var Capabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// DeviceSets are device nodes through which a program is handed other
// devices, with every DeviceAllow= entry its use then needs: allowing the
// node alone lets the first open through and refuses the next. losetup
// asks /dev/loop-control for a free loop device, then opens /dev/loopN
// to attach the image (lab: real-losetup-privatedevices).
var DeviceSets = map[string]DeviceSet{
	"/dev/loop-control": {Allow: []string{"/dev/loop-control rw", "block-loop rw"}, Driver: "loop"},
}

// DeviceSet is one entry of DeviceSets.
type DeviceSet struct {
	Allow []string // DeviceAllow= values
	// Driver is the module whose devices a "block-" or "char-" entry
	// names: systemd looks the name up in /proc/devices when the unit
	// starts, and drops it while the module is not loaded (lab, Debian
	// 13: loop loads on the first open of /dev/loop-control, and the
	// allow-list refused /dev/loop0).
	Driver string
}

// CallFamilies are the system calls a program may make for an operation
// its words name by the old call's name: util-linux's mount says "mount"
// whether it called mount(2) or, since 2.39 on a kernel that has it, the
// new mount API (lab, systemd 257 with util-linux 2.41: a drop-in allowing
// mount alone left fsopen refused, and the same message).
var CallFamilies = map[string][]string{
	"mount": {"mount", "fsopen", "fsconfig", "fsmount", "move_mount", "open_tree", "mount_setattr"},
}

// ReaderGroups are groups a distribution gives read access to a tree of
// files: a user refused one reads it as a member, which
// SupplementaryGroups= makes the service's user (Debian: the journal's
// files are the systemd-journal group's; lab: real-journalctl-user,
// verified).
var ReaderGroups = map[string]string{
	"/var/log/journal": "systemd-journal",
	"/run/log/journal": "systemd-journal",
}

// DroppingDirectives are the settings whose BPF programs drop refused
// packets without a word: a connection they block waits for the
// program's own timeout instead of failing at once.
var DroppingDirectives = []string{"IPAddressDeny", "RestrictNetworkInterfaces"}
