package diagnose

import (
	"testing"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		props  map[string]string
		path   string
		effect rules.Effect
		by     string
	}{
		{map[string]string{"ProtectSystem": "strict"}, "/var/lib/x/db", rules.ReadOnly, "ProtectSystem"},
		{map[string]string{"ProtectSystem": "strict"}, "/home/u/x", rules.Host, ""},
		{map[string]string{"ProtectSystem": "strict", "StateDirectory": "x"}, "/var/lib/x/db", rules.Writable, "StateDirectory"},
		{map[string]string{"ProtectSystem": "strict", "ReadWritePaths": "-/srv/out"}, "/srv/out/a", rules.Writable, "ReadWritePaths"},
		{map[string]string{"ProtectSystem": "full"}, "/var/lib/x", rules.Host, ""},
		{map[string]string{"ProtectSystem": "full"}, "/etc/x", rules.ReadOnly, "ProtectSystem"},
		{map[string]string{"ProtectSystem": "yes"}, "/etc/x", rules.Host, ""},
		{map[string]string{"ProtectHome": "yes"}, "/root/.ssh/id", rules.Inaccessible, "ProtectHome"},
		// ReadWritePaths= nested in an inaccessible tree has no effect.
		{map[string]string{"ProtectHome": "yes", "ReadWritePaths": "/home/u"}, "/home/u/f", rules.Inaccessible, "ProtectHome"},
		{map[string]string{"ProtectHome": "tmpfs", "BindReadOnlyPaths": "/home/u/f"}, "/home/u/f", rules.ReadOnly, "BindReadOnlyPaths"},
		{map[string]string{"ProtectKernelTunables": "yes"}, "/proc/sys/net/ipv4/ip_forward", rules.ReadOnly, "ProtectKernelTunables"},
		{map[string]string{"ProtectKernelTunables": "yes"}, "/sys/fs/cgroup/x", rules.Host, ""},
		{map[string]string{"DynamicUser": "yes"}, "/var/lib/x", rules.ReadOnly, "ProtectSystem"},
		{map[string]string{"PrivateDevices": "yes"}, "/dev/ttyUSB0", rules.PrivateDev, "PrivateDevices"},
		{map[string]string{"TemporaryFileSystem": "/var:ro"}, "/var/x", rules.TmpfsRO, "TemporaryFileSystem"},
		{map[string]string{"BindPaths": "/data:/srv/data"}, "/srv/data/x", rules.Writable, "BindPaths"},
	}
	for _, c := range cases {
		sb := NewSandbox(c.props, 252)
		eff, rule := sb.Resolve(c.path)
		by := ""
		if rule != nil {
			by = rule.Directive
		}
		if eff != c.effect || by != c.by {
			t.Errorf("%v %s: got %s by %q, want %s by %q", c.props, c.path, eff, by, c.effect, c.by)
		}
	}
}

func TestCapabilities(t *testing.T) {
	root := NewSandbox(map[string]string{"CapabilityBoundingSet": "cap_dac_override"}, 252)
	if root.HasCap("CAP_CHOWN") || !root.HasCap("CAP_DAC_OVERRIDE") {
		t.Error("root's bounding set")
	}
	user := NewSandbox(map[string]string{"User": "svc", "AmbientCapabilities": "cap_net_bind_service", "CapabilityBoundingSet": "cap_net_raw"}, 252)
	if user.HasCap("CAP_NET_BIND_SERVICE") {
		t.Error("ambient outside the bounding set counted")
	}
	full := NewSandbox(map[string]string{"User": "svc", "AmbientCapabilities": "cap_net_bind_service"}, 252)
	if !full.HasCap("CAP_NET_BIND_SERVICE") || full.HasCap("CAP_CHOWN") {
		t.Error("non-root: only ambient capabilities")
	}
	mods := NewSandbox(map[string]string{"ProtectKernelModules": "yes"}, 252)
	if mods.HasCap("CAP_SYS_MODULE") {
		t.Error("ProtectKernelModules= drops CAP_SYS_MODULE")
	}
}

func TestImpliedNoNewPrivileges(t *testing.T) {
	p := map[string]string{"User": "svc", "SystemCallFilter": "read write"}
	if sb := NewSandbox(p, 254); !sb.NNP {
		t.Error("v254: seccomp option implies NNP for a non-root user")
	}
	if sb := NewSandbox(p, 255); sb.NNP {
		t.Error("v255: no longer implied")
	}
	if sb := NewSandbox(map[string]string{"DynamicUser": "yes"}, 262); !sb.NNP {
		t.Error("DynamicUser= implies NNP")
	}
}

