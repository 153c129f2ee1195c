package tune

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/rules"
)

// The other half of tuning: a unit that works but runs nearly unconfined
// is tried under every hardening setting it does not use, in groups; a
// group that keeps it healthy is kept whole, one that breaks it is split,
// and a single setting that breaks it is diagnosed as a failure would be
// and kept with its narrowest relaxation when one exists. N settings cost
// about log2(N) trials per failing setting, not N.

// Candidate is one setting tighten may propose.
type Candidate struct {
	Directive string `json:"directive"`
	Line      string `json:"line"`
	Protects  string `json:"protects"`
	// Expect says why the unit's program is known not to bear it (then
	// it is tried last, alone).
	Expect string `json:"expect,omitempty"`
}

// Candidates are the records' Tighten values the unit does not already
// meet, for the host's systemd release (0: any), in record order; those
// the unit's program is known not to bear come last.
func Candidates(props map[string]string, version int) []Candidate {
	var out, last []Candidate
	program := filepath.Base(diagnose.ExecPath(props))
	for _, d := range rules.DirectiveList() {
		if d.Tighten == "" || (version > 0 && d.Since > version) || meets(d, props[d.Name]) {
			continue
		}
		v := d.Tighten
		if v == "<none>" {
			v = ""
		}
		c := Candidate{Directive: d.Name, Line: d.Name + "=" + v, Protects: d.Protects}
		if u := d.Unbearable; u != nil && slices.Contains(u.Programs, program) {
			c.Expect = program + ": " + u.Why
			last = append(last, c)
			continue
		}
		out = append(out, c)
	}
	return append(out, last...)
}

// meets says whether the unit's value is already as strong as the one
// tighten would try.
func meets(d rules.Directive, current string) bool {
	cur := strings.TrimSpace(current)
	switch {
	case d.Name == "CapabilityBoundingSet":
		// systemctl show prints the whole set when the unit sets none.
		return cur != "" && !strings.Contains(strings.ToLower(cur), "cap_sys_admin")
	case d.Name == "UMask":
		return strings.HasSuffix(cur, "7")
	case d.Merge != rules.Replace || d.Name == "SystemCallArchitectures":
		return cur != ""
	case d.Ladder != nil:
		if rules.IsTrue(cur) {
			cur = "yes"
		}
		return d.Rank(cur) <= d.Rank(d.Tighten)
	}
	return rules.IsTrue(cur)
}

// TightenOptions of a tighten run.
type TightenOptions struct {
	Unit   string
	Check  func(ctx context.Context) (ok bool, output string)
	Settle time.Duration
	Apply  bool
	// Props are the unit's properties (systemctl show) and Version the
	// host's systemd release: they choose the candidates.
	Props   map[string]string
	Version int
	// MaxTrials bounds the run (default 80).
	MaxTrials     int
	Poll, Timeout time.Duration
	Log           func(format string, args ...any)
}

// Proposal is what a tighten run found the unit bears.
type Proposal struct {
	Lines    []Proposed `json:"lines"`
	Rejected []Rejected `json:"rejected"`
	Trials   []Trial    `json:"trials"`
	// Exposure before and after, from systemd-analyze security; nil when
	// it could not be measured.
	ExposureBefore *float64 `json:"exposure_before"`
	ExposureAfter  *float64 `json:"exposure_after"`
	Applied        string   `json:"applied,omitempty"` // the kept drop-in (--apply)
	Reason         string   `json:"reason"`
}

// Proposed is one line of the proposal, with the trial that proved it and
// what it protects; For names the candidate a relaxation line keeps
// bearable.
type Proposed struct {
	Setting  string `json:"setting"`
	Trial    int    `json:"trial"`
	Protects string `json:"protects,omitempty"`
	For      string `json:"for,omitempty"`
}

// Rejected is a candidate the unit did not bear, and why.
type Rejected struct {
	Setting string `json:"setting"`
	Trial   int    `json:"trial"`
	Why     string `json:"why"`
}

// Trial is one run of the unit under a set of settings.
type Trial struct {
	Trial  int      `json:"trial"`
	Tried  []string `json:"tried"` // the lines beyond those already kept
	Result string   `json:"result"`
	Note   string   `json:"note,omitempty"`
}

