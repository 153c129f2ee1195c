package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every directive any table names has a record: a fact about a directive
// harden does not know would never be shown with its man page, and a typo
// in a table would silently never match.
func TestTablesNameKnownDirectives(t *testing.T) {
	named := map[string]string{}
	for _, r := range Refusals {
		named[r.Directive] = "Refusals"
	}
	for _, m := range SetupMessages {
		for _, d := range m.Directives {
			named[d] = "SetupMessages"
		}
	}
	for _, l := range OpLimits {
		named[l.Limit] = "OpLimits"
	}
	for _, d := range directiveList {
		for _, s := range d.Implies {
			named[s.Directive] = d.Name + ".Implies"
		}
		for _, s := range d.InPlayBy {
			named[s] = d.Name + ".InPlayBy"
		}
		if d.Trade != "" {
			named[d.Trade] = d.Name + ".Trade"
		}
	}
	for name, where := range named {
		if _, ok := Directives[name]; !ok && name != "Type" {
			t.Errorf("%s names %s, which has no record in directives.go", where, name)
		}
	}
}

// The facts of one record agree with each other.
func TestDirectiveRecordsAgree(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range directiveList {
		if seen[d.Name] {
			t.Errorf("%s: two records", d.Name)
		}
		seen[d.Name] = true
		onLadder := func(v string) bool {
			for _, l := range d.Ladder {
				if l == v {
					return true
				}
			}
			return false
		}
		for v := range d.Mounts {
			if !onLadder(v) && v != "true" {
				t.Errorf("%s=%s mounts paths but is not on the ladder %v: a relaxation could never lower it", d.Name, v, d.Ladder)
			}
		}
		for _, s := range d.Implies {
			if t2 := Directives[s.Directive]; t2.Ladder != nil && !contains(t2.Ladder, s.Value) {
				t.Errorf("%s implies %s=%s, a value not on that directive's ladder %v", d.Name, s.Directive, s.Value, t2.Ladder)
			}
		}
		if d.Remount && d.PathList == "" {
			t.Errorf("%s: Remount without PathList", d.Name)
		}
		if d.Merge == AllowDeny && d.Broad == nil && !d.BPF {
			t.Errorf("%s: an allow/deny list whose emptying is not marked broad", d.Name)
		}
		if d.Missing != nil && len(d.Missing.Lines) == 0 {
			t.Errorf("%s: Missing without a drop-in", d.Name)
		}
	}
}

// Each refusal row is well formed: the words of When, a known errno, a
// confidence and a way to undo it; the seccomp rows name system calls.
func TestRefusalRows(t *testing.T) {
	known, _ := GroupsFor(0)
	for _, r := range Refusals {
		if _, ok := ErrnoByName(r.Errno); !ok {
			t.Errorf("%s: unknown errno %s", r.Directive, r.Errno)
		}
		if len(r.When) == 0 {
			t.Errorf("%s %s: no value puts it in force", r.Directive, r.Errno)
		}
		for _, w := range r.When {
			if strings.HasPrefix(w, "<") && w != WhenYes && w != WhenSet && w != WhenFinite && w != WhenAlways && w != WhenAllowList {
				t.Errorf("%s: unknown condition %s", r.Directive, w)
			}
		}
		for _, c := range []string{r.Confidence, r.Unnamed} {
			if c != "" && c != "high" && c != "medium" && c != "low" {
				t.Errorf("%s: confidence %q", r.Directive, c)
			}
		}
		if r.Confidence == "" || r.Reason == "" || (r.Relax != RelaxSwitch && r.Relax != RelaxLimit && r.Relax != RelaxFilter) {
			t.Errorf("%s %s: confidence, reason and relax are required", r.Directive, r.Errno)
		}
		if r.Relax == RelaxSwitch && Directives[r.Directive].Off == "" && Directives[r.Directive].Seccomp == "" {
			t.Errorf("%s: a switch refusal needs the record's Off (or a seccomp switch's =no)", r.Directive)
		}
		if Directives[r.Directive].Seccomp != "" {
			for _, op := range r.Ops {
				if op != "" && !known.Groups["@known"][op] {
					t.Errorf("%s: %s is no system call systemd knows", r.Directive, op)
				}
			}
		}
	}
}

// Every directive with facts has a capture naming it (an expect file's
// directive or relaxation), or a reason in Uncaptured why not.
func TestFactsHaveCaptures(t *testing.T) {
	expects, _ := filepath.Glob("../testdata/captures/*/expect")
	if len(expects) < 100 {
		t.Fatalf("only %d captures found", len(expects))
	}
	captured := map[string]bool{}
	for _, e := range expects {
		b, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			key, value, _ := strings.Cut(line, ": ")
			if key == "directive" || key == "relaxation" {
				name, _, _ := strings.Cut(value, "=")
				d, _ := LookupDirective(name)
				captured[d.Name] = true
			}
		}
	}
	refused := map[string]bool{}
	for _, r := range Refusals {
		refused[r.Directive] = true
	}
	t.Logf("captured: %d directives", len(captured))
	for _, d := range directiveList {
		hasFacts := d.Mounts != nil || d.PathList != "" || d.PurposeBuilt != nil || d.DropsCapabilities != nil ||
			d.Missing != nil || d.Signals != nil || d.Floor != 0 || refused[d.Name]
		why, listed := Uncaptured[d.Name]
		switch {
		case hasFacts && !captured[d.Name] && !listed:
			t.Errorf("%s has facts but no capture names it: add a lab scenario, or a reason to Uncaptured", d.Name)
		case listed && captured[d.Name]:
			t.Errorf("%s is captured now: remove it from Uncaptured (%s)", d.Name, why)
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
