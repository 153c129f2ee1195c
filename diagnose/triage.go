package diagnose

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"io"
	"iter"
	"path"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harden-tool/harden/journal"
)

// UnitConfigs gives the configuration of a unit, or nil.
type UnitConfigs func(host, unit string) *journal.UnitConfig

// Triage explains every unit that failed, or was refused something by the
// kernel, in the evidence. See TriageStream.
func Triage(ev *journal.Evidence, configs UnitConfigs) []*Report {
	t := NewTriageStream(ev.Audit, configs, ev.Host)
	for i := range ev.Entries {
		t.Add(&ev.Entries[i])
	}
	answers := t.Finish()
	defer answers.Close()
	return slices.Collect(answers.All())
}

// TriageStream explains units as their journal entries go by, in time
// order, so that memory is bounded by the runs in flight, not by the size
// of the journal: per unit and host only the current run's entries are
// kept (at most runKeep), a failure is explained failureTail after PID 1
// logs it (watch: at once), and
// kernel lines are kept for kernelKeep. Audit denials are indexed by PID
// once. The same answer on several hosts is folded into one report.
type TriageStream struct {
	configs UnitConfigs
	host    journal.HostInfo
	runs    map[triageKey]*run
	kernel  map[string][]journal.Entry // per host, rolling
	denials map[string]map[int][]journal.HeldAuditEvent
	anyHost map[int][]journal.HeldAuditEvent // audit.log events: no host named
	dropped int                              // denials beyond journal.MaxDenialsPerPID
	// auditEvents puts the journal's audit records of an event together.
	auditEvents journal.AuditGrouper
	// kills are the denials held that are SIGSYS kills, whatever their
	// process: a run PID 1 saw killed by SIGSYS is given those of that
	// moment (see sigsysKillsAt).
	kills       []heldKill
	killsSorted bool
	// configWarnings are PID 1's complaints about units' files: logged
	// when a unit is loaded, before its runs, and read with each run of
	// that boot. Added to the run in flight, the unit's later runs, a
	// restart after them say, were explained without them.
	configWarnings journal.ConfigWarnings
	answers        []answer
	due            []dueRun     // failed runs to explain, in the order they failed
	reports        *heldReports // their reports, for JSON (nil: LinesOnly)
	// latest holds, per host and answer (its signature names the unit),
	// the index of its newest report: repeated failures fold as they
	// happen.
	latest map[hostAnswer]int
	// only and onReport are set by Watch.
	only     map[string]bool
	onReport func(*Report)
	// linesOnly: the answers are printed as text (LinesOnly).
	linesOnly bool
}

type triageKey struct{ host, unit string }

type hostAnswer struct {
	host string
	sig  signature
}

type run struct {
	inv      string
	entries  []journal.Entry
	denied   bool // the kernel refused its processes something
	failed   bool // PID 1 logged its failure; explained when due
	reported bool
}

// dueRun is a failed run to explain once the stream is past failureTail
// after its failure.
type dueRun struct {
	key triageKey
	r   *run
	at  time.Time
}

// failureTail is how long after PID 1's failure line a failed run is
// explained (in a stream read after the fact; watch explains at once):
// its last lines (PID 1's "Failed to start", some milliseconds later) and
// the kernel's within the margin the journal's index reader gives a run.
// Explained at the failure line, a run's answer had another time than the
// same run's read from journal files, and than why's (1,807 of the 100 MB
// load set's 7,025 answers).
const failureTail = 5 * time.Second

const (
	runKeep    = 400
	kernelKeep = 10 * time.Minute
	kernelMax  = 5000
)

// NewTriageStream starts a triage; audit holds the audit log's events.
func NewTriageStream(audit []journal.AuditEvent, configs UnitConfigs, host journal.HostInfo) *TriageStream {
	t := &TriageStream{configs: configs, host: host, runs: map[triageKey]*run{}, kernel: map[string][]journal.Entry{},
		denials: map[string]map[int][]journal.HeldAuditEvent{}, anyHost: map[int][]journal.HeldAuditEvent{},
		latest: map[hostAnswer]int{}, configWarnings: journal.ConfigWarnings{}}
	for _, a := range audit {
		if isDenial(&a) {
			t.addDenial(a)
		}
	}
	return t
}

