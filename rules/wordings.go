package rules

import "strings"

// Consequence is a program's wording that names what a refused call was
// for, or what it needs, instead of the call and its errno ("you must be
// root", "missing capability CAP_NET_ADMIN", "permission denied on key
// net.core.somaxconn"). Each fills in what the line leaves out; the engine
// then judges it like any other symptom. Grown from the real programs the
// lab runs (scenarios real-*).
type Consequence struct {
	// Pattern is a regular expression; its group "key" is a sysctl key
	// (dots or slashes), its group "cap" a capability's name, its group
	// "path" the file the failure was on, its group "limit" the resource
	// (NOFILE) of a refused setrlimit().
	Pattern string
	Errno   string // the errno meant, when the line prints none
	// AnyOf: the wording stands for any of these errnos (the first is
	// shown); the model tries each.
	AnyOf []string
	Op    string // the operation meant
	// Cap is the capability meant, when the line names none (libpcap's
	// "permission to perform this capture" is CAP_NET_RAW's).
	Cap string
	// Path is the file meant when the line names none (losetup's
	// /dev/loop-control); with a "key" group, where the key leads
	// ("/proc/sys/" + the key).
	Path    string
	Program string // whose wording (documentation)
}

// Consequences in the order they are tried; the first that matches counts.
var Consequences = []Consequence{
	// procps says "permission denied" for EACCES, EPERM and EROFS alike
	// (lab: real-sysctl-tunables, EROFS under ProtectKernelTunables=).
	{Pattern: `permission denied on key ['"]?(?P<key>[A-Za-z0-9_.\-/]+)`, Errno: "EACCES", AnyOf: []string{"EACCES", "EROFS", "EPERM"}, Op: "write", Path: "/proc/sys/", Program: "sysctl (procps)"},
	// memcached cannot raise RLIMIT_NOFILE to its connection count
	// (lab: real-memcached-nofile, LimitNOFILE=64 with -c 1024): the
	// open-file limit is what stops it.
	{Pattern: `failed to set rlimit for open files`, Errno: "EMFILE", Program: "memcached"},
	// memcached -u USER as root: setgid()/setuid() refused, no errno
	// printed (lab: tighten-memcached, CapabilityBoundingSet= with
	// CAP_SETGID but not CAP_SETUID).
	{Pattern: `failed to assume identity of user`, Errno: "EPERM", Op: "setuid", Program: "memcached"},
	{Pattern: `setting key ['"](?P<key>[A-Za-z0-9_.\-/]+)['"]`, Op: "write", Path: "/proc/sys/", Program: "sysctl (procps)"},
	{Pattern: `(?:missing|lacks?|without|requires?|needs?) (?:the )?(?:required )?(?:capability|capabilities)?:? ?(?P<cap>CAP_[A-Z_]+)`, Errno: "EPERM", Program: "many"},
	{Pattern: `(?P<cap>CAP_[A-Z_]+)(?: capability)? (?:is )?(?:required|missing|needed)`, Errno: "EPERM", Program: "many"},
	// A capability the program could not raise in its own sets (lab:
	// real-setcap-bounding, libcap's setcap: "unable to set CAP_SETFCAP
	// effective capability", outside the bounding set).
	{Pattern: `(?:unable to|cannot|can't|could not|failed to) (?:set|raise|acquire|enable) (?:the )?(?P<cap>CAP_[A-Z_]+)`, Errno: "EPERM", Program: "libcap's setcap, and many"},
	// net-tools' hostname on sethostname()'s EPERM (lab:
	// real-hostname-protecthostname, root under ProtectHostname=).
	{Pattern: `must be root to change the (?:host|domain) ?name`, Errno: "EPERM", Op: "sethostname", Program: "hostname (net-tools)"},
	{Pattern: `(?i)(?:you )?must be (?:root|superuser)|must be run as root|only root can|requires? root privileges`, Errno: "EPERM", Program: "many"},
	{Pattern: `Timeout was reached`, Errno: "ETIMEDOUT", Op: "connect", Program: "libcurl, GLib"},
	// Real programs of the lab's second round (scenarios real-*).
	{Pattern: `Missing privilege separation directory: (?P<path>/\S+)`, Errno: "ENOENT", Op: "open", Program: "sshd"},
	{Pattern: `Unable to open log file (?P<path>/\S+) for writing`, Errno: "EACCES", AnyOf: []string{"EACCES", "EROFS"}, Op: "write", Program: "mosquitto"},
	// Its PID file: no path, no errno (lab: tune-mosquitto-strict; the
	// folder missing gives ENOENT, under ProtectSystem=strict EROFS).
	{Pattern: `Error: Unable to write pid file`, Errno: "EACCES", AnyOf: []string{"EACCES", "EROFS", "ENOENT"}, Op: "write", Program: "mosquitto"},
	{Pattern: `netlink: Error: cache initialization failed`, Op: "rtnetlink", Program: "nft (nftables)"},
	// BIND's isc_result "permission denied" stands for EACCES, EPERM and
	// EROFS alike, and names the configuration line, not the file.
	{Pattern: `parsing failed: permission denied`, Errno: "EACCES", AnyOf: []string{"EACCES", "EROFS", "EPERM"}, Program: "BIND 9 (named)"},
	// Real programs of the lab's third round (scenarios real-*), blind.
	// shadow's tools lock a database with files made in its folder
	// (/etc/passwd.lock, then /etc/passwd+ renamed over it) and say only
	// that they cannot (lab: real-useradd-etc, EROFS under
	// ProtectSystem=full): the folder is what must be writable.
	{Pattern: `cannot lock (?P<path>/(?:[^\s;/]+/)*)[^\s;/]+`, Errno: "EROFS", AnyOf: []string{"EROFS", "EACCES"}, Op: "write", Program: "shadow (useradd, groupadd, usermod, passwd)"},
	// SQLite's SQLITE_READONLY (8): the database, or its folder for the
	// journal beside it, could not be opened for writing; no path, no errno
	// (lab: real-sqlite-readonly, under ReadOnlyPaths=).
	{Pattern: `attempt to write a readonly database`, Errno: "EROFS", AnyOf: []string{"EROFS", "EACCES"}, Op: "write", Program: "SQLite (sqlite3, and programs linking it)"},
	// libpcap opening a packet socket (lab: real-tcpdump-bounding, root
	// without CAP_NET_RAW in its bounding set).
	{Pattern: `You don't have permission to (?:perform this )?capture on that device`, Errno: "EPERM", Cap: "CAP_NET_RAW", Program: "libpcap (tcpdump, …)"},
	// The fourth round (real-4), blind. The RTC driver answers
	// RTC_SET_TIME without CAP_SYS_TIME with EACCES (lab:
	// real-hwclock-protectclock, ProtectClock=yes).
	{Pattern: `RTC_SET_TIME`, Errno: "EACCES", Cap: "CAP_SYS_TIME", Program: "hwclock (util-linux)"},
	// setgroups() refused (lab: real-su-setgroups, a bounding set without
	// CAP_SETGID).
	{Pattern: `cannot set groups`, Errno: "EPERM", Op: "setgroups", Program: "su, runuser, login (util-linux)"},
	// The same tools' setuid() and setgid() (lab: real-runuser-bounding,
	// a bounding set without CAP_SETUID).
	{Pattern: `cannot set user id`, Errno: "EPERM", Op: "setuid", Program: "su, runuser, login (util-linux)"},
	{Pattern: `cannot set group id`, Errno: "EPERM", Op: "setgid", Program: "su, runuser, login (util-linux)"},
	// libisc's "UDP setup with ADDRESS#PORT(…) for NAME failed: …" is a
	// connect() (lab: real-dig-noroute, ENETUNREACH without a route, the
	// same with IPAddressDeny= relaxed).
	{Pattern: `(?:UDP|TCP) setup with \S+ for \S+ failed`, Op: "connect", Program: "BIND 9's dig, host, nslookup (libisc)"},
	// Its query unanswered: a timeout, as a dropped packet gives (lab:
	// real-dig-ipdeny, an address of the host outside IPAddressAllow=).
	{Pattern: `communications error to \S+: timed out`, Errno: "ETIMEDOUT", Op: "connect", Program: "BIND 9's dig, host, nslookup (libisc)"},
	{Pattern: `communications error to \S+: `, Op: "connect", Program: "BIND 9's dig, host, nslookup (libisc)"},
	// A raise of a resource limit refused (lab: real-prlimit-nofile,
	// above LimitNOFILE='s hard limit without CAP_SYS_RESOURCE); the
	// group "limit" names the resource, as RLIMIT_ does.
	{Pattern: `failed to set the (?P<limit>[A-Z]+) resource limit`, Op: "setrlimit", Program: "prlimit (util-linux)"},
	// journalctl as a user outside the journal's readers (lab:
	// real-journalctl-user, User=nobody): no path, no errno.
	{Pattern: `No journal files were opened due to insufficient permissions`, Errno: "EACCES", Op: "read", Path: "/var/log/journal", Program: "journalctl (systemd)"},
	// The sixth round (real-6), blind. chattr's FS_IOC_SETFLAGS: root
	// keeping CAP_FOWNER is refused the immutable and append-only flags
	// without CAP_LINUX_IMMUTABLE (lab: real-chattr-bounding).
	{Pattern: `Operation not permitted while setting flags on (?P<path>/\S+)`, Cap: "CAP_LINUX_IMMUTABLE", Program: "chattr (e2fsprogs)"},
	// losetup finds a free loop device through /dev/loop-control, which a
	// private /dev lacks and a device policy may refuse; no errno printed
	// (lab: real-losetup-privatedevices, PrivateDevices=yes).
	{Pattern: `cannot find an unused loop device`, Errno: "ENOENT", AnyOf: []string{"ENOENT", "EACCES", "EPERM"}, Op: "open", Path: "/dev/loop-control", Program: "losetup (util-linux)"},
}

