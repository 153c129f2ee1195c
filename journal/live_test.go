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
