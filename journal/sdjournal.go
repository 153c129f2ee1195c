package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// JournalSpec says which journal to open through libsystemd: the local one
// (Dir and Files empty), a directory (journald's or journal-remote's
// output), or explicit journal files.
type JournalSpec struct {
	Dir   string
	Files []string
	// Fields, when set, are the only fields read of each entry (one
	// GetDataValue each instead of reading them all): for passes that
	// need a few.
	Fields []string
	// MaxEntries bounds the backwards walk when no --since is given.
	MaxEntries int
}

// ReadJournal reads entries matching q through sdjournal, newest first, by
// walking backwards from q.Until (or the tail) with the journal's field
// index, so the work is proportional to the incident window rather than to
// the size of the journal. Without q.Since it stops once it has passed the
// start of the newest failed invocation of q.Unit (or of q.Invocation), and
// the kernel's lines and audit records are then read only around the run
// (runMargin either side, as runKeeper keeps them). The entries are
// returned oldest first.
func ReadJournal(spec JournalSpec, q Query) (entries []Entry, warns []Warning, err error) {
	defer func() { // libsystemd is loaded with dlopen; a broken one must not take us down
		if r := recover(); r != nil {
			err = fmt.Errorf("libsystemd failed while reading the journal: %v", r)
		}
	}()
	j, name, err := openJournal(spec)
	if err != nil {
		return nil, nil, err
	}
	defer j.Close()

	hosts := q.Hosts
	if q.Unit != "" && len(hosts) == 0 && (spec.Dir != "" || len(spec.Files) > 0) {
		hosts = runHost(j, q)
	}
	max := spec.MaxEntries
	if max <= 0 {
		max = 200000
	}
	x := &indexReader{j: j, name: name} // its entry reading and forward walk
	// With a window asked for (--since), everything of the unit and the
	// kernel in it. Without, the run first, by the unit's own index, then
	// the kernel's lines and audit records around it: walking back with
	// them went through all of them between the tail and the run (a run of
	// last week on a host whose audit is busy: 200,000 entries, 5 s and
	// 470 MB, where `journalctl -u` takes 0.02 s).
	around := q.Unit != "" && q.Since.IsZero()
	kernelTerms := []string{"_TRANSPORT=audit", "_TRANSPORT=kernel"}
	var terms []string
	if q.Unit != "" {
		terms = []string{"_SYSTEMD_UNIT=" + q.Unit, "UNIT=" + q.Unit, "COREDUMP_UNIT=" + q.Unit}
		if !around {
			terms = append(terms, kernelTerms...)
		}
	}
	if err := setTerms(j, terms, hosts); err != nil {
		return nil, nil, err
	}
	if entries, err = walkBack(x, q, max); err != nil {
		return nil, nil, err
	}
	if around && len(entries) > 0 {
		if err := setTerms(j, kernelTerms, hosts); err != nil {
			return nil, nil, err
		}
		from, to := entries[0].Time.Add(-runMargin), entries[len(entries)-1].Time.Add(runMargin)
		if !q.Until.IsZero() && to.After(q.Until) {
			to = q.Until
		}
		n := 0
		x.each(from, to, func(e *Entry) bool {
			if q.Matches(e) {
				entries = append(entries, *e)
				n++
			}
			return n < max
		})
		slices.SortStableFunc(entries, func(a, b Entry) int { return a.Time.Compare(b.Time) }) // the run's own first on a tie
	}
	if q.Unit != "" && len(entries) > 0 {
		entries = x.withConfigWarnings(entries, q)
	}
	warns = append(skippedFiles(j, spec), x.warns...)
	if q.Unit != "" && !slices.ContainsFunc(entries, func(e Entry) bool { return !e.IsKernel() }) {
		msg := fmt.Sprintf("no entries of %s in this journal", q.Unit)
		if spec.Dir == "" && len(spec.Files) == 0 && os.Geteuid() != 0 {
			msg += "; an unprivileged user sees only their own journal: run as root or as a member of the systemd-journal or adm group"
		}
		warns = append(warns, Warning{Source: name, Text: msg})
	}
	return entries, warns, nil
}

// maxConfigWarningsRead bounds the complaints about a unit's files read in
// one boot: a unit reloaded in a loop logs them at every reload.
const maxConfigWarningsRead = 1000

