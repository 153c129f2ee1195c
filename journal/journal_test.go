package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const captures = "../testdata/captures"

func readCapture(t *testing.T, name string) []Entry {
	t.Helper()
	es, ws, err := ReadExportFile(filepath.Join(captures, name, "journal.export"), nil)
	if err != nil || len(ws) > 0 {
		t.Fatalf("reading %s: %v %v", name, err, ws)
	}
	if len(es) == 0 {
		t.Fatalf("%s: no entries", name)
	}
	return es
}

func find(es []Entry, pred func(*Entry) bool) *Entry {
	for i := range es {
		if pred(&es[i]) {
			return &es[i]
		}
	}
	return nil
}

func TestExportRealCaptureProvenance(t *testing.T) {
	es := readCapture(t, "syscallfilter-kill")
	seccomp := find(es, func(e *Entry) bool { return e.Get("_AUDIT_TYPE_NAME") == "SECCOMP" })
	if seccomp == nil || seccomp.Get("_AUDIT_FIELD_SYSCALL") != "167" || seccomp.Provenance() != FromKernel {
		t.Fatalf("SECCOMP entry: %+v", seccomp)
	}
	exit := find(es, func(e *Entry) bool { return e.Get("MESSAGE_ID") == MsgUnitProcessExit })
	if exit == nil || exit.Provenance() != FromManager || exit.Get("EXIT_STATUS") != "31" {
		t.Fatalf("PID 1 exit line: %+v", exit)
	}
	svc := find(es, func(e *Entry) bool { return strings.HasPrefix(e.Message(), "capp: enabling swap") })
	if svc == nil || svc.Provenance() != FromService || svc.Time.IsZero() {
		t.Fatalf("service line: %+v", svc)
	}
}

func TestExportExecutorLinesAreTrusted(t *testing.T) {
	es := readCapture(t, "readwritedirectories-missing")
	e := find(es, func(e *Entry) bool { return strings.Contains(e.Message(), "Failed to set up mount namespacing") })
	if e == nil || e.Provenance() != FromExecutor || !IsManagerLine(e, "legacy-cron.service", "") {
		t.Fatalf("executor line: %+v", e)
	}
}

// The hostile capture's service printed lines imitating PID 1, the executor
// and the kernel; their trusted fields give them away.
func TestExportHostileLinesAreService(t *testing.T) {
	es := readCapture(t, "hostile-output")
	n := 0
	for i := range es {
		e := &es[i]
		m := e.Message()
		if strings.Contains(m, "status=226/NAMESPACE") || strings.Contains(m, "mount namespacing") || strings.HasPrefix(m, "audit: type=1326") {
			n++
			if e.Provenance() != FromService {
				t.Errorf("imitation judged %s: %q", e.Provenance(), m)
			}
		}
	}
	if n != 3 {
		t.Fatalf("found %d imitation lines, want 3", n)
	}
	// journald stored the line with escape sequences as a binary field.
	esc := find(es, func(e *Entry) bool { return strings.Contains(e.Message(), "\x1b[2J") })
	if esc == nil {
		t.Fatal("binary-safe MESSAGE with escape sequences not read")
	}
}

func TestExportTruncatedAndCorrupt(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(captures, "hostile-output", "journal.export"))
	if err != nil {
		t.Fatal(err)
	}
	// Cut inside the binary field: the entries before it survive, with a warning.
	i := bytes.Index(b, []byte("MESSAGE\n"))
	if i < 0 {
		t.Fatal("capture has no binary field")
	}
	es, ws := ReadExport(bytes.NewReader(b[:i+12]), "cut", nil)
	if len(ws) == 0 || len(es) == 0 {
		t.Fatalf("truncated stream: %d entries, warnings %v", len(es), ws)
	}
	// Hand-written for this edge case: a binary field claiming 2^40 bytes.
	var bad bytes.Buffer
	bad.WriteString("__REALTIME_TIMESTAMP=1\nMESSAGE\n")
	binary.Write(&bad, binary.LittleEndian, uint64(1)<<40)
	bad.WriteString("xx")
	es, ws = ReadExport(&bad, "bomb", nil)
	if len(ws) != 1 || !strings.Contains(ws[0].Text, "truncated") || !Incomplete(ws) {
		t.Fatalf("corrupt length: %v", ws)
	}
	if len(es) != 1 {
		t.Fatalf("entry before the damage lost: %d", len(es))
	}
}

