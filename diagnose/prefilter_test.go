package diagnose

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// The prefilter never turns away a line its pattern matches: every
// message of every real capture is tried against every wording.
func TestPrefilterKeepsEveryMatch(t *testing.T) {
	textOnce.Do(buildTextTables)
	pats := append(append([]prefiltered{}, consequences...), nnpTexts...)
	matched, skipped := 0, 0
	eachCapturedMessage(t, func(f, msg string) {
		lower := strings.ToLower(msg)
		// The errno forms' literal guards (ParseErrnoText) and the port's
		// digit guard (ParsePort) turn away no line their patterns match.
		if m := reErrnoRust.FindStringSubmatchIndex(msg); !slices.Equal(m, rustErrno(msg)) {
			t.Errorf("%q: Rust errno %v, guarded %v", msg, m, rustErrno(msg))
		}
		if m := reErrnoNum.FindStringSubmatchIndex(msg); !slices.Equal(m, errnoNum(msg)) {
			t.Errorf("%q: errno=N %v, guarded %v", msg, m, errnoNum(msg))
		}
		if !strings.ContainsAny(msg, "0123456789") {
			for _, re := range []*regexp.Regexp{rePyAddr, reAddrPort, reProtoPort, reWordPort} {
				if re.MatchString(msg) {
					t.Errorf("%q has no digit but matches %s", msg, re)
				}
			}
		}
		for _, p := range pats {
			switch m := p.re.MatchString(msg); {
			case m && !p.mayMatch(lower):
				t.Errorf("%s: %q matches %s, but the prefilter (%q) turns it away", f, msg, p.re, p.any)
			case m:
				matched++
			case !p.mayMatch(lower):
				skipped++
			}
		}
	})
	// The real programs' wordings are in the captures, and most lines
	// are turned away without the regexp.
	if matched < 10 || skipped < 100*matched {
		t.Errorf("%d lines matched, %d turned away by the prefilter", matched, skipped)
	}
}

// Every wording of rules/ gets a filter (a pattern whose every match need
// not contain a literal would be run on every line).
func TestPrefilterForEveryWording(t *testing.T) {
	for _, c := range rules.Consequences {
		if p := newPrefiltered(c.Pattern); p.any == nil {
			t.Errorf("no literal for %s", c.Pattern)
		}
	}
	for _, c := range []struct {
		pattern string
		want    []string
	}{
		{`(?i)Must be (?:root|superuser)`, []string{"must be "}},
		{`a?b*c{0,2}`, nil},
		{`(?:x|y+)zz`, []string{"zz"}},
		{`(?:longer|ab)c`, []string{"longer", "ab"}},
	} {
		if got := newPrefiltered(c.pattern).any; strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: %q, want %q", c.pattern, got, c.want)
		}
	}
}

// kernelWords turns no line away that a kernel pattern matches: every
// captured line, and the lines that matched among them counted.
func TestKernelWordsKeepEveryMatch(t *testing.T) {
	matched := 0
	eachCapturedMessage(t, func(f, msg string) {
		if rePidsRejected.MatchString(msg) || reSegfault.MatchString(msg) || reOOMKilled.MatchString(msg) {
			matched++
			if !kernelWords(msg) {
				t.Errorf("%s: kernelWords turns away %q", f, msg)
			}
		}
	})
	if matched < 3 {
		t.Fatalf("only %d captured lines match a kernel pattern", matched)
	}
	t.Logf("%d lines", matched)
}

// eachCapturedMessage hands every message of every real capture to fn,
// with its capture's file.
func eachCapturedMessage(t *testing.T, fn func(file, msg string)) {
	t.Helper()
	files, _ := filepath.Glob("../testdata/captures/*/journal.export")
	if len(files) < 100 {
		t.Fatalf("%d captures", len(files))
	}
	for _, f := range files {
		es, _, err := journal.ReadExportFile(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			fn(f, e.Message())
		}
	}
}
