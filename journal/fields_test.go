package journal

import (
	"regexp"
	"strings"
	"testing"
)

// fieldsOracle is the regular expression forEachField replaced; the
// scanner must find exactly what it found.
var fieldsOracle = regexp.MustCompile(`([a-zA-Z0-9_-]+)=("[^"]*"|'[^']*'|[^\s]+)`)

func oracleFields(text string) [][2]string {
	var out [][2]string
	for _, m := range fieldsOracle.FindAllStringSubmatch(text, -1) {
		out = append(out, [2]string{m[1], strings.Trim(m[2], `"'`)})
	}
	return out
}

func scannedFields(text string) [][2]string {
	var out [][2]string
	forEachField(text, func(k, v string) { out = append(out, [2]string{k, v}) })
	return out
}

// Hand-written edge cases (quotes left open, empty values, '=' in
// values, keys glued to punctuation); real records are covered by the
// captures and by FuzzFields seeded from them.
var fieldEdgeCases = []string{
	`arch=c000003e syscall=257 success=no exit=-13 comm="app" exe="/usr/bin/app"`,
	`msg='op=PAM:session_open acct="root" exe="/usr/bin/sudo" res=success'`,
	`a= b=1`, `x=y=z`, `k=""`, `k=''`, `k="`, `k="open and more`, `=v`, `foo.bar=1`,
	`name=(null) dev=00:00`, `apparmor="DENIED" operation="open" profile="/usr/bin/x"`,
	"t=\t s=1", `a="x" "y"=z`, `k='it''s'`, `é=1 ü_k=2`, `a=b\nc=d`, ``, `====`, `k=v=`,
}

func TestForEachFieldMatchesRegexp(t *testing.T) {
	for _, c := range fieldEdgeCases {
		got, want := scannedFields(c), oracleFields(c)
		if len(got) != len(want) {
			t.Errorf("%q: got %q, want %q", c, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q: got %q, want %q", c, got, want)
				break
			}
		}
	}
}

func FuzzFields(f *testing.F) {
	for _, c := range fieldEdgeCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, want := scannedFields(text), oracleFields(text)
		if len(got) != len(want) {
			t.Fatalf("%q: got %q, want %q", text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: got %q, want %q", text, got, want)
			}
		}
	})
}
