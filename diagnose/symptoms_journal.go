package diagnose

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// Symptoms from the journal: the service's own lines, PID 1's and the
// executor's, read into symptoms (the words themselves are parsed in
// symptom.go).

// collectSymptoms reads every symptom of the invocation: the executor's
// setup failure, PID 1's exit status and OOM line, the service's own error
// lines and the kernel's audit records of its processes.
func collectSymptoms(inv *Invocation, ev *journal.Evidence, props map[string]string) (syms []Symptom, folded int, tiedNotes []string) {
	var lastService = map[int][]string{} // recent lines per PID, for multi-line errors
	// opless: per PID, the symptom that named no operation, which the
	// stack frames printed after it may name (Java's "at …Net.bind(…)").
	opless := map[int]*oplessSymptom{}
	// A run can print any number of error lines (a compromised service
	// can print millions): each line is parsed once, the look-back for an
	// operation reuses what earlier lines gave, and at most maxSymptoms
	// distinct symptoms are kept, so the cost stays linear in the lines.
	opOf := map[string]string{}
	parseOp := func(line string) string {
		op, ok := opOf[line]
		if !ok {
			if len(opOf) > 4*maxSymptoms {
				clear(opOf)
			}
			op = ParseOpOfLine(line)
			opOf[line] = op
		}
		return op
	}
	for _, e := range inv.Entries {
		msg := e.Message()
		switch e.Provenance() {
		case journal.FromExecutor:
			if s, ok := parseSetupLine(msg, inv.ExitStatus); ok {
				s.Time, s.PID = e.Time, e.PID()
				s.Quotes = []Quote{journalEvidence(e)}
				syms = append(syms, s)
			}
		case journal.FromManager:
			if reNotifyRefused.MatchString(msg) {
				syms = mergeSymptom(syms, Symptom{Kind: KindNotify, Text: msg, Origin: journal.FromManager, Time: e.Time, Quotes: []Quote{journalEvidence(e)}})
			}
			if e.Get("MESSAGE_ID") == journal.MsgUnitOutOfMemory || e.Get("UNIT_RESULT") == "oom-kill" {
				syms = mergeSymptom(syms, Symptom{Kind: KindOOM, Text: msg, Origin: journal.FromManager, Time: e.Time, Quotes: []Quote{journalEvidence(e)}})
			}
		case journal.FromService:
			pid := e.PID()
			speakers := speakersOf(e, props)
			for _, raw := range strings.Split(msg, "\n") {
				line := withoutSpeaker(raw, speakers)
				if len(syms) >= maxSymptoms {
					// Full: count the error lines, parse no further.
					if name, _, _ := ParseErrnoText(line); name != "" {
						folded++
					}
					lastService[pid] = appendRecent(lastService[pid], line)
					continue
				}
				s, ok := ParseServiceLine(line)
				if !ok {
					lastService[pid] = appendRecent(lastService[pid], line)
					if w := opless[pid]; w != nil && w.frames < 8 && isStackFrame(line) {
						w.frames++
						if op := parseOp(line); op != "" && w.index < len(syms) && syms[w.index].Op == "" {
							syms[w.index].Op = op
							delete(opless, pid)
						}
					}
					continue
				}
				delete(opless, pid)
				for i := len(lastService[pid]) - 1; i >= 0 && (s.Op == "" || s.Family == ""); i-- {
					if s.Op == "" {
						s.Op = parseOp(lastService[pid][i])
					}
					if s.Family == "" && s.Errno == "EAFNOSUPPORT" {
						s.Family = ParseFamily(lastService[pid][i])
					}
				}
				lastService[pid] = appendRecent(lastService[pid], line)
				s.Origin, s.Time, s.PID, s.UID = journal.FromService, e.Time, pid, e.Get("_UID")
				s.Quotes = []Quote{{From: "journal", Origin: string(journal.FromService), Time: stamp(e.Time), Text: raw}}
				n := len(syms)
				syms = mergeSymptom(syms, s)
				if s.Op == "" && len(syms) > n {
					opless[pid] = &oplessSymptom{index: n}
				}
			}
		}
	}
	// The audit trail of the run's processes.
	from, to := inv.Start.Add(-2*time.Second), inv.End.Add(2*time.Second)
	for _, k := range kernelSymptoms(ev.Entries, inv, props, from, to) {
		if len(syms) >= 2*maxSymptoms {
			folded++
			continue
		}
		syms = mergeSymptom(syms, k)
	}
	audit, ties, atDeath := runAuditTied(inv, ev, props)
	tiedNotes = ties
	for _, a := range audit {
		if s, ok := auditSymptom(a); ok && !managerLogOpen(a, &s) {
			s.AtDeath = atDeath != 0 && a.PID() == atDeath
			if len(syms) >= 2*maxSymptoms {
				folded++
				continue
			}
			if s.ParentOnly {
				s = namedChild(s, syms)
			}
			syms = mergeSymptom(syms, s)
		}
	}
	if inv.Result == "timeout" {
		s := Symptom{Kind: KindTimeout, Text: "start timed out", Origin: journal.FromManager, Time: inv.End}
		for _, e := range inv.Entries {
			if e.Provenance() == journal.FromManager && strings.Contains(e.Message(), "timed out") {
				s.Quotes = append(s.Quotes, journalEvidence(e))
			}
		}
		syms = append(syms, s)
	}
	// PID 1's exit status, when nothing more telling was found.
	if inv.ExitLine != nil {
		ex := journalEvidence(inv.ExitLine)
		switch {
		case (inv.ExitCode == "killed" || inv.ExitCode == "dumped") && inv.ExitStatus == 31:
			found := false
			for i := range syms {
				if syms[i].Kind == KindSeccompKill {
					syms[i].Quotes = append(syms[i].Quotes, ex)
					found = true
				}
			}
			if !found {
				syms = append(syms, Symptom{Kind: KindSeccompKill, Text: inv.ExitLine.Message(), Origin: journal.FromManager, Time: inv.ExitLine.Time, Quotes: []Quote{ex}})
			}
		case (inv.ExitCode == "killed" || inv.ExitCode == "dumped") && rules.SignalLimits[inv.ExitStatus] != nil:
			// Folded into the kernel's segfault line of the same death, if any.
			syms = mergeSymptom(syms, Symptom{Kind: KindSignal, Signal: inv.ExitStatus, Text: inv.ExitLine.Message(), Origin: journal.FromManager, Time: inv.ExitLine.Time, Quotes: []Quote{ex}})
		case inv.ExitCode == "exited" && rules.IsSetupStatus(inv.ExitStatus):
			found := false
			for i := range syms {
				if syms[i].Kind == KindSetup {
					syms[i].Quotes = append(syms[i].Quotes, ex)
					found = true
				}
			}
			if !found {
				if s, ok := orphanSetupLine(ev.Entries, inv); ok {
					s.Quotes = append(s.Quotes, ex)
					syms = append(syms, s)
					found = true
				}
			}
			if !found {
				if s, ok := setupFromStatus(inv.ExitStatus); ok {
					s.Text, s.Time, s.Quotes = inv.ExitLine.Message(), inv.ExitLine.Time, []Quote{ex}
					syms = append(syms, s)
				}
			}
		default:
			for i := range syms {
				syms[i].Quotes = append(syms[i].Quotes, ex)
			}
		}
	}
	return syms, folded, tiedNotes
}

