package diagnose

import "testing"

// The sizes a command line names, a floor for a raised size limit.
// Hand-written command lines: parser edge cases.
func TestArgvSize(t *testing.T) {
	for _, c := range []struct {
		argv string
		want int64
	}{
		{"/usr/bin/fallocate --length 8MiB /var/lib/x", 8 << 20},
		{"/usr/bin/truncate -s 2G /srv/img", 2 << 30},
		{"/bin/dd if=/dev/zero of=/x bs=1M count=64", 1 << 20}, // the count is a bare number: left out
		{"/usr/bin/fallocate --length=512k '/var/lib/x'", 512 << 10},
		{"/usr/bin/server --port 8080 --workers 4", 0},
		{"/usr/bin/tool --size 3MB --chunk 1MB", 3 << 20},
		{"/usr/bin/tool 99999999999999T", 0}, // beyond any limit: not a size
	} {
		if got := argvSize(c.argv); got != c.want {
			t.Errorf("argvSize(%q) = %d, want %d", c.argv, got, c.want)
		}
	}
}

// A unit file's SOFT:HARD is read as its hard limit, the one systemctl
// shows.
func TestLimitValueReadsTheHardLimit(t *testing.T) {
	for v, want := range map[string]int64{"1024:524288": 524288, "1024": 1024, "4K": 4096, "infinity": 1 << 62, "1:infinity": 1 << 62} {
		if got := limitValue(v); got != want {
			t.Errorf("limitValue(%q) = %d, want %d", v, got, want)
		}
	}
}
