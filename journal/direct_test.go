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
	for _, c := range []struct {
		dir   string
		files int
	}{
		{filepath.Join("..", "testdata", "journal-remote-fleet"), 2},
		{folder(trixie, "journal-regular/remote-labvm.journal"), 2},
		{folder(trixie, "journal-long-fields/remote-labvm.journal"), 2},
		{folder(trixie, "journal-regular/remote-labvm.journal", "journal-long-fields/remote-labvm.journal"), 3},
		{filepath.Join("..", "testdata", "journal-kernel"), 2},
	} {
		direct, lib := openRouted(t, c.dir, c.files), openRouted(t, c.dir, c.files)
		t.Cleanup(direct.direct.close)
		lib.viaLibsystemd = true
		direct.failures()
		lib.failures()
		if len(direct.runs) == 0 || !maps.Equal(direct.runs, lib.runs) {
			t.Fatalf("%s: failures: %d runs read directly, %d through libsystemd", c.dir, len(direct.runs), len(lib.runs))
		}
		if len(direct.direct.open) != c.files {
			t.Fatalf("%d files opened for direct reads, want %d", len(direct.direct.open), c.files)
		}
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
		if !maps.Equal(direct.runs, lib.runs) {
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
		if len(direct.runs) <= failed || !maps.Equal(direct.runs, lib.runs) {
			t.Errorf("%s: newest runs: %d runs read directly, %d through libsystemd (%d failed)", c.dir, len(direct.runs), len(lib.runs), failed)
			for k, v := range direct.runs {
				if lib.runs[k] != v {
					t.Logf("%v: %v directly, %v through libsystemd", k, v, lib.runs[k])
				}
			}
			for k, v := range lib.runs {
				if direct.runs[k] != v {
					t.Logf("%v %v: %v through libsystemd, %v directly", k, k.inv, v, direct.runs[k])
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
		if len(ownedDirect) == 0 || !maps.Equal(ownedDirect, ownedLib) || !maps.Equal(direct.runs, lib.runs) {
			t.Errorf("%s: denied PIDs: %d owned read directly, %d through libsystemd; runs %d, %d", c.dir, len(ownedDirect), len(ownedLib), len(direct.runs), len(lib.runs))
		}
		read := 0
		for k, st := range direct.runs {
			r := &runRef{runKey: k, at: time.UnixMicro(st.at).UTC(), failed: st.failed}
			got, err := direct.readOwnDirect(r)
			if err != nil {
				t.Fatalf("%s %s: %v", k.host, k.unit, err)
			}
			want := lib.readOwn(r)
			if len(got) == 0 || !slices.EqualFunc(got, want, sameEntry) {
				t.Errorf("%s %s: %d entries read directly, %d through libsystemd", k.host, k.unit, len(got), len(want))
			}
			read += len(got)
		}
		t.Logf("%s: %d failed runs, %d runs, %d entries", c.dir, failed, len(direct.runs), read)
	}
}

func sameEntry(a, b Entry) bool {
	return a.Time.Equal(b.Time) && maps.Equal(maps.Collect(a.All()), maps.Collect(b.All()))
}