// Tighten tries the candidates on opts.Unit and proposes what it bears.
// Without opts.Apply the unit ends as it began: the trials' drop-in is
// removed and the unit restarted (or stopped) as it was.
func (t *Tuner) Tighten(ctx context.Context, opts TightenOptions) (*Proposal, error) {
	if opts.MaxTrials <= 0 {
		opts.MaxTrials = 80
	}
	opts.Poll, opts.Timeout = trialTiming(opts.Poll, opts.Timeout, opts.Settle)
	logf := orNop(opts.Log)
	_, before, err := t.begin(opts.Unit, "tighten")
	if err != nil {
		return nil, err
	}
	st := &State{Unit: opts.Unit, Started: t.Now(), WasRunning: before.Active == "active"}
	if err := st.save(); err != nil {
		return nil, fmt.Errorf("cannot record the run in %s: %w", StateDir, err)
	}
	dir := t.Systemd.DropInDir(opts.Unit)
	tempPath, keepPath := filepath.Join(dir, TightenTemp), filepath.Join(dir, TightenDropIn)
	s := &tightening{t: t, opts: opts, st: st, tempPath: tempPath, out: &Proposal{}, logf: logf}
	// As tune does: the kernel records refused file operations while the
	// trials run, so a program that says nothing useful is still read.
	t.startAudit(st, logf)
	defer func() {
		removeOurs(tempPath)
		if st.AuditKey != "" {
			t.Audit.Delete(st.AuditKey)
			st.AuditKey = ""
		}
		t.Systemd.DaemonReload()
		st.Finished = true
		st.save()
	}()

	if t.Exposure != nil {
		if e, err := t.Exposure(opts.Unit); err == nil {
			s.out.ExposureBefore = &e
		} else {
			logf("exposure before: %v", err)
		}
	}
	// The unit must work as it is: tightening a broken service proves
	// nothing (harden tune is for that).
	if res, note := s.trial(ctx, nil); res != "healthy" {
		s.out.Reason = fmt.Sprintf("the unit does not pass as it is (%s%s): tighten needs a working service and a check it passes; see `harden why %s` or `harden tune %s`", res, note, opts.Unit, opts.Unit)
		s.restore(before)
		return s.out, nil
	}
	cands := Candidates(opts.Props, opts.Version)
	if len(cands) == 0 {
		s.out.Reason = "the unit already sets every hardening setting harden knows"
		s.restore(before)
		return s.out, nil
	}
	// The settings the program is known not to bear are tried alone,
	// after the others: in a group each would fail it, and cost a split.
	i := len(cands)
	for i > 0 && cands[i-1].Expect != "" {
		i--
	}
	s.search(ctx, cands[:i])
	for _, c := range cands[i:] {
		s.logf("%s: tried alone, last (%s)", c.Line, c.Expect)
		s.search(ctx, []Candidate{c})
	}
	switch {
	case ctx.Err() != nil:
		s.out.Reason = "interrupted: nothing is proposed from an unfinished run"
		s.out.Lines = nil
	case s.trials >= opts.MaxTrials:
		s.out.Reason = fmt.Sprintf("stopped after %d trials; the lines below were proven, the settings not listed were not tried", s.trials)
	default:
		s.out.Reason = fmt.Sprintf("%d of %d settings kept after %d trials", s.kept, len(cands), s.trials)
	}
	if len(s.out.Lines) > 0 && ctx.Err() == nil {
		// The exposure with everything kept loaded.
		if err := writeAtomic(tempPath, s.render(s.out.Lines)); err == nil && t.Systemd.DaemonReload() == nil && t.Exposure != nil {
			if e, err := t.Exposure(opts.Unit); err == nil {
				s.out.ExposureAfter = &e
			}
		}
		if opts.Apply {
			if err := writeAtomic(keepPath, s.render(s.out.Lines)); err != nil {
				return s.out, err
			}
			st.addFile(keepPath)
			st.save()
			s.out.Applied = keepPath
			removeOurs(tempPath)
			t.Systemd.DaemonReload()
			if before.Active == "active" {
				t.Systemd.Restart(opts.Unit)
			}
			return s.out, nil
		}
	}
	s.restore(before)
	return s.out, nil
}

// tightening is the state of one tighten run.
type tightening struct {
	t        *Tuner
	opts     TightenOptions
	st       *State
	tempPath string
	out      *Proposal
	logf     func(string, ...any)
	trials   int
	kept     int
	// lastReport is the diagnosis of the last trial that did not pass.
	lastReport *diagnose.Report
	// lastLogged are the calls SystemCallLog= recorded in the last trial.
	lastLogged []string
	// lastResult is the last trial's result.
	lastResult string
}

