package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
)

// An SELinux AVC denial is security-module policy, not systemd's sandbox:
// named, with audit2why/audit2allow, and no directive blamed. The record
// is hand-written in the shape of a RHEL 9 denial, to test the parser on a
// write denial; the lab's real capture (selinux-entrypoint-selinux,
// Debian 13 enforcing) covers an entrypoint denial end to end.
func TestSELinuxDenialBlamesNoDirective(t *testing.T) {
	log := `type=AVC msg=audit(1795000000.123:4242): avc:  denied  { write } for  pid=812 comm="reportd" name="out.csv" dev="vda1" ino=39311 scontext=system_u:system_r:reportd_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=file permissive=0
type=SYSCALL msg=audit(1795000000.123:4242): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffd3c1f2a10 a2=241 a3=1b6 items=1 ppid=1 pid=812 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="reportd" exe="/usr/sbin/reportd" subj=system_u:system_r:reportd_t:s0 key=(null)
type=EOE msg=audit(1795000000.123:4242):
`
	p := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	evs, warns := journal.ReadAuditLogs([]string{p}, journal.AuditWindow{})
	if len(evs) != 1 || len(warns) != 0 {
		t.Fatalf("%d events, warnings %v", len(evs), warns)
	}
	sym, ok := auditSymptom(&evs[0])
	if !ok || sym.Kind != KindLSM {
		t.Fatalf("symptom %+v, want an LSM denial", sym)
	}
	for _, want := range []string{"SELinux denied { write } on out.csv", "reportd_t", "audit2allow"} {
		if !strings.Contains(sym.Text, want) {
			t.Errorf("%q lacks %q", sym.Text, want)
		}
	}
	sb := NewSandbox(map[string]string{"ProtectSystem": "strict"}, 252)
	if cs := attribute(&sym, sb); len(cs) != 0 {
		t.Errorf("an SELinux denial was blamed on %s", cs[0].setting)
	}
	if c := notSandboxCause([]*Symptom{&sym}, sb); !strings.Contains(c, "not systemd's sandbox") {
		t.Errorf("cause %q", c)
	}
}
