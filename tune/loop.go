package tune

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/rules"
)

// Systemd is what the loop needs of the service manager; the live host
// implements it over D-Bus, the tests with a recorded fake.
type Systemd interface {
	DropInDir(unit string) string
	DaemonReload() error
	Restart(unit string) error
	Stop(unit string) error
	// Status reads the unit's ActiveState, Result, InvocationID and
	// Type (oneshot units are healthy when they exit 0).
	Status(unit string) (Status, error)
}

// Status is the part of a unit's state a round watches.
type Status struct {
	Active, Result, Invocation, Type string
}

// Audit adds and removes the temporary audit rules a tuning run uses to
// have the kernel record refused file operations (nil: none are added).
type Audit interface {
	Add(key string) error
	Delete(key string) error
}

// Diagnoser explains one run, as `harden why UNIT --invocation ID` would.
type Diagnoser func(unit, invocation string) (*diagnose.Report, error)

// Options of a tuning run.
type Options struct {
	Unit   string
	Check  func(ctx context.Context) (ok bool, output string) // nil: no check
	Settle time.Duration
	Rounds int
	DryRun bool
	// Poll is how often the unit's state is read; Timeout bounds a round.
	Poll, Timeout time.Duration
	Log           func(format string, args ...any)
}

// Outcome of a tuning run.
type Outcome struct {
	Healthy bool    `json:"healthy"`
	Reason  string  `json:"reason"`
	Rounds  []Round `json:"rounds"`
	Lines   []Line  `json:"lines"`
	DropIn  string  `json:"drop_in"` // path of the tuning drop-in, "" when nothing was added
}

// Tuner runs the loop.
type Tuner struct {
	Systemd  Systemd
	Audit    Audit
	Diagnose Diagnoser
	Now      func() time.Time
	Sleep    func(time.Duration)
	// Exposure is the unit's exposure score as `systemd-analyze security`
	// reports it (tighten; nil: not measured).
	Exposure func(unit string) (float64, error)
}

const auditKey = "harden-tune"

