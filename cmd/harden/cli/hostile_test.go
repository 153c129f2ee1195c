package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

// The lab's hostile-kmsg-forger capture: a root service (no
// PrivateDevices=, no ProtectKernelLogs=) wrote imitations of the kernel's
// audit records to /dev/kmsg (SECCOMP of init_module, a SYSCALL with
// EROFS and a PARENT item /usr/, an OOM kill, a pids-controller refusal)
// and native-protocol entries with UNIT=inventory-probe.service shaped like
// PID 1's failure lines, then failed on its real sandbox refusal. On
// systemd 252 journald stored the forgeries as _TRANSPORT=kernel with
// SYSLOG_FACILITY=1; before the fix harden blamed TasksMax= first and
// proposed ReadWritePaths=/ and ProtectSystem=no.
// The same scenario on systemd 257 (Debian 13) behaved alike.
var forgerCaptures = []string{"../../../testdata/captures/hostile-kmsg-forger", "../../../testdata/captures/hostile-kmsg-forger-trixie"}

func TestForgedKernelLinesAreServiceText(t *testing.T) {
	for _, c := range forgerCaptures {
		t.Run(filepath.Base(c), func(t *testing.T) { testForgedKernelLines(t, c) })
	}
}

func testForgedKernelLines(t *testing.T, forgerCapture string) {
	code, out, errOut := run(t, "why", "--bundle", forgerCapture, "ledger-sync", "--output", "json")
	var rep diagnose.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if code != ExitFindings || len(rep.Findings) != 1 || rep.Findings[0].Directive != "ProtectSystem" {
		t.Fatalf("exit %d, findings %+v", code, rep.Findings)
	}
	for _, ev := range rep.Findings[0].Quotes {
		if ev.Origin == "kernel" || ev.From == "kernel" || ev.From == "audit" {
			t.Errorf("a line the service wrote to /dev/kmsg is shown as the kernel's: %+v", ev)
		}
	}
	for _, r := range rep.Findings[0].Relaxations {
		for _, l := range r.Lines {
			if l == "ReadWritePaths=/" || l == "ReadWritePaths=/usr" || strings.HasPrefix(l, "ProtectSystem=") || strings.HasPrefix(l, "SystemCallFilter=") {
				t.Errorf("proposes %q on forged kernel text", l)
			}
		}
	}
}

// The neighbour's UNIT= lines do not choose its run: why inventory-probe
// reports the probe's own (successful) invocation, the one PID 1 names.
func TestForgedUnitFieldDoesNotChooseTheRun(t *testing.T) {
	for _, c := range forgerCaptures {
		t.Run(filepath.Base(c), func(t *testing.T) { testForgedUnitField(t, c) })
	}
}

