package tune

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harden-tool/harden/diagnose"
)

// fakeUnit stands in for systemd and the service: each run fails with the
// first need whose line is not in the unit's drop-ins (read from the
// folder the tuner writes to), and is healthy once all are met. It
// records every call, so the tests check what the loop did to the system.
type fakeUnit struct {
	dir      string
	needs    []need // in the order the service hits them
	typ      string
	calls    []string
	runs     int
	active   string
	inv      string
	notOurs  bool // the failure is the program's own
	reloaded int
}

type need struct {
	line, directive, symptom string
	relaxations              [][]string // offered, narrowest first
}

func (f *fakeUnit) DropInDir(unit string) string { return f.dir }
func (f *fakeUnit) DaemonReload() error {
	f.reloaded++
	f.calls = append(f.calls, "reload")
	return nil
}
func (f *fakeUnit) Stop(unit string) error { f.calls = append(f.calls, "stop"); return nil }
func (f *fakeUnit) Restart(unit string) error {
	f.calls = append(f.calls, "restart")
	f.runs++
	f.inv = "inv" + string(rune('0'+f.runs))
	if f.unmet() != nil || f.notOurs {
		f.active = "failed"
	} else if f.typ == "oneshot" {
		f.active = "inactive"
	} else {
		f.active = "active"
	}
	return nil
}
func (f *fakeUnit) Status(unit string) (Status, error) {
	res := "success"
	if f.active == "failed" {
		res = "exit-code"
	}
	if f.active == "" {
		return Status{Active: "active", Type: f.typ}, nil
	}
	return Status{Active: f.active, Result: res, Invocation: f.inv, Type: f.typ}, nil
}

func (f *fakeUnit) dropIns() string {
	var all string
	for _, n := range []string{TuneDropIn, TempDropIn} {
		b, _ := os.ReadFile(filepath.Join(f.dir, n))
		all += string(b)
	}
	return all
}

func (f *fakeUnit) unmet() *need {
	d := f.dropIns()
	for i := range f.needs {
		if !strings.Contains(d, "\n"+f.needs[i].line+"\n") {
			return &f.needs[i]
		}
	}
	return nil
}

func (f *fakeUnit) diagnose(unit, inv string) (*diagnose.Report, error) {
	if f.notOurs {
		return &diagnose.Report{Verdict: diagnose.VerdictNotSandbox, Cause: "the program's own configuration error"}, nil
	}
	n := f.unmet()
	if n == nil {
		return &diagnose.Report{Verdict: diagnose.VerdictNoFailure}, nil
	}
	fd := diagnose.Finding{Directive: n.directive, Symptom: n.symptom, Confidence: diagnose.High,
		Quotes: []diagnose.Quote{{Text: "service: " + n.symptom + "\nInjected=yes"}}}
	for _, r := range n.relaxations {
		fd.Relaxations = append(fd.Relaxations, diagnose.Relaxation{Lines: r})
	}
	return &diagnose.Report{Verdict: diagnose.VerdictSandbox, Findings: []diagnose.Finding{fd}}, nil
}

type fakeAudit struct{ calls []string }

func (a *fakeAudit) Add(key string) error    { a.calls = append(a.calls, "add "+key); return nil }
func (a *fakeAudit) Delete(key string) error { a.calls = append(a.calls, "delete "+key); return nil }

func setup(t *testing.T, f *fakeUnit) (*Tuner, *fakeAudit) {
	t.Helper()
	StateDir = t.TempDir()
	f.dir = filepath.Join(t.TempDir(), "x.service.d")
	now := time.Unix(1800000000, 0)
	a := &fakeAudit{}
	return &Tuner{Systemd: f, Audit: a, Diagnose: f.diagnose,
		Now: func() time.Time { return now }, Sleep: func(d time.Duration) { now = now.Add(d) }}, a
}

