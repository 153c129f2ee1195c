package journal

import "testing"

// D-Bus gives arrays of structs of several shapes; each renders as
// systemctl show prints it, and none may crash the reader (two-field
// entries once indexed past their end). The values are hand-written in
// the shapes go-systemd decodes them to.
func TestDBusStructArrays(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"DeviceAllow", [][]any{{"/dev/null", "rw"}, {"char-rtc", "r"}}, "/dev/null rw char-rtc r"},
		{"IODeviceWeight", [][]any{{"/dev/sda", uint64(200)}}, "/dev/sda 200"},
		{"BindPaths", [][]any{{"/srv/a", "/a", false, uint64(0)}, {"/srv/b", "/b", true, uint64(0)}}, "/srv/a:/a -/srv/b:/b"},
		{"Odd", [][]any{{"x"}, {}}, "x "},
	}
	for _, c := range cases {
		if got := dbusString(c.name, c.v); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// Unlimited is spelled as systemctl show spells it.
func TestDBusInfinity(t *testing.T) {
	if got := dbusString("LimitAS", uint64(1<<64-1)); got != "infinity" {
		t.Errorf("LimitAS: %q", got)
	}
	if got := dbusString("UMask", uint32(0o22)); got != "0022" {
		t.Errorf("UMask: %q", got)
	}
	if got := dbusString("LimitNOFILE", uint64(524288)); got != "524288" {
		t.Errorf("LimitNOFILE: %q", got)
	}
}

// ExecStart= over D-Bus, a(sasbttttuii), reads as systemctl show prints
// it, so that the engine finds the program and its PID (hand-written in
// the shape godbus decodes it to; the rendered line is parsed by the
// same code as a captured .show file's).
func TestDBusExecStart(t *testing.T) {
	v := [][]any{{"/usr/sbin/nginx", []string{"/usr/sbin/nginx", "-g", "daemon off;"}, false,
		uint64(1795987016221090), uint64(1016221090), uint64(0), uint64(0), uint32(1920), int32(0), int32(0)}}
	got := dbusString("ExecStart", v)
	want := "{ path=/usr/sbin/nginx ; argv[]=/usr/sbin/nginx -g daemon off; ; ignore_errors=no ; pid=1920 ; }"
	if got != want {
		t.Errorf("ExecStart: %q, want %q", got, want)
	}
}

// IPAddressDeny=, a(iayu), TemporaryFileSystem=, a(ss), SocketBind*=,
// a(iiqq), and SELinuxContext=, (bs), read as systemctl show prints them
// (the forms of the captures' .show files) (hand-written in godbus's shapes).
func TestDBusAddressesAndTmpfs(t *testing.T) {
	deny := [][]any{{int32(2), []byte{0, 0, 0, 0}, uint32(0)}, {int32(10), make([]byte, 16), uint32(0)}}
	if got := dbusString("IPAddressDeny", deny); got != "0.0.0.0/0 ::/0" {
		t.Errorf("IPAddressDeny: %q", got)
	}
	allow := [][]any{{int32(2), []byte{127, 0, 0, 0}, uint32(8)}}
	if got := dbusString("IPAddressAllow", allow); got != "127.0.0.0/8" {
		t.Errorf("IPAddressAllow: %q", got)
	}
	tmp := [][]any{{"/var", "ro"}, {"/srv", ""}}
	if got := dbusString("TemporaryFileSystem", tmp); got != "/var:ro /srv" {
		t.Errorf("TemporaryFileSystem: %q", got)
	}
	bind := [][]any{{int32(0), int32(0), uint16(0), uint16(0)}, {int32(0), int32(6), uint16(1), uint16(8080)}, {int32(2), int32(6), uint16(1000), uint16(9000)}}
	if got := dbusString("SocketBindDeny", bind); got != "any tcp8080 ipv4:tcp9000-9999" {
		t.Errorf("SocketBindDeny: %q", got)
	}
	if got := dbusString("SELinuxContext", []any{false, "system_u:system_r:ntpd_t:s0"}); got != "system_u:system_r:ntpd_t:s0" {
		t.Errorf("SELinuxContext: %q", got)
	}
	if got := dbusString("SELinuxContext", []any{true, "x_t"}); got != "-x_t" {
		t.Errorf("SELinuxContext ignored: %q", got)
	}
	// DeviceAllow keeps its two-field form.
	if got := dbusString("DeviceAllow", [][]any{{"/dev/null", "rw"}}); got != "/dev/null rw" {
		t.Errorf("DeviceAllow: %q", got)
	}
}
