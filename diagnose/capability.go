package diagnose

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Capabilities and privilege: what the user, the bounding and ambient
// sets, SecureBits=, PrivateUsers= and no_new_privs leave the process, and
// the one capability to grant instead of running as root.

// capabilityCandidates grants the one capability: ambient for a non-root
// user, in the bounding set for root, or the directive that dropped it
// switched off.
func capabilityCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	cp := c.capability
	switch {
	case c.directive == "SecureBits":
		// Ambient capabilities survive the exec under noroot: the one
		// capability, and the rest of root's stay off.
		add([]string{"AmbientCapabilities=" + cp}, "grants "+cp+" alone; SecureBits=noroot still keeps every other capability of root off",
			"the service may use "+cp+capabilityPower(cp))
		add([]string{"SecureBits="}, "drops the secure bits: root has its capabilities again", "root regains every capability in the bounding set")
	case c.directive != "CapabilityBoundingSet" && c.directive != "AmbientCapabilities":
		add([]string{c.directive + "=no"}, fmt.Sprintf("%s is what removes %s", c.setting, cp), "everything "+c.setting+" protects")
	case sb.Root || c.directive == "CapabilityBoundingSet":
		add([]string{"CapabilityBoundingSet=" + cp}, "adds "+cp+" to the bounding set", "the service may use "+cp+"; every other capability stays dropped")
	default:
		lines := []string{"AmbientCapabilities=" + cp}
		if !sb.InBounding(cp) {
			lines = append(lines, "CapabilityBoundingSet="+cp)
		}
		r := "grants the non-root service " + cp + " alone, instead of running it as root"
		if cp == "CAP_NET_BIND_SERVICE" {
			r += "; socket activation (a .socket unit with ListenStream=) avoids the capability altogether"
		}
		add(lines, r, "the service may use "+cp+capabilityPower(cp)+"; it still runs as "+orDynamic(sb))
	}
	return out
}

// capabilityPower is ", that is PRIVILEGE" for a known capability.
func capabilityPower(c string) string {
	if p := rules.CapabilityPowers[c]; p != "" {
		return ", that is " + p
	}
	return ""
}

func orDynamic(sb *Sandbox) string {
	if sb.Dynamic {
		return "a dynamic user"
	}
	return "User=" + sb.User
}

func needCap(sb *Sandbox, c string, sym *Symptom) (cause, bool) {
	if sb.HasCap(c) {
		return cause{}, false
	}
	what := sym.Op
	if strings.HasPrefix(what, "cap:") {
		what = "by its own words the program" // (it named the capability, not the call)
	}
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

// bindCapability: binding a port below 1024 needs CAP_NET_BIND_SERVICE.
func bindCapability(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
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
	return out
}

// userNamespaceDAC: in PrivateUsers= root's capabilities hold only for
// mapped users.
func userNamespaceDAC(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	if sym.Errno == "EACCES" && sym.Path != "" && sb.Root && isYes(sb.Props["PrivateUsers"]) && FileSystemOf(sym.Path) == "" {
		// Root's capabilities hold only inside the user namespace: a
		// file of an unmapped owner is as closed to it as to anyone
		// (lab: blind10-python-privateusers-dac).
		out = append(out, cause{kind: causeSwitch, directive: "PrivateUsers", setting: "PrivateUsers=" + sb.Props["PrivateUsers"], confidence: Medium, syscall: "open",
			reason:  "with PrivateUsers= root's capabilities (CAP_DAC_OVERRIDE among them) apply only to users mapped into the service's namespace — root and the unit's own user; a file owned by anyone else is checked against its mode bits alone",
			confirm: "stat -c '%u:%g %a' " + sym.Path + " shows an owner other than root, and mode bits that refuse others"})
	}
	return out
}

// namedCapability: the operation, or the program's own words, name the
// capability it needs.
func namedCapability(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
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
	return out
}

// nnpHelper: a setuid helper's own "NAME: … not permitted" under
// no_new_privs, or any refusal of a unit whose program is such a helper
// (crontab, setgid crontab, then cannot write its spool: "/var/spool/cron/:
// mkstemp: Permission denied", lab: real-crontab-nnp, said not-sandbox).
func nnpHelper(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) || !sb.NNP {
		return nil
	}
	reason := "the failing program gets its privileges from a setuid bit or file capabilities, which the kernel ignores under no_new_privs"
	program := path.Base(execPath(sb.Props))
	switch {
	case helperLine(sym.Text):
	case slices.Contains(rules.PrivilegedHelpers, program):
		reason = fmt.Sprintf("the unit's program, %s, gets its privileges from a setuid or setgid bit, which the kernel ignores under no_new_privs, so it runs with the unit's user's rights alone", program)
	default:
		return nil
	}
	return []cause{{kind: causeNNP, directive: directiveOf(sb.NNPWhy), setting: sb.NNPWhy, confidence: Medium, reason: reason}}
}

// bareAmbient: a bare "permission denied": only configuration contradictions
// can be named, and only as a likelihood.
func bareAmbient(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
	if len(sofar) == 0 && op == "" && sym.Path == "" {
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
	return out
}

// attributeNNP: a setuid helper said no_new_privs stopped it.
func attributeNNP(sym *Symptom, sb *Sandbox) []cause {
	if sb.NNP {
		return []cause{{kind: causeNNP, directive: directiveOf(sb.NNPWhy), setting: sb.NNPWhy, confidence: High,
			reason: "with no_new_privs set the kernel ignores the setuid bit of sudo-like helpers, so they cannot become root; rather than elevating from inside the service, grant it the one capability the privileged command needs (AmbientCapabilities=) or run that command as ExecStartPre=+"}}
	}
	return nil
}
