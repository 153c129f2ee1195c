package journal

import (
	"path/filepath"
	"testing"
	"time"
)

// A look back for a unit's newest entry at or before a moment lists a few
// of each file's newest entries first, and all of them only when the walk
// goes past those: on the real two-host files (labvm's holds a second
// host's entries, its clock goes back), for every unit entry's moment and
// host, the answer is the one of the whole lists, with tails of one and
// two entries (the walk past them almost always) and with the unit's and
// the host's lists stepped through together or not.
func TestNewestWithTailsAgreesWithWholeLists(t *testing.T) {
	x := openRouted(t, filepath.Join("..", "testdata", "journal-remote-fleet"), 2)
	t.Cleanup(x.direct.close)
	type ask struct {
		host, unit string
		at         time.Time
	}
	var asks []ask
	x.match()
	x.each(time.Time{}, time.Time{}, func(e *Entry) bool {
		if u := e.Unit(); u != "" {
			asks = append(asks, ask{e.Host(), u, e.Time}, ask{e.Host(), u, e.Time.Add(-time.Second)})
		}
		return true
	})
	paths, _ := x.pathsOf("", time.Time{}, time.Time{})
	defer func(t []int, h uint64) { tails, hostShare = t, h }(tails, hostShare)
	look := func(a ask) string {
		e, ok, err := x.unitBeforeDirect(paths, a.host, a.unit, a.at)
		if err != nil {
			t.Fatalf("%v: %v", a, err)
		}
		if !ok {
			return "none"
		}
		return e.Time.String() + " " + e.InvocationID() + " " + e.Message()
	}
	differ, found := 0, 0
	for _, a := range asks {
		tails, hostShare = nil, 0
		want := look(a)
		if want != "none" {
			found++
		}
		for _, k := range []struct {
			tails     []int
			hostShare uint64
		}{{[]int{1}, 0}, {[]int{1, 2}, 1 << 40}, {[]int{256, 4096}, 32}} {
			tails, hostShare = k.tails, k.hostShare
			if got := look(a); got != want {
				differ++
				t.Errorf("%s %s at %s, tails %v, host share %d: %q, whole lists %q", a.host, a.unit, a.at, k.tails, k.hostShare, got, want)
			}
		}
	}
	if len(asks) < 100 || found < len(asks)/2 {
		t.Fatalf("%d looks, %d found: too few to tell", len(asks), found)
	}
	t.Logf("%d looks, %d found, %d differ", len(asks), found, differ)
}
