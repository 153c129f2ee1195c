package tune

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harden-tool/harden/diagnose"
)

// fakeService stands in for systemd and a service that works unconfined:
// it fails under each line of breaks that is in harden's trial drop-in
// unless the line that makes it bearable is there too.
type fakeService struct {
	dir    string
	breaks map[string]breakage
	broken bool // fails even unconfined
	// diagnoseNothing: harden's diagnosis ties no failure to a setting.
	diagnoseNothing bool
	// logged are the calls SystemCallLog=~@system-service records.
	logged   []string
	calls    []string
	runs     int
	active   string
	inv      string
	exposure float64
}

type breakage struct {
	directive, symptom string
	fixedBy            string // "" = nothing narrower than dropping the line
	// times: the line breaks this many runs, then no more (a check that
	// failed for reasons of its own); 0: every run.
	times  int
	healed bool
	// needAll: the line is borne only with all of these, each named by
	// the diagnosis in turn (a root daemon's capabilities).
	needAll []string
}

func (f *fakeService) DropInDir(string) string { return f.dir }
func (f *fakeService) DaemonReload() error     { f.calls = append(f.calls, "reload"); return nil }
func (f *fakeService) Stop(string) error {
	f.calls = append(f.calls, "stop")
	f.active = "inactive"
	return nil
}
func (f *fakeService) Restart(string) error {
	f.calls = append(f.calls, "restart")
	f.runs++
	f.inv = "inv" + strings.Repeat("x", f.runs)
	f.active = "active"
	l := f.unmet()
	if b, ok := f.breaks[l]; ok && b.times > 0 {
		b.times--
		b.healed = b.times == 0
		f.breaks[l] = b
	}
	if f.broken || l != "" {
		f.active = "failed"
	}
	return nil
}
func (f *fakeService) Status(string) (Status, error) {
	if f.active == "" {
		return Status{Active: "active", Type: "simple", Invocation: "inv0"}, nil
	}
	return Status{Active: f.active, Result: "success", Invocation: f.inv, Type: "simple"}, nil
}

func (f *fakeService) lines() []string {
	var out []string
	for _, n := range []string{TightenTemp, TightenDropIn} {
		b, _ := os.ReadFile(filepath.Join(f.dir, n))
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") && l != "[Service]" {
				out = append(out, l)
			}
		}
	}
	return out
}

func (f *fakeService) unmet() string {
	ls := f.lines()
	for _, l := range ls {
		if b, ok := f.breaks[l]; ok && !b.healed && (b.fixedBy == "" || !contains(ls, b.fixedBy)) && b.missing(ls) != "" {
			return l
		}
	}
	return ""
}

