package diagnose

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/harden-tool/harden/journal"
)

// Lines the lab captured from real services (marked real), and wordings of
// other runtimes and servers written by hand from their sources' formats
// (marked hand).
var serviceLines = []struct {
	origin, line    string
	errno, op, path string
	port            int
}{
	{"real python", `OSError: [Errno 30] Read-only file system: '/var/lib/inventory/items.db'`, "EROFS", "", "/var/lib/inventory/items.db", 0},
	{"real c", `capp: cannot open /etc/dnsupdater/current.conf for writing: Read-only file system`, "EROFS", "write", "/etc/dnsupdater/current.conf", 0},
	{"real rust", `failed to write /usr/local/share/assetsync/index.json: Os { code: 30, kind: ReadOnlyFilesystem, message: "Read-only file system" }`, "EROFS", "write", "/usr/local/share/assetsync/index.json", 0},
	{"real go", `2026/11/27 06:41:56 loading config: open /home/alice/Pictures/album.txt: permission denied`, "EACCES", "read", "/home/alice/Pictures/album.txt", 0},
	{"real node", `Error: EROFS: read-only file system, open '/root/.cache/backup-agent/last-run'`, "EROFS", "open", "/root/.cache/backup-agent/last-run", 0},
	{"real coreutils", `cat: /home/bob/.mailrc: No such file or directory`, "ENOENT", "read", "/home/bob/.mailrc", 0},
	{"real c", `error: fopen("/dev/kmsg") failed: Permission denied (errno=13)`, "EACCES", "open", "/dev/kmsg", 0},
	{"real node", `Error: listen EACCES: permission denied 0.0.0.0:443`, "EACCES", "bind", "", 443},
	{"real go", `2026/11/27 06:40:38 chown /var/tmp/spool.lock: operation not permitted`, "EPERM", "chown", "/var/tmp/spool.lock", 0},
	{"real rust", `Error: Os { code: 13, kind: PermissionDenied, message: "Permission denied" }`, "EACCES", "", "", 0},
	{"real python", `ConnectionRefusedError: [Errno 111] Connection refused`, "ECONNREFUSED", "connect", "", 0},
	{"real go", `2026/11/27 06:43:17 sethostname: operation not permitted`, "EPERM", "sethostname", "", 0},
	{"real java", `Exception in thread "main" java.io.FileNotFoundException: /var/log/order-service/app.log (Read-only file system)`, "EROFS", "", "/var/log/order-service/app.log", 0},
	{"real java", `Exception in thread "main" java.net.BindException: Permission denied`, "EACCES", "bind", "", 0},
	{"hand go", `2024/01/01 10:00:00 listen tcp :80: bind: permission denied`, "EACCES", "bind", "", 80},
	{"hand dash", `/usr/local/bin/run.sh: 9: cannot create /etc/app.conf: Read-only file system`, "EROFS", "write", "/etc/app.conf", 0},
	{"hand coreutils", `mkdir: cannot create directory '/var/lib/x': Read-only file system`, "EROFS", "mkdir", "/var/lib/x", 0},
	{"hand node", `Error: ENOENT: no such file or directory, open '/home/u/.config/app.json'`, "ENOENT", "open", "/home/u/.config/app.json", 0},
	{"hand util-linux", `swapon: Operation not permitted`, "EPERM", "swapon", "", 0},
	{"hand python", `socket.gaierror: [Errno -3] Temporary failure in name resolution`, "EAI_AGAIN", "resolve", "", 0},
	{"hand java", `Caused by: java.nio.file.AccessDeniedException: /home/svc/data`, "EACCES", "", "/home/svc/data", 0},
	{"hand rust", `thread 'main' panicked at src/main.rs:5:10: called Result::unwrap() on an Err value: Os { code: 1, kind: PermissionDenied, message: "Operation not permitted" }`, "EPERM", "", "", 0},
	{"hand nginx", `2024/01/01 10:00:00 [emerg] 12#12: bind() to 0.0.0.0:80 failed (13: Permission denied)`, "EACCES", "bind", "", 80},
	{"hand postgres", `FATAL:  could not create lock file "/run/postgresql/.s.PGSQL.5432.lock": Read-only file system`, "EROFS", "write", "/run/postgresql/.s.PGSQL.5432.lock", 0},
	{"hand python", `PermissionError: [Errno 13] Permission denied: '/srv/app/uploads'`, "EACCES", "", "/srv/app/uploads", 0},
	{"hand node", `Error: connect ECONNREFUSED 127.0.0.1:6379`, "ECONNREFUSED", "connect", "", 6379},
	{"hand glibc perror", `socket: Address family not supported by protocol`, "EAFNOSUPPORT", "socket", "", 0},
	{"hand java", `java.nio.file.FileSystemException: /opt/app/cache/x.tmp: Read-only file system`, "EROFS", "", "/opt/app/cache/x.tmp", 0},
	// memcached dropping root under an empty CapabilityBoundingSet= (lab:
	// tighten-memcached): setgroups() needs CAP_SETGID.
	{"real memcached", `failed to drop supplementary groups: Operation not permitted`, "EPERM", "setgid", "", 0},
	// mosquitto's PID file: neither path nor errno (lab: tune-mosquitto-strict).
	{"real mosquitto", `1795979941: Error: Unable to write pid file.`, "EACCES", "write", "", 0},
}

