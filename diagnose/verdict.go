package diagnose

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// Verdict wording: how a symptom is described, why a failure is not the
// sandbox's, and what an exit status says when nothing else does.

// describe says what failed, in one line.
func describe(s *Symptom) string {
	var b strings.Builder
	switch s.Kind {
	case KindSetup:
		fmt.Fprintf(&b, "setup failed before exec (step %s)", s.Step)
		if s.Path != "" {
			fmt.Fprintf(&b, " on %s", s.Path)
		}
		if s.Errno != "" {
			fmt.Fprintf(&b, ": %s", errnoWords(s.Errno))
		}
		return b.String()
	case KindSeccompKill:
		if s.Syscall != "" {
			return fmt.Sprintf("killed by SIGSYS for calling %s (%s)", s.Syscall, orDefault(s.Arch, "arch unknown"))
		}
		return "killed by SIGSYS (status=31/SYS) from a seccomp filter"
	case KindNNP:
		return "a setuid helper refused to run: the no_new_privs flag is set"
	case KindOOM:
		return "killed by the kernel's OOM killer"
	case KindSignal:
		d := fmt.Sprintf("killed by signal %d (%s)", s.Signal, orDefault(rules.SignalNames[s.Signal], "unnamed"))
		if s.Op == "stack-overflow" {
			d += " on a stack overflow"
		}
		return d
	case KindTimeout:
		return "the service did not report readiness before its start timeout"
	case KindNotify:
		return "PID 1 refused the service's readiness notification"
	case KindLSM:
		return "denied by a Linux security module (SELinux or AppArmor)"
	}
	b.WriteString(errnoWords(s.Errno))
	if s.Op != "" {
		fmt.Fprintf(&b, " from %s", opText(s.Op))
	}
	if s.Path != "" {
		fmt.Fprintf(&b, " on %s", s.Path)
	}
	if s.Port > 0 {
		if s.Addr != "" {
			fmt.Fprintf(&b, " %s:%d", s.Addr, s.Port)
		} else {
			fmt.Fprintf(&b, " port %d", s.Port)
		}
	}
	return b.String()
}

// opText is an operation as a report names it: a capability the
// program said it lacked (op "cap:NAME") is what the operation needed; a
// resource it could not raise (op "rlimit:NAME"), a setrlimit() of it.
func opText(op string) string {
	if c, ok := strings.CutPrefix(op, "cap:"); ok {
		return "an operation that needs " + c
	}
	if r, ok := strings.CutPrefix(op, "rlimit:"); ok {
		return "setrlimit of RLIMIT_" + r
	}
	return op
}

func errnoWords(name string) string {
	if e, ok := rules.ErrnoByName(name); ok {
		return fmt.Sprintf("%s (%s)", e.Name, e.Text)
	}
	return name
}

