package rules

// Facts about the host that decide whether a unit's settings are in
// force at all: the systemd build and the virtualization it runs in.

// Containers are the values of systemd-detect-virt that mean a container:
// there the runtime may refuse new namespaces, and systemd then runs a
// service without its namespace settings, saying so only at debug level
// (lab: container-no-unshare, systemd 252 in systemd-nspawn).
var Containers = map[string]bool{"systemd-nspawn": true, "docker": true, "podman": true, "lxc": true, "lxc-libvirt": true,
	"openvz": true, "rkt": true, "wsl": true, "proot": true, "pouch": true, "container-other": true}