// A field longer than the reader keeps is not damage: journald accepts
// fields up to 768 MiB and a service can send one. It is cut, skipped by
// its announced length, and the entries after it are read. Hand-written
// for this edge case (the real field would be 20 MiB of a service's text).
func TestExportOversizedFieldReadOn(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("__REALTIME_TIMESTAMP=1\n_SYSTEMD_UNIT=a.service\nMESSAGE\n")
	big := bytes.Repeat([]byte("x\n"), 10<<20)
	binary.Write(&b, binary.LittleEndian, uint64(len(big)))
	b.Write(big)
	b.WriteString("\nFOO=bar\n\n__REALTIME_TIMESTAMP=2\nMESSAGE=")
	b.Write(bytes.Repeat([]byte("y"), 3<<20)) // a 3 MiB text line
	b.WriteString("\n_SYSTEMD_UNIT=a.service\n\n__REALTIME_TIMESTAMP=3\nMESSAGE=after\n\n")
	es, ws := ReadExport(&b, "big", nil)
	if len(es) != 3 || es[2].Message() != "after" || es[0].Get("FOO") != "bar" || es[1].Get("_SYSTEMD_UNIT") != "a.service" {
		t.Fatalf("read %d entries, warnings %v", len(es), ws)
	}
	if len(es[0].Message()) != maxFieldKeep || len(es[1].Message()) > maxFieldKeep || len(es[1].Message()) < maxFieldKeep-len("MESSAGE=") {
		t.Errorf("values not cut to %d: %d, %d", maxFieldKeep, len(es[0].Message()), len(es[1].Message()))
	}
	if Incomplete(ws) || len(ws) != 1 || !strings.Contains(ws[0].Text, "2 field value(s)") {
		t.Errorf("warnings %v", ws)
	}
	// Zeros with no newline (a sparse file): not a field, stopped at once.
	es, ws = ReadExport(bytes.NewReader(make([]byte, 8<<20)), "zeros", nil)
	if len(es) != 0 || !Incomplete(ws) {
		t.Errorf("zeros: %d entries, %v", len(es), ws)
	}
}

// Hand-written lines in the shapes journalctl -o json uses (string, byte
// array for binary data, null, repeated field), plus a broken line.
func TestReadJSON(t *testing.T) {
	in := `{"__REALTIME_TIMESTAMP":"1795761809095138","MESSAGE":"plain","_PID":"12"}
{"__REALTIME_TIMESTAMP":"1795761809095139","MESSAGE":[27,91,50,74,104,105],"_PID":"12"}
{"MESSAGE":null,"X":["a","b"]}
not json at all
{"MESSAGE":"truncated"`
	es, ws := ReadJSON(strings.NewReader(in), "j", nil)
	if len(es) != 3 {
		t.Fatalf("%d entries", len(es))
	}
	if es[1].Message() != "\x1b[2Jhi" || es[2].Get("X") != "b" || es[0].Time.IsZero() {
		t.Fatalf("values: %q %q", es[1].Message(), es[2].Get("X"))
	}
	if len(ws) != 1 || !strings.Contains(ws[0].Text, "skipped 2") {
		t.Fatalf("warnings: %v", ws)
	}
}

func TestQueryMatches(t *testing.T) {
	es := readCapture(t, "protectsystem-strict")
	q := Query{Unit: "inventory-api.service"}
	n := 0
	for i := range es {
		if q.Matches(&es[i]) {
			n++
		}
	}
	other := Query{Unit: "other.service"}
	m := 0
	for i := range es {
		if other.Matches(&es[i]) {
			m++
		}
	}
	if n == 0 || m >= n {
		t.Fatalf("unit entries %d, other unit %d", n, m)
	}
	late := Query{Unit: "inventory-api.service", Since: time.Now().Add(100 * 365 * 24 * time.Hour)}
	if late.Matches(&es[0]) {
		t.Fatal("--since in the future still matched")
	}
}

