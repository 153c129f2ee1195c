package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// A unit that failed thousands of times had its configuration read (two
// files opened, or systemctl show on a live host) for each run: triage
// reads it once. A real capture's units folder.
func TestTriageReadsAUnitsConfigurationOnce(t *testing.T) {
	capture := "../testdata/captures/ambient-outside-bounding"
	units, _ := filepath.Glob(filepath.Join(capture, "units", "*.show"))
	if len(units) == 0 {
		t.Fatal("no unit in the capture")
	}
	dir := t.TempDir()
	for _, f := range units {
		for _, p := range []string{f, f[:len(f)-len(".show")] + ".cat"} {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	unit := filepath.Base(units[0])
	unit = unit[:len(unit)-len(".show")]
	ev, err := OpenTriage(TriageInput{Sources: Sources{Files: []string{filepath.Join(capture, "journal.export")}}, UnitDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	first := ev.Config("", unit)
	if first == nil || first.Name == "" || len(first.Props) == 0 {
		t.Fatalf("no configuration read for %s: %+v", unit, first)
	}
	if ev.Config("", "no-such.service") != nil {
		t.Fatal("a configuration for a unit the folder does not hold")
	}
	// Gone from the folder: still the one read, and still none for the other.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if again := ev.Config("", unit); again != first {
		t.Errorf("the configuration was read again: %p, then %p", first, again)
	}
	if ev.Config("", "no-such.service") != nil {
		t.Error("a configuration appeared for a unit the folder did not hold")
	}
}
