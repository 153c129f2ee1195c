package journal

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Runs, failures and each unit's newest run read directly are what
// libsystemd reads, on real files: the two-host journal-remote files (one
// holds a second host's entries too), and journald's own file of a trixie
// VM (units that ran twice) beside journal-remote's of bind9's captures
// (compressed fields) or one in the regular layout, or both: they hold
// the same capture, and of two copies of an entry libsystemd shows one,
// and steps through files whose clocks disagree in its own order; and the
// pids controller's lines beside a service that forges them.
func TestDirectReadsAgreeWithLibsystemd(t *testing.T) {
	folder := func(files ...string) string {
		dir := t.TempDir()
		for i, f := range files {
			b, err := os.ReadFile(filepath.Join("..", "testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.journal", i)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	trixie := "journal-257/system@lab-trixie.journal"
	// The looks back for a newest entry list a few of each file's newest
	// first (tails), and step through a unit's and a host's lists together
	// where the host's are few (hostShare): each way is compared, down to
	// a tail of one entry.
	for _, knobs := range []struct {
		name      string
		tails     []int
		hostShare uint64
	}{{"as-built", tails, hostShare}, {"short-tails-both-lists", []int{1, 2}, 1 << 40}, {"no-tails-one-list", nil, 0}} {
		t.Run(knobs.name, func(t *testing.T) {
			defer func(t []int, h uint64) { tails, hostShare = t, h }(tails, hostShare)
			tails, hostShare = knobs.tails, knobs.hostShare
			audited := 0
			for _, c := range []struct {
				dir   string
				files int
			}{
				{filepath.Join("..", "testdata", "journal-remote-fleet"), 2},
				{folder(trixie, "journal-regular/remote-labvm.journal"), 2},
				{folder(trixie, "journal-long-fields/remote-labvm.journal"), 2},
				{folder(trixie, "journal-regular/remote-labvm.journal", "journal-long-fields/remote-labvm.journal"), 3},
				{filepath.Join("..", "testdata", "journal-kernel"), 2},
				{filepath.Join("..", "testdata", "journal-after-run"), 1},
			} {
				direct, lib := openRouted(t, c.dir, c.files), openRouted(t, c.dir, c.files)
				t.Cleanup(direct.direct.close)
				lib.viaLibsystemd = true
				direct.failures()
				lib.failures()
				if len(direct.runs) == 0 || !maps.Equal(runsByName(direct), runsByName(lib)) {
					t.Fatalf("%s: failures: %d runs read directly, %d through libsystemd", c.dir, len(direct.runs), len(lib.runs))
				}
				if len(direct.direct.open) != c.files {
					t.Fatalf("%d files opened for direct reads, want %d", len(direct.direct.open), c.files)
				}
				// The journal's audit records of denials (any record here).
				var recDirect, recLib []string
				deniedDirect := direct.auditDenials(func(a AuditEvent) bool {
					recDirect = append(recDirect, fmt.Sprint(a.Time.UnixMicro(), a.Serial, a.Host, a.PID(), len(a.Records)))
					return true
				})
				deniedLib := lib.auditDenials(func(a AuditEvent) bool {
					recLib = append(recLib, fmt.Sprint(a.Time.UnixMicro(), a.Serial, a.Host, a.PID(), len(a.Records)))
					return true
				})
				if !maps.Equal(deniedDirect, deniedLib) || !slices.Equal(recDirect, recLib) {
					t.Errorf("%s: audit records: %d read directly, %d through libsystemd", c.dir, len(recDirect), len(recLib))
				}
				audited += len(recDirect)
				// The kernel's refusals (the pids controller's lines, and a
				// service's forged ones, which are not the kernel's).
				before := len(direct.runs)
				pids := regexp.MustCompile(`fork rejected by pids controller in (\S+)`)
				refused := func(msg string) string {
					if m := pids.FindStringSubmatch(msg); m != nil {
						return path.Base(m[1])
					}
					return ""
				}
				direct.kernel(refused)
				lib.kernel(refused)
				if !maps.Equal(runsByName(direct), runsByName(lib)) {
					t.Errorf("%s: kernel refusals: %d runs read directly, %d through libsystemd", c.dir, len(direct.runs), len(lib.runs))
				}
				if strings.HasSuffix(c.dir, "journal-kernel") && len(direct.runs) == before {
					t.Errorf("%s: no run refused by the pids controller", c.dir)
				}
				// Each unit's newest run (a service that says it was refused
				// something: here any line).
				failed := len(direct.runs)
				anyLine := func(string) bool { return true }
				direct.newestRuns(anyLine)
				lib.newestRuns(anyLine)
				if len(direct.runs) <= failed || !maps.Equal(runsByName(direct), runsByName(lib)) {
					t.Errorf("%s: newest runs: %d runs read directly, %d through libsystemd (%d failed)", c.dir, len(direct.runs), len(lib.runs), failed)
					d, l := runsByName(direct), runsByName(lib)
					for k, v := range d {
						if l[k] != v {
							t.Logf("%v: %v directly, %v through libsystemd", k, v, l[k])
						}
					}
					for k, v := range l {
						if d[k] != v {
							t.Logf("%v: %v through libsystemd, %v directly", k, v, d[k])
						}
					}
				}
				// Processes denied something (an audit log's): every PID of the
				// files, half with the time of one of their entries (looked up
				// around it), and one no entry has.
				denied := map[int]time.Time{99999: {}}
				lib.match()
				lib.each(time.Time{}, time.Time{}, func(e *Entry) bool {
					if p := e.PID(); p > 1 {
						denied[p] = time.Time{}
						if p%2 == 0 {
							denied[p] = e.Time
						}
					}
					return true
				})
				ownedDirect, ownedLib := direct.deniedPIDs(denied), lib.deniedPIDs(denied)
				if len(ownedDirect) == 0 || !maps.Equal(ownedDirect, ownedLib) || !maps.Equal(runsByName(direct), runsByName(lib)) {
					t.Errorf("%s: denied PIDs: %d owned read directly, %d through libsystemd; runs %d, %d", c.dir, len(ownedDirect), len(ownedLib), len(direct.runs), len(lib.runs))
				}
				// Every run, its own entries and the kernel's lines around it,
				// host by host in time order (as Runs reads them: the kernel's
				// lines are read forward, once).
				runs := len(direct.runs)
				read, kernel := 0, 0
				for _, h := range slices.Concat(direct.toRead()...) {
					r := direct.ref(h)
					own, err := direct.readOwnDirect(r)
					if err != nil {
						t.Fatalf("%s %s: %v", r.host, r.unit, err)
					}
					if want := lib.readOwn(r); len(own) == 0 || !slices.EqualFunc(own, want, sameEntry) {
						t.Errorf("%s %s: %d entries read directly, %d through libsystemd", r.host, r.unit, len(own), len(want))
					}
					got, want := direct.readRun(r), lib.readRun(r)
					if !slices.EqualFunc(got, want, sameEntry) {
						t.Errorf("%s %s: the run with the kernel's lines: %d entries read directly, %d through libsystemd", r.host, r.unit, len(got), len(want))
					}
					read += len(own)
					kernel += len(got) - len(own)
				}
				if direct.kern.d == nil && direct.kern.j != nil {
					t.Errorf("%s: the kernel's lines were read through libsystemd", c.dir)
				}
				t.Logf("%s: %d failed runs, %d runs, %d entries, %d of the kernel's", c.dir, failed, runs, read, kernel)
			}
			if audited < 100 {
				t.Errorf("only %d audit records compared", audited)
			}
		})
	}
}

func sameEntry(a, b Entry) bool {
	return a.Time.Equal(b.Time) && maps.Equal(maps.Collect(a.All()), maps.Collect(b.All()))
}
