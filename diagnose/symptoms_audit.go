package diagnose

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// Symptoms from the kernel: audit records (SECCOMP, SYSCALL+PATH, AVC) and
// kernel lines of the run's processes, which the service cannot forge.

func auditExe(a *journal.AuditEvent) string {
	for _, r := range a.Records {
		if e := r.Raw["exe"]; e != "" {
			return e
		}
	}
	return ""
}

// managerLogOpen: the refusal is systemd's own code, in the unit's process
// before its exec, failing to open a device it logs to, write-only (see
// rules.ManagerLogDevices): systemd goes on without it.
func managerLogOpen(a *journal.AuditEvent, s *Symptom) bool {
	return s.Kind == KindErrno && s.Access == "w" && rules.ManagerLogDevices[s.Path] &&
		rules.ManagerExecutables[strings.Trim(auditExe(a), `"`)]
}

// kernelSymptoms reads the kernel log lines (_TRANSPORT=kernel) of the
// window that concern the unit: the pids controller refusing a fork in its
// cgroup, the OOM killer killing one of its processes.
func kernelSymptoms(entries []journal.Entry, inv *Invocation, props map[string]string, from, to time.Time) []Symptom {
	cg := props["ControlGroup"]
	var out []Symptom
	for i := range entries {
		e := &entries[i]
		if e.Get("_TRANSPORT") != "kernel" || !e.IsKernel() || e.Time.Before(from) || e.Time.After(to) {
			continue
		}
		msg := e.Message()
		if !kernelWords(msg) {
			continue
		}
		if m := rePidsRejected.FindStringSubmatch(msg); m != nil && (m[1] == cg || strings.HasSuffix(m[1], "/"+invUnit(inv))) {
			out = append(out, Symptom{Kind: KindErrno, Errno: "EAGAIN", Op: "fork", Text: msg, Origin: journal.FromKernel, Time: e.Time,
				Quotes: []Quote{journalEvidence(e)}})
		}
		if m := reSegfault.FindStringSubmatch(msg); m != nil {
			// The run's PIDs come from its output; a program that died
			// before printing anything is known by its name (the kernel's
			// comm, 15 bytes of the executable's name).
			pid, _ := strconv.Atoi(m[2])
			if inv.PIDs[pid] || len(inv.PIDs) == 0 && m[1] != "" && m[1] == commOf(execPath(props)) {
				s := Symptom{Kind: KindSignal, Signal: 11, Op: "segfault", Text: msg, Origin: journal.FromKernel, Time: e.Time, PID: pid, Quotes: []Quote{journalEvidence(e)}}
				at, err1 := strconv.ParseUint(m[3], 16, 64)
				sp, err2 := strconv.ParseUint(m[4], 16, 64)
				if err1 == nil && err2 == nil && (at > sp && at-sp < 1<<16 || sp >= at && sp-at < 1<<16) {
					s.Op = "stack-overflow"
				}
				out = append(out, s)
			}
		}
		if m := reOOMKilled.FindStringSubmatch(msg); m != nil {
			if pid, _ := strconv.Atoi(m[1]); inv.PIDs[pid] {
				out = append(out, Symptom{Kind: KindOOM, Text: msg, Origin: journal.FromKernel, Time: e.Time, Quotes: []Quote{journalEvidence(e)}})
			}
		}
	}
	return out
}

// kernelWords says whether msg holds the words one of kernelSymptoms'
// patterns needs: a run's window holds the kernel's lines of every other
// unit too, and the load set's 109,000 runs spent half a second in these
// expressions (TestKernelWordsKeepEveryMatch).
func kernelWords(msg string) bool {
	return strings.Contains(msg, "pids controller") || strings.Contains(msg, ": segfault at ") || strings.Contains(msg, ": Killed process ")
}

// commOf is the name the kernel gives a process running path.
func commOf(path string) string {
	b := path[strings.LastIndexByte(path, '/')+1:]
	if len(b) > 15 {
		b = b[:15]
	}
	return b
}

// runAudit is the audit trail of the run's processes: events of its PIDs
// (or, when no PID is known, of its executable) within its time.
func runAudit(inv *Invocation, ev *journal.Evidence, props map[string]string) []*journal.AuditEvent {
	evs, _, _ := runAuditTied(inv, ev, props)
	return evs
}