func appendRecent(l []string, s string) []string {
	l = append(l, s)
	if len(l) > 8 {
		l = l[len(l)-8:]
	}
	return l
}

// isStackFrame: a line of a stack trace, as Java, Node, Python and Go
// print them ("\tat pkg.Class.method(File.java:1)", "    at fn (file:1:2)",
// "  File \"x.py\", line 1", "\tmain.go:12 +0x1d").
func isStackFrame(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if t == line {
		return false // frames are indented
	}
	return strings.HasPrefix(t, "at ") || strings.HasPrefix(t, "File \"") || strings.Contains(t, ".go:")
}

// mergeSymptom folds a symptom into an earlier one that reports the same
// failure (runtimes print an error over several lines: Node's `code:
// 'EACCES'`, the kernel's SYSCALL record of the program's message), filling
// in what the earlier one lacked; kernel evidence makes it trusted.
func mergeSymptom(syms []Symptom, s Symptom) []Symptom {
	for i := range syms {
		o := &syms[i]
		if o.Kind != s.Kind || o.Errno != s.Errno || o.Signal != s.Signal {
			continue
		}
		samePath := o.Path == s.Path || o.Path == "" || s.Path == "" || within(o.Path, s.Path) || within(s.Path, o.Path)
		if !samePath || s.Time.Sub(o.Time) > 2*time.Second || o.Time.Sub(s.Time) > 2*time.Second {
			continue
		}
		if s.Kind == KindSeccompKill && o.Syscall != s.Syscall && o.Syscall != "" && s.Syscall != "" {
			continue
		}
		if o.Origin == journal.FromKernel && s.Origin == journal.FromKernel && o.PID != s.PID {
			// Two processes' records are two refusals, whatever their
			// errno (lab, 257: systemd-executor's refused open of
			// /dev/console and nginx's worker's refused setuid() 1.8 s
			// later were read as one, and the setuid was lost).
			continue
		}
		if (o.Path == "" || s.Path == "") && !sameOperation(o.Op, s.Op) {
			// Without a path in common, only the operation says they are
			// one refusal: one process is systemd-executor, then the
			// program it executes (lab, 257: the executor's refused open
			// of /dev/console, then mosquitto's refused setuid(), same PID
			// 0.8 s later, read as one, and the setuid was lost).
			continue
		}
		if o.Path == "" || (s.Path != "" && within(s.Path, o.Path) && s.Path != o.Path) {
			o.Path = s.Path
		}
		if o.Mode == "" && o.Path == s.Path {
			o.Mode = s.Mode // the mode is of that path, not of a file below it
		}
		if s.Origin != journal.FromService && s.UID != "" {
			o.UID = s.UID // the kernel's word on who made the call
		} else if o.UID == "" {
			o.UID = s.UID
		}
		if o.Family == "" {
			o.Family = s.Family
		}
		if o.Op == "" {
			o.Op = s.Op
		}
		if o.Port == 0 {
			o.Port, o.Addr = s.Port, s.Addr
		}
		if o.Syscall == "" {
			o.Syscall, o.Arch, o.Code = s.Syscall, s.Arch, s.Code
		}
		if s.Trusted() && !o.Trusted() {
			o.Origin = s.Origin
		}
		for _, e := range s.Quotes {
			if !hasEvidence(o.Quotes, e) {
				o.Quotes = append(o.Quotes, e)
			}
		}
		return syms
	}
	return append(syms, s)
}