// LinesOnly keeps of each answer only what its text line needs: the
// report is not encoded (on the load set, 105,000 runs were encoded for
// 19,000 answers, for a text output that prints none of it).
// Answers.All then yields each answer's unit, time and hosts alone.
func (t *TriageStream) LinesOnly() { t.linesOnly = true }

// Watch turns the stream into harden watch's: only the named units'
// runs are followed, and each report is handed to report as its run is
// explained, before reports of the same answer are folded.
func (t *TriageStream) Watch(units []string, report func(*Report)) {
	t.only = map[string]bool{}
	for _, u := range units {
		t.only[u] = true
	}
	t.onReport = report
	t.linesOnly = true // each report is handed out as it is made, none held
}

// AddAudit takes an audit event as it arrives (the kernel's audit
// stream); events of a process are matched to its unit by PID.
func (t *TriageStream) AddAudit(a journal.AuditEvent) {
	t.addAuditEvent(a)
}

// addAuditEvent holds a denial (any other event is let go).
func (t *TriageStream) addAuditEvent(a journal.AuditEvent) {
	if isDenial(&a) {
		t.addDenial(a)
	}
}

func isDenial(a *journal.AuditEvent) bool {
	if r := a.Record("SECCOMP"); r != nil {
		return r.Raw["code"] != "0x7ffc0000" // SystemCallLog= records are not denials
	}
	if a.Record("AVC") != nil {
		return true
	}
	r := a.Record("SYSCALL")
	return r != nil && r.Raw["success"] == "no"
}

// addDenial holds a denial until a run of its process is explained: at
// most journal.MaxDenialsPerPID of a process, as the audit logs' reader
// keeps (the first few say what was refused; a process denied in a loop,
// or SELinux in permissive mode, writes millions), the rest counted
// (Dropped).
func (t *TriageStream) addDenial(a journal.AuditEvent) {
	p := a.PID()
	byPID := t.anyHost
	if a.Host != "" {
		if t.denials[a.Host] == nil {
			t.denials[a.Host] = map[int][]journal.HeldAuditEvent{}
		}
		byPID = t.denials[a.Host]
	}
	if len(byPID[p]) >= journal.MaxDenialsPerPID {
		t.dropped++
		return
	}
	held := a.Hold()
	byPID[p] = append(byPID[p], held)
	if isSigsysKill(&a) {
		t.kills = append(t.kills, heldKill{at: a.Time, pid: p, host: a.Host, ev: held})
		t.killsSorted = false
	}
}

// heldKill is a SIGSYS kill held, with what finding it by time needs.
type heldKill struct {
	at   time.Time
	pid  int
	host string // "" for the audit logs'
	ev   journal.HeldAuditEvent
}

// sigsysKillsAt are the SIGSYS kills of any process on host within
// journal.DeathSlack of PID 1's reports of the run's SIGSYS deaths among entries,
// but those of pids (the run's, given already). A process killed at its
// first refused call often wrote nothing, so no journal line gives its
// PID: triage named no call where why, which reads every record of the
// run's time, named it. The diagnosis ties one to the run only when it is
// the one such kill then.
func (t *TriageStream) sigsysKillsAt(host, unit string, entries []journal.Entry, pids map[int]bool) []journal.AuditEvent {
	var out []journal.AuditEvent
	for i := range entries {
		e := &entries[i]
		if e.Unit() != unit || !journal.IsSigsysDeath(e) {
			continue
		}
		if !t.killsSorted {
			slices.SortStableFunc(t.kills, func(a, b heldKill) int { return a.at.Compare(b.at) })
			t.killsSorted = true
		}
		from, _ := slices.BinarySearchFunc(t.kills, e.Time.Add(-journal.DeathSlack), func(k heldKill, at time.Time) int { return k.at.Compare(at) })
		// A kill in the audit logs and in the journal both is the audit
		// logs' (as why's MergeAudit keeps it), whichever was held first.
		var near []heldKill
		for k := from; k < len(t.kills) && !t.kills[k].at.After(e.Time.Add(journal.DeathSlack)); k++ {
			if h := t.kills[k]; !pids[h.pid] && (h.host == "" || h.host == host) {
				near = append(near, h)
			}
		}
		slices.SortStableFunc(near, func(a, b heldKill) int { return strings.Compare(a.host, b.host) })
		for _, h := range near {
			if !pids[h.pid] {
				pids[h.pid] = true // (once, if two deaths are that close)
				out = append(out, h.ev.Event())
			}
		}
	}
	return out
}

