package diagnose

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
)

// FuzzDiagnose feeds arbitrary export streams (seeded with real captures)
// to the whole engine with a real unit configuration: it must answer, and
// its output must never carry a control character.
func FuzzDiagnose(f *testing.F) {
	files, _ := filepath.Glob("../testdata/captures/*/journal.export")
	for i, p := range files {
		if i%7 != 0 {
			continue
		}
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	show, _ := os.ReadFile("../testdata/captures/protectsystem-strict/units/inventory-api.service.show")
	props, _ := journal.ParseShow(bytes.NewReader(show))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _ := journal.ReadExport(bytes.NewReader(b), "fuzz", nil)
		unit := "inventory-api.service"
		for _, e := range es {
			if u := e.Get("UNIT"); u != "" {
				unit = u
				break
			}
		}
		ev := &journal.Evidence{Entries: es, Audit: journal.AuditFromJournal(es), Unit: &journal.UnitConfig{Name: unit, Props: props}}
		rep := Diagnose(ev, Options{Unit: unit, IncludeRunning: true})
		var out bytes.Buffer
		rep.WriteText(&out, Colors{})
		rep.WriteJSON(&out)
		if strings.ContainsAny(out.String(), "\x1b\x07\u009b") {
			t.Fatalf("control character in the output")
		}
		Triage(ev, func(string, string) *journal.UnitConfig { return ev.Unit })
	})
}