// Run tunes opts.Unit until it is healthy, a failure is not the
// sandbox's, no narrow relaxation is left, the rounds run out or ctx ends.
// A relaxation is tried in the temporary drop-in first and moves into the
// tuning drop-in only when the next round shows its symptom gone.
func (t *Tuner) Run(ctx context.Context, opts Options) (*Outcome, error) {
	if opts.Rounds <= 0 {
		opts.Rounds = 10
	}
	opts.Poll, opts.Timeout = trialTiming(opts.Poll, opts.Timeout, opts.Settle)
	logf := orNop(opts.Log)
	st, before, err := t.begin(opts.Unit, "tune")
	if err != nil {
		return nil, err
	}
	if st == nil || st.Finished {
		prev := st
		st = &State{Unit: opts.Unit, Started: t.Now(), WasRunning: before.Active == "active"}
		if prev != nil { // a later run keeps what the earlier one proved
			st.Lines, st.Files = prev.Lines, prev.Files
		}
	}
	dir := t.Systemd.DropInDir(opts.Unit)
	tunePath, tempPath := filepath.Join(dir, TuneDropIn), filepath.Join(dir, TempDropIn)
	out := &Outcome{}
	if !opts.DryRun {
		if err := st.save(); err != nil {
			return nil, fmt.Errorf("cannot record the tuning run in %s: %w", StateDir, err)
		}
		t.startAudit(st, logf)
	}
	defer func() {
		if opts.DryRun {
			return
		}
		// The temporary parts go whatever happened; the proven lines stay.
		removeOurs(tempPath)
		if st.AuditKey != "" && t.Audit != nil {
			t.Audit.Delete(st.AuditKey)
			st.AuditKey = ""
		}
		t.Systemd.DaemonReload()
		st.Finished = true
		st.save()
	}()

	var pending *Line // on trial in the temporary drop-in; its Symptom must go
	tried := map[string]bool{}
	for round := 1; round <= opts.Rounds; round++ {
		if err := ctx.Err(); err != nil {
			out.Reason = "interrupted"
			break
		}
		r := Round{Round: round}
		res, inv, checkOut := t.trial(ctx, opts)
		var rep *diagnose.Report
		if res == "healthy" && inv != "" {
			// Healthy, but refused something while it ran (a log file it
			// could not open, and went on without): the sandbox still
			// costs it something, so the round counts as a failure (the
			// lab's mosquitto on 257 ran without its log).
			if d, err := t.Diagnose(opts.Unit, inv); err == nil && d.Verdict == diagnose.VerdictSandbox && hasFindingAtLeast(d, diagnose.Medium) {
				res, rep = "degraded", d
			}
		}
		logf("round %d: %s", round, res)
		if res == "failed" || res == "check-failed" {
			rep, err = t.diagnoseFailed(opts.Unit, inv)
			if err != nil {
				r.Result, r.Note = "failed", "cannot read the evidence: "+err.Error()
				st.Rounds, out.Rounds = append(st.Rounds, r), append(out.Rounds, r)
				out.Reason = r.Note
				break
			}
		}
		// Judge the line on trial: its symptom must be gone.
		if pending != nil {
			line := *pending
			pending = nil
			why := trialFailed(rep, line.Setting, line.Symptom)
			if why == "" {
				st.Lines = append(st.Lines, line)
				r.Added = append(r.Added, line.Setting)
				if err := writeAtomic(tunePath, renderDropIn(opts.Unit, st.Lines)); err != nil {
					return out, err
				}
				st.addFile(tunePath)
			} else {
				r.Note = fmt.Sprintf("%s %s; taken back", line.Setting, why)
			}
			removeOurs(tempPath)
			t.Systemd.DaemonReload()
			if why != "" && !hasSymptom(rep, line.Symptom) {
				// What this round shows came from the line itself: the next
				// round, without it, brings the original symptom back and
				// its next candidate is tried.
				r.Result = "taken-back"
				st.Rounds, out.Rounds = append(st.Rounds, r), append(out.Rounds, r)
				st.save()
				continue
			}
		}
		switch {
		case res == "healthy":
			r.Result = "healthy"
			out.Healthy, out.Reason = true, "healthy"
		case rep == nil:
			r.Result, out.Reason = res, "the unit neither failed nor became healthy within the round's time"
		case rep.Verdict != diagnose.VerdictSandbox:
			r.Result = "not-sandbox"
			out.Reason = fmt.Sprintf("the failure is not the sandbox's (%s): %s; nothing is added for it", rep.Verdict, rep.Cause)
			if res == "check-failed" && rep.Verdict == diagnose.VerdictNoFailure {
				// The unit runs and its journal shows no refusal: the check
				// is what failed, and what it printed says why.
				out.Reason = "the unit runs and harden sees nothing refused, but the check failed: " + oneLine(checkOut) + "; nothing is added for it (is the check right?)"
			}
		default:
			f := rep.Findings[0]
			r.Result = "failed"
			r.Findings = append(r.Findings, f.Directive+": "+f.Symptom)
			for _, e := range f.Quotes {
				r.Evidence = append(r.Evidence, e.Text)
			}
			next := firstUntried(f, tried)
			if next == nil {
				out.Reason = "no narrow relaxation is left for " + f.Directive + ": " + noRelaxationWhy(f)
				r.Result = "no-relaxation"
				break
			}
			tried[strings.Join(next.Lines, "\n")] = true
			if opts.DryRun {
				r.Added = next.Lines
				out.Reason = "dry run: would add " + strings.Join(next.Lines, ", ")
				break
			}
			line := Line{Setting: strings.Join(next.Lines, "\n"), Round: round, Symptom: f.Symptom, GivesUp: next.GivesUp}
			if len(f.Quotes) > 0 {
				line.Evidence = f.Quotes[0].Text
			}
			pending = &line
			if err := writeAtomic(tempPath, renderDropIn(opts.Unit, []Line{line})); err != nil {
				return out, err
			}
			st.addFile(tempPath)
			if err := t.Systemd.DaemonReload(); err != nil {
				return out, err
			}
		}
		st.Rounds, out.Rounds = append(st.Rounds, r), append(out.Rounds, r)
		if !opts.DryRun {
			st.save()
		}
		if out.Reason != "" || opts.DryRun {
			break
		}
	}
	if out.Reason == "" {
		out.Reason = fmt.Sprintf("stopped after %d rounds", opts.Rounds)
	}
	out.Lines = st.Lines
	if len(st.Lines) > 0 {
		out.DropIn = tunePath
	}
	return out, nil
}

