package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"github.com/elastic/go-libaudit/v2/auparse"
)

// AuditRecord is one audit record (one line of audit.log, or one
// _TRANSPORT=audit journal entry).
type AuditRecord struct {
	Type   string            // SECCOMP, SYSCALL, AVC, …
	Time   time.Time         // from audit(SEC.MSEC:SERIAL)
	Serial uint32            //
	Fields map[string]string // parsed by auparse: syscall and arch names, exit as errno name
	Raw    map[string]string // the fields as written (syscall number, hex arch)
	Text   string            // the record as logged, without the ENRICHED suffix
}

// AuditEvent groups the records of one kernel event (same time and serial).
type AuditEvent struct {
	Time    time.Time
	Serial  uint32
	Records []AuditRecord
	Source  string // "audit.log" or "journal"
	Host    string // _HOSTNAME of the journal entry it came from; "" for audit.log
}

// Record returns the event's first record of a type, or nil.
func (ev *AuditEvent) Record(typ string) *AuditRecord {
	for i := range ev.Records {
		if ev.Records[i].Type == typ {
			return &ev.Records[i]
		}
	}
	return nil
}

// PID of the event's subject process (0 when none of its records has one).
func (ev *AuditEvent) PID() int {
	for _, r := range ev.Records {
		if p, err := strconv.Atoi(r.Raw["pid"]); err == nil && p > 0 {
			return p
		}
	}
	return 0
}

// interestingTypes are the record types that can be evidence of a sandbox
// denial. Other lines are skipped before parsing, at the cost of a prefix
// comparison, which keeps large logs cheap.
var interestingTypes = map[string]bool{
	"SECCOMP": true, "SYSCALL": true, "AVC": true, "USER_AVC": true, "ANOM_ABEND": true,
	"PATH": true, "CWD": true, "SOCKADDR": true, "PROCTITLE": true, "EOE": true,
	"APPARMOR_DENIED": true, "SELINUX_ERR": true,
}

// AuditWindow restricts which events are kept.
type AuditWindow struct {
	Since, Until time.Time
	// PID, when set, is asked about the process of each SYSCALL, SECCOMP,
	// AVC and ANOM_ABEND record, and its line, before the record is
	// parsed; records it refuses are skipped at byte speed. Triage uses it
	// to parse only the denials of units' processes (and the SIGSYS kills
	// at the moment a unit's process was killed by SIGSYS), which on a log
	// with millions of denials of other processes is most of the cost.
	PID func(pid int, line []byte) bool
	// PIDSeen, when set instead of PID, is told each such record's
	// process and time, and nothing is parsed: a scan for the processes
	// denied something and when.
	PIDSeen func(pid int, at time.Time)
}

func (w AuditWindow) contains(t time.Time) bool {
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || !t.After(w.Until))
}

// AuditFiles lists the audit logs to read for a path: a file as it is, or
// for a directory its audit.log and rotations (audit.log.1, .2, …), oldest
// first.
func AuditFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	if _, err := os.ReadDir(path); err != nil {
		return nil, err // unreadable folder: say so, not "no files"
	}
	matches, _ := filepath.Glob(filepath.Join(path, "audit.log*"))
	rot := func(p string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(filepath.Ext(p), "."))
		if err != nil {
			return 0
		}
		return n
	}
	sort.Slice(matches, func(i, j int) bool { return rot(matches[i]) > rot(matches[j]) })
	if len(matches) == 0 {
		return nil, fmt.Errorf("no audit.log files in %s", path)
	}
	return matches, nil
}

// ReadAuditLogs reads audit log files (auditd's RAW or ENRICHED format),
// groups their records into events with go-libaudit's reassembler (records
// of one event may be interleaved with others or out of order), and keeps
// the events inside the window. Unparseable lines are skipped and counted.
func ReadAuditLogs(paths []string, win AuditWindow) ([]AuditEvent, []Warning) {
	var evs []AuditEvent
	warns := ReadAuditLogsFunc(paths, win, func(ev AuditEvent) { evs = append(evs, ev) })
	sortEvents(evs)
	return evs, warns
}

