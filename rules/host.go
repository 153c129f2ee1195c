package rules

// Facts about the host that decide whether a unit's settings are in
// force at all: the systemd build and the virtualization it runs in.

// BPFDirectives are enforced by BPF programs systemd compiles in only with
// its BPF framework (+BPF_FRAMEWORK in `systemctl --version`); without it
// they are accepted and ignored (real runs: systemd 252 of Debian 12 ran
// services with each of them unrestricted, logging nothing).
var BPFDirectives = []string{"SocketBindDeny", "RestrictNetworkInterfaces", "RestrictFileSystems"}

// Containers are the values of systemd-detect-virt that mean a container:
// there the runtime may refuse new namespaces, and systemd then runs a
// service without its namespace settings, saying so only at debug level
// (lab: container-no-unshare, systemd 252 in systemd-nspawn).
var Containers = map[string]bool{"systemd-nspawn": true, "docker": true, "podman": true, "lxc": true, "lxc-libvirt": true,
	"openvz": true, "rkt": true, "wsl": true, "proot": true, "pouch": true, "container-other": true}
