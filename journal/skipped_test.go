package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A folder of journal files where one is cut short: libsystemd opens the
// folder without it and says nothing. The file is named in the warnings of
// why's read and triage's, and the other file is still read. (The damage
// is a real journal-remote file truncated by hand.)
func TestDamagedFileInAFolderIsNamed(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../testdata/journal-remote-fleet/remote-web2.journal")
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile("../testdata/journal-remote/remote-labvm.journal")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "remote-web2.journal"), good, 0o644)
	damaged := filepath.Join(dir, "remote-labvm.journal")
	os.WriteFile(damaged, other[:len(other)/2], 0o644)
	named := func(ws []Warning) bool {
		for _, w := range ws {
			if w.Source == damaged && w.Incomplete && strings.Contains(w.Text, "cannot open") {
				return true
			}
		}
		return false
	}

	es, ws, err := ReadJournal(JournalSpec{Dir: dir}, Query{Unit: "swapmgr.service"})
	if err != nil || len(es) == 0 {
		t.Fatalf("why's read: %d entries, %v", len(es), err)
	}
	if !named(ws) {
		t.Errorf("why's read does not name the damaged file: %v", ws)
	}

	ev, err := OpenTriage(TriageInput{Sources: Sources{Directory: dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	runs := 0
	ws = ev.Runs(Triggers{Text: func(string) bool { return false }}, func(*IndexedRun) { runs++ })
	if runs == 0 {
		t.Error("triage read no run of the good file")
	}
	if !named(ws) {
		t.Errorf("triage does not name the damaged file: %v", ws)
	}

	// Nothing left out: nothing said.
	os.Remove(damaged)
	if _, ws, _ := ReadJournal(JournalSpec{Dir: dir}, Query{Unit: "swapmgr.service"}); len(ws) != 0 {
		t.Errorf("warnings with every file read: %v", ws)
	}
}

// A --bundle folder is read through a view of links to its files
// (viewFolder): its journal files are routed by host and read directly as
// a --directory's are, and a damaged one is named. Taking only regular
// files, the view's files were passed over: the load set's bundle took 29 s
// and 199 MB against 5 s and 64 MB as a folder, and a damaged file in a
// bundle was left out without a word. (Real journal-remote files; the
// damage is one truncated by hand.)
func TestBundleJournalFilesAreRoutedAndNamed(t *testing.T) {
	bundle := t.TempDir()
	jd := Layout(bundle).JournalDir()
	os.Mkdir(jd, 0o755)
	for _, f := range []string{"../testdata/journal-remote-fleet/remote-web2.journal", "../testdata/journal-remote/remote-labvm.journal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(jd, filepath.Base(f)), b, 0o644)
	}
	view, cleanup, _, err := OpenBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	openRouted(t, Layout(view).JournalDir(), 2)

	b, _ := os.ReadFile(filepath.Join(jd, "remote-labvm.journal"))
	os.WriteFile(filepath.Join(jd, "remote-labvm.journal"), b[:len(b)/2], 0o644)
	ev, err := OpenTriage(TriageInput{Sources: Sources{Bundle: bundle}})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	runs := 0
	ws := ev.Runs(Triggers{Text: func(string) bool { return false }}, func(*IndexedRun) { runs++ })
	if runs == 0 {
		t.Error("triage read no run of the good file")
	}
	named := false
	for _, w := range ws {
		named = named || w.Source == filepath.Join(jd, "remote-labvm.journal") && w.Incomplete && strings.Contains(w.Text, "cannot open")
	}
	if !named {
		t.Errorf("triage of the bundle does not name the damaged file: %v", ws)
	}
}