// withConfigWarnings adds to the unit's entries PID 1's complaints about
// its files (MsgUnitConfigWarning) logged in their boots before their
// end, by the field index. They are logged when the unit is loaded, at
// boot or at a daemon-reload: the walk back stops two minutes before the
// run, so a unit restarted later than that after a reload ran without the
// setting they name, and why said nothing of it.
func (x *indexReader) withConfigWarnings(entries []Entry, q Query) []Entry {
	var boots []string
	have := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		if b := e.Get("_BOOT_ID"); b != "" && !e.IsKernel() && e.Unit() == q.Unit && !slices.Contains(boots, b) {
			boots = append(boots, b)
		}
		if e.Get("MESSAGE_ID") == MsgUnitConfigWarning {
			have[e.Time.String()+e.Message()] = true
		}
	}
	end := entries[len(entries)-1].Time
	added := false
	for _, b := range boots {
		if !x.match([]string{"MESSAGE_ID=" + MsgUnitConfigWarning, "UNIT=" + q.Unit, "_BOOT_ID=" + b}) {
			break
		}
		n := 0
		x.each(time.Time{}, end, func(e *Entry) bool {
			if k := e.Time.String() + e.Message(); !have[k] && (len(q.Hosts) == 0 || q.hostMatches(e)) {
				have[k], added = true, true
				entries = append(entries, *e)
			}
			n++
			return n < maxConfigWarningsRead
		})
	}
	if added {
		slices.SortStableFunc(entries, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	}
	return entries
}

// setTerms makes the journal's matches: any of terms (none: every entry),
// and, when hosts are given, one of them.
func setTerms(j *sdjournal.Journal, terms, hosts []string) error {
	j.FlushMatches()
	if err := addMatches(j, terms); err != nil {
		return err
	}
	if len(hosts) > 0 {
		var ms []string
		for _, h := range hosts {
			ms = append(ms, "_HOSTNAME="+h, "_MACHINE_ID="+h)
		}
		if len(terms) > 0 {
			if err := j.AddConjunction(); err != nil {
				return err
			}
		}
		if err := addMatches(j, ms); err != nil {
			return err
		}
	}
	return nil
}

// walkBack reads the entries the journal's matches select backwards from
// q.Until (or the tail), as ReadJournal describes, oldest first.
func walkBack(x *indexReader, q Query, max int) (entries []Entry, err error) {
	if err := seekEnd(x.j, q); err != nil {
		return nil, fmt.Errorf("failed to seek in %s: %w", x.name, err)
	}
	var (
		rev       []Entry
		failedInv string    // the run being explained
		horizon   time.Time // stop before this: 2 minutes older than the run's earliest entry
	)
	for n := 0; ; n++ {
		c, err := x.j.Previous()
		if err != nil {
			x.fail(fmt.Errorf("stopped reading: %w", err))
			break
		}
		if c == 0 {
			break
		}
		e, ok := x.entry()
		if !ok {
			continue
		}
		if !q.Since.IsZero() && e.Time.Before(q.Since) {
			break
		}
		if !horizon.IsZero() && e.Time.Before(horizon) {
			break
		}
		if !q.Until.IsZero() && e.Time.After(q.Until) {
			continue
		}
		if !q.Matches(&e) {
			continue
		}
		kernel := e.IsKernel()
		inv := e.InvocationID()
		if q.Since.IsZero() && q.Unit != "" && !kernel {
			// Without --since the walk ends where the run to explain
			// began: at an older run of the unit, or well before the run's
			// earliest entry.
			if failedInv == "" && (IsManagerLine(&e, q.Unit, MsgUnitFailureResult) && q.Invocation == "" || q.Invocation != "" && inv == q.Invocation) {
				failedInv = inv
			}
			if failedInv != "" && inv != "" && inv != failedInv {
				break
			}
			if failedInv != "" && inv == failedInv {
				horizon = e.Time.Add(-runMargin)
			}
		}
		rev = append(rev, e)
		if n >= max {
			x.warns = append(x.warns, Warning{Source: x.name, Text: fmt.Sprintf("stopped after %d entries without finding the start of a failed run; use --since to widen the window", max)})
			break
		}
	}
	for i := len(rev) - 1; i >= 0; i-- {
		entries = append(entries, rev[i])
	}
	return entries, nil
}

// addMatches adds each match as an alternative (OR) to the current term.
func addMatches(j *sdjournal.Journal, ms []string) error {
	for _, m := range ms {
		if err := j.AddMatch(m); err != nil {
			return fmt.Errorf("failed to add journal match %s: %w", m, err)
		}
		if err := j.AddDisjunction(); err != nil {
			return err
		}
	}
	return nil
}

// seekEnd puts the read position at q.Until, or the tail.
func seekEnd(j *sdjournal.Journal, q Query) error {
	if !q.Until.IsZero() {
		return j.SeekRealtimeUsec(uint64(q.Until.UnixMicro()))
	}
	return j.SeekTail()
}

