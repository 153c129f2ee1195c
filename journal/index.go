package journal

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// Triage over journal files (a journal folder, journal-remote's output,
// .journal files, the live journal) is driven by the journal's own field
// indexes, so that its cost follows the runs worth explaining, not the size
// of the log: the failures are PID 1's "Failed with result" messages
// (MESSAGE_ID), refusals the kernel logged are its audit and kernel
// entries, refusals a service wrote are found among the distinct MESSAGE
// values (each stored once in a journal file, however often it was
// logged), and the units of denied processes are looked up by _PID. Each
// run is then read by its invocation ID, and the kernel's lines near it by
// time: two index lookups a run. Export and JSON files have no index and
// are streamed (Scan).

// Triggers are the engine's tests for what makes a run worth explaining
// even if it never failed: the journal package knows where to look, the
// engine what to look for.
type Triggers struct {
	// Denial is given each SECCOMP, AVC and SYSCALL record of the
	// journal's audit stream and says whether it is a denial (which the
	// engine then keeps, as it keeps the audit log's).
	Denial func(AuditEvent) bool
	// Kernel is given each kernel line and returns the unit it says was
	// refused something (the pids controller's refusals), or "".
	Kernel func(msg string) string
	// Text says whether a line a service wrote tells of a refusal.
	Text func(msg string) bool
}

// IndexedRun is one run to explain, with its evidence read.
type IndexedRun struct {
	Host, Unit, Invocation string
	// Failed: PID 1 logged the run's failure; otherwise the run was
	// refused something and is explained as it ran.
	Failed bool
	// Entries are the run's own entries (its first indexHead and newest
	// indexTail when it has more) and the host's kernel lines within
	// kernelMargin of them, oldest first.
	Entries []Entry
}

// The bounds of what is read of one run. A run of a chatty service holds
// millions of entries; how it started and how it ended say what failed.
const (
	indexHead    = 40
	indexTail    = 200
	kernelMargin = 5 * time.Second
	kernelMax    = 5000
)

// runFields are the fields read to place an entry in a run.
var runFields = []string{"_SYSTEMD_UNIT", "_SYSTEMD_INVOCATION_ID", "_HOSTNAME", "_MACHINE_ID", "_TRANSPORT", "_PID", "_UID",
	"_EXE", "_COMM", "UNIT", "INVOCATION_ID", "COREDUMP_UNIT", "SYSLOG_FACILITY", "MESSAGE_ID"}

type runKey struct{ host, unit, inv string }

type runRef struct {
	runKey
	hostField string // _HOSTNAME or _MACHINE_ID: where host came from
	at        time.Time
	failed    bool
}

// indexSpec is the journal to open through libsystemd when every journal
// source of the triage is indexed (journal files, folders, the live
// journal); false when an export or JSON file is among them.
func (t *TriageEvidence) indexSpec() (JournalSpec, bool) {
	files := t.src.Files
	dir := t.src.Directory
	if t.src.Bundle != "" {
		for _, p := range Layout(t.src.Bundle).JournalFiles() {
			if fileExists(p) {
				return JournalSpec{}, false
			}
		}
		if jd := Layout(t.src.Bundle).JournalDir(); isDir(jd) {
			dir = jd
		}
	}
	var binaries []string
	for _, f := range files {
		if !isJournalFile(f) {
			return JournalSpec{}, false
		}
		binaries = append(binaries, f)
	}
	switch {
	case len(binaries) > 0:
		return JournalSpec{Files: binaries}, true
	case dir != "":
		return JournalSpec{Dir: dir}, true
	case t.src.Bundle == "" && t.in.Live != nil:
		return JournalSpec{}, true
	}
	return JournalSpec{}, false
}

// Indexed reports whether Runs can be used (see indexSpec); otherwise the
// journal is streamed with Scan.
func (t *TriageEvidence) Indexed() bool {
	_, ok := t.indexSpec()
	return ok
}

// journalPIDs are the _PID values of the journal: the processes the audit
// log's denials can belong to. An index read (each value is stored once).
func journalPIDs(spec JournalSpec) (map[int]bool, error) {
	j, _, err := openJournal(spec)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	vals, err := j.GetUniqueValues("_PID")
	if err != nil {
		return nil, err
	}
	pids := make(map[int]bool, len(vals))
	for _, v := range vals {
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			pids[n] = true
		}
	}
	return pids, nil
}