// ReadAuditLogsFunc is ReadAuditLogs handing each event to fn as it is
// completed instead of keeping them, for reads whose size must not depend
// on the number of events.
func ReadAuditLogsFunc(paths []string, win AuditWindow, fn func(AuditEvent)) []Warning {
	var warns []Warning
	col := &collector{sink: func(ev AuditEvent) {
		ev.Source = "audit.log"
		fn(ev)
	}}
	re, _ := libaudit.NewReassembler(4096, 365*24*time.Hour, col)
	for _, p := range paths {
		f, err := openRegular(p)
		if err != nil {
			warns = append(warns, Warning{Source: p, Text: unreadable(err, "the audit log"), Incomplete: true})
			continue
		}
		var r io.Reader = f
		if !win.Since.IsZero() || !win.Until.IsZero() {
			skip, err := seekWindow(f, win)
			if err != nil || skip {
				f.Close()
				continue
			}
			r = f
		}
		bad, first := readAuditStream(r, re, win)
		f.Close()
		if bad > 0 {
			warns = append(warns, Warning{Source: p, Text: fmt.Sprintf("skipped %d line(s) that are not audit records (first at line %d)", bad, first)})
		}
	}
	re.Close()
	return warns
}

// readAuditStream pushes the records worth parsing into the reassembler
// and skips the rest at byte speed: a record is parsed only if it is a
// SECCOMP, AVC, ANOM_ABEND or service record, a failed SYSCALL, or an
// auxiliary record (PATH, CWD, SOCKADDR, PROCTITLE) of a failed SYSCALL's
// event. On real logs most lines are successful SYSCALLs and their
// auxiliaries, and never reach the parser.
func readAuditStream(r io.Reader, re *libaudit.Reassembler, win AuditWindow) (bad, firstBad int) {
	br := bufio.NewReaderSize(r, 256<<10)
	lineNo := 0
	failed := map[uint32]bool{} // serials of failed SYSCALL records seen recently
	var open openEvents
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An absurdly long line: skip the rest of it.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			lineNo++
			bad++
			if firstBad == 0 {
				firstBad = lineNo
			}
			continue
		}
		if len(line) == 0 && err != nil {
			return
		}
		lineNo++
		if !win.Until.IsZero() {
			if t, ok := lineTime(line); ok && t.After(win.Until.Add(auditSlack)) {
				return // logs are in time order (give or take the slack): the rest is later
			}
		}
		typ := recordTypeBytes(line)
		keep := false
		switch {
		case typ == nil:
			if len(bytes.TrimSpace(line)) > 0 {
				bad++
				if firstBad == 0 {
					firstBad = lineNo
				}
			}
		case bytes.Equal(typ, tSYSCALL):
			// success= comes early in a SYSCALL record: look only there.
			head := line
			if len(head) > 200 {
				head = head[:200]
			}
			if bytes.Contains(head, []byte(" success=no ")) && win.wantPID(line) {
				keep = true
				if s, ok := lineSerial(line); ok {
					if len(failed) > 4096 {
						failed = map[uint32]bool{}
					}
					failed[s] = true
				}
			}
		case bytes.Equal(typ, tPATH) || bytes.Equal(typ, tCWD) || bytes.Equal(typ, tSOCKADDR) || bytes.Equal(typ, tPROCTITLE) || bytes.Equal(typ, tEOE):
			if len(failed) > 0 {
				if s, ok := lineSerial(line); ok && failed[s] {
					keep = true
				}
			}
		default:
			keep = interestingTypes[string(typ)]
			if keep && pidTypes[string(typ)] {
				keep = win.wantPID(line)
			}
		}
		if keep {
			s := string(line)
			if i := strings.IndexByte(s, 0x1d); i >= 0 { // ENRICHED: interpreted copies follow 0x1d
				s = s[:i]
			}
			msg, perr := auparse.ParseLogLine(strings.TrimRight(s, "\r\n"))
			if perr != nil {
				bad++
				if firstBad == 0 {
					firstBad = lineNo
				}
			} else if win.contains(msg.Timestamp) {
				re.PushMessage(msg)
				open.pushed(re, msg)
			}
		}
		if err != nil {
			return
		}
	}
}

