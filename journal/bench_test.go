package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAuditPass reads a whole audit log (HARDEN_BENCH_AUDIT, or the
// lab captures' logs concatenated) the way triage does.
func BenchmarkAuditPass(b *testing.B) {
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
	for i := 0; i < b.N; i++ {
		ReadAuditLogsFunc([]string{p}, AuditWindow{}, func(AuditEvent) {})
	}
}