// Runs finds the runs worth explaining from the journal's indexes and hands
// each, with its entries, to fn, oldest first. tr supplies the engine's
// tests; the audit log's denials (t.Denials) also make their processes'
// runs worth explaining.
func (t *TriageEvidence) Runs(tr Triggers, fn func(*IndexedRun)) (warns []Warning) {
	defer func() {
		if r := recover(); r != nil {
			warns = append(warns, Warning{Source: "journal", Text: fmt.Sprintf("libsystemd failed while reading the journal: %v", r), Incomplete: true})
		}
	}()
	spec, _ := t.indexSpec()
	j, name, err := openJournal(spec)
	if err != nil {
		return []Warning{{Source: "journal", Text: err.Error(), Incomplete: true}}
	}
	defer j.Close()
	x := &indexReader{j: j, name: name, q: t.in.Query, runs: map[runKey]*runRef{}}
	x.failures()
	x.kernel(tr.Kernel)
	denied := x.auditDenials(tr.Denial)
	for _, a := range t.Denials {
		denied[a.PID()] = true
	}
	x.deniedPIDs(denied)
	x.serviceText(tr.Text)
	refs := make([]*runRef, 0, len(x.runs))
	for _, r := range x.runs {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, k int) bool {
		if !refs[i].at.Equal(refs[k].at) {
			return refs[i].at.Before(refs[k].at)
		}
		return refs[i].unit+refs[i].inv < refs[k].unit+refs[k].inv
	})
	for _, r := range refs {
		fn(&IndexedRun{Host: r.host, Unit: r.unit, Invocation: r.inv, Failed: r.failed, Entries: x.readRun(r)})
	}
	return x.warns
}

type indexReader struct {
	j     *sdjournal.Journal
	name  string
	q     Query
	runs  map[runKey]*runRef
	warns []Warning
}

// match replaces the journal's matches with groups ORed together, each
// group's terms ANDed (terms of one field ORed, as libsystemd does).
func (x *indexReader) match(groups ...[]string) bool {
	x.j.FlushMatches()
	for i, g := range groups {
		if i > 0 {
			if err := x.j.AddDisjunction(); err != nil {
				return x.fail(err)
			}
		}
		for _, m := range g {
			if err := x.j.AddMatch(m); err != nil {
				return x.fail(err)
			}
		}
	}
	return true
}

func (x *indexReader) fail(err error) bool {
	x.warns = append(x.warns, Warning{Source: x.name, Text: err.Error(), Incomplete: true})
	return false
}

// each hands the matching entries from since (zero: the head) to until
// (zero: the tail) to fn, reading only fields (nil: all); fn returns false
// to stop.
func (x *indexReader) each(since, until time.Time, fields []string, fn func(*Entry) bool) {
	var err error
	if since.IsZero() {
		err = x.j.SeekHead()
	} else {
		err = x.j.SeekRealtimeUsec(uint64(since.UnixMicro()))
	}
	if err != nil {
		x.fail(err)
		return
	}
	for {
		c, err := x.j.Next()
		if err != nil {
			x.fail(fmt.Errorf("stopped reading: %w", err))
			return
		}
		if c == 0 {
			return
		}
		e, ok := x.entry(fields)
		if !ok {
			continue
		}
		if !until.IsZero() && e.Time.After(until) {
			return
		}
		if !fn(&e) {
			return
		}
	}
}

// entry reads the current entry: only fields, or all (nil).
func (x *indexReader) entry(fields []string) (Entry, bool) {
	if fields == nil {
		je, err := x.j.GetEntry()
		if err != nil {
			x.warns = append(x.warns, Warning{Source: x.name, Text: "skipped an unreadable entry: " + err.Error(), Incomplete: true})
			return Entry{}, false
		}
		return Entry{Fields: je.Fields, Time: time.UnixMicro(int64(je.RealtimeTimestamp)).UTC()}, true
	}
	usec, err := x.j.GetRealtimeUsec()
	if err != nil {
		return Entry{}, false
	}
	e := Entry{Fields: make(map[string]string, len(fields)), Time: time.UnixMicro(int64(usec)).UTC()}
	for _, f := range fields {
		if v, err := x.j.GetDataValue(f); err == nil {
			e.Fields[f] = v
		}
	}
	return e, true
}

