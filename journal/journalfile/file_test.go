package journalfile

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// realFiles are the journal files in testdata, written by systemd (journald
// in the lab's VMs, systemd-journal-remote from the lab's captures): both
// layouts, zstd-compressed fields.
func realFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	filepath.WalkDir("../../testdata", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".journal") {
			out = append(out, p)
		}
		return nil
	})
	if len(out) < 6 {
		t.Fatalf("found %d journal files in testdata", len(out))
	}
	return out
}

type libEntry struct {
	fields          map[string]string
	realtime, monot uint64
}

// libsystemdEntries reads every entry of path (matching match, if any)
// through libsystemd.
func libsystemdEntries(t *testing.T, path, match string) []libEntry {
	t.Helper()
	j, err := sdjournal.NewJournalFromFiles(path)
	if err != nil {
		t.Skipf("libsystemd: %v", err)
	}
	defer j.Close()
	if match != "" {
		if err := j.AddMatch(match); err != nil {
			t.Fatal(err)
		}
	}
	var out []libEntry
	for {
		n, err := j.Next()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return out
		}
		e, err := j.GetEntry()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, libEntry{e.Fields, e.RealtimeTimestamp, e.MonotonicTimestamp})
	}
}

// nativeEntry reads the entry at off as libsystemdEntries does.
func nativeEntry(t *testing.T, f *File, off uint64) libEntry {
	t.Helper()
	h, err := f.Head(off)
	if err != nil {
		t.Fatal(err)
	}
	e := libEntry{fields: map[string]string{}, realtime: h.Realtime, monot: h.Monotonic}
	if err := f.Fields(off, func(p []byte) bool {
		k, v, _ := strings.Cut(string(p), "=")
		e.fields[k] = v
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEntriesAgreeWithLibsystemd(t *testing.T) {
	for _, p := range realFiles(t) {
		f, err := openPath(t, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var got []libEntry
		if err := f.Entries(func(off uint64) bool {
			got = append(got, nativeEntry(t, f, off))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		want := libsystemdEntries(t, p, "")
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read %d entries, libsystemd %d, or they differ", p, len(got), len(want))
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("first difference, entry %d:\n%v\n%v", i, got[i], want[i])
					break
				}
			}
		}
		f.Close()
	}
}

// TestLookupAgreesWithMatches: every value of the fields triage looks up,
// looked up in the hash table, gives the entries libsystemd's match gives.
func TestLookupAgreesWithMatches(t *testing.T) {
	lookups := 0
	for _, p := range realFiles(t) {
		f, err := openPath(t, p)
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]bool{}
		f.Entries(func(off uint64) bool {
			f.Fields(off, func(p []byte) bool {
				for _, name := range []string{"_SYSTEMD_INVOCATION_ID=", "INVOCATION_ID=", "MESSAGE_ID=", "_PID=", "UNIT="} {
					if bytes.HasPrefix(p, []byte(name)) {
						values[string(p)] = true
					}
				}
				return true
			})
			return true
		})
		values["_SYSTEMD_INVOCATION_ID=00000000000000000000000000000000"] = true // none
		for v := range values {
			lookups++
			data, err := f.Lookup([]byte(v))
			if err != nil {
				t.Fatal(err)
			}
			var got []libEntry
			if data != 0 {
				if err := f.EntriesOf(data, func(off uint64) bool {
					got = append(got, nativeEntry(t, f, off))
					return true
				}); err != nil {
					t.Fatal(err)
				}
			}
			if want := libsystemdEntries(t, p, v); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s: %d entries, libsystemd %d", p, v, len(got), len(want))
			}
		}
		f.Close()
	}
	if lookups < 100 {
		t.Fatalf("only %d lookups", lookups)
	}
}

// testCache is a small cache (64 blocks: a file of the tests' is read
// through far fewer than it has, blocks aging out all along).
func testCache(t *testing.T) *Cache {
	t.Helper()
	c, err := NewCache(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Release() })
	return c
}

// openPath opens the journal file at p.
func openPath(t *testing.T, p string) (*File, error) {
	fd, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return Open(fd, testCache(t))
}

