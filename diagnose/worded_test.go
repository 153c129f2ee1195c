package diagnose

import (
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
)

// A program that says in words harden does not know that it could not do
// something, about a path the sandbox changes (named by the line, or on
// its command line), does not get "not the sandbox": the verdict is
// unknown, the setting is named, with the experiment that decides. The
// lab's blind round of real programs found shadow's and SQLite's wordings
// said not-sandbox (their first wordings are data now): the real captures,
// each line replaced by another real wording of the same program that is
// not data.
func TestUnknownWordsDoNotClearTheSandbox(t *testing.T) {
	for _, c := range []struct {
		capture, unit, line, want string
	}{
		// SQLite's SQLITE_CANTOPEN; the database is on the command line.
		{"real-sqlite-readonly", "inventory-sync.service", "Error: unable to open database file", "ReadOnlyPaths=/var/lib/inventory makes /var/lib/inventory read-only, and /var/lib/inventory/hosts.db, on its command line"},
		// shadow, when the write of the new file fails.
		{"real-useradd-etc", "provision-accounts.service", "useradd: failure while writing changes to /etc/passwd", "ProtectSystem=full makes /etc read-only, and /etc/passwd, which the service names"},
	} {
		rep := diagnoseEdited(t, c.capture, c.unit, func(e *journal.Entry) bool { return e.Provenance() == journal.FromService }, c.line)
		if rep.Verdict != VerdictUnknown || !strings.Contains(rep.Cause, c.want) || !strings.Contains(rep.Cause, "auditctl") {
			t.Errorf("%s: %s: %s", c.capture, rep.Verdict, rep.Cause)
		}
	}
}

// Root refused an ioctl of a device while it keeps CAP_DAC_OVERRIDE: no
// file mode refused it, and a capability the unit removes is suspect. The
// blind first try on hwclock under ProtectClock= said the device's mode
// refused root. The real capture, its line edited (by hand, for the case)
// to name an ioctl no wording in rules/ knows.
func TestRootRefusedAnIoctlSuspectsRemovedCapabilities(t *testing.T) {
	rep := diagnoseEdited(t, "real-hwclock-protectclock", "rtc-sync.service", func(e *journal.Entry) bool { return strings.Contains(e.Message(), "RTC_SET_TIME") },
		"hwclock: ioctl(RTC_SET_EPOCH) to /dev/rtc0 to set the epoch failed: Permission denied")
	if rep.Verdict == VerdictNotSandbox || len(rep.Findings) == 0 || rep.Findings[0].Directive != "ProtectClock" || rep.Findings[0].Confidence == High {
		t.Errorf("%s (%s): %+v", rep.Verdict, rep.Cause, rep.Findings)
	}
}

// Without the settings that remove capabilities, the same refusal of
// root is not the sandbox, but not because of the device's mode: root
// keeps CAP_DAC_OVERRIDE. The blind first try had said "the file's own
// mode and owner refuse root". The real hwclock capture, its
// ProtectClock= and bounding set taken out of the unit's properties.
func TestRootKeepingDACOverrideIsNotRefusedByAMode(t *testing.T) {
	ev, err := journal.Collect(journal.Sources{Bundle: "../testdata/captures/real-hwclock-protectclock"}, journal.Query{Unit: "rtc-sync.service"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Unit == nil {
		t.Fatal("the capture has no configuration")
	}
	ev.Unit.Props["ProtectClock"] = "no"
	delete(ev.Unit.Props, "CapabilityBoundingSet")
	ev.Unit.Settings = nil // (the unit file's ProtectClock=yes)
	rep := Diagnose(ev, Options{Unit: "rtc-sync.service"})
	if rep.Verdict != VerdictNotSandbox || !strings.Contains(rep.Cause, "root keeps CAP_DAC_OVERRIDE, so no file mode refused it") {
		t.Errorf("%s: %s", rep.Verdict, rep.Cause)
	}
}

// A line that says a peer could not be reached, in words harden does not
// know, naming an address the unit's IP filter denies: IPAddressDeny= is
// not ruled out. The blind first try on dig said not-sandbox for
// "communications error to 192.0.2.53#53: timed out" (data now). The real
// capture, its line edited (by hand, for the case) to words no wording
// in rules/ knows.
func TestUnknownWordsNamingADeniedAddress(t *testing.T) {
	rep := diagnoseEdited(t, "real-dig-ipdeny", "dns-probe-local.service", func(e *journal.Entry) bool { return strings.Contains(e.Message(), "communications error") },
		";; no response from 192.0.2.53#53 within 2 s")
	if rep.Verdict != VerdictUnknown || !strings.Contains(rep.Cause, "drops traffic to 192.0.2.53") {
		t.Errorf("%s: %s", rep.Verdict, rep.Cause)
	}
}

// diagnoseEdited is why's report on a real capture whose lines that pick
// chooses are replaced by line (hand-made, for the case).
func diagnoseEdited(t *testing.T, capture, unit string, pick func(*journal.Entry) bool, line string) *Report {
	t.Helper()
	ev, err := journal.Collect(journal.Sources{Bundle: "../testdata/captures/" + capture}, journal.Query{Unit: unit}, nil)
	if err != nil {
		t.Fatal(err)
	}
	edited := false
	for i := range ev.Entries {
		if e := &ev.Entries[i]; pick(e) {
			e.Fields["MESSAGE"], edited = line, true
		}
	}
	if !edited {
		t.Fatalf("%s: no line to edit", capture)
	}
	return Diagnose(ev, Options{Unit: unit})
}

// A line that says a device could not be found, in words harden does not
// know, while the unit hides devices: PrivateDevices= is not ruled out.
// The blind first try on losetup under PrivateDevices= said not-sandbox
// for "cannot find an unused loop device" (data now). The real capture,
// its line replaced by hand with the wording older util-linux printed for
// the same failure.
func TestUnknownWordsAboutADeviceUnderPrivateDevices(t *testing.T) {
	rep := diagnoseEdited(t, "real-losetup-privatedevices", "image-attach.service", func(e *journal.Entry) bool { return strings.Contains(e.Message(), "loop device") },
		"losetup: could not find any free loop device")
	if rep.Verdict != VerdictUnknown || !strings.Contains(rep.Cause, "PrivateDevices=yes gives the service a /dev without real devices") {
		t.Errorf("%s: %s", rep.Verdict, rep.Cause)
	}
}

// An errno in a line about a device, under PrivateDevices=, whatever path
// the line names: Debian 13's losetup names the image when the loop
// device is missing, and the first try said "not the sandbox: it does not
// exist on the host either". The real capture, unedited.
func TestALineAboutADeviceKeepsPrivateDevicesSuspect(t *testing.T) {
	ev, err := journal.Collect(journal.Sources{Bundle: "../testdata/captures/real-losetup-privatedevices-trixie"}, journal.Query{Unit: "image-attach.service"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := Diagnose(ev, Options{Unit: "image-attach.service"})
	if rep.Verdict != VerdictSandbox || len(rep.Findings) == 0 || rep.Findings[0].Directive != "PrivateDevices" || rep.Findings[0].Confidence == High {
		t.Errorf("%s (%s): %+v", rep.Verdict, rep.Cause, rep.Findings)
	}
}