func TestApplyDropIn(t *testing.T) {
	base := map[string]string{"SystemCallFilter": "read write", "ReadWritePaths": "/a", "CapabilityBoundingSet": "cap_chown", "ProtectSystem": "strict"}
	got := ApplyDropIn(base, []string{"SystemCallFilter=swapon", "ReadWritePaths=/b", "CapabilityBoundingSet=CAP_KILL", "ProtectSystem=full", "ReadWriteDirectories=/c"})
	if got["SystemCallFilter"] != "read swapon write" || got["ReadWritePaths"] != "/a /b /c" || got["CapabilityBoundingSet"] != "CAP_CHOWN CAP_KILL" || got["ProtectSystem"] != "full" {
		t.Fatalf("%v", got)
	}
	deny := ApplyDropIn(map[string]string{"SystemCallFilter": "~mount swapon"}, []string{"SystemCallFilter=swapon"})
	if deny["SystemCallFilter"] != "~mount" {
		t.Fatalf("deny list: %q", deny["SystemCallFilter"])
	}
	reset := ApplyDropIn(base, []string{"ReadWritePaths=", "ReadWritePaths=-/x"})
	if reset["ReadWritePaths"] != "-/x" {
		t.Fatalf("reset: %q", reset["ReadWritePaths"])
	}
	grp := ApplyDropIn(map[string]string{"SystemCallFilter": "read"}, []string{"SystemCallFilter=@swap"})
	if grp["SystemCallFilter"] != "read swapoff swapon" {
		t.Fatalf("group: %q", grp["SystemCallFilter"])
	}
	if base["SystemCallFilter"] != "read write" {
		t.Fatal("ApplyDropIn changed its input")
	}
}

// A relaxation is only offered if the model then allows the operation:
// ReadWritePaths= under ProtectHome=yes has no effect, so it is not.
func TestRelaxationsAreVerified(t *testing.T) {
	sb := NewSandbox(map[string]string{"User": "svc", "ProtectHome": "yes"}, 252)
	sym := &Symptom{Kind: KindErrno, Errno: "EACCES", Path: "/home/u/data/f.txt", Op: "read", Origin: journal.FromKernel}
	cs := attribute(sym, sb)
	if len(cs) != 1 || cs[0].directive != "ProtectHome" {
		t.Fatalf("%+v", cs)
	}
	kept, _ := relaxations(sym, cs[0], sb)
	if len(kept) == 0 || kept[0].Lines[0] != "ProtectHome=tmpfs" || kept[0].Lines[1] != "BindReadOnlyPaths=/home/u/data/f.txt" {
		t.Fatalf("%+v", kept)
	}
	for _, r := range kept {
		for _, l := range r.Lines {
			if l == "ReadWritePaths=/home/u/data/f.txt" {
				t.Fatal("ineffective ReadWritePaths= proposed")
			}
		}
	}
}

// The same symptom, written by the service or seen by the kernel: broad
// relaxations only for the latter.
func TestBroadRelaxationsNeedTrustedEvidence(t *testing.T) {
	sb := NewSandbox(map[string]string{"ProtectSystem": "strict"}, 252)
	svc := &Symptom{Kind: KindErrno, Errno: "EROFS", Path: "/etc/shadow", Op: "write", Origin: journal.FromService}
	kept, withheld := relaxations(svc, attribute(svc, sb)[0], sb)
	if len(kept) != 0 || len(withheld) == 0 {
		t.Fatalf("service-only evidence: kept %+v", kept)
	}
	kern := *svc
	kern.Origin = journal.FromKernel
	kept, _ = relaxations(&kern, attribute(&kern, sb)[0], sb)
	if len(kept) == 0 {
		t.Fatal("kernel evidence: nothing proposed")
	}
}

