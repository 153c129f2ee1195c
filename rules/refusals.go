package rules

// Refusal is one row of "directive X, in force, makes operation Z fail
// with errno Y": the facts the engine needs to name X for such a failure
// without a line of code about X. One generic loop (diagnose/refusal.go)
// reads them; the same rows answer which settings in force can give an
// errno at all, when the program named no operation the model knows.
//
// What needs more than a row (a mount that depends on the path, a
// capability that depends on the user, the family a socket asked for)
// stays code in diagnose/, by mechanism.
type Refusal struct {
	Directive string
	// When lists the values that put the refusal in force: a literal
	// value, or one of the words WhenYes (a true boolean), WhenSet (any
	// value but empty and "no"), WhenFinite (set and not "infinity"),
	// WhenAlways (whatever the value), WhenAllowList (an allow-list
	// filter). Default is the value when the unit does not set it.
	When    []string
	Default string
	// Since is the first systemd release that refuses so (0: all).
	Since int
	Errno string
	// Ops are the operations refused: system calls, or the words of
	// messages that stand for them; "" matches a message that named no
	// operation; nil matches any.
	Ops []string
	// Texts, when set, must appear in the message (a runtime's own words
	// for what failed).
	Texts []string
	// Call is the system call to name; empty: the operation, or the first
	// of Ops when the message named none.
	Call string
	// Confidence is High, Medium or Low; Unnamed, when set, replaces it
	// when the message named no operation and is the service's own words.
	Confidence, Unnamed string
	// Relax says how the refusal is undone: RelaxSwitch (the directive's
	// Off, else =no), RelaxLimit (raise it), RelaxFilter (allow the call).
	Relax string
	// Reason and Confirm are shown as they are, after {value} (the
	// setting's value), {op} (the operation) and {errno} are filled in.
	Reason, Confirm string
	// ModelledBy names the mechanism of diagnose/ that explains this
	// refusal with more facts than a row holds (the family a socket asked
	// for): the generic loop leaves it to that code, and the row still
	// answers which settings can give the errno.
	ModelledBy string
	// SetIDOnly: the rule refuses a call only when it creates a file or
	// sets a mode with the setuid or setgid bit (RestrictSUIDSGID=); a
	// kernel record whose arguments show neither rules it out.
	SetIDOnly bool
}

// SetIDArgs are, for the calls a SetIDOnly row refuses, the argument (of
// the kernel's SYSCALL record: a0, a1, …) holding the open flags (-1:
// none, the call always creates) and the one holding the mode.
var SetIDArgs = map[string][2]int{
	"open": {1, 2}, "openat": {2, 3}, "creat": {-1, 1},
	"chmod": {-1, 1}, "fchmod": {-1, 1}, "fchmodat": {-1, 2}, "fchmodat2": {-1, 2},
	"mkdir": {-1, 1}, "mkdirat": {-1, 2}, "mknod": {-1, 1}, "mknodat": {-1, 2},
}

// The words of Refusal.When.
const (
	WhenYes       = "<yes>"
	WhenSet       = "<set>"
	WhenFinite    = "<finite>"
	WhenAlways    = "<always>"
	WhenAllowList = "<allow-list>"
)

// The ways a refusal is undone.
const (
	RelaxSwitch = "switch"
	RelaxLimit  = "limit"
	RelaxFilter = "filter"
)

// seccompErrno is a row of the seccomp rules the switches install: the
// kernel logs nothing for them.
func seccompErrno(directive, errno string, calls ...string) Refusal {
	return Refusal{Directive: directive, When: []string{WhenYes}, Errno: errno, Ops: calls, Confidence: "medium", Relax: RelaxSwitch,
		Reason: directive + " installs a seccomp rule that answers {op} with " + errno + "; the kernel logs nothing for it"}
}

// privateIPC is a row of PrivateIPC=: an object made outside the
// namespace is not found in it.
func privateIPC(what string, calls ...string) Refusal {
	return Refusal{Directive: "PrivateIPC", When: []string{WhenYes}, Errno: "ENOENT", Ops: calls, Confidence: "high", Relax: RelaxSwitch,
		Reason: "PrivateIPC=yes gives the service its own IPC namespace: a " + what + " created outside it does not exist in there, so {op}() fails with ENOENT"}
}