// pidTypes are the record types whose pid= names the process the record
// is about (SERVICE_* records carry PID 1's, and are always kept).
var pidTypes = map[string]bool{"SECCOMP": true, "AVC": true, "ANOM_ABEND": true, "APPARMOR_DENIED": true}

// wantPID applies the window's PID filter to a raw line; lines without a
// readable pid= are kept, so that the parser sees (and counts) them.
func (w AuditWindow) wantPID(line []byte) bool {
	if w.PID == nil && w.PIDSeen == nil {
		return true
	}
	i := bytes.Index(line, []byte(" pid="))
	if i < 0 {
		return true
	}
	n, k := 0, i+5
	for ; k < len(line) && line[k] >= '0' && line[k] <= '9' && k < i+16; k++ {
		n = n*10 + int(line[k]-'0')
	}
	if k == i+5 {
		return true
	}
	if w.PIDSeen != nil {
		at, _ := lineTime(line)
		w.PIDSeen(n, at)
		return false
	}
	return w.PID(n, line)
}

// openEvents completes events the log will add nothing more to. Records
// such as SECCOMP or AVC have no EOE record, so go-libaudit's reassembler
// would keep each of them until 4096 later events push it out, sorting
// its list on every insert; a log with millions of denials then spends
// most of its time there. Records of one event are written within
// moments of each other, so an event whose stamp is auditSlack older than
// the line being read is complete, and an EOE is pushed for it.
type openEvents struct {
	queue []openEvent
	seen  map[uint32]bool
}

type openEvent struct {
	serial uint32
	sec    int64
}

func (o *openEvents) pushed(re *libaudit.Reassembler, msg *auparse.AuditMessage) {
	if o.seen == nil {
		o.seen = map[uint32]bool{}
	}
	now := msg.Timestamp.Unix()
	for len(o.queue) > 0 && o.queue[0].sec+int64(auditSlack/time.Second) < now {
		s := o.queue[0].serial
		o.queue = o.queue[1:]
		delete(o.seen, s)
		re.PushMessage(&auparse.AuditMessage{RecordType: auparse.AUDIT_EOE, Sequence: s, Timestamp: msg.Timestamp})
	}
	if msg.RecordType == auparse.AUDIT_EOE || o.seen[msg.Sequence] {
		return
	}
	o.seen[msg.Sequence] = true
	o.queue = append(o.queue, openEvent{msg.Sequence, now})
}

var (
	tSYSCALL   = []byte("SYSCALL")
	tPATH      = []byte("PATH")
	tCWD       = []byte("CWD")
	tSOCKADDR  = []byte("SOCKADDR")
	tPROCTITLE = []byte("PROCTITLE")
	tEOE       = []byte("EOE")
)

// recordTypeBytes returns NAME from a line starting "type=NAME ", without
// allocating.
func recordTypeBytes(line []byte) []byte {
	if len(line) < 6 || string(line[:5]) != "type=" {
		return nil
	}
	end := 5
	for end < len(line) && line[end] != ' ' {
		end++
	}
	if end == len(line) || end == 5 {
		return nil
	}
	return line[5:end]
}

// lineSerial reads the serial of "audit(SEC.MSEC:SERIAL)".
func lineSerial(line []byte) (uint32, bool) {
	i := bytes.Index(line, []byte("audit("))
	if i < 0 {
		return 0, false
	}
	rest := line[i+6:]
	c := bytes.IndexByte(rest, ':')
	if c < 0 {
		return 0, false
	}
	var n uint32
	k := c + 1
	for ; k < len(rest) && rest[k] >= '0' && rest[k] <= '9'; k++ {
		n = n*10 + uint32(rest[k]-'0')
	}
	return n, k > c+1
}

