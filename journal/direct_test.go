package journal

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// Runs and failures read directly (journalfile) are what libsystemd
// reads, on the real two-host journal-remote files (one holds a second
// host's entries too).
func TestDirectReadsAgreeWithLibsystemd(t *testing.T) {
	direct, lib := openFleet(t), openFleet(t)
	t.Cleanup(direct.direct.close)
	lib.viaLibsystemd = true
	direct.failures()
	lib.failures()
	if len(direct.runs) == 0 || !maps.Equal(direct.runs, lib.runs) {
		t.Fatalf("failures: %d runs read directly, %d through libsystemd", len(direct.runs), len(lib.runs))
	}
	if len(direct.direct.open) != 2 {
		t.Fatalf("%d files opened for direct reads, want the 2", len(direct.direct.open))
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
	t.Logf("%d runs, %d entries", len(direct.runs), read)
}

func sameEntry(a, b Entry) bool {
	return a.Time.Equal(b.Time) && maps.Equal(maps.Collect(a.All()), maps.Collect(b.All()))
}