// runHost: in a journal of several machines (a journal-remote folder, a
// fleet's files) the walk for one run is held to the machine that ran it,
// found first from the index: PID 1's failure message of the unit (or an
// entry of the invocation asked for). Otherwise the walk goes through
// every machine's kernel and audit entries of the window (0.4 s on a
// folder of 50 hosts, 164 MB of mapped files), and a kernel record of
// another machine with the same PID could be taken for the run's. nil:
// one machine, or the run was not found (the walk then says so).
func runHost(j *sdjournal.Journal, q Query) []string {
	machines, err := j.GetUniqueValues("_MACHINE_ID")
	if err != nil || len(machines) < 2 {
		return nil
	}
	defer j.FlushMatches()
	probe := []string{"MESSAGE_ID=" + MsgUnitFailureResult}
	if q.Invocation != "" {
		probe = []string{"_SYSTEMD_INVOCATION_ID=" + q.Invocation, "INVOCATION_ID=" + q.Invocation}
	}
	if addMatches(j, probe) != nil || j.AddConjunction() != nil || j.AddMatch("UNIT="+q.Unit) != nil ||
		j.AddDisjunction() != nil || j.AddMatch("_SYSTEMD_UNIT="+q.Unit) != nil || seekEnd(j, q) != nil {
		return nil
	}
	// Only the manager's word counts (a service can write MESSAGE_ID=);
	// a few lines are enough to meet it.
	for range 64 {
		if c, err := j.Previous(); err != nil || c == 0 {
			return nil
		}
		je, err := j.GetEntry()
		if err != nil {
			continue
		}
		e := Entry{Fields: je.Fields, Time: time.UnixMicro(int64(je.RealtimeTimestamp)).UTC()}
		if !q.Since.IsZero() && e.Time.Before(q.Since) {
			return nil
		}
		if m := e.Get("_MACHINE_ID"); m != "" && (q.Invocation != "" && e.InvocationID() == q.Invocation || IsManagerLine(&e, q.Unit, MsgUnitFailureResult)) {
			return []string{m}
		}
	}
	return nil
}

func openJournal(spec JournalSpec) (*sdjournal.Journal, string, error) {
	switch {
	case len(spec.Files) > 0:
		for _, f := range spec.Files {
			if _, err := os.Stat(f); err != nil {
				return nil, "", fmt.Errorf("failed to open journal file: %w", err)
			}
		}
		j, err := sdjournal.NewJournalFromFiles(spec.Files...)
		return j, filepath.Base(spec.Files[0]), wrapOpen(err)
	case spec.Dir != "":
		if _, err := os.Stat(spec.Dir); err != nil {
			return nil, "", fmt.Errorf("failed to open journal directory: %w", err)
		}
		j, err := sdjournal.NewJournalFromDir(spec.Dir)
		return j, spec.Dir, wrapOpen(err)
	default:
		j, err := sdjournal.NewJournal()
		return j, "local journal", wrapOpen(err)
	}
}

func wrapOpen(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w (membership of the systemd-journal or adm group, or root, is needed)", err)
	}
	return err
}

// ScanJournal hands every entry matching q to fn, oldest first, from
// q.Since (or the head) to q.Until (or the tail), keeping nothing: the read
// triage needs, whose memory must not grow with the journal.
func ScanJournal(spec JournalSpec, q Query, fn func(*Entry)) (warns []Warning, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("libsystemd failed while reading the journal: %v", r)
		}
	}()
	j, name, err := openJournal(spec)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	warns = skippedFiles(j, spec)
	if err := seekFrom(j, q.Since); err != nil {
		return nil, fmt.Errorf("failed to seek in %s: %w", name, err)
	}
	for {
		c, err := j.Next()
		if err != nil {
			return append(warns, Warning{Source: name, Text: "stopped reading: " + err.Error()}), nil
		}
		if c == 0 {
			return warns, nil
		}
		var e Entry
		if spec.Fields != nil {
			usec, err := j.GetRealtimeUsec()
			if err != nil {
				continue
			}
			e = Entry{Fields: make(map[string]string, len(spec.Fields)), Time: time.UnixMicro(int64(usec)).UTC()}
			for _, f := range spec.Fields {
				if v, err := j.GetDataValue(f); err == nil {
					e.Fields[f] = v
				}
			}
		} else {
			je, err := j.GetEntry()
			if err != nil {
				continue
			}
			e = Entry{Fields: je.Fields, Time: time.UnixMicro(int64(je.RealtimeTimestamp)).UTC()}
		}
		if !q.Until.IsZero() && e.Time.After(q.Until) {
			return warns, nil
		}
		if q.Matches(&e) {
			fn(&e)
		}
	}
}