func TestAuditRealCapture(t *testing.T) {
	files, err := AuditFiles(filepath.Join(captures, "syscallfilter-kill", "audit"))
	if err != nil {
		t.Fatal(err)
	}
	evs, ws := ReadAuditLogs(files, AuditWindow{})
	if len(ws) != 0 {
		t.Fatalf("warnings on a real log: %v", ws)
	}
	var sec *AuditRecord
	wantPID, _ := seccompRecord(t, files[0])
	for i := range evs {
		if r := evs[i].Record("SECCOMP"); r != nil {
			sec = r
			if evs[i].PID() != wantPID {
				t.Errorf("pid %d, the log says %d", evs[i].PID(), wantPID)
			}
		}
	}
	if sec == nil {
		t.Fatal("no SECCOMP event")
	}
	// ENRICHED format: the interpreted copies after 0x1d must not leak in.
	if sec.Fields["syscall"] != "swapon" || sec.Raw["syscall"] != "167" || sec.Raw["code"] != "0x80000000" || sec.Fields["arch"] != "x86_64" {
		t.Fatalf("fields %v raw %v", sec.Fields, sec.Raw)
	}
}

// Hand-written records for parser edge cases: two events interleaved and
// out of order, an unknown arch, a truncated line, garbage.
func TestAuditOddInput(t *testing.T) {
	dir := t.TempDir()
	log := `type=SYSCALL msg=audit(1700000000.100:20): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c items=1 ppid=1 pid=42 uid=998 comm="app" exe="/usr/bin/app"
type=SECCOMP msg=audit(1700000000.200:21): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=43 comm="x" exe="/x" sig=31 arch=deadbeef syscall=9999 compat=0 ip=0x0 code=0x80000000
type=PATH msg=audit(1700000000.100:20): item=0 name="/etc/app/key" inode=1 nametype=NORMAL
type=CWD msg=audit(1700000000.100:20): cwd="/"
garbage line
type=SYSCALL msg=audit(1700000000.300:22): arch=c000003e sysc
type=EOE msg=audit(1700000000.100:20):
`
	p := filepath.Join(dir, "audit.log")
	os.WriteFile(p, []byte(log), 0o644)
	os.WriteFile(filepath.Join(dir, "audit.log.1"), []byte("type=SECCOMP msg=audit(1699999999.000:5): pid=7 comm=\"old\" sig=31 arch=c000003e syscall=167 code=0x80000000\n"), 0o644)
	files, _ := AuditFiles(dir)
	if len(files) != 2 || !strings.HasSuffix(files[0], ".1") {
		t.Fatalf("rotation order %v", files)
	}
	evs, ws := ReadAuditLogs(files, AuditWindow{})
	if len(ws) != 1 || !strings.Contains(ws[0].Text, "skipped") {
		t.Fatalf("warnings %v", ws)
	}
	var ev20, ev21 *AuditEvent
	for i := range evs {
		switch evs[i].Serial {
		case 20:
			ev20 = &evs[i]
		case 21:
			ev21 = &evs[i]
		}
	}
	if ev20 == nil || ev20.Record("PATH") == nil || ev20.Record("SYSCALL").Fields["exit"] != "EACCES" {
		t.Fatalf("interleaved event not regrouped: %+v", ev20)
	}
	if ev21 == nil || ev21.Record("SECCOMP").Raw["syscall"] != "9999" {
		t.Fatalf("unknown-arch record lost: %+v", ev21)
	}
	if evs[0].Serial != 5 {
		t.Fatalf("events not in time order: first serial %d", evs[0].Serial)
	}
}

func TestAuditFromJournalDeduplicates(t *testing.T) {
	es := readCapture(t, "syscallfilter-kill")
	fromJournal := AuditFromJournal(es)
	var seccomp *AuditEvent
	for i := range fromJournal {
		if fromJournal[i].Record("SECCOMP") != nil {
			seccomp = &fromJournal[i]
		}
	}
	files, _ := AuditFiles(filepath.Join(captures, "syscallfilter-kill", "audit"))
	_, serial := seccompRecord(t, files[0])
	if seccomp == nil || seccomp.Record("SECCOMP").Fields["syscall"] != "swapon" || seccomp.Serial != serial {
		t.Fatalf("journal audit entry (serial %d expected): %+v", serial, seccomp)
	}
	fromLog, _ := ReadAuditLogs(files, AuditWindow{})
	merged := MergeAudit(fromLog, fromJournal)
	if len(merged) != len(fromLog) {
		t.Fatalf("merged %d events, audit.log alone has %d: the journal's copies were not dropped", len(merged), len(fromLog))
	}
}