// restore leaves the unit as it was found: harden's trial drop-in gone,
// running again if it ran, stopped if it was stopped.
func (s *tightening) restore(before Status) {
	removeOurs(s.tempPath)
	s.t.Systemd.DaemonReload()
	if before.Active == "active" {
		s.t.Systemd.Restart(s.opts.Unit)
	} else {
		s.t.Systemd.Stop(s.opts.Unit)
	}
}

// keptLines are the lines proven so far.
func (s *tightening) keptLines() []string {
	var l []string
	for _, p := range s.out.Lines {
		l = append(l, p.Setting)
	}
	return l
}

// search keeps what of group the unit bears along with what was kept
// before: the whole group in one trial when it passes, else each half.
func (s *tightening) search(ctx context.Context, group []Candidate) {
	if len(group) == 0 || ctx.Err() != nil || s.trials >= s.opts.MaxTrials {
		return
	}
	lines := make([]string, len(group))
	for i, c := range group {
		lines[i] = c.Line
	}
	if res, _ := s.trial(ctx, lines); res == "healthy" {
		for _, c := range group {
			s.keep(Proposed{Setting: c.Line, Trial: s.trials, Protects: c.Protects})
		}
		return
	}
	if len(group) == 1 {
		s.resolve(ctx, group[0])
		return
	}
	half := len(group) / 2
	s.search(ctx, group[:half])
	s.search(ctx, group[half:])
}

// keptLine is the kept line that sets directive, or "".
func (s *tightening) keptLine(directive string) string {
	for _, p := range s.out.Lines {
		if name, _, _ := strings.Cut(p.Setting, "="); name == directive && p.For == "" {
			return p.Setting
		}
	}
	return ""
}

func (s *tightening) keep(p Proposed) {
	s.out.Lines = append(s.out.Lines, p)
	if p.For == "" {
		s.kept++
	}
}

// maxRelaxations bounds the relaxations tried to keep one setting, and
// maxListAdditions those that add to the candidate's own list: a root
// daemon under CapabilityBoundingSet= meets its capabilities one refusal
// at a time (nginx: CAP_CHOWN, CAP_NET_BIND_SERVICE, CAP_SETGID,
// CAP_SETUID, …), each named by the kernel or its own words.
const (
	maxRelaxations   = 4
	maxListAdditions = 8
)

// addsTo: every line adds to directive's own list (CapabilityBoundingSet=
// CAP_X after CapabilityBoundingSet=).
func addsTo(lines []string, directive string) bool {
	for _, l := range lines {
		if name, _, _ := strings.Cut(l, "="); name != directive || !listAdds(name) {
			return false
		}
	}
	return len(lines) > 0
}

// resolve: the unit does not bear c alone. Its failure is diagnosed as
// harden why would; while a finding offers a narrow relaxation, c is tried
// again with it (ProtectSystem=strict with StateDirectory=app, rather than
// no ProtectSystem= at all). A relaxation that only lowers or switches off
// c itself means c is rejected.
func (s *tightening) resolve(ctx context.Context, c Candidate) {
	extra, done := s.observe(ctx, c)
	if done {
		return
	}
	tried := map[string]bool{}
	others, adds := 0, 0
	for ctx.Err() == nil && s.trials < s.opts.MaxTrials {
		rep := s.lastReport
		if rep == nil || rep.Verdict != diagnose.VerdictSandbox || len(rep.Findings) == 0 {
			if why := rules.Directives[c.Directive].CheckBreaks; why != "" && s.lastResult == "check-failed" {
				s.reject(c, "the check failed while the unit ran and was refused nothing: "+why)
				return
			}
			if others+adds == 0 && s.passesAgain(ctx, c) {
				return
			}
			why := "the unit failed the trial, and harden does not tie the failure to a setting"
			if rep != nil && rep.Cause != "" {
				why += ": " + rep.Cause
			}
			s.reject(c, why)
			return
		}
		f := findingFor(rep, c.Directive)
		next := firstUntried(f, tried)
		if next == nil {
			s.reject(c, fmt.Sprintf("%s: %s, and no narrower relaxation than dropping it", f.Directive, f.Symptom))
			return
		}
		tried[strings.Join(next.Lines, "\n")] = true
		if addsTo(next.Lines, c.Directive) {
			adds++
		} else {
			others++
		}
		if adds > maxListAdditions || others > maxRelaxations {
			break
		}
		for _, l := range next.Lines {
			if name, _, _ := strings.Cut(l, "="); name == c.Directive && !listAdds(name) {
				s.reject(c, fmt.Sprintf("%s; the narrowest relaxation harden finds is %s itself", f.Symptom, l))
				return
			}
		}
		// The relaxation is for the setting the finding names: c, or one
		// kept earlier that the trial of c made fail in another way (nginx
		// made a folder under ProtectSystem=strict only on the trial of
		// PrivateIPC=).
		owner := c.Line
		if f.Directive != c.Directive {
			if kept := s.keptLine(f.Directive); kept != "" {
				owner = kept
			}
		}
		for _, l := range next.Lines {
			extra = append(extra, Proposed{Setting: l, For: owner, Protects: "keeps " + owner + " bearable: " + next.Rationale})
		}
		lines := []string{c.Line}
		for _, e := range extra {
			lines = append(lines, e.Setting)
		}
		if res, _ := s.trial(ctx, lines); res == "healthy" {
			s.keep(Proposed{Setting: c.Line, Trial: s.trials, Protects: c.Protects})
			for _, e := range extra {
				e.Trial = s.trials
				s.keep(e)
			}
			return
		}
	}
	s.reject(c, "still failing after the relaxations harden could offer")
}

