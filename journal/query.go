package journal

import "time"

// Query selects the journal entries that can matter for one unit: its own
// output, PID 1's and the executor's lines about it (UNIT=), coredumps of
// it, and every kernel and audit entry (correlated later by PID and time).
type Query struct {
	Unit       string    // full unit name, e.g. "web.service"; "" = every unit
	Since      time.Time // zero = unbounded
	Until      time.Time // zero = unbounded
	Invocation string    // restrict the unit's own entries to this invocation
	Hosts      []string  // _HOSTNAME or _MACHINE_ID values; empty = all
}

// Matches reports whether an entry can belong to the query. Kernel and
// audit entries always match inside the time window: they carry no unit.
func (q *Query) Matches(e *Entry) bool {
	if !e.Time.IsZero() {
		if !q.Since.IsZero() && e.Time.Before(q.Since) {
			return false
		}
		if !q.Until.IsZero() && e.Time.After(q.Until) {
			return false
		}
	}
	if len(q.Hosts) > 0 && !q.hostMatches(e) {
		return false
	}
	if e.IsKernel() {
		return true
	}
	if q.Unit == "" {
		return true
	}
	// A superset on purpose: UNIT= of any sender, so that lines whose
	// provenance is judged later (the executor's, which journald could not
	// always attach to the unit) are read. Runs are chosen from trusted
	// fields only (Entry.Unit, Entry.InvocationID).
	if e.Get("_SYSTEMD_UNIT") == q.Unit || e.Get("UNIT") == q.Unit ||
		e.Get("COREDUMP_UNIT") == q.Unit || e.Get("OBJECT_SYSTEMD_UNIT") == q.Unit {
		if q.Invocation != "" {
			inv := e.Get("_SYSTEMD_INVOCATION_ID")
			if inv == "" {
				inv = e.Get("INVOCATION_ID")
			}
			return inv == "" || inv == q.Invocation
		}
		return true
	}
	return false
}

func (q *Query) hostMatches(e *Entry) bool {
	for _, h := range q.Hosts {
		if e.Get("_HOSTNAME") == h || e.Get("_MACHINE_ID") == h {
			return true
		}
	}
	return false
}

// MESSAGE_IDs of PID 1's structured messages (sd-messages.h, identical
// v245…v262) that frame an invocation.
const (
	MsgUnitStarting      = "7d4958e842da4a758f6c1cdc7b36dcc5"
	MsgUnitProcessExit   = "98e322203f7a4ed290d09fe03c09fe15"
	MsgUnitFailureResult = "d9b373ed55a64feb8242e02dbe79a49c"
	MsgUnitFailed        = "be02cf6855d2428ba40df7e9d022f03d"
	MsgSpawnFailed       = "641257651c1b4ec9a8624d7a40a9e1e7"
	MsgUnitOutOfMemory   = "fe6faa94e7774663a0da52717891d8ef"
	MsgCoredump          = "fc2e22bc6ee647b6b90729ab34a250b1"
)

// MsgUnitConfigWarning is PID 1's MESSAGE_ID for problems in a unit's files
// ("Unknown key", "Failed to parse …, ignoring"): logged when the unit is
// loaded (at boot, at each daemon-reload), outside any run, with UNIT= and
// no INVOCATION_ID. A setting it names is not in force in the runs of that
// boot.
const MsgUnitConfigWarning = "c772d24e9a884cbeb9ea12625c306c01"

// ConfigWarnings holds PID 1's complaints about units' files
// (MsgUnitConfigWarning) by host, unit and boot, each message once, at its
// first time, for the runs of that boot (triage reads each run apart from
// them; why reads them with the run).
type ConfigWarnings map[[3]string][]Entry

// maxConfigWarnings bounds the complaints held of one unit in one boot: a
// unit file with a hundred bad lines is said to be so by the first.
const maxConfigWarnings = 16

// Hold holds e if it is such a complaint, and says so.
func (c ConfigWarnings) Hold(e *Entry) bool {
	u := e.Get("UNIT")
	if u == "" || e.InvocationID() != "" || !IsManagerLine(e, u, MsgUnitConfigWarning) {
		return false
	}
	k := [3]string{e.Host(), u, e.Get("_BOOT_ID")}
	held := c[k]
	for i, h := range held {
		if h.Message() == e.Message() {
			if e.Time.Before(h.Time) {
				held[i] = e.Lean()
			}
			return true
		}
	}
	if len(held) < maxConfigWarnings {
		c[k] = append(held, e.Lean())
	}
	return true
}

// Of are those held of unit on host in boot.
func (c ConfigWarnings) Of(host, unit, boot string) []Entry { return c[[3]string{host, unit, boot}] }

// IsManagerLine reports whether e is PID 1's (or its executor's) message
// about unit with the given MESSAGE_ID ("" = any).
func IsManagerLine(e *Entry, unit, messageID string) bool {
	if e.Get("UNIT") != unit || (messageID != "" && e.Get("MESSAGE_ID") != messageID) {
		return false
	}
	p := e.Provenance()
	return p == FromManager || p == FromExecutor
}