// note records that e's run is worth explaining (failed: PID 1 says it
// failed).
func (x *indexReader) note(e *Entry, failed bool) {
	if !x.q.Matches(e) {
		return
	}
	u := e.Unit()
	if u == "" {
		return
	}
	k := runKey{e.Host(), u, e.InvocationID()}
	r := x.runs[k]
	if r == nil {
		hf := "_HOSTNAME"
		if e.Fields["_HOSTNAME"] == "" {
			hf = "_MACHINE_ID"
		}
		r = &runRef{runKey: k, hostField: hf, at: e.Time}
		x.runs[k] = r
	}
	if failed && !r.failed {
		r.failed, r.at = true, e.Time
	}
	if !r.failed && e.Time.After(r.at) {
		r.at = e.Time
	}
}

// failures: PID 1's "Failed with result" messages.
func (x *indexReader) failures() {
	if !x.match([]string{"MESSAGE_ID=" + MsgUnitFailureResult}) {
		return
	}
	x.each(x.q.Since, x.q.Until, runFields, func(e *Entry) bool {
		if IsManagerLine(e, e.Fields["UNIT"], MsgUnitFailureResult) {
			x.note(e, true)
		}
		return true
	})
}

// kernel: the kernel's lines that name a unit refused something.
func (x *indexReader) kernel(refused func(string) string) {
	if refused == nil || !x.match([]string{"_TRANSPORT=kernel"}) {
		return
	}
	x.each(x.q.Since, x.q.Until, []string{"MESSAGE", "_TRANSPORT", "SYSLOG_FACILITY", "_HOSTNAME", "_MACHINE_ID"}, func(e *Entry) bool {
		if !e.IsKernel() || !x.q.Matches(e) {
			return true
		}
		if u := refused(e.Message()); u != "" {
			// The run of that unit at that moment is found when its
			// entries are looked up; the kernel line names no invocation.
			x.unitAt(e.Host(), u, e.Time)
		}
		return true
	})
}

// unitAt notes the run of unit on host that was going on at t: the newest
// entry of the unit at or before t names it.
func (x *indexReader) unitAt(host, unit string, t time.Time) {
	if !x.match([]string{"_SYSTEMD_UNIT=" + unit}) {
		return
	}
	if err := x.j.SeekRealtimeUsec(uint64(t.UnixMicro())); err != nil {
		x.fail(err)
		return
	}
	for n := 0; n < 1000; n++ {
		c, err := x.j.Previous()
		if err != nil || c == 0 {
			return
		}
		e, ok := x.entry(runFields)
		if ok && e.Host() == host && e.Unit() == unit {
			e.Time = t
			x.note(&e, false)
			return
		}
	}
}

// auditDenials hands the journal's audit records that can be denials to
// the engine and returns the processes denied.
func (x *indexReader) auditDenials(denial func(AuditEvent) bool) map[int]bool {
	denied := map[int]bool{}
	if denial == nil || !x.match([]string{"_TRANSPORT=audit", "_AUDIT_TYPE_NAME=SECCOMP", "_AUDIT_TYPE_NAME=AVC", "_AUDIT_TYPE_NAME=SYSCALL"}) {
		return denied
	}
	x.each(x.q.Since, x.q.Until, nil, func(e *Entry) bool {
		if !x.q.Matches(e) {
			return true
		}
		if a, ok := AuditEventFromEntry(e); ok && denial(a) {
			denied[a.PID()] = true
		}
		return true
	})
	return denied
}

// deniedPIDs notes the runs of the units whose processes were denied
// something: every run with an entry of that PID.
func (x *indexReader) deniedPIDs(pids map[int]bool) {
	list := make([]int, 0, len(pids))
	for p := range pids {
		if p > 1 {
			list = append(list, p)
		}
	}
	sort.Ints(list)
	for _, p := range list {
		if !x.match([]string{"_PID=" + strconv.Itoa(p)}) {
			return
		}
		x.each(x.q.Since, x.q.Until, runFields, func(e *Entry) bool {
			if u := e.Fields["_SYSTEMD_UNIT"]; u != "" && u != "init.scope" {
				x.note(e, false)
			}
			return true
		})
	}
}

