package journal

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/harden-tool/harden/journal/journalfile"
)

// Reading the journal files directly. A run to explain is read by its
// invocation ID, and where the failures are the log (the load set: 107,000
// runs, 962,000 entries) those reads were most of triage: through
// libsystemd about 15 µs an entry (its lookups, stepping back from the
// tail, enumerating each entry's data with every object checked and
// mapped, one cgo call a step). journalfile reads the same entries at 2–3
// µs, copying only the fields the diagnosis reads. The passes that find
// what to read (the failures, the kernel's refusals, each unit's newest
// run, the denied processes, a field's values) are read so too; their
// libsystemd lookups also mapped tens of MB at once, which set triage's
// peak memory. Files journalfile does not read (one journald is writing,
// another compression, older hash tables) and any error send the lookup
// back to libsystemd, which reads it as before; the answers are the same
// either way (TestDirectReadsAgreeWithLibsystemd).

// maxDirectFiles bounds the files kept open for direct reads.
const maxDirectFiles = 256

// directCache is the size of the blocks held of the files read directly
// (see journalfile.Cache), whatever the size of the journal, so that
// triage's memory does not grow with it. Measured on the load set (1 GB,
// alternated runs): 8 MB 10.8–11.6 s, 16 MB 10.3–11.1 s, 32 MB 10.3–11.0
// s; and healthy95's peak 94, 102 and 120 MB (its 100 MB set's 75, 83
// and 95 MB).
const directCache = 16 << 20

// maxDirectEntries bounds the entries of one lookup looked at directly; a
// lookup with more (a unit that logs without end) is read by libsystemd,
// which steps through them without listing them.
const maxDirectEntries = 1 << 14

// errNotDirect: the run is read by libsystemd.
var errNotDirect = errors.New("not read directly")

// directFiles are journal files opened for direct reads; a nil file is
// one journalfile does not read.
type directFiles struct {
	cache *journalfile.Cache
	open  map[string]*journalfile.File
	used  map[string]int
	use   int
}

// file is path opened for direct reads, or nil.
func (d *directFiles) file(path string) *journalfile.File {
	if d.open == nil {
		c, err := journalfile.NewCache(directCache)
		if err != nil {
			return nil
		}
		d.cache, d.open, d.used = c, map[string]*journalfile.File{}, map[string]int{}
	}
	d.use++
	if f, ok := d.open[path]; ok {
		d.used[path] = d.use
		return f
	}
	if len(d.open) >= maxDirectFiles {
		oldest := ""
		for p := range d.open {
			if oldest == "" || d.used[p] < d.used[oldest] {
				oldest = p
			}
		}
		if d.open[oldest] != nil {
			d.open[oldest].Close()
		}
		delete(d.open, oldest)
		delete(d.used, oldest)
	}
	var f *journalfile.File
	if fd, err := openRegular(path); err == nil {
		if f, err = journalfile.Open(fd, d.cache); err != nil {
			f = nil // (libsystemd reads it, and says what is wrong with it if anything)
		}
	}
	d.open[path], d.used[path] = f, d.use
	return f
}

func (d *directFiles) close() {
	for _, f := range d.open {
		if f != nil {
			f.Close()
		}
	}
	if d.cache != nil {
		d.cache.Release()
	}
	d.cache, d.open, d.used = nil, nil, nil
}

// directEntry is an entry of one of the files.
type directEntry struct {
	f   *journalfile.File
	off uint64
}

// matched are the entries of some files that hold a field value, a list
// per file in the file's order; of a file whose list is cut, only its
// newest entries (listed).
type matched struct {
	lists [][]directEntry
	cut   []bool
}

// matching are the entries of paths that hold any of payloads
// (FIELD=value), a list per file in its order, an entry holding two of
// them once; errNotDirect when a file is not read directly or they are
// more than maxDirectEntries.
func (x *indexReader) matching(paths []string, payloads ...string) (matched, error) {
	srcs, err := x.sources(paths, payloads...)
	if err != nil {
		return matched{}, err
	}
	return listed(srcs, 0)
}