func testForgedUnitField(t *testing.T, forgerCapture string) {
	entries, _, err := journal.ReadExportFile(filepath.Join(forgerCapture, "journal.export"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var probeRun, forgerRun string
	for i := range entries {
		e := &entries[i]
		if e.Get("_PID") == "1" && e.Get("UNIT") == "inventory-probe.service" && e.Get("INVOCATION_ID") != "" {
			probeRun = e.Get("INVOCATION_ID")
		}
		if e.Get("_SYSTEMD_UNIT") == "ledger-sync.service" && e.Get("UNIT") == "inventory-probe.service" {
			forgerRun = e.Get("_SYSTEMD_INVOCATION_ID")
		}
	}
	if probeRun == "" || forgerRun == "" || probeRun == forgerRun {
		t.Fatalf("capture lacks the probe's run (%q) or the forged lines (%q)", probeRun, forgerRun)
	}
	code, out, _ := run(t, "why", "--bundle", forgerCapture, "inventory-probe", "--output", "json")
	var rep diagnose.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Invocation != probeRun || rep.Verdict != diagnose.VerdictNoFailure || code != ExitNoSandboxFailure {
		t.Fatalf("run %s verdict %s exit %d; want the probe's own run %s, no failure", rep.Invocation, rep.Verdict, code, probeRun)
	}
	// triage lists no failure of the probe either.
	_, out, _ = run(t, "triage", "--bundle", forgerCapture, "--output", "json")
	var reps []diagnose.Report
	if err := json.Unmarshal(out, &reps); err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		if r.Unit == "inventory-probe.service" {
			t.Errorf("triage lists the probe: %+v", r)
		}
	}
}

// copyCapture copies a capture into a temporary folder for a test to spoil.
func copyCapture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(capturesDir, name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// A journal cut short never answers "no failure" with exit 0: what was
// not read may hold the failure.
func TestTruncatedJournalIsNotNoFailure(t *testing.T) {
	dir := copyCapture(t, "protectsystem-strict")
	p := filepath.Join(dir, "journal.export")
	b, _ := os.ReadFile(p)
	i := bytes.Index(b, []byte("MESSAGE\n"))
	if i < 0 {
		// No binary field in this capture: damage it with one whose
		// announced length runs past the end (hand-written damage).
		i = len(b) / 3
		i = bytes.Index(b[i:], []byte("\n\n")) + i + 2
		var bad bytes.Buffer
		bad.Write(b[:i])
		bad.WriteString("MESSAGE\n")
		binary.Write(&bad, binary.LittleEndian, uint64(1)<<30)
		bad.WriteString("short")
		b = bad.Bytes()
	} else {
		b = b[:i+12]
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	exp := readExpect(t, filepath.Join(dir, "expect"))
	code, out, _ := run(t, "why", "--bundle", dir, exp.unit, "--output", "json")
	var rep diagnose.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict == diagnose.VerdictNoFailure || (rep.Verdict != diagnose.VerdictSandbox && code != ExitError) || !rep.Incomplete {
		t.Fatalf("verdict %s, exit %d, incomplete %v (cause %s)", rep.Verdict, code, rep.Incomplete, rep.Cause)
	}
	code, _, errOut := run(t, "triage", "--bundle", dir)
	if code == ExitNoSandboxFailure {
		t.Fatalf("triage exit 0 on a truncated journal: %s", errOut)
	}
}

// A folder bundle is read as a bundle: a link out of it is refused and
// nothing of its target is echoed; FIFOs never block the reader.
func TestBundleLinksAndFIFOs(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("root:$6$hash-that-must-not-leak:19000:0:99999:7:::\n"), 0o600)
	dir := copyCapture(t, "protectsystem-strict")
	exp := readExpect(t, filepath.Join(dir, "expect"))
	os.Remove(filepath.Join(dir, "journal.export"))
	if err := os.Symlink(secret, filepath.Join(dir, "journal.export")); err != nil {
		t.Fatal(err)
	}
	units := filepath.Join(dir, "units", exp.unit+".cat")
	os.Remove(units)
	if err := syscall.Mkfifo(units, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "host.txt"))
	os.Symlink("/dev/zero", filepath.Join(dir, "host.txt"))
	_, out, errOut := run(t, "why", "--bundle", dir, exp.unit, "--output", "json")
	all := string(out) + string(errOut)
	if strings.Contains(all, "hash-that-must-not-leak") {
		t.Fatalf("the target of a link out of the bundle was echoed:\n%s", all)
	}
	if !strings.Contains(all, "leads out of the bundle") {
		t.Errorf("the refused link is not named:\n%s", all)
	}
	// A FIFO as the bundle itself and as an audit log.
	fifo := filepath.Join(t.TempDir(), "fifo")
	syscall.Mkfifo(fifo, 0o600)
	code, _, errOut := run(t, "why", "--bundle", fifo, exp.unit)
	if code != ExitError || !strings.Contains(string(errOut), "FIFO") {
		t.Errorf("FIFO bundle: exit %d, %s", code, errOut)
	}
	_, out, _ = run(t, "why", "--file", filepath.Join(capturesDir, "protectsystem-strict", "journal.export"), "--audit-log", fifo, exp.unit, "--output", "json")
	var rep diagnose.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.MissingEvidence, "\n"), "a FIFO") {
		t.Errorf("FIFO audit log not reported: %q", rep.MissingEvidence)
	}
}

// An archive of one folder leaves nothing behind in the temporary folder.
func TestArchiveLeavesNoTemporaryFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	arch := filepath.Join(t.TempDir(), "b.tar.gz")
	f, _ := os.Create(arch)
	if err := journal.WriteArchive(f, filepath.Join(capturesDir, "protectsystem-strict"), "bundle"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	exp := readExpect(t, filepath.Join(capturesDir, "protectsystem-strict", "expect"))
	if code, _, errOut := run(t, "why", "--bundle", arch, exp.unit); code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left behind in TMPDIR: %v", ents)
	}
	// triage's JSON answers are held in a temporary file until printed.
	if code, out, errOut := run(t, "triage", "--bundle", arch, "--output", "json"); code != ExitFindings || !bytes.Contains(out, []byte(exp.unit)) {
		t.Fatalf("triage exit %d: %s", code, errOut)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("triage left behind in TMPDIR: %v", ents)
	}
}

// A SECCOMP record that kills the main process cannot explain a run PID 1
// says exited with a status: the kill is then not believed (here the real
// syscallfilter-kill capture with PID 1's exit line altered to "exited,
// status=1", as if the record had been planted).
func TestSigsysKillContradictedByExitStatus(t *testing.T) {
	dir := copyCapture(t, "syscallfilter-kill")
	p := filepath.Join(dir, "journal.export")
	b, _ := os.ReadFile(p)
	b = bytes.ReplaceAll(b, []byte("EXIT_CODE=killed"), []byte("EXIT_CODE=exited"))
	b = bytes.ReplaceAll(b, []byte("EXIT_STATUS=31"), []byte("EXIT_STATUS=1"))
	os.WriteFile(p, b, 0o644)
	exp := readExpect(t, filepath.Join(dir, "expect"))
	_, out, _ := run(t, "why", "--bundle", dir, exp.unit, "--output", "json")
	var rep diagnose.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Directive == "SystemCallFilter" && (f.Confidence != diagnose.Low || len(f.Relaxations) > 0) {
			t.Errorf("a SIGSYS kill believed against PID 1's exit status: %+v", f)
		}
	}
}
