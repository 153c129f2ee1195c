package journal

import (
	"cmp"
	"errors"
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
	f, err := journalfile.Open(path, d.cache)
	if err != nil {
		f = nil // (libsystemd reads it, and says what is wrong with it if anything)
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
// per file in the file's order.
type matched [][]directEntry

// matching are the entries of paths that hold any of payloads
// (FIELD=value); errNotDirect when a file is not read directly or they are
// more than maxDirectEntries.
func (x *indexReader) matching(paths []string, payloads ...string) (matched, error) {
	var lists matched
	n := 0
	for _, p := range paths {
		f := x.direct.file(p)
		if f == nil {
			return nil, errNotDirect
		}
		var list []directEntry
		for _, m := range payloads {
			data, err := f.Lookup([]byte(m))
			if err != nil {
				return nil, errNotDirect
			}
			if data == 0 {
				continue
			}
			if err := f.EntriesOf(data, func(off uint64) bool {
				list = append(list, directEntry{f, off})
				n++
				return n <= maxDirectEntries
			}); err != nil || n > maxDirectEntries {
				return nil, errNotDirect
			}
		}
		if len(payloads) > 1 {
			// An entry may hold two of them: once, in the file's order.
			slices.SortFunc(list, func(a, b directEntry) int { return cmp.Compare(a.off, b.off) })
			list = slices.CompactFunc(list, func(a, b directEntry) bool { return a.off == b.off })
		}
		if len(list) > 0 {
			lists = append(lists, list)
		}
	}
	return lists, nil
}

// walk hands the entries to fn in the order libsystemd steps through
// them, forward or backward, until fn returns false: at each step, of each
// file's next entry beyond the last one handed on (journalfile.Before),
// the first (or last), files in the order given, ties to the first; an
// entry no further than the last one (a copy of it in another file) is
// passed over. (Not a sort: where files have different sequence IDs and
// boots, the comparison need not be transitive, and libsystemd's answer
// is its steps'.)
func (m matched) walk(backward bool, fn func(directEntry) error) error {
	if len(m) == 1 { // one file: its order
		for i := range m[0] {
			k := i
			if backward {
				k = len(m[0]) - 1 - i
			}
			if err := fn(m[0][k]); err != nil {
				return err
			}
		}
		return nil
	}
	type cursor struct {
		at   int
		head journalfile.EntryHead
		read bool
	}
	cur := make([]cursor, len(m))
	for i := range cur {
		if backward {
			cur[i].at = len(m[i]) - 1
		}
	}
	head := func(i int) (journalfile.EntryHead, error) {
		c := &cur[i]
		if !c.read {
			e := m[i][c.at]
			h, err := e.f.Head(e.off)
			if err != nil {
				return h, errNotDirect
			}
			c.head, c.read = h, true
		}
		return c.head, nil
	}
	advance := func(i int) {
		if backward {
			cur[i].at--
		} else {
			cur[i].at++
		}
		cur[i].read = false
	}
	valid := func(i int) bool { return cur[i].at >= 0 && cur[i].at < len(m[i]) }
	// beyond: a is past b in the walk's direction.
	beyond := func(a, b journalfile.EntryHead) bool {
		if backward {
			return journalfile.Before(a, b)
		}
		return journalfile.Before(b, a)
	}
	var last journalfile.EntryHead
	started := false
	for {
		best := -1
		var bestHead journalfile.EntryHead
		for i := range m {
			for started && valid(i) {
				h, err := head(i)
				if err != nil {
					return err
				}
				if beyond(h, last) {
					break
				}
				advance(i)
			}
			if !valid(i) {
				continue
			}
			h, err := head(i)
			if err != nil {
				return err
			}
			if best < 0 || beyond(bestHead, h) {
				best, bestHead = i, h
			}
		}
		if best < 0 {
			return nil
		}
		if err := fn(m[best][cur[best].at]); err != nil {
			return err
		}
		last, started = bestHead, true
		advance(best)
	}
}

// errStop ends a walk.
var errStop = errors.New("stop")

// readInvocationDirect reads what readInvocation reads (the run's newest
// indexTail entries and, when there were more, its first indexHead) from
// paths directly; errNotDirect when one of them is not read so.
func (x *indexReader) readInvocationDirect(r *runRef, paths []string) ([]Entry, error) {
	inv := r.inv.String()
	m, err := x.matching(paths, "_SYSTEMD_INVOCATION_ID="+inv, "INVOCATION_ID="+inv)
	if err != nil {
		return nil, err
	}
	keep := func(e *Entry) bool {
		return x.q.Matches(e) && e.Host() == r.host && e.Unit() == r.unit && e.InvocationID() == inv
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
	if x.jfiles == nil || r.inv == (invocation{}) || x.viaLibsystemd {
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
	data, err := f.Lookup([]byte(payload))
	if err != nil {
		return errNotDirect
	}
	if data == 0 {
		return nil
	}
	from, to := uint64(0), uint64(1<<63)
	if !since.IsZero() {
		from = uint64(since.UnixMicro())
	}
	if !until.IsZero() {
		to = uint64(until.UnixMicro())
	}
	var bad error
	err = f.EntriesOf(data, func(off uint64) bool {
		h, err := f.Head(off)
		if err != nil {
			bad = err
			return false
		}
		if h.Realtime < from || h.Realtime > to {
			return true
		}
		e, err := x.read.readFile(f, off)
		if err != nil {
			bad = err
			return false
		}
		return fn(&e)
	})
	if err != nil || bad != nil {
		return errNotDirect
	}
	return nil
}

// newestDirect is newest, for the entries of host ("": any) in paths
// holding payload, read directly.
func (x *indexReader) newestDirect(paths []string, host, payload string) (Entry, bool, error) {
	m, err := x.matching(paths, payload)
	if err != nil {
		return Entry{}, false, err
	}
	var found Entry
	n := 0
	err = m.walk(true, func(d directEntry) error {
		if n++; n > 10000 {
			return errStop
		}
		e, err := x.read.readFile(d.f, d.off)
		if err != nil {
			return errNotDirect
		}
		if !x.q.Until.IsZero() && e.Time.After(x.q.Until) || host != "" && e.Host() != host {
			return nil
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) {
			return errStop
		}
		if x.q.Matches(&e) {
			found = e
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return Entry{}, false, err
	}
	return found, found.Time != (time.Time{}), nil
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
	m, err := x.matching(paths, "_SYSTEMD_UNIT="+unit, "UNIT="+unit)
	if err != nil {
		return Entry{}, false, err
	}
	at := uint64(t.UnixMicro())
	var found Entry
	n := 0
	err = m.walk(true, func(d directEntry) error {
		h, err := d.f.Head(d.off)
		if err != nil {
			return errNotDirect
		}
		if h.Realtime > at {
			return nil
		}
		if n++; n > 1000 {
			return errStop
		}
		e, err := x.read.readFile(d.f, d.off)
		if err != nil {
			return errNotDirect
		}
		if e.Host() == host && e.Unit() == unit {
			found = e
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return Entry{}, false, err
	}
	return found, found.Time != (time.Time{}), nil
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
