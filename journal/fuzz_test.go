package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
)

// Seeds come from the real captures; the fuzzers check that no input makes
// a reader panic, loop or lose the entries it did read.

func seedFiles(f *testing.F, pattern string, max int) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "captures", "*", pattern))
	for i, p := range files {
		if i >= max {
			break
		}
		if b, err := os.ReadFile(p); err == nil {
			if len(b) > 64<<10 {
				b = b[:64<<10]
			}
			f.Add(b)
		}
	}
}

func FuzzReadExport(f *testing.F) {
	seedFiles(f, "journal.export", 6)
	f.Add([]byte("MESSAGE\n\xff\xff\xff\xff\xff\xff\xff\x7f"))
	// Oversized fields and long lines, at the lowered cap below: a binary
	// field longer than the cap, one that claims more than there is, a
	// long text line, a line that cannot be a field name.
	f.Add([]byte("A=1\nMESSAGE\n\x80\x00\x00\x00\x00\x00\x00\x00" + strings.Repeat("x", 128) + "\nB=2\n\nC=3\n\n"))
	f.Add([]byte("A=1\nMESSAGE\n\x00\x00\x00\x00\x00\x01\x00\x00" + strings.Repeat("x", 300) + "\n\n"))
	f.Add([]byte("MESSAGE=" + strings.Repeat("y", 500) + "\nB=2\n\n" + strings.Repeat("\x00", 200)))
	saved := maxFieldKeep
	maxFieldKeep = 96
	defer func() { maxFieldKeep = saved }()
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _ := ReadExport(bytes.NewReader(b), "fuzz", nil)
		for _, e := range es {
			for k, v := range e.Fields {
				if len(v) > maxFieldKeep || len(k) > maxFieldName {
					t.Fatalf("field %q kept %d bytes", k, len(v))
				}
			}
		}
		sameLean(t, b, es, nil)
		var buf bytes.Buffer
		if err := WriteExport(&buf, es); err != nil {
			t.Fatal(err)
		}
		back, ws := ReadExport(&buf, "again", nil)
		if Incomplete(ws) || len(back) != len(es) {
			t.Fatalf("re-reading what was written: %d → %d entries, %v", len(es), len(back), ws)
		}
	})
}

func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`{"MESSAGE":"x","_PID":"1","__REALTIME_TIMESTAMP":"1"}` + "\n" + `{"MESSAGE":[1,2,3],"X":["a",null]}`))
	f.Add([]byte("\x1e{\"a\":{}}\n[]\nnull\n"))
	f.Add([]byte(`{"MESSAGE":"` + strings.Repeat("w", 300) + `"}` + "\n" + `{"B":"2"}`))
	saved := maxJSONLine
	maxJSONLine = 256 // long lines reached by small inputs
	defer func() { maxJSONLine = saved }()
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadJSON(bytes.NewReader(b), "fuzz", nil)
	})
}

func FuzzAuditStream(f *testing.F) {
	seedFiles(f, "audit/audit.log", 8)
	f.Add([]byte("type=SECCOMP msg=audit(1.1:1): pid=1 arch=ffffffff syscall=-1 code=0x80000000\ntype=PATH msg=audit(1.1:1): name=\"\x1d\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		col := &collector{}
		re, _ := libaudit.NewReassembler(64, time.Hour, col)
		readAuditStream(bytes.NewReader(b), re, AuditWindow{})
		readAuditStream(bytes.NewReader(b), re, AuditWindow{Since: time.Unix(1, 0), Until: time.Unix(2e9, 0)})
		re.Close()
	})
}

func FuzzParseShow(f *testing.F) {
	seedFiles(f, "units/*.show", 4)
	f.Add([]byte("A=1\nExecStart=" + strings.Repeat("z", 1<<16) + "\nB=2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseShow(bytes.NewReader(b))
	})
}

func FuzzParseCat(f *testing.F) {
	seedFiles(f, "units/*.cat", 8)
	f.Add([]byte("# /x\n[Service]\nA=\\\n\\\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ss, _, _ := ParseCat(bytes.NewReader(b))
		for _, s := range ss {
			if s.Line < 0 {
				t.Fatalf("negative line %+v", s)
			}
		}
		ParseUnitFile("u.service", bytes.NewReader(b))
	})
}

func FuzzOpenBundle(f *testing.F) {
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Add([]byte("not an archive"))
	f.Fuzz(func(t *testing.T, b []byte) {
		old := MaxArchiveBytes
		MaxArchiveBytes = 1 << 20
		defer func() { MaxArchiveBytes = old }()
		p := filepath.Join(t.TempDir(), "b.tar.gz")
		os.WriteFile(p, b, 0o600)
		dir, cleanup, _, err := OpenBundle(p)
		if err == nil {
			if rel, rerr := filepath.Rel(os.TempDir(), dir); rerr != nil || rel == ".." || len(rel) > 2 && rel[:3] == "../" {
				t.Fatalf("bundle extracted outside the temporary folder: %s", dir)
			}
			cleanup()
		}
	})
}

// sameLean: the export b read keeping only some fields (the diagnosis's,
// and the fuzz seeds' A) gives the entries read whole (full, with the
// warnings ws), each with those fields' values, and stops where it does.
func sameLean(t *testing.T, b []byte, full []Entry, ws []Warning) {
	t.Helper()
	only := fieldSet(slices.Concat(leanFields, []string{"A"}))
	lean, lws := readExport(bytes.NewReader(b), "lean", only, nil)
	if ws == nil {
		_, ws = ReadExport(bytes.NewReader(b), "full", nil)
	}
	if slices.ContainsFunc(ws, func(w Warning) bool { return strings.Contains(w.Text, "beyond journald's") }) {
		return // (over 1024 fields: counted by name whole, by line lean)
	}
	if len(lean) != len(full) || Incomplete(lws) != Incomplete(ws) {
		t.Fatalf("lean: %d entries (%v), whole: %d (%v)", len(lean), lws, len(full), ws)
	}
	for i := range full {
		if !lean[i].Time.Equal(full[i].Time) {
			t.Fatalf("entry %d: lean at %v, whole at %v", i, lean[i].Time, full[i].Time)
		}
		for f := range only {
			if l, w := lean[i].Get(f), full[i].Get(f); l != w {
				t.Fatalf("entry %d: %s is %q lean, %q whole", i, f, l, w)
			}
		}
	}
}