// missing is the first of needAll not among lines ("" when all are, or
// none is needed: then "x" stands for "fails").
func (b breakage) missing(lines []string) string {
	if len(b.needAll) == 0 {
		return "x"
	}
	for _, n := range b.needAll {
		if !contains(lines, n) {
			return n
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func (f *fakeService) diagnose(unit, inv string) (*diagnose.Report, error) {
	l := f.unmet()
	if l == "" || f.diagnoseNothing {
		rep := &diagnose.Report{Verdict: diagnose.VerdictNoFailure}
		if contains(f.lines(), "SystemCallLog=~@system-service") {
			rep.LoggedCalls = f.logged
		}
		return rep, nil
	}
	b := f.breaks[l]
	fd := diagnose.Finding{Directive: b.directive, Symptom: b.symptom, Confidence: diagnose.High}
	if m := b.missing(f.lines()); len(b.needAll) > 0 {
		fd.Relaxations = append(fd.Relaxations, diagnose.Relaxation{Lines: []string{m}, Rationale: "the one the refusal names"})
	}
	if b.fixedBy != "" {
		fd.Relaxations = append(fd.Relaxations, diagnose.Relaxation{Lines: []string{b.fixedBy}, Rationale: "purpose-built"})
	}
	d, _, _ := strings.Cut(l, "=")
	fd.Relaxations = append(fd.Relaxations, diagnose.Relaxation{Lines: []string{d + "=no"}})
	return &diagnose.Report{Verdict: diagnose.VerdictSandbox, Findings: []diagnose.Finding{fd}}, nil
}

func setupTighten(t *testing.T, f *fakeService) *Tuner {
	t.Helper()
	StateDir = t.TempDir()
	f.dir = filepath.Join(t.TempDir(), "x.service.d")
	now := time.Unix(1800000000, 0)
	return &Tuner{Systemd: f, Audit: &fakeAudit{}, Diagnose: f.diagnose, Now: func() time.Time { return now }, Sleep: func(d time.Duration) { now = now.Add(d) },
		Exposure: func(string) (float64, error) { return f.exposure - float64(len(f.lines()))*0.3, nil }}
}

// An unconfined unit (systemctl show of a plain root service, abridged).
var plainProps = map[string]string{"User": "", "ProtectSystem": "no", "ProtectHome": "no", "NoNewPrivileges": "no",
	"CapabilityBoundingSet": "cap_chown cap_dac_override cap_sys_admin cap_net_bind_service", "UMask": "0022", "ProtectProc": "default", "ProcSubset": "all"}

func TestCandidatesFollowTheUnitAndTheRelease(t *testing.T) {
	props := map[string]string{"ProtectSystem": "full", "NoNewPrivileges": "yes", "SystemCallFilter": "@system-service",
		"CapabilityBoundingSet": "cap_chown cap_sys_admin", "UMask": "0077", "ProtectHome": "tmpfs"}
	got := map[string]bool{}
	for _, c := range Candidates(props, 244) {
		got[c.Line] = true
		if c.Protects == "" {
			t.Errorf("%s: no protection named", c.Line)
		}
	}
	for _, want := range []string{"ProtectSystem=strict", "ProtectHome=yes", "CapabilityBoundingSet=", "PrivateTmp=yes", "ProtectKernelLogs=yes"} {
		if !got[want] {
			t.Errorf("missing candidate %s", want)
		}
	}
	for _, not := range []string{"NoNewPrivileges=yes", "SystemCallFilter=@system-service", "UMask=0077",
		"ProtectClock=yes", "ProtectProc=invisible", "ProcSubset=pid", "PrivateIPC=yes"} { // set already, or newer than v244
		if got[not] {
			t.Errorf("candidate %s should not be tried", not)
		}
	}
	if n := len(Candidates(props, 262)); n <= len(got) {
		t.Errorf("v262 offers %d candidates, v244 %d: the newer release must offer the newer settings", n, len(got))
	}
}

// One setting the service cannot bear among many: it is isolated by
// halving, in about log2(N) trials, and everything else is kept; without
// --apply nothing of harden's is left and the unit runs as before.
func TestTightenBisectsToTheFailingSetting(t *testing.T) {
	f := &fakeService{exposure: 9.6, breaks: map[string]breakage{"MemoryDenyWriteExecute=yes": {directive: "MemoryDenyWriteExecute", symptom: "ENOMEM from a JIT"}}}
	tu := setupTighten(t, f)
	cands := Candidates(plainProps, 257)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejected) != 1 || p.Rejected[0].Setting != "MemoryDenyWriteExecute=yes" {
		t.Fatalf("rejected %+v", p.Rejected)
	}
	if len(p.Lines) != len(cands)-1 {
		t.Errorf("kept %d lines of %d candidates", len(p.Lines), len(cands))
	}
	// baseline + the whole group + about two trials per halving + the
	// relaxation tried for the failing one.
	bound := 3 + 2*int(math.Ceil(math.Log2(float64(len(cands)))))
	if len(p.Trials) > bound || len(p.Trials) >= len(cands) {
		t.Errorf("%d trials for %d candidates (bound %d)", len(p.Trials), len(cands), bound)
	}
	if p.ExposureBefore == nil || p.ExposureAfter == nil || *p.ExposureAfter >= *p.ExposureBefore {
		t.Errorf("exposure before %v after %v", p.ExposureBefore, p.ExposureAfter)
	}
	if len(f.lines()) != 0 || p.Applied != "" {
		t.Errorf("without --apply the unit keeps harden's lines: %v", f.lines())
	}
	if a := tu.Audit.(*fakeAudit); strings.Join(a.calls, ",") != "add harden-tune,delete harden-tune" {
		t.Errorf("audit rules: %v", a.calls)
	}
	if f.active != "active" || f.runs != len(p.Trials)+1 {
		t.Errorf("the unit was running and is not restarted as it was after %d trials: %d runs, %s", len(p.Trials), f.runs, f.active)
	}
}

// A setting that breaks the service but has a narrow relaxation is kept
// with it, and the relaxation says what it is for; --apply keeps the
// drop-in, marked as harden's, and undo takes it back.
func TestTightenKeepsASettingWithItsRelaxation(t *testing.T) {
	f := &fakeService{exposure: 9.6, breaks: map[string]breakage{"ProtectSystem=strict": {directive: "ProtectSystem", symptom: "EROFS from write on /var/lib/app/db", fixedBy: "StateDirectory=app"}}}
	tu := setupTighten(t, f)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second, Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	var ps, sd *Proposed
	for i := range p.Lines {
		switch p.Lines[i].Setting {
		case "ProtectSystem=strict":
			ps = &p.Lines[i]
		case "StateDirectory=app":
			sd = &p.Lines[i]
		}
	}
	if ps == nil || sd == nil || sd.For != "ProtectSystem=strict" || len(p.Rejected) != 0 {
		t.Fatalf("lines %+v rejected %+v", p.Lines, p.Rejected)
	}
	b, err := os.ReadFile(filepath.Join(f.dir, TightenDropIn))
	if err != nil || !strings.HasPrefix(string(b), Marker) || !strings.Contains(string(b), "\nProtectSystem=strict\n") {
		t.Fatalf("applied drop-in: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(f.dir, TightenTemp)); err == nil {
		t.Error("the trial drop-in is left behind")
	}
	if _, err := Undo(f, nil, "x.service"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, TightenDropIn)); err == nil {
		t.Error("undo left the tighten drop-in")
	}
}

// A unit that does not work unconfined is not tightened: nothing is
// proposed, and it is left as it was.
func TestTightenNeedsAWorkingUnit(t *testing.T) {
	f := &fakeService{broken: true}
	tu := setupTighten(t, f)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 0 || len(p.Trials) != 1 || !strings.Contains(p.Reason, "does not pass as it is") {
		t.Fatalf("%+v", p)
	}
}

// A trial can make a setting kept earlier fail in another way (nginx made
// a folder under ProtectSystem=strict only on the trial of PrivateIPC=):
// the relaxation then says which setting it keeps bearable.
func TestTightenNamesTheSettingARelaxationIsFor(t *testing.T) {
	f := &fakeService{exposure: 9.6, breaks: map[string]breakage{"PrivateIPC=yes": {directive: "ProtectSystem", symptom: "EROFS from mkdir on /var/lib/app/body", fixedBy: "StateDirectory=app/body"}}}
	tu := setupTighten(t, f)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Lines {
		if l.Setting == "StateDirectory=app/body" {
			if l.For != "ProtectSystem=strict" || !strings.Contains(l.Protects, "keeps ProtectSystem=strict bearable") {
				t.Errorf("the relaxation is said to be for %q: %s", l.For, l.Protects)
			}
			return
		}
	}
	t.Errorf("no relaxation kept: %+v", p.Lines)
}

// A single setting's trial that fails with no cause harden can see is
// tried twice more: a flaky check does not cost the setting, a setting
// that breaks the service every time is still rejected.
func TestTightenTriesAnUnexplainedFailureAgain(t *testing.T) {
	// Learn which run tries MemoryDenyWriteExecute=yes alone, from a run
	// where it really breaks the unit without a cause harden can see.
	f := &fakeService{exposure: 9.6, breaks: map[string]breakage{"MemoryDenyWriteExecute=yes": {}}}
	f.diagnoseNothing = true
	tu := setupTighten(t, f)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejected) != 1 || p.Rejected[0].Setting != "MemoryDenyWriteExecute=yes" {
		t.Fatalf("a setting that fails every time: rejected %+v", p.Rejected)
	}
	alone, failures := 0, 0
	for _, tr := range p.Trials {
		if alone == 0 && contains(tr.Tried, "MemoryDenyWriteExecute=yes") {
			failures++
		}
		if len(tr.Tried) == 1 && tr.Tried[0] == "MemoryDenyWriteExecute=yes" {
			if alone == 0 {
				alone = tr.Trial
			}
			if tr.Result == "healthy" {
				t.Errorf("trial %d passed", tr.Trial)
			}
		}
	}
	if n := p.Trials[len(p.Trials)-1].Trial; alone == 0 || n > alone+1+1 {
		t.Fatalf("tried alone first on trial %d; %d trials in all (one retry expected after it)", alone, n)
	}

	// The same trials where the setting's failures stop once it is tried
	// alone (the check was failing for reasons of its own): it is kept
	// after two more passing trials.
	f = &fakeService{exposure: 9.6, breaks: map[string]breakage{"MemoryDenyWriteExecute=yes": {times: failures}}}
	f.diagnoseNothing = true
	tu = setupTighten(t, f)
	p, err = tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejected) != 0 {
		t.Fatalf("a flaky check cost a setting: rejected %+v", p.Rejected)
	}
	if got := p.Trials[len(p.Trials)-1].Trial; got < alone+2 {
		t.Errorf("%d trials: the failure on trial %d was not tried twice more", got, alone)
	}
}

