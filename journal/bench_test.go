package journal

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/coreos/go-systemd/v22/sdjournal"
	"github.com/harden-tool/harden/journal/journalfile"
)

// BenchmarkAuditPass reads a whole audit log (HARDEN_BENCH_AUDIT, or the
// lab captures' logs concatenated) the way triage does.
func BenchmarkAuditPass(b *testing.B) {
	p := benchAuditLog(b)
	for i := 0; i < b.N; i++ {
		ReadAuditLogsFunc([]string{p}, AuditWindow{}, func(AuditEvent) {})
	}
}

// BenchmarkAuditPassForeign is triage's audit pass when no record
// belongs to a unit's process: every line is looked at, none is parsed.
func BenchmarkAuditPassForeign(b *testing.B) {
	p := benchAuditLog(b)
	n := 0
	for i := 0; i < b.N; i++ {
		ReadAuditLogsFunc([]string{p}, AuditWindow{PID: func(int, []byte) bool { return false }}, func(AuditEvent) { n++ })
	}
	// Only events without a process (none in the captures) get through.
	b.ReportMetric(float64(n)/float64(b.N), "events/op")
}

// benchAuditLog is HARDEN_BENCH_AUDIT, or the lab captures' audit logs
// concatenated 50 times.
func benchAuditLog(b *testing.B) string {
	p := os.Getenv("HARDEN_BENCH_AUDIT")
	if p == "" {
		files, _ := filepath.Glob("../testdata/captures/*/audit/audit.log")
		p = filepath.Join(b.TempDir(), "audit.log")
		out, _ := os.Create(p)
		for i := 0; i < 50; i++ {
			for _, f := range files {
				data, _ := os.ReadFile(f)
				out.Write(data)
			}
		}
		out.Close()
	}
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	return p
}

// BenchmarkEntryRead reads every entry of real journal files (or of the
// folder HARDEN_BENCH_JOURNAL) by go-systemd's GetEntry, by entryReader
// whole, and by entryReader keeping the diagnosis's fields (triage's).
func BenchmarkEntryRead(b *testing.B) {
	var files []string
	if d := os.Getenv("HARDEN_BENCH_JOURNAL"); d != "" {
		files, _ = filepath.Glob(filepath.Join(d, "*.journal"))
	} else {
		files, _ = filepath.Glob("../testdata/journal-*/*.journal")
	}
	if len(files) == 0 {
		b.Fatal("no journal files")
	}
	read := func(b *testing.B, one func(*sdjournal.Journal) error) {
		b.ReportAllocs()
		entries := 0
		for i := 0; i < b.N; i++ {
			j, err := sdjournal.NewJournalFromFiles(files...)
			if err != nil {
				b.Fatal(err)
			}
			for {
				c, err := j.Next()
				if err != nil || c == 0 {
					break
				}
				if err := one(j); err != nil {
					b.Fatal(err)
				}
				entries++
			}
			j.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(entries), "ns/entry")
	}
	b.Run("GetEntry", func(b *testing.B) {
		read(b, func(j *sdjournal.Journal) error { _, err := j.GetEntry(); return err })
	})
	b.Run("whole", func(b *testing.B) {
		r := &entryReader{}
		read(b, func(j *sdjournal.Journal) error { _, err := r.read(j); return err })
	})
	b.Run("lean", func(b *testing.B) {
		r := leanReader()
		read(b, func(j *sdjournal.Journal) error { _, err := r.read(j); return err })
	})
	// The same entries read directly from the files (journalfile), lean.
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		cache, err := journalfile.NewCache(directCache)
		if err != nil {
			b.Fatal(err)
		}
		defer cache.Release()
		r, entries := leanReader(), 0
		for i := 0; i < b.N; i++ {
			for _, p := range files {
				fd, err := openRegular(p)
				if err != nil {
					b.Fatal(err)
				}
				f, err := journalfile.Open(fd, cache)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.Entries(func(off uint64) bool {
					if _, err := r.readFile(f, off); err != nil {
						b.Fatal(err)
					}
					entries++
					return true
				}); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(entries), "ns/entry")
	})
}
