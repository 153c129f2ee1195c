// Package rules is harden's knowledge of systemd's sandboxing, kept as
// data the diagnosis engine reads: which directive mounts what and how,
// which operation needs which capability, which PID 1 message means which
// setup failure, the relaxations each directive admits (narrowest first),
// errno names and texts, exit statuses, and the SystemCallFilter= @groups
// of each systemd release.
//
// The tables in data/ are generated from the project's reference, which was
// extracted from systemd's sources at pinned tags; do not edit them by hand:
//
//go:generate go run mk_tables.go
package rules