// sameOperation: a and b may be one failed operation as two sources name
// it. An operation that needs a capability is only the same as another
// that needs the same one (the service's "setting groups" and the kernel's
// setgroups(), both CAP_SETGID); operations that need none (a service's
// "write", the kernel's openat()) are told apart by their path, not here.
func sameOperation(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	return rules.OpCapability[a] == rules.OpCapability[b]
}

// parseSetupLine matches an executor line against the known setup
// failure messages.
func parseSetupLine(msg string, status int) (Symptom, bool) {
	setupOnce.Do(func() {
		for _, m := range rules.SetupMessages {
			setupRes = append(setupRes, regexp.MustCompile(m.Pattern))
		}
	})
	if i := strings.Index(msg, ": "); i > 0 && strings.Contains(msg[:i], ".") && !strings.Contains(msg[:i], " ") {
		msg = msg[i+2:] // "<unit>: " prefix
	}
	for i, re := range setupRes {
		m := re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		sm := &rules.SetupMessages[i]
		s := Symptom{Kind: KindSetup, Step: sm.Step, Setup: sm, Text: msg, Origin: journal.FromExecutor}
		for gi, name := range re.SubexpNames() {
			switch name {
			case "path":
				s.Path = strings.TrimPrefix(m[gi], rules.UnitRootPrefix)
			case "err":
				s.Errno, _, _ = ParseErrnoText(m[gi])
			}
		}
		if sm.Executable {
			s.Op = "exec"
		}
		return s, true
	}
	return Symptom{}, false
}

func setupFromStatus(status int) (Symptom, bool) {
	st, ok := rules.LookupExitStatus(status)
	if !ok {
		return Symptom{}, false
	}
	for i := range rules.SetupMessages {
		sm := &rules.SetupMessages[i]
		if sm.Step == st.Name && !sm.PathList {
			return Symptom{Kind: KindSetup, Step: st.Name, Setup: sm, Origin: journal.FromManager}, true
		}
	}
	return Symptom{}, false
}

