package journal

import (
	"iter"
	"strconv"
	"strings"
	"time"
)

// Entry is one journal entry: its fields (binary-safe, as Go strings) and
// the receive-time realtime stamp.
type Entry struct {
	// Fields are the entry's fields, nil when it was read lean (kept).
	Fields map[string]string
	Time   time.Time
	// kept are a lean entry's fields (see Lean and entryReader): triage
	// reads a million entries on a large journal, and a map of each one's
	// dozen fields was half of what it allocated and a third of its
	// reading time; a slice is built in one allocation and looked through
	// as fast.
	kept []keptField
}

type keptField struct{ name, value string }

// Get returns the value of a field, or "" (of a field named twice, the
// last, as in Fields).
func (e *Entry) Get(field string) string {
	if e.Fields != nil {
		return e.Fields[field]
	}
	for i := len(e.kept) - 1; i >= 0; i-- {
		if e.kept[i].name == field {
			return e.kept[i].value
		}
	}
	return ""
}

// All yields each field of the entry once, with its value (as Get gives
// it), in no set order.
func (e *Entry) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		if e.Fields != nil {
			for k, v := range e.Fields {
				if !yield(k, v) {
					return
				}
			}
			return
		}
	next:
		for i, f := range e.kept {
			for _, later := range e.kept[i+1:] {
				if later.name == f.name {
					continue next
				}
			}
			if !yield(f.name, f.value) {
				return
			}
		}
	}
}

// Message is the MESSAGE field.
func (e *Entry) Message() string { return e.Get("MESSAGE") }

// PID is the trusted _PID field, 0 when absent.
func (e *Entry) PID() int {
	n, _ := strconv.Atoi(e.Get("_PID"))
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
	if e.IsKernel() {
		return FromKernel
	}
	switch e.Get("_TRANSPORT") {
	case "journal", "syslog":
		// journald takes _PID from the sender's socket credentials, so only
		// the host's PID 1 can appear as 1.
		if e.Get("_PID") == "1" && (e.Get("_UID") == "0" || e.Get("_UID") == "") {
			return FromManager
		}
		if isSystemdExe(e.Get("_EXE")) && (e.Get("_UID") == "0" || e.Get("_UID") == "") &&
			strings.HasPrefix(e.Get("_COMM"), "(") {
			return FromExecutor
		}
	}
	return FromService
}

// IsKernel reports whether the kernel wrote the entry: a record of the
// audit stream (_TRANSPORT=audit: only the kernel sends those types), or a
// kernel log line of facility 0. journald records every line written to
// /dev/kmsg with _TRANSPORT=kernel, and a root service can write there; but
// the kernel gives a line from userspace facility 1 (LOG_USER) at least,
// never 0 (printk's devkmsg_write), so SYSLOG_FACILITY=0 is what tells the
// kernel's own lines apart. Everything else is the service's text, whatever
// it looks like.
func (e *Entry) IsKernel() bool {
	switch e.Get("_TRANSPORT") {
	case "audit":
		return true
	case "kernel":
		return e.Get("SYSLOG_FACILITY") == "0"
	}
	return false
}

// Unit is the unit the entry belongs to, judged only by trusted fields:
// _SYSTEMD_UNIT (journald takes it from the sender's cgroup); UNIT= on
// lines of PID 1 and its executor (their own about a unit); COREDUMP_UNIT=
// on systemd-coredump's lines. A service's own UNIT= or COREDUMP_UNIT=
// field is text it chose, and names nothing. "" for kernel entries and for
// PID 1's lines about itself.
func (e *Entry) Unit() string {
	u := e.Get("_SYSTEMD_UNIT")
	if strings.HasPrefix(u, "systemd-coredump@") {
		return e.Get("COREDUMP_UNIT")
	}
	if u != "" && u != "init.scope" {
		return u
	}
	if p := e.Provenance(); p == FromManager || p == FromExecutor {
		return e.Get("UNIT")
	}
	return ""
}

// InvocationID is the run the entry belongs to: journald's
// _SYSTEMD_INVOCATION_ID, or INVOCATION_ID= on PID 1's and the executor's
// lines (a service can set that field on its own entries to anything).
func (e *Entry) InvocationID() string {
	if id := e.Get("_SYSTEMD_INVOCATION_ID"); id != "" {
		return id
	}
	if p := e.Provenance(); p == FromManager || p == FromExecutor {
		return e.Get("INVOCATION_ID")
	}
	return ""
}

// Host is the host that wrote the entry: _HOSTNAME, else _MACHINE_ID.
func (e *Entry) Host() string {
	if h := e.Get("_HOSTNAME"); h != "" {
		return h
	}
	return e.Get("_MACHINE_ID")
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
	// Incomplete: part of the source could not be read (a damaged or
	// truncated stream, an unreadable entry), so what was not found in it
	// may still have happened.
	Incomplete bool
}

// Incomplete reports whether any warning says a source was only partly
// read.
func Incomplete(ws []Warning) bool {
	for _, w := range ws {
		if w.Incomplete {
			return true
		}
	}
	return false
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
	"SYSLOG_IDENTIFIER", "_SYSTEMD_CGROUP", "SYSLOG_FACILITY", "_BOOT_ID"}

// Lean returns a copy of the entry with only the fields the diagnosis
// reads, to be held (an entry read lean already is one).
func (e *Entry) Lean() Entry {
	if e.Fields == nil {
		return *e
	}
	kept := make([]keptField, 0, 16)
	for _, k := range leanFields {
		if v, ok := e.Fields[k]; ok {
			kept = append(kept, keptField{k, v})
		}
	}
	return Entry{Time: e.Time, kept: kept}
}
