package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
)

// Audit events heard as the kernel emitted them (tune and tighten keep the
// audit stream) count as the audit log's: every capture with an audit log,
// diagnosed with its records given as heard instead, gets the answer the
// log gives; and on some the log's records change the answer, so the
// heard ones are not ignored.
func TestHeardAuditCountsAsTheLog(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/captures/*/audit")
	answer := func(r *Report) string {
		s := string(r.Verdict)
		for _, f := range r.Findings {
			s += " | " + f.Setting + " " + string(f.Confidence) + " " + strings.Join(r.DropIn(), ";")
		}
		return s
	}
	checked, changed := 0, 0
	for _, dir := range dirs {
		capture := filepath.Dir(dir)
		export := filepath.Join(capture, "journal.export")
		expect, err := os.ReadFile(filepath.Join(capture, "expect"))
		if _, err2 := os.Stat(export); err != nil || err2 != nil {
			continue
		}
		unit := ""
		for _, l := range strings.Split(string(expect), "\n") {
			if u, ok := strings.CutPrefix(l, "unit: "); ok {
				unit = strings.TrimSpace(u)
			}
		}
		if unit == "" {
			continue
		}
		logs, _ := filepath.Glob(filepath.Join(dir, "audit.log*"))
		heard, _ := journal.ReadAuditLogs(logs, journal.AuditWindow{})
		if len(heard) == 0 {
			continue
		}
		src := journal.Sources{Files: []string{export}, UnitShow: filepath.Join(capture, "units", unit+".show"), UnitCat: filepath.Join(capture, "units", unit+".cat")}
		diag := func(src journal.Sources) string {
			ev, err := journal.Collect(src, journal.Query{Unit: unit}, nil)
			if err != nil {
				t.Fatalf("%s: %v", capture, err)
			}
			return answer(Diagnose(ev, Options{Unit: unit}))
		}
		without := diag(src)
		withLog, withHeard := src, src
		withLog.AuditLogs = logs
		withHeard.Heard = heard
		fromLog, fromHeard := diag(withLog), diag(withHeard)
		if fromLog != fromHeard {
			t.Errorf("%s: the log gives %q, the same records heard %q", filepath.Base(capture), fromLog, fromHeard)
		}
		checked++
		if fromLog != without {
			changed++
		}
	}
	if checked < 10 || changed == 0 {
		t.Fatalf("%d captures checked, %d changed by their audit log", checked, changed)
	}
	t.Logf("%d captures with audit logs, %d answers changed by them", checked, changed)
}
