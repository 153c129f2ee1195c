package journal

import (
	"strconv"
	"strings"
	"time"
)

// Entry is one journal entry: its fields (binary-safe, as Go strings) and
// the receive-time realtime stamp.
type Entry struct {
	Fields map[string]string
	Time   time.Time
}

// Get returns the value of a field, or "".
func (e *Entry) Get(field string) string { return e.Fields[field] }

// Message is the MESSAGE field.
func (e *Entry) Message() string { return e.Fields["MESSAGE"] }

// PID is the trusted _PID field, 0 when absent.
func (e *Entry) PID() int {
	n, _ := strconv.Atoi(e.Fields["_PID"])
	return n
}

// Provenance says who wrote a journal entry, judged only by the fields
// journald itself fills in (the "trusted" fields starting with '_'), never
// by the text: a compromised service can print anything, including lines
// that look like PID 1's or the kernel's.
type Provenance string

const (
	// FromKernel: the kernel's audit stream or kernel log.
	FromKernel Provenance = "kernel"
	// FromManager: systemd (PID 1) itself.
	FromManager Provenance = "pid1"
	// FromExecutor: the process systemd forked to set up the sandbox before
	// exec (≤v254 a fork of PID 1, v255+ systemd-executor); its _EXE is the
	// systemd binary, which the service cannot fake without becoming it.
	FromExecutor Provenance = "executor"
	// FromService: anything else — the service's own output.
	FromService Provenance = "service"
)

// Provenance classifies the entry. See the type's comment.
func (e *Entry) Provenance() Provenance {
	switch e.Fields["_TRANSPORT"] {
	case "audit", "kernel":
		return FromKernel
	case "journal", "syslog":
		// journald takes _PID from the sender's socket credentials, so only
		// the host's PID 1 can appear as 1.
		if e.Fields["_PID"] == "1" && (e.Fields["_UID"] == "0" || e.Fields["_UID"] == "") {
			return FromManager
		}
		if isSystemdExe(e.Fields["_EXE"]) && (e.Fields["_UID"] == "0" || e.Fields["_UID"] == "") &&
			strings.HasPrefix(e.Fields["_COMM"], "(") {
			return FromExecutor
		}
	}
	return FromService
}

func isSystemdExe(exe string) bool {
	return exe == "/usr/lib/systemd/systemd" || exe == "/lib/systemd/systemd" ||
		strings.HasSuffix(exe, "/systemd/systemd-executor")
}

// Trusted reports whether the entry was written by the kernel or systemd.
func (e *Entry) Trusted() bool { return e.Provenance() != FromService }

// Warning is something a reader could not use, said in words an operator
// can act on.
type Warning struct {
	Source string // file or source name
	Text   string
}

func (w Warning) String() string {
	if w.Source == "" {
		return w.Text
	}
	return w.Source + ": " + w.Text
}

// realtime converts a __REALTIME_TIMESTAMP (µs since the epoch).
func realtime(usec string) time.Time {
	n, err := strconv.ParseInt(usec, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// leanFields are the fields the diagnosis reads; everything else in an
// entry is left behind when entries must be held for a while.
var leanFields = []string{"MESSAGE", "MESSAGE_ID", "PRIORITY", "_PID", "_UID", "_COMM", "_EXE", "_TRANSPORT",
	"_SYSTEMD_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT", "COREDUMP_UNIT", "COREDUMP_PID", "_SYSTEMD_INVOCATION_ID",
	"INVOCATION_ID", "EXIT_CODE", "EXIT_STATUS", "UNIT_RESULT", "COMMAND", "_HOSTNAME", "_MACHINE_ID",
	"_AUDIT_TYPE_NAME", "_AUDIT_TYPE", "_AUDIT_ID", "_SOURCE_REALTIME_TIMESTAMP", "CONFIG_FILE", "CONFIG_LINE",
	"SYSLOG_IDENTIFIER", "_SYSTEMD_CGROUP"}

// Lean returns a copy of the entry with only the fields the diagnosis
// reads.
func (e *Entry) Lean() Entry {
	f := make(map[string]string, 12)
	for _, k := range leanFields {
		if v, ok := e.Fields[k]; ok {
			f[k] = v
		}
	}
	return Entry{Fields: f, Time: e.Time}
}
