package journal

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// Triage over journal files (a journal folder, journal-remote's output,
// .journal files, the live journal) is driven by the journal's own field
// indexes, so that its cost follows the runs worth explaining, not the size
// of the log: the failures are PID 1's "Failed with result" messages
// (MESSAGE_ID); refusals the kernel logged are its audit and kernel
// entries; the audit logs' denied processes are tied to units by _PID
// lookups; a service's own words of a refusal are looked for in each
// unit's newest run on each host. Each run is then read by its invocation
// ID from its host's files around its time, and the kernel's lines near it
// come from a second reader that goes through them once. Export and JSON
// files have no index and are streamed (Scan).

// Triggers are the engine's tests for what makes a run worth explaining
// even if it never failed: the journal package knows where to look, the
// engine what to look for.
type Triggers struct {
	// Denial is given each SECCOMP, AVC and SYSCALL record of the
	// journal's audit stream, its fields as written (Raw; see
	// RawAuditEventFromEntry), and says whether it is a denial (which the
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
	kernelKeep   = 10 * time.Minute
	kernelBuffer = 50000
)

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

// deniedProcess is what the raw scan of the audit logs keeps of a process
// denied something: when first and last (µs since the epoch), and how
// many records. Held by value, with no pointer: the load set's audit log
// names 50,000 processes, 4.5 MB held as pointers to times.
type deniedProcess struct {
	first, last int64
	records     int
}

func (d deniedProcess) firstAt() time.Time { return time.UnixMicro(d.first) }
func (d deniedProcess) lastAt() time.Time  { return time.UnixMicro(d.last) }

// add is d with one more record, at at (the log is in time order).
func (d deniedProcess) add(at time.Time) deniedProcess {
	us := at.UnixMicro()
	if d.records == 0 {
		d.first = us
	}
	d.last = us
	d.records++
	return d
}

// auditLogPIDs are the processes the audit logs show denied something: a
// scan of the raw lines, nothing parsed.
func (t *TriageEvidence) auditLogPIDs() map[int]deniedProcess {
	pids := map[int]deniedProcess{}
	if len(t.auditFiles) > 0 {
		ReadAuditLogsFunc(t.auditFiles, AuditWindow{Since: t.in.Query.Since, Until: t.in.Query.Until, PIDSeen: func(p int, at time.Time) {
			pids[p] = pids[p].add(at)
		}}, func(AuditEvent) {})
	}
	return pids
}

// Runs finds the runs worth explaining from the journal's indexes and hands
// each, with its entries, to fn: host by host, each host's oldest first. tr supplies the engine's
// tests; the audit log's denials (t.Denials) also make their processes'
// runs worth explaining.
func (t *TriageEvidence) Runs(tr Triggers, fn func(*IndexedRun)) (warns []Warning) {
	defer func() {
		if r := recover(); r != nil {
			warns = append(warns, Warning{Source: "journal", Text: fmt.Sprintf("libsystemd failed while reading the journal: %v", r), Incomplete: true})
		}
		t.names.warnings(warns)
		t.names.texts(t.Missing)
	}()
	spec, _ := t.indexSpec()
	j, name, err := openJournal(spec)
	if err != nil {
		return []Warning{{Source: "journal", Text: err.Error(), Incomplete: true}}
	}
	defer j.Close()
	defer watchMappedPages(mappedMax, residentMax)()
	x := &indexReader{j: j, spec: spec, name: name, q: t.in.Query, runs: map[runKey]runState{}, names: newHeldNames(), kern: &kernelWindow{}, files: 1, read: leanReader()}
	defer func() {
		if x.kern.j != nil {
			x.kern.j.Close()
		}
		for _, sj := range x.subsets {
			sj.j.Close()
		}
		x.direct.close()
	}()
	// The audit logs' denied processes are read on another core while the
	// journal's passes run (the audit log's 2 s on the load set).
	logs := make(chan map[int]deniedProcess, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				logs <- map[int]deniedProcess{}
			}
		}()
		logs <- t.auditLogPIDs()
	}()
	x.warns = skippedFiles(j, spec)
	x.routeByHost()
	var hostTerms [][]string
	for _, h := range t.in.Query.Hosts {
		hostTerms = append(hostTerms, []string{"_HOSTNAME=" + h}, []string{"_MACHINE_ID=" + h})
	}
	if !x.match(hostTerms...) {
		return x.warns
	}
	if _, ok := x.newest(); ok {
		t.JournalRead = true
	}
	// Opening the files and reading the newest entry through libsystemd
	// touched 0.7 MB of each file's mapped pages, which no direct read
	// uses (the load set's 7 files: 5 MB at the passes' peak).
	releaseJournalPages()
	x.failures()
	// Which SIGSYS deaths are of units with a seccomp filter asks for
	// their configurations (on a live host, one lookup each: 450 units,
	// half a second, at journald's cap): asked on another core while the
	// journal's next passes run.
	var filtered chan sigsysDeaths
	if len(t.auditFiles) > 0 && tr.Denial != nil {
		filtered = make(chan sigsysDeaths, 1)
		deaths := x.sigsysDeaths()
		go func() {
			defer func() {
				if r := recover(); r != nil {
					filtered <- nil
				}
			}()
			filtered <- deaths.of(t.seccompFiltered)
		}()
	}
	x.kernel(tr.Kernel)
	denied := x.auditDenials(tr.Denial)
	// Before the audit logs' pass is waited for (it is what a host's log
	// waits on: 1.8 s for a gigabyte, the journal's passes 0.4 s): a run
	// found again later is noted once (note), whichever pass finds it first.
	x.newestRuns(tr.Text)
	logged := <-logs
	for p, d := range logged {
		if _, ok := denied[p]; !ok {
			denied[p] = d.lastAt()
		}
	}
	owned := x.deniedPIDs(denied)
	if len(t.auditFiles) > 0 && tr.Denial != nil {
		// The deaths no unit's process was denied anything at in the
		// audit logs (none of its records was logged then): a process
		// killed at its first refused call and no other is denied at the
		// moment it dies. At the others the run's own record is read
		// already. (Not the journal's denials: the audit log's copy of a
		// record is the one why reports, as MergeAudit keeps it.)
		// readDenials judges so too; known here from the first pass, they
		// do not move the start of its reading earlier.
		deaths := (<-filtered).without(t.deniedAt(logged, owned))
		// Only from the first denial of a unit's process (or its first
		// such death) on: the rotated files before it are not opened.
		var from time.Time
		if len(deaths) > 0 {
			from = deaths[0].Add(-DeathSlack)
		}
		foreign := 0
		for p, d := range logged {
			switch {
			case !owned[p]:
				foreign += d.records
			case from.IsZero() || d.firstAt().Before(from):
				from = d.firstAt()
			}
		}
		if len(owned) > 0 || len(deaths) > 0 {
			if !from.IsZero() {
				from = from.Add(-time.Minute)
			}
			if from.Before(t.in.Query.Since) {
				from = t.in.Query.Since
			}
			atDeaths := t.readDenials(owned, deaths, from, func(a AuditEvent) { tr.Denial(a) })
			foreign = max(0, foreign-atDeaths) // (read, not skipped)
		}
		t.Foreign = foreign
	}
	x.readConfigWarnings()
	x.dumped = map[string]bool{}
	if units, err := x.uniqueValues("COREDUMP_UNIT"); err == nil {
		for _, u := range units {
			x.dumped[u] = true
		}
	}
	// What is known of a run is let go once it is read: 100,000 failed
	// runs were a quarter of the live heap, held to the end.
	batches := x.toRead()
	host, first := heldName(0), true
	for b, batch := range batches {
		for _, h := range batch {
			if !first && h.host != host {
				releaseJournalPages() // as byHost does
			}
			host, first = h.host, false
			r := x.ref(h)
			fn(&IndexedRun{Host: r.host, Unit: r.unit, Invocation: r.inv, Failed: r.failed, Entries: x.readRun(r)})
		}
		batches[b] = nil
	}
	return x.warns
}