// A service that does not bear SystemCallFilter=@system-service: one
// SystemCallLog= trial lists the calls it makes beyond the group, and the
// filter is kept with all of them allowed in one line, proven by one more
// trial. Before systemd 247 (no SystemCallLog=) the calls come one failure
// at a time, as the diagnosis names them.
func TestTightenAllowsTheCallsSystemCallLogSaw(t *testing.T) {
	const allow = "SystemCallFilter=pkey_alloc mbind"
	for _, version := range []int{257, 246} {
		f := &fakeService{exposure: 9.6, logged: []string{"pkey_alloc", "mbind"},
			breaks: map[string]breakage{"SystemCallFilter=@system-service": {directive: "SystemCallFilter", symptom: "killed by SIGSYS for calling pkey_alloc", fixedBy: allow}}}
		tu := setupTighten(t, f)
		p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: version, Settle: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var kept *Proposed
		for i := range p.Lines {
			if p.Lines[i].Setting == allow {
				kept = &p.Lines[i]
			}
		}
		if len(p.Rejected) != 0 || kept == nil || kept.For != "SystemCallFilter=@system-service" {
			t.Fatalf("v%d: lines %+v rejected %+v", version, p.Lines, p.Rejected)
		}
		observed := false
		for _, tr := range p.Trials {
			if contains(tr.Tried, "SystemCallLog=~@system-service") {
				observed = true
				if !strings.Contains(tr.Note, "pkey_alloc mbind") {
					t.Errorf("v%d: the observation trial's note: %q", version, tr.Note)
				}
			}
		}
		if observed != (version >= 247) {
			t.Errorf("v%d: SystemCallLog= trial run: %v", version, observed)
		}
		if version >= 247 && !strings.Contains(kept.Protects, "SystemCallLog=~@system-service logged it") {
			t.Errorf("the line does not say where its calls come from: %s", kept.Protects)
		}
	}
}

