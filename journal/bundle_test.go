package journal

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type member struct {
	name string
	typ  byte
	body string
	link string
}

// Archives made here, by hand, for the attacks a bundle from a broken or
// hostile machine can carry.
func makeArchive(t *testing.T, members []member) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Typeflag: m.typ, Mode: 0o644, Size: int64(len(m.body)), Linkname: m.link}
		if m.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if m.typ == tar.TypeReg {
			tw.Write([]byte(m.body))
		}
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "bundle.tar.gz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	return p
}

func TestOpenBundleRefusesEscapes(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "pwned")
	p := makeArchive(t, []member{
		{name: "b/units/x.service.show", typ: tar.TypeReg, body: "User=x\n"},
		{name: "../../../../../../" + strings.TrimPrefix(outside, "/"), typ: tar.TypeReg, body: "x"},
		{name: outside, typ: tar.TypeReg, body: "x"},
		{name: "b/link", typ: tar.TypeSymlink, link: "/etc/shadow"},
		{name: "b/hard", typ: tar.TypeLink, link: "/etc/shadow"},
		{name: "b/dev", typ: tar.TypeChar},
		{name: "b/fifo", typ: tar.TypeFifo},
	})
	dir, cleanup, warns, err := OpenBundle(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(outside); err == nil {
		t.Fatal("an archive member was written outside the bundle folder")
	}
	if len(warns) != 6 {
		t.Errorf("want 6 refusals, got %v", warns)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "units", "x.service.show")); err != nil || string(b) != "User=x\n" {
		t.Fatalf("legitimate member: %v", err)
	}
	for _, n := range []string{"link", "hard", "dev", "fifo"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s was extracted", n)
		}
	}
	cleanup()
	if _, err := os.Stat(dir); err == nil {
		t.Error("temporary folder left behind")
	}
}

func TestOpenBundleRefusesBombs(t *testing.T) {
	old := MaxArchiveBytes
	MaxArchiveBytes = 1 << 20
	defer func() { MaxArchiveBytes = old }()
	p := makeArchive(t, []member{{name: "journal.export", typ: tar.TypeReg, body: strings.Repeat("A", 2<<20)}})
	if _, _, _, err := OpenBundle(p); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("bomb accepted: %v", err)
	}
	garbage := filepath.Join(t.TempDir(), "x.tar.gz")
	os.WriteFile(garbage, []byte("\x1f\x8bnot really gzip"), 0o644)
	if _, _, _, err := OpenBundle(garbage); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestWriteExportRoundTrip(t *testing.T) {
	es := readCapture(t, "hostile-output")
	var buf bytes.Buffer
	if err := WriteExport(&buf, es); err != nil {
		t.Fatal(err)
	}
	back, ws := ReadExport(&buf, "rt", nil)
	if len(ws) != 0 || len(back) != len(es) {
		t.Fatalf("%d → %d entries, %v", len(es), len(back), ws)
	}
	for i := range es {
		if back[i].Message() != es[i].Message() || len(back[i].Fields) != len(es[i].Fields) {
			t.Fatalf("entry %d changed: %q → %q", i, es[i].Message(), back[i].Message())
		}
	}
}
