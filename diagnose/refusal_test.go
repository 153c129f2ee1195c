package diagnose

import (
	"testing"

	"github.com/harden-tool/harden/journal"
)

// RestrictSUIDSGID='s seccomp rule refuses only setuid/setgid modes
// (open() only with O_CREAT): a kernel record whose arguments show neither
// does not name it. Lab: tighten-nginx-trixie blamed it for an EPERM open
// of /dev/console (the device policy's). The records' arguments are
// hand-written here (the capture kept no audit log of that trial).
func TestRestrictSUIDSGIDNeedsASetIDMode(t *testing.T) {
	sb := NewSandbox(map[string]string{"RestrictSUIDSGID": "yes", "PrivateDevices": "yes"}, 257)
	blames := func(call string, args map[string]string) bool {
		rec := &journal.AuditRecord{Fields: map[string]string{"syscall": call}, Raw: args}
		sym := Symptom{Kind: KindErrno, Errno: "EPERM", Op: "open", NoSetID: noSetID(rec)}
		if call == "fchmodat" {
			sym.Op = call
		}
		for _, c := range refusalRows(&sym, sb, nil) {
			if c.directive == "RestrictSUIDSGID" {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		call string
		args map[string]string
		want bool
	}{
		{"openat", map[string]string{"a0": "ffffff9c", "a1": "7ffd1000", "a2": "80902", "a3": "0"}, false}, // O_RDWR|O_NOCTTY|O_CLOEXEC: no O_CREAT
		{"openat", map[string]string{"a0": "ffffff9c", "a1": "7ffd1000", "a2": "241", "a3": "1a4"}, false}, // O_CREAT, 0644
		{"openat", map[string]string{"a0": "ffffff9c", "a1": "7ffd1000", "a2": "241", "a3": "9ed"}, true},  // O_CREAT, 04755
		{"fchmodat", map[string]string{"a0": "ffffff9c", "a1": "7ffd1000", "a2": "5ed"}, true},             // 02755
		{"openat", map[string]string{}, true}, // arguments unknown
	} {
		if got := blames(c.call, c.args); got != c.want {
			t.Errorf("%s %v: RestrictSUIDSGID named %v, want %v", c.call, c.args, got, c.want)
		}
	}
}
