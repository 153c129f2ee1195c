package journal

import (
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// entryReader must read what go-systemd's GetEntry reads, field for field,
// on real journal files (journald's own, journal-remote's, compact ones).
func TestEntryReaderReadsWhatGetEntryReads(t *testing.T) {
	files, _ := filepath.Glob("../testdata/journal-*/*.journal")
	if len(files) < 3 {
		t.Fatalf("real journal files not found: %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			j, err := sdjournal.NewJournalFromFiles(f)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if !bound() {
				t.Fatal("libsystemd's functions or go-systemd's handle not found: entries are read by GetEntry")
			}
			all, lean := &entryReader{}, leanReader()
			all.buf = make([]byte, 64) // most entries need a second read into a larger buffer
			n := 0
			for {
				c, err := j.Next()
				if err != nil {
					t.Fatal(err)
				}
				if c == 0 {
					break
				}
				je, err := j.GetEntry()
				if err != nil {
					t.Fatal(err)
				}
				want := Entry{Fields: je.Fields, Time: time.UnixMicro(int64(je.RealtimeTimestamp)).UTC()}
				got, err := all.read(j)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Time.Equal(want.Time) || !maps.Equal(got.Fields, want.Fields) {
					t.Fatalf("entry %d:\n got %v\nwant %v", n, got, want)
				}
				gotLean, err := lean.read(j)
				if err != nil {
					t.Fatal(err)
				}
				if wantLean := want.Lean(); !maps.Equal(gotLean.Fields, wantLean.Fields) || len(gotLean.Fields) == 0 {
					t.Fatalf("entry %d, lean:\n got %v\nwant %v", n, gotLean.Fields, wantLean.Fields)
				}
				n++
			}
			if n == 0 {
				t.Fatal("no entries")
			}
		})
	}
}
