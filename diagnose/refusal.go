package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// refusalRows is the generic half of attribution: every row of
// rules.Refusals in force on this sandbox that refuses the symptom's
// operation with its errno. No directive is named here; a new refusal is
// a row.
func refusalRows(sym *Symptom, sb *Sandbox, _ []cause) []cause {
	var out []cause
	for i := range rules.Refusals {
		r := &rules.Refusals[i]
		if r.Errno != sym.Errno || r.ModelledBy != "" || !refusesOp(r, sym.Op) || !containsAnyOrNone(sym.Text, r.Texts) || r.SetIDOnly && sym.NoSetID {
			continue
		}
		value, ok := refusalInForce(r, sb)
		if !ok {
			continue
		}
		if v, _ := namedValue(r.Directive, sym.Text); v != "" && slices.Contains(strings.Fields(value), v) {
			continue // the unit allows the very kind the words name
		}
		out = append(out, refusalCause(r, sym, sb, value))
	}
	return out
}

// refusalInForce says whether the unit's value of the row's directive puts
// the refusal in force, and returns that value (the default when unset).
func refusalInForce(r *rules.Refusal, sb *Sandbox) (string, bool) {
	if r.Since > 0 && sb.Version < r.Since {
		return "", false
	}
	v := sb.Props[r.Directive]
	if v == "" {
		v = r.Default
	}
	for _, w := range r.When {
		switch w {
		case rules.WhenYes:
			if isYes(v) {
				return v, true
			}
		case rules.WhenSet:
			if t := strings.TrimSpace(v); t != "" && t != "no" {
				return v, true
			}
		case rules.WhenFinite:
			if v != "" && v != "infinity" {
				return v, true
			}
		case rules.WhenAlways:
			return v, true
		case rules.WhenAllowList:
			if sb.Filter != nil && sb.Filter.Allow {
				return v, true
			}
		default:
			if v == w {
				return v, true
			}
		}
	}
	return "", false
}

// refusesOp: the row names the operation ("" for a message that named
// none), or names none itself.
func refusesOp(r *rules.Refusal, op string) bool {
	if r.Ops == nil {
		return true
	}
	for _, o := range r.Ops {
		if o == op {
			return true
		}
	}
	return false
}

func containsAnyOrNone(text string, wordings []string) bool {
	return wordings == nil || containsAny(text, wordings)
}

// refusalCause is the cause a row gives for a symptom.
func refusalCause(r *rules.Refusal, sym *Symptom, sb *Sandbox, value string) cause {
	call := r.Call
	if call == "" {
		call = sym.Op
	}
	for _, o := range r.Ops {
		if call != "" {
			break
		}
		call = o
	}
	conf := Confidence(r.Confidence)
	if r.Unnamed != "" && sym.Op == "" && !sym.Trusted() {
		conf = Confidence(r.Unnamed)
	}
	fill := strings.NewReplacer("{value}", value, "{op}", sym.Op, "{errno}", sym.Errno)
	c := cause{directive: r.Directive, setting: r.Directive + "=" + value, confidence: conf,
		reason: fill.Replace(r.Reason), confirm: fill.Replace(r.Confirm)}
	switch r.Relax {
	case rules.RelaxLimit:
		c.kind = causeLimit
	case rules.RelaxFilter:
		c.kind, c.setting, c.syscall = causeFilter, filterSetting(sb), call
	default:
		c.kind, c.syscall = causeSwitch, call
	}
	return c
}

// switchCandidates turns the switch off (the record's Off), the only
// relaxation of a refusal that holds whatever the arguments.
func switchCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	// Switches: turning one off is the relaxation. A directive without
	// an Off entry cannot be switched off to this end (the seccomp
	// options that imply NoNewPrivileges= keep it implied).
	d, ok := rules.LookupDirective(c.directive)
	givesUp := "everything " + c.directive + "= protects"
	if ok && d.Protects != "" {
		givesUp = c.directive + "= no longer ensures that " + d.Protects
	}
	if v, words := namedValue(c.directive, sym.Text); v != "" {
		add([]string{c.directive + "=" + v}, fmt.Sprintf("allows %s alone, the kind the message names (%q)", v, words),
			fmt.Sprintf("the service may use %s; every other kind stays refused", v))
	}
	switch {
	case ok && d.Off != "":
		add([]string{d.Off}, d.OffRestores, givesUp)
	case c.kind == causeSwitch:
		add([]string{c.directive + "=no"}, fmt.Sprintf("%s is what refuses %s", c.directive, c.syscall), givesUp)
	}
	return out
}

// namedValue is the value of the directive that the line's words name
// (rules.Directive.Named), and those words; "" when they name none.
func namedValue(directive, line string) (value, words string) {
	d, ok := rules.LookupDirective(directive)
	if !ok || len(d.Named) == 0 {
		return "", ""
	}
	lower := strings.ToLower(line)
	for _, n := range d.Named {
		if strings.Contains(lower, n.Words) {
			return n.Value, n.Words
		}
	}
	return "", ""
}