// argvPort is the one port a command line names ("listen 7070",
// "--port=8080", "0.0.0.0:9000"), 0 when it names none or several.
func argvPort(argv string) int {
	if _, p := ParsePort(argv); p > 0 {
		return p
	}
	port := 0
	for _, w := range strings.Fields(argv) {
		if _, v, ok := strings.Cut(w, "="); ok {
			w = v
		}
		if n, err := strconv.Atoi(w); err == nil && n > 0 && n < 65536 {
			if port != 0 {
				return 0
			}
			port = n
		}
	}
	return port
}

func isNetworkErrno(errno, op string) bool {
	switch errno {
	case "ETIMEDOUT", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH":
		return true
	case "EPERM":
		return op == "sendto" || op == "connect"
	}
	return false
}

// execField reads one field of ExecStart= as systemctl show prints it:
// "{ path=/usr/bin/x ; argv[]=/usr/bin/x -a ; … }".
func execField(props map[string]string, field string) string {
	v := props["ExecStart"]
	i := strings.Index(v, field+"=")
	if i < 0 {
		return ""
	}
	rest := v[i+len(field)+1:]
	if j := strings.Index(rest, " ;"); j >= 0 {
		return rest[:j]
	}
	return ""
}

// speakersOf are the names a line of e's output may start with to say who
// speaks (error(3) and perror style: "PROGRAM: OBJECT: strerror"): the
// process's executable, and the unit's ExecStart= program and argv[0].
// The speaker is never the object of the failure.
func speakersOf(e *journal.Entry, props map[string]string) []string {
	var out []string
	for _, p := range []string{e.Get("_EXE"), execPath(props), strings.SplitN(execArgv(props), " ", 2)[0]} {
		if strings.HasPrefix(p, "/") {
			out = append(out, p)
		}
	}
	return out
}

// withoutSpeaker drops a leading "SPEAKER: " from a line when SPEAKER is
// one of the process's own program paths, so that its path is not taken
// for the file that failed ("/usr/sbin/logrotate: error: creating state
// file /var/lib/logrotate/status: Read-only file system").
func withoutSpeaker(line string, speakers []string) string {
	for _, sp := range speakers {
		if rest, ok := strings.CutPrefix(line, sp+": "); ok {
			return rest
		}
	}
	return line
}

// execArgv is ExecStart='s command line; execPath its program.
func execArgv(props map[string]string) string { return execField(props, "argv[]") }

func execPath(props map[string]string) string { return execField(props, "path") }

// argvValues are the arguments a command line gives its program, each
// unquoted and, for an option with a value (--db=/x, bs=1M), the value: the
// words the paths, addresses and sizes it names are looked for in.
func argvValues(argv string) []string {
	var out []string
	for i, f := range strings.Fields(argv) {
		if i == 0 {
			continue // the program itself
		}
		f = strings.Trim(f, `"'`)
		if _, v, ok := strings.Cut(f, "="); ok && !strings.HasPrefix(f, "/") {
			f = strings.Trim(v, `"'`)
		}
		out = append(out, f)
	}
	return out
}

// ExecPath is the program ExecStart= runs, from the unit's properties
// (systemctl show); "" when it sets none.
func ExecPath(props map[string]string) string { return execPath(props) }

// orphanSetupLine finds the executor's reason for a setup failure when
// journald could not attach the usual metadata: the pre-exec fork logs
// and dies at once, before journald reads its /proc entry, so the line
// has no _EXE and no _SYSTEMD_UNIT (lab: statedirectory-file). What is
// left is trusted by the kernel — _UID=0 and _PID from the socket's
// credentials — plus systemd's "(program)" identifier and the "UNIT: "
// prefix. It is only looked for when PID 1 itself reported a setup exit
// status, which the line then explains; it never makes a verdict alone.
func orphanSetupLine(entries []journal.Entry, inv *Invocation) (Symptom, bool) {
	unit := invUnit(inv)
	from, to := inv.Start.Add(-time.Second), inv.End.Add(time.Second)
	for i := range entries {
		e := &entries[i]
		id := e.Get("SYSLOG_IDENTIFIER")
		if e.Get("_UID") != "0" || e.Get("_EXE") != "" || e.Get("_TRANSPORT") != "journal" || e.PID() <= 1 ||
			!strings.HasPrefix(id, "(") || !strings.HasSuffix(id, ")") || e.Time.Before(from) || e.Time.After(to) {
			continue
		}
		msg := e.Message()
		if !strings.HasPrefix(msg, unit+": ") {
			continue
		}
		if s, ok := parseSetupLine(msg, inv.ExitStatus); ok {
			s.Time, s.PID = e.Time, e.PID()
			s.Quotes = []Quote{journalEvidence(e)}
			return s, true
		}
	}
	return Symptom{}, false
}

