package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

const fleetDir = "../../../testdata/journal-remote-fleet"

// Real journal-remote output of two lab hosts with the same three failures:
// triage folds each into one line naming both hosts.
func TestTriageFleet(t *testing.T) {
	code, out, errOut := run(t, "triage", "--directory", fleetDir, "--unit-dir", "../../../testdata/fleet/units", "--output", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var reps []diagnose.Report
	if err := json.Unmarshal(out, &reps); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"inventory-api.service": "StateDirectory=inventory", "edge-proxy.service": "AmbientCapabilities=CAP_NET_BIND_SERVICE", "swapmgr.service": "SystemCallFilter=swapon"}
	if len(reps) != len(want) {
		t.Fatalf("%d reports, want %d: %s", len(reps), len(want), out)
	}
	for _, r := range reps {
		if len(r.Hosts) != 2 || !strings.Contains(strings.Join(r.Hosts, ","), "web2") {
			t.Errorf("%s: hosts %v", r.Unit, r.Hosts)
		}
		if len(r.Findings) == 0 || r.Findings[0].Relaxations[0].Lines[0] != want[r.Unit] {
			t.Errorf("%s: %+v", r.Unit, r.Findings)
		}
	}
	_, text, _ := run(t, "triage", "--directory", fleetDir, "--unit-dir", "../../../testdata/fleet/units", "--host", "web2")
	if lines := strings.Split(strings.TrimSpace(string(text)), "\n"); len(lines) != 3 || strings.Contains(string(text), "labvm") {
		t.Errorf("--host web2:\n%s", text)
	}
	code, out, _ = run(t, "why", "--directory", fleetDir, "--unit-dir", "../../../testdata/fleet/units", "--host", "web2", "inventory-api", "-o", "json")
	var r diagnose.Report
	if json.Unmarshal(out, &r); code != ExitFindings || r.Findings[0].Directive != "ProtectSystem" {
		t.Errorf("why on the fleet folder: %d %s", code, out)
	}
}

// Without the units' configuration, nothing is blamed on the sandbox and
// nothing is cleared either.
func TestTriageWithoutConfiguration(t *testing.T) {
	code, out, errOut := run(t, "triage", "--directory", fleetDir, "--host", "labvm", "--output", "json")
	var reps []diagnose.Report
	if err := json.Unmarshal(out, &reps); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s", code, err, errOut)
	}
	if len(reps) == 0 || code == ExitError {
		t.Fatalf("exit %d, %d reports: the fleet capture holds failed runs\n%s", code, len(reps), errOut)
	}
	for _, r := range reps {
		if r.Verdict == diagnose.VerdictNotSandbox {
			t.Errorf("%s judged not-sandbox without its configuration", r.Unit)
		}
		if r.Verdict != diagnose.VerdictUnknown && len(r.Findings) == 0 {
			t.Errorf("%s: verdict %s without a finding, and no configuration to judge by", r.Unit, r.Verdict)
		}
	}
}

// A unit's seccomp kill is found in an audit log where thousands of other
// processes were denied too; those are counted and skipped, not parsed.
// At the moment of the unit's SIGSYS death they are skipped too when the
// unit's own record is there (journal.TestKillsReadAtADeathAreBounded
// reads them where it is not). The foreign records are the capture's own
// SECCOMP line with other PIDs and serials, an hour earlier or at the same
// moment (generated here, not captured).
func TestTriageAmongForeignDenials(t *testing.T) {
	for _, c := range []struct {
		name       string
		atTheDeath bool
		skipped    int
		tied       bool
	}{
		{"an hour before", false, 5000, true},
		{"at the death, the unit's record there", true, 5000, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			reps, errOut := triageAmongForeignDenials(t, c.atTheDeath)
			if len(reps) != 1 || len(reps[0].Findings) == 0 || reps[0].Findings[0].Directive != "SystemCallFilter" {
				t.Fatalf("want one SystemCallFilter finding: %+v", reps)
			}
			if tied := slices.Contains(reps[0].DropIn(), "SystemCallFilter=swapon"); tied != c.tied {
				t.Errorf("SystemCallFilter=swapon offered %v, want %v: %+v", tied, c.tied, reps[0])
			}
			if !strings.Contains(errOut, fmt.Sprintf("%d audit records of processes no unit in the journal owns were skipped", c.skipped)) {
				t.Errorf("foreign records not counted as %d: %s", c.skipped, errOut)
			}
		})
	}
}

