package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seccompRecord reads the PID and serial of the first SECCOMP record of a
// capture's audit.log, so the tests follow a re-captured scenario.
func seccompRecord(t *testing.T, path string) (pid int, serial uint32) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`type=SECCOMP msg=audit\([0-9.]+:(\d+)\):.* pid=(\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s has no SECCOMP record", path)
	}
	s, _ := strconv.ParseUint(string(m[1]), 10, 32)
	pid, _ = strconv.Atoi(string(m[2]))
	return pid, uint32(s)
}

// The PID filter runs before parsing: records of refused processes,
// including the PATH records of their failed syscalls, never become
// events; records of wanted processes arrive whole.
func TestReadAuditLogsPIDFilter(t *testing.T) {
	files := []string{
		"../testdata/captures/audited-protectsystem/audit/audit.log", // failed open, pid 298, with PATH
		"../testdata/captures/syscallfilter-kill/audit/audit.log",    // a SECCOMP kill
	}
	read := func(want func(int, []byte) bool) map[int][]AuditEvent {
		byPID := map[int][]AuditEvent{}
		ReadAuditLogsFunc(files, AuditWindow{PID: want}, func(ev AuditEvent) {
			byPID[ev.PID()] = append(byPID[ev.PID()], ev)
		})
		return byPID
	}
	killed, _ := seccompRecord(t, files[1])
	all := read(nil)
	if len(all[298]) == 0 || len(all[killed]) == 0 {
		t.Fatalf("without a filter: events of 298 and %d expected, got PIDs %v", killed, keys(all))
	}
	asked := map[int][]time.Time{}
	only := read(func(p int, line []byte) bool {
		at, _ := lineTime(line)
		asked[p] = append(asked[p], at)
		return p == 298
	})
	if len(asked[killed]) == 0 || len(asked[298]) == 0 {
		t.Errorf("filter asked about %v, want 298 and %d", asked, killed)
	}
	for _, ev := range all[killed] { // (to the millisecond, as logged)
		if !slices.ContainsFunc(asked[killed], ev.Time.Equal) {
			t.Errorf("filter was not told the time of %d's event at %v: %v", killed, ev.Time, asked[killed])
		}
	}
	if len(only[killed]) != 0 {
		t.Errorf("refused PID %d still produced %d events", killed, len(only[killed]))
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

// A denial held as text (HeldAuditEvent) reads back as it was parsed: every
// event of every capture's audit log and every audit record of its
// journal.
func TestHeldAuditEventReadsBackAsParsed(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(captures, "*"))
	events, types := 0, map[string]int{}
	for _, dir := range dirs {
		var evs []AuditEvent
		if logs, _ := filepath.Glob(filepath.Join(dir, "audit", "audit.log*")); len(logs) > 0 {
			evs, _ = ReadAuditLogs(logs, AuditWindow{})
		}
		if es, _, err := ReadExportFile(filepath.Join(dir, "journal.export"), nil); err == nil {
			for i := range es {
				if ev, ok := AuditEventFromEntry(&es[i]); ok {
					evs = append(evs, ev)
				}
			}
		}
		for _, ev := range evs {
			held := ev.Hold()
			for _, r := range held.ev.Records {
				if r.Raw != nil || r.Fields != nil {
					t.Fatalf("%s: a record held parsed: %s", dir, r.Text)
				}
			}
			if got := held.Event(); !reflect.DeepEqual(got, ev) {
				t.Fatalf("%s: held %+v, read back %+v", dir, ev, got)
			}
			for _, r := range ev.Records {
				types[r.Type]++
			}
			events++
		}
	}
	if events < 90 || types["SECCOMP"] == 0 || types["AVC"] == 0 || types["SYSCALL"] == 0 {
		t.Fatalf("%d audit events compared, records %v: too few to tell", events, types)
	}
	t.Logf("%d events, records %v", events, types)
}

// A journal's audit record read with its raw fields only, as triage reads
// the journal's audit stream, is held and read back as the record parsed
// whole: every audit record of every capture's journal.
func TestRawAuditEventHeldReadsBackWhole(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(captures, "*"))
	n := 0
	for _, dir := range dirs {
		es, _, err := ReadExportFile(filepath.Join(dir, "journal.export"), nil)
		if err != nil {
			continue
		}
		for i := range es {
			whole, ok := AuditEventFromEntry(&es[i])
			raw, rawOK := RawAuditEventFromEntry(&es[i])
			if ok != rawOK {
				t.Fatalf("%s: an audit record whole %v, raw %v", dir, ok, rawOK)
			}
			if !ok {
				continue
			}
			if raw.PID() != whole.PID() || !reflect.DeepEqual(raw.Records[0].Raw, whole.Records[0].Raw) {
				t.Fatalf("%s: raw fields %v, whole %v", dir, raw.Records[0].Raw, whole.Records[0].Raw)
			}
			if got := raw.Hold().Event(); !reflect.DeepEqual(got, whole) {
				t.Fatalf("%s: held raw, read back %+v, whole %+v", dir, got, whole)
			}
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d audit records in the captures' journals", n)
	}
	t.Logf("%d records", n)
}

// The journal's audit records, put back together by AuditGrouper as triage
// reads them, are the events why's reader makes of them (AuditFromJournal,
// go-libaudit's reassembler): the same serials, times and records, on every
// capture's journal; and a record given twice (a file given twice) is one.
func TestAuditGrouperMakesWhysEvents(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(captures, "*"))
	trials, _ := filepath.Glob(filepath.Join("..", "testdata", "live-trials", "*"))
	dirs = append(dirs, trials...)
	key := func(a AuditEvent) string {
		var types []string
		for _, r := range a.Records {
			types = append(types, r.Type)
		}
		slices.Sort(types)
		return fmt.Sprint(a.Time.UnixMilli(), a.Serial, a.Host, a.PID(), types)
	}
	events, withPath := 0, 0
	for _, dir := range dirs {
		es, _, err := ReadExportFile(filepath.Join(dir, "journal.export"), nil)
		if err != nil {
			continue
		}
		var want []string
		for _, a := range AuditFromJournal(es) {
			want = append(want, key(a))
		}
		for _, twice := range []bool{false, true} {
			var got []string
			var g AuditGrouper
			emit := func(a AuditEvent) { got = append(got, key(a)) }
			for i := range es {
				g.Add(&es[i], emit)
				if twice {
					g.Add(&es[i], emit)
				}
			}
			g.Flush(emit)
			slices.Sort(got)
			w := slices.Sorted(slices.Values(want))
			if !slices.Equal(got, w) {
				t.Fatalf("%s (each record twice: %v):\ngrouped %q\nwhy's   %q", filepath.Base(dir), twice, got, w)
			}
		}
		for _, k := range want {
			events++
			if strings.Contains(k, "PATH") && strings.Contains(k, "SYSCALL") {
				withPath++
			}
		}
	}
	if events < 30 || withPath < 3 {
		t.Fatalf("%d events, %d failed calls with their PATH records: too few to tell", events, withPath)
	}
	t.Logf("%d events, %d with SYSCALL and PATH records", events, withPath)
}