type indexReader struct {
	j     *sdjournal.Journal
	spec  JournalSpec
	name  string
	q     Query
	runs  map[runKey]runState
	names *heldNames // the runs' hosts, units and odd invocation IDs
	kern  *kernelWindow
	// dumped are the units systemd-coredump wrote of (one read of the
	// field's values in all files, so that the others cost no lookup).
	dumped map[string]bool
	// configWarnings are PID 1's complaints about units' files (see
	// readConfigWarnings).
	configWarnings ConfigWarnings
	// jfiles and subsets route a run's lookups to its host's journal
	// files around its time (see routeByHost); nil with one file.
	jfiles  []journalFile
	subsets map[string]*subset
	// alone are the hosts whose files hold no other host's entries.
	alone map[string]bool
	use   int
	warns []Warning
	files int // the files of the journal in use (a lookup touches each)
	read  *entryReader
	paced int // lookups and entries read (see pace)
	// direct are the files runs are read from without libsystemd (see
	// direct.go); viaLibsystemd turns that off (tests compare the two).
	direct        directFiles
	viaLibsystemd bool
}

// mappedMax is the file-backed memory (libsystemd's mapped journal pages)
// past which they are released (see watchMappedPages).
const mappedMax = 64 << 20

// residentMax is the resident memory in all past which the mapped pages
// are released too: with the Go heap at its soft limit (80 MB), they are
// what keeps triage under 200 MB.
const residentMax = 140 << 20

// pace releases the journal's mapped pages past the bounds, looking every
// 256th lookup or entry read: the watcher looks every 2 ms
// (watchMappedPages), and lookups over the load set's 7 files mapped 60 MB
// within 4 ms.
func (x *indexReader) pace() {
	x.paced++
	if x.paced%256 == 0 {
		boundPages()
	}
}

// boundPages releases the journal's mapped pages if they are past the
// bounds.
func boundPages() {
	if pastBounds(mappedMax, residentMax) {
		releaseJournalPages()
	}
}

// kernelWindow is the kernel's lines of one host read so far by a second
// reader (see kernelLines): directly, or through libsystemd.
type kernelWindow struct {
	d        *merger
	j        *sdjournal.Journal
	host     string
	lines    []Entry   // in time order
	readTo   time.Time // the newest line read
	forgotTo time.Time // lines up to this one were let go
	done     bool
}

// match replaces the journal's matches with groups ORed together, each
// group's terms ANDed (terms of one field ORed, as libsystemd does).
func (x *indexReader) match(groups ...[]string) bool {
	x.pace()
	if err := setMatches(x.j, groups...); err != nil {
		return x.fail(err)
	}
	return true
}