// inMemory is a File of the bytes b.
func inMemory(t *testing.T, b []byte) (*File, error) {
	return newFile(bytes.NewReader(b), uint64(len(b)), testCache(t))
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRefusesWhatItDoesNotRead: files this package leaves to libsystemd
// (hand-altered headers of a real file).
func TestRefusesWhatItDoesNotRead(t *testing.T) {
	orig := readFile(t, "../../testdata/journal-compact/remote-labvm.journal")
	for name, alter := range map[string]func(b []byte){
		"being written": func(b []byte) { b[hState] = 1 },
		"unkeyed":       func(b []byte) { le.PutUint32(b[hIncompatible:], le.Uint32(b[hIncompatible:])&^incKeyedHash) },
		"lz4":           func(b []byte) { le.PutUint32(b[hIncompatible:], le.Uint32(b[hIncompatible:])|incompressedLZ4) },
		"a newer flag":  func(b []byte) { le.PutUint32(b[hIncompatible:], le.Uint32(b[hIncompatible:])|1<<5) },
		"signature":     func(b []byte) { b[0] = 'X' },
	} {
		b := bytes.Clone(orig)
		alter(b)
		if _, err := inMemory(t, b); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
	b := bytes.Clone(orig)
	le.PutUint64(b[hArenaSize:], uint64(len(b)))
	if _, err := inMemory(t, b); !errors.Is(err, errCorrupt) {
		t.Errorf("arena past the end: %v", err)
	}
	if _, err := inMemory(t, orig[:100]); !errors.Is(err, ErrUnsupported) {
		t.Errorf("truncated header: %v", err)
	}
}

// TestCorruptFilesGiveErrors damages real files (random bytes overwritten
// among their objects, a fixed seed) and reads everything: errors are
// fine, a fault or an endless loop is not.
func TestCorruptFilesGiveErrors(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, p := range []string{"../../testdata/journal-compact/remote-labvm.journal", "../../testdata/journal-regular/remote-labvm.journal"} {
		orig := readFile(t, p)
		used := le.Uint64(orig[136:]) + 4096 // past the tail object
		errs := 0
		for round := 0; round < 150; round++ {
			b := bytes.Clone(orig)
			for range 1 + rng.Intn(20) {
				at := hMin + uint64(rng.Int63n(int64(min(used, uint64(len(b)))-hMin)))
				b[at] = byte(rng.Intn(256))
				if rng.Intn(4) == 0 && at%8 == 0 { // an offset pointing anywhere
					le.PutUint64(b[at:], uint64(rng.Int63n(int64(len(b)*2))))
				}
			}
			f, err := inMemory(t, b)
			if err != nil {
				continue
			}
			if f.Entries(func(off uint64) bool {
				if _, err := f.Head(off); err != nil {
					errs++
				}
				if err := f.Fields(off, func(p []byte) bool {
					if bytes.HasPrefix(p, []byte("_SYSTEMD_INVOCATION_ID=")) {
						if d, err := f.Lookup(p); err == nil && d != 0 {
							if f.EntriesOf(d, func(uint64) bool { return true }) != nil {
								errs++
							}
						} else if err != nil {
							errs++
						}
					}
					return true
				}); err != nil {
					errs++
				}
				return true
			}) != nil {
				errs++
			}
		}
		if errs == 0 {
			t.Errorf("%s: 150 damaged copies read without one error", p)
		}
	}
}

// Every field's values, read from the field's chain, are the values
// libsystemd enumerates (sd_journal_query_unique), on every real file.
func TestValuesAgreeWithLibsystemd(t *testing.T) {
	fields := 0
	for _, p := range realFiles(t) {
		f, err := openPath(t, p)
		if err != nil {
			t.Fatal(err)
		}
		j, err := sdjournal.NewJournalFromFiles(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{"_SYSTEMD_UNIT", "_PID", "_HOSTNAME", "MESSAGE", "COREDUMP_UNIT", "NO_SUCH_FIELD"} {
			var got []string
			if err := f.Values(field, func(p []byte) bool {
				got = append(got, strings.TrimPrefix(string(p), field+"="))
				return true
			}); err != nil {
				t.Fatal(err)
			}
			want, err := j.GetUniqueValues(field)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s: %d values, libsystemd %d", p, field, len(got), len(want))
			}
			fields += len(got)
		}
		j.Close()
		f.Close()
	}
	if fields < 1000 {
		t.Errorf("only %d values", fields)
	}
}
