package diagnose

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// causeKind says how a cause blocks the operation; relaxations are
// generated per kind.
type causeKind string

const (
	causeMount      causeKind = "mount"       // a mount rule hides or protects the path
	causeSetupPath  causeKind = "setup-path"  // a path setting names a path that cannot be mounted
	causeSetup      causeKind = "setup"       // systemd could not apply a setting
	causeCapability causeKind = "capability"  // the process lacks a capability
	causeFilter     causeKind = "filter"      // SystemCallFilter= refuses a syscall
	causeErrnoRule  causeKind = "errno-rule"  // another seccomp-based directive refuses a syscall
	causeNNP        causeKind = "nnp"         // no_new_privs stops a setuid helper
	causeNetwork    causeKind = "network"     // PrivateNetwork=
	causeFamily     causeKind = "family"      // RestrictAddressFamilies=
	causeMemory     causeKind = "memory"      // MemoryMax=
	causeLimit      causeKind = "limit"       // TasksMax=, LimitNOFILE=, … (numbers)
	causeArch       causeKind = "arch"        // SystemCallArchitectures=
	causeDevice     causeKind = "device"      // DevicePolicy=/DeviceAllow=
	causeIP         causeKind = "ip"          // IPAddressDeny=
	causeSocketBind causeKind = "socket-bind" // SocketBindDeny=
	causeInterface  causeKind = "interface"   // RestrictNetworkInterfaces=
	causeFileSystem causeKind = "filesystem"  // RestrictFileSystems=
	causeIPC        causeKind = "ipc"         // PrivateIPC=
	causeKeyring    causeKind = "keyring"     // KeyringMode=
	causeNotify     causeKind = "notify"      // NotifyAccess=
)

// cause is one way the sandbox explains a symptom.
type cause struct {
	kind       causeKind
	directive  string
	setting    string
	confidence Confidence
	reason     string
	rule       *mountRule
	path       string
	capability string
	syscall    string
	confirm    string
	// residual marks an explanation of a contradiction in the evidence
	// (the kernel refused what the configuration allows): it does not
	// hold under the configuration itself, so a relaxation is judged
	// without it.
	residual bool
	// fallback marks a hypothesis offered only because nothing else
	// explains the symptom: it does not stand in the way of verifying a
	// relaxation of a more direct cause.
	fallback bool
}

// explain evaluates a symptom against the sandbox and returns every cause
// that can account for it, most likely first. An empty answer means the
// sandbox does not explain the symptom.
func explain(sym *Symptom, sb *Sandbox) []cause {
	switch sym.Kind {
	case KindSetup:
		return explainSetup(sym, sb)
	case KindSeccompKill:
		return explainSeccompKill(sym, sb)
	case KindNNP:
		if sb.NNP {
			return []cause{{kind: causeNNP, directive: directiveOf(sb.NNPWhy), setting: sb.NNPWhy, confidence: High,
				reason: "with no_new_privs set the kernel ignores the setuid bit of sudo-like helpers, so they cannot become root; rather than elevating from inside the service, grant it the one capability the privileged command needs (AmbientCapabilities=) or run that command as ExecStartPre=+"}}
		}
		return nil
	case KindOOM:
		if v := sb.Props["MemoryMax"]; v != "" && v != "infinity" {
			return []cause{{kind: causeMemory, directive: "MemoryMax", setting: "MemoryMax=" + v, confidence: High,
				reason: "the kernel killed the service for exceeding its cgroup memory limit"}}
		}
		return nil
	case KindErrno:
		return preferCertain(explainErrno(sym, sb))
	case KindSignal:
		var out []cause
		for _, d := range rules.SignalLimits[sym.Signal] {
			if v := sb.Props[d]; v != "" && v != "infinity" {
				conf := High
				reason := fmt.Sprintf("%s=%s: the kernel sends this signal when the process exceeds it", d, v)
				switch {
				case sym.Signal == 9:
					conf = Medium // SIGKILL has other senders
				case sym.Signal == 11 && sym.Op == "stack-overflow":
					reason = fmt.Sprintf("%s=%s: the kernel's segfault line puts the faulting address at the stack pointer, the mark of a stack that could not grow", d, v)
				case sym.Signal == 11:
					conf = Medium // most segfaults are bugs
					reason = fmt.Sprintf("%s=%s: a stack that outgrows the limit ends in SIGSEGV; so do bugs, and nothing here places the fault on the stack", d, v)
				}
				out = append(out, cause{kind: causeLimit, directive: d, setting: d + "=" + v, confidence: conf, reason: reason})
			}
		}
		return out
	case KindNotify:
		na := orDefault(sb.Props["NotifyAccess"], "main")
		if na == "all" {
			return nil // every process of the unit may notify
		}
		return []cause{{kind: causeNotify, directive: "NotifyAccess", setting: "NotifyAccess=" + na, confidence: High,
			reason: fmt.Sprintf("with NotifyAccess=%s, PID 1 drops readiness notifications from any other process of the unit (a worker, a wrapper script's child): it never hears READY=1 and the start times out", na)}}
	case KindTimeout:
		if sb.Props["Type"] == "notify" || sb.Props["Type"] == "notify-reload" {
			if !sb.FamilyAllowed("AF_UNIX") {
				return []cause{{kind: causeFamily, directive: "RestrictAddressFamilies", setting: "RestrictAddressFamilies=" + sb.Props["RestrictAddressFamilies"], confidence: Medium,
					reason: "a Type=notify service reports readiness over an AF_UNIX socket, which RestrictAddressFamilies= refuses; systemd never hears it and times out"}}
			}
			switch na := orDefault(sb.Props["NotifyAccess"], "main"); na {
			case "none":
				return []cause{{kind: causeNotify, directive: "NotifyAccess", setting: "NotifyAccess=none", confidence: Medium,
					reason: "NotifyAccess=none makes systemd drop the readiness notification"}}
			case "main", "exec":
				// systemd 257 logs the refusal only at debug level (lab:
				// notifyaccess-child-trixie): the timeout is all there is.
				return []cause{{kind: causeNotify, directive: "NotifyAccess", setting: "NotifyAccess=" + na, confidence: Medium, fallback: true,
					reason:  fmt.Sprintf("a Type=notify start timed out; with NotifyAccess=%s, PID 1 drops readiness sent by any other process of the unit (a worker, a wrapper script's child). If the program never sends READY=1 at all, Type= is what is wrong instead", na),
					confirm: "run it once with NotifyAccess=all; or `systemctl log-level debug`, reproduce, and look for \"Got notification message from PID\" in the journal"}}
			}
		}
		return nil
	}
	return nil
}