type collector struct {
	events []AuditEvent
	sink   func(AuditEvent) // when set, events go here instead
}

func (c *collector) ReassemblyComplete(msgs []*auparse.AuditMessage) {
	if len(msgs) == 0 {
		return
	}
	ev := AuditEvent{Time: msgs[0].Timestamp, Serial: msgs[0].Sequence}
	for _, m := range msgs {
		if m.RecordType == auparse.AUDIT_EOE {
			continue
		}
		ev.Records = append(ev.Records, recordOf(m))
	}
	if len(ev.Records) == 0 {
		return
	}
	if c.sink != nil {
		c.sink(ev)
		return
	}
	c.events = append(c.events, ev)
}

// EventsLost is called for gaps in serial numbers; in files they are
// normal (filtered or rotated logs), so they are not reported.
func (c *collector) EventsLost(int) {}

func recordOf(m *auparse.AuditMessage) AuditRecord {
	rec := rawRecordOf(m)
	if data, err := m.Data(); err == nil {
		rec.Fields = data
	} else {
		// auparse refuses records with an unknown arch; keep the raw fields.
		rec.Fields = rec.Raw
	}
	return rec
}

// rawRecordOf is recordOf without auparse's interpretation of the fields
// (Fields nil), the most of its cost.
func rawRecordOf(m *auparse.AuditMessage) AuditRecord {
	return AuditRecord{Type: m.RecordType.String(), Time: m.Timestamp, Serial: m.Sequence, Text: m.RawData, Raw: rawFields(m.RawData)}
}

// HeldAuditEvent is an audit event as a triage holds it until a run of
// its process is explained: its records' text, parsed again when the
// event is asked for (Event). The load set's 4,000 denials held parsed
// were 10 MB of a 30 MB live heap, for 1 MB of text.
type HeldAuditEvent struct{ ev AuditEvent }

// Hold is ev as it is held: a record that is parsed from its text
// (recordOf) lets go of its fields.
func (ev AuditEvent) Hold() HeldAuditEvent {
	held := ev
	held.Records = make([]AuditRecord, len(ev.Records))
	for i, r := range ev.Records {
		if _, err := auparse.GetAuditMessageType(r.Type); err == nil && r.Text != "" {
			r.Fields, r.Raw = nil, nil
		}
		held.Records[i] = r
	}
	return HeldAuditEvent{held}
}

// Event is the event held, its records parsed again.
func (h HeldAuditEvent) Event() AuditEvent {
	ev := h.ev
	ev.Records = make([]AuditRecord, len(h.ev.Records))
	for i, r := range h.ev.Records {
		if r.Fields == nil {
			typ, _ := auparse.GetAuditMessageType(r.Type)
			if m, err := auparse.Parse(typ, r.Text); err == nil {
				r = recordOf(m)
			}
		}
		ev.Records[i] = r
	}
	return ev
}

func rawFields(text string) map[string]string {
	if i := strings.Index(text, "): "); i >= 0 {
		text = text[i+3:]
	}
	out := map[string]string{}
	forEachField(text, func(k, v string) {
		if _, dup := out[k]; !dup {
			out[k] = v
		}
	})
	return out
}

