package diagnose

import (
	"strings"
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
	causeSwitch     causeKind = "switch"      // a switch refuses; turning it off undoes it (rules.Refusals)
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
	// experiment is the drop-in of the confirming experiment, when there
	// is one that flips only this setting.
	experiment []string
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

// attribute evaluates a symptom against the sandbox and returns every cause
// that can account for it, most likely first. An empty answer means the
// sandbox does not attribute the symptom.
func attribute(sym *Symptom, sb *Sandbox) []cause {
	switch sym.Kind {
	case KindSetup:
		return attributeSetup(sym, sb)
	case KindSeccompKill:
		return attributeSeccompKill(sym, sb)
	case KindNNP:
		return attributeNNP(sym, sb)
	case KindOOM:
		return attributeOOM(sym, sb)
	case KindErrno:
		return preferCertain(attributeErrno(sym, sb))
	case KindSignal:
		return attributeSignal(sym, sb)
	case KindNotify, KindTimeout:
		return attributeReadiness(sym, sb)
	}
	return nil
}

func directiveOf(setting string) string {
	d, _, _ := strings.Cut(setting, "=")
	return d
}

// attributeErrno asks each mechanism in turn whether it refuses the
// operation with this errno. A path a mount rule explains is answered by
// the mounts alone; otherwise every mechanism may add causes, in the order
// of errnoMechanisms (the order causes of equal confidence are listed in).
func attributeErrno(sym *Symptom, sb *Sandbox) []cause {
	if sym.Path != "" {
		if out := attributePath(sym, sb); len(out) > 0 {
			return out
		}
	}
	var out []cause
	for _, m := range errnoMechanisms {
		out = append(out, m(sym, sb, out)...)
	}
	return out
}

// errnoMechanisms each explain an errno by one mechanism; sofar holds the
// causes found before (a bare "permission denied" is only guessed at when
// nothing else explains it).
var errnoMechanisms []func(sym *Symptom, sb *Sandbox, sofar []cause) []cause

func init() {
	errnoMechanisms = []func(sym *Symptom, sb *Sandbox, sofar []cause) []cause{
		fileSystemRefusal, // mounts.go
		socketBindRefusal, // network.go
		interfaceRefusal,
		bindCapability, // capability.go
		filterErrno,    // seccomp.go
		refusalRows,    // refusal.go: rules.Refusals
		userNamespaceDAC,
		opLimit, // limits.go
		hardLimit,
		namedCapability,
		nnpHelper,
		ipDenySend,
		bareAmbient,
		privateNetwork,
		familyRefusal,
		tasksLimit,
		dropTimeout,
	}
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

// containsAny says whether text contains one of the wordings.
func containsAny(text string, wordings []string) bool {
	for _, w := range wordings {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// deniedErrno: the errnos of a refused permission, which most mechanisms
// give.
func deniedErrno(sym *Symptom) bool { return sym.Errno == "EACCES" || sym.Errno == "EPERM" }
