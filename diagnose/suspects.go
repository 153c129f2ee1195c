package diagnose

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// causeSuspect: a setting in force that can produce the observed errno,
// named because the program's words did not let the model decide.
const causeSuspect causeKind = "suspect"

// suspects answers, for an errno the model could not tie to a setting
// because the program named no operation (or no usable path) it
// understands, which settings in force can produce that errno at all. The
// absence of an explanation is not the explanation of an absence: a
// not-sandbox verdict is only given when this list is empty. Each suspect
// carries the one experiment that decides it; none carries a relaxation,
// since what to relax depends on the operation nobody named.
func suspects(sym *Symptom, sb *Sandbox) []cause {
	if sym.Kind != KindErrno || sym.Errno == "" {
		return nil
	}
	var out []cause
	for _, e := range append([]string{sym.Errno}, sym.ErrnoAlternatives...) {
		out = append(out, suspectsFor(sym, sb, e)...)
	}
	return dedupeCauses(out)
}

func dedupeCauses(cs []cause) []cause {
	seen := map[string]bool{}
	var out []cause
	for _, c := range cs {
		if !seen[c.setting] {
			seen[c.setting] = true
			out = append(out, c)
		}
	}
	return out
}

// suspectsFor is suspects for one errno the wording may stand for.
func suspectsFor(sym *Symptom, sb *Sandbox, e string) []cause {
	// What the words left open: a path the model could not place, and an
	// operation it could not evaluate (none, or one that is no system
	// call it knows).
	pathOpen := sym.Path == "" || !path.IsAbs(sym.Path)
	opOpen := sym.Op == "" || !knownSyscalls()[sym.Op] && !fileOps[sym.Op]
	unnamed := "names no operation harden can tie to a setting"
	if sym.Op != "" {
		unnamed = fmt.Sprintf("names the operation only as %q", sym.Op)
	}
	var out []cause
	add := func(c cause) { // duplicates go in suspects, across errnos too
		c.kind, c.confidence, c.fallback = causeSuspect, Medium, true
		out = append(out, c)
	}
	// Seccomp rules of the switches, and the filter in errno mode: they
	// leave no trace in the kernel's log.
	if opOpen {
		for i := range rules.Refusals {
			r := &rules.Refusals[i]
			if r.Errno != e || r.Relax == rules.RelaxFilter {
				continue // the filter is asked below, with its own experiment
			}
			value, ok := refusalInForce(r, sb)
			if !ok {
				continue
			}
			add(cause{directive: r.Directive, setting: r.Directive + "=" + value,
				reason:  fmt.Sprintf("the message %s, and %s=%s is in force: it answers %s with %s, and the kernel logs nothing for it", unnamed, r.Directive, value, refusedOps(r), e),
				confirm: refusalExperiment(r, value, e), experiment: experimentLines(r, value)})
		}
		if f := sb.Filter; f != nil && f.Errno == e {
			add(cause{directive: "SystemCallFilter", setting: filterSetting(sb) + ", SystemCallErrorNumber=" + f.Errno,
				reason:  fmt.Sprintf("the message %s, and SystemCallFilter= answers every call it refuses with %s, which the kernel does not log", unnamed, e),
				confirm: "make the refusal visible for one run: a drop-in with `SystemCallErrorNumber=kill` lets the kernel kill the process at that call and log a SECCOMP record naming it (`ausearch -m SECCOMP -i`), and `harden why` then names the call"})
		}
		if (e == "EPERM" || e == "EACCES") && sb.Root && sb.Bounding != nil {
			add(cause{directive: "CapabilityBoundingSet", setting: boundingSetting(sb),
				reason:  fmt.Sprintf("the message %s, and CapabilityBoundingSet= leaves root without some capabilities; an operation that needs one fails with %s", unnamed, e),
				confirm: corroboration(sym, sb) + "; the record names the call, and `harden why` then the capability"})
		}
	}
	// Root refused an operation the words name (an ioctl, a device) while
	// it keeps CAP_DAC_OVERRIDE, so no file mode refused it: a capability
	// the operation checks for is as likely, and the unit removes some
	// (lab: hwclock's RTC_SET_TIME under ProtectClock=, said to be refused
	// by /dev/rtc0's mode).
	if !opOpen && (e == "EPERM" || e == "EACCES") && sb.Root && (sym.Op == "ioctl" || within(sym.Path, "/dev")) {
		if setting, directive := capRemovers(sb); setting != "" {
			add(cause{directive: directive, setting: setting,
				reason:  fmt.Sprintf("root was refused %s with %s, and %s leaves it without some capabilities; a driver or the kernel answers an operation it checks a capability for with %s", orDefault(sym.Op, "an operation"), e, setting, e),
				confirm: corroboration(sym, sb) + "; or run the same command as root outside the unit: if it works there, a capability is what the unit took away"})
		}
	}
	// An errno in a line about a device, while the unit hides or refuses
	// devices: the path the line names may be another than the one that
	// failed (Debian 13's losetup: "IMAGE: failed to set up loop device:
	// No such file or directory", the image named, the loop device
	// missing from a private /dev; said not-sandbox).
	if rules.SpeaksOfDevice(sym.Text) {
		for _, r := range sb.deviceRestrictions() {
			if r.errno == e {
				add(cause{directive: r.directive, setting: r.setting,
					reason:  "the message is about a device, and " + r.clause + ", hence " + e,
					confirm: fmt.Sprintf("run once with a drop-in holding only `%s`: if %s is gone, it was this setting", r.off, e)})
			}
		}
	}
	// Mounts, when the path could not be placed.
	if pathOpen {
		// A path the command line names ranks the path setting that
		// decides it first (SQLite's "attempt to write a readonly
		// database": the database is an argument, under ReadOnlyPaths=).
		// Not ProtectSystem='s whole tree: every program's configuration
		// file is there, read, not written.
		named := argvPaths(execArgv(sb.Props))
		// Every tree a setting makes so, named once: ProtectSystem=full's
		// /etc as well as its /usr (lab: update-ca-certificates' relative
		// "./ACCVRAIZ1.pem" in /etc/ssl/certs was said to be /usr's).
		trees := map[string][]string{}
		for i := range sb.mounts {
			if r := &sb.mounts[i]; effectCanGive(r.Effect, e, sb.Root) {
				k := r.Setting + "\x00" + effectWords[r.Effect]
				trees[k] = append(trees[k], r.Path)
			}
		}
		var onCommandLine, others []cause
		for i := range sb.mounts {
			r := &sb.mounts[i]
			if !effectCanGive(r.Effect, e, sb.Root) {
				continue
			}
			c := cause{directive: r.Directive, setting: r.Setting,
				reason:  fmt.Sprintf("the message names no path harden can place (%s), and %s makes %s %s, which gives %s", orDefault(sym.Path, "none given"), r.Setting, strings.Join(trees[r.Setting+"\x00"+effectWords[r.Effect]], ", "), effectWords[r.Effect], e),
				confirm: corroboration(sym, sb) + "; the record names the path, and `harden why` then the narrowest relaxation"}
			if p := decidedBy(named, r, sb); p != "" {
				c.reason += fmt.Sprintf("; the command line names %s, which it decides", p)
				c.rule, c.path = r, p // (relaxed as that path's, if the experiment confirms it)
				onCommandLine = append(onCommandLine, c)
				continue
			}
			others = append(others, c)
		}
		for _, c := range append(onCommandLine, others...) {
			add(c)
		}
	}
	return out
}