// RefusalHints are words with which programs say that something could
// not be done without saying why (no errno, no wording above): where such
// a line, or the command line, names a path a sandbox setting changes,
// that setting is not ruled out, and the verdict is "unknown" with the
// experiment that decides, never "not the sandbox". Lower case.
var RefusalHints = []string{
	"permission", "denied", "not permitted", "read-only", "readonly", "read only", "not writable",
	"cannot open", "can't open", "could not open", "couldn't open", "unable to open", "failed to open",
	"cannot create", "can't create", "could not create", "couldn't create", "unable to create", "failed to create",
	"cannot write", "can't write", "could not write", "couldn't write", "unable to write", "failed to write",
	"cannot lock", "can't lock", "could not lock", "unable to lock", "failed to lock",
	"cannot access", "can't access", "could not access", "unable to access", "failed to access",
	"while writing", "while opening", "while creating",
}

// HintsRefusal: the line says with RefusalHints that something could not
// be done.
func HintsRefusal(line string) bool { return saysAny(line, RefusalHints) }

// saysAny: the line holds one of hints (lower case), whatever its case.
func saysAny(line string, hints []string) bool {
	lower := strings.ToLower(line)
	for _, h := range hints {
		if strings.Contains(lower, h) {
			return true
		}
	}
	return false
}

