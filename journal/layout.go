package journal

import "path/filepath"

// Layout names the files of a bundle folder (harden-bundle(5)). Every
// reader and writer of bundles goes through it, so the format is coded in
// one place.
type Layout string

// JournalFiles are the journal's possible files, export first.
func (b Layout) JournalFiles() []string {
	return []string{filepath.Join(string(b), "journal.export"), filepath.Join(string(b), "journal.json")}
}

// JournalDir is the folder of binary journal files (a copy of
// /var/log/journal/MACHINE-ID), when the bundle holds one.
func (b Layout) JournalDir() string { return filepath.Join(string(b), "journal") }

// AuditDir holds audit.log and its rotations.
func (b Layout) AuditDir() string { return filepath.Join(string(b), "audit") }

// UnitsDir holds NAME.show (systemctl show) and NAME.cat (systemctl cat)
// per unit.
func (b Layout) UnitsDir() string { return filepath.Join(string(b), "units") }

// UnitShow and UnitCat are one unit's files.
func (b Layout) UnitShow(unit string) string { return filepath.Join(b.UnitsDir(), unit+".show") }
func (b Layout) UnitCat(unit string) string  { return filepath.Join(b.UnitsDir(), unit+".cat") }

// HostFile holds the host's facts (host.txt: systemd version, features,
// virtualization).
func (b Layout) HostFile() string { return filepath.Join(string(b), "host.txt") }
