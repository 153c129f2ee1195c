package diagnose

import (
	"fmt"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Seccomp: SystemCallFilter= (killing, or in errno mode) and
// SystemCallArchitectures=, and the one call or group to allow.

// filterCandidates allows the call alone, then its smallest group.
func filterCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	sc := c.syscall
	if sc == "" || strings.HasPrefix(sc, "unknown(") {
		return out
	}
	which := sc + " alone"
	if strings.Contains(sc, " ") {
		which = sc + ", all the calls the one operation may be made with"
	}
	add([]string{"SystemCallFilter=" + sc}, fmt.Sprintf("allows %s (a later SystemCallFilter= line adds to an allow-list, or removes from a deny-list)", which),
		fmt.Sprintf("the service may call %s; every other refused call stays refused", sc))
	g := sb.Groups
	first, _, _ := strings.Cut(sc, " ")
	for _, grp := range g.GroupsContaining(first) {
		if len(g.Groups[grp]) > 40 {
			continue
		}
		add([]string{"SystemCallFilter=" + grp}, fmt.Sprintf("allows the %s group (%d calls, %s among them)", grp, len(g.Groups[grp]), first),
			fmt.Sprintf("every call of %s becomes allowed", grp))
		return out
	}
	return out
}

// archCandidates allows the ABI the call came through, then any.
func archCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if a := rules.AuditArchToSystemd[sym.Arch]; a != "" {
		add([]string{"SystemCallArchitectures=" + a}, fmt.Sprintf("allows system calls of the %s ABI too", a), "calls through the "+a+" ABI are no longer refused")
	}
	add([]string{"SystemCallArchitectures="}, "removes the ABI restriction", "system calls of every ABI are allowed")
	return out
}

func attributeSeccompKill(sym *Symptom, sb *Sandbox) []cause {
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

func archAllowed(sb *Sandbox, auditArch string) bool {
	want := rules.AuditArchToSystemd[auditArch]
	for _, a := range strings.Fields(sb.Props["SystemCallArchitectures"]) {
		if a == want || (a == "native" && auditArch == "x86_64") {
			return true
		}
	}
	return false
}

// filterErrno: SystemCallFilter= in errno mode refuses every call of a
// syscall with exactly that errno, whatever its arguments and the
// caller's rights; the kernel logs nothing for it.
func filterErrno(sym *Symptom, sb *Sandbox, _ []cause) []cause {
	sc := sym.Op
	f := sb.Filter
	if sym.Errno != "EACCES" && sym.Errno != "EPERM" || !knownSyscalls()[sc] || f == nil || f.Errno == "" {
		return nil
	}
	calls := rules.CallFamilies[sc]
	if calls == nil {
		calls = []string{sc}
	}
	var denied []string
	for _, call := range calls {
		if f.Denies(call) {
			denied = append(denied, call)
		}
	}
	if len(denied) == 0 {
		return nil
	}
	conf, words := High, ""
	if len(calls) > 1 {
		// The word stands for several calls: the relaxation allows each
		// the filter refuses, and the cause is certain only if it
		// refuses them all.
		words = fmt.Sprintf("; the program's %q may be made with any of %s", sc, strings.Join(calls, ", "))
		if len(denied) < len(calls) {
			conf = Medium
		}
	}
	if f.Errno != sym.Errno {
		// The call the line names never ran, so nothing but the filter
		// answered it: the program words EPERM and EACCES alike (lab:
		// util-linux mount's "permission denied." for the filter's EPERM,
		// said not-sandbox).
		if f.Errno != "EACCES" && f.Errno != "EPERM" {
			return nil
		}
		conf, words = Medium, words+fmt.Sprintf("; the program says %s, but a refused call never runs, so its words stand for the filter's %s (programs word the two alike)", sym.Errno, f.Errno)
	}
	return []cause{{kind: causeFilter, directive: "SystemCallFilter", setting: filterSetting(sb) + ", SystemCallErrorNumber=" + f.Errno,
		confidence: conf, syscall: strings.Join(denied, " "),
		reason:  fmt.Sprintf("SystemCallFilter= refuses %s and SystemCallErrorNumber=%s turns the refusal into that error, for every call whatever its arguments; the kernel logs nothing for it", strings.Join(denied, ", "), f.Errno) + words,
		confirm: "make the refusal visible for one run: a drop-in with `SystemCallErrorNumber=kill` lets the kernel kill the process at that call and log a SECCOMP record naming it (`ausearch -m SECCOMP -i`)"}}
}
