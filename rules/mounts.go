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

// MergedUsrAliases are the links of a merged-/usr system (every Debian
// since 12): /lib is /usr/lib. A path no mount rule covers is judged by
// the one it names there (lab: real-depmod-protectsystem, depmod's
// "openat(/lib/modules/…): Read-only file system" under ProtectSystem=yes,
// which protects /usr). On a system without them, such a path is not
// under /usr's rules, and no refusal of it is blamed on them anyway.
var MergedUsrAliases = map[string]string{"/lib": "/usr/lib", "/lib64": "/usr/lib64", "/bin": "/usr/bin", "/sbin": "/usr/sbin"}

// DevicesKeptByPolicy are the nodes DevicePolicy=closed always allows.
var DevicesKeptByPolicy = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/pts"}
