package journal

import (
	"errors"
	"sort"
	"time"

	"github.com/harden-tool/harden/journal/journalfile"
)

// Reading runs from the files directly. A run to explain is read by its
// invocation ID, and where the failures are the log (the load set: 107,000
// runs, 962,000 entries) those reads were most of triage: through
// libsystemd about 15 µs an entry (its lookups, stepping back from the
// tail, enumerating each entry's data with every object checked and
// mapped, one cgo call a step). journalfile reads the same entries from
// the mapped files at about 1 µs, copying only the fields the diagnosis
// reads. Files it does not read (one journald is writing, another
// compression, older hash tables) and any error send the run back to
// libsystemd, which reads it as before.

// maxDirectFiles bounds the files kept mapped for direct reads (a mapping
// each; the pages are released with libsystemd's, see mapped_linux.go).
const maxDirectFiles = 256

// maxDirectEntries bounds the entries of one run looked at directly; a run
// with more (a unit that logs without end) is read by libsystemd, which
// steps back from its tail without listing them.
const maxDirectEntries = 1 << 14

// errNotDirect: the run is read by libsystemd.
var errNotDirect = errors.New("not read directly")

// directFiles are journal files opened for direct reads; a nil file is
// one journalfile does not read.
type directFiles struct {
	open map[string]*journalfile.File
	used map[string]int
	use  int
}

// file is path opened for direct reads, or nil.
func (d *directFiles) file(path string) *journalfile.File {
	if d.open == nil {
		d.open, d.used = map[string]*journalfile.File{}, map[string]int{}
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
	f, err := journalfile.Open(path)
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
	d.open, d.used = nil, nil
}

// directEntry is an entry of one of the files.
type directEntry struct {
	f    *journalfile.File
	off  uint64
	head journalfile.EntryHead
}

// readInvocationDirect reads what readInvocation reads (the run's newest
// indexTail entries and, when there were more, its first indexHead) from
// paths directly; errNotDirect when one of them is not read so.
func (x *indexReader) readInvocationDirect(r *runRef, paths []string) ([]Entry, error) {
	inv := r.inv.String()
	var all []directEntry
	for _, p := range paths {
		f := x.direct.file(p)
		if f == nil {
			return nil, errNotDirect
		}
		for _, m := range [...]string{"_SYSTEMD_INVOCATION_ID=" + inv, "INVOCATION_ID=" + inv} {
			x.pace()
			data, err := f.Lookup([]byte(m))
			if err != nil {
				return nil, errNotDirect
			}
			if data == 0 {
				continue
			}
			var headErr error
			err = f.EntriesOf(data, func(off uint64) bool {
				h, err := f.Head(off)
				if err != nil || len(all) == maxDirectEntries {
					headErr = errNotDirect
					return false
				}
				all = append(all, directEntry{f, off, h})
				return true
			})
			if err != nil || headErr != nil {
				return nil, errNotDirect
			}
		}
	}
	// In libsystemd's order (an entry holding both fields once).
	sort.SliceStable(all, func(i, k int) bool { return journalfile.Before(all[i].head, all[k].head) })
	uniq := all[:0]
	for i, e := range all {
		if i == 0 || e.f != all[i-1].f || e.off != all[i-1].off {
			uniq = append(uniq, e)
		}
	}
	all = uniq

	keep := func(e *Entry) bool {
		return x.q.Matches(e) && e.Host() == r.host && e.Unit() == r.unit && e.InvocationID() == inv
	}
	read := func(d directEntry) (Entry, error) {
		x.pace()
		return x.read.readFile(d.f, d.off)
	}
	var tail []Entry
	i := len(all) - 1
	for ; i >= 0 && len(tail) < indexTail; i-- {
		e, err := read(all[i])
		if err != nil {
			return nil, errNotDirect
		}
		if keep(&e) {
			tail = append(tail, e.Lean())
		}
	}
	own := make([]Entry, 0, len(tail))
	if len(tail) == indexTail {
		oldest := tail[len(tail)-1].Time
		for k := 0; k <= i && len(own) < indexHead; k++ {
			e, err := read(all[k])
			if err != nil {
				return nil, errNotDirect
			}
			if !e.Time.Before(oldest) {
				break
			}
			if keep(&e) {
				own = append(own, e.Lean())
			}
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
		x.pace()
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