// contradictions finds the service's claims the kernel contradicts: when
// the audit trail of the run records a failed call with some errno (an
// audit rule was watching for it) on one path, a service line claiming
// the same errno on another path that the kernel did not record is not
// believed. Keyed by index in syms, with the reason.
func contradictions(syms []Symptom, inv *Invocation) map[int]string {
	seen := map[string]string{} // errno -> a path the kernel recorded it on
	for _, s := range syms {
		if s.Kind == KindErrno && s.Path != "" && s.Trusted() && hasAuditEvidence(s) {
			seen[s.Errno] = s.Path
		}
	}
	out := map[int]string{}
	for i, s := range syms {
		if s.Kind != KindErrno || s.Path == "" || s.Trusted() {
			continue
		}
		if p, ok := seen[s.Errno]; ok && p != s.Path {
			out[i] = fmt.Sprintf("the kernel's audit trail of the run records %s on %s, and nothing on %s: the service's own line is not borne out", s.Errno, p, s.Path)
		}
	}
	// A kill of the whole process by SIGSYS cannot be how a main process
	// ended that PID 1 says exited with a status.
	if main := mainPID(inv); main > 0 && inv.ExitCode == "exited" {
		for i, s := range syms {
			if s.Kind == KindSeccompKill && s.PID == main && s.Code == "0x80000000" {
				out[i] = fmt.Sprintf("PID 1 says the main process (PID %d) exited with status %d, which a kill by SIGSYS of that process cannot give", main, inv.ExitStatus)
			}
		}
	}
	return out
}

// mainPID is the PID the run started with: that of its earliest entry from
// the executor or the service (the executor execs into the main process).
func mainPID(inv *Invocation) int {
	for _, e := range inv.Entries {
		if p := e.Provenance(); (p == journal.FromExecutor || p == journal.FromService) && e.PID() > 1 {
			return e.PID()
		}
	}
	return 0
}

func hasAuditEvidence(s Symptom) bool {
	for _, e := range s.Quotes {
		if e.Origin == string(journal.FromKernel) && strings.Contains(e.Text, "SYSCALL") {
			return true
		}
	}
	return false
}

// maxSymptoms bounds the distinct symptoms kept of one run's service
// output (as many again of kernel and audit records): the first ones say
// what was refused; the rest are counted in a note.
const maxSymptoms = 64

type oplessSymptom struct{ index, frames int }

var (
	setupOnce sync.Once
	setupRes  []*regexp.Regexp
)

var (
	// PID 1 refusing sd_notify: "Got notification message from PID 400, but
	// reception only permitted for main PID 393" (lab: notifyaccess-child),
	// or "… but reception is disabled" (NotifyAccess=none).
	reNotifyRefused = regexp.MustCompile(`Got notification message from PID \d+, but reception (?:only permitted for main PID|is disabled|only permitted for)`)
)

// namedChild completes a kernel record that names only the folder a
// mkdir or create worked in: the service's own line, in the same moment,
// often names the path itself, under that folder (Node's recursive
// mkdirSync reported ENOENT for /var/lib/render-cache where the kernel
// refused the mkdir in /var/lib with EROFS; lab: tune-node-stack).
func namedChild(k Symptom, syms []Symptom) Symptom {
	for _, s := range syms {
		if s.Origin == journal.FromService && s.Path != "" && path.Dir(s.Path) == k.Path &&
			absDuration(s.Time.Sub(k.Time)) <= 2*time.Second {
			k.Path, k.Mode, k.ParentOnly = s.Path, "", false
			return k
		}
	}
	return k
}
