package journal

import (
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// The runs to explain are found by the triage's passes and held until
// they are read, one after another, host by host. On the load set they
// are 109,000 runs, and the moment they are turned from the passes' map
// into the list read in order was the peak of the live heap: keys of two
// strings and an invocation, and a runRef of strings for each run, were
// 24 MB of 38. They are held as numbers instead: a host, a unit and an
// invocation ID not of journald's form are each one entry of a names
// table, and a run is 48 bytes with no pointer for the collector to
// follow.

// heldName is a string held in a names table (heldNames): 0 is "".
type heldName uint32

// heldNames holds each name once, numbered in the order met.
type heldNames struct {
	index map[string]heldName
	list  []string
}

func newHeldNames() *heldNames {
	return &heldNames{index: map[string]heldName{"": 0}, list: []string{""}}
}

// add is s's number, s held (a copy: a value read from an entry shares
// its memory with the whole entry's) the first time.
func (n *heldNames) add(s string) heldName {
	if h, ok := n.index[s]; ok {
		return h
	}
	s = strings.Clone(s)
	h := heldName(len(n.list))
	n.index[s] = h
	n.list = append(n.list, s)
	return h
}

// find is s's number, false when s is not held (then no run names it).
func (n *heldNames) find(s string) (heldName, bool) {
	h, ok := n.index[s]
	return h, ok
}

func (n *heldNames) name(h heldName) string { return n.list[h] }

// invocation is an invocation ID: 16 bytes when it has the form journald
// gives them (32 lowercase hex digits), else the string as it is, held
// among the names. The zero value is no invocation ID.
type invocation struct {
	id    [16]byte
	isID  bool
	other heldName
}

// invocation is s as an invocation (add: s is held if it must be; else
// false when it is not held).
func (n *heldNames) invocation(s string, add bool) (invocation, bool) {
	var v invocation
	if id128(s) {
		if _, err := hex.Decode(v.id[:], []byte(s)); err == nil {
			v.isID = true
			return v, true
		}
	}
	if !add {
		var ok bool
		v.other, ok = n.find(s)
		return v, ok
	}
	v.other = n.add(s)
	return v, true
}

func (n *heldNames) invocationID(v invocation) string {
	if v.isID {
		return hex.EncodeToString(v.id[:])
	}
	return n.name(v.other)
}

// runKey is a run: its host, unit and invocation.
type runKey struct {
	host, unit heldName
	inv        invocation
}

// runState is what the passes know of a run (the runs map's values).
type runState struct {
	at     int64 // µs since the epoch
	failed bool
}

// heldRun is a run to explain as it waits to be read.
type heldRun struct {
	runKey
	runState
}

// runRef is the run being read, by name.
type runRef struct {
	host, unit, inv string // inv: "" when it has none
	at              time.Time
	failed          bool
}

// key is the run of e as the runs map knows it; false when it cannot be
// there (a name in it is not held).
func (x *indexReader) key(host, unit, inv string, add bool) (runKey, bool) {
	if add {
		v, _ := x.names.invocation(inv, true)
		return runKey{x.names.add(host), x.names.add(unit), v}, true
	}
	h, ok1 := x.names.find(host)
	u, ok2 := x.names.find(unit)
	v, ok3 := x.names.invocation(inv, false)
	return runKey{h, u, v}, ok1 && ok2 && ok3
}

// toRead lets go of the runs map and returns its runs in the order they
// are read: host by host, each host's oldest first. A host's files and
// its kernel's lines are then read in one stretch (runs in time order
// across a fleet's 50 hosts touched every host's files in turn, and their
// mapped pages were released and read again all along). They come in
// batches of heldBatch runs, so that each batch can be let go once read:
// the answers grow as the runs are read, and the runs still to read then
// shrink (109,000 runs are 5 MB).
func (x *indexReader) toRead() [][]heldRun {
	runs := heldRuns{n: x.names}
	for k, st := range x.runs {
		if len(runs.batches) == 0 || len(runs.batches[len(runs.batches)-1]) == heldBatch {
			runs.batches = append(runs.batches, make([]heldRun, 0, min(heldBatch, len(x.runs)-runs.size)))
		}
		last := &runs.batches[len(runs.batches)-1]
		*last = append(*last, heldRun{k, st})
		runs.size++
	}
	x.runs = nil
	sort.Sort(runs)
	return runs.batches
}

const heldBatch = 4096

// heldRuns sorts runs across their batches.
type heldRuns struct {
	batches [][]heldRun
	size    int
	n       *heldNames
}

func (h heldRuns) Len() int           { return h.size }
func (h heldRuns) run(i int) *heldRun { return &h.batches[i/heldBatch][i%heldBatch] }
func (h heldRuns) Swap(i, k int)      { a, b := h.run(i), h.run(k); *a, *b = *b, *a }
func (h heldRuns) Less(i, k int) bool {
	a, b, n := h.run(i), h.run(k), h.n
	if a.host != b.host {
		return n.name(a.host) < n.name(b.host)
	}
	if a.at != b.at {
		return a.at < b.at
	}
	return n.name(a.unit)+n.invocationID(a.inv) < n.name(b.unit)+n.invocationID(b.inv)
}

// ref is a held run by name, to be read.
func (x *indexReader) ref(h heldRun) *runRef {
	return &runRef{host: x.names.name(h.host), unit: x.names.name(h.unit), inv: x.names.invocationID(h.inv),
		at: time.UnixMicro(h.at).UTC(), failed: h.failed}
}
