package rules

// LastReleaseSeccompImpliesNNP is the last systemd release in which
// seccomp options implied NoNewPrivileges= (v255 NEWS).
const LastReleaseSeccompImpliesNNP = 254

// SeccompKillErrorNumber is what systemctl show prints for
// SystemCallErrorNumber= when the action is to kill (INT_MAX-1).
const SeccompKillErrorNumber = "2147483646"

// CommonAddressFamilies are proposed, in this order, when a program's
// message does not name the address family RestrictAddressFamilies=
// refused.
var CommonAddressFamilies = []string{"AF_INET6", "AF_INET", "AF_UNIX", "AF_NETLINK", "AF_PACKET"}

// AuditArchToSystemd maps auparse's architecture names to the names
// SystemCallArchitectures= takes.
var AuditArchToSystemd = map[string]string{
	"x86_64": "x86-64", "i386": "x86", "i686": "x86", "aarch64": "arm64", "arm": "arm", "armeb": "arm",
	"ppc64le": "ppc64-le", "ppc64": "ppc64", "ppc": "ppc", "s390x": "s390x", "s390": "s390",
	"riscv64": "riscv64", "mips": "mips", "mipsel": "mips-le", "loongarch64": "loongarch64",
}
