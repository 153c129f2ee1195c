package cli

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

// Benchmarks of the main paths. By default they run on real lab captures
// (small); with HARDEN_BENCH_DIR set to a data set made by
// testdata/bench/mkbench they run on it (testdata/bench/bench.sh prints the
// comparisons with journalctl, ausearch and grep).

func benchDir(b *testing.B) (dir string, why []string) {
	if d := os.Getenv("HARDEN_BENCH_DIR"); d != "" {
		return d, []string{"why", "--directory", filepath.Join(d, "journal"), "--audit-log", filepath.Join(d, "audit"), "--unit-dir", filepath.Join(d, "units"), "bench-target"}
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
	args := []string{"triage", "--directory", fleetDir, "--unit-dir", "../../../testdata/fleet/units"}
	if d := os.Getenv("HARDEN_BENCH_DIR"); d != "" {
		args = []string{"triage", "--directory", filepath.Join(d, "journal"), "--audit-log", filepath.Join(d, "audit"), "--unit-dir", filepath.Join(d, "units")}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		io, _, _ := TestStreams()
		if code := Main(args, io); code != ExitFindings {
			b.Fatalf("exit %d", code)
		}
	}
}

// hostileBundle writes the embedded sample (a real capture) with its
// failed run grown in one of two ways: lines extra distinct error lines in
// the run (a service printing without end), or runs earlier copies of the
// whole run under new invocation IDs (a unit restarted all day). The
// copies are synthetic load built from real entries; the diagnosis must
// stay the sample's.
func hostileBundle(b *testing.B, lines, runs int) string {
	b.Helper()
	dir, _, cleanup, err := extractSample()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cleanup)
	p := filepath.Join(dir, "journal.export")
	entries, _, err := journal.ReadExportFile(p, nil)
	if err != nil {
		b.Fatal(err)
	}
	var out []journal.Entry
	for r := runs; r > 0; r-- {
		id := fmt.Sprintf("%032x", r)
		for _, e := range entries {
			f := maps.Clone(e.Fields)
			for _, k := range []string{"_SYSTEMD_INVOCATION_ID", "INVOCATION_ID"} {
				if f[k] != "" {
					f[k] = id
				}
			}
			delete(f, "__REALTIME_TIMESTAMP")
			out = append(out, journal.Entry{Fields: f, Time: e.Time.Add(-time.Duration(r) * time.Minute)})
		}
	}
	for _, e := range entries {
		out = append(out, e)
		if strings.Contains(e.Message(), "Errno 30") {
			for i := 0; i < lines; i++ {
				f := maps.Clone(e.Fields)
				f["MESSAGE"] = fmt.Sprintf("OSError: [Errno 13] Permission denied: '/srv/data/file%d.db'", i)
				out = append(out, journal.Entry{Fields: f, Time: e.Time})
			}
		}
	}
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := journal.WriteExport(f, out); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchHostile runs why on such a bundle and reports the time per line
// (or run) and the heap the evidence holds: linear time, flat memory.
func benchHostile(b *testing.B, lines, runs int) {
	dir := hostileBundle(b, lines, runs)
	per, unit := float64(lines), "ns/line"
	if runs > 0 {
		per, unit = float64(runs), "ns/run"
	}
	b.ResetTimer()
	var held uint64
	for i := 0; i < b.N; i++ {
		ev, err := journal.Collect(journal.Sources{Bundle: dir}, journal.Query{Unit: "inventory-api.service"}, nil)
		if err != nil {
			b.Fatal(err)
		}
		rep := diagnose.Diagnose(ev, diagnose.Options{Unit: "inventory-api.service"})
		if rep.Verdict != diagnose.VerdictSandbox || rep.Findings[0].Directive != "ProtectSystem" {
			b.Fatalf("verdict %s %+v", rep.Verdict, rep.Findings)
		}
		if i == 0 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			held = ms.HeapAlloc
			runtime.KeepAlive(ev)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/per, unit)
	b.ReportMetric(float64(held)/(1<<20), "heap-MB")
}

func BenchmarkWhyErrorLines(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchHostile(b, n, 0) })
	}
}

func BenchmarkWhyRuns(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchHostile(b, 0, n) })
	}
}

// BenchmarkTriageOutput prints 40,000 rows, as a triage of a large fleet
// does: the reports are a real capture's answer under 40,000 unit names.
func BenchmarkTriageOutput(b *testing.B) {
	ev, err := journal.Collect(journal.Sources{Bundle: "../../../testdata/captures/syscallfilter-kill"}, journal.Query{Unit: "swapmgr.service"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	rep := diagnose.Diagnose(ev, diagnose.Options{Unit: "swapmgr.service"})
	reps := make([]*diagnose.Report, 40000)
	for i := range reps {
		r := *rep
		r.Unit = fmt.Sprintf("svc-%05d.service", i)
		reps[i] = &r
	}
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var out bytes.Buffer
				if err := writeTriage(&out, slices.Values(reps), format, diagnose.Colors{}); err != nil || out.Len() < 40000*40 {
					b.Fatalf("%v, %d bytes", err, out.Len())
				}
			}
		})
	}
}