var threeNeeds = []need{
	{"StateDirectory=app", "ProtectSystem", "EROFS from write on /var/lib/app/db", [][]string{{"StateDirectory=app"}, {"ReadWritePaths=/var/lib/app"}}},
	{"AmbientCapabilities=CAP_NET_BIND_SERVICE", "AmbientCapabilities", "EACCES from bind 0.0.0.0:80", [][]string{{"AmbientCapabilities=CAP_NET_BIND_SERVICE"}}},
	{"SystemCallFilter=swapon", "SystemCallFilter", "killed by SIGSYS for calling swapon", [][]string{{"SystemCallFilter=swapon"}}},
}

// Three successive sandbox failures, each relaxed by one proven line: the
// unit ends healthy, the drop-in holds exactly those lines with the round
// and evidence that justified each, the temporary parts are gone.
func TestTuneToHealthy(t *testing.T) {
	f := &fakeUnit{needs: threeNeeds, typ: "oneshot"}
	tu, audit := setup(t, f)
	out, err := tu.Run(context.Background(), Options{Unit: "x.service", Rounds: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Healthy || len(out.Lines) != 3 || len(out.Rounds) != 4 {
		t.Fatalf("healthy %v, %d lines, %d rounds: %+v", out.Healthy, len(out.Lines), len(out.Rounds), out)
	}
	b, _ := os.ReadFile(filepath.Join(f.dir, TuneDropIn))
	got := string(b)
	if !strings.HasPrefix(got, Marker) || !strings.Contains(got, "# round 1: EROFS from write on /var/lib/app/db\n") ||
		!strings.Contains(got, "\nStateDirectory=app\n") || !strings.Contains(got, "\nSystemCallFilter=swapon\n") {
		t.Errorf("drop-in:\n%s", got)
	}
	if strings.Contains(got, "\nInjected=yes") {
		t.Errorf("a newline in the evidence became a setting:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(f.dir, TempDropIn)); err == nil {
		t.Error("the temporary drop-in was left behind")
	}
	if strings.Join(audit.calls, ",") != "add harden-tune,delete harden-tune" {
		t.Errorf("audit rules: %v", audit.calls)
	}
	st, _ := loadState("x.service")
	if st == nil || !st.Finished || len(st.Lines) != 3 {
		t.Errorf("state: %+v", st)
	}
	if ents, _ := os.ReadDir(f.dir); len(ents) != 1 {
		t.Errorf("files left in the drop-in folder: %v", ents)
	}
}

// A relaxation that does not remove its symptom is taken back and the
// next one is tried; one that no candidate fixes stops the run.
func TestTuneTakesBackWhatDidNotWork(t *testing.T) {
	f := &fakeUnit{typ: "oneshot", needs: []need{{"ReadWritePaths=/var/lib/app", "ProtectSystem", "EROFS on /var/lib/app/db",
		[][]string{{"StateDirectory=app-wrong"}, {"ReadWritePaths=/var/lib/app"}}}}}
	tu, _ := setup(t, f)
	out, err := tu.Run(context.Background(), Options{Unit: "x.service"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Healthy || len(out.Lines) != 1 || out.Lines[0].Setting != "ReadWritePaths=/var/lib/app" {
		t.Fatalf("%+v", out)
	}
	if !strings.Contains(out.Rounds[1].Note, "StateDirectory=app-wrong did not remove the symptom") {
		t.Errorf("rounds: %+v", out.Rounds)
	}
	f = &fakeUnit{typ: "oneshot", needs: []need{{"Never=yes", "ProtectSystem", "EROFS on /x", [][]string{{"StateDirectory=x"}}}}}
	tu, _ = setup(t, f)
	out, _ = tu.Run(context.Background(), Options{Unit: "x.service"})
	if out.Healthy || len(out.Lines) != 0 || !strings.Contains(out.Reason, "no narrow relaxation is left") {
		t.Errorf("%+v", out)
	}
}

// A failure that is not the sandbox's stops tuning with nothing added.
func TestTuneStopsOnOwnFailure(t *testing.T) {
	f := &fakeUnit{typ: "oneshot", notOurs: true}
	tu, _ := setup(t, f)
	out, err := tu.Run(context.Background(), Options{Unit: "x.service"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Healthy || len(out.Lines) != 0 || !strings.Contains(out.Reason, "not the sandbox's") || len(out.Rounds) != 1 {
		t.Errorf("%+v", out)
	}
	if _, err := os.Stat(filepath.Join(f.dir, TuneDropIn)); err == nil {
		t.Error("a drop-in was written for a failure that is not the sandbox's")
	}
}

// A long-running unit is healthy when it stays active through the settle
// time and the operator's check passes.
func TestTuneServiceWithCheck(t *testing.T) {
	f := &fakeUnit{typ: "simple", needs: threeNeeds[:1]}
	tu, _ := setup(t, f)
	checks := 0
	out, err := tu.Run(context.Background(), Options{Unit: "x.service", Settle: 5 * time.Second,
		Check: func(context.Context) (bool, string) { checks++; return true, "ok" }})
	if err != nil || !out.Healthy || checks != 1 {
		t.Fatalf("%v %+v checks %d", err, out, checks)
	}
}

// --dry-run writes nothing at all.
func TestTuneDryRun(t *testing.T) {
	f := &fakeUnit{typ: "oneshot", needs: threeNeeds}
	tu, audit := setup(t, f)
	out, err := tu.Run(context.Background(), Options{Unit: "x.service", DryRun: true})
	if err != nil || len(out.Rounds) != 1 || strings.Join(out.Rounds[0].Added, "") != "StateDirectory=app" {
		t.Fatalf("%v %+v", err, out)
	}
	if _, err := os.Stat(f.dir); err == nil {
		t.Error("dry run created the drop-in folder")
	}
	if ents, _ := os.ReadDir(StateDir); len(ents) != 0 || len(audit.calls) != 0 {
		t.Errorf("dry run left state %v or audit rules %v", ents, audit.calls)
	}
}

// Undo removes exactly what harden wrote: an operator's own drop-in in the
// same folder stays, a second undo is harmless, and a run that crashed
// (state not finished) is cleaned up too.
func TestUndo(t *testing.T) {
	f := &fakeUnit{needs: threeNeeds, typ: "oneshot"}
	tu, _ := setup(t, f)
	if _, err := tu.Run(context.Background(), Options{Unit: "x.service"}); err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(f.dir, "override.conf")
	os.WriteFile(own, []byte("[Service]\nEnvironment=A=1\n"), 0o644)
	foreign := filepath.Join(f.dir, TempDropIn) // same name, not ours
	os.WriteFile(foreign, []byte("[Service]\nNice=5\n"), 0o644)
	removed, err := Undo(f, &fakeAudit{}, "x.service")
	if err == nil || !strings.Contains(err.Error(), "not written by harden") {
		t.Errorf("a file without the marker: %v", err)
	}
	if len(removed) != 1 || filepath.Base(removed[0]) != TuneDropIn {
		t.Errorf("removed %v", removed)
	}
	for _, p := range []string{own, foreign} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", p)
		}
	}
	os.Remove(foreign)
	if removed, err := Undo(f, &fakeAudit{}, "x.service"); err != nil || len(removed) != 0 {
		t.Errorf("second undo: %v %v", removed, err)
	}
	// A crash mid-round: temporary drop-in and unfinished state.
	f2 := &fakeUnit{needs: threeNeeds, typ: "oneshot"}
	tu2, _ := setup(t, f2)
	st := &State{Unit: "y.service", WasRunning: true, AuditKey: auditKey}
	tmp := filepath.Join(f2.dir, TempDropIn)
	writeAtomic(tmp, renderDropIn("y.service", []Line{{Setting: "StateDirectory=y", Round: 1}}))
	st.addFile(tmp)
	st.save()
	if _, err := tu2.Run(context.Background(), Options{Unit: "y.service"}); err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Errorf("a run after a crash: %v", err)
	}
	a := &fakeAudit{}
	removed, err = Undo(f2, a, "y.service")
	if err != nil || len(removed) != 1 || strings.Join(a.calls, "") != "delete harden-tune" {
		t.Errorf("crash undo: %v %v %v", removed, err, a.calls)
	}
	if f2.calls[len(f2.calls)-1] != "restart" {
		t.Errorf("the unit was running before tuning and was not restarted: %v", f2.calls)
	}
	if _, err := os.Stat(statePath("y.service")); err == nil {
		t.Error("state file left after undo")
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "f.conf")
	for _, s := range []string{"one\n", "two\n"} {
		if err := writeAtomic(p, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(p)
	ents, _ := os.ReadDir(filepath.Dir(p))
	if string(b) != "two\n" || len(ents) != 1 {
		t.Errorf("%q, %d files", b, len(ents))
	}
}

// The audit rules are what auditctl accepts: a syscall (-S all) before the
// key, one rule per errno and architecture. On a host with auditctl and a
// kernel with audit, they are added and removed for real.
func TestAuditRules(t *testing.T) {
	rules := auditRules("harden-tune-test", 4242)
	if len(rules) != 6 {
		t.Fatalf("%d rules", len(rules))
	}
	for _, r := range rules {
		s := strings.Join(r, " ")
		if !strings.Contains(s, "-S all -F exit=") || !strings.Contains(s, "-F pid!=4242 ") || !strings.HasSuffix(s, "-F key=harden-tune-test") {
			t.Errorf("rule %q", s)
		}
	}
	if os.Geteuid() != 0 {
		return
	}
	if _, err := os.Stat("/usr/sbin/auditctl"); err != nil {
		return
	}
	if err := (Auditctl{}).Add("harden-tune-test"); err != nil {
		if strings.Contains(err.Error(), "Operation not permitted") || strings.Contains(err.Error(), "audit support") {
			t.Skip("no kernel audit here:", err)
		}
		t.Fatal(err)
	}
	if err := (Auditctl{}).Delete("harden-tune-test"); err != nil {
		t.Fatal(err)
	}
}

// A line whose trial makes the unit fail before its program runs, or is
// followed by a failure on the very path it relaxed, is taken back and
// the next candidate tried (both seen in the lab: nginx's PID file,
// lighttpd's log folder handed to root by LogsDirectory=).
func TestTrialFailed(t *testing.T) {
	setup := &diagnose.Report{Verdict: diagnose.VerdictSandbox, Findings: []diagnose.Finding{{Symptom: "setup failed before exec (step NAMESPACE) on /run/x.pid: ENOENT"}}}
	if why := trialFailed(setup, "ReadWritePaths=/run/x.pid", "EROFS on /run/x.pid"); !strings.Contains(why, "before its program ran") {
		t.Errorf("setup failure: %q", why)
	}
	own := &diagnose.Report{Verdict: diagnose.VerdictNotSandbox, Cause: "EACCES (Permission denied) from open on /var/log/lighttpd/error.log: no sandbox setting"}
	if why := trialFailed(own, "LogsDirectory=lighttpd", "EROFS on /var/log/lighttpd/error.log"); !strings.Contains(why, "/var/log/lighttpd") {
		t.Errorf("same path: %q", why)
	}
	other := &diagnose.Report{Verdict: diagnose.VerdictSandbox, Findings: []diagnose.Finding{{Symptom: "EROFS from mkdir on /var/lib/nginx/proxy"}}}
	if why := trialFailed(other, "LogsDirectory=nginx", "EROFS on /var/log/nginx/error.log"); why != "" {
		t.Errorf("a failure elsewhere is progress: %q", why)
	}
}

// A line taken back because the failure it caused is on its own path is
// followed by a round without it, and the next candidate (lab: lighttpd's
// LogsDirectory= taken back, then ReadWritePaths= of the log folder).
func TestTuneTriesTheNextCandidateAfterATakeBack(t *testing.T) {
	f := &fakeUnit{typ: "oneshot", needs: []need{{"ReadWritePaths=/var/log/app", "ProtectSystem", "EROFS on /var/log/app/error.log",
		[][]string{{"LogsDirectory=app"}, {"ReadWritePaths=/var/log/app"}}}}}
	tu, _ := setup(t, f)
	// The fake's diagnosis while LogsDirectory=app is on trial: a failure
	// on that very folder, which the sandbox does not explain.
	base := f.diagnose
	tu.Diagnose = func(unit, inv string) (*diagnose.Report, error) {
		if strings.Contains(f.dropIns(), "\nLogsDirectory=app\n") {
			return &diagnose.Report{Verdict: diagnose.VerdictNotSandbox, Cause: "EACCES from open on /var/log/app/error.log: the file's own mode"}, nil
		}
		return base(unit, inv)
	}
	out, err := tu.Run(context.Background(), Options{Unit: "x.service"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Healthy || len(out.Lines) != 1 || out.Lines[0].Setting != "ReadWritePaths=/var/log/app" {
		t.Fatalf("%+v", out)
	}
}

// A suspect (the words named no operation, so no relaxation) is not where
// tuning stops: its experiment is run as a round of its own, and kept only
// because that round showed the symptom gone.
func TestTuneRunsASuspectsExperiment(t *testing.T) {
	f := &fakeUnit{needs: []need{{"RestrictNamespaces=no", "RestrictNamespaces", "EPERM (Operation not permitted) from an unnamed operation", nil}}}
	tu, _ := setup(t, f)
	orig := f.diagnose
	tu.Diagnose = func(unit, inv string) (*diagnose.Report, error) {
		rep, err := orig(unit, inv)
		for i := range rep.Findings {
			rep.Findings[i].Confidence = diagnose.Medium
			rep.Findings[i].Confirm = "run once with RestrictNamespaces=no"
			rep.Findings[i].Experiment = []string{"RestrictNamespaces=no"}
		}
		return rep, err
	}
	out, err := tu.Run(context.Background(), Options{Unit: "x.service", Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Healthy || len(out.Lines) != 1 || out.Lines[0].Setting != "RestrictNamespaces=no" || out.Lines[0].Round != 1 || len(out.Rounds) != 2 || out.Rounds[1].Added[0] != "RestrictNamespaces=no" {
		t.Fatalf("%+v", out)
	}
}

// A unit that stays up but is refused something while it runs (it went
// on without its log file) is not healthy yet: the refusal is relaxed
// like a failure, and only then is the unit healthy.
func TestTuneRelaxesWhatARunningUnitWasRefused(t *testing.T) {
	f := &fakeUnit{}
	tu, _ := setup(t, f)
	tu.Diagnose = func(unit, inv string) (*diagnose.Report, error) {
		if strings.Contains(f.dropIns(), "\nLogsDirectory=broker\n") {
			return &diagnose.Report{Verdict: diagnose.VerdictNoFailure}, nil
		}
		return &diagnose.Report{Verdict: diagnose.VerdictSandbox, Findings: []diagnose.Finding{{Directive: "ProtectSystem",
			Symptom: "EROFS (Read-only file system) from write on /var/log/broker/broker.log", Confidence: diagnose.High,
			Relaxations: []diagnose.Relaxation{{Lines: []string{"LogsDirectory=broker"}}}}}}, nil
	}
	out, err := tu.Run(context.Background(), Options{Unit: "x.service", Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Healthy || len(out.Rounds) != 2 || out.Rounds[0].Result != "failed" || len(out.Lines) != 1 || out.Lines[0].Setting != "LogsDirectory=broker" {
		t.Fatalf("%+v", out)
	}
}