// Dropped is how many denials were counted, not held (see addDenial).
func (t *TriageStream) Dropped() int { return t.dropped }

// Add takes the next journal entry (entries must come in time order).
func (t *TriageStream) Add(e *journal.Entry) {
	for len(t.due) > 0 && e.Time.Sub(t.due[0].at) > failureTail {
		d := t.due[0]
		t.due = t.due[1:]
		if !d.r.reported {
			t.diagnoseRun(d.key, d.r, false)
		}
	}
	h := e.Host()
	switch {
	case e.Get("_TRANSPORT") == "audit":
		switch e.Get("_AUDIT_TYPE_NAME") {
		case "SECCOMP", "AVC", "SYSCALL", "CWD", "PATH", "SOCKADDR":
			t.auditEvents.Add(e, t.addAuditEvent)
		}
		return
	case e.IsKernel():
		if m := rePidsRejected.FindStringSubmatch(e.Message()); m != nil {
			// The kernel refused a unit a task: its run is explained
			// even if it never fails.
			if r := t.runs[triageKey{h, path.Base(m[1])}]; r != nil {
				r.denied = true
			}
		}
		k := append(t.kernel[h], e.Lean())
		for len(k) > 0 && (e.Time.Sub(k[0].Time) > kernelKeep || len(k) > kernelMax) {
			k = k[1:]
		}
		t.kernel[h] = k
		return
	}
	u := e.Unit()
	if u == "" && e.Get("_SYSTEMD_UNIT") == "" && e.Get("INVOCATION_ID") != "" {
		// A line journald could not place, naming its unit: the
		// executor's pre-exec fork logs its reason and dies before
		// journald reads its /proc. The engine judges it
		// (orphanSetupLine), as why's read gives it.
		u = e.Get("UNIT")
	}
	if u == "" || e.Get("_TRANSPORT") == "kernel" || t.only != nil && !t.only[u] {
		return
	}
	key := triageKey{h, u}
	if t.configWarnings.Hold(e) {
		return
	}
	inv := e.InvocationID()
	r := t.runs[key]
	if r == nil || (inv != "" && r.inv != "" && inv != r.inv) {
		if r != nil && (r.denied || r.failed || t.deniedSince(key.host, r)) && !r.reported {
			t.diagnoseRun(key, r, !r.failed)
		}
		r = &run{inv: inv}
		t.runs[key] = r
	}
	if r.inv == "" {
		r.inv = inv
	}
	if r.reported {
		return // (explained: its later lines change nothing)
	}
	r.entries = append(r.entries, e.Lean())
	if len(r.entries) > runKeep {
		r.entries = append(r.entries[:runKeep/10:runKeep/10], r.entries[len(r.entries)-runKeep/2:]...)
	}
	if e.Provenance() == journal.FromService && (refusalWords(e.Message()) || consequenceWords(e.Message())) {
		r.denied = true // the service says it was refused something: explain the run even if it never fails
	}
	if p := e.PID(); p > 1 && e.Get("_SYSTEMD_UNIT") == u && (len(t.denials[h][p]) > 0 || len(t.anyHost[p]) > 0) {
		r.denied = true
	}
	if journal.IsManagerLine(e, u, journal.MsgUnitFailureResult) && !r.reported && !r.failed {
		if t.onReport != nil {
			t.diagnoseRun(key, r, false) // watch: as it happens
			return
		}
		r.failed = true
		t.due = append(t.due, dueRun{key, r, e.Time})
	}
}

// deniedSince: a process of the run had a denial held after its lines went
// by (an audit event is complete, and held, a few records after its
// first: see journal.AuditGrouper).
func (t *TriageStream) deniedSince(host string, r *run) bool {
	for i := range r.entries {
		if p := r.entries[i].PID(); p > 1 && (len(t.denials[host][p]) > 0 || len(t.anyHost[p]) > 0) {
			return true
		}
	}
	return false
}

