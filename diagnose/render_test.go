package diagnose

import (
	"bytes"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"plain text":         "plain text",
		"\x1b[2J\x1b[31mred": `\x1b[2J\x1b[31mred`,
		"bell\a and\ttab":    `bell\x07 and` + "\ttab",
		"c1 \u009b csi":      `c1 \u{009b} csi`,
		"rtl \u202egnp.exe":  `rtl \u{202e}gnp.exe`,
		"bad \xff utf8":      "bad \uFFFD utf8",
		"üñíçødé stays":      "üñíçødé stays",
		"new\nline":          `new\x0aline`,
	}
	for in, want := range cases {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderedReportHasNoControlCharacters(t *testing.T) {
	r := &Report{Unit: "x.service", Verdict: VerdictNotSandbox, Cause: "after logging: \x1b]0;owned\x07",
		Findings: []Finding{{Directive: "ProtectSystem", Setting: "ProtectSystem=strict", Symptom: "\x1b[2J",
			Quotes: []Quote{{Text: "\x1b[1;31mALL CLEAR"}}, Relaxations: []Relaxation{}}}}
	var text, js bytes.Buffer
	r.WriteText(&text, Colors{})
	r.WriteJSON(&js)
	for _, out := range []string{text.String(), js.String()} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Fatalf("control character in output:\n%q", out)
		}
	}
	if r.Findings[0].Symptom != "\x1b[2J" {
		t.Fatal("Sanitized modified the original report")
	}
}