// listed lists the entries of srcs (a file each): all of them (tail 0),
// at most maxDirectEntries in all; or, for a walk backward, the newest
// tail of each file however many it has (a walk that needs an older one
// ends in errCut). A unit that logs without end has more than can be
// listed whole, where a look for its newest entries needs a few of each
// file's.
func listed(srcs []source, tail int) (matched, error) {
	m := matched{cut: make([]bool, len(srcs))}
	n := 0
	for i, src := range srcs {
		var list []directEntry
		if tail > 0 {
			list = make([]directEntry, 0, min(tail, 256))
		}
		k := 0
		for {
			e, ok, err := src.cur()
			if err != nil {
				return matched{}, err
			}
			if !ok {
				break
			}
			src.advance()
			switch {
			case tail == 0:
				if n++; n > maxDirectEntries {
					return matched{}, errNotDirect
				}
				list = append(list, e)
			case len(list) < tail:
				list = append(list, e)
			default:
				list[k%tail] = e
			}
			k++
		}
		if tail > 0 && k > tail {
			list = slices.Concat(list[k%tail:], list[:k%tail])
			m.cut[i] = true
		}
		m.lists = append(m.lists, list)
	}
	return m, nil
}

// errCut: a walk went past the entries listed of a file (listed).
var errCut = errors.New("past the entries listed")

