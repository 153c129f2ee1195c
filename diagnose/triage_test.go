package diagnose

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
)

// captureReport is the answer for a real capture (a seccomp kill).
func captureReport(t testing.TB) *Report {
	ev, err := journal.Collect(journal.Sources{Bundle: "../testdata/captures/syscallfilter-kill"}, journal.Query{Unit: "swapmgr.service"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := Diagnose(ev, Options{Unit: "swapmgr.service"})
	if rep.Verdict != VerdictSandbox {
		t.Fatalf("capture: %s", rep.Verdict)
	}
	return rep
}

// The same answer on two hosts is one line: the newest run's report whole
// (its time, invocation and words), naming both hosts, whatever the order
// the hosts came in; answers come worst first, then newest.
func TestFoldAnswers(t *testing.T) {
	rep := captureReport(t)
	reports := newHeldReports()
	defer reports.close()
	encode := true
	at := func(host, time, inv string, v Verdict, cause string) answer {
		r := *rep
		r.Hosts, r.Time, r.Invocation, r.Verdict, r.Cause = []string{host}, time, inv, v, cause
		if v != VerdictSandbox {
			r.Findings = nil
		}
		a := newAnswer(&r)
		if encode {
			if err := a.hold(&r, reports, heldReport{}); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	older := at("web1", "2026-11-18T10:00:00Z", "aaa", VerdictUnknown, "older words")
	newer := at("web2", "2026-11-18T11:00:00Z", "bbb", VerdictUnknown, "newer words")
	worse := at("web1", "2026-11-18T09:00:00Z", "ccc", VerdictSandbox, "")
	for _, rows := range [][]answer{{older, newer, worse}, {newer, worse, older}} {
		got := slices.Collect(foldAnswers(slices.Clone(rows), reports).All())
		if len(got) != 2 {
			t.Fatalf("%d answers", len(got))
		}
		if got[0].Verdict != VerdictSandbox {
			t.Errorf("first %s, want the sandbox's", got[0].Verdict)
		}
		u := got[1]
		if u.Invocation != "bbb" || u.Cause != "newer words" || u.Time != "2026-11-18T11:00:00Z" || !slices.Equal(u.Hosts, []string{"web1", "web2"}) {
			t.Errorf("folded: %s %q %s %v", u.Invocation, u.Cause, u.Time, u.Hosts)
		}
	}
	// The lines kept beside the encoded reports are the reports' lines.
	a := foldAnswers([]answer{older, newer, worse}, reports)
	var kept, decoded strings.Builder
	if err := a.WriteText(&kept, Colors{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTriageText(&decoded, a.All(), Colors{}); err != nil {
		t.Fatal(err)
	}
	if kept.String() != decoded.String() || strings.Count(kept.String(), "\n") != 2 {
		t.Errorf("kept lines:\n%s\ndecoded:\n%s", kept.String(), decoded.String())
	}
	if a := foldAnswers([]answer{older}, reports); a.Sandbox() || a.Len() != 1 {
		t.Errorf("one unknown answer: sandbox %v, %d", a.Sandbox(), a.Len())
	}
	// Answers kept as lines only (LinesOnly: text output) print the same.
	encode = false
	lines := foldAnswers([]answer{at("web1", "2026-11-18T10:00:00Z", "aaa", VerdictUnknown, "older words"),
		at("web2", "2026-11-18T11:00:00Z", "bbb", VerdictUnknown, "newer words"), at("web1", "2026-11-18T09:00:00Z", "ccc", VerdictSandbox, "")}, nil)
	var only strings.Builder
	if err := lines.WriteText(&only, Colors{}); err != nil {
		t.Fatal(err)
	}
	if only.String() != kept.String() || !lines.Sandbox() {
		t.Errorf("lines only:\n%s\nwith reports:\n%s", only.String(), kept.String())
	}
	for r := range lines.All() {
		if r.Unit == "" || r.Time == "" || len(r.Hosts) == 0 {
			t.Errorf("a lines-only answer without its unit, time or hosts: %+v", r)
		}
	}
}

// BenchmarkAnswersOutput: 40,000 answers held, folded, decoded and printed
// as text (a fleet's triage; the JSON printing is BenchmarkTriageOutput's).
func BenchmarkAnswersOutput(b *testing.B) {
	rep := captureReport(b)
	rows := make([]answer, 40000)
	for i := range rows {
		r := *rep
		r.Unit = fmt.Sprintf("svc-%05d.service", i)
		rows[i] = newAnswer(&r)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := foldAnswers(slices.Clone(rows), nil).WriteText(io.Discard, Colors{}); err != nil {
			b.Fatal(err)
		}
	}
}

// A process denied in a loop has its first journal.MaxDenialsPerPID
// denials held, the rest counted: a real SECCOMP record, given again and
// again as the kernel's audit stream would give a looping process's.
func TestDenialsHeldPerProcessAreBounded(t *testing.T) {
	evs, _ := journal.ReadAuditLogs([]string{"../testdata/captures/blind5-c-denylist-kill/audit/audit.log"}, journal.AuditWindow{})
	var seccomp journal.AuditEvent
	for _, ev := range evs {
		if ev.Record("SECCOMP") != nil {
			seccomp = ev
		}
	}
	if seccomp.PID() == 0 {
		t.Fatal("no SECCOMP record in the capture")
	}
	s := NewTriageStream(nil, nil, journal.HostInfo{})
	const n = 3 * journal.MaxDenialsPerPID
	for range n {
		s.AddAudit(seccomp)
	}
	if held := len(s.anyHost[seccomp.PID()]); held != journal.MaxDenialsPerPID || s.Dropped() != n-held {
		t.Errorf("%d denials of one process: %d held, %d counted as dropped", n, held, s.Dropped())
	}
	seccomp.Host = "web1" // a journal's record names its host
	for range n {
		s.AddAudit(seccomp)
	}
	if held := len(s.denials["web1"][seccomp.PID()]); held != journal.MaxDenialsPerPID || s.Dropped() != 2*(n-held) {
		t.Errorf("%d denials of one process on a host: %d held, %d counted as dropped", n, held, s.Dropped())
	}
}