// observe: for an allow-list candidate whose record names a setting that
// logs what it would refuse (SystemCallFilter=@system-service and
// SystemCallLog=~@system-service), one trial under that setting lists
// every name the service used outside the list, and c is tried again with
// them all allowed: one trial for what would cost one per name, each
// found only when the last was allowed. The line is returned as the first
// relaxation for resolve to build on; done when c is kept.
func (s *tightening) observe(ctx context.Context, c Candidate) (extra []Proposed, done bool) {
	d := rules.Directives[c.Directive]
	line := d.Observe
	name, _, _ := strings.Cut(line, "=")
	if line == "" || (s.opts.Version > 0 && rules.Directives[name].Since > s.opts.Version) || ctx.Err() != nil || s.trials+2 > s.opts.MaxTrials {
		return nil, false
	}
	failed := s.lastReport
	s.trial(ctx, []string{line})
	if len(s.lastLogged) == 0 {
		s.lastReport = failed
		return nil, false
	}
	owner := c.Line
	extra = []Proposed{{Setting: c.Directive + "=" + strings.Join(s.lastLogged, " "), For: owner,
		Protects: fmt.Sprintf("keeps %s bearable: allows what the service used beyond it while %s logged it (trial %d)", owner, line, s.trials)}}
	if res, _ := s.trial(ctx, []string{c.Line, extra[0].Setting}); res == "healthy" {
		s.keep(Proposed{Setting: c.Line, Trial: s.trials, Protects: c.Protects})
		extra[0].Trial = s.trials
		s.keep(extra[0])
		return nil, true
	}
	return extra, false
}

// passesAgain: c alone failed, and nothing ties the failure to a setting.
// Under load a check can fail for reasons of its own (in the lab a Node
// server under emulation was not listening yet on three single-setting
// trials of one run, and the next run passed all three), so c is tried
// twice more before the failure is held against it, and kept only when
// both pass. A setting that really breaks the service costs one trial
// more; a flaky check, two.
func (s *tightening) passesAgain(ctx context.Context, c Candidate) bool {
	first := s.trials
	for range 2 {
		if ctx.Err() != nil || s.trials >= s.opts.MaxTrials {
			return false
		}
		if res, _ := s.trial(ctx, []string{c.Line}); res != "healthy" {
			return false
		}
	}
	s.keep(Proposed{Setting: c.Line, Trial: s.trials, Protects: c.Protects})
	s.logf("%s: kept (trial %d failed without a cause harden can see; trials %d and %d passed)", c.Line, first, s.trials-1, s.trials)
	return true
}

// findingFor picks the finding to act on for a candidate on trial: the one
// that names the candidate's own directive, else the first with a
// relaxation, else the first (a suspect of a setting kept earlier says
// less than either).
func findingFor(rep *diagnose.Report, directive string) diagnose.Finding {
	for _, f := range rep.Findings {
		if f.Directive == directive {
			return f
		}
	}
	for _, f := range rep.Findings {
		if len(f.Relaxations) > 0 {
			return f
		}
	}
	return rep.Findings[0]
}

// listAdds: a line of this list setting adds to what an earlier one set
// (CapabilityBoundingSet=CAP_X after CapabilityBoundingSet=), so it keeps
// the candidate rather than undoing it.
func listAdds(directive string) bool {
	return rules.Directives[directive].Merge != rules.Replace
}

func (s *tightening) reject(c Candidate, why string) {
	if c.Expect != "" {
		why += " (as known of " + c.Expect + ")"
	}
	s.out.Rejected = append(s.out.Rejected, Rejected{Setting: c.Line, Trial: s.trials, Why: why})
	s.logf("%s: not kept (%s)", c.Line, why)
}