// notSandboxCause explains, for a failure the sandbox does not account
// for, what did happen.
func notSandboxCause(syms []*Symptom, sb *Sandbox) string {
	s := syms[0]
	for _, x := range syms {
		if x.Kind == KindLSM {
			if ctx := sb.Props["SELinuxContext"]; ctx != "" && strings.Contains(x.Text, strings.TrimPrefix(ctx, "-")) {
				return x.Text + ": this is security-module policy, not systemd's sandbox; the unit's SELinuxContext=" + ctx + " puts the service in the denied domain"
			}
			return x.Text + ": this is security-module policy, not systemd's sandbox; no directive of the unit is involved"
		}
	}
	who := "the service's user"
	if sb.Root {
		who = "root"
	} else if sb.User != "" {
		who = "User=" + sb.User
	}
	switch {
	case s.Kind == KindErrno && s.Path != "" && s.Errno == "EPERM":
		// A file's mode and owner refuse with EACCES; EPERM on a path is
		// something else (lab, 257: root refused a write-only open of
		// /dev/console, mode 0600 and its own, by the device cgroup).
		return fmt.Sprintf("%s: no sandbox setting of the unit hides or protects %s, and a file's mode refuses with EACCES, not EPERM: look at its attributes (`lsattr -d %s`: immutable or append-only), a security module's denials, and a device cgroup or seccomp filter set outside the unit", describe(s), s.Path, s.Path)
	case s.Kind == KindErrno && s.Path != "" && s.Errno == "EACCES" && s.Mode != "":
		return fmt.Sprintf("%s: no sandbox setting of the unit hides or protects %s; the kernel reports the file as %s, which refuses %s (grant access with ownership, group membership via SupplementaryGroups=, or an ACL)", describe(s), s.Path, s.Mode, who)
	case s.Kind == KindErrno && s.Path != "" && s.Errno == "EACCES" && sb.Root && sb.InBounding("CAP_DAC_OVERRIDE"):
		// Root keeps CAP_DAC_OVERRIDE: no file mode refuses it.
		return fmt.Sprintf("%s: no sandbox setting of the unit hides or protects %s, and root keeps CAP_DAC_OVERRIDE, so no file mode refused it: look at a security module's denials (`journalctl -k | grep -i -e apparmor -e avc`) and at what the operation itself checks", describe(s), s.Path)
	case s.Kind == KindErrno && s.Path != "" && s.Errno == "EACCES":
		cause := fmt.Sprintf("%s: no sandbox setting of the unit hides or protects %s; the file's own mode and owner refuse %s (check `ls -l %s` and `namei -l %s`)", describe(s), s.Path, who, s.Path, s.Path)
		for tree, group := range rules.ReaderGroups {
			if within(s.Path, tree) {
				cause += fmt.Sprintf("; the %s group reads %s: `SupplementaryGroups=%s` lets %s in", group, tree, group, who)
			}
		}
		return cause
	case s.Kind == KindErrno && s.Path != "" && s.Errno == "ENOENT":
		return fmt.Sprintf("%s: no sandbox setting hides %s; it does not exist on the host either", describe(s), s.Path)
	case s.Kind == KindSetup && s.Setup != nil && s.Setup.Executable && s.Errno == "ENOENT":
		return fmt.Sprintf("the program %s does not exist, and no sandbox setting hides it: check ExecStart= and that the package providing it is installed", s.Path)
	case s.Kind == KindSetup && s.Setup != nil && s.Setup.Executable && s.Errno == "EACCES":
		return fmt.Sprintf("the program %s cannot be executed (EACCES), and no sandbox setting hides it or mounts it noexec: check its mode (`ls -l %s`) and the mount it is on (`findmnt -T %s`)", s.Path, s.Path, s.Path)
	case s.Kind == KindSetup && s.Setup != nil && s.Setup.Executable:
		return fmt.Sprintf("systemd could not run %s: %s; no sandbox setting of the unit is involved", s.Path, describe(s))
	case s.Kind == KindErrno && s.Errno == "EADDRINUSE":
		return fmt.Sprintf("%s: another process already holds the address; find it with `ss -ltnp` (no sandbox setting gives EADDRINUSE)", describe(s))
	case s.Kind == KindErrno && s.Path != "" && s.Errno == "EROFS":
		return fmt.Sprintf("%s: no sandbox setting makes %s read-only; the file system itself is mounted read-only", describe(s), s.Path)
	}
	return fmt.Sprintf("%s, which the unit's sandbox does not explain", describe(s))
}

// verdictFromExit: a failed run with no symptom at all. A program that
// said why it stopped is taken at its word; one that said nothing, under
// settings that refuse operations, may have been refused by any of them,
// and "not the sandbox" would be a claim nothing supports: the suspects
// are named with the experiment that decides (a live run of why-live.sh,
// the service's lines missing from the journal, said not-sandbox of a
// ProtectSystem=strict run).
func verdictFromExit(inv *Invocation, sb *Sandbox, cfg *journal.UnitConfig) (Verdict, string) {
	if inv.ExitLine == nil {
		return VerdictUnknown, "the run failed (result " + inv.Result + ") but no exit line was found"
	}
	if inv.ExitCode == "exited" && !rules.IsSetupStatus(inv.ExitStatus) {
		var last string
		for _, e := range inv.Entries {
			if e.Provenance() == journal.FromService {
				if p, err := strconv.Atoi(e.Get("PRIORITY")); err != nil || p <= 4 || last == "" {
					last = e.Message()
				}
			}
		}
		cause := fmt.Sprintf("the program exited with status %d", inv.ExitStatus)
		if st, ok := rules.LookupExitStatus(inv.ExitStatus); ok && st.Name != "" {
			cause = fmt.Sprintf("the program exited with status %d/%s (%s)", inv.ExitStatus, st.Name, st.Meaning)
		}
		if last != "" {
			cause += " after logging: " + clip(last, 300)
			if s := wordedSuspects(inv, sb); len(s) > 0 {
				// Words harden does not know for a refusal, about a path
				// the sandbox changes: "not the sandbox" would rest on not
				// having understood them (lab: shadow's "cannot lock
				// /etc/passwd" and SQLite's "attempt to write a readonly
				// database", both said not-sandbox before their wordings
				// were data).
				return VerdictUnknown, cause + "; harden does not know these words for a particular refusal, but the sandbox is not ruled out: " + strings.Join(s, "; ") + failedCallsExperiment
			}
		} else if s := silentSuspects(sb, cfg); len(s) > 0 {
			if len(s) > 8 {
				s = append(s[:8], fmt.Sprintf("and %d more", len(s)-8))
			}
			return VerdictUnknown, cause + " without a word in the journal, and the kernel recorded nothing of the run: the sandbox is not ruled out. In force, and each able to refuse an operation: " +
				strings.Join(s, ", ") + failedCallsExperiment
		}
		return VerdictNotSandbox, cause + "; nothing in its output or in the kernel's records points at the sandbox"
	}
	return VerdictUnknown, fmt.Sprintf("the run ended %s with status %d and no evidence says why", inv.ExitCode, inv.ExitStatus)
}