// A setting the unit's program is known not to bear (a JIT runtime and
// MemoryDenyWriteExecute=) is tried last and alone: the others pass in one
// group, and its failure costs one trial, not a split of every group.
func TestTightenTriesTheKnownUnbearableLast(t *testing.T) {
	props := map[string]string{}
	for k, v := range plainProps {
		props[k] = v
	}
	props["ExecStart"] = "{ path=/usr/bin/node ; argv[]=/usr/bin/node /srv/app.js ; ignore_errors=no ; }"
	cands := Candidates(props, 257)
	if last := cands[len(cands)-1]; last.Line != "MemoryDenyWriteExecute=yes" || !strings.Contains(last.Expect, "JIT") {
		t.Fatalf("last candidate %+v", last)
	}
	f := &fakeService{exposure: 9.6, breaks: map[string]breakage{"MemoryDenyWriteExecute=yes": {directive: "MemoryDenyWriteExecute", symptom: "ENOMEM from mprotect"}}}
	tu := setupTighten(t, f)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: props, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Trials) != 3 || len(p.Lines) != len(cands)-1 {
		t.Errorf("%d trials (want the unit as it is, the group, the JIT's setting alone), %d lines kept of %d", len(p.Trials), len(p.Lines), len(cands))
	}
	if len(p.Rejected) != 1 || !strings.Contains(p.Rejected[0].Why, "as known of node") {
		t.Errorf("rejected %+v", p.Rejected)
	}
}