// refusalWords is a cheap test, run on every line of every unit, for the
// errors a sandbox gives; the engine then reads the run properly.
func refusalWords(msg string) bool {
	for _, w := range []string{"ermission denied", "ead-only file system", "peration not permitted", "not supported by protocol",
		"EACCES", "EPERM", "EROFS", "Errno 13", "Errno 30", "Errno 1]", "os error 13", "os error 30"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// consequenceWords: a program's own wording for a refusal (rules.Consequences).
func consequenceWords(msg string) bool {
	textOnce.Do(buildTextTables)
	lower := strings.ToLower(msg)
	for _, p := range consequences {
		if p.mayMatch(lower) && p.re.MatchString(msg) {
			return true
		}
	}
	return false
}

// diagnoseRun diagnoses one run with its entries, the host's kernel lines and
// the audit denials of its processes.
func (t *TriageStream) diagnoseRun(key triageKey, r *run, running bool) {
	r.reported = true
	t.auditEvents.Flush(t.addAuditEvent) // (the run's records came before its end)
	// Only the kernel lines near the run: the buffer is in time order.
	kern := t.kernel[key.host]
	var near []journal.Entry
	if len(r.entries) > 0 && len(kern) > 0 {
		from := r.entries[0].Time.Add(-5 * time.Second)
		to := r.entries[len(r.entries)-1].Time.Add(5 * time.Second)
		i := sort.Search(len(kern), func(i int) bool { return !kern[i].Time.Before(from) })
		for ; i < len(kern) && !kern[i].Time.After(to); i++ {
			near = append(near, kern[i])
		}
	}
	entries := append(append([]journal.Entry{}, r.entries...), near...)
	if len(r.entries) > 0 {
		entries = append(entries, t.configWarnings.Of(key.host, key.unit, r.entries[0].Get("_BOOT_ID"))...)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Time.Before(entries[j].Time) })
	t.explain(key, entries, running)
	// The run stays the unit's current one, but what it held goes: each
	// unit's last run was held whole to the end (an export of the load
	// set, 10,000 units: 70 MB of a 90 MB live heap).
	r.entries = nil
}

// AddRun explains one run read from the journal's indexes (see
// journal.TriageEvidence.Runs): its entries and the kernel's lines near
// it are read; the audit denials of its processes are the stream's.
func (t *TriageStream) AddRun(r *journal.IndexedRun) {
	if t.only != nil && !t.only[r.Unit] {
		return
	}
	t.explain(triageKey{r.Host, r.Unit}, r.Entries, !r.Failed)
}

// ExplainRuns explains the runs read by read (journal.TriageEvidence.Runs)
// while it reads the next: the journal is read in one goroutine and the
// runs diagnosed in another, a few runs apart at most.
func (t *TriageStream) ExplainRuns(read func(journal.Triggers, func(*journal.IndexedRun)) []journal.Warning) []journal.Warning {
	runs := make(chan *journal.IndexedRun, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for r := range runs {
			t.AddRun(r)
		}
	}()
	warns := read(t.Triggers(), func(r *journal.IndexedRun) { runs <- r })
	close(runs)
	<-done
	return warns
}

// Triggers are the engine's tests for the index-driven reader: what makes
// a run that never failed worth explaining.
func (t *TriageStream) Triggers() journal.Triggers {
	return journal.Triggers{
		Denial: func(a journal.AuditEvent) bool {
			if !isDenial(&a) {
				return false
			}
			t.addDenial(a)
			return true
		},
		Kernel: func(msg string) string {
			if m := rePidsRejected.FindStringSubmatch(msg); m != nil {
				return path.Base(m[1])
			}
			return ""
		},
		Text: func(msg string) bool { return refusalWords(msg) || consequenceWords(msg) },
	}
}

// explain diagnoses one run from its entries (in time order) and the audit
// denials of its processes, and folds the answer with the same answer of
// earlier runs.
func (t *TriageStream) explain(key triageKey, entries []journal.Entry, running bool) {
	sub := &journal.Evidence{Entries: entries, Host: t.host}
	pids := map[int]bool{}
	for _, e := range entries {
		if p := e.PID(); p > 1 && !e.IsKernel() {
			pids[p] = true
		}
	}
	for p := range pids {
		for _, held := range [][]journal.HeldAuditEvent{t.denials[key.host][p], t.anyHost[p]} {
			for _, h := range held {
				sub.Audit = append(sub.Audit, h.Event())
			}
		}
	}
	sub.Audit = append(sub.Audit, t.sigsysKillsAt(key.host, key.unit, entries, pids)...)
	if t.configs != nil {
		sub.Unit = t.configs(key.host, key.unit)
	}
	rep := Diagnose(sub, Options{Unit: key.unit, IncludeRunning: running})
	if rep.Verdict == VerdictNoFailure {
		return
	}
	if t.onReport != nil {
		t.onReport(rep)
	}
	if key.host != "" {
		rep.Hosts = []string{key.host}
	}
	rep.MissingEvidence = nil // said once for the whole triage
	a := newAnswer(rep)
	k := hostAnswer{key.host, a.sig}
	i, seen := t.latest[k]
	if !t.linesOnly {
		if t.reports == nil {
			t.reports = newHeldReports()
		}
		var old heldReport
		if seen {
			old = t.answers[i].report
		}
		if err := a.hold(rep, t.reports, old); err != nil {
			return // a report is plain data: it always encodes
		}
	}
	if seen {
		t.answers[i] = a // the newest run with the same answer stands for all
		return
	}
	t.latest[k] = len(t.answers)
	t.answers = append(t.answers, a)
}

// answer is one answer held until the end of a triage: what folding and
// ordering read, and where the report itself is held as JSON (see
// heldReports). A triage of 100,000 failed runs holds some 20,000
// answers; as Go structures they were half the live heap, which the
// collector went through at every cycle.
type answer struct {
	sig        signature
	unit, time string
	severity   int
	hosts      []string
	line       string     // its text line but for the hosts (triageLine)
	report     heldReport // none: LinesOnly
}

func newAnswer(r *Report) answer {
	return answer{sig: signatureOf(r), unit: r.Unit, time: r.Time, severity: severity(r), hosts: r.Hosts, line: triageLine(r)}
}

// hold encodes r into reports, in old's place if it fits.
func (a *answer) hold(r *Report, reports *heldReports, old heldReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	a.report = reports.put(old, b)
	return nil
}

// signature is what makes two reports the same answer: the unit, the
// verdict, and the first finding's directive, setting and relaxation. It
// is held as a SHA-256 of them (truncated to 128 bits, so that no two
// answers fold by chance, whatever words a service chose): held as text,
// with a copy naming the host, the load set's 20,000 signatures were 4 MB
// of a 21 MB live heap.
type signature [16]byte

func signatureOf(r *Report) signature {
	s := r.Unit + "|" + string(r.Verdict)
	if len(r.Findings) > 0 {
		f := r.Findings[0]
		s += "|" + f.Directive + "|" + f.Setting
		if len(f.Relaxations) > 0 {
			s += "|" + strings.Join(f.Relaxations[0].Lines, ";")
		}
	}
	sum := sha256.Sum256([]byte(s))
	return signature(sum[:16])
}

// Finish explains the runs still in flight that the kernel refused
// something, and returns the answers, folded across hosts, worst first.
func (t *TriageStream) Finish() *Answers {
	t.auditEvents.Flush(t.addAuditEvent)
	for _, d := range t.due {
		if !d.r.reported {
			t.diagnoseRun(d.key, d.r, false)
		}
	}
	t.due = nil
	for key, r := range t.runs {
		if (r.denied || t.deniedSince(key.host, r)) && !r.reported {
			t.diagnoseRun(key, r, true)
		}
	}
	t.latest = nil
	return foldAnswers(t.answers, t.reports)
}

// Answers are a triage's answers in the order they are printed; each
// report is read back and decoded as it is handed out (All). Close lets
// the held reports go.
type Answers struct {
	rows    []answer
	reports *heldReports
}

// Close lets the reports held for All go.
func (a *Answers) Close() {
	if a.reports != nil {
		a.reports.close()
	}
}

// Len is the number of answers.
func (a *Answers) Len() int { return len(a.rows) }

// Sandbox reports whether any answer blames the sandbox.
func (a *Answers) Sandbox() bool {
	for _, r := range a.rows {
		if r.severity >= severitySandbox {
			return true
		}
	}
	return false
}

// All hands out the reports in order, each naming the hosts its answer
// holds for.
func (a *Answers) All() iter.Seq[*Report] {
	return func(yield func(*Report) bool) {
		for _, row := range a.rows {
			r := &Report{Unit: row.unit, Time: row.time}
			if row.report.n > 0 { // none: not kept (LinesOnly)
				b, err := a.reports.get(row.report)
				if err == nil {
					err = json.Unmarshal(b, r)
				}
				if err != nil {
					r = &Report{Unit: row.unit, Time: row.time, Verdict: VerdictUnknown, Cause: "harden could not read back its answer: " + err.Error()}
				}
			}
			r.Hosts = row.hosts
			if !yield(r) {
				return
			}
		}
	}
}

// foldAnswers folds answers that are the same for the same unit on
// different hosts into the newest of them (which names every host), and
// orders them worst first. They are folded in place (rows is the
// answers' only copy). The newest stands for the others whole, so that
// the line's time, invocation and words are one run's whatever order the
// hosts were read in.
func foldAnswers(rows []answer, reports *heldReports) *Answers {
	at := map[signature]int{}
	out := rows[:0]
	for _, r := range rows {
		i, ok := at[r.sig]
		if !ok {
			at[r.sig] = len(out)
			out = append(out, r)
			continue
		}
		keep, other := out[i], r
		if r.time > keep.time || r.time == keep.time && strings.Join(r.hosts, ",") < strings.Join(keep.hosts, ",") {
			keep, other = r, keep
		}
		for _, h := range other.hosts {
			if !slices.Contains(keep.hosts, h) {
				keep.hosts = append(keep.hosts, h)
			}
		}
		out[i] = keep
	}
	for _, r := range out {
		sort.Strings(r.hosts)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].severity, out[j].severity; a != b {
			return a > b
		}
		if out[i].time != out[j].time {
			return out[i].time > out[j].time
		}
		return out[i].unit < out[j].unit
	})
	return &Answers{rows: out, reports: reports}
}