// walk hands the entries to fn in the order libsystemd steps through
// them (see merger), forward or backward, until fn returns an error.
func (m matched) walk(backward bool, fn func(directEntry) error) error {
	srcs := make([]source, len(m.lists))
	for i, list := range m.lists {
		if m.cut[i] && !backward {
			return errNotDirect // its oldest entries are not listed
		}
		srcs[i] = &listSource{list: list, backward: backward, cut: m.cut[i]}
	}
	mg := &merger{srcs: srcs, backward: backward}
	for {
		e, ok, err := mg.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// A source is one file's entries in its order (or backward).
type source interface {
	cur() (directEntry, bool, error) // the entry at hand; false at the end
	advance()
}

// listSource is a list's entries.
type listSource struct {
	list     []directEntry
	i        int
	backward bool
	cut      bool // the file has older entries than the list's
}

func (l *listSource) cur() (directEntry, bool, error) {
	if l.i >= len(l.list) {
		if l.cut {
			return directEntry{}, false, errCut
		}
		return directEntry{}, false, nil
	}
	if l.backward {
		return l.list[len(l.list)-1-l.i], true, nil
	}
	return l.list[l.i], true, nil
}

func (l *listSource) advance() { l.i++ }

// merger steps through the entries of several files as libsystemd does:
// at each step, of each file's next entry beyond the last one handed on
// (journalfile.Before), the first (or last), files in the order given,
// ties to the first; an entry no further than the last one (a copy of it
// in another file) is passed over. (Not a sort: where files have
// different sequence IDs and boots, the comparison need not be
// transitive, and libsystemd's answer is its steps'.) One file's entries
// are its order, and their heads are not read.
type merger struct {
	srcs     []source
	backward bool
	heads    []journalfile.EntryHead
	read     []bool // heads[i] is the head of srcs[i]'s entry at hand
	last     journalfile.EntryHead
	started  bool
}

func (m *merger) next() (directEntry, bool, error) {
	if len(m.srcs) == 1 {
		e, ok, err := m.srcs[0].cur()
		if ok {
			m.srcs[0].advance()
		}
		return e, ok, err
	}
	if m.heads == nil {
		m.heads, m.read = make([]journalfile.EntryHead, len(m.srcs)), make([]bool, len(m.srcs))
	}
	// head is the head of source i's entry at hand, or false at its end.
	head := func(i int) (journalfile.EntryHead, bool, error) {
		e, ok, err := m.srcs[i].cur()
		if !ok || err != nil {
			return journalfile.EntryHead{}, false, err
		}
		if !m.read[i] {
			h, err := e.f.Head(e.off)
			if err != nil {
				return h, false, errNotDirect
			}
			m.heads[i], m.read[i] = h, true
		}
		return m.heads[i], true, nil
	}
	advance := func(i int) { m.srcs[i].advance(); m.read[i] = false }
	// beyond: a is past b in the walk's direction.
	beyond := func(a, b journalfile.EntryHead) bool {
		if m.backward {
			return journalfile.Before(a, b)
		}
		return journalfile.Before(b, a)
	}
	best := -1
	var bestHead journalfile.EntryHead
	for i := range m.srcs {
		h, ok, err := head(i)
		for ; ok && m.started && !beyond(h, m.last); h, ok, err = head(i) {
			advance(i)
		}
		if err != nil {
			return directEntry{}, false, err
		}
		if ok && (best < 0 || beyond(bestHead, h)) {
			best, bestHead = i, h
		}
	}
	if best < 0 {
		return directEntry{}, false, nil
	}
	e, _, _ := m.srcs[best].cur()
	m.last, m.started = bestHead, true
	advance(best)
	return e, true, nil
}

// errStop ends a walk.
var errStop = errors.New("stop")

// readInvocationDirect reads what readInvocation reads (the run's newest
// indexTail entries and, when there were more, its first indexHead) from
// paths directly; errNotDirect when one of them is not read so.
func (x *indexReader) readInvocationDirect(r *runRef, paths []string) ([]Entry, error) {
	inv := r.inv
	m, err := x.matching(paths, "_SYSTEMD_INVOCATION_ID="+inv, "INVOCATION_ID="+inv)
	if err != nil {
		return nil, err
	}
	keep := func(e *Entry) bool {
		return x.q.Matches(e) && e.Host() == r.host && ownLine(e, r.unit, inv)
	}
	read := func(d directEntry) (Entry, error) {
		e, err := x.read.readFile(d.f, d.off)
		if err != nil {
			return e, errNotDirect
		}
		return e, nil
	}
	var tail []Entry
	err = m.walk(true, func(d directEntry) error {
		if len(tail) == indexTail {
			return errStop
		}
		e, err := read(d)
		if err != nil {
			return err
		}
		if keep(&e) {
			tail = append(tail, e.Lean())
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	own := make([]Entry, 0, len(tail))
	if err == errStop {
		oldest := tail[len(tail)-1].Time
		err = m.walk(false, func(d directEntry) error {
			e, err := read(d)
			if err != nil {
				return err
			}
			if !e.Time.Before(oldest) {
				return errStop
			}
			if keep(&e) {
				own = append(own, e.Lean())
			}
			if len(own) == indexHead {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return nil, err
		}
	}
	for k := len(tail) - 1; k >= 0; k-- {
		own = append(own, tail[k])
	}
	return own, nil
}

// readOwnDirect is readOwn, read directly: errNotDirect when routing is
// off (one file, or files it could not describe), the run has no
// invocation ID, or a file is not read so.
func (x *indexReader) readOwnDirect(r *runRef) ([]Entry, error) {
	if x.jfiles == nil || r.inv == "" || x.viaLibsystemd {
		return nil, errNotDirect
	}
	paths, first := x.pathsOf(r.host, r.at.Add(-runSpan), r.at.Add(time.Minute))
	if paths == nil {
		// No file's first and last entries bracket the time (clocks
		// that went back): all of the host's, as libsystemd reads it.
		if paths, _ = x.pathsOf(r.host, time.Time{}, time.Time{}); paths == nil {
			return nil, errNotDirect
		}
		return x.readInvocationDirect(r, paths)
	}
	own, err := x.readInvocationDirect(r, paths)
	if err != nil {
		return nil, err
	}
	if len(own) == 0 || len(own) >= indexTail || !own[0].Time.After(first.Add(kernelMargin)) {
		all, _ := x.pathsOf(r.host, time.Time{}, time.Time{})
		if len(all) != len(paths) {
			return x.readInvocationDirect(r, all)
		}
	}
	return own, nil
}

// eachDirect hands the entries of path holding payload (FIELD=value), from
// since to until (zero: unbounded), read directly, to fn, which returns
// false to stop; errNotDirect when the file is not read so (fn may have
// been handed some of them).
func (x *indexReader) eachDirect(path, payload string, since, until time.Time, fn func(*Entry) bool) error {
	if x.viaLibsystemd {
		return errNotDirect
	}
	f := x.direct.file(path)
	if f == nil {
		return errNotDirect
	}
	cs, err := cursors(f, payload)
	if err != nil {
		return err
	}
	from, to := uint64(0), uint64(1<<63)
	if !since.IsZero() {
		from = uint64(since.UnixMicro())
	}
	if !until.IsZero() {
		to = uint64(until.UnixMicro())
	}
	for _, c := range cs {
		for {
			off, err := c.Next()
			if err != nil {
				return errNotDirect
			}
			if off == 0 {
				break
			}
			h, err := f.Head(off)
			if err != nil {
				return errNotDirect
			}
			if h.Realtime < from || h.Realtime > to {
				continue
			}
			e, err := x.read.readFile(f, off)
			if err != nil {
				return errNotDirect
			}
			if !fn(&e) {
				return nil
			}
		}
	}
	return nil
}

// newestDirect is newest, for the entries of host ("": any) in paths
// holding payload, read directly.
func (x *indexReader) newestDirect(paths []string, host, payload string) (Entry, bool, error) {
	return x.newestOf(func() ([]source, error) { return x.sourcesOn(paths, host, payload) }, 10000, 0, func(e *Entry) (found, stop bool) {
		if !x.q.Until.IsZero() && e.Time.After(x.q.Until) || host != "" && e.Host() != host {
			return false, false
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) {
			return false, true
		}
		return x.q.Matches(e), false
	})
}

// tails are how many of each file's newest entries newestOf lists, one
// try after another, before it lists them all (a look back mostly ends
// within a few entries; a unit's entries across the 38 files of
// journald's 4 GiB cap are too many to list, and were looked up through
// libsystemd: 45 ms and 1.5 MB of mapped pages each).
var tails = []int{256, 4096}

// newestOf steps back through the entries of the sources open gives,
// from the newest, passing over those after until (µs; 0: none), and
// reads at most max of them: the first judge finds, unless judge stops
// the look first.
func (x *indexReader) newestOf(open func() ([]source, error), max int, until uint64, judge func(*Entry) (found, stop bool)) (Entry, bool, error) {
	for try := 0; ; try++ {
		srcs, err := open()
		if err != nil {
			return Entry{}, false, err
		}
		tail := 0 // the last try lists them all
		if try < len(tails) {
			tail = tails[try]
		}
		m, err := listed(srcs, tail)
		if err != nil {
			return Entry{}, false, err
		}
		found, ok, err := x.newestIn(m, max, until, judge)
		if err != errCut {
			return found, ok, err
		}
	}
}

// newestIn is newestOf's look through the entries listed.
func (x *indexReader) newestIn(m matched, max int, until uint64, judge func(*Entry) (found, stop bool)) (Entry, bool, error) {
	var found Entry
	ok, n := false, 0
	err := m.walk(true, func(d directEntry) error {
		if until != 0 {
			h, err := d.f.Head(d.off)
			if err != nil {
				return errNotDirect
			}
			if h.Realtime > until {
				return nil
			}
		}
		if n++; n > max {
			return errStop
		}
		e, err := x.read.readFile(d.f, d.off)
		if err != nil {
			return errNotDirect
		}
		f, stop := judge(&e)
		if f {
			found, ok = e, true
			return errStop
		}
		if stop {
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return Entry{}, false, err
	}
	return found, ok, nil
}

// unitAtDirect is unitAt, read directly (errNotDirect: it is not).
func (x *indexReader) unitAtDirect(host, unit string, t time.Time) error {
	if x.viaLibsystemd || x.jfiles == nil || !validMatch(host) {
		return errNotDirect
	}
	all, _ := x.pathsOf(host, time.Time{}, time.Time{})
	if all == nil {
		return errNotDirect
	}
	from := t.Add(-runSpan)
	if near, _ := x.pathsOf(host, from, t.Add(time.Minute)); near != nil && len(near) < len(all) {
		e, ok, err := x.unitBeforeDirect(near, host, unit, t)
		if err != nil {
			return err
		}
		if ok && !e.Time.Before(from) {
			e.Time = t
			x.note(&e, false)
			return nil
		}
	}
	e, ok, err := x.unitBeforeDirect(all, host, unit, t)
	if err != nil {
		return err
	}
	if ok {
		e.Time = t
		x.note(&e, false)
	}
	return nil
}

// unitBeforeDirect is unitBefore in paths, read directly: the newest of
// unit's entries at or before t, in the files' order. Where a file's clock
// goes back (a capture's entries after a later one's), libsystemd's seek
// to t, a bisection, may land past an entry this finds; on a clock that
// only goes forward the two are the same (TestDirectReadsAgreeWithLibsystemd
// on the pids controller's refusals).
func (x *indexReader) unitBeforeDirect(paths []string, host, unit string, t time.Time) (Entry, bool, error) {
	open := func() ([]source, error) { return x.sourcesOn(paths, host, "_SYSTEMD_UNIT="+unit, "UNIT="+unit) }
	return x.newestOf(open, 1000, uint64(t.UnixMicro()), func(e *Entry) (bool, bool) {
		return e.Host() == host && e.Unit() == unit, false
	})
}

// valuesDirect are the values of field in the file at path, read directly
// (its data objects, chained from the field's).
func (x *indexReader) valuesDirect(path, field string) ([]string, error) {
	if x.viaLibsystemd {
		return nil, errNotDirect
	}
	f := x.direct.file(path)
	if f == nil {
		return nil, errNotDirect
	}
	var vals []string
	prefix := len(field) + 1
	if err := f.Values(field, func(p []byte) bool {
		if len(p) >= prefix {
			vals = append(vals, string(p[prefix:]))
		}
		return true
	}); err != nil {
		return nil, errNotDirect
	}
	return vals, nil
}

// hostValuesDirect are the values of field in host's files, read directly.
func (x *indexReader) hostValuesDirect(host, field string) ([]string, error) {
	paths, _ := x.pathsOf(host, time.Time{}, time.Time{})
	if paths == nil {
		return nil, errNotDirect
	}
	var all []string
	for _, p := range paths {
		vals, err := x.valuesDirect(p, field)
		if err != nil {
			return nil, err
		}
		all = append(all, vals...)
	}
	return all, nil
}

// pidDirect is deniedPIDs' look at one PID's entries on host (around at,
// when known), read directly: an entry of a unit's process makes the PID
// owned and its run noted.
func (x *indexReader) pidDirect(host string, pid int, at time.Time, owned map[int]bool) error {
	if x.viaLibsystemd || x.jfiles == nil {
		return errNotDirect
	}
	var paths []string
	if !at.IsZero() {
		paths, _ = x.pathsOf(host, at.Add(-deniedSpan), at.Add(time.Minute))
	}
	if paths == nil {
		if paths, _ = x.pathsOf(host, time.Time{}, time.Time{}); paths == nil {
			return errNotDirect
		}
	}
	m, err := x.matching(paths, "_PID="+strconv.Itoa(pid))
	if err != nil {
		return err
	}
	var seen []Entry
	err = m.walk(false, func(d directEntry) error {
		e, err := x.read.readFile(d.f, d.off)
		if err != nil {
			return errNotDirect
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) || !x.q.Until.IsZero() && e.Time.After(x.q.Until) {
			return nil
		}
		if u := e.Get("_SYSTEMD_UNIT"); u != "" && u != "init.scope" {
			seen = append(seen, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// (Noted once all are read: a walk cut by an error is walked again
	// through libsystemd.)
	for i := range seen {
		owned[pid] = true
		x.note(&seen[i], false)
	}
	return nil
}

// kernelLinesDirect steps through host's kernel lines (SYSLOG_FACILITY=0;
// what else the kernel transport holds is userspace's, see
// Entry.IsKernel) in its files, read directly; nil when they are not.
func (x *indexReader) kernelLinesDirect(host string) *merger {
	if x.viaLibsystemd || x.jfiles == nil || !validMatch(host) {
		return nil
	}
	paths, _ := x.pathsOf(host, time.Time{}, time.Time{})
	if paths == nil {
		return nil
	}
	srcs, err := x.sources(paths, "SYSLOG_FACILITY=0")
	if err != nil {
		return nil
	}
	return &merger{srcs: srcs}
}

// eachOfHostDirect hands host's entries ("": every host's) that hold any
// of payloads, from x.q.Since to x.q.Until, to fn in libsystemd's order,
// read directly, until fn returns false. (Nothing is handed to fn before
// all of the host's files are known to be read directly: a walk that
// cannot be is walked through libsystemd instead.)
func (x *indexReader) eachOfHostDirect(host string, payloads []string, fn func(*Entry) bool) error {
	if x.viaLibsystemd || x.jfiles == nil || !validMatch(host) {
		return errNotDirect
	}
	paths, _ := x.pathsOf(host, x.q.Since, x.q.Until)
	if paths == nil {
		if paths, _ = x.pathsOf(host, time.Time{}, time.Time{}); paths == nil {
			return errNotDirect
		}
	}
	srcs, err := x.sources(paths, payloads...)
	if err != nil {
		return err
	}
	m := &merger{srcs: srcs}
	for {
		d, ok, err := m.next()
		if err != nil {
			x.fail(fmt.Errorf("stopped reading: %w", err))
			return nil
		}
		if !ok {
			return nil
		}
		e, err := x.read.readFile(d.f, d.off)
		if err != nil {
			x.warns = append(x.warns, Warning{Source: x.name, Text: "skipped an unreadable entry: " + err.Error(), Incomplete: true})
			continue
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) || !x.q.Until.IsZero() && e.Time.After(x.q.Until) {
			continue
		}
		if !fn(&e) {
			return nil
		}
	}
}

// unionSource is the entries of one file that hold any of several data
// objects, in the file's order, each once.
type unionSource struct {
	f    *journalfile.File
	cs   []*journalfile.Cursor
	at   []uint64 // each cursor's entry at hand (0: to be read)
	done []bool
}

func (u *unionSource) cur() (directEntry, bool, error) {
	low := uint64(0)
	for i, c := range u.cs {
		if u.at[i] == 0 && !u.done[i] {
			off, err := c.Next()
			if err != nil {
				return directEntry{}, false, errNotDirect
			}
			u.at[i], u.done[i] = off, off == 0
		}
		if !u.done[i] && (low == 0 || u.at[i] < low) {
			low = u.at[i]
		}
	}
	return directEntry{u.f, low}, low != 0, nil
}

// advance moves every cursor at the entry at hand (an entry holding two
// of the objects is handed out once).
// left is at most how many entries the source has left.
func (u *unionSource) left() uint64 {
	n := uint64(0)
	for _, c := range u.cs {
		n += c.Left()
	}
	return n
}

func (u *unionSource) advance() {
	e, ok, _ := u.cur()
	if !ok {
		return
	}
	for i := range u.cs {
		if u.at[i] == e.off {
			u.at[i] = 0
		}
	}
}

// hostNewestDirect is hostNewest, read directly: of each of the host's
// files the last newestWalk of its entries (_HOSTNAME or _MACHINE_ID) are
// listed (the lists go forward only), and stepped through backward.
func (x *indexReader) hostNewestDirect(host string) (map[string]Entry, bool, error) {
	if x.viaLibsystemd || x.jfiles == nil || !validMatch(host) {
		return nil, false, errNotDirect
	}
	paths, _ := x.pathsOf(host, time.Time{}, time.Time{})
	if paths == nil {
		return nil, false, errNotDirect
	}
	// The last newestWalk of each file's (listed forward only, walked
	// backward): the walk takes at most as many.
	srcs, err := x.sources(paths, "_HOSTNAME="+host, "_MACHINE_ID="+host)
	if err != nil {
		return nil, false, err
	}
	m, err := listed(srcs, newestWalk)
	if err != nil {
		return nil, false, err
	}
	met := map[string]Entry{}
	// look notes d's unit, or says the window's start is passed.
	look := func(d directEntry) (start bool) {
		e, err := x.read.readFile(d.f, d.off)
		if err != nil || !x.q.Until.IsZero() && e.Time.After(x.q.Until) {
			return false
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) {
			return true
		}
		if u := e.Get("_SYSTEMD_UNIT"); u != "" && x.q.Matches(&e) && e.Host() == host {
			if _, seen := met[u]; !seen {
				met[u] = e
			}
		}
		return false
	}
	steps, complete := 0, true
	err = m.walk(true, func(d directEntry) error {
		if look(d) {
			return errStop
		}
		if steps++; steps == newestWalk {
			complete = false
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, false, err
	}
	return met, complete, nil
}

// sources are, of each of paths, the entries that hold any of payloads,
// read as they are stepped to (lists too long to hold: a host's kernel
// lines, its audit records); errNotDirect when a file is not read so.
func (x *indexReader) sources(paths []string, payloads ...string) ([]source, error) {
	var srcs []source
	for _, p := range paths {
		f := x.direct.file(p)
		if f == nil {
			return nil, errNotDirect
		}
		cs, err := cursors(f, payloads...)
		if err != nil {
			return nil, err
		}
		if len(cs) > 0 {
			srcs = append(srcs, &unionSource{f: f, cs: cs, at: make([]uint64, len(cs)), done: make([]bool, len(cs))})
		}
	}
	return srcs, nil
}

// sourcesOn are sources of paths' entries that hold any of payloads and
// are host's (_HOSTNAME or _MACHINE_ID), as libsystemd's matches on the
// host are (onHost): the two lists of each file are stepped through
// together, and only the entries in both are read. A unit's entries on a
// second host of shared files were read one by one to find that host's
// (on journald's 4 GiB cap, 10,000 a unit).
func (x *indexReader) sourcesOn(paths []string, host string, payloads ...string) ([]source, error) {
	if host == "" || x.alone[host] {
		return x.sources(paths, payloads...)
	}
	var srcs []source
	for _, p := range paths {
		of, err := x.sources([]string{p}, payloads...)
		if err != nil {
			return nil, err
		}
		on, err := x.sources([]string{p}, "_HOSTNAME="+host, "_MACHINE_ID="+host)
		if err != nil {
			return nil, err
		}
		switch {
		case len(of) == 0 || len(on) == 0:
		case on[0].(*unionSource).left() > hostShare*of[0].(*unionSource).left():
			// The host's are most of the file's: the payloads'
			// alone, the host told by each entry read (stepping
			// through two lists costs both whole; reading an entry,
			// some fifty steps).
			srcs = append(srcs, of[0])
		default:
			srcs = append(srcs, &bothSource{of[0], on[0]})
		}
	}
	return srcs, nil
}

// hostShare is how many times the payloads' entries a host's may be for
// the two lists to be stepped through together (sourcesOn).
var hostShare uint64 = 32

// bothSource is the entries of one file in both a and b.
type bothSource struct{ a, b source }

func (s *bothSource) cur() (directEntry, bool, error) {
	for {
		a, ok, err := s.a.cur()
		if !ok || err != nil {
			return a, ok, err
		}
		b, ok, err := s.b.cur()
		if !ok || err != nil {
			return b, ok, err
		}
		switch {
		case a.off == b.off:
			return a, true, nil
		case a.off < b.off:
			s.a.advance()
		default:
			s.b.advance()
		}
	}
}

func (s *bothSource) advance() { s.a.advance(); s.b.advance() }

// cursors are cursors over f's entries that hold each of payloads (those
// f has); errNotDirect when f cannot be read so.
func cursors(f *journalfile.File, payloads ...string) ([]*journalfile.Cursor, error) {
	var cs []*journalfile.Cursor
	for _, m := range payloads {
		data, err := f.Lookup([]byte(m))
		if err != nil {
			return nil, errNotDirect
		}
		if data == 0 {
			continue
		}
		c, err := f.EntriesOfData(data)
		if err != nil {
			return nil, errNotDirect
		}
		cs = append(cs, c)
	}
	return cs, nil
}
