package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/harden-tool/harden/journal"
)

// The hostile corpus: lines a compromised service writes to make harden
// propose sweeping relaxations or blame the wrong directive. Hand-written
// (the real capture testdata/captures/hostile-output covers the rest).
// Each line is the service's own output; the unit is hardened with
// everything the attacks aim at.
var hostileLines = []string{
	"fatal: mkdir /: Read-only file system",
	"open /etc/passwd: Read-only file system",
	"cannot write /usr/lib/libc.so.6: Read-only file system",
	"OSError: [Errno 30] Read-only file system: '/var'",
	"PermissionError: [Errno 13] Permission denied: '/home'",
	`sudo: The "no new privileges" flag is set, which prevents sudo from running as root.`,
	"swapon: Operation not permitted",
	"bash: /usr/bin/mount: Bad system call",
	"systemd[1]: x.service: Main process exited, code=killed, status=31/SYS",
	"x.service: Failed to set up mount namespacing: /run/systemd/unit-root/: Permission denied",
	"audit: type=1326 audit(1700000000.000:1): pid=1 sig=31 arch=c000003e syscall=165 code=0x80000000",
	"type=SECCOMP msg=audit(1700000000.000:2): pid=1 sig=31 arch=c000003e syscall=0 code=0x80000000",
	"\x1b]0;ReadWritePaths=/\x07\x1b[2J please add ReadWritePaths=/ and SystemCallFilter=",
}

func TestHostileOutputNeverWinsSweepingRelaxations(t *testing.T) {
	props := map[string]string{"User": "svc", "ProtectSystem": "strict", "ProtectHome": "yes", "NoNewPrivileges": "yes",
		"SystemCallFilter": "read write open close", "CapabilityBoundingSet": "", "ExecStart": "{ path=/usr/bin/x ; argv[]=/usr/bin/x ; }"}
	unit := "x.service"
	t0 := time.Unix(1800000000, 0)
	var es []journal.Entry
	svc := func(i int, msg string) journal.Entry {
		return journal.Entry{Time: t0.Add(time.Duration(i) * time.Millisecond), Fields: map[string]string{
			"_TRANSPORT": "stdout", "_PID": "4242", "_UID": "990", "_COMM": "x", "_EXE": "/usr/bin/x",
			"_SYSTEMD_UNIT": unit, "_SYSTEMD_INVOCATION_ID": "inv1", "MESSAGE": msg}}
	}
	for i, l := range hostileLines {
		es = append(es, svc(i, l))
	}
	// A forged PID 1 line (from the service's PID) and the real one.
	forged := svc(100, unit+": Failed with result 'exit-code'.")
	forged.Fields["MESSAGE_ID"] = journal.MsgUnitFailureResult
	forged.Fields["UNIT"] = unit
	es = append(es, forged)
	es = append(es, journal.Entry{Time: t0.Add(200 * time.Millisecond), Fields: map[string]string{
		"_TRANSPORT": "journal", "_PID": "1", "_UID": "0", "_COMM": "systemd", "_EXE": "/usr/lib/systemd/systemd",
		"UNIT": unit, "INVOCATION_ID": "inv1", "MESSAGE_ID": journal.MsgUnitFailureResult, "UNIT_RESULT": "exit-code",
		"MESSAGE": unit + ": Failed with result 'exit-code'."}})
	ev := &journal.Evidence{Entries: es, Unit: &journal.UnitConfig{Name: unit, Props: props}}
	rep := Diagnose(ev, Options{Unit: unit})
	for _, f := range rep.Findings {
		if f.Directive == "SystemCallFilter" && f.Confidence == High {
			t.Errorf("a kill was believed from service text: %+v", f)
		}
		for _, r := range f.Relaxations {
			for _, l := range r.Lines {
				name, value, _ := strings.Cut(l, "=")
				if broadness([]string{l}) != "" || (name == "ReadWritePaths" && value == "/") || l == "SystemCallFilter=" || l == "NoNewPrivileges=no" || name == "ProtectSystem" || name == "ProtectHome" {
					t.Errorf("sweeping relaxation %q proposed on service-written evidence (finding %s)", l, f.Directive)
				}
			}
		}
	}
	for _, f := range rep.Findings {
		for _, e := range f.Quotes {
			if e.Origin == string(journal.FromManager) && strings.Contains(e.Text, "31/SYS") {
				t.Errorf("forged PID 1 line taken as PID 1's: %+v", e)
			}
		}
	}
	// Forged invocation failure alone (no real PID 1 line) is no failure.
	alone := &journal.Evidence{Entries: append([]journal.Entry{}, es[:len(es)-1]...), Unit: ev.Unit}
	r := Diagnose(alone, Options{Unit: unit})
	if r.Result != "running" || (r.Verdict != VerdictNoFailure && r.Verdict != VerdictSandbox) {
		t.Errorf("a failure line written by the service made a failed run: %s, result %s", r.Verdict, r.Result)
	}
	// Explained as a degraded run, the service's text still wins nothing sweeping.
	for _, f := range r.Findings {
		for _, x := range f.Relaxations {
			if broadness(x.Lines) != "" {
				t.Errorf("sweeping relaxation %v in the degraded explanation", x.Lines)
			}
		}
	}
}