// capRemovers is what removes capabilities from the unit's root: its
// bounding set, else the switches that drop some (ProtectClock=,
// ProtectKernelModules=, …), with the directive to blame first.
func capRemovers(sb *Sandbox) (setting, directive string) {
	var by []string
	for _, d := range sb.capDropper {
		if !slices.Contains(by, d) {
			by = append(by, d)
		}
	}
	slices.Sort(by)
	// The effective bounding set shows the switches' drops too: it is
	// named when it lacks more than they drop, or nothing else explains it.
	if sb.Bounding != nil && (len(by) == 0 || boundingSetBeyond(sb)) {
		by = append(by, boundingSetting(sb))
	}
	if len(by) == 0 {
		return "", ""
	}
	return strings.Join(by, ", "), directiveOf(by[0])
}

// boundingSetBeyond: the bounding set lacks a capability no switch drops
// (CapabilityBoundingSet= was set).
func boundingSetBeyond(sb *Sandbox) bool {
	for c := range rules.CapabilityPowers {
		if !sb.Bounding[c] && sb.capDropper[c] == "" {
			return true
		}
	}
	return false
}

// decidedBy is the first of paths whose effect in the sandbox r, a path
// setting the unit's files list, decides ("" for the others).
func decidedBy(paths []string, r *mountRule, sb *Sandbox) string {
	if !r.explicit {
		return ""
	}
	for _, p := range paths {
		if _, rule := sb.Resolve(p); rule == r {
			return p
		}
	}
	return ""
}

