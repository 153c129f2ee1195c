package diagnose

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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
		rep.Notes = runNotes(ev, inv, opts.Unit, props)
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
	rep.Notes = runNotes(ev, inv, opts.Unit, props)
	syms, folded, tied := collectSymptoms(inv, ev, props)
	rep.Notes = append(rep.Notes, tied...)
	if folded > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d further error line(s) and records of this run were counted but not examined one by one (at most %d distinct symptoms are kept of the service's output)", folded, maxSymptoms))
	}
	contradicted := contradictions(syms, inv)
	var findings []Finding
	var unexplained []*Symptom
	hintAddr, hintPort := ParsePort(execArgv(props))
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
		causes := explain(sym, sb)
		for _, alt := range sym.ErrnoAlternatives {
			if len(causes) > 0 {
				break
			}
			// The wording stands for several errnos: the one the sandbox
			// gives is the one to judge.
			x := *sym
			x.Errno, x.ErrnoAlternatives = alt, nil
			if causes = explain(&x, sb); len(causes) > 0 {
				*sym = x
			}
		}
		if len(causes) == 0 {
			unexplained = append(unexplained, sym)
			continue
		}
		findings = addFindings(findings, sym, i, causes, sb, cfg, contradicted[i])
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
	for _, f := range findings {
		for _, e := range f.Evidence {
			if e.Source == "audit" {
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
		rep.Verdict, rep.Cause = verdictFromExit(inv)
	}
	return rep
}

// addFindings turns the causes of one symptom into findings (rank i:
// the symptom's place), each with its verified relaxations; a symptom the
// kernel's trail contradicts (why) keeps its findings at low confidence,
// with none.
func addFindings(findings []Finding, sym *Symptom, i int, causes []cause, sb *Sandbox, cfg *journal.UnitConfig, why string) []Finding {
	for ci, c := range causes {
		f := Finding{
			Directive:  fileName(sb, c.directive),
			Setting:    c.setting,
			Source:     sourceOf(cfg, c.directive),
			Confidence: c.confidence,
			Symptom:    describe(sym),
			Reason:     c.reason,
			Evidence:   sym.Evidence,
			Confirm:    c.confirm,
			rank:       i*10 + ci,
			kernel:     sym.Trusted(),
		}

		if d, ok := rules.LookupDirective(c.directive); ok {
			f.Man = d.ManURL()
		}
		if f.Source != "" {
			f.Evidence = append(append([]Evidence{}, f.Evidence...), Evidence{Source: "unit", Origin: "config", Text: f.Source + ": " + settingLine(cfg, c.directive, c.setting)})
		}
		f.Relaxations, f.Withheld = relaxations(sym, c, sb)
		if f.Relaxations == nil {
			f.Relaxations = []Relaxation{}
		}
		if f.Confidence == High && len(f.Relaxations) == 0 && len(f.Withheld) == 0 {
			// Every certain finding says what to do, or why nothing here.
			f.Withheld = []string{fmt.Sprintf("no drop-in is offered: nothing narrower than undoing %s removes this symptom in the model, and the reason above says what the fix is instead", f.Setting)}
		}
		if why != "" {
			// The kernel was watching and saw another failure: the
			// service's claim stays as evidence, not as an answer.
			f.Confidence = Low
			f.Reason += "; but " + why
			f.Relaxations, f.Withheld = []Relaxation{}, []string{"no relaxation is proposed for a claim the kernel's audit trail contradicts"}
		}
		findings = mergeFinding(findings, f)
	}
	return findings
}

func hasFindingAbove(r *Report, c Confidence) bool {
	for _, f := range r.Findings {
		if confRank(f.Confidence) > confRank(c) {
			return true
		}
	}
	return false
}

func confRank(c Confidence) int {
	switch c {
	case High:
		return 3
	case Medium:
		return 2
	}
	return 1
}

func mergeFinding(fs []Finding, f Finding) []Finding {
	for i := range fs {
		if fs[i].Directive == f.Directive && fs[i].Setting == f.Setting && sameRelaxations(fs[i].Relaxations, f.Relaxations) {
			if confRank(f.Confidence) > confRank(fs[i].Confidence) {
				fs[i].Confidence, fs[i].Reason = f.Confidence, f.Reason
			}
			for _, e := range f.Evidence {
				if !hasEvidence(fs[i].Evidence, e) {
					fs[i].Evidence = append(fs[i].Evidence, e)
				}
			}
			return fs
		}
	}
	return append(fs, f)
}

func sameRelaxations(a, b []Relaxation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i].Lines, "\n") != strings.Join(b[i].Lines, "\n") {
			return false
		}
	}
	return true
}