// Refusals, in the order their causes are listed.
var Refusals = []Refusal{
	// The seccomp rules of the switches (systemd's seccomp-util.c).
	seccompErrno("ProtectHostname", "EPERM", "sethostname", "setdomainname"),
	seccompErrno("ProtectClock", "EPERM", "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday", "stime"),
	seccompErrno("ProtectKernelModules", "EPERM", "init_module", "finit_module", "delete_module"),
	seccompErrno("ProtectKernelLogs", "EPERM", "syslog"),
	seccompErrno("PrivateDevices", "EPERM", "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write"),
	seccompErrno("RestrictNamespaces", "EPERM", "unshare", "setns", "clone"),
	seccompErrno("LockPersonality", "EPERM", "personality"),
	seccompErrno("RestrictRealtime", "EPERM", "sched_setscheduler", "sched_setattr"),
	seccompErrno("MemoryDenyWriteExecute", "EPERM", "mmap", "mprotect", "pkey_mprotect", "shmat"),
	func() Refusal {
		r := seccompErrno("RestrictAddressFamilies", "EAFNOSUPPORT", "socket")
		r.When, r.ModelledBy = []string{WhenSet}, "network: the family the socket asked for"
		return r
	}(),
	func() Refusal {
		r := seccompErrno("RestrictSUIDSGID", "EPERM", "chmod", "fchmod", "fchmodat", "fchmodat2", "mkdir", "mkdirat", "mknod", "mknodat", "open", "openat", "creat")
		r.SetIDOnly = true // seccomp_restrict_suid_sgid(): only S_ISUID/S_ISGID modes, open() only with O_CREAT
		return r
	}(),

	{Directive: "LimitMEMLOCK", When: []string{"0"}, Errno: "EPERM", Ops: []string{"mlock", "mlockall"}, Confidence: "high", Relax: RelaxLimit,
		Reason: "with LimitMEMLOCK=0 and no CAP_IPC_LOCK, mlock() fails with EPERM"},

	// An allow-list answers ENOSYS for calls newer than the systemd build
	// (v255 and later).
	{Directive: "SystemCallFilter", When: []string{WhenAllowList}, Since: 255, Errno: "ENOSYS", Confidence: "low", Relax: RelaxFilter,
		Reason: "an allow-list SystemCallFilter= answers ENOSYS for system calls newer than the systemd build"},

	{Directive: "PrivateUsers", When: []string{WhenYes}, Errno: "EINVAL", Ops: []string{"chown"}, Confidence: "high", Relax: RelaxSwitch,
		Reason: "in PrivateUsers= only root and the unit's own user and group are mapped: chown to any other ID fails with EINVAL"},
	// systemd writes "deny" to the namespace's /proc/self/setgroups (its
	// own test: test/units/TEST-74-AUX-UTILS…, PrivateUsersEx=yes); lab:
	// tighten-mosquitto, "Error setting groups whilst dropping
	// privileges: Operation not permitted" on the trial of PrivateUsers=.
	{Directive: "PrivateUsers", When: []string{WhenYes}, Errno: "EPERM", Ops: []string{"setgid", "setgroups"}, Confidence: "medium", Relax: RelaxSwitch,
		Reason: "in PrivateUsers= the user namespace denies setgroups() (its /proc/self/setgroups is \"deny\"), so a root service that drops its supplementary groups fails with EPERM, and IDs other than root and the unit's own are unmapped"},

	{Directive: "LimitMEMLOCK", When: []string{WhenAlways}, Errno: "ENOMEM", Ops: []string{"mlock", "mlockall", "mlock2"}, Confidence: "high", Relax: RelaxLimit,
		Reason: "locking more memory than LimitMEMLOCK= allows fails"},
	{Directive: "MemoryDenyWriteExecute", When: []string{WhenYes}, Errno: "ENOMEM", Texts: JITAllocationTexts, Call: "mmap", Confidence: "medium", Relax: RelaxSwitch,
		Reason:  "a JIT runtime could not map executable memory: MemoryDenyWriteExecute= refuses writable-and-executable mappings with EPERM, which the runtime reports as out of memory",
		Confirm: "run it once with MemoryDenyWriteExecute=no (systemd-run -p MemoryDenyWriteExecute=no …): a JIT that then starts needed it"},
	// An allocation failed: the address-space and data limits make
	// mmap()/brk() fail with ENOMEM (MemoryMax= kills instead).
	{Directive: "LimitAS", When: []string{WhenFinite}, Errno: "ENOMEM", Ops: []string{"", "mmap", "brk", "mremap", "malloc"}, Confidence: "high", Unnamed: "medium", Relax: RelaxLimit,
		Reason: "LimitAS={value} caps the process's whole address space; an allocation beyond it fails with ENOMEM, which runtimes report as out of memory"},
	{Directive: "LimitDATA", When: []string{WhenFinite}, Errno: "ENOMEM", Ops: []string{"", "mmap", "brk", "mremap", "malloc"}, Confidence: "high", Unnamed: "medium", Relax: RelaxLimit,
		Reason: "LimitDATA={value} caps the process's data segment and anonymous mappings; an allocation beyond it fails with ENOMEM, which runtimes report as out of memory"},

	{Directive: "PrivatePIDs", When: []string{WhenYes}, Errno: "ESRCH", Ops: []string{"kill", "", "tgkill", "pidfd_open"}, Confidence: "high", Relax: RelaxSwitch,
		Reason: "PrivatePIDs=yes runs the service in its own PID namespace: a host PID (read from another daemon's PID file, say) does not exist in there, so signalling it fails with ESRCH"},

	// Services get a private session keyring by default: keys of the user
	// keyring are not found through it (lab: keyringmode).
	{Directive: "KeyringMode", When: []string{"private"}, Default: "private", Errno: "ENOKEY", Ops: []string{"", "request_key", "keyctl"}, Confidence: "high", Relax: RelaxSwitch,
		Reason: "KeyringMode=private gives the service an anonymous session keyring, not linked to its user's keyring: a key kept there is not found (ENOKEY)"},

	privateIPC("shared memory segment", "shmget"),
	privateIPC("message queue", "msgget"),
	privateIPC("semaphore set", "semget"),
	privateIPC("POSIX message queue", "mq_open"),

	// RLIMIT_MSGQUEUE bounds the bytes of all POSIX message queues of the
	// user: the kernel refuses a queue beyond it with EMFILE (ipc/mqueue.c;
	// lab: limitmsgqueue).
	{Directive: "LimitMSGQUEUE", When: []string{WhenFinite}, Errno: "EMFILE", Ops: []string{"mq_open"}, Confidence: "high", Relax: RelaxLimit,
		Reason: "LimitMSGQUEUE={value} caps the bytes all POSIX message queues of the service's user may hold; creating a queue beyond it fails with EMFILE, not for want of file descriptors"},
	{Directive: "LimitNOFILE", When: []string{WhenAlways}, Errno: "EMFILE", Confidence: "medium", Relax: RelaxLimit,
		Reason: "the process hit its open-file limit"},
}