// The BPF-enforced lists, as systemd's programs evaluate them; the show
// format ("tcp8080") is what real `systemctl show` of v257 printed.
func TestBPFLists(t *testing.T) {
	sb := NewSandbox(map[string]string{"SocketBindDeny": "any", "SocketBindAllow": "tcp8080 ipv6udp5353-5360"}, 257)
	for _, c := range []struct {
		proto string
		port  int
		want  bool
	}{{"tcp", 8080, true}, {"tcp", 9090, false}, {"udp", 8080, false}, {"", 8080, true}, {"udp", 5355, true}, {"tcp", 5355, false}} {
		if got := sb.BindAllowed(c.proto, c.port); got != c.want {
			t.Errorf("bind %s %d: %v, want %v", c.proto, c.port, got, c.want)
		}
	}
	fs := NewSandbox(map[string]string{"RestrictFileSystems": "ext4 tmpfs"}, 257)
	if !fs.FileSystemAllowed("devtmpfs") || fs.FileSystemAllowed("proc") || !fs.FileSystemAllowed(FileSystemOf("/run/x")) {
		t.Errorf("ext4 tmpfs: devtmpfs shares tmpfs's magic, proc is refused, /run is tmpfs")
	}
	grp := NewSandbox(map[string]string{"RestrictFileSystems": "~@basic-api"}, 257)
	if grp.FileSystemAllowed("proc") || !grp.FileSystemAllowed("ext4") {
		t.Errorf("~@basic-api must refuse proc and allow ext4")
	}
	if FileSystemOf("/proc/loadavg") != "proc" || FileSystemOf("/sys/fs/cgroup/x") != "cgroup2" || FileSystemOf("/var/lib/x") != "" {
		t.Errorf("FileSystemOf")
	}
	ifs := NewSandbox(map[string]string{"RestrictNetworkInterfaces": "~lo"}, 257)
	if ifs.InterfaceAllowed("lo") || !ifs.InterfaceAllowed("eth0") {
		t.Errorf("~lo")
	}
	// A later allow entry removes lo from the deny list.
	next := NewSandbox(ApplyDropIn(ifs.Props, []string{"RestrictNetworkInterfaces=lo"}), 257)
	if !next.InterfaceAllowed("lo") {
		t.Errorf("after RestrictNetworkInterfaces=lo: %q", next.Props["RestrictNetworkInterfaces"])
	}
	// Without the BPF framework nothing of it is enforced.
	fs.NoBPF = true
	if !fs.FileSystemAllowed("proc") {
		t.Errorf("NoBPF must allow everything")
	}
}

// A remount entry below an empty tmpfs names a path that is not there:
// systemd fails the unit at setup (lab: probe-rwp-tmpfs, 226 on 252),
// unless the entry is optional or a bind mount brings the content back.
func TestRemountBelowTmpfs(t *testing.T) {
	for _, c := range []struct {
		props map[string]string
		fails bool
	}{
		{map[string]string{"ProtectHome": "tmpfs", "ReadWritePaths": "/home/u/data"}, true},
		{map[string]string{"ProtectHome": "tmpfs", "ReadWritePaths": "-/home/u/data"}, false},
		{map[string]string{"ProtectHome": "tmpfs", "ReadWritePaths": "/home/u/data", "BindPaths": "/home/u/data"}, false},
		{map[string]string{"ProtectHome": "yes", "ReadWritePaths": "/home/u/data"}, false},
		{map[string]string{"TemporaryFileSystem": "/srv", "ReadOnlyPaths": "/srv/x"}, true},
		{map[string]string{"ReadWritePaths": "/srv/x"}, false},
	} {
		sb := NewSandbox(c.props, 252)
		if got := sb.FailsSetup() != nil; got != c.fails {
			t.Errorf("%v: FailsSetup %v, want %v", c.props, got, c.fails)
		}
	}
	sb := NewSandbox(map[string]string{"ProtectHome": "tmpfs", "ReadWritePaths": "/home/u/data"}, 252)
	if eff, _ := sb.Resolve("/home/u/data/f"); eff != "empty-ro" {
		t.Errorf("a ReadWritePaths= entry under ProtectHome=tmpfs resolves to %s, want the empty tmpfs", eff)
	}
}

// A device allow-list entry grants the access letters it lists (the
// properties as `systemctl show` prints them; hand-written).
func TestDeviceAllowedAccess(t *testing.T) {
	sb := NewSandbox(map[string]string{"DevicePolicy": "closed", "DeviceAllow": "/dev/console r /dev/ttyS0 rw"}, 257)
	for _, c := range []struct {
		path, access string
		want         bool
	}{
		{"/dev/console", "r", true},
		{"/dev/console", "w", false},
		{"/dev/console", "rw", false},
		{"/dev/console", "", true}, // unknown access: the entry is there
		{"/dev/ttyS0", "w", true},
		{"/dev/ttyS1", "r", false},
		{"/dev/null", "w", true}, // closed keeps the pseudo-devices
	} {
		if got, by := sb.DeviceAllowed(c.path, c.access); got != c.want {
			t.Errorf("DeviceAllowed(%s, %q) = %v (%s), want %v", c.path, c.access, got, by, c.want)
		}
	}
}