// failedCallsExperiment is what decides a run whose words rule nothing
// out: the kernel's record of its failed calls.
const failedCallsExperiment = ". To decide, have the kernel record the run's failed calls and look again: `auditctl -a always,exit -F arch=b64 -F success=0 -F key=harden`, restart the unit, then harden why"

// wordedSuspects are the mount settings that change a path the run's
// service lines or its command line name, where a line says in words
// harden does not otherwise read that something could not be done
// (rules.RefusalHints): each could have refused it.
func wordedSuspects(inv *Invocation, sb *Sandbox) []string {
	var lines []string
	var out []string
	for _, e := range inv.Entries {
		if e.Provenance() != journal.FromService {
			continue
		}
		msg := e.Message()
		if rules.HintsRefusal(msg) {
			lines = append(lines, msg)
		}
		// A device it could not find or use, while the unit hides or
		// refuses devices (lab: losetup's "cannot find an unused loop
		// device" under PrivateDevices=, said not-sandbox).
		if rules.HintsDeviceFailure(msg) {
			for _, r := range sb.deviceRestrictions() {
				if s := r.clause + ", and the service says a device could not be found or used"; !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		// An address the unit's IP filter denies, in a line that says a
		// peer could not be reached (lab: dig's "communications error to
		// 192.0.2.53#53: timed out", said not-sandbox).
		if addr, _ := ParsePort(msg); addr != "" && sb.AddressDenied(addr) && (rules.HintsNetworkFailure(msg) || rules.HintsRefusal(msg)) {
			if s := "IPAddressDeny=" + sb.Props["IPAddressDeny"] + " drops traffic to " + addr + ", which the service names"; !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	// An address the IP filter denies, on the command line: a program
	// whose peers are dropped may say only that none answered (lab:
	// ping -6 ::1 under IPAddressDeny=any, "100% packet loss", said
	// not-sandbox).
	for _, a := range argvAddrs(execArgv(sb.Props)) {
		if sb.AddressDenied(a) {
			if s := "IPAddressDeny=" + sb.Props["IPAddressDeny"] + " drops traffic to " + a + ", which its command line names (a run with a drop-in holding `IPAddressAllow=" + a + "` decides it: dropped packets fail no call the kernel could record)"; !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(lines) == 0 {
		return out
	}
	seen := map[string]bool{}
	add := func(p, where string) {
		eff, rule := sb.Resolve(p)
		if rule == nil || effectWords[eff] == "" || seen[rule.Setting] {
			return
		}
		seen[rule.Setting] = true
		at := "below it"
		if p == rule.Path {
			at = "that path"
		}
		out = append(out, fmt.Sprintf("%s makes %s %s, and %s, %s, is %s", rule.Setting, rule.Path, effectWords[eff], p, where, at))
	}
	for _, l := range lines {
		if p := ParsePath(l); path.IsAbs(p) {
			add(p, "which the service names")
		}
	}
	for _, p := range argvPaths(execArgv(sb.Props)) {
		add(p, "on its command line")
	}
	return out
}

// argvPaths are the absolute paths a command line gives its program
// (as arguments, or as values: --db=/x), not the program's own.
func argvPaths(argv string) []string {
	var out []string
	for _, f := range argvValues(argv) {
		if path.IsAbs(f) {
			out = append(out, path.Clean(f))
		}
	}
	return out
}

// silentSuspects are the hardening settings the unit sets (its files'
// assignments of directives harden knows, but those that turn one off or
// refuse nothing: rules.Directive.RefusesNothing, the purpose-built
// directories); without its files, the settings that refuse some
// operation and are not at systemd's default (rules.Refusals).
func silentSuspects(sb *Sandbox, cfg *journal.UnitConfig) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if cfg != nil && len(cfg.Settings) > 0 {
		for _, s := range cfg.Settings {
			v := strings.TrimSpace(s.Value)
			if d, ok := rules.LookupDirective(s.Name); ok && d.Protects != "" && d.PurposeBuilt == nil && !d.RefusesNothing &&
				v != "" && !strings.EqualFold(v, "no") && !strings.EqualFold(v, "false") {
				add(s.Name + "=" + v)
			}
		}
		return out
	}
	for i := range rules.Refusals {
		r := &rules.Refusals[i]
		if v, ok := refusalInForce(r, sb); ok && v != r.Default && !slices.Contains(r.When, rules.WhenAlways) {
			add(r.Directive + "=" + v)
		}
	}
	return out
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func journalEvidence(e *journal.Entry) Quote {
	return Quote{From: "journal", Origin: string(e.Provenance()), Time: stamp(e.Time), Text: e.Message()}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}
