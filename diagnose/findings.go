package diagnose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// Findings: a cause made into what the report shows — the setting as the
// unit file wrote it and where, the evidence, the verified relaxations —
// and findings of several symptoms merged.

// addFindings turns the causes of one symptom into findings (rank i:
// the symptom's place), each with its verified relaxations; a symptom the
// kernel's trail contradicts (why) keeps its findings at low confidence,
// with none.
func addFindings(findings []Finding, sym *Symptom, i int, causes []cause, sb *Sandbox, cfg *journal.UnitConfig, why string) []Finding {
	for ci, c := range causes {
		f := Finding{
			Directive:  fileName(sb, c.directive),
			Setting:    c.setting,
			SetAt:      sourceOf(cfg, c.directive),
			Confidence: c.confidence,
			Symptom:    describe(sym),
			Reason:     c.reason,
			Quotes:     sym.Quotes,
			Confirm:    c.confirm,
			Experiment: c.experiment,
			rank:       i*10 + ci,
			kernel:     sym.Trusted(),
		}

		if d, ok := rules.LookupDirective(c.directive); ok {
			f.Man = d.ManURL()
		}
		if f.SetAt != "" {
			f.Quotes = append(append([]Quote{}, f.Quotes...), Quote{From: "unit", Origin: "config", Text: f.SetAt + ": " + settingLine(cfg, c.directive, c.setting)})
		}
		f.Relaxations, f.Withheld = relaxations(sym, c, sb)
		if f.Relaxations == nil {
			f.Relaxations = []Relaxation{}
		}
		if f.Confidence == High && len(f.Relaxations) == 0 && len(f.Withheld) == 0 {
			// Every certain finding says what to do, or why nothing here.
			f.Withheld = []string{fmt.Sprintf("no drop-in is offered: nothing narrower than undoing %s removes this symptom in the model, and the reason above says what the fix is instead", f.Setting)}
		}
		if sym.AtDeath && f.Confidence == High {
			f.Confidence = Medium
			f.Reason += " (the kernel's record is tied to this run only by the moment of its death)"
		}
		if why != "" {
			// The kernel was watching and saw another failure: the
			// service's claim stays as evidence, not as an answer.
			f.Confidence = Low
			f.Reason += "; but " + why
			f.Relaxations, f.Withheld = []Relaxation{}, []string{"no relaxation is proposed for a claim the kernel's audit trail contradicts"}
		}
		findings = mergeFinding(findings, f)
	}
	return findings
}

func hasFindingAbove(r *Report, c Confidence) bool {
	for _, f := range r.Findings {
		if confRank(f.Confidence) > confRank(c) {
			return true
		}
	}
	return false
}

func confRank(c Confidence) int {
	switch c {
	case High:
		return 3
	case Medium:
		return 2
	}
	return 1
}

func mergeFinding(fs []Finding, f Finding) []Finding {
	for i := range fs {
		if fs[i].Directive == f.Directive && fs[i].Setting == f.Setting && sameRelaxations(fs[i].Relaxations, f.Relaxations) {
			if confRank(f.Confidence) > confRank(fs[i].Confidence) {
				fs[i].Confidence, fs[i].Reason = f.Confidence, f.Reason
			}
			for _, e := range f.Quotes {
				if !hasEvidence(fs[i].Quotes, e) {
					fs[i].Quotes = append(fs[i].Quotes, e)
				}
			}
			return fs
		}
	}
	return append(fs, f)
}

func sameRelaxations(a, b []Relaxation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i].Lines, "\n") != strings.Join(b[i].Lines, "\n") {
			return false
		}
	}
	return true
}

func hasEvidence(es []Quote, e Quote) bool {
	for _, x := range es {
		if x.Text == e.Text && x.From == e.From {
			return true
		}
	}
	return false
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func auditSerial(text string) string {
	if m := auditSerialRe.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// fileNames maps directives to the (possibly old) names the unit files use.
func fileNames(cfg *journal.UnitConfig) map[string]string {
	out := map[string]string{}
	if cfg == nil {
		return out
	}
	for _, s := range cfg.Settings {
		if d, ok := rules.LookupDirective(s.Name); ok && d.Name != s.Name {
			out[d.Name] = s.Name
		}
	}
	return out
}

func fileName(sb *Sandbox, directive string) string {
	if n := sb.FileNames[directive]; n != "" {
		return n
	}
	return directive
}

// sourceOf is the file:line of the last assignment of a directive (or an
// old name of it); for a directive never set, of the setting that brought
// it into play (rules.SourceFallbacks).
func sourceOf(cfg *journal.UnitConfig, directive string) string {
	if s, ok := lastSetting(cfg, directive); ok {
		return s.Location()
	}
	return ""
}

func lastSetting(cfg *journal.UnitConfig, directive string) (journal.Setting, bool) {
	if cfg == nil {
		return journal.Setting{}, false
	}
	for _, d := range append([]string{directive}, rules.SourceFallbacks[directive]...) {
		names := []string{d}
		if dd, ok := rules.LookupDirective(d); ok {
			names = append(names, dd.OldNames...)
		}
		if ss := cfg.SettingsOf(names...); len(ss) > 0 {
			return ss[len(ss)-1], true
		}
	}
	return journal.Setting{}, false
}

func settingLine(cfg *journal.UnitConfig, directive, fallback string) string {
	if s, ok := lastSetting(cfg, directive); ok {
		return s.Name + "=" + s.Value
	}
	return fallback
}

var auditSerialRe = regexp.MustCompile(`audit\(\d+\.\d+:(\d+)\)`)