// forEachField calls fn for each KEY=VALUE of an audit record's text,
// with quotes removed from VALUE: what a regular expression
// `KEY=("…"|'…'|\S+)` would find, without its cost per record.
func forEachField(text string, fn func(k, v string)) {
	isKey := func(c byte) bool {
		return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i := 0; i < len(text); {
		eq := strings.IndexByte(text[i:], '=')
		if eq < 0 {
			return
		}
		eq += i
		ks := eq
		for ks > i && isKey(text[ks-1]) {
			ks--
		}
		vs := eq + 1
		if ks == eq || vs >= len(text) {
			i = eq + 1
			continue
		}
		var v string
		switch q := text[vs]; q {
		case '"', '\'':
			end := strings.IndexByte(text[vs+1:], q)
			if end < 0 {
				// No closing quote: the regular expression would take the
				// unquoted word.
				end = strings.IndexAny(text[vs:], " \t\n\r\f")
				if end < 0 {
					end = len(text) - vs
				}
				v = strings.Trim(text[vs:vs+end], `"'`)
				i = vs + end
			} else {
				v = strings.Trim(text[vs:vs+end+2], `"'`)
				i = vs + end + 2
			}
		default:
			end := strings.IndexAny(text[vs:], " \t\n\r\f")
			if end < 0 {
				end = len(text) - vs
			}
			if end == 0 {
				i = eq + 1
				continue
			}
			v = strings.Trim(text[vs:vs+end], `"'`)
			i = vs + end
		}
		fn(text[ks:eq], v)
	}
}

// AuditFromJournal turns the journal's audit entries (_TRANSPORT=audit,
// and kernel-log lines "audit: type=1326 audit(…): …" written when no
// auditd ran) into events, so a journal alone is enough evidence.
func AuditFromJournal(entries []Entry) []AuditEvent {
	col := &collector{}
	re, _ := libaudit.NewReassembler(4096, 365*24*time.Hour, col)
	hostOf := map[uint32]string{}
	for i := range entries {
		e := &entries[i]
		if id, err := strconv.ParseUint(e.Get("_AUDIT_ID"), 10, 32); err == nil {
			hostOf[uint32(id)] = e.Get("_HOSTNAME")
		}
		if msg, ok := journalAuditMessage(e); ok {
			re.PushMessage(msg)
		}
	}
	re.Close()
	for i := range col.events {
		col.events[i].Source = "journal"
		col.events[i].Host = hostOf[col.events[i].Serial]
	}
	sortEvents(col.events)
	return col.events
}

// journalAuditMessage parses the audit record a journal entry carries:
// a _TRANSPORT=audit entry (journald keeps the type, serial and the
// record's own time in fields, the rest in MESSAGE), or a kernel-log line
// "audit: type=N audit(…): …" written when no auditd ran. Only the record
// types that can be evidence are parsed.
func journalAuditMessage(e *Entry) (*auparse.AuditMessage, bool) {
	var (
		mt   auparse.AuditMessageType
		body string
	)
	if !e.IsKernel() {
		return nil, false // a line written to /dev/kmsg by a process is not an audit record
	}
	switch e.Get("_TRANSPORT") {
	case "audit":
		typ := e.Get("_AUDIT_TYPE_NAME")
		if !interestingTypes[typ] {
			return nil, false
		}
		usec, err := strconv.ParseInt(e.Get("_SOURCE_REALTIME_TIMESTAMP"), 10, 64)
		if err != nil {
			usec = e.Time.UnixMicro()
		}
		if mt, err = auparse.GetAuditMessageType(typ); err != nil {
			n, _ := strconv.Atoi(e.Get("_AUDIT_TYPE"))
			mt = auparse.AuditMessageType(n)
		}
		body = fmt.Sprintf("audit(%d.%03d:%s): ", usec/1e6, (usec%1e6)/1000, e.Get("_AUDIT_ID")) + strings.TrimPrefix(e.Message(), typ+" ")
	case "kernel":
		rest, ok := strings.CutPrefix(e.Message(), "audit: type=")
		if !ok {
			return nil, false
		}
		num, after, ok := strings.Cut(rest, " ")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || !interestingTypes[auparse.AuditMessageType(n).String()] {
			return nil, false
		}
		mt, body = auparse.AuditMessageType(n), after
	default:
		return nil, false
	}
	msg, err := auparse.Parse(mt, body)
	return msg, err == nil
}

// AuditEventFromEntry turns one journal entry's audit record into a
// one-record event, without a reassembler: journald stores each record as
// its own entry.
func AuditEventFromEntry(e *Entry) (AuditEvent, bool) {
	return auditEventFromEntry(e, recordOf)
}

// RawAuditEventFromEntry is AuditEventFromEntry with the fields as written
// only (Raw; Fields is nil): enough to tell a denial and its process, and
// what triage holds (HeldAuditEvent), which parses the record whole when
// a run of its process is explained. Parsing every record of the
// journal's audit stream whole, to drop it at once, was 0.3 s of the load
// set's passes.
func RawAuditEventFromEntry(e *Entry) (AuditEvent, bool) {
	return auditEventFromEntry(e, rawRecordOf)
}

func auditEventFromEntry(e *Entry, record func(*auparse.AuditMessage) AuditRecord) (AuditEvent, bool) {
	msg, ok := journalAuditMessage(e)
	if !ok {
		return AuditEvent{}, false
	}
	return AuditEvent{Time: msg.Timestamp, Serial: msg.Sequence, Records: []AuditRecord{record(msg)}, Source: "journal", Host: e.Get("_HOSTNAME")}, true
}

// AuditGrouper puts the journal's audit records of one event back
// together, their fields read raw (RawAuditEventFromEntry): journald
// writes each record as an entry of its own, a failed call's SYSCALL
// record, then its CWD and PATH records. Held alone, a SYSCALL record
// named no path, and triage took the kernel's record of a failed open of
// one file for proof of a service's claim about another (the real
// blind8-kernel-vs-text capture: a drop-in for the path the kernel
// contradicts). why's reader groups them as auditd does (AuditFromJournal).
type AuditGrouper struct {
	open []AuditEvent // events whose records may still come, oldest first
}

// An event's records are written within moments of each other and next
// to each other: an event is complete when a record auditGroupSlack newer
// comes, or auditGroupOpen other events have begun since.
const (
	auditGroupSlack = 2 * time.Second
	auditGroupOpen  = 64
)

// Add takes the journal's next audit entry (the entries in time order) and
// hands each event it completes to emit.
func (g *AuditGrouper) Add(e *Entry, emit func(AuditEvent)) {
	a, ok := RawAuditEventFromEntry(e)
	if !ok {
		return
	}
	r := a.Records[0]
	for i := len(g.open) - 1; i >= 0; i-- {
		o := &g.open[i]
		if o.Serial != a.Serial || o.Host != a.Host || !o.Time.Equal(a.Time) || r.Raw["pid"] != "" && o.PID() != 0 && a.PID() != o.PID() {
			continue // (a record of one process is not another's, whatever its serial)
		}
		if !slices.ContainsFunc(o.Records, func(h AuditRecord) bool { return h.Type == r.Type && h.Text == r.Text }) {
			o.Records = append(o.Records, r) // (a record read twice, from a file given twice, is one)
		}
		return
	}
	n := 0
	for _, o := range g.open {
		if a.Time.Sub(o.Time) > auditGroupSlack || len(g.open)-n >= auditGroupOpen {
			emit(o)
			n++
			continue
		}
		break
	}
	g.open = append(g.open[n:], a)
}

// Flush hands the events still open to emit.
func (g *AuditGrouper) Flush(emit func(AuditEvent)) {
	for _, o := range g.open {
		emit(o)
	}
	g.open = nil
}

// MergeAudit joins events from audit.log and from the journal, dropping the
// journal's copy of an event audit.log also has (same serial and second).
func MergeAudit(a, b []AuditEvent) []AuditEvent {
	type key struct {
		serial uint32
		sec    int64
	}
	seen := map[key]bool{}
	var out []AuditEvent
	hostOf := map[key]string{}
	for _, ev := range b {
		hostOf[key{ev.Serial, ev.Time.Unix()}] = ev.Host
	}
	for _, ev := range a {
		k := key{ev.Serial, ev.Time.Unix()}
		seen[k] = true
		if ev.Host == "" {
			ev.Host = hostOf[k]
		}
		out = append(out, ev)
	}
	for _, ev := range b {
		if !seen[key{ev.Serial, ev.Time.Unix()}] {
			out = append(out, ev)
		}
	}
	sortEvents(out)
	return out
}

func sortEvents(evs []AuditEvent) {
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].Time.Equal(evs[j].Time) {
			return evs[i].Time.Before(evs[j].Time)
		}
		return evs[i].Serial < evs[j].Serial
	})
}

