package diagnose

import (
	"fmt"
	"sort"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// Options for one diagnosis.
type Options struct {
	Unit       string
	Invocation string // "" = newest failed run
	// IncludeRunning also explains denials in a run that has not failed
	// (seccomp kills of children, refused calls of a running service).
	IncludeRunning bool
}

// Diagnose answers "why did this unit fail?" from the evidence. When a
// source was only partly read, "no failure" is never the answer: what was
// not read may hold it, so the verdict is unknown and says so.
func Diagnose(ev *journal.Evidence, opts Options) *Report {
	rep := diagnose(ev, opts)
	if rep.Verdict == VerdictNoFailure && rep.Invocation != "" && !opts.IncludeRunning {
		// No run failed; the newest may still have been refused
		// something and run degraded (a log daemon without the kernel
		// log, a server without one file).
		o := opts
		o.IncludeRunning, o.Invocation = true, rep.Invocation
		if d := diagnose(ev, o); d.Verdict == VerdictSandbox && hasFindingAbove(d, Low) {
			d.Cause = "the unit did not fail, but the sandbox refused it something: it runs degraded"
			d.Notes = append([]string{"no run failed: this explains what the newest run was refused while it ran"}, d.Notes...)
			rep = d
		}
	}
	if journal.Incomplete(ev.Warnings) {
		rep.Incomplete = true
		if rep.Verdict == VerdictNoFailure {
			rep.Verdict = VerdictUnknown
			rep.Cause = "the journal could not be read whole (see missing evidence); in what was read, " + rep.Cause
		}
	}
	return rep
}

func diagnose(ev *journal.Evidence, opts Options) *Report {
	rep := &Report{Unit: opts.Unit, Findings: []Finding{}, MissingEvidence: []string{}}
	rep.MissingEvidence = append(rep.MissingEvidence, ev.Missing...)
	for _, w := range ev.Warnings {
		rep.MissingEvidence = append(rep.MissingEvidence, w.String())
	}

	invs := Invocations(ev.Entries, opts.Unit)
	inv, ok := choose(invs, opts.Invocation)
	if !ok {
		if opts.Invocation != "" {
			rep.Verdict = VerdictUnknown
			rep.Cause = fmt.Sprintf("no journal entries of invocation %s of %s", opts.Invocation, opts.Unit)
		} else if len(ev.Entries) == 0 {
			rep.Verdict = VerdictUnknown
			rep.Cause = "no journal entries could be read for " + opts.Unit
		} else {
			rep.Verdict = VerdictNoFailure
			rep.Cause = fmt.Sprintf("the journal has no run of %s in the window", opts.Unit)
		}
		return rep
	}
	rep.Invocation = inv.ID
	rep.Result = inv.Result
	rep.Time = stamp(inv.End)
	rep.SeeAlso = append(rep.SeeAlso, fmt.Sprintf("journalctl -o verbose _SYSTEMD_INVOCATION_ID=%s + INVOCATION_ID=%s", inv.ID, inv.ID))
	if !inv.Failed && !opts.IncludeRunning {
		rep.Verdict = VerdictNoFailure
		rep.Result = "success"
		var props map[string]string
		if ev.Unit != nil {
			props = ev.Unit.Props
		}
		rep.LoggedCalls = loggedCalls(runAudit(inv, ev, props))
		rep.Notes = runNotes(ev, inv, opts.Unit, props, rep.LoggedCalls)
		if n := startingNote(inv, props); n != "" {
			rep.Notes = append([]string{n}, rep.Notes...)
		}
		if n := containerNote(ev.Host, props, ""); n != "" {
			rep.Notes = append(rep.Notes, n)
		}
		return rep
	}
	if rep.Result == "" {
		rep.Result = "failed"
		if !inv.Failed {
			rep.Result = "running"
		}
	}

	props := map[string]string{}
	var cfg *journal.UnitConfig = ev.Unit
	if cfg != nil {
		props = cfg.Props
	} else {
		rep.MissingEvidence = append(rep.MissingEvidence, "without the unit's configuration, directives are only guessed")
	}
	sb := NewSandbox(props, ev.Host.SystemdVersion)
	sb.FileNames = fileNames(cfg)
	if ev.Host.SyscallGroups != nil {
		sb.Groups = rules.HostGroups(ev.Host.SystemdVersion, ev.Host.SyscallGroups)
	}

	sb.NoBPF = ev.Host.Lacks("BPF_FRAMEWORK")
	sb.InContainer = rules.Containers[ev.Host.Virtualization]
	rep.LoggedCalls = loggedCalls(runAudit(inv, ev, props))
	rep.Notes = runNotes(ev, inv, opts.Unit, props, rep.LoggedCalls)
	syms, folded, tied := collectSymptoms(inv, ev, props)
	rep.Notes = append(rep.Notes, tied...)
	if folded > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d further error line(s) and records of this run were counted but not examined one by one (at most %d distinct symptoms are kept of the service's output)", folded, maxSymptoms))
	}
	contradicted := contradictions(syms, inv)
	var findings []Finding
	var unexplained []*Symptom
	hintAddr, hintPort := ParsePort(execArgv(props))
	nsShown := "" // what of the run shows its mount namespace set up
	for i := range syms {
		sym := &syms[i]
		if sym.Kind == KindErrno && sym.Port == 0 && (sym.Errno == "EPERM" || sym.Errno == "EACCES") && (sym.Op == "bind" || sym.Op == "" && sym.Path == "") {
			// A refused call whose message names no port (Java's
			// SocketException, Rust's Os { code: 13 }): the port the command
			// line names is the candidate for a refused bind, said to be a
			// guess.
			if p := argvPort(execArgv(props)); p > 0 {
				sym.Port, sym.PortGuessed = p, true
			}
		}
		if sym.Addr == "" && sym.Kind == KindErrno && isNetworkErrno(sym.Errno, sym.Op) && hintAddr != "" {
			// The message names no address; the command line does.
			sym.Addr = hintAddr
			if sym.Port == 0 {
				sym.Port = hintPort
			}
		}
		causes := attribute(sym, sb)
		for _, alt := range sym.ErrnoAlternatives {
			if len(causes) > 0 {
				break
			}
			// The wording stands for several errnos: the one the sandbox
			// gives is the one to judge.
			x := *sym
			x.Errno, x.ErrnoAlternatives = alt, nil
			if causes = attribute(&x, sb); len(causes) > 0 {
				*sym = x
			}
		}
		if len(causes) == 0 {
			unexplained = append(unexplained, sym)
			continue
		}
		findings = addFindings(findings, sym, i, causes, sb, cfg, contradicted[i])
		if nsShown == "" && sym.Errno == "EROFS" && sym.Path != "" {
			for _, c := range causes {
				if c.rule != nil { // a mount namespace's read-only view
					nsShown = fmt.Sprintf("this run's EROFS on %s shows %s in force", sym.Path, c.setting)
					break
				}
			}
		}
	}
	if len(findings) == 0 && cfg != nil && inv.Failed {
		// Nothing explained: before saying "not the sandbox", ask which
		// settings in force could give each errno at all.
		for i, sym := range unexplained {
			if i == 3 {
				break
			}
			findings = addFindings(findings, sym, 1000+i, suspects(sym, sb), sb, cfg, "")
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		if confRank(findings[i].Confidence) != confRank(findings[j].Confidence) {
			return confRank(findings[i].Confidence) > confRank(findings[j].Confidence)
		}
		if findings[i].kernel != findings[j].kernel {
			return findings[i].kernel // kernel-backed first: the service may be wrong, or lying
		}
		return findings[i].rank < findings[j].rank
	})
	rep.Findings = findings
	if n := containerNote(ev.Host, props, nsShown); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	for _, f := range findings {
		for _, e := range f.Quotes {
			if e.From == "audit" {
				if serial := auditSerial(e.Text); serial != "" {
					rep.SeeAlso = appendOnce(rep.SeeAlso, "ausearch -i -a "+serial)
				}
			}
		}
	}
	switch {
	case len(findings) > 0:
		rep.Verdict = VerdictSandbox
	case !inv.Failed:
		rep.Verdict, rep.Result = VerdictNoFailure, "success"
	case cfg == nil:
		rep.Verdict = VerdictUnknown
		rep.Cause = "the unit's configuration is missing, so no directive can be judged; give `systemctl show` output (--bundle, or --units DIR)"
		if len(unexplained) > 0 {
			rep.Cause = describe(unexplained[0]) + "; " + rep.Cause
		}
	case len(unexplained) > 0:
		rep.Verdict = VerdictNotSandbox
		rep.Cause = notSandboxCause(unexplained, sb)
	default:
		rep.Verdict, rep.Cause = verdictFromExit(inv, sb, cfg)
	}
	return rep
}

// invUnit is the unit an invocation's entries belong to.
func invUnit(inv *Invocation) string {
	for _, e := range inv.Entries {
		if u := e.Unit(); u != "" {
			return u
		}
	}
	return "\x00"
}
