// Package journal reads the evidence harden works from: systemd journal
// entries (live, journal directories and files through sdjournal, or the
// export and JSON formats journalctl writes), Linux audit logs, and the
// effective configuration of a unit (systemctl show output, D-Bus, unit
// files and drop-ins with the file:line of every setting).
//
// Readers never give up on the whole source because of one bad record: they
// skip what they cannot parse, count it, and report it as a Warning, so the
// diagnosis can say what evidence is missing instead of going silent.
package journal
