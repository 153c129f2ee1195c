// Command mkbench builds the benchmark data set from the lab's real
// captures: a journal export stream of many units and runs (fed to
// systemd-journal-remote to make real journal files) and a rotated audit
// log in auditd's ENRICHED format, both of the sizes asked for, made of the
// captures' own entries and records with new unit names, invocation IDs,
// PIDs, serials and times. The failure to find (the syscallfilter-kill
// capture, as bench-target.service) comes near the end.
//
//	go run ./testdata/bench/mkbench -journal-mb 1000 -audit-mb 1000 -out /var/tmp/bench
package main

import (
	"bufio"
	"crypto/md5"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/harden-tool/harden/journal"
)

var (
	journalMB = flag.Int("journal-mb", 100, "journal export size in MB (before journal-remote)")
	auditMB   = flag.Int("audit-mb", 100, "audit log size in MB (rotated every 100 MB)")
	out       = flag.String("out", "/var/tmp/harden-bench", "output folder")
	units     = flag.Int("units", 2000, "distinct unit names")
	captures  = flag.String("captures", "testdata/captures", "the lab's captures")
	denials   = flag.Int("denials", 1, "SECCOMP denials of unrelated processes per 20000 audit events (the load test uses thousands)")
	host      = flag.String("host", "", "the host the journal is of (_HOSTNAME, and a _MACHINE_ID derived from it): fleets are built one host at a time into one folder")
	healthy   = flag.Int("healthy", 0, "percent of the runs that are healthy: a capture's start and its service's lines without the failure, repeated as a running service's chatter")
)

const target = "bench-target.service"

func main() {
	flag.Parse()
	rng := rand.New(rand.NewSource(1))
	if err := os.MkdirAll(filepath.Join(*out, "journal"), 0o755); err != nil {
		fail(err)
	}
	os.MkdirAll(filepath.Join(*out, "audit"), 0o755)
	os.MkdirAll(filepath.Join(*out, "units"), 0o755)

	// Templates: every capture's entries, one run each.
	dirs, _ := filepath.Glob(filepath.Join(*captures, "*", "journal.export"))
	var runs [][]journal.Entry
	var tmplUnits []string
	for _, p := range dirs {
		es, _, err := journal.ReadExportFile(p, nil)
		if err != nil || len(es) == 0 {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "expect"))
		m := regexp.MustCompile(`(?m)^unit: (\S+)`).FindSubmatch(b)
		if m == nil {
			continue
		}
		runs = append(runs, es)
		tmplUnits = append(tmplUnits, string(m[1]))
	}
	targetRun, _, err := journal.ReadExportFile(filepath.Join(*captures, "syscallfilter-kill", "journal.export"), nil)
	if err != nil {
		fail(err)
	}

	// The journal: runs of renamed units, one second apart, until the size
	// is reached; then the target's run.
	base := int64(1795000000) * 1e6 // µs, before the lab's captures
	name := "remote-bench.journal"
	if *host != "" {
		name = "remote-" + *host + ".journal"
	}
	remote := exec.Command("/lib/systemd/systemd-journal-remote", "--output="+filepath.Join(*out, "journal", name), "-")
	stdin, _ := remote.StdinPipe()
	remote.Stderr = os.Stderr
	if err := remote.Start(); err != nil {
		fail(fmt.Errorf("systemd-journal-remote: %w", err))
	}
	w := &countWriter{w: bufio.NewWriterSize(stdin, 1<<20)}
	t := base
	pid := 10000
	for i := 0; w.n < int64(*journalMB)<<20; i++ {
		k := rng.Intn(len(runs))
		unit := fmt.Sprintf("svc-%05d.service", rng.Intn(*units))
		run := runs[k]
		if rng.Intn(100) < *healthy {
			if h := healthyRun(run, tmplUnits[k]); len(h) > 0 {
				run = h
			}
		}
		t = emitRun(w, run, tmplUnits[k], unit, t, &pid, rng)
	}
	targetTime := t + 1e6
	emitRun(w, targetRun, "swapmgr.service", target, targetTime, nil, rng)
	w.w.Flush()
	stdin.Close()
	if err := remote.Wait(); err != nil {
		fail(err)
	}

	// The unit's configuration, as the capture recorded it.
	for _, ext := range []string{".show", ".cat"} {
		b, _ := os.ReadFile(filepath.Join(*captures, "syscallfilter-kill", "units", "swapmgr.service"+ext))
		os.WriteFile(filepath.Join(*out, "units", target+ext), []byte(strings.ReplaceAll(string(b), "swapmgr", "bench-target")), 0o644)
	}
	os.WriteFile(filepath.Join(*out, "host.txt"), mustRead(filepath.Join(*captures, "syscallfilter-kill", "host.txt")), 0o644)

	// The audit log: real record shapes, rotated every 100 MB, the target's
	// SECCOMP record at its time.
	writeAudit(rng, base, targetTime)
	fmt.Printf("journal export %d MB, %d runs; audit %d MB; target %s at %d\n", w.n>>20, pid-10000, *auditMB, target, targetTime/1e6)
}

type countWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// emitRun writes one capture's entries as a run of unit starting at t;
// with pids nil the capture's own PIDs are kept (the target, whose audit
// records name them).
func emitRun(w *countWriter, es []journal.Entry, from, unit string, t int64, pids *int, rng *rand.Rand) int64 {
	inv := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
	pidMap := map[string]string{"1": "1"}
	first := es[0].Time.UnixMicro()
	fromBase := strings.TrimSuffix(from, ".service")
	unitBase := strings.TrimSuffix(unit, ".service")
	var batch []journal.Entry
	last := t
	for _, e := range es {
		f := make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			if strings.HasPrefix(k, "__") && k != "__REALTIME_TIMESTAMP" && k != "__MONOTONIC_TIMESTAMP" {
				continue
			}
			f[k] = v
		}
		if pids != nil {
			for _, k := range []string{"_PID", "_PPID"} {
				if p := f[k]; p != "" {
					if _, ok := pidMap[p]; !ok {
						*pids++
						pidMap[p] = strconv.Itoa(*pids)
					}
					f[k] = pidMap[p]
				}
			}
		}
		for _, k := range []string{"_SYSTEMD_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT", "COREDUMP_UNIT"} {
			if f[k] == from {
				f[k] = unit
			}
		}
		if f["_SYSTEMD_INVOCATION_ID"] != "" {
			f["_SYSTEMD_INVOCATION_ID"] = inv
		}
		if f["INVOCATION_ID"] != "" {
			f["INVOCATION_ID"] = inv
		}
		f["_SYSTEMD_CGROUP"] = strings.ReplaceAll(f["_SYSTEMD_CGROUP"], from, unit)
		if *host != "" {
			f["_HOSTNAME"] = *host
			f["_MACHINE_ID"] = fmt.Sprintf("%032x", md5.Sum([]byte(*host)))
		}
		f["MESSAGE"] = strings.ReplaceAll(strings.ReplaceAll(f["MESSAGE"], from, unit), "unit="+fromBase+" ", "unit="+unitBase+" ")
		ts := t + (e.Time.UnixMicro() - first)
		f["__REALTIME_TIMESTAMP"] = strconv.FormatInt(ts, 10)
		if ts > last {
			last = ts
		}
		batch = append(batch, journal.Entry{Fields: f})
	}
	sort.SliceStable(batch, func(i, j int) bool {
		return batch[i].Fields["__REALTIME_TIMESTAMP"] < batch[j].Fields["__REALTIME_TIMESTAMP"]
	})
	journal.WriteExport(w, batch)
	return last + 1e6
}

// failureRe: a line of a capture's service that tells of its failure;
// healthy runs leave those out.
var failureRe = regexp.MustCompile(`(?i)denied|read-only|not permitted|error|fail|errno|cannot|can't|unable|refused|killed|must|missing`)

// healthyRun is a capture's run without its failure: PID 1's start lines
// and the service's own lines that tell of no failure, repeated (a running
// service's chatter); no kernel or audit entries, no failure lines.
func healthyRun(es []journal.Entry, unit string) []journal.Entry {
	var start, chatter []journal.Entry
	for _, e := range es {
		switch {
		case e.Get("_PID") == "1" && e.Get("UNIT") == unit && (e.Get("MESSAGE_ID") == journal.MsgUnitStarting || e.Get("MESSAGE_ID") == "39f53479d3a045ac8e11786248231fbf"):
			start = append(start, e)
		case e.Get("_SYSTEMD_UNIT") == unit && e.Get("_TRANSPORT") == "stdout" && !failureRe.MatchString(e.Get("MESSAGE")):
			chatter = append(chatter, e)
		}
	}
	out := start
	if len(chatter) == 0 || len(start) == 0 {
		return out
	}
	last := start[len(start)-1].Time
	for i := 0; i < 20; i++ {
		e := chatter[i%len(chatter)]
		f := make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			f[k] = v
		}
		last = last.Add(500 * time.Millisecond)
		f["__REALTIME_TIMESTAMP"] = strconv.FormatInt(last.UnixMicro(), 10)
		out = append(out, journal.Entry{Fields: f, Time: last})
	}
	return out
}