func TestParseCatLocations(t *testing.T) {
	f, err := os.Open(filepath.Join(captures, "readwritedirectories-missing", "units", "legacy-cron.service.cat"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	settings, files, err := ParseCat(f)
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v err %v", files, err)
	}
	cfg := &UnitConfig{Settings: settings}
	rw := cfg.SettingsOf("ReadWriteDirectories")
	if len(rw) != 1 || rw[0].Location() != "/etc/systemd/system/legacy-cron.service.d/10-spool.conf:3" || rw[0].Value != "/var/spool/legacy-cron" {
		t.Fatalf("ReadWriteDirectories: %+v", rw)
	}
	ps := cfg.SettingsOf("ProtectSystem")
	if len(ps) != 1 || ps[0].Location() != "/etc/systemd/system/legacy-cron.service:5" {
		t.Fatalf("ProtectSystem: %+v", ps)
	}
	if _, _, err := ParseCat(strings.NewReader("[Service]\nUser=x\n")); err == nil {
		t.Fatal("text without file headers accepted as systemctl cat output")
	}
}

// Hand-written: continuation lines and comments keep later line numbers right.
func TestParseUnitFileContinuation(t *testing.T) {
	src := "[Service]\n# comment\nExecStart=/bin/a \\\n  --flag\nProtectSystem=strict\n"
	ss := ParseUnitFile("u.service", strings.NewReader(src))
	cfg := &UnitConfig{Settings: ss}
	if p := cfg.SettingsOf("ProtectSystem"); len(p) != 1 || p[0].Line != 5 {
		t.Fatalf("%+v", ss)
	}
}

func TestParseShowAndHost(t *testing.T) {
	f, _ := os.Open(filepath.Join(captures, "syscallfilter-errno", "units", "hostnamer.service.show"))
	defer f.Close()
	props, err := ParseShow(f)
	if err != nil || props["SystemCallErrorNumber"] != "1" || props["FragmentPath"] != "/etc/systemd/system/hostnamer.service" {
		t.Fatalf("%v %v", err, props["SystemCallErrorNumber"])
	}
	if _, err := ParseShow(strings.NewReader("hello\nworld\n")); err == nil {
		t.Fatal("non-show text accepted")
	}
	// One over-long line (hand-written: an ExecStart= of 5 MiB) costs that
	// property, not the configuration.
	raw, _ := os.ReadFile(filepath.Join(captures, "syscallfilter-errno", "units", "hostnamer.service.show"))
	long := "Environment=" + strings.Repeat("A", 5<<20) + "\n"
	props, err = ParseShow(strings.NewReader(long + string(raw)))
	if !errors.Is(err, ErrPartialShow) || props["SystemCallErrorNumber"] != "1" || props["Environment"] != "" || !strings.Contains(err.Error(), "Environment") {
		t.Fatalf("long line: %v, %d properties", err, len(props))
	}
	b, _ := os.ReadFile(filepath.Join(captures, "syscallfilter-errno", "host.txt"))
	h := ParseHostInfo(b)
	if h.SystemdVersion != 252 || h.Arch != "x86_64" || !strings.HasPrefix(h.Kernel, "6.1") {
		t.Fatalf("%+v", h)
	}
}

// A real journal file written by systemd-journal-remote, read through
// libsystemd: the walk back from the tail stops at the failed run's start.
func TestReadJournalDirectory(t *testing.T) {
	es, ws, err := ReadJournal(JournalSpec{Dir: "../testdata/journal-remote"}, Query{Unit: "inventory-api.service"})
	if err != nil {
		t.Skipf("libsystemd unavailable: %v", err)
	}
	if len(ws) != 0 {
		t.Fatalf("warnings: %v", ws)
	}
	tb := find(es, func(e *Entry) bool { return strings.Contains(e.Message(), "Read-only file system") })
	fail := find(es, func(e *Entry) bool { return e.Get("MESSAGE_ID") == MsgUnitFailureResult })
	if tb == nil || fail == nil {
		t.Fatalf("%d entries, traceback %v, failure %v", len(es), tb != nil, fail != nil)
	}
	for i := 1; i < len(es); i++ {
		if es[i].Time.Before(es[i-1].Time) {
			t.Fatal("entries not oldest first")
		}
	}
	if _, _, err := ReadJournal(JournalSpec{Dir: "/nonexistent"}, Query{Unit: "x.service"}); err == nil {
		t.Fatal("missing directory accepted")
	}
}

func TestCollectBundleMissingParts(t *testing.T) {
	dir := t.TempDir()
	b, _ := os.ReadFile(filepath.Join(captures, "protectsystem-strict", "journal.export"))
	os.WriteFile(filepath.Join(dir, "journal.export"), b, 0o644)
	ev, err := Collect(Sources{Bundle: dir}, Query{Unit: "inventory-api.service"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Unit != nil || len(ev.Missing) < 2 {
		t.Fatalf("missing parts not reported: %v", ev.Missing)
	}
	if _, err := Collect(Sources{Bundle: filepath.Join(dir, "nope")}, Query{Unit: "x.service"}, nil); err == nil {
		t.Fatal("absent bundle accepted")
	}
}

// Real `systemd-analyze syscall-filter` output of the lab's systemd 252
// (Debian's build, with backported calls): nested groups are expanded.
func TestParseSyscallFilter(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(captures, "watch-session", "syscall-filter.txt"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseSyscallFilter(string(b))
	if err != nil {
		t.Fatal(err)
	}
	ss := g["@system-service"]
	if len(ss) < 350 || !ss["personality"] || !ss["fchmodat2"] || ss["swapon"] {
		t.Fatalf("@system-service: %d calls, personality %v, fchmodat2 %v (Debian backport), swapon %v", len(ss), ss["personality"], ss["fchmodat2"], ss["swapon"])
	}
	if !g["@swap"]["swapon"] {
		t.Fatal("@swap lacks swapon")
	}
	if _, err := ParseSyscallFilter("nothing here\n"); err == nil {
		t.Fatal("garbage accepted")
	}
}

// Journal files from newer systemd (compact mode, zstd) read through
// libsystemd, and real journal files truncated or overwritten in the
// middle: a clear answer or a clear error, never a crash or a hang.
func TestJournalFilesCompactAndDamaged(t *testing.T) {
	es, _, err := ReadJournal(JournalSpec{Dir: "../testdata/journal-compact"}, Query{Unit: "inventory-api.service"})
	if err != nil || find(es, func(e *Entry) bool { return strings.Contains(e.Message(), "Read-only file system") }) == nil {
		t.Fatalf("compact journal: %d entries, %v", len(es), err)
	}
	b, err := os.ReadFile("../testdata/journal-remote/remote-labvm.journal")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"truncated-header": b[:100],
		"truncated-half":   b[:len(b)/2],
		"zeroed-middle":    append(append(append([]byte{}, b[:4096]...), make([]byte, 4096)...), b[8192:]...),
		"garbage-tail":     append(append([]byte{}, b[:len(b)-100000]...), bytes.Repeat([]byte{0xff}, 100000)...),
		"not-a-journal":    []byte("LPKSHHRH but nothing else"),
	}
	for name, data := range cases {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "damaged.journal"), data, 0o644)
		done := make(chan struct{})
		go func() {
			defer close(done)
			es, ws, err := ReadJournal(JournalSpec{Dir: dir}, Query{Unit: "inventory-api.service"})
			if err == nil && len(es) == 0 && len(ws) == 0 {
				t.Errorf("%s: nothing read and nothing said", name)
			}
			_, _, _ = ReadJournal(JournalSpec{Files: []string{filepath.Join(dir, "damaged.journal")}}, Query{Unit: "inventory-api.service"})
			// Triage's index-driven read, its entries read by entryReader.
			ev, err := OpenTriage(TriageInput{Sources: Sources{Directory: dir}})
			if err != nil {
				return
			}
			defer ev.Close()
			runs := 0
			ws = ev.Runs(Triggers{Text: func(string) bool { return false }}, func(*IndexedRun) { runs++ })
			if runs == 0 && len(ws) == 0 {
				t.Errorf("%s: triage read no run and said nothing", name)
			}
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: reading hung", name)
		}
	}
}

// writeRemoteJournal writes entries as a journal file at path, through
// systemd-journal-remote as a host's journal would be.
func writeRemoteJournal(t *testing.T, path string, entries []Entry) {
	t.Helper()
	var export bytes.Buffer
	WriteExport(&export, entries)
	cmd := exec.Command("/lib/systemd/systemd-journal-remote", "--output="+path, "-")
	cmd.Stdin = &export
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// web3ID is the machine ID of web2AndWeb3's copy.
var web3ID = strings.Repeat("3", 32)

// web2AndWeb3 is a folder of the real journal-remote output of a lab host
// (web2) beside a copy of it as another machine (web3, machine ID web3ID):
// the bench's replicated fleet, in small.
func web2AndWeb3(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/lib/systemd/systemd-journal-remote"); err != nil {
		t.Fatal("systemd-journal-remote is needed (apt-get install systemd-journal-remote)")
	}
	dir := t.TempDir()
	web2 := filepath.Join("..", "testdata", "journal-remote-fleet", "remote-web2.journal")
	entries, _, err := ReadJournal(JournalSpec{Files: []string{web2}}, Query{})
	if err != nil || len(entries) == 0 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	for i := range entries {
		f := entries[i].Fields
		f["_HOSTNAME"], f["_MACHINE_ID"], f["_BOOT_ID"] = "web3", web3ID, strings.Repeat("b", 32)
	}
	writeRemoteJournal(t, filepath.Join(dir, "remote-web3.journal"), entries)
	b, err := os.ReadFile(web2)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "remote-web2.journal"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// In a folder of several machines, the walk for one run reads that run's
// machine only: another machine's kernel and audit entries of the same
// minutes, with the same PIDs, are not the run's evidence. The folder is
// the real journal-remote output of a lab host (web2) beside a copy of it
// as a third machine (the bench's replicated fleet, in small): every run
// of one has a twin at the same moment in the other.
func TestReadJournalKeepsToTheRunsMachine(t *testing.T) {
	if _, err := os.Stat("/lib/systemd/systemd-journal-remote"); err != nil {
		t.Fatal("systemd-journal-remote is needed (apt-get install systemd-journal-remote)")
	}
	spec := JournalSpec{Dir: web2AndWeb3(t)}
	hostsOf := func(q Query) map[string]int {
		entries, _, err := ReadJournal(spec, q)
		if err != nil {
			t.Fatal(err)
		}
		hosts := map[string]int{}
		for i := range entries {
			hosts[entries[i].Host()]++
		}
		return hosts
	}
	for _, unit := range []string{"swapmgr.service", "inventory-api.service"} {
		got := hostsOf(Query{Unit: unit})
		if len(got) != 1 {
			t.Errorf("%s: the walk read entries of %d machines: %v", unit, len(got), got)
		}
		// Held to either machine, the walk finds that machine's run.
		for _, h := range []string{"web2", "web3"} {
			if o := hostsOf(Query{Unit: unit, Hosts: []string{h}}); len(o) != 1 || o[h] == 0 {
				t.Errorf("%s on %s: %v", unit, h, o)
			}
		}
	}
}

// Triage reads an export keeping only the fields the diagnosis reads,
// skipping the others unread: on every capture's journal it reads the
// same entries, with the same values of those fields, as a read of every
// field does.
func TestLeanExportReadsWhatAWholeReadDoes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(captures, "*", "journal.export"))
	if len(files) < 100 {
		t.Fatalf("%d captures", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		full, ws := ReadExport(bytes.NewReader(b), p, nil)
		if len(full) == 0 {
			t.Fatalf("%s: no entries", p)
		}
		t.Run(filepath.Base(filepath.Dir(p)), func(t *testing.T) { sameLean(t, b, full, ws) })
	}
}
