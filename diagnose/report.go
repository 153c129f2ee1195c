package diagnose

// Report is the answer to `harden why`: the JSON contract of --output json.
// Field names and meanings are stable; fields are only ever added.
type Report struct {
	// Version is the harden build that gave the answer (for a ticket).
	Version    string    `json:"version,omitempty"`
	Unit       string    `json:"unit"`
	Invocation string    `json:"invocation"`
	Result     string    `json:"result"`          // the unit's result for that run, e.g. exit-code, signal
	Time       string    `json:"time,omitempty"`  // when that run ended
	Hosts      []string  `json:"hosts,omitempty"` // hosts the answer holds for (triage across a fleet)
	Verdict    Verdict   `json:"verdict"`         // sandbox | not-sandbox | no-failure | unknown
	Cause      string    `json:"cause,omitempty"`
	Findings   []Finding `json:"findings"`
	// MissingEvidence says which evidence could not be read and how to get it.
	MissingEvidence []string `json:"missing_evidence"`
	// Notes are facts about the unit worth knowing beside the verdict, such
	// as hardening systemd ignored when it loaded the unit.
	Notes []string `json:"notes,omitempty"`
	// LoggedCalls are the system calls SystemCallLog= had the kernel log
	// during the run (allowed, not refused), by name: what a
	// SystemCallFilter= for the service must allow beyond its groups.
	LoggedCalls []string `json:"logged_calls,omitempty"`
	// Commands the operator can run to see the evidence themselves.
	SeeAlso []string `json:"see_also,omitempty"`
	// Incomplete: a source was only partly read (damage, truncation), so
	// the failure may be in the part that was not.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Verdict is the overall answer.
type Verdict string

const (
	VerdictSandbox    Verdict = "sandbox"     // a sandboxing directive caused the failure
	VerdictNotSandbox Verdict = "not-sandbox" // the unit failed, for another reason
	VerdictNoFailure  Verdict = "no-failure"  // no failed run in the window
	VerdictUnknown    Verdict = "unknown"     // failed, but the evidence does not say why
)

// Finding attributes one symptom to one directive.
type Finding struct {
	Directive   string       `json:"directive"`
	Setting     string       `json:"setting"`
	SetAt       string       `json:"source,omitempty"` // FILE:LINE that set it (JSON: "source")
	Confidence  Confidence   `json:"confidence"`
	Symptom     string       `json:"symptom"`
	Reason      string       `json:"reason,omitempty"`
	Quotes      []Quote      `json:"evidence"`
	Relaxations []Relaxation `json:"relaxations"`
	// Withheld are relaxations that would work but open too much for the
	// evidence at hand, with the reason.
	Withheld []string `json:"withheld,omitempty"`
	// Confirm is a single experiment that would settle a finding the
	// kernel left no trace of.
	Confirm string `json:"confirm,omitempty"`
	// Experiment, when the experiment is a drop-in, is its lines: they
	// flip only the suspected setting, for one run (harden tune runs it as
	// a round of its own, and keeps it only if the symptom is gone).
	Experiment []string `json:"experiment,omitempty"`
	Man        string   `json:"man,omitempty"`

	rank   int
	kernel bool // rests on kernel or systemd evidence, not the service's word alone
}

// Confidence in a finding.
type Confidence string

const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Quote is one line that supports a finding, with where it was read and
// who wrote it. (Evidence, in harden, is everything read: journal.Evidence.
// The JSON keeps the names of its contract: "evidence", "source".)
type Quote struct {
	From   string `json:"source"`           // journal | audit | kernel | unit
	Origin string `json:"origin,omitempty"` // pid1 | executor | service | kernel
	Time   string `json:"time,omitempty"`
	Text   string `json:"text"`
}

// Relaxation is a drop-in that would let the failed operation succeed.
type Relaxation struct {
	Lines     []string `json:"lines"`
	Rationale string   `json:"rationale"`
	GivesUp   string   `json:"gives_up"`
}