func triageAmongForeignDenials(t *testing.T, atTheDeath bool) ([]diagnose.Report, string) {
	capture := "../../../testdata/captures/syscallfilter-kill"
	b, err := os.ReadFile(filepath.Join(capture, "audit", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	real := string(b)
	var seccomp string
	for _, l := range strings.Split(real, "\n") {
		if strings.HasPrefix(l, "type=SECCOMP ") {
			seccomp = l
		}
	}
	pid, serial := regexp.MustCompile(` pid=\d+ `), regexp.MustCompile(`:\d+\): `)
	stamp := regexp.MustCompile(`audit\((\d+)\.`)
	sec, _ := strconv.ParseInt(stamp.FindStringSubmatch(seccomp)[1], 10, 64)
	other := seccomp
	if !atTheDeath {
		other = stamp.ReplaceAllString(seccomp, fmt.Sprintf("audit(%d.", sec-3600))
	}
	var log strings.Builder
	const foreign = 5000
	for i := 0; i < foreign; i++ {
		l := pid.ReplaceAllString(other, fmt.Sprintf(" pid=%d ", 200000+i))
		log.WriteString(serial.ReplaceAllString(l, fmt.Sprintf(":%d): ", 900000+i)) + "\n") // (each its own event)
	}
	log.WriteString(real)
	p := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(p, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "triage", "--file", filepath.Join(capture, "journal.export"), "--unit-dir", filepath.Join(capture, "units"), "--audit-log", p, "--output", "json")
	var reps []diagnose.Report
	if err := json.Unmarshal(out, &reps); err != nil || code != ExitFindings {
		t.Fatalf("exit %d, %v: %s %s", code, err, out, errOut)
	}
	return reps, string(errOut)
}

// On every real capture, triage (one pass, streaming) and why (one unit)
// give the same verdict and the same first directive; healthy units are
// not listed. Of the run why explains, triage's report has the same first
// finding's confidence and the same drop-in: on the real modprobe
// capture, whose process wrote nothing before its SIGSYS kill, triage
// named no call and offered none.
func TestTriageAgreesWithWhy(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(capturesDir, "*"))
	for _, dir := range dirs {
		exp := readExpect(t, filepath.Join(dir, "expect"))
		_, out, errOut := run(t, "triage", "--bundle", dir, "--output", "json")
		var reps []diagnose.Report
		if err := json.Unmarshal(out, &reps); err != nil && exp.verdict != "no-failure" {
			t.Errorf("%s: triage output is not JSON: %v %s", filepath.Base(dir), err, errOut)
			continue
		}
		var got *diagnose.Report
		for i := range reps {
			if reps[i].Unit == exp.unit {
				got = &reps[i]
			}
		}
		switch {
		case exp.verdict == "no-failure":
			if got != nil {
				t.Errorf("%s: triage lists a unit that did not fail: %s", filepath.Base(dir), got.Verdict)
			}
		case got == nil:
			t.Errorf("%s: triage does not list %s", filepath.Base(dir), exp.unit)
		case string(got.Verdict) != exp.verdict:
			t.Errorf("%s: triage says %s, want %s", filepath.Base(dir), got.Verdict, exp.verdict)
		case exp.directive != "" && (len(got.Findings) == 0 || got.Findings[0].Directive != exp.directive):
			t.Errorf("%s: triage's first finding %+v, want %s", filepath.Base(dir), first(got.Findings), exp.directive)
		}
		if got == nil || exp.verdict == "no-failure" {
			continue
		}
		_, out, _ = run(t, "why", "--bundle", dir, exp.unit, "--output", "json")
		var why diagnose.Report
		if err := json.Unmarshal(out, &why); err != nil {
			t.Errorf("%s: why output is not JSON: %v", filepath.Base(dir), err)
			continue
		}
		var same *diagnose.Report
		for i := range reps {
			if reps[i].Unit == exp.unit && reps[i].Invocation == why.Invocation {
				same = &reps[i]
			}
		}
		switch {
		case same == nil:
			t.Errorf("%s: triage has no report of run %s, which why explains", filepath.Base(dir), why.Invocation)
		case strings.Join(same.DropIn(), "\n") != strings.Join(why.DropIn(), "\n"):
			t.Errorf("%s: triage's drop-in %q, why's %q", filepath.Base(dir), same.DropIn(), why.DropIn())
		case len(why.Findings) > 0 && (len(same.Findings) == 0 || same.Findings[0].Confidence != why.Findings[0].Confidence || same.Findings[0].Symptom != why.Findings[0].Symptom):
			t.Errorf("%s: triage's first finding %+v, why's %+v", filepath.Base(dir), first(same.Findings), first(why.Findings))
		}
	}
}

// Triage of journal files reads them through their indexes; of an export
// file, as a stream. Both must give the same answers: a journal-remote
// folder made by mkbench from every capture (hundreds of runs of the lab's
// real failures under new unit names) is triaged both ways, the second
// time from its export (journalctl -o export).
func TestTriageIndexedAgreesWithStream(t *testing.T) {
	if _, err := os.Stat("/lib/systemd/systemd-journal-remote"); err != nil {
		t.Fatal("systemd-journal-remote is needed (apt-get install systemd-journal-remote)")
	}
	dir := t.TempDir()
	mk := exec.Command("go", "run", "./testdata/bench/mkbench", "-journal-mb", "3", "-audit-mb", "1", "-units", "40", "-out", dir)
	mk.Dir = "../../.."
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkbench: %v\n%s", err, out)
	}
	// A second host's journal beside it (which runs the first holds of
	// captures from other hosts depends on the captures there are).
	other := t.TempDir()
	mk = exec.Command("go", "run", "./testdata/bench/mkbench", "-journal-mb", "1", "-audit-mb", "1", "-units", "40", "-host", "web2", "-out", other)
	mk.Dir = "../../.."
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkbench: %v\n%s", err, out)
	}
	if err := os.Rename(filepath.Join(other, "journal", "remote-web2.journal"), filepath.Join(dir, "journal", "remote-web2.journal")); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "journal.export")
	jc := exec.Command("journalctl", "--directory", filepath.Join(dir, "journal"), "-o", "export")
	f, err := os.Create(export)
	if err != nil {
		t.Fatal(err)
	}
	jc.Stdout = f
	if err := jc.Run(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	answers := func(src ...string) map[string]int {
		args := append([]string{"triage", "--audit-log", filepath.Join(dir, "audit"), "--unit-dir", filepath.Join(dir, "units"), "-o", "json"}, src...)
		code, out, errOut := run(t, args...)
		var reps []diagnose.Report
		if err := json.Unmarshal(out, &reps); err != nil || code != ExitFindings {
			t.Fatalf("%v: exit %d %v\n%s", src, code, err, errOut)
		}
		m := map[string]int{}
		for _, r := range reps {
			// The words too: a line folded across hosts is its newest
			// run's, whichever order the hosts were read in.
			k := r.Unit + " " + string(r.Verdict) + " " + strings.Join(r.Hosts, ",") + " " + r.Cause
			if len(r.Findings) > 0 {
				k += " " + r.Findings[0].Setting + " " + strings.Join(r.DropIn(), ";")
			}
			m[k]++
		}
		return m
	}
	// The same entries as 20 journal files, as rotation leaves them
	// (runs cut across files): triage routes each run's lookups to the
	// files around its time, and must read a cut run whole.
	entries, _, err := journal.ReadExportFile(export, nil)
	if err != nil {
		t.Fatal(err)
	}
	const parts = 20
	rotated := filepath.Join(dir, "rotated")
	os.Mkdir(rotated, 0o755)
	for i := 0; i < parts; i++ {
		var part bytes.Buffer
		chunk := entries[i*len(entries)/parts : (i+1)*len(entries)/parts]
		for _, e := range chunk {
			// mkbench repeats the captures' boot ID and monotonic stamps;
			// libsystemd takes such entries in different files for copies
			// of one another and shows one. A boot per file keeps them all.
			e.Fields["_BOOT_ID"] = fmt.Sprintf("%032x", i+1)
		}
		journal.WriteExport(&part, chunk)
		cmd := exec.Command("/lib/systemd/systemd-journal-remote", fmt.Sprintf("--output=%s/part%d.journal", rotated, i), "-")
		cmd.Stdin = &part
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("journal-remote: %v\n%s", err, out)
		}
	}
	// And as a journal-remote folder of a fleet: a file per host, which
	// triage reads host by host.
	byHost := map[string][]journal.Entry{}
	for _, e := range entries {
		byHost[e.Host()] = append(byHost[e.Host()], e)
	}
	if len(byHost) < 2 {
		t.Fatalf("hosts %v: two were made", slices.Collect(maps.Keys(byHost)))
	}
	fleet := filepath.Join(dir, "fleet")
	os.Mkdir(fleet, 0o755)
	for h, es := range byHost {
		var part bytes.Buffer
		journal.WriteExport(&part, es)
		cmd := exec.Command("/lib/systemd/systemd-journal-remote", fmt.Sprintf("--output=%s/remote-%s.journal", fleet, h), "-")
		cmd.Stdin = &part
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("journal-remote: %v\n%s", err, out)
		}
	}
	indexed, streamed := answers("--directory", filepath.Join(dir, "journal")), answers("--file", export)
	if r := answers("--directory", rotated); !maps.Equal(r, indexed) {
		t.Errorf("%d files: %v\none file: %v", parts, r, indexed)
	}
	if r := answers("--directory", fleet); !maps.Equal(r, indexed) {
		t.Errorf("a file per host: %v\none file: %v", r, indexed)
	}
	t.Logf("%d distinct answers indexed, %d streamed", len(indexed), len(streamed))
	if len(indexed) < 40 {
		t.Fatalf("%d answers from the journal folder", len(indexed))
	}
	for k, n := range streamed {
		if indexed[k] != n {
			t.Errorf("streamed %d× %q, indexed %d×", n, k, indexed[k])
		}
	}
	for k, n := range indexed {
		if streamed[k] == 0 {
			t.Errorf("indexed %d× %q, never streamed", n, k)
		}
	}
}

