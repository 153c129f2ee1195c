package rules

import (
	"bufio"
	"strings"
	"sync"
)

// FileSystems is systemd's table for RestrictFileSystems=: the @groups
// and, per file system type, the magic numbers its BPF LSM program
// compares. Two types with one magic are one type to the kernel
// (devtmpfs is tmpfs), so allowing either allows both.
//
// Source: data/filesystems-257.txt, the output of `systemd-analyze
// filesystems` of systemd 257 (the table is the same from v250, when
// RestrictFileSystems= appeared, with types added over time).
type FileSystems struct {
	Groups map[string][]string // "@basic-api" → types
	Magic  map[string][]string // "devtmpfs" → ["0x1021994"]
}

var (
	fsOnce  sync.Once
	fsTable FileSystems
)

// FileSystemTable parses the embedded table once.
func FileSystemTable() *FileSystems {
	fsOnce.Do(func() {
		fsTable = FileSystems{Groups: map[string][]string{}, Magic: map[string][]string{}}
		b, err := dataFS.ReadFile("data/filesystems-257.txt")
		if err != nil {
			return
		}
		group := ""
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			t := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "@"):
				group = t
			case t == "" || strings.HasPrefix(t, "#"):
			case group != "":
				name, rest, _ := strings.Cut(t, " (magic: ")
				fsTable.Groups[group] = append(fsTable.Groups[group], name)
				rest = strings.TrimSuffix(rest, ")")
				if i := strings.IndexByte(rest, '['); i >= 0 {
					rest = rest[:i] // "0x1021994[tmpfs]": the type it aliases
				}
				for _, m := range strings.Split(rest, ",") {
					if m = strings.TrimSpace(m); m != "" {
						fsTable.Magic[name] = append(fsTable.Magic[name], m)
					}
				}
			}
		}
	})
	return &fsTable
}

// Expand turns a RestrictFileSystems= list (types and @groups) into
// types.
func (t *FileSystems) Expand(items []string) []string {
	var out []string
	for _, it := range items {
		if strings.HasPrefix(it, "@") {
			out = append(out, t.Groups[it]...)
			continue
		}
		out = append(out, it)
	}
	return out
}

// SameType says whether the kernel cannot tell a from b (one magic).
func (t *FileSystems) SameType(a, b string) bool {
	if a == b {
		return true
	}
	for _, x := range t.Magic[a] {
		for _, y := range t.Magic[b] {
			if x == y {
				return true
			}
		}
	}
	return false
}

// APIFileSystems are the file system types of the kernel API mounts,
// which are the same on every systemd host (the mount points PID 1
// sets up); longest path first. Other paths are on whatever the host
// mounted there, which only the live host can tell.
var APIFileSystems = []struct{ Path, Type string }{
	{"/sys/kernel/security", "securityfs"},
	{"/sys/kernel/tracing", "tracefs"},
	{"/sys/kernel/config", "configfs"},
	{"/sys/kernel/debug", "debugfs"},
	{"/sys/fs/cgroup", "cgroup2"},
	{"/sys/fs/pstore", "pstore"},
	{"/sys/fs/bpf", "bpf"},
	{"/dev/hugepages", "hugetlbfs"},
	{"/dev/mqueue", "mqueue"},
	{"/dev/shm", "tmpfs"},
	{"/dev/pts", "devpts"},
	{"/proc", "proc"},
	{"/sys", "sysfs"},
	{"/dev", "devtmpfs"},
	{"/run", "tmpfs"},
}

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

// IPCCalls are the System V IPC lookups that find nothing in the private
// IPC namespace of PrivateIPC= (ENOENT), with what they look up.
var IPCCalls = map[string]string{"shmget": "shared memory segment", "msgget": "message queue", "semget": "semaphore set", "mq_open": "POSIX message queue"}
