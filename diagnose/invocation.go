package diagnose

import (
	"sort"
	"strconv"
	"time"

	"github.com/harden-tool/harden/journal"
)

// Invocation is one run of the unit as the journal shows it.
type Invocation struct {
	ID         string
	Start, End time.Time
	Failed     bool
	Result     string // UNIT_RESULT of PID 1's failure line
	ExitCode   string // EXIT_CODE: exited | killed | dumped
	ExitStatus int    // EXIT_STATUS (-1 unknown)
	ExitLine   *journal.Entry
	PIDs       map[int]bool
	Entries    []*journal.Entry // the unit's own, PID 1's and the executor's entries
	Boot       string           // _BOOT_ID, "" when its entries do not say
}

func invocationOf(e *journal.Entry) string { return e.InvocationID() }

// Invocations groups the unit's entries by invocation, oldest first.
// Failure is judged only from PID 1's own lines (trusted fields), never
// from text the service wrote.
func Invocations(entries []journal.Entry, unit string) []*Invocation {
	byID := map[string]*Invocation{}
	var order []*Invocation
	for i := range entries {
		e := &entries[i]
		if e.IsKernel() || e.Unit() != unit {
			continue // runs come only from trusted fields: a service may set UNIT= to anything
		}
		id := invocationOf(e)
		if id == "" {
			continue
		}
		inv := byID[id]
		if inv == nil {
			inv = &Invocation{ID: id, Start: e.Time, ExitStatus: -1, PIDs: map[int]bool{}}
			byID[id] = inv
			order = append(order, inv)
		}
		if e.Time.Before(inv.Start) {
			inv.Start = e.Time
		}
		if e.Time.After(inv.End) {
			inv.End = e.Time
		}
		inv.Entries = append(inv.Entries, e)
		if inv.Boot == "" {
			inv.Boot = e.Get("_BOOT_ID")
		}
		prov := e.Provenance()
		switch {
		case prov == journal.FromService:
			if p := e.PID(); p > 1 {
				inv.PIDs[p] = true
			}
		case prov == journal.FromExecutor:
			if p := e.PID(); p > 1 {
				inv.PIDs[p] = true // the executor execs into the service: same PID
			}
		case journal.IsManagerLine(e, unit, journal.MsgUnitFailureResult):
			inv.Failed = true
			inv.Result = e.Get("UNIT_RESULT")
		case journal.IsManagerLine(e, unit, journal.MsgUnitProcessExit):
			if e.Get("COMMAND") == "" || e.Get("COMMAND") == "ExecStart" || inv.ExitLine == nil {
				inv.ExitLine = e
				inv.ExitCode = e.Get("EXIT_CODE")
				if n, err := strconv.Atoi(e.Get("EXIT_STATUS")); err == nil {
					inv.ExitStatus = n
				}
			}
		case journal.IsManagerLine(e, unit, journal.MsgCoredump):
			if p, err := strconv.Atoi(e.Get("COREDUMP_PID")); err == nil {
				inv.PIDs[p] = true
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Start.Before(order[j].Start) })
	return order
}

// choose picks the invocation to explain: the named one, else the newest
// that failed, else the newest.
func choose(invs []*Invocation, id string) (*Invocation, bool) {
	if id != "" {
		for _, inv := range invs {
			if inv.ID == id {
				return inv, true
			}
		}
		return nil, false
	}
	for i := len(invs) - 1; i >= 0; i-- {
		if invs[i].Failed {
			return invs[i], true
		}
	}
	if len(invs) > 0 {
		return invs[len(invs)-1], true
	}
	return nil, false
}