// Every capture, triaged from its export (streamed) and from the same
// entries as journal files (read through the indexes: a bundle copy whose
// journal/ folder systemd-journal-remote wrote), gives the same answers.
func TestTriageIndexedAgreesOnEveryCapture(t *testing.T) {
	remote := "/lib/systemd/systemd-journal-remote"
	if _, err := os.Stat(remote); err != nil {
		t.Fatal("systemd-journal-remote is needed (apt-get install systemd-journal-remote)")
	}
	exports, _ := filepath.Glob("../../../testdata/captures/*/journal.export")
	if len(exports) < 100 {
		t.Fatalf("%d captures", len(exports))
	}
	for _, export := range exports {
		capture := filepath.Dir(export)
		copyDir := filepath.Join(t.TempDir(), filepath.Base(capture))
		if out, err := exec.Command("cp", "-r", capture, copyDir).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		os.Remove(filepath.Join(copyDir, "journal.export"))
		os.Mkdir(filepath.Join(copyDir, "journal"), 0o755)
		if out, err := exec.Command(remote, "--output="+filepath.Join(copyDir, "journal", "capture.journal"), export).CombinedOutput(); err != nil {
			t.Fatalf("%s: journal-remote: %v\n%s", capture, err, out)
		}
		streamed, indexed := triageAnswers(t, capture), triageAnswers(t, copyDir)
		if streamed != indexed {
			t.Errorf("%s:\nstreamed: %s\nindexed:  %s", filepath.Base(capture), streamed, indexed)
			continue
		}
		// And the reports whole: times, evidence, notes.
		_, fromExport, _ := run(t, "triage", "--bundle", capture, "-o", "json")
		_, fromFiles, _ := run(t, "triage", "--bundle", copyDir, "-o", "json")
		if !bytes.Equal(fromExport, fromFiles) {
			t.Errorf("%s: the reports differ:\nstreamed: %s\nindexed:  %s", filepath.Base(capture), fromExport, fromFiles)
		}
	}
}