// severitySandbox and above: the sandbox is blamed.
const severitySandbox = 10

func severity(r *Report) int {
	switch r.Verdict {
	case VerdictSandbox:
		if len(r.Findings) > 0 {
			return severitySandbox + confRank(r.Findings[0].Confidence)
		}
		return severitySandbox
	case VerdictUnknown:
		return 5
	case VerdictNotSandbox:
		return 3
	}
	return 0
}

// WriteTriageText prints one line per report: unit, when, verdict,
// directive, relaxation, hosts.
func WriteTriageText(w io.Writer, reps iter.Seq[*Report], c Colors) error {
	return writeTriageLines(w, func(yield func(string, []string) bool) {
		for r := range reps {
			if !yield(triageLine(r), r.Hosts) {
				return
			}
		}
	})
}

// WriteText prints the answers as WriteTriageText does, from the lines
// kept beside the encoded reports (none is decoded).
func (a *Answers) WriteText(w io.Writer, c Colors) error {
	return writeTriageLines(w, func(yield func(string, []string) bool) {
		for _, r := range a.rows {
			if !yield(r.line, r.hosts) {
				return
			}
		}
	})
}

// triageLine is a report's line but for its hosts: unit, when, verdict,
// directive, relaxation, tab-separated, its text made safe to print.
func triageLine(r *Report) string {
	r = r.Sanitized()
	when := r.Time
	if len(when) >= 19 {
		when = when[:10] + " " + when[11:19]
	}
	dir, relax := "-", "-"
	if len(r.Findings) > 0 {
		dir = r.Findings[0].Setting
		if rx := r.DropIn(); len(rx) > 0 {
			relax = strings.Join(rx, "; ")
		} else if len(r.Findings[0].Withheld) > 0 {
			relax = "(withheld: see harden why)"
		}
	} else if r.Cause != "" {
		relax = clip(r.Cause, 80)
	}
	return strings.Join([]string{r.Unit, when, string(r.Verdict), dir, relax}, "\t")
}

// writeTriageLines aligns the lines and their hosts in columns. The
// columns' widths are known once every line is in (tabwriter holds them
// all until Flush): the lines go to it as they are, and from it straight
// to w, not through another copy of the whole output.
func writeTriageLines(w io.Writer, lines iter.Seq2[string, []string]) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	n := 0
	for line, hosts := range lines {
		n++
		io.WriteString(tw, line)
		if len(hosts) > 0 {
			io.WriteString(tw, "\t")
			io.WriteString(tw, strings.Join(mapStrings(hosts), ","))
		}
		io.WriteString(tw, "\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		bw.WriteString("no unit failed or was refused anything in the window\n")
	}
	return bw.Flush()
}
