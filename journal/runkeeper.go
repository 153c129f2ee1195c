package journal

import (
	"fmt"
	"sort"
	"time"
)

// runKeeper keeps, of a stream of entries read for one unit (an export or
// JSON file, read front to back), only what the diagnosis of one run can
// use: the newest failed run (or the asked-for one), the newest runs after
// it, PID 1's lines about the unit outside any run (its warnings about the
// unit file), and the kernel and audit entries near those runs. Memory then
// follows the runs that matter, not the size of the file: an export with
// 100,000 runs of the unit holds three. It is the stream's counterpart of
// ReadJournal's walk back from the tail.
type runKeeper struct {
	q        Query
	seq      int
	latest   time.Time
	runs     []*keptRun // the newest runs, oldest first
	chosen   *keptRun   // the newest failed (or asked-for) run that left runs
	loose    []keptEntry
	unitWide []keptEntry // PID 1's lines about the unit in no run
	sinceCut int
	cut      int // entries dropped from the middle of over-long runs
}

type keptEntry struct {
	seq int
	e   Entry
}

type keptRun struct {
	inv         string
	failed      bool
	first, last time.Time
	entries     []keptEntry
}

const (
	// keptRuns is how many of the newest runs are kept besides the
	// chosen one.
	keptRuns = 2
	// runMargin: kernel and audit entries this close to a run are kept
	// with it (ReadJournal's horizon is the same).
	runMargin = 2 * time.Minute
	// runHead and runCap bound one run: its first runHead entries (the
	// start, the setup lines) and its newest ones up to runCap in all.
	runHead = 2000
	runCap  = 20000
	// looseCap bounds the kernel and audit entries kept.
	looseCap = 20000
)

func newRunKeeper(q Query) *runKeeper { return &runKeeper{q: q} }

// keep is a keep function for ReadExport and ReadJSON: it takes what it
// wants and always answers false, so the reader holds nothing itself.
func (k *runKeeper) keep(e *Entry) bool {
	if !k.q.Matches(e) {
		return false
	}
	k.seq++
	if e.Time.After(k.latest) {
		k.latest = e.Time
	}
	ke := keptEntry{k.seq, *e}
	inv := e.InvocationID()
	switch {
	case e.IsKernel() || e.Unit() != k.q.Unit:
		k.addLoose(ke)
	case inv == "":
		if p := e.Provenance(); p == FromManager || p == FromExecutor {
			k.unitWide = append(k.unitWide, ke)
			if len(k.unitWide) > looseCap {
				k.unitWide = k.unitWide[len(k.unitWide)-looseCap/2:]
			}
		} else {
			k.addLoose(ke)
		}
	default:
		r := k.run(inv, e.Time)
		r.entries = append(r.entries, ke)
		if e.Time.Before(r.first) {
			r.first = e.Time
		}
		if e.Time.After(r.last) {
			r.last = e.Time
		}
		if IsManagerLine(e, k.q.Unit, MsgUnitFailureResult) {
			r.failed = true
		}
		if len(r.entries) > runCap {
			tail := runCap / 2
			k.cut += len(r.entries) - runHead - tail
			r.entries = append(r.entries[:runHead:runHead], r.entries[len(r.entries)-tail:]...)
		}
	}
	return false
}

// run finds the run inv among the newest, or starts it; a run pushed out
// becomes the chosen one if it failed (or was asked for).
func (k *runKeeper) run(inv string, t time.Time) *keptRun {
	for i := len(k.runs) - 1; i >= 0; i-- {
		if k.runs[i].inv == inv {
			return k.runs[i]
		}
	}
	if k.chosen != nil && k.chosen.inv == inv {
		return k.chosen
	}
	r := &keptRun{inv: inv, first: t, last: t}
	k.runs = append(k.runs, r)
	if len(k.runs) > keptRuns {
		old := k.runs[0]
		k.runs = k.runs[1:]
		if k.q.Invocation != "" {
			if old.inv == k.q.Invocation {
				k.chosen = old
			}
		} else if old.failed {
			k.chosen = old
		}
	}
	return r
}

func (k *runKeeper) addLoose(ke keptEntry) {
	k.loose = append(k.loose, ke)
	if k.sinceCut++; k.sinceCut >= 1024 || len(k.loose) > looseCap {
		k.sinceCut = 0
		k.pruneLoose()
	}
}

// pruneLoose drops kernel and unattached entries far from every kept run
// and older than the margin (newer ones may belong to a run to come).
func (k *runKeeper) pruneLoose() {
	near := func(t time.Time) bool {
		if !t.Before(k.latest.Add(-runMargin)) {
			return true
		}
		for _, r := range append(k.runs, k.chosen) {
			if r != nil && !t.Before(r.first.Add(-runMargin)) && !t.After(r.last.Add(runMargin)) {
				return true
			}
		}
		return false
	}
	out := k.loose[:0]
	for _, ke := range k.loose {
		if near(ke.e.Time) {
			out = append(out, ke)
		}
	}
	if len(out) > looseCap {
		out = append(out[:0], out[len(out)-looseCap/2:]...)
	}
	k.loose = out
}

// entries returns what was kept, in stream order, and a warning when a
// run was too long to keep whole.
func (k *runKeeper) entries(name string) ([]Entry, []Warning) {
	k.pruneLoose()
	var all []keptEntry
	for _, r := range append(k.runs, k.chosen) {
		if r != nil {
			all = append(all, r.entries...)
		}
	}
	all = append(all, k.loose...)
	all = append(all, k.unitWide...)
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	out := make([]Entry, 0, len(all))
	last := -1
	for _, ke := range all {
		if ke.seq != last {
			out = append(out, ke.e)
			last = ke.seq
		}
	}
	var warns []Warning
	if k.cut > 0 {
		warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("%d entries from the middle of over-long runs were not kept (the first %d and the newest %d of a run are)", k.cut, runHead, runCap-runHead)})
	}
	return out, warns
}