// trial restarts the unit and watches it: "healthy" (a oneshot that
// exited 0; or active through the settle time with the check passing),
// "failed", "check-failed" or "timeout"; and the run's invocation ID.
func (t *Tuner) trial(ctx context.Context, opts Options) (result, invocation, checkOutput string) {
	if err := t.Systemd.Restart(opts.Unit); err != nil {
		// A start job that fails still leaves a failed run to explain.
		_ = err
	}
	start := t.Now()
	var activeSince time.Time
	for t.Now().Sub(start) < opts.Timeout {
		if ctx.Err() != nil {
			return "interrupted", "", ""
		}
		s, err := t.Systemd.Status(opts.Unit)
		if err != nil {
			return "failed", "", ""
		}
		switch {
		case s.Active == "failed":
			return "failed", s.Invocation, ""
		case s.Type == "oneshot" && s.Active == "inactive" && s.Result == "success":
			return "healthy", s.Invocation, ""
		case s.Type == "oneshot" && s.Active == "inactive":
			return "failed", s.Invocation, ""
		case s.Active == "active":
			if activeSince.IsZero() {
				activeSince = t.Now()
			}
			if t.Now().Sub(activeSince) >= opts.Settle {
				if opts.Check == nil {
					return "healthy", s.Invocation, ""
				}
				ok, output := opts.Check(ctx)
				if ok {
					return "healthy", s.Invocation, output
				}
				return "check-failed", s.Invocation, output
			}
		default:
			activeSince = time.Time{}
		}
		t.Sleep(opts.Poll)
	}
	s, _ := t.Systemd.Status(opts.Unit)
	return "timeout", s.Invocation, ""
}

// trialTiming fills in how often a trial reads the unit's state and how
// long it may take.
func trialTiming(poll, timeout, settle time.Duration) (time.Duration, time.Duration) {
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	if timeout <= 0 {
		timeout = settle + 2*time.Minute
	}
	return poll, timeout
}

func orNop(logf func(string, ...any)) func(string, ...any) {
	if logf == nil {
		return func(string, ...any) {}
	}
	return logf
}

// begin reads what an earlier run left (its state file: an unfinished one
// must be undone first) and the unit's state now.
func (t *Tuner) begin(unit, command string) (*State, Status, error) {
	st, err := loadState(unit)
	if err != nil {
		return nil, Status{}, err
	}
	if st != nil && !st.Finished {
		return nil, Status{}, fmt.Errorf("an earlier run of harden on %s did not finish (%s): run `harden %s --undo %s` first", unit, statePath(unit), command, unit)
	}
	before, err := t.Systemd.Status(unit)
	return st, before, err
}

// startAudit adds the temporary audit rules, keyed harden-tune, and
// records them in the state so that undo takes them back after a crash.
func (t *Tuner) startAudit(st *State, logf func(string, ...any)) {
	if t.Audit == nil {
		return
	}
	if err := t.Audit.Add(auditKey); err != nil {
		logf("no temporary audit rules (%v): refused file operations will be known from the service's words only", err)
		return
	}
	st.AuditKey = auditKey
	st.save()
}

// diagnoseFailed explains a run systemd says failed. When the journal
// does not show the failure yet (journald had not written PID 1's lines:
// lab, lighttpd's tune run, a round judged "no failure"), it waits and
// reads again, once.
func (t *Tuner) diagnoseFailed(unit, inv string) (*diagnose.Report, error) {
	rep, err := t.Diagnose(unit, inv)
	if err == nil && rep.Verdict == diagnose.VerdictNoFailure {
		t.Sleep(2 * time.Second)
		rep, err = t.Diagnose(unit, inv)
	}
	return rep, err
}

