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