func unreadable(err error, what string) string {
	if errors.Is(err, os.ErrPermission) {
		return fmt.Sprintf("cannot read %s: permission denied (root, or a group allowed by auditd.conf log_group, can read it)", what)
	}
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("%s does not exist", what)
	}
	return fmt.Sprintf("cannot read %s: %v", what, err)
}

// auditSlack is how far out of time order auditd may write records (the
// kernel stamps them when the event starts, auditd writes them when they
// arrive).
const auditSlack = 5 * time.Second

// lineTime reads the "audit(SEC.MSEC:" stamp of a log line without
// parsing the rest.
func lineTime(line []byte) (time.Time, bool) {
	i := bytes.Index(line, []byte("audit("))
	if i < 0 {
		return time.Time{}, false
	}
	j := i + 6
	var sec int64
	n := 0
	for j < len(line) && line[j] >= '0' && line[j] <= '9' && n < 12 {
		sec = sec*10 + int64(line[j]-'0')
		j++
		n++
	}
	if n == 0 || j >= len(line) || line[j] != '.' {
		return time.Time{}, false
	}
	var ms int64
	for k := 1; k <= 3 && j+k < len(line) && line[j+k] >= '0' && line[j+k] <= '9'; k++ {
		ms = ms*10 + int64(line[j+k]-'0')
		if k == 3 || j+k+1 >= len(line) || line[j+k+1] < '0' || line[j+k+1] > '9' {
			for ; k < 3; k++ {
				ms *= 10
			}
			break
		}
	}
	return time.Unix(sec, ms*int64(time.Millisecond)), true
}

