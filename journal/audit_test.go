package journal

import "testing"

// The PID filter runs before parsing: records of refused processes,
// including the PATH records of their failed syscalls, never become
// events; records of wanted processes arrive whole.
func TestReadAuditLogsPIDFilter(t *testing.T) {
	files := []string{
		"../testdata/captures/audited-protectsystem/audit/audit.log", // failed open, pid 298, with PATH
		"../testdata/captures/syscallfilter-kill/audit/audit.log",    // SECCOMP kill, pid 1900
	}
	read := func(want func(int) bool) map[int][]AuditEvent {
		byPID := map[int][]AuditEvent{}
		ReadAuditLogsFunc(files, AuditWindow{PID: want}, func(ev AuditEvent) {
			byPID[ev.PID()] = append(byPID[ev.PID()], ev)
		})
		return byPID
	}
	all := read(nil)
	if len(all[298]) == 0 || len(all[1900]) == 0 {
		t.Fatalf("without a filter: events of 298 and 1900 expected, got PIDs %v", keys(all))
	}
	asked := map[int]bool{}
	only := read(func(p int) bool { asked[p] = true; return p == 298 })
	if !asked[1900] || !asked[298] {
		t.Errorf("filter asked about %v, want 298 and 1900", asked)
	}
	if len(only[1900]) != 0 {
		t.Errorf("refused PID 1900 still produced %d events", len(only[1900]))
	}
	if len(only[298]) != len(all[298]) {
		t.Fatalf("wanted PID 298: %d events, want %d", len(only[298]), len(all[298]))
	}
	for i, ev := range only[298] {
		if len(ev.Records) != len(all[298][i].Records) || ev.Record("PATH") == nil && all[298][i].Record("PATH") != nil {
			t.Errorf("event %d of PID 298 lost records: %d, want %d", i, len(ev.Records), len(all[298][i].Records))
		}
	}
}

func keys(m map[int][]AuditEvent) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
