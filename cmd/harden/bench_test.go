package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Benchmarks of the main paths. By default they run on real lab captures
// (small); with HARDEN_BENCH_DIR set to a data set made by
// testdata/bench/mkbench they run on it (testdata/bench/bench.sh prints the
// comparisons with journalctl, ausearch and grep).

func benchDir(b *testing.B) (dir string, why []string) {
	if d := os.Getenv("HARDEN_BENCH_DIR"); d != "" {
		return d, []string{"why", "--directory", filepath.Join(d, "journal"), "--audit-log", filepath.Join(d, "audit"), "--units", filepath.Join(d, "units"), "bench-target"}
	}
	d := filepath.Join(capturesDir, "syscallfilter-kill")
	return d, []string{"why", "--bundle", d, "swapmgr"}
}

func BenchmarkWhy(b *testing.B) {
	_, args := benchDir(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		io, _, _ := TestStreams()
		if code := Main(args, io); code != ExitFindings {
			b.Fatalf("exit %d", code)
		}
	}
}

func BenchmarkTriage(b *testing.B) {
	args := []string{"triage", "--directory", fleetDir, "--units", "../../testdata/fleet/units"}
	if d := os.Getenv("HARDEN_BENCH_DIR"); d != "" {
		args = []string{"triage", "--directory", filepath.Join(d, "journal"), "--audit-log", filepath.Join(d, "audit"), "--units", filepath.Join(d, "units")}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		io, _, _ := TestStreams()
		if code := Main(args, io); code != ExitFindings {
			b.Fatalf("exit %d", code)
		}
	}
}