func hasEvidence(es []Evidence, e Evidence) bool {
	for _, x := range es {
		if x.Text == e.Text && x.Source == e.Source {
			return true
		}
	}
	return false
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

var auditSerialRe = regexp.MustCompile(`audit\(\d+\.\d+:(\d+)\)`)

func auditSerial(text string) string {
	if m := auditSerialRe.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// fileNames maps directives to the (possibly old) names the unit files use.
func fileNames(cfg *journal.UnitConfig) map[string]string {
	out := map[string]string{}
	if cfg == nil {
		return out
	}
	for _, s := range cfg.Settings {
		if d, ok := rules.LookupDirective(s.Name); ok && d.Name != s.Name {
			out[d.Name] = s.Name
		}
	}
	return out
}

func fileName(sb *Sandbox, directive string) string {
	if n := sb.FileNames[directive]; n != "" {
		return n
	}
	return directive
}

// sourceOf is the file:line of the last assignment of a directive (or an
// old name of it); for a directive never set, of the setting that brought
// it into play (rules.SourceFallbacks).
func sourceOf(cfg *journal.UnitConfig, directive string) string {
	if s, ok := lastSetting(cfg, directive); ok {
		return s.Location()
	}
	return ""
}

func lastSetting(cfg *journal.UnitConfig, directive string) (journal.Setting, bool) {
	if cfg == nil {
		return journal.Setting{}, false
	}
	for _, d := range append([]string{directive}, rules.SourceFallbacks[directive]...) {
		names := []string{d}
		if dd, ok := rules.LookupDirective(d); ok {
			names = append(names, dd.OldNames...)
		}
		if ss := cfg.SettingsOf(names...); len(ss) > 0 {
			return ss[len(ss)-1], true
		}
	}
	return journal.Setting{}, false
}

func settingLine(cfg *journal.UnitConfig, directive, fallback string) string {
	if s, ok := lastSetting(cfg, directive); ok {
		return s.Name + "=" + s.Value
	}
	return fallback
}

// collectSymptoms reads every symptom of the invocation: the executor's
// setup failure, PID 1's exit status and OOM line, the service's own error
// lines and the kernel's audit records of its processes.
func collectSymptoms(inv *Invocation, ev *journal.Evidence, props map[string]string) (syms []Symptom, folded int, tiedNotes []string) {
	var lastService = map[int][]string{} // recent lines per PID, for multi-line errors
	// opless: per PID, the symptom that named no operation, which the
	// stack frames printed after it may name (Java's "at …Net.bind(…)").
	opless := map[int]*oplessSymptom{}
	// A run can print any number of error lines (a compromised service
	// can print millions): each line is parsed once, the look-back for an
	// operation reuses what earlier lines gave, and at most maxSymptoms
	// distinct symptoms are kept, so the cost stays linear in the lines.
	opOf := map[string]string{}
	parseOp := func(line string) string {
		op, ok := opOf[line]
		if !ok {
			if len(opOf) > 4*maxSymptoms {
				clear(opOf)
			}
			op = ParseOp(line, -1, -1)
			opOf[line] = op
		}
		return op
	}
	for _, e := range inv.Entries {
		msg := e.Message()
		switch e.Provenance() {
		case journal.FromExecutor:
			if s, ok := parseSetupLine(msg, inv.ExitStatus); ok {
				s.Time, s.PID = e.Time, e.PID()
				s.Evidence = []Evidence{journalEvidence(e)}
				syms = append(syms, s)
			}
		case journal.FromManager:
			if reNotifyRefused.MatchString(msg) {
				syms = mergeSymptom(syms, Symptom{Kind: KindNotify, Text: msg, Origin: journal.FromManager, Time: e.Time, Evidence: []Evidence{journalEvidence(e)}})
			}
			if e.Fields["MESSAGE_ID"] == journal.MsgUnitOutOfMemory || e.Fields["UNIT_RESULT"] == "oom-kill" {
				syms = mergeSymptom(syms, Symptom{Kind: KindOOM, Text: msg, Origin: journal.FromManager, Time: e.Time, Evidence: []Evidence{journalEvidence(e)}})
			}
		case journal.FromService:
			pid := e.PID()
			speakers := speakersOf(e, props)
			for _, raw := range strings.Split(msg, "\n") {
				line := withoutSpeaker(raw, speakers)
				if len(syms) >= maxSymptoms {
					// Full: count the error lines, parse no further.
					if name, _, _ := ParseErrnoText(line); name != "" {
						folded++
					}
					lastService[pid] = appendRecent(lastService[pid], line)
					continue
				}
				s, ok := ParseServiceLine(line)
				if !ok {
					lastService[pid] = appendRecent(lastService[pid], line)
					if w := opless[pid]; w != nil && w.frames < 8 && isStackFrame(line) {
						w.frames++
						if op := parseOp(line); op != "" && w.index < len(syms) && syms[w.index].Op == "" {
							syms[w.index].Op = op
							delete(opless, pid)
						}
					}
					continue
				}
				delete(opless, pid)
				for i := len(lastService[pid]) - 1; i >= 0 && (s.Op == "" || s.Family == ""); i-- {
					if s.Op == "" {
						s.Op = parseOp(lastService[pid][i])
					}
					if s.Family == "" && s.Errno == "EAFNOSUPPORT" {
						s.Family = ParseFamily(lastService[pid][i])
					}
				}
				lastService[pid] = appendRecent(lastService[pid], line)
				s.Origin, s.Time, s.PID = journal.FromService, e.Time, pid
				s.Evidence = []Evidence{{Source: "journal", Origin: string(journal.FromService), Time: stamp(e.Time), Text: raw}}
				n := len(syms)
				syms = mergeSymptom(syms, s)
				if s.Op == "" && len(syms) > n {
					opless[pid] = &oplessSymptom{index: n}
				}
			}
		}
	}
	// The audit trail of the run's processes.
	from, to := inv.Start.Add(-2*time.Second), inv.End.Add(2*time.Second)
	for _, k := range kernelSymptoms(ev.Entries, inv, props, from, to) {
		if len(syms) >= 2*maxSymptoms {
			folded++
			continue
		}
		syms = mergeSymptom(syms, k)
	}
	audit, ties := runAuditTied(inv, ev, props)
	tiedNotes = ties
	for _, a := range audit {
		if s, ok := auditSymptom(a); ok {
			if len(syms) >= 2*maxSymptoms {
				folded++
				continue
			}
			syms = mergeSymptom(syms, s)
		}
	}
	if inv.Result == "timeout" {
		s := Symptom{Kind: KindTimeout, Text: "start timed out", Origin: journal.FromManager, Time: inv.End}
		for _, e := range inv.Entries {
			if e.Provenance() == journal.FromManager && strings.Contains(e.Message(), "timed out") {
				s.Evidence = append(s.Evidence, journalEvidence(e))
			}
		}
		syms = append(syms, s)
	}
	// PID 1's exit status, when nothing more telling was found.
	if inv.ExitLine != nil {
		ex := journalEvidence(inv.ExitLine)
		switch {
		case (inv.ExitCode == "killed" || inv.ExitCode == "dumped") && inv.ExitStatus == 31:
			found := false
			for i := range syms {
				if syms[i].Kind == KindSeccompKill {
					syms[i].Evidence = append(syms[i].Evidence, ex)
					found = true
				}
			}
			if !found {
				syms = append(syms, Symptom{Kind: KindSeccompKill, Text: inv.ExitLine.Message(), Origin: journal.FromManager, Time: inv.ExitLine.Time, Evidence: []Evidence{ex}})
			}
		case (inv.ExitCode == "killed" || inv.ExitCode == "dumped") && rules.SignalLimits[inv.ExitStatus] != nil:
			// Folded into the kernel's segfault line of the same death, if any.
			syms = mergeSymptom(syms, Symptom{Kind: KindSignal, Signal: inv.ExitStatus, Text: inv.ExitLine.Message(), Origin: journal.FromManager, Time: inv.ExitLine.Time, Evidence: []Evidence{ex}})
		case inv.ExitCode == "exited" && rules.IsSetupStatus(inv.ExitStatus):
			found := false
			for i := range syms {
				if syms[i].Kind == KindSetup {
					syms[i].Evidence = append(syms[i].Evidence, ex)
					found = true
				}
			}
			if !found {
				if s, ok := orphanSetupLine(ev.Entries, inv); ok {
					s.Evidence = append(s.Evidence, ex)
					syms = append(syms, s)
					found = true
				}
			}
			if !found {
				if s, ok := setupFromStatus(inv.ExitStatus); ok {
					s.Text, s.Time, s.Evidence = inv.ExitLine.Message(), inv.ExitLine.Time, []Evidence{ex}
					syms = append(syms, s)
				}
			}
		default:
			for i := range syms {
				syms[i].Evidence = append(syms[i].Evidence, ex)
			}
		}
	}
	return syms, folded, tiedNotes
}

// maxSymptoms bounds the distinct symptoms kept of one run's service
// output (as many again of kernel and audit records): the first ones say
// what was refused; the rest are counted in a note.
const maxSymptoms = 64

func appendRecent(l []string, s string) []string {
	l = append(l, s)
	if len(l) > 8 {
		l = l[len(l)-8:]
	}
	return l
}

type oplessSymptom struct{ index, frames int }

// isStackFrame: a line of a stack trace, as Java, Node, Python and Go
// print them ("\tat pkg.Class.method(File.java:1)", "    at fn (file:1:2)",
// "  File \"x.py\", line 1", "\tmain.go:12 +0x1d").
func isStackFrame(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if t == line {
		return false // frames are indented
	}
	return strings.HasPrefix(t, "at ") || strings.HasPrefix(t, "File \"") || strings.Contains(t, ".go:")
}

// mergeSymptom folds a symptom into an earlier one that reports the same
// failure (runtimes print an error over several lines: Node's `code:
// 'EACCES'`, the kernel's SYSCALL record of the program's message), filling
// in what the earlier one lacked; kernel evidence makes it trusted.
func mergeSymptom(syms []Symptom, s Symptom) []Symptom {
	for i := range syms {
		o := &syms[i]
		if o.Kind != s.Kind || o.Errno != s.Errno || o.Signal != s.Signal {
			continue
		}
		samePath := o.Path == s.Path || o.Path == "" || s.Path == "" || within(o.Path, s.Path) || within(s.Path, o.Path)
		if !samePath || s.Time.Sub(o.Time) > 2*time.Second || o.Time.Sub(s.Time) > 2*time.Second {
			continue
		}
		if s.Kind == KindSeccompKill && o.Syscall != s.Syscall && o.Syscall != "" && s.Syscall != "" {
			continue
		}
		if o.Path == "" || (s.Path != "" && within(s.Path, o.Path) && s.Path != o.Path) {
			o.Path = s.Path
		}
		if o.Mode == "" {
			o.Mode = s.Mode
		}
		if o.Family == "" {
			o.Family = s.Family
		}
		if o.Op == "" {
			o.Op = s.Op
		}
		if o.Port == 0 {
			o.Port, o.Addr = s.Port, s.Addr
		}
		if o.Syscall == "" {
			o.Syscall, o.Arch, o.Code = s.Syscall, s.Arch, s.Code
		}
		if s.Trusted() && !o.Trusted() {
			o.Origin = s.Origin
		}
		for _, e := range s.Evidence {
			if !hasEvidence(o.Evidence, e) {
				o.Evidence = append(o.Evidence, e)
			}
		}
		return syms
	}
	return append(syms, s)
}

var (
	setupOnce sync.Once
	setupRes  []*regexp.Regexp
)

// parseSetupLine matches an executor line against the known setup
// failure messages.
func parseSetupLine(msg string, status int) (Symptom, bool) {
	setupOnce.Do(func() {
		for _, m := range rules.SetupMessages {
			setupRes = append(setupRes, regexp.MustCompile(m.Pattern))
		}
	})
	if i := strings.Index(msg, ": "); i > 0 && strings.Contains(msg[:i], ".") && !strings.Contains(msg[:i], " ") {
		msg = msg[i+2:] // "<unit>: " prefix
	}
	for i, re := range setupRes {
		m := re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		sm := &rules.SetupMessages[i]
		s := Symptom{Kind: KindSetup, Step: sm.Step, Setup: sm, Text: msg, Origin: journal.FromExecutor}
		for gi, name := range re.SubexpNames() {
			switch name {
			case "path":
				s.Path = strings.TrimPrefix(m[gi], rules.UnitRootPrefix)
			case "err":
				s.Errno, _, _ = ParseErrnoText(m[gi])
			}
		}
		if sm.Executable {
			s.Op = "exec"
		}
		return s, true
	}
	return Symptom{}, false
}

func setupFromStatus(status int) (Symptom, bool) {
	st, ok := rules.LookupExitStatus(status)
	if !ok {
		return Symptom{}, false
	}
	for i := range rules.SetupMessages {
		sm := &rules.SetupMessages[i]
		if sm.Step == st.Name && !sm.PathList {
			return Symptom{Kind: KindSetup, Step: st.Name, Setup: sm, Origin: journal.FromManager}, true
		}
	}
	return Symptom{}, false
}

// argvPort is the one port a command line names ("listen 7070",
// "--port=8080", "0.0.0.0:9000"), 0 when it names none or several.
func argvPort(argv string) int {
	if _, p := ParsePort(argv); p > 0 {
		return p
	}
	port := 0
	for _, w := range strings.Fields(argv) {
		if _, v, ok := strings.Cut(w, "="); ok {
			w = v
		}
		if n, err := strconv.Atoi(w); err == nil && n > 0 && n < 65536 {
			if port != 0 {
				return 0
			}
			port = n
		}
	}
	return port
}

func isNetworkErrno(errno, op string) bool {
	switch errno {
	case "ETIMEDOUT", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH":
		return true
	case "EPERM":
		return op == "sendto" || op == "connect"
	}
	return false
}

// execField reads one field of ExecStart= as systemctl show prints it:
// "{ path=/usr/bin/x ; argv[]=/usr/bin/x -a ; … }".
func execField(props map[string]string, field string) string {
	v := props["ExecStart"]
	i := strings.Index(v, field+"=")
	if i < 0 {
		return ""
	}
	rest := v[i+len(field)+1:]
	if j := strings.Index(rest, " ;"); j >= 0 {
		return rest[:j]
	}
	return ""
}

// speakersOf are the names a line of e's output may start with to say who
// speaks (error(3) and perror style: "PROGRAM: OBJECT: strerror"): the
// process's executable, and the unit's ExecStart= program and argv[0].
// The speaker is never the object of the failure.
func speakersOf(e *journal.Entry, props map[string]string) []string {
	var out []string
	for _, p := range []string{e.Get("_EXE"), execPath(props), strings.SplitN(execArgv(props), " ", 2)[0]} {
		if strings.HasPrefix(p, "/") {
			out = append(out, p)
		}
	}
	return out
}

// withoutSpeaker drops a leading "SPEAKER: " from a line when SPEAKER is
// one of the process's own program paths, so that its path is not taken
// for the file that failed ("/usr/sbin/logrotate: error: creating state
// file /var/lib/logrotate/status: Read-only file system").
func withoutSpeaker(line string, speakers []string) string {
	for _, sp := range speakers {
		if rest, ok := strings.CutPrefix(line, sp+": "); ok {
			return rest
		}
	}
	return line
}

// execArgv is ExecStart='s command line; execPath its program.
func execArgv(props map[string]string) string { return execField(props, "argv[]") }
func execPath(props map[string]string) string { return execField(props, "path") }

func auditExe(a *journal.AuditEvent) string {
	for _, r := range a.Records {
		if e := r.Raw["exe"]; e != "" {
			return e
		}
	}
	return ""
}

var (
	rePidsRejected = regexp.MustCompile(`fork rejected by pids controller in (\S+)`)
	// PID 1 refusing sd_notify: "Got notification message from PID 400, but
	// reception only permitted for main PID 393" (lab: notifyaccess-child),
	// or "… but reception is disabled" (NotifyAccess=none).
	reNotifyRefused = regexp.MustCompile(`Got notification message from PID \d+, but reception (?:only permitted for main PID|is disabled|only permitted for)`)
	reAVCPerm       = regexp.MustCompile(`denied\s+\{ ([^}]+) \}`)
	// "capp[1069]: segfault at 7ffe3a65c580 ip 0000562ecc81d887 sp 00007ffe3a65c580 error 6 in …"
	reSegfault  = regexp.MustCompile(`(?:^|\s)(\S{1,15})\[(\d+)\]: segfault at ([0-9a-f]+) ip [0-9a-f]+ sp ([0-9a-f]+)`)
	reOOMKilled = regexp.MustCompile(`(?:Memory cgroup out of memory|Out of memory): Killed process (\d+)`)
)

// kernelSymptoms reads the kernel log lines (_TRANSPORT=kernel) of the
// window that concern the unit: the pids controller refusing a fork in its
// cgroup, the OOM killer killing one of its processes.
func kernelSymptoms(entries []journal.Entry, inv *Invocation, props map[string]string, from, to time.Time) []Symptom {
	cg := props["ControlGroup"]
	var out []Symptom
	for i := range entries {
		e := &entries[i]
		if e.Fields["_TRANSPORT"] != "kernel" || !e.IsKernel() || e.Time.Before(from) || e.Time.After(to) {
			continue
		}
		msg := e.Message()
		if m := rePidsRejected.FindStringSubmatch(msg); m != nil && (m[1] == cg || strings.HasSuffix(m[1], "/"+invUnit(inv))) {
			out = append(out, Symptom{Kind: KindErrno, Errno: "EAGAIN", Op: "fork", Text: msg, Origin: journal.FromKernel, Time: e.Time,
				Evidence: []Evidence{journalEvidence(e)}})
		}
		if m := reSegfault.FindStringSubmatch(msg); m != nil {
			// The run's PIDs come from its output; a program that died
			// before printing anything is known by its name (the kernel's
			// comm, 15 bytes of the executable's name).
			pid, _ := strconv.Atoi(m[2])
			if inv.PIDs[pid] || len(inv.PIDs) == 0 && m[1] != "" && m[1] == commOf(execPath(props)) {
				s := Symptom{Kind: KindSignal, Signal: 11, Op: "segfault", Text: msg, Origin: journal.FromKernel, Time: e.Time, PID: pid, Evidence: []Evidence{journalEvidence(e)}}
				at, err1 := strconv.ParseUint(m[3], 16, 64)
				sp, err2 := strconv.ParseUint(m[4], 16, 64)
				if err1 == nil && err2 == nil && (at > sp && at-sp < 1<<16 || sp >= at && sp-at < 1<<16) {
					s.Op = "stack-overflow"
				}
				out = append(out, s)
			}
		}
		if m := reOOMKilled.FindStringSubmatch(msg); m != nil {
			if pid, _ := strconv.Atoi(m[1]); inv.PIDs[pid] {
				out = append(out, Symptom{Kind: KindOOM, Text: msg, Origin: journal.FromKernel, Time: e.Time, Evidence: []Evidence{journalEvidence(e)}})
			}
		}
	}
	return out
}

// commOf is the name the kernel gives a process running path.
func commOf(path string) string {
	b := path[strings.LastIndexByte(path, '/')+1:]
	if len(b) > 15 {
		b = b[:15]
	}
	return b
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

// configWarnings are PID 1's complaints about the unit's files: a setting
// it ignored is a protection that is not in force.
func configWarnings(entries []journal.Entry, unit string, until time.Time) []string {
	var out []string
	seen := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		if e.Fields["MESSAGE_ID"] != rules.ConfigWarningMessageID || e.Fields["UNIT"] != unit || e.Provenance() != journal.FromManager {
			continue
		}
		if !until.IsZero() && e.Time.After(until) {
			continue
		}
		m := e.Message()
		if seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, "systemd ignored part of the unit's configuration: "+m+" — whatever that line was meant to enforce is not in force")
	}
	return out
}

// contradictions finds the service's claims the kernel contradicts: when
// the audit trail of the run records a failed call with some errno (an
// audit rule was watching for it) on one path, a service line claiming
// the same errno on another path that the kernel did not record is not
// believed. Keyed by index in syms, with the reason.
func contradictions(syms []Symptom, inv *Invocation) map[int]string {
	seen := map[string]string{} // errno -> a path the kernel recorded it on
	for _, s := range syms {
		if s.Kind == KindErrno && s.Path != "" && s.Trusted() && hasAuditEvidence(s) {
			seen[s.Errno] = s.Path
		}
	}
	out := map[int]string{}
	for i, s := range syms {
		if s.Kind != KindErrno || s.Path == "" || s.Trusted() {
			continue
		}
		if p, ok := seen[s.Errno]; ok && p != s.Path {
			out[i] = fmt.Sprintf("the kernel's audit trail of the run records %s on %s, and nothing on %s: the service's own line is not borne out", s.Errno, p, s.Path)
		}
	}
	// A kill of the whole process by SIGSYS cannot be how a main process
	// ended that PID 1 says exited with a status.
	if main := mainPID(inv); main > 0 && inv.ExitCode == "exited" {
		for i, s := range syms {
			if s.Kind == KindSeccompKill && s.PID == main && s.Code == "0x80000000" {
				out[i] = fmt.Sprintf("PID 1 says the main process (PID %d) exited with status %d, which a kill by SIGSYS of that process cannot give", main, inv.ExitStatus)
			}
		}
	}
	return out
}

// mainPID is the PID the run started with: that of its earliest entry from
// the executor or the service (the executor execs into the main process).
func mainPID(inv *Invocation) int {
	for _, e := range inv.Entries {
		if p := e.Provenance(); (p == journal.FromExecutor || p == journal.FromService) && e.PID() > 1 {
			return e.PID()
		}
	}
	return 0
}

func hasAuditEvidence(s Symptom) bool {
	for _, e := range s.Evidence {
		if e.Origin == string(journal.FromKernel) && strings.Contains(e.Text, "SYSCALL") {
			return true
		}
	}
	return false
}

// orphanSetupLine finds the executor's reason for a setup failure when
// journald could not attach the usual metadata: the pre-exec fork logs
// and dies at once, before journald reads its /proc entry, so the line
// has no _EXE and no _SYSTEMD_UNIT (lab: statedirectory-file). What is
// left is trusted by the kernel — _UID=0 and _PID from the socket's
// credentials — plus systemd's "(program)" identifier and the "UNIT: "
// prefix. It is only looked for when PID 1 itself reported a setup exit
// status, which the line then explains; it never makes a verdict alone.
func orphanSetupLine(entries []journal.Entry, inv *Invocation) (Symptom, bool) {
	unit := invUnit(inv)
	from, to := inv.Start.Add(-time.Second), inv.End.Add(time.Second)
	for i := range entries {
		e := &entries[i]
		id := e.Get("SYSLOG_IDENTIFIER")
		if e.Get("_UID") != "0" || e.Get("_EXE") != "" || e.Get("_TRANSPORT") != "journal" || e.PID() <= 1 ||
			!strings.HasPrefix(id, "(") || !strings.HasSuffix(id, ")") || e.Time.Before(from) || e.Time.After(to) {
			continue
		}
		msg := e.Message()
		if !strings.HasPrefix(msg, unit+": ") {
			continue
		}
		if s, ok := parseSetupLine(msg, inv.ExitStatus); ok {
			s.Time, s.PID = e.Time, e.PID()
			s.Evidence = []Evidence{journalEvidence(e)}
			return s, true
		}
	}
	return Symptom{}, false
}

// runAudit is the audit trail of the run's processes: events of its PIDs
// (or, when no PID is known, of its executable) within its time.
func runAudit(inv *Invocation, ev *journal.Evidence, props map[string]string) []*journal.AuditEvent {
	evs, _ := runAuditTied(inv, ev, props)
	return evs
}

// runAuditTied is runAudit with, for each event not tied by a PID the
// journal gave the run, how it was tied instead. A process killed at its
// first refused call often wrote nothing, so no journal line gives its
// PID; and ExecStart= may name a link (/sbin/modprobe → /usr/bin/kmod),
// so the record's exe is not the unit's program. Such a record still
// belongs to the run when its command name is the program's and its time
// is the run's, or when it is the SIGSYS kill PID 1 reports at the same
// moment.
func runAuditTied(inv *Invocation, ev *journal.Evidence, props map[string]string) ([]*journal.AuditEvent, []string) {
	from, to := inv.Start.Add(-2*time.Second), inv.End.Add(2*time.Second)
	exe := execPath(props)
	comm := ""
	if exe != "" {
		comm = commOf(exe)
	}
	killedBySys := (inv.ExitCode == "killed" || inv.ExitCode == "dumped") && inv.ExitStatus == 31
	unit := invUnit(inv)
	var out []*journal.AuditEvent
	var ties []string
	for i := range ev.Audit {
		a := &ev.Audit[i]
		if a.Time.Before(from) || a.Time.After(to) {
			continue
		}
		switch {
		case inv.PIDs[a.PID()]:
		case len(inv.PIDs) == 0 && exe != "" && auditExe(a) == exe:
		case comm != "" && auditComm(a) == comm && !pidElsewhere(ev, a.PID(), unit):
			ties = append(ties, fmt.Sprintf("the audit record of PID %d was tied to this run by its command name (%s, the program of ExecStart=, run as %s) and its time: the process wrote nothing to the journal", a.PID(), comm, orDefault(auditExe(a), "?")))
		case killedBySys && isSigsysKill(a) && inv.ExitLine != nil && absDuration(a.Time.Sub(inv.ExitLine.Time)) <= 2*time.Second && !pidElsewhere(ev, a.PID(), unit):
			ties = append(ties, fmt.Sprintf("the SECCOMP record of PID %d was tied to this run by PID 1's report of a SIGSYS death at the same moment", a.PID()))
		default:
			continue
		}
		out = append(out, a)
	}
	return out, ties
}

func auditComm(a *journal.AuditEvent) string {
	for _, r := range a.Records {
		if c := r.Raw["comm"]; c != "" {
			return strings.Trim(c, `"`)
		}
	}
	return ""
}

func isSigsysKill(a *journal.AuditEvent) bool {
	r := a.Record("SECCOMP")
	return r != nil && r.Raw["sig"] == "31"
}

// pidElsewhere: a journal line of a unit other than unit names the PID.
func pidElsewhere(ev *journal.Evidence, pid int, unit string) bool {
	for i := range ev.Entries {
		e := &ev.Entries[i]
		if e.PID() != pid {
			continue
		}
		if u := e.Unit(); u != "" && u != unit {
			return true
		}
	}
	return false
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// seccompLogAction is the SECCOMP record code of SystemCallLog=: the call
// was allowed and logged.
const seccompLogAction = "0x7ffc0000"

// syscallLogNote lists the calls SystemCallLog= had the kernel record
// during the run. In a tuning run (SystemCallLog=~@system-service, say)
// they are exactly the calls a SystemCallFilter= would have to allow.
func syscallLogNote(audit []*journal.AuditEvent) string {
	var names []string
	seen := map[string]bool{}
	for _, a := range audit {
		r := a.Record("SECCOMP")
		if r == nil || r.Raw["code"] != seccompLogAction {
			continue
		}
		n := syscallName(r)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("SystemCallLog= had the kernel log these calls of the run (allowed, not refused): %s — a SystemCallFilter= for this service must allow them (SystemCallFilter=%s)",
		strings.Join(names, ", "), strings.Join(names, " "))
}

// runNotes are what the operator should know about the run besides its
// failure: settings systemd ignored or cannot enforce, and the calls a
// SystemCallLog= tuning run recorded.
func runNotes(ev *journal.Evidence, inv *Invocation, unit string, props map[string]string) []string {
	notes := configWarnings(ev.Entries, unit, inv.End)
	notes = append(notes, unenforcedNotes(ev.Host, props, ev.Unit)...)
	if n := containerNote(ev.Host, props); n != "" {
		notes = append(notes, n)
	}
	if n := syscallLogNote(runAudit(inv, ev, props)); n != "" {
		notes = append(notes, n)
	}
	return notes
}

// containerNote warns that on a container host the unit's namespace
// settings may not be in force at all.
func containerNote(host journal.HostInfo, props map[string]string) string {
	if !rules.Containers[host.Virtualization] {
		return ""
	}
	var set []string
	for dir, values := range rules.MountTables {
		v := props[dir]
		if isYes(v) {
			v = "yes"
		}
		if len(values[v]) > 0 {
			set = append(set, dir+"="+props[dir])
		}
	}
	for _, l := range rules.PathListDirectives {
		if strings.TrimSpace(props[l.Directive]) != "" {
			set = append(set, l.Directive+"=")
		}
	}
	if len(set) == 0 {
		return ""
	}
	sort.Strings(set)
	return fmt.Sprintf("this host is a container (%s): where the runtime refuses new namespaces, systemd runs the service without its namespace settings (%s here) and logs that only at debug level, so they may not be in force; `systemctl log-level debug` and a restart show it",
		host.Virtualization, strings.Join(set, ", "))
}

// unenforcedNotes names the settings this host's systemd accepts but
// cannot enforce (built without its BPF framework): a protection the
// operator believes in that is not there.
func unenforcedNotes(host journal.HostInfo, props map[string]string, cfg *journal.UnitConfig) []string {
	if !host.Lacks("BPF_FRAMEWORK") {
		return nil
	}
	var out []string
	for _, d := range rules.BPFDirectives {
		set := strings.TrimSpace(props[d]) != ""
		if cfg != nil {
			for _, st := range cfg.Settings {
				if st.Name == d && strings.TrimSpace(st.Value) != "" {
					set = true
				}
			}
		}
		if set {
			out = append(out, fmt.Sprintf("%s= is set, but this systemd (%d) was built without its BPF framework (-BPF_FRAMEWORK): the setting is accepted and not enforced", d, host.SystemdVersion))
		}
	}
	return out
}

// auditSymptom turns a kernel audit event into a symptom.
func auditSymptom(a *journal.AuditEvent) (Symptom, bool) {
	text := ""
	if len(a.Records) > 0 {
		text = a.Records[0].Type + " " + a.Records[0].Text
	}
	ev := Evidence{Source: "audit", Origin: string(journal.FromKernel), Time: stamp(a.Time), Text: text}
	if a.Source == "journal" {
		ev.Source = "journal"
	}
	base := Symptom{Origin: journal.FromKernel, Time: a.Time, PID: a.PID(), Text: text, Evidence: []Evidence{ev}}
	if r := a.Record("SECCOMP"); r != nil {
		code := r.Raw["code"]
		base.Syscall, base.Arch, base.Code = syscallName(r), r.Fields["arch"], code
		switch {
		case code == "0x80000000" || code == "0x0" || code == "0x00000000":
			base.Kind = KindSeccompKill
			return base, true
		case strings.HasPrefix(code, "0x5"):
			n, err := strconv.ParseInt(strings.TrimPrefix(code, "0x"), 16, 64)
			if err == nil {
				base.Kind, base.Errno, base.Op = KindErrno, errnoNameOf(int(n&0xffff)), base.Syscall
				return base, true
			}
		}
		return Symptom{}, false // SystemCallLog= records: the call was allowed
	}
	if r := a.Record("AVC"); r != nil && (r.Raw["apparmor"] == "DENIED" || strings.Contains(r.Text, "denied")) {
		base.Kind = KindLSM
		base.Text = describeLSM(r)
		base.Path = orDefault(r.Raw["name"], r.Raw["path"])
		return base, true
	}
	if r := a.Record("SYSCALL"); r != nil && r.Raw["success"] == "no" {
		errno := r.Fields["exit"]
		if !strings.HasPrefix(errno, "E") {
			return Symptom{}, false
		}
		base.Kind, base.Errno, base.Op = KindErrno, errno, r.Fields["syscall"]
		parent := ""
		for _, rec := range a.Records {
			if rec.Type != "PATH" || rec.Fields["name"] == "" {
				continue
			}
			if rec.Raw["nametype"] == "PARENT" {
				parent = strings.TrimSuffix(rec.Fields["name"], "/")
				continue
			}
			base.Path = rec.Fields["name"]
			if mode := rec.Raw["mode"]; mode != "" {
				base.Mode = fmt.Sprintf("mode %s, owner uid %s gid %s", strings.TrimPrefix(mode, "0100"), rec.Raw["ouid"], rec.Raw["ogid"])
			}
		}
		if base.Path == "" {
			base.Path = parent
		}
		if base.Path != "" && !strings.HasPrefix(base.Path, "/") {
			if cwd := a.Record("CWD"); cwd != nil {
				base.Path = filepath.Join(cwd.Fields["cwd"], base.Path)
			}
		}
		switch base.Op {
		case "openat", "open", "creat", "openat2":
			base.Op = "open"
		}
		return base, true
	}
	return Symptom{}, false
}

// syscallName names the syscall of a SECCOMP record, or says it is unknown
// (auparse leaves the number when its table for that arch lacks it).
func syscallName(r *journal.AuditRecord) string {
	name := r.Fields["syscall"]
	if _, err := strconv.Atoi(name); err == nil || name == "" {
		return fmt.Sprintf("unknown(%s)", r.Raw["syscall"])
	}
	return name
}

// describeLSM puts an AVC record in words, with the tool that explains or
// adjusts the policy.
func describeLSM(r *journal.AuditRecord) string {
	f := r.Raw
	if f["apparmor"] != "" {
		return fmt.Sprintf("AppArmor profile %s denied %s of %s (requested %q); adjust the profile with aa-logprof, or see `aa-status`", f["profile"], f["operation"], orDefault(f["name"], "?"), f["requested_mask"])
	}
	perm := ""
	if m := reAVCPerm.FindStringSubmatch(r.Text); m != nil {
		perm = " { " + m[1] + " }"
	}
	return fmt.Sprintf("SELinux denied%s on %s (source context %s, target context %s, class %s); `audit2why` explains it and `audit2allow` drafts a policy module", perm, orDefault(f["name"], orDefault(f["path"], "an access")), f["scontext"], f["tcontext"], f["tclass"])
}

func journalEvidence(e *journal.Entry) Evidence {
	return Evidence{Source: "journal", Origin: string(e.Provenance()), Time: stamp(e.Time), Text: e.Message()}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

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
		fmt.Fprintf(&b, " from %s", s.Op)
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
	case s.Kind == KindErrno && s.Path != "" && (s.Errno == "EACCES" || s.Errno == "EPERM") && s.Mode != "":
		return fmt.Sprintf("%s: no sandbox setting of the unit hides or protects %s; the kernel reports the file as %s, which refuses %s (grant access with ownership, group membership via SupplementaryGroups=, or an ACL)", describe(s), s.Path, s.Mode, who)
	case s.Kind == KindErrno && s.Path != "" && (s.Errno == "EACCES" || s.Errno == "EPERM"):
		return fmt.Sprintf("%s: no sandbox setting of the unit hides or protects %s; the file's own mode and owner refuse %s (check `ls -l %s` and `namei -l %s`)", describe(s), s.Path, who, s.Path, s.Path)
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

// verdictFromExit: a failed run with no symptom at all.
func verdictFromExit(inv *Invocation) (Verdict, string) {
	if inv.ExitLine == nil {
		return VerdictUnknown, "the run failed (result " + inv.Result + ") but no exit line was found"
	}
	if inv.ExitCode == "exited" && !rules.IsSetupStatus(inv.ExitStatus) {
		var last string
		for _, e := range inv.Entries {
			if e.Provenance() == journal.FromService {
				if p, err := strconv.Atoi(e.Fields["PRIORITY"]); err != nil || p <= 4 || last == "" {
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
		}
		return VerdictNotSandbox, cause + "; nothing in its output or in the kernel's records points at the sandbox"
	}
	return VerdictUnknown, fmt.Sprintf("the run ended %s with status %d and no evidence says why", inv.ExitCode, inv.ExitStatus)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