// setMatches replaces j's matches with groups ORed together, each group's
// terms ANDed.
func setMatches(j *sdjournal.Journal, groups ...[]string) error {
	j.FlushMatches()
	for i, g := range groups {
		if i > 0 {
			if err := j.AddDisjunction(); err != nil {
				return err
			}
		}
		for _, m := range g {
			if err := j.AddMatch(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// onHost are groups restricted to host's entries (named by _HOSTNAME or,
// without one, _MACHINE_ID; see Entry.Host); groups unchanged for "", and
// for a host whose files hold no other's (lookups for a host go to its
// files): a term that every entry matches made each step of a lookup
// search that term's entries too, all of the host's. Where a term is left
// out, what is read is checked for its host.
func (x *indexReader) onHost(host string, groups ...[]string) [][]string {
	if host == "" || x.alone[host] {
		return groups
	}
	var out [][]string
	for _, g := range groups {
		out = append(out, append(g[:len(g):len(g)], "_HOSTNAME="+host), append(g[:len(g):len(g)], "_MACHINE_ID="+host))
	}
	return out
}

func (x *indexReader) fail(err error) bool {
	x.warns = append(x.warns, Warning{Source: x.name, Text: err.Error(), Incomplete: true})
	return false
}

// each hands the matching entries from since (zero: the head) to until
// (zero: the tail) to fn; fn returns false to stop. fn must not use the
// journal (its matches and position are the walk's).
func (x *indexReader) each(since, until time.Time, fn func(*Entry) bool) {
	x.step(since, func() bool {
		e, ok := x.entry()
		if !ok {
			return true
		}
		if !until.IsZero() && e.Time.After(until) {
			return false
		}
		return fn(&e)
	})
}

// eachMessage hands the MESSAGE of each matching entry from since (zero:
// the head) to until (zero: the tail) to fn, which may read the rest of
// the entry (x.entry) and returns false to stop.
func (x *indexReader) eachMessage(since, until time.Time, fn func(msg string) bool) {
	x.step(since, func() bool {
		if !until.IsZero() {
			if us, err := x.j.GetRealtimeUsec(); err == nil && time.UnixMicro(int64(us)).After(until) {
				return false
			}
		}
		m, err := x.j.GetDataBytes("MESSAGE")
		if err != nil {
			return true // no message, or one libsystemd cannot read: nothing to test
		}
		return fn(string(bytes.TrimPrefix(m, []byte("MESSAGE="))))
	})
}

// step puts the journal before its first matching entry at or after since
// and moves it to each matching entry in turn, calling at there, until at
// returns false or the entries end.
func (x *indexReader) step(since time.Time, at func() bool) {
	if err := seekFrom(x.j, since); err != nil {
		x.fail(err)
		return
	}
	for {
		c, err := x.j.Next()
		if err != nil {
			x.fail(fmt.Errorf("stopped reading: %w", err))
			return
		}
		if c == 0 || !at() {
			return
		}
	}
}

// seekFrom puts j before its first entry at or after since (zero: the
// head).
func seekFrom(j *sdjournal.Journal, since time.Time) error {
	if since.IsZero() {
		return j.SeekHead()
	}
	return j.SeekRealtimeUsec(uint64(since.UnixMicro()))
}

// entry reads the current entry: whole for why, only the fields the
// diagnosis reads for triage (see entryReader). libsystemd's enumeration
// reads each of its data objects once, where asking for fields one by one
// searches the entry for each (several times slower for a dozen fields).
func (x *indexReader) entry() (Entry, bool) {
	if x.read == nil {
		x.read = &entryReader{}
	}
	x.pace()
	e, err := x.read.read(x.j)
	if err != nil {
		x.warns = append(x.warns, Warning{Source: x.name, Text: "skipped an unreadable entry: " + err.Error(), Incomplete: true})
		return Entry{}, false
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
	k, _ := x.key(e.Host(), u, e.InvocationID(), true)
	at := e.Time.UnixMicro()
	r, ok := x.runs[k]
	if !ok {
		r.at = at
	}
	if failed && !r.failed {
		r.failed, r.at = true, at
	}
	if !r.failed && at > r.at {
		r.at = at
	}
	x.runs[k] = r
}

// failures: PID 1's "Failed with result" messages.
func (x *indexReader) failures() {
	failure := func(e *Entry) bool {
		if IsManagerLine(e, e.Get("UNIT"), MsgUnitFailureResult) {
			x.note(e, true)
		}
		return true
	}
	x.byFile(func(path string) bool {
		// (A walk cut by an error is walked again through libsystemd:
		// noting a failure twice is noting it once.)
		return x.eachDirect(path, "MESSAGE_ID="+MsgUnitFailureResult, x.q.Since, x.q.Until, failure) == nil
	}, func() {
		if x.match([]string{"MESSAGE_ID=" + MsgUnitFailureResult}) {
			x.each(x.q.Since, x.q.Until, failure)
		}
	})
}

// readConfigWarnings holds PID 1's complaints about units' files, to be
// read with each run of the unit in their boot (readRun), as why reads
// them. They are logged when the unit is loaded, outside any run: a run
// read by its invocation ID did not have them, and triage's JSON lacked
// the note that a setting was ignored. Any time before the window counts:
// a unit is loaded before it runs.
func (x *indexReader) readConfigWarnings() {
	x.configWarnings = ConfigWarnings{}
	keep := func(e *Entry) bool {
		x.configWarnings.Hold(e)
		return true
	}
	payload := "MESSAGE_ID=" + MsgUnitConfigWarning
	x.byFile(func(path string) bool {
		return x.eachDirect(path, payload, time.Time{}, x.q.Until, keep) == nil
	}, func() {
		if x.match([]string{payload}) {
			x.each(time.Time{}, x.q.Until, keep)
		}
	})
}

// sigsysDeaths are PID 1's reports of units' processes killed by SIGSYS
// (see the type), by the field index: EXIT_STATUS=31 is on few entries.
func (x *indexReader) sigsysDeaths() unitDeaths {
	var d unitDeaths
	death := func(e *Entry) bool {
		if IsSigsysDeath(e) && x.q.Matches(e) {
			d = append(d, unitDeath{e.Time, e.Host(), e.Get("UNIT")})
		}
		return true
	}
	x.byFile(func(path string) bool {
		return x.eachDirect(path, "EXIT_STATUS=31", x.q.Since, x.q.Until, death) == nil
	}, func() {
		if x.match([]string{"EXIT_STATUS=31"}) {
			x.each(x.q.Since, x.q.Until, death)
		}
	})
	return d
}

// unitDeaths are SIGSYS deaths with their host and unit.
type unitDeaths []unitDeath

type unitDeath struct {
	at         time.Time
	host, unit string
}

// of are the deaths of the units filtered says: those seccomp kills under.
// A kill at the moment of another's is tied to it only when its call is
// one the unit's filter refuses, which needs its configuration (and
// reading the audit logs from the first death on cost the load set, whose
// 2,500 deaths are of units without one, a second and 7 MB).
func (d unitDeaths) of(filtered func(host, unit string) bool) sigsysDeaths {
	var out sigsysDeaths
	for _, u := range d {
		if filtered(u.host, u.unit) {
			out = append(out, u.at)
		}
	}
	out.sort()
	return slices.Compact(out) // (a file walked twice is noted twice)
}

// byHost runs walk on each host's files in turn (x.j is then that host's
// journal) when every file holds one host's entries, as journal-remote
// writes them; else once on all files (host ""). libsystemd steps through
// many files at once, in time order, at each entry: over a fleet's 50
// files a walk cost four times as much per entry, and touched every
// file's pages at once.
func (x *indexReader) byHost(walk func(host string)) {
	hosts := x.fileHosts()
	if hosts == nil {
		walk("")
		return
	}
	for _, h := range hosts {
		if !x.asked(h) {
			continue
		}
		restore := x.on(x.hostJournal(h))
		walk(h)
		restore()
		// A walk touches most pages of the host's files within
		// milliseconds, faster than the watcher lets them go
		// (mapped_linux.go): the next host's are not added to them.
		releaseJournalPages()
	}
}

// asked reports whether host's entries may be among those asked for
// (--host names a host by its name or by its machine ID): its name is
// asked for, or a machine ID of its files; when its machine IDs are not
// known (the files are not routed) and a machine ID is asked for, true.
// The walks host by host skipped every host of a fleet's folder when
// asked for a machine ID, and said no unit had failed.
func (x *indexReader) asked(host string) bool {
	if len(x.q.Hosts) == 0 || host == "" || slices.Contains(x.q.Hosts, host) {
		return true
	}
	if x.jfiles == nil {
		return slices.ContainsFunc(x.q.Hosts, id128)
	}
	for _, f := range x.jfiles {
		if f.hosts[host] && slices.ContainsFunc(x.q.Hosts, func(h string) bool { return f.machines[h] }) {
			return true
		}
	}
	return false
}

// id128: s has the form journald gives machine, boot and invocation IDs
// (32 lowercase hex digits).
func id128(s string) bool {
	return len(s) == 32 && strings.Trim(s, "0123456789abcdef") == ""
}

// byFile walks each journal file alone, in the order of their first
// entries, when routing knows the files: directly (direct, given the
// file's path, says whether it could), else through libsystemd (walk,
// x.j then that file); when routing does not, walk once on all of them.
// At each step of a walk libsystemd looks for the
// next entry in every open file: over the 38 files of journald's 4 GiB cap
// a step of the failures' walk cost 37 µs an entry. Only for walks whose
// finds do not depend on the order across files (the failures, the
// kernel's refusals); the others go host by host (byHost).
func (x *indexReader) byFile(direct func(path string) bool, walk func()) {
	if x.jfiles == nil {
		walk()
		return
	}
	files := slices.Clone(x.jfiles)
	slices.SortStableFunc(files, func(a, b journalFile) int { return a.head.Compare(b.head) })
	for _, f := range files {
		if !x.q.Until.IsZero() && f.head.After(x.q.Until) || !x.q.Since.IsZero() && f.tail.Before(x.q.Since) {
			continue
		}
		if direct(f.path) {
			continue // (no journal of libsystemd's opened for it)
		}
		j := x.subset([]string{f.path})
		if j == nil {
			// Not to be opened alone now (rotated away): all together.
			walk()
			return
		}
		restore := x.on(j, 1)
		walk()
		restore()
		boundPages()
	}
}

// fileHosts are the hosts of the journal files, sorted, when there are
// several and each file holds only one's entries; nil otherwise.
func (x *indexReader) fileHosts() []string {
	seen := map[string]bool{}
	for _, f := range x.jfiles {
		if len(f.hosts) != 1 {
			return nil
		}
		maps.Copy(seen, f.hosts)
	}
	if len(seen) < 2 {
		return nil
	}
	return slices.Sorted(maps.Keys(seen))
}

// kernelTerms match the kernel's own lines (see Entry.IsKernel): on a busy
// host most _TRANSPORT=kernel entries are userspace's writes to /dev/kmsg
// (journald's own "Received client request to sync journal" were 117,000
// of the load set's 213,000), and the index leaves them unread.
var kernelTerms = []string{"_TRANSPORT=kernel", "SYSLOG_FACILITY=0"}

// kernel: the kernel's lines that name a unit refused something. Only each
// line's message is read, and the whole entry of the few that name a unit:
// an entry read whole costs several times one field.
func (x *indexReader) kernel(refused func(string) string) {
	if refused == nil {
		return
	}
	type refusal struct {
		host, unit string
		at         time.Time
	}
	var found []refusal
	x.byFile(func(path string) bool {
		// Read directly, the kernel's lines are read whole (a few µs):
		// through libsystemd one field of each, and the few that name a
		// unit whole. (A walk cut by an error is walked again: a refusal
		// found twice is looked up twice, the same run noted once.)
		return x.eachDirect(path, "SYSLOG_FACILITY=0", x.q.Since, x.q.Until, func(e *Entry) bool {
			if e.IsKernel() && x.q.Matches(e) {
				if u := refused(e.Message()); u != "" {
					found = append(found, refusal{e.Host(), u, e.Time})
				}
			}
			return true
		}) == nil
	}, func() {
		if !x.match(kernelTerms) {
			return
		}
		x.eachMessage(x.q.Since, x.q.Until, func(msg string) bool {
			u := refused(msg)
			if u == "" {
				return true
			}
			if e, ok := x.entry(); ok && e.IsKernel() && x.q.Matches(&e) {
				found = append(found, refusal{e.Host(), u, e.Time})
			}
			return true
		})
	})
	// The kernel's line names no invocation: the unit's run at that
	// moment is looked up (after the walk, which a lookup would move).
	for _, f := range found {
		x.unitAt(f.host, f.unit, f.at)
	}
}

// unitAt notes the run of unit on host that was going on at t: the newest
// entry of the unit at or before t names it (PID 1's "Started" line when
// the service wrote nothing). It is looked for first in the files around
// t: over all of a host's files (38 at journald's 4 GiB cap) each step
// back touched every file, and the refusals of healthy95's 4 GiB cost 6 s.
// An entry found there before the files' window may have a newer one in
// files left out, so then all of them are looked through.
func (x *indexReader) unitAt(host, unit string, t time.Time) {
	if !validMatch(host) || x.unitAtDirect(host, unit, t) == nil {
		return
	}
	from := t.Add(-runSpan)
	if j, n, _ := x.journalFor(host, from, t.Add(time.Minute)); j != nil {
		restore := x.on(j, n)
		e, ok := x.unitBefore(host, unit, t)
		restore()
		if ok && !e.Time.Before(from) {
			e.Time = t
			x.note(&e, false)
			return
		}
	}
	defer x.on(x.hostJournal(host))()
	if e, ok := x.unitBefore(host, unit, t); ok {
		e.Time = t
		x.note(&e, false)
	}
}

// unitBefore is the newest entry of unit on host at or before t in the
// journal in use, stepping back at most 1000 of the unit's entries.
func (x *indexReader) unitBefore(host, unit string, t time.Time) (Entry, bool) {
	if !x.match(x.onHost(host, []string{"_SYSTEMD_UNIT=" + unit}, []string{"UNIT=" + unit})...) {
		return Entry{}, false
	}
	if err := x.j.SeekRealtimeUsec(uint64(t.UnixMicro())); err != nil {
		x.fail(err)
		return Entry{}, false
	}
	for n := 0; n < 1000; n++ {
		c, err := x.j.Previous()
		if err != nil || c == 0 {
			return Entry{}, false
		}
		e, ok := x.entry()
		if ok && e.Host() == host && e.Unit() == unit {
			return e, true
		}
	}
	return Entry{}, false
}

// auditDenials hands the journal's audit records that can be denials to
// the engine and returns the processes denied.
func (x *indexReader) auditDenials(denial func(AuditEvent) bool) map[int]time.Time {
	denied := map[int]time.Time{}
	if denial == nil {
		return denied
	}
	var events AuditGrouper
	emit := func(a AuditEvent) {
		if denial(a) {
			denied[a.PID()] = time.Time{} // the journal's: looked up in every file
		}
	}
	record := func(e *Entry) bool {
		if x.q.Matches(e) {
			events.Add(e, emit)
		}
		return true
	}
	// The denials' records, and the records that complete a failed call's
	// (its CWD, PATH and SOCKADDR records: what it was refused).
	types := []string{"_AUDIT_TYPE_NAME=SECCOMP", "_AUDIT_TYPE_NAME=AVC", "_AUDIT_TYPE_NAME=SYSCALL",
		"_AUDIT_TYPE_NAME=CWD", "_AUDIT_TYPE_NAME=PATH", "_AUDIT_TYPE_NAME=SOCKADDR"}
	x.byHost(func(host string) {
		defer events.Flush(emit)
		if x.eachOfHostDirect(host, types, func(e *Entry) bool {
			return e.Get("_TRANSPORT") != "audit" || record(e)
		}) == nil {
			return
		}
		events = AuditGrouper{} // (read again, whole, through libsystemd)
		if !x.match(append([]string{"_TRANSPORT=audit"}, types...)) {
			return
		}
		x.each(x.q.Since, x.q.Until, record)
	})
	return denied
}

// deniedPIDs notes the runs of the units whose processes were denied
// something (every run with an entry of that PID), and returns the PIDs
// that belong to a unit. A process denied at a known time is looked for in
// the files around it (from deniedSpan before), others in all: a lookup
// costs some microseconds in every file, and a log can hold tens of
// thousands of denied processes no unit owns.
func (x *indexReader) deniedPIDs(pids map[int]time.Time) map[int]bool {
	owned := map[int]bool{}
	list := make([]int, 0, len(pids))
	for p := range pids {
		if p > 1 {
			list = append(list, p)
		}
	}
	// In time order: consecutive lookups then go to the same files, whose
	// pages stay few (by PID they went all over a fleet's files, each
	// lookup touching another's).
	sort.Slice(list, func(i, k int) bool {
		if a, b := pids[list[i]], pids[list[k]]; !a.Equal(b) {
			return a.Before(b)
		}
		return list[i] < list[k]
	})
	// Host by host: a lookup probes a page of each file's hash table, and
	// thousands of them over a fleet's 50 files had most of those tables
	// resident at once.
	x.byHost(func(host string) {
		var here map[string]bool
		if host != "" {
			// Only the PIDs the host's files hold: an audit log names no
			// host, and its thousands of processes looked up in each of
			// 50 hosts' files cost more than all the rest of the walk.
			// (The values are read from the field's index.)
			vals, err := x.hostValuesDirect(host, "_PID")
			if err != nil {
				x.j.FlushMatches()
				vals, err = x.j.GetUniqueValues("_PID")
			}
			if err == nil {
				here = map[string]bool{}
				for _, v := range vals {
					here[v] = true
				}
			}
		}
		for _, p := range list {
			if here != nil && !here[strconv.Itoa(p)] {
				continue
			}
			if x.pidDirect(host, p, pids[p], owned) == nil {
				continue
			}
			restore := func() {}
			if at := pids[p]; !at.IsZero() {
				restore = x.on(x.filesAround(host, at))
			}
			if !x.match([]string{"_PID=" + strconv.Itoa(p)}) {
				restore()
				return
			}
			x.each(x.q.Since, x.q.Until, func(e *Entry) bool {
				if u := e.Get("_SYSTEMD_UNIT"); u != "" && u != "init.scope" {
					owned[p] = true
					x.note(e, false)
				}
				return true
			})
			restore()
		}
	})
	return owned
}

// deniedSpan is how long before its denial a process is looked for.
const deniedSpan = 6 * time.Hour

// filesAround is the journal of host's files ("": every host's) from
// deniedSpan before at to a minute after (nil: no narrower than all).
func (x *indexReader) filesAround(host string, at time.Time) (*sdjournal.Journal, int) {
	j, n, _ := x.journalFor(host, at.Add(-deniedSpan), at.Add(time.Minute))
	return j, n
}

// newestRuns notes the newest run of each unit on each host when a line
// its service wrote there tells of a refusal: a service that runs on
// refused something (a log file it could not open) is explained even
// though it never failed. Older runs that did not fail are not searched:
// what a service says is read where it matters now, at a cost that
// follows the units, not the log.
func (x *indexReader) newestRuns(refusal func(string) bool) {
	if refusal == nil {
		return
	}
	units, err := x.uniqueValues("_SYSTEMD_UNIT")
	if err != nil {
		x.fail(err)
		return
	}
	hosts, _ := x.uniqueValues("_HOSTNAME")
	if len(hosts) == 0 {
		hosts = []string{""}
	}
	sort.Strings(units)
	sort.Strings(hosts)
	// A run newer than a unit's newest known one has its entries in the
	// files that reach past that one's time: the others need no lookup (a
	// lookup steps back from the tail of every file it is given).
	known := map[[2]string]time.Time{}
	for k, r := range x.runs {
		if hu, at := [2]string{x.names.name(k.host), x.names.name(k.unit)}, time.UnixMicro(r.at).UTC(); at.After(known[hu]) {
			known[hu] = at
		}
	}
	// Host by host: the lookups of one host go to its files only, and
	// their pages stay few (unit by unit, a fleet's 50 hosts' files were
	// all touched for each unit, faster than their pages could be let go).
	for _, h := range hosts {
		if !x.asked(h) {
			continue
		}
		met, complete := x.hostNewest(h)
		for _, u := range units {
			if u == "init.scope" || strings.HasPrefix(u, "systemd-coredump@") || !validMatch(u) {
				continue
			}
			if e, ok := met[u]; ok || complete {
				if ok {
					x.newestRun(e, h, u, refusal)
				}
				continue
			}
			if x.newestOfDirect(h, u, known, refusal) == nil {
				continue
			}
			j, n := x.hostJournal(h)
			if at, ok := known[[2]string{h, u}]; ok {
				if jj, nn, _ := x.journalFor(h, at, time.Time{}); jj != nil {
					j, n = jj, nn
				}
			}
			restore := x.on(j, n)
			if !validMatch(h) || !x.match(x.onHost(h, []string{"_SYSTEMD_UNIT=" + u})...) {
				restore()
				continue
			}
			if e, ok := x.newest(); ok {
				x.newestRun(e, h, u, refusal)
			}
			restore()
		}
	}
}

// newestOfDirect looks for unit's newest run on host as newestRuns does,
// read directly (errNotDirect: it is not).
func (x *indexReader) newestOfDirect(host, unit string, known map[[2]string]time.Time, refusal func(string) bool) error {
	if x.viaLibsystemd || x.jfiles == nil || !validMatch(host) {
		return errNotDirect
	}
	var paths []string
	if at, ok := known[[2]string{host, unit}]; ok {
		paths, _ = x.pathsOf(host, at, time.Time{})
	}
	if paths == nil {
		if paths, _ = x.pathsOf(host, time.Time{}, time.Time{}); paths == nil {
			return errNotDirect
		}
	}
	e, ok, err := x.newestDirect(paths, host, "_SYSTEMD_UNIT="+unit)
	if err == nil && ok {
		x.newestRun(e, host, unit, refusal)
	}
	return err
}

// newestWalk bounds the entries hostNewest reads.
const newestWalk = 20000

// hostNewest walks back host's entries from the tail (or the window's
// end), at most newestWalk of them, and returns the newest entry of each
// unit (_SYSTEMD_UNIT) met, and whether the walk reached the window's
// start: then a unit not met has no entry on the host, and needs no
// lookup. A host with a few thousand entries in a journal of a million
// (a second host's capture among a first's files) had a lookup for each
// of the 10,000 units the files name, each over all the files. Only for
// hosts that share their files: a host alone in its files has lookups in
// them alone, cheaper than the walk (a fleet's 50 hosts' walks cost 10 s).
func (x *indexReader) hostNewest(host string) (map[string]Entry, bool) {
	if host == "" || x.alone[host] {
		return nil, false
	}
	if met, complete, err := x.hostNewestDirect(host); err == nil {
		return met, complete
	}
	defer x.on(x.hostJournal(host))()
	if !validMatch(host) || !x.match(x.onHost(host, []string{})...) {
		return nil, false
	}
	if seekEnd(x.j, x.q) != nil {
		return nil, false
	}
	met := map[string]Entry{}
	for range newestWalk {
		c, err := x.j.Previous()
		if err != nil {
			return met, false
		}
		if c == 0 {
			return met, true
		}
		e, ok := x.entry()
		if !ok || !x.q.Until.IsZero() && e.Time.After(x.q.Until) {
			continue
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) {
			return met, true
		}
		if u := e.Get("_SYSTEMD_UNIT"); u != "" && x.q.Matches(&e) && (host == "" || e.Host() == host) {
			if _, seen := met[u]; !seen {
				met[u] = e
			}
		}
	}
	return met, false
}

// newestRun notes the run of e, the newest entry of unit on host, if it
// is not already to be explained and its service says it was refused
// something.
func (x *indexReader) newestRun(e Entry, host, unit string, refusal func(string) bool) {
	if e.Unit() != unit || e.InvocationID() == "" || host != "" && e.Host() != host {
		return
	}
	if k, ok := x.key(e.Host(), unit, e.InvocationID(), false); ok {
		if _, ok := x.runs[k]; ok { // explained anyway
			return
		}
	}
	r := &runRef{host: e.Host(), unit: unit, inv: e.InvocationID(), at: e.Time}
	// Read as a run to explain is, from the files around it: over all of
	// a host's files (38 at journald's 4 GiB cap) each step touched
	// every file.
	for _, re := range x.readOwn(r) {
		if re.Provenance() == FromService && refusal(re.Message()) {
			x.note(&re, false)
			break
		}
	}
}

// uniqueValues are the values of field in the journal. Across several
// files libsystemd checks each value of one file against every other, and
// the objects it reads are spread over the files (10,000 unit names made
// 250 MB of 1 GB of journal files resident for a moment): with routing,
// each file is read alone and closed.
func (x *indexReader) uniqueValues(field string) ([]string, error) {
	if x.jfiles == nil {
		x.j.FlushMatches()
		return x.j.GetUniqueValues(field) // its pages: released by the watcher
	}
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, f := range x.jfiles {
		if vals, err := x.valuesDirect(f.path, field); err == nil {
			for _, v := range vals {
				add(v)
			}
			continue
		}
		j, err := sdjournal.NewJournalFromFiles(f.path)
		if err != nil {
			return nil, err
		}
		vals, err := j.GetUniqueValues(field)
		j.Close()
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			add(v)
		}
	}
	return out, nil
}

// newest is the newest entry matching the journal's matches and the query
// (hosts, window), looked for among the newest 10,000.
func (x *indexReader) newest() (Entry, bool) {
	if seekEnd(x.j, x.q) != nil {
		return Entry{}, false
	}
	for n := 0; n < 10000; n++ {
		c, err := x.j.Previous()
		if err != nil || c == 0 {
			return Entry{}, false
		}
		e, ok := x.entry()
		if !ok || !x.q.Until.IsZero() && e.Time.After(x.q.Until) {
			continue
		}
		if !x.q.Since.IsZero() && e.Time.Before(x.q.Since) {
			return Entry{}, false
		}
		if x.q.Matches(&e) {
			return e, true
		}
	}
	return Entry{}, false
}

// readRun reads a run: its own entries by invocation ID (how it started
// and how it ended when it is long), then, over its span, systemd-coredump's
// lines about the unit and the host's kernel lines. (PID 1 names the
// invocation on its lines about a unit from its start until the next one.)
func (x *indexReader) readRun(r *runRef) []Entry {
	var own []Entry
	if r.inv != "" {
		own = x.readOwn(r)
	}
	defer x.on(x.hostJournal(r.host))()
	if r.inv == "" {
		// No invocation ID (rare: a process journald could not place):
		// the unit's lines in the minutes before.
		if x.match([]string{"_SYSTEMD_UNIT=" + r.unit}, []string{"UNIT=" + r.unit}) {
			x.each(r.at.Add(-2*time.Minute), r.at.Add(kernelMargin), func(e *Entry) bool {
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
	// systemd-coredump's lines name the unit but carry its own invocation.
	if x.dumped[r.unit] && x.match([]string{"COREDUMP_UNIT=" + r.unit}) {
		x.each(from, to, func(e *Entry) bool {
			if x.q.Matches(e) && e.Host() == r.host && e.Unit() == r.unit {
				near = append(near, e.Lean())
			}
			return true
		})
	}
	near = append(near, x.kernelLines(r.host, from, to)...)
	for _, e := range x.configWarnings.Of(r.host, r.unit, own[0].Get("_BOOT_ID")) {
		if !e.Time.After(own[len(own)-1].Time) {
			near = append(near, e)
		}
	}
	sort.SliceStable(near, func(i, k int) bool { return near[i].Time.Before(near[k].Time) })
	return near
}

// readOwn reads a run's own entries by its invocation ID (readInvocation):
// first from the files around the run's time; a run that reaches the first
// of them, or is long, may go on in older files, and is read again from
// all its host's.
func (x *indexReader) readOwn(r *runRef) []Entry {
	if own, err := x.readOwnDirect(r); err == nil {
		return own
	}
	j, n, first := x.journalFor(r.host, r.at.Add(-runSpan), r.at.Add(time.Minute))
	restore := x.on(j, n)
	own := x.readInvocation(r)
	restore()
	if j != nil && (len(own) == 0 || len(own) >= indexTail || !own[0].Time.After(first.Add(kernelMargin))) {
		restore = x.on(x.hostJournal(r.host))
		own = x.readInvocation(r)
		restore()
	}
	return own
}

// next is the window's next line (a zero Time: one that could not be
// read), false at the end.
func (k *kernelWindow) next(x *indexReader) (Entry, bool, error) {
	if k.d != nil {
		d, ok, err := k.d.next()
		if err != nil || !ok {
			return Entry{}, false, err
		}
		e, err := x.read.readFile(d.f, d.off)
		if err != nil || !x.q.Since.IsZero() && e.Time.Before(x.q.Since) {
			return Entry{}, true, nil
		}
		return e, true, nil
	}
	c, err := k.j.Next()
	if err != nil || c == 0 {
		return Entry{}, false, err
	}
	if x.read == nil {
		x.read = &entryReader{}
	}
	e, err := x.read.read(k.j)
	if err != nil {
		return Entry{}, true, nil
	}
	return e, true, nil
}

// kernelLines are the kernel's lines of host between from and to. Runs
// come in time order, so the kernel's lines are read once, forward, by a
// second reader, and kept while runs may still ask for them (kernelKeep
// before the newest run asked about, at most kernelBuffer lines); a run
// that reaches further back (one that ran for hours) has the rest read by
// index.
func (x *indexReader) kernelLines(host string, from, to time.Time) []Entry {
	if k := x.kern; k.host != host && (k.j != nil || k.d != nil || k.done) {
		// The next host's runs: a reader of its own lines.
		if k.j != nil {
			k.j.Close()
		}
		x.kern = &kernelWindow{}
	}
	k := x.kern
	if k.j == nil && k.d == nil && !k.done {
		k.host = host
		k.d = x.kernelLinesDirect(host)
	}
	if k.j == nil && k.d == nil && !k.done {
		j, err := x.openHost(host)
		if err != nil {
			x.fail(err)
			k.done = true
		} else if err := setMatches(j, x.onHost(host, kernelTerms)...); err != nil || !validMatch(host) {
			j.Close()
			if err != nil {
				x.fail(err)
			}
			k.done = true
		} else {
			k.j = j
			if err := seekFrom(j, x.q.Since); err != nil {
				x.fail(err)
				k.done = true
			}
		}
	}
	for !k.done && !k.readTo.After(to) {
		e, ok, err := k.next(x)
		if err != nil || !ok {
			k.done = true
			if err != nil {
				x.fail(fmt.Errorf("stopped reading the kernel's lines: %w", err))
			}
			break
		}
		if e.Time.IsZero() {
			continue // unreadable
		}
		k.readTo = e.Time
		if e.IsKernel() && x.q.Matches(&e) && (k.host == "" || e.Host() == k.host) {
			k.lines = append(k.lines, e.Lean())
		}
	}
	// Forget what no later run will ask for.
	drop := 0
	for drop < len(k.lines) && (k.lines[drop].Time.Before(from.Add(-kernelKeep)) || len(k.lines)-drop > kernelBuffer) {
		k.forgotTo = k.lines[drop].Time
		drop++
	}
	if drop > 0 {
		k.lines = append(k.lines[:0:0], k.lines[drop:]...)
	}
	var out []Entry
	if !k.forgotTo.IsZero() && from.Before(k.forgotTo) && x.match(x.onHost(host, kernelTerms)...) {
		x.each(from, k.forgotTo, func(e *Entry) bool {
			if e.IsKernel() && x.q.Matches(e) && e.Host() == host && len(out) < kernelMax {
				out = append(out, e.Lean())
			}
			return true
		})
	}
	i := sort.Search(len(k.lines), func(i int) bool { return !k.lines[i].Time.Before(from) })
	for ; i < len(k.lines) && !k.lines[i].Time.After(to) && len(out) < kernelMax; i++ {
		if k.lines[i].Host() == host && (k.forgotTo.IsZero() || k.lines[i].Time.After(k.forgotTo)) {
			out = append(out, k.lines[i])
		}
	}
	return out
}

// ownLine: e is one of the run's own lines (unit, invocation) by trusted
// fields; or a line journald could not place (no _SYSTEMD_UNIT: the
// executor's pre-exec fork logs its reason and dies before journald reads
// its /proc) that names them, which the engine judges (orphanSetupLine),
// as why's read gives it: triage left out why a run's state directory could
// not be made ("Failed to set up special execution directory in /var/lib:
// Not a directory").
func ownLine(e *Entry, unit, inv string) bool {
	if e.Unit() == unit && e.InvocationID() == inv {
		return true
	}
	return e.Get("_SYSTEMD_UNIT") == "" && e.Get("UNIT") == unit && e.Get("INVOCATION_ID") == inv
}

// readInvocation reads a run's entries by its invocation ID: the newest
// indexTail backwards from the end and, when there were more, the first
// indexHead.
func (x *indexReader) readInvocation(r *runRef) []Entry {
	inv := r.inv
	if !x.match([]string{"_SYSTEMD_INVOCATION_ID=" + inv}, []string{"INVOCATION_ID=" + inv}) {
		return nil
	}
	keep := func(e *Entry) bool {
		return x.q.Matches(e) && e.Host() == r.host && ownLine(e, r.unit, inv)
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
		e, ok := x.entry()
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
		x.each(time.Time{}, time.Time{}, func(e *Entry) bool {
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

// validMatch: a value libsystemd can match on (a C string).
func validMatch(v string) bool { return !strings.ContainsRune(v, 0) }

// routeByHost learns which journal files hold which hosts and times (and
// so which files there are to read directly, see direct.go): a lookup
// through libsystemd costs some microseconds in every
// open file, and a journal-remote folder holds a file (or a few) per host,
// one host's journal a file per rotation, so that a 50-host folder made
// every run's lookups 50 times dearer. Each file is opened alone once for
// its _HOSTNAME values (an index read) and its first and last times.
func (x *indexReader) routeByHost() {
	var files []string
	switch {
	case len(x.spec.Files) > 0:
		files = x.spec.Files
	case x.spec.Dir != "":
		files = folderJournalFiles(x.spec.Dir)
	case len(x.spec.Files) == 0:
		// The local journal: where libsystemd looks for its files (a
		// host at journald's 4 GiB cap has some 40). A file rotated or
		// removed while triage reads is looked up among all of them.
		for _, d := range localJournalDirs {
			files = append(files, folderJournalFiles(d)...)
		}
	}
	if len(files) == 0 {
		return
	}
	var jfs []journalFile
	for _, f := range files {
		j, err := sdjournal.NewJournalFromFiles(f)
		if err != nil {
			return // read them all together, as before
		}
		jf, ok := describeFile(j, f)
		j.Close()
		if !ok {
			return
		}
		jfs = append(jfs, jf)
	}
	x.files, x.jfiles, x.subsets = len(files), jfs, map[string]*subset{}
	x.alone = map[string]bool{}
	for _, f := range jfs {
		for h := range f.hosts {
			if _, seen := x.alone[h]; !seen {
				x.alone[h] = true
			}
			x.alone[h] = x.alone[h] && len(f.hosts) == 1
		}
	}
}

// localJournalDirs are the folders of the local journal's files, each
// with a folder per machine ID (sd_journal_open's, namespaces aside).
var localJournalDirs = []string{"/run/log/journal", "/var/log/journal"}

// journalFile is what routing knows of one file.
type journalFile struct {
	path       string
	hosts      map[string]bool // _HOSTNAME values (_MACHINE_ID's without them)
	machines   map[string]bool // _MACHINE_ID values
	head, tail time.Time
}

func describeFile(j *sdjournal.Journal, path string) (journalFile, bool) {
	jf := journalFile{path: path, hosts: map[string]bool{}}
	hosts, err := j.GetUniqueValues("_HOSTNAME")
	if err == nil && len(hosts) == 0 {
		hosts, err = j.GetUniqueValues("_MACHINE_ID")
	}
	if err != nil {
		return jf, false
	}
	for _, h := range hosts {
		jf.hosts[h] = true
	}
	machines, err := j.GetUniqueValues("_MACHINE_ID")
	if err != nil {
		return jf, false
	}
	jf.machines = map[string]bool{}
	for _, m := range machines {
		jf.machines[m] = true
	}
	at := func(c uint64, err error) time.Time {
		if err != nil || c == 0 {
			return time.Time{}
		}
		us, err := j.GetRealtimeUsec()
		if err != nil {
			return time.Time{}
		}
		return time.UnixMicro(int64(us)).UTC()
	}
	if j.SeekHead() == nil {
		jf.head = at(j.Next())
	}
	if j.SeekTail() == nil {
		jf.tail = at(j.Previous())
	}
	return jf, !jf.head.IsZero() && !jf.tail.IsZero()
}

// runSpan is how far before its anchor (its failure, or what it was
// refused) a run's files are first looked for; a run that reaches further
// back is read again from all its host's files.
const runSpan = 30 * time.Minute

// journalFor is the journal of host's files ("": every host's) that hold
// entries between from and to (zero: unbounded), their number and the
// first time they hold; nil when routing is off or would not narrow
// anything.
func (x *indexReader) journalFor(host string, from, to time.Time) (*sdjournal.Journal, int, time.Time) {
	paths, first := x.filesOf(host, from, to)
	if paths == nil {
		return nil, 0, time.Time{}
	}
	j := x.subset(paths)
	if j == nil {
		return nil, 0, time.Time{}
	}
	return j, len(paths), first
}

// subset is an open journal of paths (nil if they cannot be opened), kept
// open among the last few asked for.
func (x *indexReader) subset(paths []string) *sdjournal.Journal {
	key := strings.Join(paths, "\x00")
	x.use++
	if sj := x.subsets[key]; sj != nil {
		sj.used = x.use
		return sj.j
	}
	// A journal's first lookups map its files' hash tables: several MB
	// each, and a subset opened every few runs took 60 MB past the bound
	// between two looks.
	boundPages()
	j, err := sdjournal.NewJournalFromFiles(paths...)
	if err != nil {
		return nil // (and none closed: a caller may hold one it asked for before)
	}
	if len(x.subsets) >= maxSubsets {
		// The least recently used that no reader is on goes (closing a
		// journal in use would leave the reader with freed memory); when
		// all are in use, one more is kept.
		oldest := ""
		for k, sj := range x.subsets {
			if sj.readers == 0 && (oldest == "" || sj.used < x.subsets[oldest].used) {
				oldest = k
			}
		}
		if oldest != "" {
			x.subsets[oldest].j.Close()
			delete(x.subsets, oldest)
		}
	}
	x.subsets[key] = &subset{j: j, used: x.use}
	return j
}

// filesOf are the files of host ("": every host's) that hold entries
// between from and to (zero: unbounded), and the first time they hold; nil
// when routing is off or would not narrow anything.
func (x *indexReader) filesOf(host string, from, to time.Time) ([]string, time.Time) {
	paths, first := x.pathsOf(host, from, to)
	// All of them: the main journal (x.files is the journal in use, which
	// may be another host's).
	if len(paths) == len(x.jfiles) {
		return nil, time.Time{}
	}
	return paths, first
}

// pathsOf are the files of host ("": every host's) that hold entries
// between from and to (zero: unbounded), and the first time they hold;
// nil when routing is off or no file does.
func (x *indexReader) pathsOf(host string, from, to time.Time) ([]string, time.Time) {
	if x.jfiles == nil {
		return nil, time.Time{}
	}
	var paths []string
	var first time.Time
	for _, f := range x.jfiles {
		if host != "" && !f.hosts[host] {
			continue
		}
		if !to.IsZero() && f.head.After(to) || !from.IsZero() && f.tail.Before(from) {
			continue
		}
		paths = append(paths, f.path)
		if first.IsZero() || f.head.Before(first) {
			first = f.head
		}
	}
	return paths, first
}

// openHost opens a journal of its own over host's files (all files when
// routing is off).
func (x *indexReader) openHost(host string) (*sdjournal.Journal, error) {
	if paths, _ := x.filesOf(host, time.Time{}, time.Time{}); paths != nil {
		return sdjournal.NewJournalFromFiles(paths...)
	}
	j, _, err := openJournal(x.spec)
	return j, err
}

// maxSubsets bounds the journals of file subsets kept open. Every pass
// goes host by host and each host's runs in time order, so a reader wants
// few at a time: its host's files and the files around a run. Each open
// journal keeps up to 64 windows of 8 MiB mapped; 64 journals (the bound
// before) made 2,000 mappings and 450 open files on one host's 38 files,
// which each release of their pages walked (mapped_linux.go): healthy95 at
// the 4 GiB cap spent a fifth of its time there. (A variable for a test.)
var maxSubsets = 4

// subset is an open journal of some of the files, when it was last asked
// for, and how many readers are on it now (see on).
type subset struct {
	j       *sdjournal.Journal
	used    int
	readers int
}

// hostJournal is the journal of all host's files (see journalFor).
func (x *indexReader) hostJournal(host string) (*sdjournal.Journal, int) {
	j, n, _ := x.journalFor(host, time.Time{}, time.Time{})
	return j, n
}

// on makes the reader use j (nil: no change) until the returned function
// is called.
func (x *indexReader) on(j *sdjournal.Journal, files int) func() {
	if j == nil {
		return func() {}
	}
	var sj *subset
	for _, s := range x.subsets {
		if s.j == j {
			sj = s
			sj.readers++
		}
	}
	prev, prevFiles := x.j, x.files
	x.j, x.files = j, files
	return func() {
		x.j, x.files = prev, prevFiles
		if sj != nil {
			sj.readers--
		}
	}
}