// A check from the host cannot reach a service in its own network
// namespace: PrivateNetwork= is rejected with that reason, not as an
// unexplained failure, and not tried again.
func TestTightenSaysWhyTheCheckCannotReach(t *testing.T) {
	f := &fakeService{exposure: 9.6}
	tu := setupTighten(t, f)
	check := func(context.Context) (bool, string) {
		return !contains(f.lines(), "PrivateNetwork=yes"), "curl: (7) Failed to connect to 127.0.0.1 port 80"
	}
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second, Check: check})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejected) != 1 || p.Rejected[0].Setting != "PrivateNetwork=yes" || !strings.Contains(p.Rejected[0].Why, "out of the check's reach") {
		t.Fatalf("rejected %+v", p.Rejected)
	}
	alone := 0
	for _, tr := range p.Trials {
		if len(tr.Tried) == 1 && tr.Tried[0] == "PrivateNetwork=yes" {
			alone++
		}
	}
	if alone != 1 {
		t.Errorf("PrivateNetwork=yes tried alone %d times", alone)
	}
}

// A root daemon under an empty CapabilityBoundingSet= meets the
// capabilities it needs one refusal at a time; each named one is added,
// beyond the four relaxations other settings get (nginx needs five).
func TestTightenAddsCapabilitiesOneByOne(t *testing.T) {
	caps := []string{"CapabilityBoundingSet=CAP_CHOWN", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_SETGID",
		"CapabilityBoundingSet=CAP_SETUID", "CapabilityBoundingSet=CAP_KILL"}
	f := &fakeService{exposure: 9.6, breaks: map[string]breakage{"CapabilityBoundingSet=": {directive: "CapabilityBoundingSet", symptom: "EPERM", needAll: caps}}}
	tu := setupTighten(t, f)
	p, err := tu.Tighten(context.Background(), TightenOptions{Unit: "x.service", Props: plainProps, Version: 257, Settle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rejected) != 0 {
		t.Fatalf("rejected %+v", p.Rejected)
	}
	var kept []string
	for _, l := range p.Lines {
		if l.For == "CapabilityBoundingSet=" {
			kept = append(kept, l.Setting)
		}
	}
	if strings.Join(kept, " ") != strings.Join(caps, " ") {
		t.Errorf("kept for the bounding set: %v", kept)
	}
}