// pidRe is a record's pid= field (not ppid=, auid=).
var pidRe = regexp.MustCompile(` pid=\d+ `)

var stampRe = regexp.MustCompile(`audit\((\d+)\.(\d+):(\d+)\)`)

// writeAudit writes the audit log in the shape of a production log with
// audit rules: mostly events of SYSCALL, CWD, PATH and PROCTITLE records
// (taken from the audited lab captures, made successful), some BPF and
// SERVICE records, and rarely a SECCOMP record of another process; the
// target's records at its time in the newest file.
func writeAudit(rng *rand.Rand, base, targetTime int64) {
	var group, single, seccomp, target []string
	files, _ := filepath.Glob(filepath.Join(*captures, "*", "audit", "audit.log"))
	failRe := regexp.MustCompile(`success=no exit=-\d+`)
	for _, p := range files {
		for _, l := range strings.Split(string(mustRead(p)), "\n") {
			switch {
			case l == "":
			case strings.Contains(p, "/syscallfilter-kill/"):
				target = append(target, l)
			case strings.HasPrefix(l, "type=SYSCALL ") || strings.HasPrefix(l, "type=CWD ") || strings.HasPrefix(l, "type=PATH ") || strings.HasPrefix(l, "type=PROCTITLE "):
				group = append(group, failRe.ReplaceAllString(l, "success=yes exit=3"))
			case strings.HasPrefix(l, "type=SECCOMP "):
				seccomp = append(seccomp, pidRe.ReplaceAllString(l, " pid=PID "))
			case strings.HasPrefix(l, "type=BPF ") || strings.HasPrefix(l, "type=SERVICE_"):
				single = append(single, l)
			}
		}
	}
	limit := int64(*auditMB) << 20
	const rot = 100 << 20
	nfiles := int((limit + rot - 1) / rot)
	serial := 1000
	span := targetTime - base
	var written int64
	for fi := nfiles - 1; fi >= 0; fi-- { // audit.log.N is the oldest
		name := "audit.log"
		if fi > 0 {
			name = fmt.Sprintf("audit.log.%d", fi)
		}
		f, err := os.Create(filepath.Join(*out, "audit", name))
		if err != nil {
			fail(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		var n int64
		for n < rot && written < limit {
			ts := base + int64(float64(span)*float64(written)/float64(limit)) // float: span*written overflows int64 at 1 GB
			serial++
			stamp := fmt.Sprintf("audit(%d.%03d:%d)", ts/1e6, (ts%1e6)/1000, serial)
			var lines []string
			switch r := rng.Intn(20000); {
			case r < *denials:
				// Processes outside any unit: PIDs above those the journal's
				// runs are given (10000 up, one per process), so that none
				// is taken for a unit's.
				lines = []string{strings.Replace(seccomp[rng.Intn(len(seccomp))], "pid=PID", fmt.Sprintf("pid=%d", 3000000+rng.Intn(50000)), 1)}
			case r < 16000:
				lines = []string{group[rng.Intn(len(group))], group[rng.Intn(len(group))], group[rng.Intn(len(group))], group[rng.Intn(len(group))]}
			default:
				lines = []string{single[rng.Intn(len(single))]}
			}
			for _, l := range lines {
				k, _ := bw.WriteString(stampRe.ReplaceAllString(l, stamp) + "\n")
				n += int64(k)
				written += int64(k)
			}
		}
		if fi == 0 {
			for _, l := range target {
				serial++
				l = stampRe.ReplaceAllString(l, fmt.Sprintf("audit(%d.%03d:%d)", targetTime/1e6+1, 0, serial))
				bw.WriteString(l + "\n")
			}
		}
		bw.Flush()
		f.Close()
	}
}

func mustRead(p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		fail(err)
	}
	return b
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mkbench:", err)
	os.Exit(1)
}