// triageAnswers is triage's answers on a bundle, one line each: unit,
// verdict, hosts, setting, drop-in, and the exit status.
func triageAnswers(t *testing.T, bundle string) string {
	code, out, errOut := run(t, "triage", "--bundle", bundle, "-o", "json")
	var reps []diagnose.Report
	if err := json.Unmarshal(out, &reps); err != nil {
		return fmt.Sprintf("exit %d: %s", code, bytes.TrimSpace(errOut))
	}
	var lines []string
	for _, r := range reps {
		k := r.Unit + " " + string(r.Verdict) + " " + strings.Join(r.Hosts, ",")
		if len(r.Findings) > 0 {
			k += " " + r.Findings[0].Setting + " " + strings.Join(r.DropIn(), ";")
		}
		lines = append(lines, k)
	}
	sort.Strings(lines)
	return fmt.Sprintf("exit %d: %s", code, strings.Join(lines, " | "))
}

// The JSON array written one object at a time is the one an encoder of
// the whole array writes (the output is a contract).
func TestWriteTriageJSON(t *testing.T) {
	ev, err := journal.Collect(journal.Sources{Bundle: "../../../testdata/captures/syscallfilter-kill"}, journal.Query{Unit: "swapmgr.service"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := diagnose.Diagnose(ev, diagnose.Options{Unit: "swapmgr.service"})
	other := *rep
	other.Unit = "other.service"
	for _, reps := range [][]*diagnose.Report{{}, {rep}, {rep, &other}} {
		var got, want bytes.Buffer
		if err := writeTriage(&got, slices.Values(reps), "json", diagnose.Colors{}); err != nil {
			t.Fatal(err)
		}
		all := make([]*diagnose.Report, len(reps))
		for i, r := range reps {
			all[i] = r.Sanitized()
			all[i].Version = version()
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.Encode(all)
		if got.String() != want.String() {
			t.Errorf("%d reports: got\n%s\nwant\n%s", len(reps), got.String(), want.String())
		}
	}
}
