package journal

import (
	"os"
	"path/filepath"
	"testing"
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
		ReadAuditLogsFunc([]string{p}, AuditWindow{PID: func(int) bool { return false }}, func(AuditEvent) { n++ })
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
