package diagnose

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes text written by a possibly hostile service safe to print:
// C0 and C1 control characters (ESC sequences included), DEL and Unicode
// bidirectional overrides become visible \xNN / \u{NNNN} escapes, and
// invalid UTF-8 becomes U+FFFD. Tabs stay.
func Sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune('\uFFFD')
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u{%04x}`, r)
		case invisible(r):
			fmt.Fprintf(&b, `\u{%04x}`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// invisible: characters a terminal shows as nothing or that reorder what
// is shown, so that two different strings look alike: format characters
// (Cf: zero-width space and joiners, word joiner, soft hyphen, BOM, bidi
// controls, tag characters), line and paragraph separators, variation
// selectors and the Hangul fillers.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) ||
		r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef ||
		r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0
}

// Sanitized returns a copy of the report with every string sanitised.
func (r *Report) Sanitized() *Report {
	c := *r
	c.Cause = Sanitize(r.Cause)
	c.Unit = Sanitize(r.Unit)
	c.Invocation = Sanitize(r.Invocation)
	c.Result = Sanitize(r.Result)
	c.Time = Sanitize(r.Time)
	c.Hosts = mapStrings(r.Hosts)
	c.MissingEvidence = mapStrings(r.MissingEvidence)
	c.SeeAlso = mapStrings(r.SeeAlso)
	c.Notes = mapStrings(r.Notes)
	c.Findings = make([]Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Directive = Sanitize(f.Directive)
		f.Confirm = Sanitize(f.Confirm)
		f.Symptom = Sanitize(f.Symptom)
		f.Reason = Sanitize(f.Reason)
		f.Setting = Sanitize(f.Setting)
		f.SetAt = Sanitize(f.SetAt)
		f.Withheld = mapStrings(f.Withheld)
		ev := make([]Quote, len(f.Quotes))
		for j, e := range f.Quotes {
			e.Text, e.Time, e.Origin, e.From = Sanitize(e.Text), Sanitize(e.Time), Sanitize(e.Origin), Sanitize(e.From)
			ev[j] = e
		}
		f.Quotes = ev
		rx := make([]Relaxation, len(f.Relaxations))
		for j, x := range f.Relaxations {
			x.Lines = mapStrings(x.Lines)
			x.Rationale, x.GivesUp = Sanitize(x.Rationale), Sanitize(x.GivesUp)
			rx[j] = x
		}
		f.Relaxations = rx
		c.Findings[i] = f
	}
	return &c
}

func mapStrings(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = Sanitize(s)
	}
	return out
}

// WriteJSON writes the report as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Sanitized())
}

// Colors styles text output; the zero value prints plain text.
type Colors struct{ Enabled bool }

func (c Colors) wrap(code, s string) string {
	if !c.Enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
func (c Colors) Bold(s string) string   { return c.wrap("1", s) }
func (c Colors) Red(s string) string    { return c.wrap("31", s) }
func (c Colors) Green(s string) string  { return c.wrap("32", s) }
func (c Colors) Yellow(s string) string { return c.wrap("33", s) }
func (c Colors) Dim(s string) string    { return c.wrap("2", s) }

// DropIn is the drop-in made of the first relaxation of the best finding
// for each symptom, ready for `systemctl edit UNIT`: findings that explain
// the same symptom are alternatives, and only the first is applied.
func (r *Report) DropIn() []string {
	var lines []string
	seen := map[string]bool{}
	explained := map[string]bool{}
	for _, f := range r.Findings {
		if len(f.Relaxations) == 0 || f.Confidence == Low || explained[f.Symptom] {
			continue
		}
		explained[f.Symptom] = true
		for _, l := range f.Relaxations[0].Lines {
			if !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
	}
	return lines
}

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer, c Colors) error {
	r = r.Sanitized()
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	run := ""
	if r.Invocation != "" {
		run = " (run " + r.Invocation + ")"
	}
	switch r.Verdict {
	case VerdictNoFailure:
		p("%s: %s%s\n", c.Bold(r.Unit), c.Green("no failed run found"), run)
		if r.Cause != "" {
			p("  %s\n", r.Cause)
		}
	case VerdictNotSandbox:
		p("%s failed%s: %s\n", c.Bold(r.Unit), run, c.Yellow("not the sandbox"))
		p("  %s\n", r.Cause)
	case VerdictUnknown:
		p("%s%s: %s\n", c.Bold(r.Unit), run, c.Yellow("cause unknown"))
		if r.Cause != "" {
			p("  %s\n", r.Cause)
		}
	case VerdictSandbox:
		if r.Result == "running" {
			p("%s did not fail%s, but %s\n", c.Bold(r.Unit), run, c.Red("its sandbox refused it something: it runs degraded"))
			break
		}
		p("%s failed%s, result %s: %s\n", c.Bold(r.Unit), run, r.Result, c.Red("blocked by its sandbox"))
	}
	for i, f := range r.Findings {
		src := ""
		if f.SetAt != "" {
			src = ", set at " + f.SetAt
		}
		p("\n%d. %s%s, confidence %s\n", i+1, c.Bold(f.Setting), src, f.Confidence)
		p("   what failed: %s\n", f.Symptom)
		if f.Reason != "" {
			p("   why:         %s\n", f.Reason)
		}
		if len(f.Quotes) > 0 {
			p("   evidence:\n")
			for _, e := range f.Quotes {
				p("     %s\n", c.Dim(fmt.Sprintf("%-8s %-8s %s", shortTime(e.Time), e.Origin, e.Text)))
			}
		}
		if len(f.Relaxations) > 0 {
			p("   relax, narrowest first:\n")
			for j, x := range f.Relaxations {
				p("     %c) %s\n", 'a'+j, c.Bold(strings.Join(x.Lines, "\n        ")))
				p("        %s; gives up: %s\n", x.Rationale, x.GivesUp)
			}
		}
		for _, wh := range f.Withheld {
			p("   withheld: %s\n", wh)
		}
		if f.Confirm != "" {
			p("   to confirm: %s\n", f.Confirm)
		}
		if f.Man != "" {
			p("   see: %s\n", f.Man)
		}
	}
	if lines := r.DropIn(); len(lines) > 0 {
		p("\nDrop-in (systemctl edit %s):\n\n[Service]\n%s\n", r.Unit, strings.Join(lines, "\n"))
	}
	if len(r.Notes) > 0 {
		p("\nNotes:\n")
		for _, n := range r.Notes {
			p("  - %s\n", n)
		}
	}
	if len(r.MissingEvidence) > 0 {
		p("\nMissing or partial evidence:\n")
		for _, m := range r.MissingEvidence {
			p("  - %s\n", m)
		}
	}
	if len(r.SeeAlso) > 0 {
		p("\nTo see the evidence yourself:\n")
		for _, s := range r.SeeAlso {
			p("  %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func shortTime(t string) string {
	if len(t) >= 19 {
		return t[11:19]
	}
	return t
}