// trial runs the unit under the kept lines plus lines (nil: as it is),
// and returns "healthy" when it stayed up, passed the check, and was
// refused nothing that harden can see; the diagnosis of any other
// outcome is kept for resolve.
func (s *tightening) trial(ctx context.Context, lines []string) (string, string) {
	s.trials++
	n := s.trials
	all := append(s.keptLines(), lines...)
	if lines == nil {
		removeOurs(s.tempPath)
	} else {
		trial := append(toProposed(all), Proposed{Setting: trialStopTimeout})
		if err := writeAtomic(s.tempPath, s.render(trial)); err != nil {
			return "error", ": " + err.Error()
		}
		s.st.addFile(s.tempPath)
		s.st.save()
	}
	s.t.Systemd.DaemonReload()
	res, inv, checkOut := s.t.trial(ctx, Options{Unit: s.opts.Unit, Check: s.opts.Check, Settle: s.opts.Settle, Poll: s.opts.Poll, Timeout: s.opts.Timeout})
	note := ""
	s.lastReport, s.lastLogged = nil, nil
	if s.t.Diagnose != nil && inv != "" {
		diag := s.t.Diagnose
		if res != "healthy" {
			diag = s.t.diagnoseFailed
		}
		rep, err := diag(s.opts.Unit, inv)
		if err != nil {
			// Said, not swallowed: a trial whose run harden could not read
			// is rejected as unexplained, and the reason must show.
			note = " — harden could not read the run: " + oneLine(err.Error())
			s.logf("trial %d: reading run %s: %v", n, inv, err)
		} else {
			s.lastLogged = rep.LoggedCalls
			if len(rep.LoggedCalls) > 0 {
				note = " — logged: " + strings.Join(rep.LoggedCalls, " ")
			}
			if res == "healthy" && rep.Verdict == diagnose.VerdictSandbox && hasFindingAtLeast(rep, diagnose.Medium) {
				// It ran, but the sandbox refused it something: a degraded
				// service does not pass.
				res = "denied"
			}
			if res != "healthy" {
				s.lastReport = rep
				if len(rep.Findings) > 0 {
					// The finding that says most: one with a relaxation, else
					// the first (a suspect only names what could give it).
					f := findingFor(rep, "")
					note = fmt.Sprintf(" — %s: %s", f.Directive, f.Symptom)
				}
			}
		}
	}
	if res == "check-failed" && note == "" {
		reading := ""
		if s.lastReport != nil {
			// What harden made of the run: a check failing while nothing was
			// refused is the check's word alone.
			reading = fmt.Sprintf(" (harden's reading of the run: %s)", s.lastReport.Verdict)
		}
		note = " — the check failed" + reading + ": " + oneLine(checkOut)
	}
	s.lastResult = res
	s.out.Trials = append(s.out.Trials, Trial{Trial: n, Tried: lines, Result: res, Note: strings.TrimPrefix(note, " — ")})
	s.logf("trial %d (%d lines kept, %d tried): %s%s", n, len(all)-len(lines), len(lines), res, note)
	return res, note
}

func hasFindingAtLeast(rep *diagnose.Report, c diagnose.Confidence) bool {
	for _, f := range rep.Findings {
		if f.Confidence == diagnose.High || f.Confidence == c {
			return true
		}
	}
	return false
}

// trialStopTimeout bounds how long a trial waits for the unit to stop:
// under a setting it cannot bear, a service may not stop its own workers
// (nginx's root master without CAP_KILL cannot signal its www-data
// workers), and the default 90 s per restart made the lab's nginx run
// last an hour. It is harden's, for the trials only, never proposed.
const trialStopTimeout = "TimeoutStopSec=10s"

func toProposed(lines []string) []Proposed {
	out := make([]Proposed, len(lines))
	for i, l := range lines {
		out[i] = Proposed{Setting: l}
	}
	return out
}

// render is tighten's drop-in: the marker, then each line with the trial
// that proved it and what it protects.
func (s *tightening) render(lines []Proposed) []byte {
	var b strings.Builder
	b.WriteString(Marker)
	fmt.Fprintf(&b, "# The hardening `harden tighten %s` found the service bears, each line proven by a trial.\n[Service]\n", s.opts.Unit)
	for _, l := range lines {
		if l.Trial > 0 {
			fmt.Fprintf(&b, "# trial %d: %s\n", l.Trial, oneLine(l.Protects))
		}
		b.WriteString(l.Setting + "\n")
	}
	return []byte(b.String())
}
