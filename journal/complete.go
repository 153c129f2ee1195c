package journal

import (
	"os"
	"sort"
	"strings"
)

// FailedUnits lists the units PID 1 reported failed in a journal (newest
// first, at most max), for shell completion: a walk back from the tail
// over the journal's field index (MESSAGE_ID of "unit failed"), not a scan.
func FailedUnits(spec JournalSpec, max int) (units []string) {
	defer func() { recover() }() // completion must never crash the shell
	j, _, err := openJournal(spec)
	if err != nil {
		return nil
	}
	defer j.Close()
	for _, id := range []string{MsgUnitFailed, MsgUnitFailureResult} {
		j.AddMatch("MESSAGE_ID=" + id)
		j.AddDisjunction()
	}
	if j.SeekTail() != nil {
		return nil
	}
	seen := map[string]bool{}
	for n := 0; n < 20*max && len(units) < max; n++ {
		c, err := j.Previous()
		if err != nil || c == 0 {
			break
		}
		e, err := j.GetEntry()
		if err != nil {
			continue
		}
		en := Entry{Fields: e.Fields}
		if u := en.Unit(); u != "" && !seen[u] {
			seen[u] = true
			units = append(units, u)
		}
	}
	return units
}

// BundleUnits lists the units a bundle folder has a configuration for.
func BundleUnits(dir string) []string {
	var out []string
	ents, _ := os.ReadDir(Layout(dir).UnitsDir())
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".show"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
