package journal

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// openFleet opens the two real journal-remote files of two hosts as one
// journal, routed by host as triage routes them.
func openFleet(t *testing.T) *indexReader {
	t.Helper()
	return openRouted(t, filepath.Join("..", "testdata", "journal-remote-fleet"), 2)
}

// openRouted opens the journal files of dir as one journal, routed as
// triage routes them; there must be files of them.
func openRouted(t *testing.T, dir string, files int) *indexReader {
	t.Helper()
	return openRoutedSpec(t, JournalSpec{Dir: dir}, files)
}

// openRoutedSpec is openRouted for any journal spec.
func openRoutedSpec(t *testing.T, spec JournalSpec, files int) *indexReader {
	t.Helper()
	j, name, err := openJournal(spec)
	if err != nil {
		t.Fatal(err)
	}
	x := &indexReader{j: j, spec: spec, name: name, runs: map[runKey]runState{}, names: newHeldNames(), kern: &kernelWindow{}, files: 1, read: leanReader()}
	t.Cleanup(func() {
		for _, sj := range x.subsets {
			sj.j.Close()
		}
		j.Close()
	})
	x.routeByHost()
	if len(x.jfiles) != files {
		t.Fatalf("routing found %d files, want %d", len(x.jfiles), files)
	}
	return x
}

// One journal file given alone (--file) is routed, so that triage reads
// it directly, as it reads a folder's: it was left to libsystemd, and one
// of the load set's files took 3.1 s and 87 MB alone against 1.5 s and 50
// MB as a folder of one.
func TestOneFileIsRouted(t *testing.T) {
	openRoutedSpec(t, JournalSpec{Files: []string{filepath.Join("..", "testdata", "journal-remote-fleet", "remote-web2.journal")}}, 1)
}