func TestParseServiceLine(t *testing.T) {
	for _, c := range serviceLines {
		s, ok := ParseServiceLine(c.line)
		if !ok {
			t.Errorf("%s: no symptom in %q", c.origin, c.line)
			continue
		}
		if s.Errno != c.errno || s.Path != c.path || s.Port != c.port || (c.op != "" && s.Op != c.op) {
			t.Errorf("%s: %q\n got errno=%s op=%s path=%s port=%d\nwant errno=%s op=%s path=%s port=%d",
				c.origin, c.line, s.Errno, s.Op, s.Path, s.Port, c.errno, c.op, c.path, c.port)
		}
	}
}

func TestParseServiceLineIgnoresOrdinaryText(t *testing.T) {
	for _, l := range []string{
		`ERROR pyapp: invalid configuration: key 'listen_address' is missing in /etc/ledger.toml`,
		`INFO started worker 3 at 06:40:38`,
		`  File "/usr/lib/python3.11/socket.py", line 836, in create_connection`,
		``,
	} {
		if s, ok := ParseServiceLine(l); ok {
			t.Errorf("symptom %+v from ordinary line %q", s, l)
		}
	}
}

func TestNoNewPrivilegesTexts(t *testing.T) {
	s, ok := ParseServiceLine(`sudo: The "no new privileges" flag is set, which prevents sudo from running as root.`)
	if !ok || s.Kind != KindNNP {
		t.Fatalf("%+v", s)
	}
}

func TestParsePathStripsUnitRoot(t *testing.T) {
	if p := ParsePath("Failed to set up mount namespacing: /run/systemd/unit-root/srv/x: No such file or directory"); p != "/srv/x" {
		t.Fatalf("%q", p)
	}
}

func FuzzParseServiceLine(f *testing.F) {
	for _, c := range serviceLines {
		f.Add(c.line)
	}
	f.Add("\x1b[2J\xff\xfe [Errno 99999999999999999999] (os error -1) errno=")
	f.Fuzz(func(t *testing.T, line string) {
		s, ok := ParseServiceLine(line)
		if ok && s.Kind == KindErrno && s.Errno == "" {
			t.Fatalf("errno symptom without errno: %q", line)
		}
		_ = describe(&s)
	})
}

// Ports and protocols of refused binds as the runtimes word them (lines
// from the lab's real captures on systemd 257).
func TestBindDetails(t *testing.T) {
	if addr, port := ParsePort("PermissionError: [Errno 1] Operation not permitted (while attempting to bind on address ('0.0.0.0', 9100))"); addr != "0.0.0.0" || port != 9100 {
		t.Errorf("python tuple: %q %d", addr, port)
	}
	for argv, want := range map[string]int{
		"/usr/local/bin/rsapp listen 7000": 7000, "java -Xmx256m -cp /x JApp listen 7070": 7070,
		"app --port=8080": 8080, "app 1 2": 0, "app serve 0.0.0.0:9000": 9000, "app": 0,
	} {
		if got := argvPort(argv); got != want {
			t.Errorf("argvPort(%q) = %d, want %d", argv, got, want)
		}
	}
	for text, want := range map[string]string{
		"listen tcp :9090: bind: operation not permitted":           "tcp",
		"Error: listen EPERM: operation not permitted 0.0.0.0:9443": "tcp",
		"sendto udp 127.0.0.1:8125: operation not permitted":        "udp",
		`Error: Os { code: 1, kind: PermissionDenied }`:             "",
	} {
		if got := protoOf(text); got != want {
			t.Errorf("protoOf(%q) = %q, want %q", text, got, want)
		}
	}
	for line, want := range map[string]bool{
		"\tat java.base/sun.nio.ch.Net.bind(Net.java:577)": true, "    at doListen (node:net:2136:7)": true,
		`  File "/usr/local/bin/pyapp.py", line 55, in <module>`: true, "at the start": false, "Exception in thread": false,
	} {
		if isStackFrame(line) != want {
			t.Errorf("isStackFrame(%q) != %v", line, want)
		}
	}
}

// The memos of ParseServiceLine and ParseOpOfLine give what a fresh parse gives, line for
// line, over every captured service line read twice, and stays bounded.
func TestParseServiceLineMemo(t *testing.T) {
	files, _ := filepath.Glob("../testdata/captures/*/journal.export")
	if len(files) < 100 {
		t.Fatalf("%d captures", len(files))
	}
	var lines []string
	for _, f := range files {
		es, _, err := journal.ReadExportFile(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			lines = append(lines, strings.Split(e.Message(), "\n")...)
		}
	}
	found := 0
	for pass := 0; pass < 2; pass++ {
		for _, l := range lines {
			got, gotOK := ParseServiceLine(l)
			want, wantOK := parseServiceLine(l)
			if gotOK != wantOK || !reflect.DeepEqual(got, want) {
				t.Fatalf("pass %d, %q: memo gives %+v %v, a fresh parse %+v %v", pass, l, got, gotOK, want, wantOK)
			}
			if got, want := ParseOpOfLine(l), ParseOp(l, -1, -1); got != want {
				t.Fatalf("pass %d, %q: memo gives op %q, a fresh parse %q", pass, l, got, want)
			}
			if gotOK {
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no captured line gave a symptom")
	}
	if n := parsedLines.len(); n > parsedLinesMax {
		t.Errorf("memo holds %d lines, bound %d", n, parsedLinesMax)
	}
	t.Logf("%d lines, %d symptoms over two passes", len(lines), found)
}
