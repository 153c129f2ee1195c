package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// watchRecording runs watch on a journal folder while
// systemd-journal-remote writes the given real exports into it, until want
// all appear in its output (or 90 s pass: CI may be loaded), and returns the output.
func watchRecording(t *testing.T, units []string, unitsDir string, exports []string, want ...string) string {
	t.Helper()
	remote := "/lib/systemd/systemd-journal-remote"
	if _, err := os.Stat(remote); err != nil {
		t.Skip("systemd-journal-remote not installed")
	}
	dir := t.TempDir()
	// watch follows from the tail, and an empty folder's tail is its end:
	// libsystemd then passes over the entries of a file that appears whole
	// (journal-remote keeps their own, older times), so this test failed
	// whenever the file was written before watch looked. The folder first
	// holds one entry dated 1970 that watch's matches take (a kernel-
	// transport line; hand-written, not evidence) for the tail to be; each
	// file is written elsewhere and moved in whole.
	stage := t.TempDir()
	writeRemote := func(name string, files ...string) {
		cmd := exec.Command(remote, append([]string{"--output=" + filepath.Join(stage, name)}, files...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("journal-remote: %v %s", err, b)
		}
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	primer := filepath.Join(stage, "primer.export")
	if err := os.WriteFile(primer, []byte("__REALTIME_TIMESTAMP=1000000\n__MONOTONIC_TIMESTAMP=1000000\n"+
		"_BOOT_ID=00000000000000000000000000000001\n_TRANSPORT=kernel\nMESSAGE=the tail\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeRemote("primer.journal", primer)
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errOut := &syncBuffer{}
	io := &IOStreams{Out: out, ErrOut: errOut}
	opts := &WatchOptions{IO: io, Live: func() journal.LiveHost { return nil }, Context: ctx,
		Units: units, Directory: dir, UnitsDir: unitsDir}
	done := make(chan error)
	go func() { done <- watchRun(opts) }()
	for ready := time.Now().Add(60 * time.Second); time.Now().Before(ready) && !strings.Contains(errOut.String(), "watching"); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	writeRemote("remote.journal", exports...)
	all := func() bool {
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline) && !all(); {
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// watch follows a journal folder while systemd-journal-remote writes real
// captured failures into it, explains each, and ends with the drop-in.
func TestWatchFollowsJournalRemote(t *testing.T) {
	got := watchRecording(t, []string{"inventory-api", "swapmgr"}, "../../../testdata/fleet/units",
		[]string{"../../../testdata/fleet/web2/protectsystem-strict/journal.export", "../../../testdata/fleet/web2/syscallfilter-kill/journal.export"},
		"StateDirectory=inventory", "SystemCallFilter=swapon")
	for _, want := range []string{"── ", "inventory-api.service", "Drop-in for swapmgr.service so far", "Consolidated drop-ins for this session", "StateDirectory=inventory", "SystemCallFilter=swapon"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
}

// The lab ran harden watch inside the VM against real systemd 252 (journal
// through sdjournal, audit through netlink) while two hardened units
// failed, stopped it with SIGINT, and kept its output.
func TestWatchLabSession(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(capturesDir, "watch-session", "watch.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"watched-swap.service failed", "killed by SIGSYS for calling swapon",
		"watched-api.service failed", "Consolidated drop-ins for this session",
		"# systemctl edit watched-api.service\n# (/etc/systemd/system/watched-api.service.d/override.conf)\n[Service]\nStateDirectory=watched-api",
		"# systemctl edit watched-swap.service\n# (/etc/systemd/system/watched-swap.service.d/override.conf)\n[Service]\nSystemCallFilter=swapon",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lab watch session lacks %q", want)
		}
	}
	if e, _ := os.ReadFile(filepath.Join(capturesDir, "watch-session", "watch.err")); strings.Contains(string(e), "not available") {
		t.Errorf("the audit stream was not used in the lab: %s", e)
	}
	// And today's code on the session's own journal gives the same drop-in
	// for the unit whose configuration the capture kept.
	dir := filepath.Join(capturesDir, "watch-session")
	now := watchRecording(t, []string{"watched-api"}, filepath.Join(dir, "units"), []string{filepath.Join(dir, "journal.export")}, "StateDirectory=watched-api")
	if !strings.Contains(now, "watched-api.service failed") || !strings.Contains(now, "[Service]\nStateDirectory=watched-api") {
		t.Errorf("watch on the session's journal today:\n%s", now)
	}
}

// The same lab session ran harden's live paths against that real systemd
// (why, triage, collect, why as nobody; their figures are the scenario's
// lab post-conditions, postcondition.sh). Here today's code reads the
// bundle collect wrote in the VM and must give what live why gave there.
func TestLiveLabSession(t *testing.T) {
	dir := filepath.Join(capturesDir, "watch-session")
	b, err := os.ReadFile(filepath.Join(dir, "live-why.json"))
	if err != nil {
		t.Fatal(err)
	}
	var live diagnose.Report
	if err := json.Unmarshal(b, &live); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "why", "--bundle", filepath.Join(dir, "collected.tar.gz"), "watched-swap", "--output", "json")
	var now diagnose.Report
	if err := json.Unmarshal(out, &now); err != nil {
		t.Fatalf("exit %d, not JSON: %v\n%s", code, err, errOut)
	}
	if code != ExitFindings {
		t.Errorf("exit %d, want %d", code, ExitFindings)
	}
	if len(live.Findings) == 0 || len(now.Findings) == 0 {
		t.Fatalf("findings: live %d, from the collected bundle %d", len(live.Findings), len(now.Findings))
	}
	l, n := live.Findings[0], now.Findings[0]
	if l.Directive != n.Directive || len(n.Relaxations) == 0 || strings.Join(l.Relaxations[0].Lines, " ") != strings.Join(n.Relaxations[0].Lines, " ") || l.SetAt != n.SetAt {
		t.Errorf("collect → bundle → why today differs from live why in the VM:\n live: %s %s %v\n now:  %s %s %v", l.Directive, l.SetAt, l.Relaxations, n.Directive, n.SetAt, n.Relaxations)
	}
}