// runAuditTied is runAudit with, for each event not tied by a PID the
// journal gave the run, how it was tied instead. A process killed at its
// first refused call often wrote nothing, so no journal line gives its
// PID; and ExecStart= may name a link (/sbin/modprobe → /usr/bin/kmod),
// so the record's exe is not the unit's program. Such a record still
// belongs to the run when its command name is the program's and its time
// is the run's, or when it is the SIGSYS kill PID 1 reports at the same
// moment.
// atDeath is the process tied by the moment alone, if any.
func runAuditTied(inv *Invocation, ev *journal.Evidence, props map[string]string) (evs []*journal.AuditEvent, ties []string, atDeathPID int) {
	from, to := inv.Start.Add(-2*time.Second), inv.End.Add(2*time.Second)
	running := inv.ExitLine == nil && !inv.Failed
	if running {
		// A run still going (a live check's window, harden tune and
		// tighten): what its processes were refused after its last journal
		// line is still its own (lab: redis, logging to a file, refused
		// its save long after it started).
		to = time.Time{}
		for i := range ev.Audit {
			if ev.Audit[i].Time.After(to) {
				to = ev.Audit[i].Time
			}
		}
	}
	mainPID := 0
	if running {
		mainPID, _ = strconv.Atoi(props["MainPID"]) // live: the process now
	}
	exe := execPath(props)
	comm := ""
	if exe != "" {
		comm = commOf(exe)
	}
	killedBySys := (inv.ExitCode == "killed" || inv.ExitCode == "dumped") && inv.ExitStatus == 31
	unit := invUnit(inv)
	var out []*journal.AuditEvent
	// The SIGSYS kills of processes no journal line places, at the moment
	// PID 1 reports this run's, of a call the unit's filter refuses (or
	// through an ABI it refuses): one of them is this run's; two or more
	// processes' are no answer (a host where something is refused in a
	// loop), and the first of them named a call this run never made. A
	// kill of a call the unit's filter allows is another process's: on the
	// dense bench log, one such at the moment had brk, which
	// @system-service allows, named as the call to allow.
	var atDeath []*journal.AuditEvent
	deathPIDs := map[int]bool{}
	filter := syscallFilterOf(props)
	refused := func(a *journal.AuditEvent) bool {
		r := a.Record("SECCOMP")
		return filter.Denies(syscallName(r)) || props["SystemCallArchitectures"] != "" && !archAllowed(&Sandbox{Props: props}, r.Fields["arch"])
	}
	for i := range ev.Audit {
		a := &ev.Audit[i]
		if a.Time.Before(from) || a.Time.After(to) {
			continue
		}
		switch {
		case inv.PIDs[a.PID()]:
		case mainPID > 1 && a.PID() == mainPID:
		case len(inv.PIDs) == 0 && exe != "" && auditExe(a) == exe:
		case len(inv.PIDs) == 0 && comm != "" && auditComm(a) == comm && !pidElsewhere(ev, a.PID(), unit) && !ofALogin(a, props):
			if n := fmt.Sprintf("the audit records of PID %d were tied to this run by its command name (%s, the program of ExecStart=, run as %s) and their time: the process wrote nothing to the journal", a.PID(), comm, orDefault(auditExe(a), "?")); !slices.Contains(ties, n) {
				ties = append(ties, n) // (once for all the process's records)
			}
		case killedBySys && isSigsysKill(a) && inv.ExitLine != nil && absDuration(a.Time.Sub(inv.ExitLine.Time)) <= journal.DeathSlack && !pidElsewhere(ev, a.PID(), unit) && !ofALogin(a, props) && (len(props) == 0 || refused(a)):
			atDeath = append(atDeath, a)
			deathPIDs[a.PID()] = true
			continue
		default:
			continue
		}
		out = append(out, a)
	}
	if slices.ContainsFunc(out, isSigsysKill) {
		// The run's own process's kill is known: the others' at the moment
		// are no candidates (triage does not read them either).
		atDeath, deathPIDs = nil, nil
	}
	switch {
	case len(deathPIDs) == 1 && len(props) == 0:
		// Without the unit's configuration the call cannot be checked
		// against its filter: a candidate, not an answer.
		r := atDeath[0].Record("SECCOMP")
		ties = append(ties, fmt.Sprintf("PID %d, which no journal line places, was killed by SIGSYS for calling %s within 2 s of this run's death: it may be this run's process, but without the unit's configuration harden cannot tell whether its filter refuses that call (collect the unit's configuration: harden collect, or --unit-dir)", atDeath[0].PID(), syscallName(r)))
	case len(deathPIDs) == 1:
		ties = append(ties, fmt.Sprintf("the SECCOMP record of PID %d was tied to this run by PID 1's report of a SIGSYS death at the same moment", atDeath[0].PID()))
		out = append(out, atDeath...)
		slices.SortStableFunc(out, func(a, b *journal.AuditEvent) int { return a.Time.Compare(b.Time) })
		atDeathPID = atDeath[0].PID()
	case len(deathPIDs) > 1:
		ties = append(ties, fmt.Sprintf("%d processes no journal line places were killed by SIGSYS within 2 s of this run's death (PIDs %s): none is tied to it by the moment alone", len(deathPIDs), pidList(deathPIDs, 5)))
	}
	return out, ties, atDeathPID
}