// seekWindow positions f at the first line that can be inside the window,
// by binary search over byte offsets (audit logs are written in time
// order), so a large log costs a few reads plus the window itself. skip
// reports that the whole file lies outside the window.
func seekWindow(f *os.File, win AuditWindow) (skip bool, err error) {
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := st.Size()
	timeAt := func(off int64) (time.Time, int64, bool) {
		// The first complete line at or after off.
		buf := make([]byte, 8192)
		n, _ := f.ReadAt(buf, off)
		buf = buf[:n]
		start := 0
		if off > 0 {
			k := bytes.IndexByte(buf, '\n')
			if k < 0 {
				return time.Time{}, 0, false
			}
			start = k + 1
		}
		for start < len(buf) {
			end := bytes.IndexByte(buf[start:], '\n')
			if end < 0 {
				end = len(buf) - start
			}
			if t, ok := lineTime(buf[start : start+end]); ok {
				return t, off + int64(start), true
			}
			start += end + 1
		}
		return time.Time{}, 0, false
	}
	if first, _, ok := timeAt(0); ok && !win.Until.IsZero() && first.After(win.Until.Add(auditSlack)) {
		return true, nil
	}
	if !win.Since.IsZero() && size > 64<<10 {
		if last, _, ok := timeAt(max(size-8192, 0)); ok && last.Before(win.Since.Add(-auditSlack)) {
			return true, nil
		}
		lo, hi := int64(0), size
		target := win.Since.Add(-auditSlack)
		for hi-lo > 64<<10 {
			mid := lo + (hi-lo)/2
			t, _, ok := timeAt(mid)
			if !ok || t.Before(target) {
				lo = mid
			} else {
				hi = mid
			}
		}
		_, err = f.Seek(lo, io.SeekStart)
		if err == nil && lo > 0 {
			// Drop the partial line the seek landed in.
			var one [1]byte
			for {
				if _, err := f.Read(one[:]); err != nil || one[0] == '\n' {
					break
				}
			}
		}
		return false, err
	}
	return false, nil
}