// serviceText notes the runs of units that wrote a line telling of a
// refusal: each distinct MESSAGE value is tested once, and the entries of
// those that pass are looked up.
func (x *indexReader) serviceText(refusal func(string) bool) {
	if refusal == nil {
		return
	}
	x.j.FlushMatches()
	vals, err := x.j.GetUniqueValues("MESSAGE")
	if err != nil {
		x.fail(err)
		return
	}
	for _, v := range vals {
		if !refusal(v) || !validMatch(v) {
			continue
		}
		if !x.match([]string{"MESSAGE=" + v}) {
			return
		}
		x.each(x.q.Since, x.q.Until, runFields, func(e *Entry) bool {
			if e.Provenance() == FromService {
				x.note(e, false)
			}
			return true
		})
	}
}

// validMatch: a value libsystemd can match on (a C string).
func validMatch(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] == 0 {
			return false
		}
	}
	return true
}

// readRun reads a run: its own entries by invocation ID (how it started
// and how it ended when it is long), then, over its span, the unit's lines
// that carry no invocation ID and the host's kernel lines.
func (x *indexReader) readRun(r *runRef) []Entry {
	var own []Entry
	if r.inv != "" {
		own = x.readInvocation(r)
	} else {
		// No invocation ID (rare: a process journald could not place):
		// the unit's lines in the minutes before.
		if x.match([]string{"_SYSTEMD_UNIT=" + r.unit}, []string{"UNIT=" + r.unit}) {
			x.each(r.at.Add(-2*time.Minute), r.at.Add(kernelMargin), nil, func(e *Entry) bool {
				if x.q.Matches(e) && e.Host() == r.host && e.Unit() == r.unit && e.InvocationID() == "" {
					own = append(own, e.Lean())
				}
				return len(own) < indexHead+indexTail
			})
		}
	}
	if len(own) == 0 {
		return nil
	}
	from, to := own[0].Time.Add(-kernelMargin), own[len(own)-1].Time.Add(kernelMargin)
	near := own
	kernel := 0
	if x.match([]string{"_TRANSPORT=kernel", r.hostField + "=" + r.host}, []string{"UNIT=" + r.unit}, []string{"COREDUMP_UNIT=" + r.unit}) {
		x.each(from, to, nil, func(e *Entry) bool {
			if !x.q.Matches(e) || e.Host() != r.host {
				return true
			}
			switch {
			case e.IsKernel():
				if kernel < kernelMax {
					kernel++
					near = append(near, e.Lean())
				}
			case e.Unit() == r.unit && e.InvocationID() == "" && r.inv != "":
				near = append(near, e.Lean())
			}
			return true
		})
	}
	sort.SliceStable(near, func(i, k int) bool { return near[i].Time.Before(near[k].Time) })
	return near
}

// readInvocation reads a run's entries by its invocation ID: the newest
// indexTail backwards from the end and, when there were more, the first
// indexHead.
func (x *indexReader) readInvocation(r *runRef) []Entry {
	if !x.match([]string{"_SYSTEMD_INVOCATION_ID=" + r.inv}, []string{"INVOCATION_ID=" + r.inv}) {
		return nil
	}
	keep := func(e *Entry) bool {
		return x.q.Matches(e) && e.Host() == r.host && e.Unit() == r.unit && e.InvocationID() == r.inv
	}
	if err := x.j.SeekTail(); err != nil {
		x.fail(err)
		return nil
	}
	var tail []Entry
	whole := true
	for len(tail) < indexTail {
		c, err := x.j.Previous()
		if err != nil {
			x.fail(fmt.Errorf("stopped reading: %w", err))
			break
		}
		if c == 0 {
			break
		}
		e, ok := x.entry(nil)
		if ok && keep(&e) {
			tail = append(tail, e.Lean())
		}
		if len(tail) == indexTail {
			whole = false
		}
	}
	own := make([]Entry, 0, len(tail))
	if !whole {
		oldest := tail[len(tail)-1].Time
		x.each(time.Time{}, time.Time{}, nil, func(e *Entry) bool {
			if !e.Time.Before(oldest) {
				return false
			}
			if keep(e) {
				own = append(own, e.Lean())
			}
			return len(own) < indexHead
		})
	}
	for i := len(tail) - 1; i >= 0; i-- {
		own = append(own, tail[i])
	}
	return own
}
