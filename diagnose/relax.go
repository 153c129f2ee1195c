package diagnose

import (
	"fmt"
	"path"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// candidate is a relaxation before verification.
type candidate struct {
	Relaxation
	// ladder marks a lowered value of the directive itself: only the
	// mildest one that works is kept.
	ladder bool
	// creates lists paths the drop-in creates before the namespace is set
	// up (StateDirectory=, ExecStartPre=+mkdir): they satisfy a setup
	// failure for a missing path.
	creates []string
}

// relaxations proposes drop-ins for a cause, narrowest first, keeps only
// those under which the symptom is no longer explained by the sandbox, and
// sets aside (withheld) the broad ones when the evidence is only the
// service's own words.
func relaxations(sym *Symptom, c cause, sb *Sandbox) (kept []Relaxation, withheld []string) {
	if c.kind == causeSuspect && c.rule != nil && c.path != "" {
		// A suspect path setting that decides a path on the command line
		// (SQLite's database under ReadOnlyPaths=): relaxed as a refusal
		// on that path would be; the suspect's experiment confirms it
		// (lab: real-sqlite-readonly, verified with the drop-in).
		on := *sym
		on.Path = c.path
		c.kind = causeMount
		return relaxations(&on, c, sb)
	}
	laddered, unsafeSaid := false, false
	for _, cand := range candidates(sym, c, sb) {
		if cand.ladder && laddered {
			continue
		}
		if why := unsafeLine(cand.Lines, sym.Path); why != "" {
			// Before verification: the model would read such a line as
			// systemd does (another path, or a list), and drop it silently.
			if !unsafeSaid {
				withheld = append(withheld, fmt.Sprintf("a drop-in naming this path is not offered: %s; check the path on the host and write the line by hand", why))
				unsafeSaid = true
			}
			continue
		}
		if !verified(sym, c, sb, cand) {
			continue
		}
		laddered = laddered || cand.ladder
		if broad := broadness(cand.Lines); broad != "" && !sym.Trusted() {
			withheld = append(withheld, fmt.Sprintf("%s would also work, but it %s; it is not proposed on the service's own output alone (%s)",
				strings.Join(cand.Lines, " "), broad, corroboration(sym, sb)))
			continue
		}
		kept = append(kept, cand.Relaxation)
	}
	if len(kept) == 0 && c.kind == causeMount && sym.Path != "" && isRunFile(sym.Path) {
		// Nothing narrow exists for a file directly in /run: say so, and
		// what to do instead (lab: lighttpd's and cron's PID files).
		withheld = append(withheld, fmt.Sprintf("no narrow relaxation exists for %s: a file directly in /run cannot be made writable alone (ReadWritePaths= of a file that does not exist yet stops the unit with 226/NAMESPACE), and RuntimeDirectory= makes a folder, not a file; point the program's PID or socket file into its own folder (RuntimeDirectory=NAME, then /run/NAME/… in its configuration), or accept ReadWritePaths=/run", sym.Path))
	}
	return kept, withheld
}

// unsafeLine says why a drop-in line must not be offered as it is: the
// path came from text the service wrote, and a character that displays as
// nothing (zero-width space, word joiner, soft hyphen, BOM, line and
// paragraph separators, tag characters), a control character, a backslash
// (systemd unescapes "\x20" and the like; harden's own escaping of the
// text looks the same) or white space (lists split on it) would make the
// line name another path than the one an operator reads.
func unsafeLine(lines []string, path string) string {
	for _, l := range lines {
		_, v, _ := strings.Cut(l, "=")
		switch {
		case Sanitize(v) != v:
			return "it holds an invisible or control character"
		case strings.ContainsRune(v, '\\'):
			return "it holds a backslash, which systemd would read as an escape"
		case strings.ContainsAny(path, " \t") && strings.ContainsAny(v, " \t"):
			return "it holds white space, which systemd reads as a list separator"
		}
	}
	return ""
}

// verified re-evaluates the symptom on the configuration the drop-in
// would produce.
func verified(sym *Symptom, c cause, sb *Sandbox, cand candidate) bool {
	if c.kind == causeFamily && sym.Family == "" {
		// The family is not known: judge the candidate as the family it
		// adds (it is offered as a guess, and says so).
		guess := *sym
		for _, l := range cand.Lines {
			if f, ok := strings.CutPrefix(l, "RestrictAddressFamilies="); ok {
				guess.Family = f
			}
		}
		sym = &guess
	}
	props := applyDropIn(sb.Props, cand.Lines, sb.Groups)
	next := NewSandbox(props, sb.Version)
	next.FileNames, next.Groups, next.NoBPF, next.InContainer = sb.FileNames, sb.Groups, sb.NoBPF, sb.InContainer
	if c.kind == causeSetupPath {
		for _, p := range cand.creates {
			if p == c.path {
				return true
			}
		}
	}
	if next.FailsSetup() != nil && sb.FailsSetup() == nil {
		return false // the drop-in would stop the unit at setup instead
	}
	switch {
	case c.kind == causeSetup && rules.Directives[c.directive].Missing != nil:
		// What stopped the unit is the account the setting names: the
		// drop-in must change what systemd is asked to apply.
		return changesProps(sb.Props, props, cand.Lines)
	case c.kind == causeLimit || c.kind == causeMemory:
		// A limit is relaxed by raising it; how far is enough only the
		// workload knows.
		return limitValue(rlimitOf(c.directive, props[c.directive])) > limitValue(rlimitOf(c.directive, sb.Props[c.directive]))
	}
	for _, nc := range attribute(sym, next) {
		if nc.confidence != Low && !nc.residual && !nc.fallback {
			return false
		}
	}
	// Another user's process must become visible: invisible instead of
	// noaccess only trades EPERM for ENOENT.
	if c.directive == "ProtectProc" {
		pp := props["ProtectProc"]
		return pp == "" || pp == "default" || (pp == "ptraceable" && next.HasCap("CAP_SYS_PTRACE"))
	}
	// A path must also become usable, not fail another way: hiding
	// /home behind an empty tmpfs turns EACCES into ENOENT, and fixes
	// nothing.
	if c.kind == causeMount && sym.Path != "" && c.directive != "ProtectProc" {
		eff, _ := next.Resolve(sym.Path)
		write := sym.Errno == "EROFS" || sym.Op == "write" || sym.Op == "mkdir"
		switch eff {
		case rules.Host, rules.Writable, rules.Exec:
		case rules.ReadOnly, rules.NoExec:
			if write || (eff == rules.NoExec && (sym.Op == "exec" || sym.Op == "")) {
				return false
			}
		case rules.ProcPIDOnly:
			if !procPIDEntry(sym.Path) {
				return false
			}
		case rules.PrivateDev:
			if !keptDevice(sym.Path) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// candidateMakers propose, per kind of cause, the relaxations of it,
// narrowest first; each lives with its mechanism.
var candidateMakers map[causeKind]func(sym *Symptom, c cause, sb *Sandbox) []candidate

func init() {
	candidateMakers = map[causeKind]func(sym *Symptom, c cause, sb *Sandbox) []candidate{
		causeMount:      mountCandidates,
		causeSetupPath:  setupPathCandidates,
		causeSetup:      setupCandidates,
		causeCapability: capabilityCandidates,
		causeFilter:     filterCandidates,
		causeNNP:        switchCandidates,
		causeSwitch:     switchCandidates,
		causeNotify:     switchCandidates,
		causeNetwork:    privateNetworkCandidates,
		causeFamily:     familyCandidates,
		causeLimit:      limitCandidates,
		causeArch:       archCandidates,
		causeDevice:     deviceCandidates,
		causeIP:         ipCandidates,
		causeSocketBind: socketBindCandidates,
		causeInterface:  interfaceCandidates,
		causeFileSystem: fileSystemCandidates,
		causeMemory:     memoryCandidates,
	}
}

func candidates(sym *Symptom, c cause, sb *Sandbox) []candidate {
	if f := candidateMakers[c.kind]; f != nil {
		return f(sym, c, sb)
	}
	return nil
}

// adder appends a candidate to out.
func adder(out *[]candidate) func(lines []string, rationale, givesUp string, creates ...string) {
	return func(lines []string, rationale, givesUp string, creates ...string) {
		*out = append(*out, candidate{Relaxation: Relaxation{Lines: lines, Rationale: rationale, GivesUp: givesUp}, creates: creates})
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// settingName is the name the unit file uses for a directive (an old name
// such as ReadWriteDirectories= if that is what it says), so the drop-in
// speaks the operator's language.
func settingName(sb *Sandbox, directive string) string {
	if n := sb.FileNames[directive]; n != "" {
		return n
	}
	return directive
}

// broadness says why a drop-in is sweeping ("" when it is not): it makes
// the whole file system or a top-level tree writable or visible, empties a
// filter, or drops no_new_privs.
func broadness(lines []string) string {
	for _, l := range lines {
		name, value, _ := strings.Cut(l, "=")
		d, _ := rules.LookupDirective(name)
		if d.PathList == rules.Writable || d.PathList != "" && !d.Remount {
			// A path made writable, or bound in.
			for _, p := range strings.Fields(value) {
				p = path.Clean(strings.TrimLeft(p, "-+"))
				for _, b := range rules.BroadPaths {
					if p == b {
						return "opens all of " + p
					}
				}
			}
		}
		if why, ok := d.Broad.Sweeping(value); ok {
			return why
		}
	}
	return ""
}

// corroboration says what evidence beyond the service's own words would
// justify a broad relaxation.
func corroboration(sym *Symptom, sb *Sandbox) string {
	switch sym.Kind {
	case KindNNP:
		who := orDynamic(sb)
		return fmt.Sprintf("no kernel trace exists for no_new_privs; reproduce it with `systemd-run --wait -p NoNewPrivileges=yes -p %s sudo -n true`, and prefer giving the service the capability the privileged command needs (AmbientCapabilities=) or running that command as ExecStartPre=+", who)
	case KindErrno:
		if sym.Errno != "" {
			return fmt.Sprintf("an audit record of the failure would corroborate it: add `auditctl -a always,exit -F arch=b64 -F exit=-%s -F key=harden`, reproduce, then `ausearch -k harden -i`", sym.Errno)
		}
	}
	return "kernel or systemd evidence of the failure would corroborate it"
}

// changesProps: a drop-in's lines give one of their settings another value.
func changesProps(before, after map[string]string, lines []string) bool {
	for _, l := range lines {
		name, _, _ := strings.Cut(l, "=")
		if d, ok := rules.LookupDirective(name); ok {
			name = d.Name
		}
		if strings.TrimSpace(before[name]) != strings.TrimSpace(after[name]) {
			return true
		}
	}
	return false
}
