package tune

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Marker starts every file harden writes; Undo removes only files that
// begin with it, so it can never delete an operator's own drop-in.
const Marker = "# Written by harden; remove with `harden tune --undo UNIT`.\n"

// Names of harden's drop-ins in /etc/systemd/system/UNIT.d/: the lines a
// tuning run proved necessary, and what it adds only while it runs (see
// what the kernel would otherwise keep silent).
const (
	TuneDropIn = "zz-harden-tune.conf"
	TempDropIn = "zz-harden-tune-temp.conf"
	// harden tighten's: the proposal kept with --apply, and the settings
	// on trial.
	TightenDropIn = "zz-harden-tighten.conf"
	TightenTemp   = "zz-harden-tighten-temp.conf"
)

// writeAtomic writes data to path so that a reader (systemd) sees either
// the old file or the whole new one: a temporary file in the same folder,
// fsync, rename, then fsync of the folder so the rename survives a crash.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".harden-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeOurs deletes path if harden wrote it (it starts with Marker); a
// missing file is not an error, a file of someone else's is.
func removeOurs(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte(Marker)) {
		return fmt.Errorf("%s was not written by harden (no marker line): left alone", path)
	}
	return os.Remove(path)
}

// Line is one setting of harden's tuning drop-in with why it is there.
type Line struct {
	Setting  string `json:"setting"`  // e.g. StateDirectory=app
	Round    int    `json:"round"`    // the round that proved it
	Symptom  string `json:"symptom"`  // what failed without it
	Evidence string `json:"evidence"` // the line that showed it
	GivesUp  string `json:"gives_up,omitempty"`
}

// renderDropIn is the tuning drop-in: the marker, then each line preceded
// by comments saying which round added it and on what evidence.
func renderDropIn(unit string, lines []Line) []byte {
	var b strings.Builder
	b.WriteString(Marker)
	fmt.Fprintf(&b, "# The relaxations `harden tune %s` proved necessary, one round each.\n[Service]\n", unit)
	for _, l := range lines {
		fmt.Fprintf(&b, "# round %d: %s\n", l.Round, oneLine(l.Symptom))
		if l.Evidence != "" {
			fmt.Fprintf(&b, "#   evidence: %s\n", oneLine(l.Evidence))
		}
		if l.GivesUp != "" {
			fmt.Fprintf(&b, "#   gives up: %s\n", oneLine(l.GivesUp))
		}
		b.WriteString(l.Setting + "\n")
	}
	return []byte(b.String())
}

// oneLine keeps a comment on one line: the service wrote the evidence, and
// a newline in it must not become a setting.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 {
			return ' '
		}
		return r
	}, s)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func removeIfExists(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
