package cli

import (
	"strings"
	"testing"
)

// tighten keeps only what a check proves: without one it refuses to start,
// says why, and exits 2 before touching anything.
func TestTightenNeedsACheck(t *testing.T) {
	code, _, errOut := run(t, "tighten", "nginx")
	if code != ExitError || !strings.Contains(string(errOut), "--check is required") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = run(t, "tighten", "nginx", "--check", "true", "--output", "yaml")
	if code != ExitError || !strings.Contains(string(errOut), "unknown output format") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// The exposure line of systemd-analyze security (the last line of its
// report; this one hand-written in its format, the lab keeps real ones).
func TestParseExposure(t *testing.T) {
	e, err := parseExposure([]byte("✓ UMask=  Files created by service are accessible only by service's own user by default  \n\n→ Overall exposure level for plain-nginx.service: 9.6 UNSAFE 😨\n"), nil)
	if err != nil || e != 9.6 {
		t.Fatalf("%v %v", e, err)
	}
	if _, err := parseExposure([]byte("Unit foo.service not found."), nil); err == nil {
		t.Fatal("no exposure line must be an error")
	}
}

// What counts as the same unit configuration between two systemctl show
// outputs (hand-written diffs in the lab's format).
func TestSameConfiguration(t *testing.T) {
	if !sameConfiguration("25c25\n< ControlGroupId=1756\n---\n> ControlGroupId=2614\n130c130\n< After=a b\n---\n> After=b a\n") {
		t.Error("a new cgroup ID and a reordered After= are the same configuration")
	}
	if sameConfiguration("12c12\n< ProtectSystem=no\n---\n> ProtectSystem=strict\n") || sameConfiguration("12d11\n< PrivateTmp=yes\n") {
		t.Error("a changed or removed setting is another configuration")
	}
}