// trialFailed says why the line on trial did not prove itself in the
// round it was tried in: its symptom is still there; or it made the unit
// fail before its program ran (lab: ReadWritePaths= of a PID file that did
// not exist yet, 226/NAMESPACE); or the next failure is on the very path it
// relaxed (lab: LogsDirectory= handed lighttpd's log folder to root, and
// lighttpd, which drops to www-data itself, got EACCES there).
func trialFailed(rep *diagnose.Report, setting, symptom string) string {
	if rep == nil {
		return ""
	}
	if hasSymptom(rep, symptom) {
		return "did not remove the symptom (" + symptom + ")"
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Symptom, "setup failed before exec") {
			return "made the unit fail before its program ran (" + f.Symptom + ")"
		}
	}
	if p := relaxedPath(setting); p != "" {
		text := rep.Cause
		for _, f := range rep.Findings {
			text += "\n" + f.Symptom
		}
		if strings.Contains(text, p+"/") || strings.Contains(text, p+" ") || strings.HasSuffix(text, p) {
			return "was followed by a failure on the path it relaxed, " + p
		}
	}
	return ""
}

// relaxedPath is the path a relaxation line opens, "" for other lines.
func relaxedPath(setting string) string {
	name, value, _ := strings.Cut(setting, "=")
	value = strings.TrimLeft(strings.Fields(value + " ")[0], "-+")
	for _, d := range rules.ExecDirectories {
		if d.Directive == name && value != "" {
			return d.Root + "/" + value
		}
	}
	switch name {
	case "ReadWritePaths", "BindPaths", "BindReadOnlyPaths":
		return value
	}
	return ""
}

func hasSymptom(rep *diagnose.Report, symptom string) bool {
	for _, f := range rep.Findings {
		if f.Symptom == symptom {
			return true
		}
	}
	return false
}

// firstUntried is the narrowest relaxation of a finding not yet tried; a
// suspect without one offers its experiment (the drop-in that flips only
// that setting), which is kept, like a relaxation, only if the next run
// shows the symptom gone.
func firstUntried(f diagnose.Finding, tried map[string]bool) *diagnose.Relaxation {
	for i := range f.Relaxations {
		if !tried[strings.Join(f.Relaxations[i].Lines, "\n")] {
			return &f.Relaxations[i]
		}
	}
	if len(f.Relaxations) == 0 && len(f.Experiment) > 0 && !tried[strings.Join(f.Experiment, "\n")] {
		return &diagnose.Relaxation{Lines: f.Experiment, Rationale: "the experiment that decides the suspect: " + f.Confirm,
			GivesUp: "what " + strings.Join(f.Experiment, " ") + " turns off; the round proved the service needs it"}
	}
	return nil
}

func noRelaxationWhy(f diagnose.Finding) string {
	switch {
	case len(f.Withheld) > 0:
		return f.Withheld[0]
	case f.Confirm != "":
		return "first run the experiment that decides it: " + f.Confirm
	}
	return "every one offered was tried"
}

// Undo removes what tuning wrote for unit (its drop-ins, its audit
// rules, its state), reloads, and restarts the unit if it was running.
// Running it twice is harmless; files harden did not write are left alone.
func Undo(sd Systemd, audit Audit, unit string) ([]string, error) {
	st, err := loadState(unit)
	if err != nil {
		return nil, err
	}
	dir := sd.DropInDir(unit)
	files := []string{filepath.Join(dir, TuneDropIn), filepath.Join(dir, TempDropIn), filepath.Join(dir, TightenDropIn), filepath.Join(dir, TightenTemp)}
	wasRunning := false
	if st != nil {
		files = append(files, st.Files...)
		wasRunning = st.WasRunning
	}
	var removed []string
	var errs []error
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f] {
			continue
		}
		seen[f] = true
		_, statErr := os.Stat(f)
		if err := removeOurs(f); err != nil {
			errs = append(errs, err)
		} else if statErr == nil {
			removed = append(removed, f)
		}
	}
	if audit != nil {
		audit.Delete(auditKey)
	}
	if err := sd.DaemonReload(); err != nil {
		errs = append(errs, err)
	}
	if wasRunning {
		if err := sd.Restart(unit); err != nil {
			errs = append(errs, err)
		}
	}
	if st != nil {
		if err := removeIfExists(statePath(unit)); err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}
