package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// At a unit's SIGSYS death the audit logs' SIGSYS kills of processes no
// unit owns are read, the first maxAtDeath (2) of them: two are already no
// answer, and a storm of kills at that moment is not read whole. Elsewhere
// they are skipped, and counted. The kills are the real syscallfilter-kill
// capture's SECCOMP line with other PIDs (generated here, not captured).
func TestKillsReadAtADeathAreBounded(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(captures, "syscallfilter-kill", "audit", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	var seccomp string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "type=SECCOMP ") {
			seccomp = l
		}
	}
	at, ok := lineTime([]byte(seccomp))
	if !ok {
		t.Fatal("no time in the capture's SECCOMP record")
	}
	pid, serial := regexp.MustCompile(` pid=\d+ `), regexp.MustCompile(`:\d+\): `)
	var log strings.Builder
	for i := range 500 {
		l := pid.ReplaceAllString(seccomp, fmt.Sprintf(" pid=%d ", 200000+i))
		log.WriteString(serial.ReplaceAllString(l, fmt.Sprintf(":%d): ", 900000+i)) + "\n") // (each its own event)
	}
	p := filepath.Join(t.TempDir(), "audit.log")
	os.WriteFile(p, []byte(log.String()), 0o644)
	for _, c := range []struct {
		deaths     sigsysDeaths
		read, kept int
	}{{sigsysDeaths{at}, 2, 2}, {nil, 0, 0}} {
		tr := &TriageEvidence{auditFiles: []string{p}}
		var got []AuditEvent
		kept := tr.readDenials(map[int]bool{}, c.deaths, at.Add(-DeathSlack*2), func(a AuditEvent) { got = append(got, a) })
		if len(got) != c.read || kept != c.kept || tr.Foreign != 500-c.read {
			t.Errorf("deaths %v: %d read, %d said kept, %d counted foreign; want %d, %d, %d", c.deaths, len(got), kept, tr.Foreign, c.read, c.kept, 500-c.read)
		}
	}
}
