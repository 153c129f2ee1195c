package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/harden-tool/harden/journal"
)

// diagnoseLine runs the engine on one failed run whose only evidence is
// one line of the service's output. Hand-written lines: the wordings are
// edge cases of the parser, the point is what the model concludes.
func diagnoseLine(t *testing.T, line string, props map[string]string) *Report {
	t.Helper()
	unit := "x.service"
	t0 := time.Unix(1800000000, 0)
	es := []journal.Entry{
		{Time: t0, Fields: map[string]string{"_TRANSPORT": "stdout", "_PID": "4242", "_UID": "990", "_SYSTEMD_UNIT": unit, "_SYSTEMD_INVOCATION_ID": "inv1", "MESSAGE": line}},
		{Time: t0.Add(time.Millisecond), Fields: map[string]string{"_TRANSPORT": "journal", "_PID": "1", "_UID": "0", "UNIT": unit, "INVOCATION_ID": "inv1",
			"MESSAGE_ID": journal.MsgUnitFailureResult, "UNIT_RESULT": "exit-code", "MESSAGE": "x.service: Failed with result 'exit-code'."}},
	}
	if props["ExecStart"] == "" {
		props["ExecStart"] = "{ path=/usr/bin/x ; argv[]=/usr/bin/x ; }"
	}
	return Diagnose(&journal.Evidence{Entries: es, Unit: &journal.UnitConfig{Name: unit, Props: props}}, Options{Unit: unit})
}