// pidList is up to max of pids, in order, and how many more.
func pidList(pids map[int]bool, max int) string {
	list := slices.Sorted(maps.Keys(pids))
	var s []string
	for _, p := range list[:min(max, len(list))] {
		s = append(s, strconv.Itoa(p))
	}
	if len(list) > max {
		s = append(s, fmt.Sprintf("and %d more", len(list)-max))
	}
	return strings.Join(s, ", ")
}

// ofALogin: the record's process belongs to a login (its audit login UID
// is set), so it is not a process of a system service, unless the unit
// opens a PAM session itself (PAMName=, which sets it): PID 1's children
// inherit its unset login UID. A user's python3 in a shell is not the
// python3 service that wrote nothing, whatever its name and time.
func ofALogin(a *journal.AuditEvent, props map[string]string) bool {
	if props["PAMName"] != "" {
		return false
	}
	for _, r := range a.Records {
		if auid := r.Raw["auid"]; auid != "" {
			return auid != "4294967295" && auid != "-1" && auid != "unset"
		}
	}
	return false
}

func auditComm(a *journal.AuditEvent) string {
	for _, r := range a.Records {
		if c := r.Raw["comm"]; c != "" {
			return strings.Trim(c, `"`)
		}
	}
	return ""
}

func isSigsysKill(a *journal.AuditEvent) bool {
	r := a.Record("SECCOMP")
	return r != nil && r.Raw["sig"] == "31"
}