func directiveOf(setting string) string {
	d, _, _ := strings.Cut(setting, "=")
	return d
}

func explainSetup(sym *Symptom, sb *Sandbox) []cause {
	sm := sym.Setup
	if sm == nil {
		return nil
	}
	if sm.Step == "STDIN" {
		// The standard streams are /dev/null unless set otherwise: a device
		// policy that does not keep it stops the unit before exec.
		if ok, by := sb.DeviceAllowed("/dev/null"); !ok && (sym.Errno == "EPERM" || sym.Errno == "") {
			return []cause{{kind: causeDevice, directive: directiveOf(by), setting: by, confidence: High, path: "/dev/null",
				reason: by + " does not allow /dev/null, which systemd opens as the service's standard input and output, so the program never starts (208)"}}
		}
		return nil
	}
	if sm.Executable {
		// The program itself: judged as an exec() of its path; a missing
		// or non-executable program the mounts do not explain is the
		// host's, not the sandbox's.
		if sym.Path == "" {
			return nil
		}
		x := *sym
		x.Kind, x.AsRoot = KindErrno, true // the executor looks it up as root
		return explainErrno(&x, sb)
	}
	if sm.PathList {
		if sym.Path == "" {
			return []cause{{kind: causeSetup, directive: "ProtectSystem", setting: "mount namespace", confidence: Low,
				reason: "systemd could not build the unit's mount namespace and did not name the path"}}
		}
		for _, l := range rules.PathListDirectives {
			for _, entry := range splitList(sb.Props[l.Directive]) {
				p, _ := listEntryPath(l.Directive, entry, l.Effect)
				src := strings.TrimLeft(strings.SplitN(entry, ":", 2)[0], "-+")
				if (p == sym.Path || path.Clean(src) == sym.Path) && !strings.HasPrefix(entry, "-") {
					why := fmt.Sprintf("%s lists %s, which systemd could not mount: %s", l.Directive, sym.Path, sym.Errno)
					if sym.Errno == "ENOENT" {
						why = fmt.Sprintf("%s lists %s, which does not exist, so systemd cannot set up the mount namespace and the service never runs", l.Directive, sym.Path)
					}
					return []cause{{kind: causeSetupPath, directive: l.Directive, setting: l.Directive + "=" + entry, confidence: High,
						reason: why, path: sym.Path}}
				}
			}
		}
		return []cause{{kind: causeSetup, directive: "ReadWritePaths", setting: "mount namespace", confidence: Low, path: sym.Path,
			reason: fmt.Sprintf("systemd could not mount %s (%s), but no path setting of the unit names it", sym.Path, sym.Errno)}}
	}
	dir := sm.Directives[0]
	if sm.ExecDirRoot {
		for _, d := range rules.ExecDirectories {
			if d.Root == sym.Path {
				dir = d.Directive
			}
		}
	}
	setting := dir + "=" + sb.Props[dir]
	reason := fmt.Sprintf("systemd could not apply %s before starting the program (%s)", dir, sym.Errno)
	switch dir {
	case "User":
		reason = fmt.Sprintf("the account User=%s does not exist, so systemd cannot switch to it and the program never runs", sb.Props["User"])
	case "Group":
		reason = fmt.Sprintf("the group Group=%s does not exist, so systemd cannot switch to it and the program never runs", sb.Props["Group"])
	case "SupplementaryGroups":
		reason = fmt.Sprintf("a group of SupplementaryGroups=%s does not exist, so systemd cannot set the groups and the program never runs", sb.Props["SupplementaryGroups"])
	case "StateDirectory", "CacheDirectory", "LogsDirectory", "RuntimeDirectory", "ConfigurationDirectory":
		if sym.Errno == "ENOTDIR" || sym.Errno == "EEXIST" {
			var paths []string
			for _, name := range strings.Fields(sb.Props[dir]) {
				name, _, _ = strings.Cut(name, ":")
				paths = append(paths, path.Join(sym.Path, name))
			}
			reason = fmt.Sprintf("%s: systemd creates %s, but something that is not a directory is in the way there (%s); move it aside and systemd creates the directory — this is the host's state, not a setting to relax",
				setting, strings.Join(paths, " "), sym.Errno)
		}
	case "AmbientCapabilities":
		var missing []string
		for c := range sb.Ambient {
			if !sb.InBounding(c) {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			reason = "AmbientCapabilities= asks for " + strings.Join(missing, " ") + ", which CapabilityBoundingSet= does not allow"
		}
	}
	return []cause{{kind: causeSetup, directive: dir, setting: setting, confidence: High, reason: reason}}
}

func explainSeccompKill(sym *Symptom, sb *Sandbox) []cause {
	if sym.Syscall == "" {
		c := cause{kind: causeFilter, directive: "SystemCallFilter", setting: filterSetting(sb), confidence: Medium,
			reason:  "the process died of SIGSYS, which a seccomp filter sends for a refused system call; no audit record names the call",
			confirm: "read the kernel's SECCOMP record: `ausearch -m SECCOMP -ts recent -i` (needs auditd, or journald's audit socket)"}
		if sb.Filter == nil {
			if sb.Props["SystemCallArchitectures"] != "" {
				c.directive, c.setting = "SystemCallArchitectures", "SystemCallArchitectures="+sb.Props["SystemCallArchitectures"]
				return []cause{c}
			}
			c.confidence = Low
		}
		return []cause{c}
	}
	if sym.Code == "0x0" && sb.Props["SystemCallArchitectures"] != "" && !sb.Filter.Denies(sym.Syscall) && !archAllowed(sb, sym.Arch) {
		return []cause{{kind: causeArch, directive: "SystemCallArchitectures", setting: "SystemCallArchitectures=" + sb.Props["SystemCallArchitectures"],
			confidence: High, syscall: sym.Syscall,
			reason: fmt.Sprintf("%s was called through the %s ABI, which SystemCallArchitectures= does not allow", sym.Syscall, sym.Arch)}}
	}
	conf := High
	reason := fmt.Sprintf("the kernel killed the process for calling %s, which SystemCallFilter= does not allow", sym.Syscall)
	residual := false
	if sb.Filter == nil || !sb.Filter.Denies(sym.Syscall) {
		conf, residual = Medium, true
		reason = fmt.Sprintf("the kernel killed the process for calling %s; the filter systemd reports seems to allow it, so the running filter differed (changed since, or a distribution backport)", sym.Syscall)
	}
	if strings.HasPrefix(sym.Syscall, "unknown(") {
		reason = fmt.Sprintf("the kernel killed the process for a system call harden cannot name (%s on %s)", sym.Syscall, sym.Arch)
	}
	return []cause{{kind: causeFilter, directive: "SystemCallFilter", setting: filterSetting(sb), confidence: conf, syscall: sym.Syscall, reason: reason, residual: residual}}
}

func filterSetting(sb *Sandbox) string {
	if sb.Filter == nil {
		return "SystemCallFilter="
	}
	n := len(sb.Filter.Names)
	if sb.Filter.Allow {
		return fmt.Sprintf("SystemCallFilter= (allow-list of %d calls)", n)
	}
	return fmt.Sprintf("SystemCallFilter=~ (deny-list of %d calls)", n)
}

func explainErrno(sym *Symptom, sb *Sandbox) []cause {
	var out []cause
	if sym.Path != "" {
		out = append(out, explainPath(sym, sb)...)
		if len(out) > 0 {
			return out
		}
	}
	op := sym.Op
	switch sym.Errno {
	case "EACCES", "EPERM":
		if fs := FileSystemOf(sym.Path); sym.Errno == "EPERM" && fs != "" && !sb.FileSystemAllowed(fs) {
			out = append(out, cause{kind: causeFileSystem, directive: "RestrictFileSystems", setting: "RestrictFileSystems=" + sb.Props["RestrictFileSystems"], confidence: High, path: fs,
				reason:  fmt.Sprintf("%s is on %s, a file system type RestrictFileSystems= does not allow: systemd's BPF LSM program refuses to open it with EPERM, and the kernel logs nothing", sym.Path, fs),
				confirm: "systemd-analyze filesystems lists the types and groups the setting takes"})
		}
		if (op == "bind" || op == "" && sym.PortGuessed) && sym.Port > 0 && !sb.BindAllowed(bindProto(sym, sb), sym.Port) {
			c := cause{kind: causeSocketBind, directive: "SocketBindDeny", setting: "SocketBindDeny=" + sb.Props["SocketBindDeny"], confidence: High,
				reason:  fmt.Sprintf("port %d matches SocketBindDeny= and no SocketBindAllow= entry: systemd's cgroup BPF program makes bind() fail with EPERM, and the kernel logs nothing", sym.Port),
				confirm: "strace -f -e trace=bind on the program shows the refused bind()"}
			if sym.PortGuessed {
				c.confidence = Medium
				c.reason += fmt.Sprintf(" (the message names no port; %d is the one the command line names", sym.Port)
				if op == "" {
					c.reason += ", and no operation either"
				}
				c.reason += ")"
			}
			out = append(out, c)
		}
		if sym.Errno == "EPERM" && isSendOp(op) && sym.Path == "" && strings.TrimSpace(sb.Props["RestrictNetworkInterfaces"]) != "" && !sb.NoBPF {
			switch {
			case sym.Addr != "" && isLoopback(sym.Addr) && !sb.InterfaceAllowed("lo"):
				out = append(out, interfaceCause(sb, High, "lo", fmt.Sprintf("traffic to %s goes through the loopback interface lo, which RestrictNetworkInterfaces= does not allow: systemd's BPF program drops the packets and sendmsg()/connect() report EPERM", sym.Addr)))
			case sym.Addr == "" || !isLoopback(sym.Addr):
				c := interfaceCause(sb, Medium, "", "RestrictNetworkInterfaces= limits the interfaces the service may use, and dropped packets give EPERM; which interface the route to "+orDefault(sym.Addr, "the peer")+" takes is not in the evidence")
				c.confirm = "ip route get " + orDefault(sym.Addr, "ADDRESS") + " names the interface; compare it with the setting"
				out = append(out, c)
			}
		}
		if (op == "bind" && (sym.Port == 0 || sym.Port < 1024)) || (op == "" && sym.PortGuessed && sym.Port < 1024) {
			if c, ok := needCap(sb, "CAP_NET_BIND_SERVICE", sym); ok {
				switch {
				case sym.Port == 0:
					c.confidence = Medium
					c.reason += " (the message names no port; a port below 1024 is assumed)"
				case sym.PortGuessed && op == "bind":
					c.confidence = Medium
					c.reason += fmt.Sprintf(" (the message names no port; the command line names port %d)", sym.Port)
				case sym.PortGuessed:
					c.confidence = Medium
					c.reason += fmt.Sprintf(" (the message names no operation and no port; the command line names port %d)", sym.Port)
				}
				out = append(out, c)
			}
		}
		if c, ok := explainSyscallDenial(sym, sb); ok {
			out = append(out, c...)
		}
		if sym.Errno == "EACCES" && sym.Path != "" && sb.Root && isYes(sb.Props["PrivateUsers"]) && FileSystemOf(sym.Path) == "" {
			// Root's capabilities hold only inside the user namespace: a
			// file of an unmapped owner is as closed to it as to anyone
			// (lab: blind10-python-privateusers-dac).
			out = append(out, cause{kind: causeErrnoRule, directive: "PrivateUsers", setting: "PrivateUsers=" + sb.Props["PrivateUsers"], confidence: Medium, syscall: "open",
				reason:  "with PrivateUsers= root's capabilities (CAP_DAC_OVERRIDE among them) apply only to users mapped into the service's namespace — root and the unit's own user; a file owned by anyone else is checked against its mode bits alone",
				confirm: "stat -c '%u:%g %a' " + sym.Path + " shows an owner other than root, and mode bits that refuse others"})
		}
		if l, ok := rules.OpLimits[op]; ok && !sb.Root && !sb.HasCap(rules.OpCapability[op]) && !(l.Limit == "LimitRTPRIO" && isYes(sb.Props["RestrictRealtime"])) {
			v := orDefault(sb.Props[l.Limit], "0")
			out = append(out, cause{kind: causeLimit, directive: l.Limit, setting: l.Limit + "=" + v, confidence: High, syscall: op,
				reason: fmt.Sprintf("an unprivileged process may call %s only within %s (%s here) or with %s; raising the limit is the narrower grant", op, l.Limit, v, rules.OpCapability[op])})
		}
		if capName, ok := strings.CutPrefix(op, "cap:"); ok {
			// The program named the capability it lacks.
			if c, ok := needCap(sb, capName, sym); ok {
				out = append(out, c)
			}
		}
		if capName, ok := rules.OpCapability[op]; ok && op != "bind" {
			if c, ok := needCap(sb, capName, sym); ok {
				out = append(out, c)
			}
		}
		if (op == "mlock" || op == "mlockall") && sb.Props["LimitMEMLOCK"] == "0" {
			out = append(out, limitCause(sb, "LimitMEMLOCK", "with LimitMEMLOCK=0 and no CAP_IPC_LOCK, mlock() fails with EPERM"))
		}
		if sb.NNP && helperLine(sym.Text) {
			out = append(out, cause{kind: causeNNP, directive: directiveOf(sb.NNPWhy), setting: sb.NNPWhy, confidence: Medium,
				reason: "the failing program gets its privileges from a setuid bit or file capabilities, which the kernel ignores under no_new_privs"})
		}
		if sym.Errno == "EPERM" && (op == "sendto" || op == "connect" || op == "send") && sb.AddressDenied(sym.Addr) {
			out = append(out, cause{kind: causeIP, directive: "IPAddressDeny", setting: "IPAddressDeny=" + sb.Props["IPAddressDeny"], confidence: High,
				reason: fmt.Sprintf("IPAddressDeny= makes the kernel drop outgoing packets to %s, and sendmsg()/connect() report EPERM", orDefault(sym.Addr, "that address"))})
		}
		if len(out) == 0 && op == "" && sym.Path == "" {
			// A bare "permission denied": only configuration contradictions
			// can be named, and only as a likelihood.
			for c := range sb.Ambient {
				if !sb.InBounding(c) {
					out = append(out, cause{kind: causeCapability, directive: "CapabilityBoundingSet", setting: boundingSetting(sb),
						confidence: Medium, capability: c,
						reason: fmt.Sprintf("AmbientCapabilities= grants %s, but CapabilityBoundingSet= does not allow it, so the service runs without it; the failed operation is not named, but an EACCES/EPERM is what a missing %s gives", c, c)})
				}
			}
		}
	case "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "EAI_AGAIN", "EAI_NONAME", "ENETDOWN":
		if isYes(sb.Props["PrivateNetwork"]) {
			c := cause{kind: causeNetwork, directive: "PrivateNetwork", setting: "PrivateNetwork=yes", confidence: High}
			switch {
			case sym.Errno == "ECONNREFUSED" && (sym.Addr == "" || isLoopback(sym.Addr)):
				c.reason = "PrivateNetwork=yes gives the service its own loopback device: nothing listens on the host's 127.0.0.1 services in there"
				if sym.Addr == "" {
					c.confidence = Medium
				}
			case sym.Errno == "ECONNREFUSED":
				c.confidence = Low
				c.reason = "PrivateNetwork=yes leaves only a loopback device; a refused connection to another address is unusual for it"
			default:
				c.reason = "PrivateNetwork=yes leaves the service only a loopback device: no route and no name resolution"
			}
			out = append(out, c)
		}
	case "EAFNOSUPPORT":
		if v := sb.Props["RestrictAddressFamilies"]; v != "" && (sym.Family == "" || !sb.FamilyAllowed(sym.Family)) {
			c := cause{kind: causeFamily, directive: "RestrictAddressFamilies", setting: "RestrictAddressFamilies=" + v, confidence: High,
				reason:  fmt.Sprintf("socket() of %s, outside RestrictAddressFamilies=, fails with EAFNOSUPPORT; the kernel logs nothing for it", orDefault(sym.Family, "an address family")),
				confirm: "strace -f -e trace=socket on the program shows which family it asks for"}
			if sym.Family == "" {
				c.confidence = Medium
			}
			out = append(out, c)
		}
	case "EAGAIN":
		if sym.Op == "fork" {
			// The kernel's pids-controller line names TasksMax=; without
			// it, the smaller of the two limits is the likelier one.
			tasks, nproc := sb.Props["TasksMax"], sb.Props["LimitNPROC"]
			tasksSet := tasks != "" && tasks != "infinity"
			nprocSet := nproc != "" && nproc != "infinity" && !sb.Root
			if tasksSet {
				c := cause{kind: causeLimit, directive: "TasksMax", setting: "TasksMax=" + tasks, confidence: Medium,
					reason: fmt.Sprintf("the unit may hold at most %s tasks (processes and threads); one more fork or thread fails with EAGAIN", tasks)}
				switch {
				case sym.Trusted():
					c.confidence = High
					c.reason += "; the kernel's pids controller says it refused one"
				case nprocSet && limitValue(nproc) < limitValue(tasks):
					c.confidence = Low
				}
				out = append(out, c)
			}
			if nprocSet && !sym.Trusted() {
				c := cause{kind: causeLimit, directive: "LimitNPROC", setting: "LimitNPROC=" + nproc, confidence: Low,
					reason: fmt.Sprintf("RLIMIT_NPROC=%s counts every process and thread of the user, inside the unit or not; one more fails with EAGAIN", nproc)}
				if !tasksSet || limitValue(nproc) < limitValue(tasks) {
					c.confidence = Medium
				}
				out = append(out, c)
			}
		}
	case "ETIMEDOUT":
		if sym.Addr != "" && isLoopback(sym.Addr) && strings.TrimSpace(sb.Props["RestrictNetworkInterfaces"]) != "" && !sb.InterfaceAllowed("lo") {
			out = append(out, interfaceCause(sb, High, "lo", fmt.Sprintf("traffic to %s goes through the loopback interface lo, which RestrictNetworkInterfaces= does not allow: systemd's BPF program drops the packets silently, so a TCP connect waits until it times out", sym.Addr)))
		}
		if sb.AddressDenied(sym.Addr) {
			out = append(out, cause{kind: causeIP, directive: "IPAddressDeny", setting: "IPAddressDeny=" + sb.Props["IPAddressDeny"], confidence: Medium,
				reason: "IPAddressDeny= drops the packets silently, so a TCP connect waits until it times out"})
		}
	case "ENOSYS":
		if sb.Filter != nil && sb.Filter.Allow && sb.Version >= 255 {
			out = append(out, cause{kind: causeFilter, directive: "SystemCallFilter", setting: filterSetting(sb), confidence: Low, syscall: op,
				reason: "an allow-list SystemCallFilter= answers ENOSYS for system calls newer than the systemd build"})
		}
	case "EINVAL":
		if op == "chown" && isYes(sb.Props["PrivateUsers"]) {
			out = append(out, cause{kind: causeErrnoRule, directive: "PrivateUsers", setting: "PrivateUsers=" + sb.Props["PrivateUsers"], confidence: High, syscall: "chown",
				reason: "in PrivateUsers= only root and the unit's own user and group are mapped: chown to any other ID fails with EINVAL"})
		}
	case "ENOMEM":
		if op == "mlock" || op == "mlockall" || op == "mlock2" {
			out = append(out, limitCause(sb, "LimitMEMLOCK", "locking more memory than LimitMEMLOCK= allows fails"))
			break
		}
		if isYes(sb.Props["MemoryDenyWriteExecute"]) && containsAny(sym.Text, rules.JITAllocationTexts) {
			out = append(out, cause{kind: causeErrnoRule, directive: "MemoryDenyWriteExecute", setting: "MemoryDenyWriteExecute=" + sb.Props["MemoryDenyWriteExecute"], confidence: Medium, syscall: "mmap",
				reason:  "a JIT runtime could not map executable memory: MemoryDenyWriteExecute= refuses writable-and-executable mappings with EPERM, which the runtime reports as out of memory",
				confirm: "run it once with MemoryDenyWriteExecute=no (systemd-run -p MemoryDenyWriteExecute=no …): a JIT that then starts needed it"})
		}
		if op == "" || op == "mmap" || op == "brk" || op == "mremap" || op == "malloc" {
			// An allocation failed: the address-space and data limits make
			// mmap()/brk() fail with ENOMEM (MemoryMax= kills instead).
			for _, l := range []struct{ d, what string }{{"LimitAS", "the process's whole address space"}, {"LimitDATA", "the process's data segment and anonymous mappings"}} {
				if v := sb.Props[l.d]; v != "" && v != "infinity" {
					c := limitCause(sb, l.d, fmt.Sprintf("%s=%s caps %s; an allocation beyond it fails with ENOMEM, which runtimes report as out of memory", l.d, v, l.what))
					if op == "" && !sym.Trusted() {
						c.confidence = Medium // the program's own words, no syscall named
					}
					out = append(out, c)
				}
			}
		}
	case "ESRCH":
		if isYes(sb.Props["PrivatePIDs"]) && (op == "kill" || op == "" || op == "tgkill" || op == "pidfd_open") {
			out = append(out, cause{kind: causeIPC, directive: "PrivatePIDs", setting: "PrivatePIDs=" + sb.Props["PrivatePIDs"], confidence: High, syscall: orDefault(op, "kill"),
				reason: "PrivatePIDs=yes runs the service in its own PID namespace: a host PID (read from another daemon's PID file, say) does not exist in there, so signalling it fails with ESRCH"})
		}
	case "ENOKEY":
		// Services get a private session keyring by default: keys of the
		// user keyring are not found through it (lab: keyringmode).
		if km := orDefault(sb.Props["KeyringMode"], "private"); km == "private" && (op == "" || op == "request_key" || op == "keyctl") {
			out = append(out, cause{kind: causeKeyring, directive: "KeyringMode", setting: "KeyringMode=" + km, confidence: High,
				reason: "KeyringMode=private gives the service an anonymous session keyring, not linked to its user's keyring: a key kept there is not found (ENOKEY)"})
		}
	case "ENOENT":
		if what, ok := rules.IPCCalls[op]; ok && isYes(sb.Props["PrivateIPC"]) {
			out = append(out, cause{kind: causeIPC, directive: "PrivateIPC", setting: "PrivateIPC=" + sb.Props["PrivateIPC"], confidence: High, syscall: op,
				reason: fmt.Sprintf("PrivateIPC=yes gives the service its own IPC namespace: a %s created outside it does not exist in there, so %s() fails with ENOENT", what, op)})
		}
	case "EMFILE":
		out = append(out, cause{kind: causeLimit, directive: "LimitNOFILE", setting: "LimitNOFILE=" + sb.Props["LimitNOFILE"], confidence: Medium,
			reason: "the process hit its open-file limit"})
	}
	return out
}

// preferCertain: when the syscall filter alone explains the errno (it
// refuses the call unconditionally, with exactly that errno), a capability
// or a limit the call needs only for some arguments or callers is no
// explanation worth acting on: granting it would change nothing. The
// filter's cause comes first and the conditional ones are dropped.
func preferCertain(cs []cause) []cause {
	certain := -1
	for i, c := range cs {
		if c.kind == causeFilter && c.confidence == High {
			certain = i
		}
	}
	if certain < 0 {
		return cs
	}
	out := []cause{cs[certain]}
	for i, c := range cs {
		if i != certain && c.kind != causeCapability && c.kind != causeLimit {
			out = append(out, c)
		}
	}
	return out
}

// explainSyscallDenial: an EPERM (or the configured errno) from a call
// that a seccomp errno rule refuses. The kernel logs nothing for these.
func explainSyscallDenial(sym *Symptom, sb *Sandbox) ([]cause, bool) {
	known := knownSyscalls()
	sc := sym.Op
	if !known[sc] {
		return nil, false
	}
	var out []cause
	if f := sb.Filter; f != nil && f.Errno != "" && f.Errno == sym.Errno && f.Denies(sc) {
		// Unconditional: the filter refuses every call of sc with exactly
		// this errno, whatever its arguments and the caller's rights.
		out = append(out, cause{kind: causeFilter, directive: "SystemCallFilter", setting: filterSetting(sb) + ", SystemCallErrorNumber=" + f.Errno,
			confidence: High, syscall: sc,
			reason:  fmt.Sprintf("SystemCallFilter= refuses %s and SystemCallErrorNumber=%s turns the refusal into that error, for every call whatever its arguments; the kernel logs nothing for it", sc, f.Errno),
			confirm: "make the refusal visible for one run: a drop-in with `SystemCallErrorNumber=kill` lets the kernel kill the process at that call and log a SECCOMP record naming it (`ausearch -m SECCOMP -i`)"})
	}
	for _, r := range rules.SyscallErrnoFilters {
		if !isYes(sb.Props[r.Directive]) && !(r.Directive == "RestrictAddressFamilies" && sb.Props[r.Directive] != "") {
			continue
		}
		for _, s := range r.Syscalls {
			if s == sc && r.Errno == sym.Errno {
				out = append(out, cause{kind: causeErrnoRule, directive: r.Directive, setting: r.Directive + "=" + sb.Props[r.Directive],
					confidence: Medium, syscall: sc,
					reason: fmt.Sprintf("%s installs a seccomp rule that answers %s with %s; the kernel logs nothing for it", r.Directive, sc, r.Errno)})
			}
		}
	}
	return out, len(out) > 0
}

func needCap(sb *Sandbox, c string, sym *Symptom) (cause, bool) {
	if sb.HasCap(c) {
		return cause{}, false
	}
	what := sym.Op
	if sym.Port > 0 {
		what = fmt.Sprintf("bind to port %d", sym.Port)
	} else if what == "bind" {
		what = "bind to a privileged port"
	}
	if d, ok := sb.capDropper[c]; ok {
		return cause{kind: causeCapability, directive: directiveOf(d), setting: d, confidence: High, capability: c,
			reason: fmt.Sprintf("%s drops %s, which %s needs", d, c, what)}, true
	}
	if sb.Root && sb.NoRoot() && sb.InBounding(c) {
		return cause{kind: causeCapability, directive: "SecureBits", setting: "SecureBits=" + sb.Props["SecureBits"], confidence: High, capability: c,
			reason: fmt.Sprintf("SecureBits=noroot: running as root grants no capability, and %s needs %s", what, c)}, true
	}
	if sb.Root || sb.Ambient[c] {
		return cause{kind: causeCapability, directive: "CapabilityBoundingSet", setting: boundingSetting(sb), confidence: High, capability: c,
			reason: fmt.Sprintf("%s needs %s, which CapabilityBoundingSet= removes", what, c)}, true
	}
	who := "User=" + sb.User
	if sb.Dynamic {
		who = "DynamicUser=yes"
	}
	return cause{kind: causeCapability, directive: "AmbientCapabilities", setting: "AmbientCapabilities=" + sb.Props["AmbientCapabilities"],
		confidence: High, capability: c,
		reason: fmt.Sprintf("%s needs %s; the service runs as %s and AmbientCapabilities= does not grant it", what, c, who)}, true
}

func boundingSetting(sb *Sandbox) string {
	if sb.Bounding == nil {
		return "CapabilityBoundingSet="
	}
	var names []string
	for c := range sb.Bounding {
		names = append(names, c)
	}
	if len(names) > 6 {
		return fmt.Sprintf("CapabilityBoundingSet= (%d capabilities)", len(names))
	}
	sort.Strings(names)
	return "CapabilityBoundingSet=" + strings.Join(names, " ")
}

// explainPath: which mount rule makes this errno on this path.
func explainPath(sym *Symptom, sb *Sandbox) []cause {
	if pp := sb.Props["ProtectProc"]; within(sym.Path, "/proc") && procPIDEntry(sym.Path) && !sb.Root && !sb.HasCap("CAP_SYS_PTRACE") &&
		((pp == "invisible" || pp == "ptraceable") && sym.Errno == "ENOENT" || pp == "noaccess" && (sym.Errno == "EACCES" || sym.Errno == "EPERM")) {
		return []cause{{kind: causeMount, directive: "ProtectProc", setting: "ProtectProc=" + pp, confidence: High, path: sym.Path,
			rule:   &mountRule{Path: "/proc", Effect: rules.Host, Directive: "ProtectProc", Setting: "ProtectProc=" + pp},
			reason: fmt.Sprintf("ProtectProc=%s hides other users' processes from the service, so %s is not there for it", pp, sym.Path)}}
	}
	eff, rule := sb.Resolve(sym.Path)
	if within(sym.Path, "/dev") && (sym.Errno == "EPERM" || sym.Errno == "EACCES") && eff != rules.Inaccessible {
		if ok, by := sb.DeviceAllowed(sym.Path); !ok {
			return []cause{{kind: causeDevice, directive: directiveOf(by), setting: by, confidence: High, path: sym.Path,
				reason: fmt.Sprintf("%s does not allow %s, so the device cgroup refuses opening it with EPERM", by, sym.Path)}}
		}
	}
	if rule == nil {
		if sym.Errno == "EACCES" && sb.Root && !sb.InBounding("CAP_DAC_OVERRIDE") {
			return []cause{{kind: causeCapability, directive: "CapabilityBoundingSet", setting: boundingSetting(sb), confidence: Medium,
				capability: "CAP_DAC_OVERRIDE", path: sym.Path,
				reason: fmt.Sprintf("root without CAP_DAC_OVERRIDE is held to %s's file mode like any user", sym.Path)}}
		}
		if sym.Errno == "EPERM" && sym.Op == "chown" {
			return nil // let the capability check name CAP_CHOWN
		}
		return nil
	}
	explains := false
	var how string
	switch sym.Errno {
	case "EROFS":
		explains = eff == rules.ReadOnly || eff == rules.Inaccessible || eff == rules.TmpfsRO
		how = "read-only"
	case "EACCES":
		explains = eff == rules.Inaccessible || (eff == rules.NoExec && (sym.Op == "exec" || sym.Op == "" || sym.Op == "run"))
		how = "inaccessible (an empty node of mode 0000)"
		if eff == rules.NoExec {
			how = "not executable (mounted noexec)"
		}
	case "EPERM":
		explains = eff == rules.Inaccessible && (sym.Op == "open" || sym.Op == "read")
		how = "inaccessible"
	case "ENOENT":
		switch eff {
		case rules.TmpfsRO, rules.Tmpfs:
			explains, how = true, "an empty tmpfs hiding the host's files"
		case rules.PrivateTmp:
			explains, how = true, "a private /tmp that other processes' files are not in"
		case rules.Inaccessible:
			explains, how = sb.Root || sym.AsRoot, "inaccessible (empty for root)"
		case rules.PrivateDev:
			explains, how = !keptDevice(sym.Path), "a private /dev without real devices"
		case rules.ProcPIDOnly:
			explains, how = !procPIDEntry(sym.Path), "a /proc holding only process directories"
		case rules.ReadOnly:
			if !rule.explicit && (sym.Op == "open" || sym.Op == "write" || sym.Op == "mkdir" || sym.Op == "chmod" || sym.Op == "chown") {
				r := fmt.Sprintf("%s does not exist, and %s makes %s read-only, so the service cannot create it", path.Dir(sym.Path), rule.Setting, rule.Path)
				return []cause{{kind: causeMount, directive: rule.Directive, setting: rule.Setting, confidence: Medium, rule: rule, path: sym.Path, reason: r}}
			}
		}
	}
	if !explains {
		return nil
	}
	r := fmt.Sprintf("%s makes %s %s, hence %s", rule.Setting, rule.Path, how, sym.Errno)
	if rule.Path != sym.Path {
		r = fmt.Sprintf("%s makes %s %s; %s is below it, hence %s", rule.Setting, rule.Path, how, sym.Path, sym.Errno)
	}
	return []cause{{kind: causeMount, directive: rule.Directive, setting: rule.Setting, confidence: High, rule: rule, path: sym.Path, reason: r}}
}

func procPIDEntry(p string) bool {
	rest := strings.TrimPrefix(p, "/proc/")
	first := strings.SplitN(rest, "/", 2)[0]
	if first == "self" || first == "thread-self" {
		return true
	}
	_, err := strconv.Atoi(first)
	return err == nil
}

func archAllowed(sb *Sandbox, auditArch string) bool {
	want := rules.AuditArchToSystemd[auditArch]
	for _, a := range strings.Fields(sb.Props["SystemCallArchitectures"]) {
		if a == want || (a == "native" && auditArch == "x86_64") {
			return true
		}
	}
	return false
}

func keptDevice(p string) bool {
	for _, d := range rules.DeviceNodesKept {
		if within(p, d) {
			return true
		}
	}
	return false
}

func isLoopback(addr string) bool {
	return strings.HasPrefix(addr, "127.") || addr == "::1" || addr == "localhost"
}

// helperLine reports whether a line is a privileged helper's own error
// ("ping: socket: Operation not permitted").
func helperLine(line string) bool {
	name, _, ok := strings.Cut(strings.TrimSpace(line), ":")
	if !ok {
		return false
	}
	for _, h := range rules.PrivilegedHelpers {
		if name == h {
			return true
		}
	}
	return false
}

// interfaceCause blames RestrictNetworkInterfaces= for traffic through
// ifname ("" when the interface is not known).
func interfaceCause(sb *Sandbox, conf Confidence, ifname, reason string) cause {
	return cause{kind: causeInterface, directive: "RestrictNetworkInterfaces", setting: "RestrictNetworkInterfaces=" + sb.Props["RestrictNetworkInterfaces"],
		confidence: conf, path: ifname, reason: reason}
}

// containsAny says whether text contains one of the wordings.
func containsAny(text string, wordings []string) bool {
	for _, w := range wordings {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// isSendOp: the operations through which a dropped packet shows as EPERM.
func isSendOp(op string) bool {
	switch op {
	case "sendto", "sendmsg", "sendmmsg", "send", "connect", "write":
		return true
	}
	return false
}

// protoOf reads the transport protocol a message names ("listen tcp
// :9090: bind: …", Node's "listen EPERM"), "" when it names none.
func protoOf(text string) string {
	w, _ := firstWord(text, rules.TransportWords, func(w struct{ Word, Proto string }) string { return w.Word })
	return w.Proto
}

// bindProto is the protocol of a refused bind: from the message, or, when
// the port itself came from the command line, from the command line.
func bindProto(sym *Symptom, sb *Sandbox) string {
	if p := protoOf(sym.Text); p != "" || !sym.PortGuessed {
		return p
	}
	return protoOf(execArgv(sb.Props))
}

func limitCause(sb *Sandbox, d, why string) cause {
	return cause{kind: causeLimit, directive: d, setting: d + "=" + sb.Props[d], confidence: High, reason: why}
}
