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

// ManagerLogDevices are the devices systemd's logging opens, write-only,
// when its journal socket is out of reach (log_open() in
// src/basic/log.c: the journal, then /dev/kmsg, then /dev/console). The
// executor is not allowed to talk to the journal (log_set_prohibit_ipc),
// so it opens them in the unit's sandbox, where PrivateDevices=, an empty
// CapabilityBoundingSet= or DevicePolicy= may refuse them: that costs one
// of systemd's messages, never the service (lab, 257: the executor's
// refused open of /dev/console in every trial of tighten-mosquitto-trixie
// and tighten-nginx-trixie, healthy or not, made harden keep
// DeviceAllow=/dev/console r).
var ManagerLogDevices = map[string]bool{"/dev/kmsg": true, "/dev/console": true}