// pidElsewhere: a journal line of a unit other than unit names the PID.
func pidElsewhere(ev *journal.Evidence, pid int, unit string) bool {
	for i := range ev.Entries {
		e := &ev.Entries[i]
		if e.PID() != pid {
			continue
		}
		if u := e.Unit(); u != "" && u != unit {
			return true
		}
	}
	return false
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// auditSymptom turns a kernel audit event into a symptom.
func auditSymptom(a *journal.AuditEvent) (Symptom, bool) {
	text := ""
	if len(a.Records) > 0 {
		text = a.Records[0].Type + " " + a.Records[0].Text
	}
	ev := Quote{From: "audit", Origin: string(journal.FromKernel), Time: stamp(a.Time), Text: text}
	if a.Source == "journal" {
		ev.From = "journal"
	}
	base := Symptom{Origin: journal.FromKernel, Time: a.Time, PID: a.PID(), Text: text, Quotes: []Quote{ev}}
	if r := a.Record("SECCOMP"); r != nil {
		code := r.Raw["code"]
		base.Syscall, base.Arch, base.Code = syscallName(r), r.Fields["arch"], code
		switch {
		case code == "0x80000000" || code == "0x0" || code == "0x00000000":
			base.Kind = KindSeccompKill
			return base, true
		case strings.HasPrefix(code, "0x5"):
			n, err := strconv.ParseInt(strings.TrimPrefix(code, "0x"), 16, 64)
			if err == nil {
				base.Kind, base.Errno, base.Op = KindErrno, errnoNameOf(int(n&0xffff)), base.Syscall
				return base, true
			}
		}
		return Symptom{}, false // SystemCallLog= records: the call was allowed
	}
	if r := a.Record("AVC"); r != nil && (r.Raw["apparmor"] == "DENIED" || strings.Contains(r.Text, "denied")) {
		base.Kind = KindLSM
		base.Text = describeLSM(r)
		base.Path = orDefault(r.Raw["name"], r.Raw["path"])
		return base, true
	}
	if r := a.Record("SYSCALL"); r != nil && r.Raw["success"] == "no" {
		errno := r.Fields["exit"]
		if !strings.HasPrefix(errno, "E") {
			return Symptom{}, false
		}
		base.Kind, base.Errno, base.Op = KindErrno, errno, r.Fields["syscall"]
		base.UID = r.Raw["uid"]
		base.NoSetID = noSetID(r)
		base.Access = openAccess(r)
		parent, parentMode := "", ""
		for _, rec := range a.Records {
			if rec.Type != "PATH" || rec.Fields["name"] == "" {
				continue
			}
			if rec.Raw["nametype"] == "PARENT" {
				parent = strings.TrimSuffix(rec.Fields["name"], "/")
				if mode := rec.Raw["mode"]; mode != "" {
					parentMode = fmt.Sprintf("mode %s, owner uid %s gid %s", mode, rec.Raw["ouid"], rec.Raw["ogid"])
				}
				continue
			}
			base.Path = rec.Fields["name"]
			if mode := rec.Raw["mode"]; mode != "" {
				base.Mode = fmt.Sprintf("mode %s, owner uid %s gid %s", strings.TrimPrefix(mode, "0100"), rec.Raw["ouid"], rec.Raw["ogid"])
			}
		}
		if base.Path == "" {
			// Only the folder the call worked in is named (a file being
			// created): its mode says it is a folder, so a relaxation
			// opens it, not its parent (lab: redis's log under
			// /var/log/redis, tune-redis-strict).
			base.Path, base.Mode, base.ParentOnly = parent, parentMode, true
		}
		if base.Path != "" && !strings.HasPrefix(base.Path, "/") {
			if cwd := a.Record("CWD"); cwd != nil {
				base.Path = filepath.Join(cwd.Fields["cwd"], base.Path)
			}
		}
		switch base.Op {
		case "openat", "open", "creat", "openat2":
			base.Op = "open"
		}
		return base, true
	}
	return Symptom{}, false
}

// openAccess reads an open's flags in the kernel's record: "r", "w" or
// "rw" ("" when the call is not an open or its flags are unreadable).
func openAccess(r *journal.AuditRecord) string {
	args, ok := rules.SetIDArgs[r.Fields["syscall"]]
	if !ok || args[0] < 0 {
		if r.Fields["syscall"] == "creat" {
			return "w"
		}
		return ""
	}
	flags, err := strconv.ParseUint(r.Raw[fmt.Sprintf("a%d", args[0])], 16, 64)
	if err != nil {
		return ""
	}
	switch flags & 3 { // O_ACCMODE
	case 0:
		return "r"
	case 1:
		return "w"
	}
	return "rw"
}

// noSetID reads a failed SYSCALL record's arguments: true when they show
// the call neither creates a file with a setuid or setgid mode nor sets
// one (an open() without O_CREAT, a chmod() to 0644), so that
// RestrictSUIDSGID='s rule cannot have refused it. False when unknown.
func noSetID(r *journal.AuditRecord) bool {
	args, ok := rules.SetIDArgs[r.Fields["syscall"]]
	if !ok {
		return false
	}
	arg := func(i int) (uint64, bool) {
		n, err := strconv.ParseUint(r.Raw[fmt.Sprintf("a%d", i)], 16, 64)
		return n, err == nil
	}
	const oCreat, setID = 0o100, 0o6000
	if args[0] >= 0 {
		flags, ok := arg(args[0])
		if !ok {
			return false
		}
		if flags&oCreat == 0 {
			return true
		}
	}
	mode, ok := arg(args[1])
	return ok && mode&setID == 0
}

// syscallName names the syscall of a SECCOMP record, or says it is unknown
// (auparse leaves the number when its table for that arch lacks it).
func syscallName(r *journal.AuditRecord) string {
	name := r.Fields["syscall"]
	if _, err := strconv.Atoi(name); err == nil || name == "" {
		return fmt.Sprintf("unknown(%s)", r.Raw["syscall"])
	}
	return name
}

// describeLSM puts an AVC record in words, with the tool that explains or
// adjusts the policy.
func describeLSM(r *journal.AuditRecord) string {
	f := r.Raw
	if f["apparmor"] != "" {
		return fmt.Sprintf("AppArmor profile %s denied %s of %s (requested %q); adjust the profile with aa-logprof, or see `aa-status`", f["profile"], f["operation"], orDefault(f["name"], "?"), f["requested_mask"])
	}
	perm := ""
	if m := reAVCPerm.FindStringSubmatch(r.Text); m != nil {
		perm = " { " + m[1] + " }"
	}
	return fmt.Sprintf("SELinux denied%s on %s (source context %s, target context %s, class %s); `audit2why` explains it and `audit2allow` drafts a policy module", perm, orDefault(f["name"], orDefault(f["path"], "an access")), f["scontext"], f["tcontext"], f["tclass"])
}

// Kernel lines: the pids controller refusing a fork, a segfault, the OOM
// killer; and the permission an AVC denial names.
var (
	rePidsRejected = regexp.MustCompile(`fork rejected by pids controller in (\S+)`)
	reAVCPerm      = regexp.MustCompile(`denied\s+\{ ([^}]+) \}`)
	// "capp[1069]: segfault at 7ffe3a65c580 ip 0000562ecc81d887 sp 00007ffe3a65c580 error 6 in …"
	reSegfault  = regexp.MustCompile(`(?:^|\s)(\S{1,15})\[(\d+)\]: segfault at ([0-9a-f]+) ip [0-9a-f]+ sp ([0-9a-f]+)`)
	reOOMKilled = regexp.MustCompile(`(?:Memory cgroup out of memory|Out of memory): Killed process (\d+)`)
)
