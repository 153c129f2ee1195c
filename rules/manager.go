package rules

// What systemd's own code does inside a unit's processes, before the
// program of ExecStart= runs: records of it are not the service's.

// ManagerExecutables are the executables of a unit's process before its
// exec: systemd-executor from v255, the manager's forked child before.
var ManagerExecutables = map[string]bool{
	"/usr/lib/systemd/systemd-executor": true,
	"/lib/systemd/systemd-executor":     true,
	"/usr/lib/systemd/systemd":          true,
	"/lib/systemd/systemd":              true,
}

// ManagerLogDevices are the devices systemd's logging opens write-only
// (O_WRONLY|O_NOCTTY|O_CLOEXEC: log_open_kmsg() and log_open_console() in
// src/basic/log.c; systemd-executor asks for the console to be reopened
// at each message, log_set_always_reopen_console()). The executor opens
// them inside the unit's sandbox, where PrivateDevices= or DevicePolicy=
// refuses them; systemd goes on without them: that costs one of systemd's
// messages, never the service (lab, 257: the executor's refused open of
// /dev/console, flags 0x80101, in every trial of tighten-mosquitto-trixie
// and tighten-nginx-trixie, healthy or not, made harden keep
// DeviceAllow=/dev/console r).
var ManagerLogDevices = map[string]bool{"/dev/kmsg": true, "/dev/console": true}