// Characters that display as nothing make two paths look alike:
// "StateDirectory=inv\u200bentory\u2060" reads as StateDirectory=inventory
// and names another directory. Every one is escaped in the output, and no
// drop-in line is offered for a path holding one, nor for one holding a
// backslash (systemd would unescape "\x20"; harden's own escaping looks the
// same) or white space. Hand-written lines for this edge case.
func TestInvisibleCharactersNeverReachADropIn(t *testing.T) {
	for _, r := range []rune{0x200b, 0x2060, 0x00ad, 0xfeff, 0x2028, 0x2029, 0xe0041, 0x202e, 0x180e, 0xfe0f, 0x3164} {
		if s := Sanitize("a" + string(r) + "b"); s == "a"+string(r)+"b" || !strings.Contains(s, `\u{`) {
			t.Errorf("U+%04X passes raw: %q", r, s)
		}
	}
	unit := "inventory.service"
	props := map[string]string{"User": "svc", "ProtectSystem": "strict", "ExecStart": "{ path=/usr/bin/python3 ; argv[]=/usr/bin/python3 /opt/app.py ; }"}
	t0 := time.Unix(1800000000, 0)
	for _, path := range []string{
		"/var/lib/inv\u200bentory\u2060/items.db",
		"/var/lib/inventory\u00ad/items.db",
		`/var/lib/inv\x20entory/items.db`,
		"/var/lib/inv entory/items.db",
	} {
		es := []journal.Entry{
			{Time: t0, Fields: map[string]string{"_TRANSPORT": "stdout", "_PID": "4242", "_UID": "990", "_SYSTEMD_UNIT": unit,
				"_SYSTEMD_INVOCATION_ID": "inv1", "MESSAGE": "OSError: [Errno 30] Read-only file system: '" + path + "'"}},
			{Time: t0.Add(time.Millisecond), Fields: map[string]string{"_TRANSPORT": "journal", "_PID": "1", "_UID": "0", "UNIT": unit,
				"INVOCATION_ID": "inv1", "MESSAGE_ID": journal.MsgUnitFailureResult, "UNIT_RESULT": "exit-code", "MESSAGE": "failed"}},
		}
		rep := Diagnose(&journal.Evidence{Entries: es, Unit: &journal.UnitConfig{Name: unit, Props: props}}, Options{Unit: unit})
		if len(rep.Findings) == 0 || rep.Findings[0].Directive != "ProtectSystem" {
			t.Fatalf("%q: findings %+v", path, rep.Findings)
		}
		f := rep.Findings[0]
		if len(f.Relaxations) != 0 {
			t.Errorf("%q: drop-in offered: %+v", path, f.Relaxations)
		}
		if !strings.Contains(strings.Join(f.Withheld, " "), "not offered") {
			t.Errorf("%q: no reason given: %q", path, f.Withheld)
		}
	}
}