// fileOps are the operation words explain already evaluates against the
// mounts and the capabilities.
var fileOps = map[string]bool{"read": true, "write": true, "open": true, "mkdir": true, "unlink": true,
	"chmod": true, "chown": true, "exec": true, "bind": true, "connect": true, "sendto": true, "socket": true}

// effectCanGive: whether a mount effect refuses some operation with errno.
func effectCanGive(eff rules.Effect, errno string, root bool) bool {
	switch errno {
	case "EROFS":
		return eff == rules.ReadOnly || eff == rules.Inaccessible || eff == rules.TmpfsRO
	case "EACCES":
		return eff == rules.Inaccessible && !root || eff == rules.NoExec
	case "ENOENT":
		return eff == rules.TmpfsRO || eff == rules.Tmpfs || eff == rules.PrivateTmp || eff == rules.PrivateDev ||
			eff == rules.ProcPIDOnly || eff == rules.Inaccessible && root
	}
	return false
}

var effectWords = map[rules.Effect]string{
	rules.ReadOnly: "read-only", rules.Inaccessible: "inaccessible", rules.TmpfsRO: "an empty read-only tmpfs",
	rules.Tmpfs: "an empty tmpfs", rules.PrivateTmp: "private", rules.PrivateDev: "a private /dev",
	rules.ProcPIDOnly: "a /proc of process directories only", rules.NoExec: "not executable",
}

// refusedOps names what a refusal row refuses.
func refusedOps(r *rules.Refusal) string {
	var ops []string
	for _, o := range r.Ops {
		if o != "" {
			ops = append(ops, o)
		}
	}
	if len(ops) == 0 {
		return "the operations it covers"
	}
	return strings.Join(ops, ", ")
}

// refusalExperiment is the run that decides whether a refusal row is the
// cause: the setting switched off, or the limit raised, for one run.
func refusalExperiment(r *rules.Refusal, value, errno string) string {
	if r.Relax == rules.RelaxLimit {
		return fmt.Sprintf("run once with a drop-in raising only %s (from %s): if %s is gone, it was this limit", r.Directive, value, errno)
	}
	off := r.Directive + "=no"
	if d := rules.Directives[r.Directive]; d.Off != "" {
		off = d.Off
	}
	return fmt.Sprintf("run once with a drop-in holding only `%s`: if %s is gone, it was this setting (then restore it: the program needs one of %s, which only relaxing the setting can allow)", off, errno, refusedOps(r))
}

// experimentLines is the drop-in of a refusal row's experiment: the
// switch off, or the limit raised as a relaxation would raise it.
func experimentLines(r *rules.Refusal, value string) []string {
	if r.Relax == rules.RelaxLimit {
		if limitValue(value) >= 1<<60 {
			return nil // unlimited already: raising it is no experiment
		}
		return []string{fmt.Sprintf("%s=%d", r.Directive, raisedLimit(r.Directive, limitValue(value)))}
	}
	if d := rules.Directives[r.Directive]; d.Off != "" {
		return []string{d.Off}
	}
	return []string{r.Directive + "=no"}
}