// An errno the words do not tie to an operation or a path is not "not the
// sandbox" while a setting in force can produce it: the settings that can
// are named, each with its experiment, and none gets a relaxation.
func TestUnknownOperationGivesSuspectsNotNotSandbox(t *testing.T) {
	cases := []struct {
		line  string
		props map[string]string
		want  []string // directives named, in order
	}{
		{"x: cannot open the log file: Read-only file system", map[string]string{"User": "svc", "ProtectSystem": "strict"}, []string{"ProtectSystem"}},
		{"open data/x.db: read-only file system", map[string]string{"User": "svc", "ProtectSystem": "full", "ReadOnlyPaths": "/srv"}, []string{"ProtectSystem", "ReadOnlyPaths"}},
		{"worker: fatal: Operation not permitted", map[string]string{"User": "svc", "RestrictNamespaces": "yes", "SystemCallFilter": "read write exit", "SystemCallErrorNumber": "1"},
			[]string{"RestrictNamespaces", "SystemCallFilter"}},
		{"sandbox setup failed: Operation not permitted", map[string]string{"User": "svc", "LockPersonality": "yes"}, []string{"LockPersonality"}},
		// Refusal rows beyond the seccomp switches: a private IPC
		// namespace, for an operation the words do not name.
		{"bus: attach failed: No such file or directory", map[string]string{"User": "svc", "PrivateIPC": "yes"}, []string{"PrivateIPC"}},
	}
	for _, c := range cases {
		rep := diagnoseLine(t, c.line, c.props)
		if rep.Verdict != VerdictSandbox {
			t.Errorf("%q: verdict %s (%s)", c.line, rep.Verdict, rep.Cause)
			continue
		}
		var got []string
		for _, f := range rep.Findings {
			got = append(got, f.Directive)
			if f.Confidence != Medium || len(f.Relaxations) != 0 || f.Confirm == "" {
				t.Errorf("%q: suspect %s: confidence %s, relaxations %v, experiment %q", c.line, f.Directive, f.Confidence, f.Relaxations, f.Confirm)
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%q: suspects %v, want %v", c.line, got, c.want)
		}
	}
	// Nothing in force can give EPERM: then, and only then, not the sandbox.
	if rep := diagnoseLine(t, "worker: fatal: Operation not permitted", map[string]string{"User": "svc", "ProtectSystem": "strict"}); rep.Verdict != VerdictNotSandbox {
		t.Errorf("no setting gives EPERM, verdict %s: %+v", rep.Verdict, rep.Findings)
	}
}

// The filter's refusal is certain; a capability the call needs only for
// some arguments is not offered beside it (ptrace(PTRACE_TRACEME) needs
// none).
func TestFilterOutranksConditionalCapability(t *testing.T) {
	props := map[string]string{"User": "svc", "SystemCallFilter": "read write exit exit_group", "SystemCallErrorNumber": "1"}
	rep := diagnoseLine(t, "ptrace: Operation not permitted", props)
	if len(rep.Findings) == 0 || rep.Findings[0].Directive != "SystemCallFilter" || rep.Findings[0].Confidence != High {
		t.Fatalf("findings %+v", rep.Findings)
	}
	for _, f := range rep.Findings {
		for _, r := range f.Relaxations {
			for _, l := range r.Lines {
				if strings.Contains(l, "CAP_") {
					t.Errorf("grants a capability although the filter alone explains the errno: %q", l)
				}
			}
		}
	}
}

// Operation words without "call:" (Perl's "… failed: $!", Ruby's
// Errno::EPERM, a plain "unshare failed") name the call.
func TestOperationWords(t *testing.T) {
	for line, op := range map[string]string{
		"unshare failed: Operation not permitted":                            "unshare",
		"Operation not permitted - unshare (Errno::EPERM)":                   "unshare",
		"cannot set hostname: Operation not permitted at /usr/bin/x line 3.": "sethostname",
		"adjtimex failed: Operation not permitted":                           "adjtimex",
	} {
		s, ok := ParseServiceLine(line)
		if !ok || s.Op != op {
			t.Errorf("%q: op %q (ok %v), want %q", line, s.Op, ok, op)
		}
	}
}

// error(3)-style lines start with the speaker, often the program's own
// absolute path: never the object of the failure (hand-written in the
// wordings of logrotate, rsync and sshd).
func TestSpeakerIsNotTheObject(t *testing.T) {
	for _, c := range []struct{ exe, line, path string }{
		{"/usr/sbin/logrotate", "/usr/sbin/logrotate: error: creating state file /var/lib/logrotate/status: Read-only file system", "/var/lib/logrotate/status"},
		{"/usr/bin/rsync", `/usr/bin/rsync: mkdir "/backup/daily" failed: Read-only file system (30)`, "/backup/daily"},
		{"/usr/sbin/sshd", "/usr/sbin/sshd: Permission denied", ""},
	} {
		props := map[string]string{"User": "svc", "ProtectSystem": "strict", "ExecStart": "{ path=" + c.exe + " ; argv[]=" + c.exe + " ; }"}
		rep := diagnoseLine(t, c.line, props)
		for _, f := range rep.Findings {
			if strings.Contains(f.Symptom, c.exe) {
				t.Errorf("%q: the speaker %s taken for the object: %s", c.line, c.exe, f.Symptom)
			}
			if c.path != "" && !strings.Contains(f.Symptom, c.path) {
				t.Errorf("%q: symptom %q does not name %s", c.line, f.Symptom, c.path)
			}
		}
		if strings.Contains(rep.Cause, c.exe+" ") {
			t.Errorf("%q: the cause names the speaker: %s", c.line, rep.Cause)
		}
	}
}

// Lines that name a consequence rather than the call (hand-written in the
// wordings of the programs that print them; the lab's real-* scenarios
// capture them for real).
func TestConsequenceWordings(t *testing.T) {
	cases := []struct {
		line      string
		props     map[string]string
		directive string
		lineWant  string // a relaxation line the first finding must offer
	}{
		{"wg-setup: process is missing required capability CAP_NET_ADMIN", map[string]string{"User": "svc"}, "AmbientCapabilities", "AmbientCapabilities=CAP_NET_ADMIN"},
		{"curl: (28) Failed to connect to 10.1.2.3 port 80 after 130001 ms: Timeout was reached", map[string]string{"User": "svc", "IPAddressDeny": "any"}, "IPAddressDeny", ""},
		// coreutils install -d: the mkdir was refused by the read-only
		// tree, and what it reports is the chmod that followed.
		{"install: cannot change permissions of '/var/lib/app-cache': No such file or directory", map[string]string{"User": "svc", "ProtectSystem": "strict"}, "ProtectSystem", "StateDirectory=app-cache"},
	}
	for _, c := range cases {
		rep := diagnoseLine(t, c.line, c.props)
		if len(rep.Findings) == 0 || rep.Findings[0].Directive != c.directive {
			t.Errorf("%q: verdict %s, findings %+v", c.line, rep.Verdict, rep.Findings)
			continue
		}
		if c.lineWant != "" && (len(rep.Findings[0].Relaxations) == 0 || !strings.Contains(strings.Join(rep.Findings[0].Relaxations[0].Lines, " "), c.lineWant)) {
			t.Errorf("%q: relaxations %+v, want %s", c.line, rep.Findings[0].Relaxations, c.lineWant)
		}
	}
	if s, ok := ParseServiceLine(`sysctl: permission denied on key "net.core.somaxconn"`); !ok || s.Path != "/proc/sys/net/core/somaxconn" || s.Op != "write" {
		t.Errorf("sysctl key: %+v", s)
	}
	if s, ok := ParseServiceLine("ping: you must be root to use the -f option"); !ok || s.Errno != "EPERM" {
		t.Errorf("must be root: %+v", s)
	}
}

// Daemons' own words when root without CAP_SETGID or CAP_SETUID cannot
// become their user (real lines: the lab's tighten-memcached and
// tighten-mosquitto trials under an empty CapabilityBoundingSet=): the one
// capability is named, and granted.
func TestDaemonsDroppingRoot(t *testing.T) {
	for line, want := range map[string]string{
		"failed to drop supplementary groups: Operation not permitted":                          "CapabilityBoundingSet=CAP_SETGID",
		"failed to assume identity of user memcache":                                            "CapabilityBoundingSet=CAP_SETUID",
		"1795978602: Error setting groups whilst dropping privileges: Operation not permitted.": "CapabilityBoundingSet=CAP_SETGID",
	} {
		rep := diagnoseLine(t, line, map[string]string{"CapabilityBoundingSet": "cap_setgid"})
		if want == "CapabilityBoundingSet=CAP_SETGID" {
			rep = diagnoseLine(t, line, map[string]string{"CapabilityBoundingSet": "cap_chown"})
		}
		if rep.Verdict != VerdictSandbox || len(rep.Findings) == 0 || len(rep.Findings[0].Relaxations) == 0 ||
			rep.Findings[0].Relaxations[0].Lines[0] != want {
			t.Errorf("%q: %s %+v", line, rep.Verdict, rep.Findings)
		}
	}
	// As in tighten's trial of an empty bounding set beside settings that
	// drop other capabilities (ProtectKernelModules= drops CAP_SYS_MODULE):
	// those are not the suspects of a refused setgroups().
	rep := diagnoseLine(t, "1795978602: Error setting groups whilst dropping privileges: Operation not permitted.",
		map[string]string{"CapabilityBoundingSet": "", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "PrivateDevices": "yes"})
	if rep.Verdict != VerdictSandbox || len(rep.Findings) == 0 || rep.Findings[0].Directive != "CapabilityBoundingSet" {
		t.Errorf("empty bounding set: %s %+v", rep.Verdict, rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.Directive != "CapabilityBoundingSet" {
			t.Errorf("%s named for a refused setgroups(): %s", f.Directive, f.Symptom)
		}
	}
}

// Under PrivateUsers= the namespace denies setgroups(): mosquitto's real
// line on the lab's trial of PrivateUsers=yes names it (with the bounding
// set full, nothing else can give that EPERM).
func TestPrivateUsersDeniesSetgroups(t *testing.T) {
	rep := diagnoseLine(t, "1795978602: Error setting groups whilst dropping privileges: Operation not permitted.",
		map[string]string{"PrivateUsers": "yes"})
	if rep.Verdict != VerdictSandbox || len(rep.Findings) == 0 || rep.Findings[0].Directive != "PrivateUsers" ||
		len(rep.Findings[0].Relaxations) == 0 || rep.Findings[0].Relaxations[0].Lines[0] != "PrivateUsers=no" {
		t.Errorf("%s %+v", rep.Verdict, rep.Findings)
	}
}