// fleetHosts are the hosts of the routed files, sorted.
func fleetHosts(x *indexReader) []string {
	var hosts []string
	for _, f := range x.jfiles {
		for h := range f.hosts {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	sort.Strings(hosts)
	return hosts
}

// A host's files are its files whichever journal is in use: with another
// host's in use (one file), the first's one file was taken for "all the
// files", and its kernel lines were read from every host's (47 s on the
// 50-host folder, 19 s once fixed). The real files: labvm's holds a
// second host's entries (lab-renamed), web2's only web2's.
func TestFilesOfAHostWhileAnothersJournalIsInUse(t *testing.T) {
	x := openFleet(t)
	if hosts := fleetHosts(x); !slices.Equal(hosts, []string{"lab-renamed", "labvm", "web2"}) {
		t.Fatalf("hosts %v", hosts)
	}
	restore := x.on(x.hostJournal("web2"))
	defer restore()
	if x.files != 1 {
		t.Fatalf("web2's journal is %d files, want 1", x.files)
	}
	paths, _ := x.filesOf("labvm", time.Time{}, time.Time{})
	if len(paths) != 1 || !x.jfileHolds(paths[0], "labvm") {
		t.Errorf("files of labvm: %v", paths)
	}
	if want := map[string]bool{"web2": true, "labvm": false, "lab-renamed": false}; !maps.Equal(x.alone, want) {
		t.Errorf("hosts alone in their files: %v, want %v", x.alone, want)
	}
}

// The walk back over a host's entries finds, for each unit, the entry a
// lookup of the unit finds (the newest), and says when it met them all;
// only hosts sharing their files are walked (labvm and lab-renamed here).
func TestHostNewestAgreesWithLookups(t *testing.T) {
	x := openFleet(t)
	units, err := x.uniqueValues("_SYSTEMD_UNIT")
	if err != nil || len(units) == 0 {
		t.Fatal(units, err)
	}
	sort.Strings(units)
	for _, h := range fleetHosts(x) {
		met, complete := x.hostNewest(h)
		if x.alone[h] {
			// Its files are its own: lookups there are cheaper than a walk.
			if met != nil || complete {
				t.Errorf("%s is alone in its file, and was walked", h)
			}
			continue
		}
		if !complete {
			t.Fatalf("%s: walk incomplete on a small journal", h)
		}
		found := 0
		for _, u := range units {
			restore := x.on(x.hostJournal(h))
			g := []string{"_SYSTEMD_UNIT=" + u}
			if !x.alone[h] {
				g = append(g, "_HOSTNAME="+h) // as newestRuns looks up
			}
			if !x.match(g) {
				t.Fatal(x.warns)
			}
			want, ok := x.newest()
			restore()
			got, gotOK := met[u]
			if ok != gotOK || ok && (!got.Time.Equal(want.Time) || got.InvocationID() != want.InvocationID()) {
				t.Errorf("%s %s: walk %v %v %s, lookup %v %v %s", h, u, gotOK, got.Time, got.InvocationID(), ok, want.Time, want.InvocationID())
			}
			if ok {
				found++
			}
		}
		if found == 0 {
			t.Errorf("%s: no unit's newest entry found", h)
		}
		t.Logf("%s: %d units, their newest entries found by the walk as by lookups", h, found)
	}
}

func (x *indexReader) jfileHolds(path, host string) bool {
	i := slices.IndexFunc(x.jfiles, func(f journalFile) bool { return f.path == path })
	return i >= 0 && x.jfiles[i].hosts[host]
}

// A journal a reader is on is not closed to make room for another
// (go-systemd's Close frees libsystemd's handle and keeps the pointer):
// with few subsets kept open, a host's journal was the least recently
// asked for while its walk looked up files around each denial. One that no
// reader is on goes.
func TestSubsetInUseStaysOpen(t *testing.T) {
	defer func(n int) { maxSubsets = n }(maxSubsets)
	maxSubsets = 1
	open := func(x *indexReader, j *sdjournal.Journal) bool {
		for _, sj := range x.subsets {
			if sj.j == j {
				return true
			}
		}
		return false
	}

	x := openFleet(t)
	restore := x.on(x.hostJournal("web2"))
	web2 := x.j
	if labvm, _ := x.hostJournal("labvm"); labvm == nil || labvm == web2 {
		t.Fatal("labvm has no journal of its own")
	}
	if !open(x, web2) {
		t.Fatal("web2's journal was closed while in use")
	}
	if !x.match([]string{"_HOSTNAME=web2"}) {
		t.Fatal(x.warns)
	}
	if e, ok := x.newest(); !ok || e.Host() != "web2" {
		t.Errorf("web2's journal after another was opened: %v %v", ok, e.Host())
	}
	restore()

	// A journal that cannot be opened (a file rotated away) closes none.
	x = openFleet(t)
	web2, _ = x.hostJournal("web2")
	if x.subset([]string{filepath.Join(t.TempDir(), "gone.journal")}) != nil || !open(x, web2) {
		t.Error("a failed open closed web2's journal")
	}
	x.hostJournal("labvm")
	if open(x, web2) || len(x.subsets) != 1 {
		t.Errorf("%d journals open, web2's (in no use) among them: %v", len(x.subsets), open(x, web2))
	}
}

// The run going on at a moment is the same whether it is looked up in the
// files around that moment or in all the host's: for every unit entry of
// the real two-host files, a moment on it and one a minute after. (Through
// libsystemd both: labvm's file has a clock that goes back, and libsystemd
// seeks a time by bisection where direct reads look at every entry; see
// unitBeforeDirect.)
func TestUnitAtAgreesWithAllFiles(t *testing.T) {
	routed := openFleet(t)
	routed.viaLibsystemd = true
	whole := openFleet(t)
	whole.jfiles = nil // every lookup in all the files
	type ask struct {
		host, unit string
		at         time.Time
	}
	var asks []ask
	whole.each(time.Time{}, time.Time{}, func(e *Entry) bool {
		if u := e.Unit(); u != "" {
			asks = append(asks, ask{e.Host(), u, e.Time}, ask{e.Host(), u, e.Time.Add(time.Minute)})
		}
		return true
	})
	if len(asks) == 0 {
		t.Fatal("no unit entries")
	}
	for _, a := range asks {
		routed.unitAt(a.host, a.unit, a.at)
		whole.unitAt(a.host, a.unit, a.at)
	}
	if len(routed.runs) == 0 || !maps.Equal(runsByName(routed), runsByName(whole)) {
		t.Errorf("routed: %d runs, all files: %d runs", len(routed.runs), len(whole.runs))
	}
	t.Logf("%d lookups, %d runs", len(asks), len(routed.runs))
}

// A host asked for by its machine ID (--host) is walked: in a folder where
// each file holds one host, the walks host by host compared the asked-for
// names with the files' hostnames only, and triage said no unit had
// failed (web2AndWeb3's folder).
func TestHostAskedByMachineID(t *testing.T) {
	dir := web2AndWeb3(t)
	for _, asked := range []string{"web3", web3ID} {
		spec := JournalSpec{Dir: dir}
		j, name, err := openJournal(spec)
		if err != nil {
			t.Fatal(err)
		}
		x := &indexReader{j: j, spec: spec, name: name, q: Query{Hosts: []string{asked}}, runs: map[runKey]runState{}, names: newHeldNames(), kern: &kernelWindow{}, files: 1, read: leanReader()}
		x.routeByHost()
		if hosts := x.fileHosts(); !slices.Equal(hosts, []string{"web2", "web3"}) {
			t.Fatalf("hosts %v", hosts)
		}
		x.failures()
		for _, sj := range x.subsets {
			sj.j.Close()
		}
		j.Close()
		if len(x.runs) == 0 {
			t.Errorf("--host %s: no failed run found", asked)
		}
		for k := range runsByName(x) {
			if k[0] != "web3" {
				t.Errorf("--host %s: a run of %s", asked, k[0])
			}
		}
	}
}

// The local journal is routed as a folder is: its files are found where
// libsystemd looks for them, in a folder per machine ID (here the real
// two-host files, in a folder named as a machine ID under a stand-in for
// /var/log/journal).
func TestLocalJournalIsRouted(t *testing.T) {
	root := t.TempDir()
	mid := filepath.Join(root, "98132573faf3459bb78f6df19c841b02")
	if err := os.Mkdir(mid, 0o755); err != nil {
		t.Fatal(err)
	}
	src := copyFleet(t, mid)
	defer func(dirs []string) { localJournalDirs = dirs }(localJournalDirs)
	localJournalDirs = []string{filepath.Join(root, "absent"), root}
	x := &indexReader{spec: JournalSpec{}, files: 1}
	x.routeByHost()
	if len(src) != 2 || len(x.jfiles) != 2 {
		t.Fatalf("%d files routed of %d", len(x.jfiles), len(src))
	}
	if hosts := fleetHosts(x); !slices.Equal(hosts, []string{"lab-renamed", "labvm", "web2"}) {
		t.Errorf("hosts %v", hosts)
	}
}

// A file that cannot be opened alone any more (journald rotated or removed
// it after routing read it) does not lose the walk's finds: the walk goes
// over all the files together, as the journal opened them. The real
// two-host files, copied; one is removed once routed.
func TestWalkWhenAFileIsGone(t *testing.T) {
	dir := t.TempDir()
	copyFleet(t, dir)
	failed := func(remove bool) map[runKey]bool {
		spec := JournalSpec{Dir: dir}
		j, name, err := openJournal(spec)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		x := &indexReader{j: j, spec: spec, name: name, runs: map[runKey]runState{}, names: newHeldNames(), kern: &kernelWindow{}, files: 1, read: leanReader()}
		x.routeByHost()
		if len(x.jfiles) != 2 {
			t.Fatalf("%d files routed", len(x.jfiles))
		}
		if remove {
			if err := os.Rename(x.jfiles[1].path, x.jfiles[1].path+".gone"); err != nil {
				t.Fatal(err)
			}
			defer os.Rename(x.jfiles[1].path+".gone", x.jfiles[1].path)
		}
		x.failures()
		for _, sj := range x.subsets {
			sj.j.Close()
		}
		out := map[runKey]bool{}
		for k, r := range x.runs {
			out[k] = r.failed
		}
		return out
	}
	all, gone := failed(false), failed(true)
	if len(all) == 0 || !maps.Equal(all, gone) {
		t.Errorf("failed runs: %d with every file, %d with one gone after routing", len(all), len(gone))
	}
}

// copyFleet copies the real two-host journal files into dir and returns
// their paths there.
func copyFleet(t *testing.T, dir string) []string {
	t.Helper()
	src, _ := filepath.Glob(filepath.Join("..", "testdata", "journal-remote-fleet", "*.journal"))
	var out []string
	for _, f := range src {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// An invocation ID held as 16 bytes reads back as it was written, and one
// of another form (a hostile or damaged field: upper case, short) is kept
// as it is: the lookups by invocation match the journal's exact text.
func TestInvocationReadsBackAsWritten(t *testing.T) {
	n := newHeldNames()
	for _, s := range []string{"", "5b94593f5ed74823bc6cb15f7ca7d1c9", "5B94593F5ED74823BC6CB15F7CA7D1C9", "short", "00000000000000000000000000000000", "5b94593f5ed74823bc6cb15f7ca7d1c9\x00"} {
		if _, ok := n.invocation(s, false); ok != (s == "" || id128(s)) {
			t.Errorf("%q: found before it was held: %v", s, ok)
		}
		v, _ := n.invocation(s, true)
		if got := n.invocationID(v); got != s {
			t.Errorf("%q read back as %q", s, got)
		}
		if (v == invocation{}) != (s == "") {
			t.Errorf("%q: held as no invocation: %v", s, v == invocation{})
		}
		if w, ok := n.invocation(strings.Clone(s), false); !ok || w != v {
			t.Errorf("%q: the same ID held twice as different keys", s)
		}
	}
}

// runsByName are x's runs to explain by name: two readers number the
// names in the order each met them.
func runsByName(x *indexReader) map[[3]string]runState {
	out := map[[3]string]runState{}
	for k, st := range x.runs {
		out[[3]string{x.names.name(k.host), x.names.name(k.unit), x.names.invocationID(k.inv)}] = st
	}
	return out
}
