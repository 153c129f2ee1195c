package journal

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
	"github.com/harden-tool/harden/journal/journalfile"
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
			var leans []Entry
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
				wantLean := want.Lean()
				if g, w := maps.Collect(gotLean.All()), maps.Collect(wantLean.All()); !maps.Equal(g, w) || len(g) == 0 || gotLean.Fields != nil {
					t.Fatalf("entry %d, lean:\n got %v\nwant %v", n, g, w)
				}
				leans = append(leans, gotLean)
				n++
			}
			if n == 0 {
				t.Fatal("no entries")
			}
			// The same entries read directly, lean (triage's runs).
			jf, err := openDirect(t, f)
			if err != nil {
				t.Fatal(err)
			}
			defer jf.Close()
			direct, i := leanReader(), 0
			if err := jf.Entries(func(off uint64) bool {
				got, err := direct.readFile(jf, off)
				if err != nil {
					t.Fatal(err)
				}
				want := leans[i]
				if g, w := maps.Collect(got.All()), maps.Collect(want.All()); !maps.Equal(g, w) || !got.Time.Equal(want.Time) || got.Fields != nil {
					t.Fatalf("entry %d read directly:\n got %v\nwant %v", i, g, w)
				}
				i++
				return true
			}); err != nil || i != n {
				t.Fatalf("read %d of %d entries directly: %v", i, n, err)
			}
		})
	}
}

// An entry larger than entryBufferMax is read by GetEntry, one that
// outgrows the buffer by a second call: both as GetEntry reads them. The
// entries are real ones of a lab journal whose MESSAGE was made 100 KB and
// 9 MB long by hand (journal-remote writes them; zstd compresses them).
func TestEntryReaderLargeEntries(t *testing.T) {
	if _, err := os.Stat("/lib/systemd/systemd-journal-remote"); err != nil {
		t.Fatal("systemd-journal-remote is needed (apt-get install systemd-journal-remote)")
	}
	entries, _, err := ReadJournal(JournalSpec{Files: []string{"../testdata/journal-remote/remote-labvm.journal"}}, Query{})
	if err != nil || len(entries) < 3 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	entries = entries[:3]
	entries[1].Fields["MESSAGE"] = strings.Repeat("x", 100<<10)
	entries[2].Fields["MESSAGE"] = strings.Repeat("y", entryBufferMax+(1<<20))
	path := filepath.Join(t.TempDir(), "large.journal")
	writeRemoteJournal(t, path, entries)
	j, err := sdjournal.NewJournalFromFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := &entryReader{}
	sizes := []int{}
	for {
		c, err := j.Next()
		if err != nil || c == 0 {
			break
		}
		je, err := j.GetEntry()
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.read(j)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got.Fields, je.Fields) {
			t.Fatalf("entry %d differs from GetEntry's (MESSAGE %d bytes, GetEntry's %d)", len(sizes), len(got.Get("MESSAGE")), len(je.Fields["MESSAGE"]))
		}
		sizes = append(sizes, len(got.Get("MESSAGE")))
	}
	if len(sizes) != 3 || sizes[1] != 100<<10 || sizes[2] <= entryBufferMax {
		t.Fatalf("MESSAGE sizes read: %v", sizes)
	}
	if len(r.buf) > entryBufferMax {
		t.Errorf("the buffer grew to %d bytes, past its bound", len(r.buf))
	}

	// Read directly: the 100 KB field whole, the 9 MB one refused (past
	// what journalfile decodes; libsystemd reads that run).
	f, err := openDirect(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var direct []int
	f.Entries(func(off uint64) bool {
		e, err := r.readFile(f, off)
		if err != nil {
			direct = append(direct, -1)
		} else {
			direct = append(direct, len(e.Get("MESSAGE")))
		}
		return true
	})
	if len(direct) != 3 || direct[0] != sizes[0] || direct[1] != 100<<10 || direct[2] != -1 {
		t.Errorf("MESSAGE sizes read directly: %v, want %d, %d, an error", direct, sizes[0], 100<<10)
	}
}

// openDirect opens the journal file at path for direct reads.
func openDirect(t *testing.T, path string) (*journalfile.File, error) {
	fd, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	return journalfile.Open(fd, testCache(t))
}

// testCache is a cache for journalfile reads, released after the test.
func testCache(t *testing.T) *journalfile.Cache {
	t.Helper()
	c, err := journalfile.NewCache(directCache)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Release() })
	return c
}
