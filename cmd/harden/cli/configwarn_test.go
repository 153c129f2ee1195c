package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

// PID 1's complaints about a unit's files ("Unknown key 'ProtectSytem'")
// are logged when the unit is loaded, at boot or at a daemon-reload, not
// in a run: they hold for the runs of that boot after them, however much
// later, and not for another boot's (its files may have been fixed). why
// and triage say the same of them, from an export and from journal files:
// before, why on journal files and triage's index read missed them past
// two minutes, and all four took another boot's.
//
// The real hardening-typo capture, its two complaints moved ten minutes
// before the run (a unit restarted after a reload), or into another boot
// (their _BOOT_ID changed).
func TestConfigWarningsHoldForTheirBoot(t *testing.T) {
	if _, err := os.Stat("/lib/systemd/systemd-journal-remote"); err != nil {
		t.Fatal("systemd-journal-remote is needed (apt-get install systemd-journal-remote)")
	}
	const unit = "metrics-agent.service"
	for _, c := range []struct {
		name  string
		move  func(e *journal.Entry)
		notes int
	}{
		{"ten minutes before the run", func(e *journal.Entry) { shiftEntry(e, -10*time.Minute) }, 2},
		{"another boot", func(e *journal.Entry) { e.Fields["_BOOT_ID"] = strings.Repeat("b", 32) }, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			export := copyCapture(t, "hardening-typo")
			p := filepath.Join(export, "journal.export")
			entries, _, err := journal.ReadExportFile(p, func(*journal.Entry) bool { return true })
			if err != nil || len(entries) == 0 {
				t.Fatalf("%d entries, %v", len(entries), err)
			}
			moved := 0
			for i := range entries {
				if entries[i].Get("MESSAGE_ID") == journal.MsgUnitConfigWarning {
					c.move(&entries[i])
					moved++
				}
			}
			if moved != 2 {
				t.Fatalf("%d complaints in the capture, want 2", moved)
			}
			var buf bytes.Buffer
			if err := journal.WriteExport(&buf, entries); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(p, buf.Bytes(), 0o644)
			// The same as journal files, as journal-remote writes them.
			files := copyCapture(t, "hardening-typo")
			os.Remove(filepath.Join(files, "journal.export"))
			os.Mkdir(filepath.Join(files, "journal"), 0o755)
			cmd := exec.Command("/lib/systemd/systemd-journal-remote", "--output="+filepath.Join(files, "journal", "remote-labvm.journal"), "-")
			cmd.Stdin = bytes.NewReader(buf.Bytes())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			for kind, bundle := range map[string]string{"an export": export, "journal files": files} {
				var why diagnose.Report
				_, out, errOut := run(t, "why", "--bundle", bundle, unit, "--output", "json")
				if err := json.Unmarshal(out, &why); err != nil {
					t.Fatalf("why: %v: %s", err, errOut)
				}
				var triage []diagnose.Report
				_, out, errOut = run(t, "triage", "--bundle", bundle, "--output", "json")
				if err := json.Unmarshal(out, &triage); err != nil || len(triage) != 1 {
					t.Fatalf("triage: %d reports, %v: %s", len(triage), err, errOut)
				}
				for cmd, r := range map[string]diagnose.Report{"why": why, "triage": triage[0]} {
					if n := ignoredNotes(r.Notes); n != c.notes {
						t.Errorf("%s on %s: %d notes of ignored settings, want %d: %q", cmd, kind, n, c.notes, r.Notes)
					}
				}
			}
		})
	}
}

func ignoredNotes(notes []string) int {
	n := 0
	for _, s := range notes {
		if strings.Contains(s, "ignored part of the unit's configuration") {
			n++
		}
	}
	return n
}

// shiftEntry moves an entry by d in time (its fields and its Time).
func shiftEntry(e *journal.Entry, d time.Duration) {
	e.Time = e.Time.Add(d)
	for _, k := range []string{"__REALTIME_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP"} {
		if us, err := strconv.ParseInt(e.Fields[k], 10, 64); err == nil {
			e.Fields[k] = strconv.FormatInt(us+d.Microseconds(), 10)
		}
	}
}