// NetworkFailureHints are words with which programs say a peer could not
// be reached, without an errno: where such a line names an address the
// unit's IP filter denies, IPAddressDeny= is not ruled out. Lower case.
var NetworkFailureHints = []string{"timed out", "timeout", "unreachable", "no route", "no response", "could not be reached", "communications error"}

// HintsNetworkFailure: the line says with NetworkFailureHints that a peer
// could not be reached.
func HintsNetworkFailure(line string) bool { return saysAny(line, NetworkFailureHints) }

// DeviceFailureHints are words with which programs say a device could not
// be found or used, without an errno (losetup's "cannot find an unused
// loop device"): where the unit hides or refuses devices, PrivateDevices=
// or DevicePolicy= is not ruled out. Lower case; the line must say
// "device" too.
var DeviceFailureHints = []string{"cannot find", "can't find", "could not find", "couldn't find", "unable to find", "failed to find",
	"not found", "no such device", "no free", "no unused", "no available"}

// HintsDeviceFailure: the line says that a device could not be found
// (DeviceFailureHints) or used (RefusalHints).
func HintsDeviceFailure(line string) bool {
	return SpeaksOfDevice(line) && (saysAny(line, DeviceFailureHints) || HintsRefusal(line))
}

// SpeaksOfDevice: the line is about a device; with an errno, that is
// enough to keep the settings that hide devices from being ruled out.
func SpeaksOfDevice(line string) bool { return saysAny(line, []string{"device"}) }
