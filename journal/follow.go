package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"syscall"
	"time"

	libaudit "github.com/elastic/go-libaudit/v2"
	"github.com/elastic/go-libaudit/v2/auparse"
)

// Follow reads new journal entries of the units (and every kernel and
// audit entry) as they are written, from the tail on, and hands each to fn
// until ctx ends. It waits with sd_journal_wait, so it costs nothing while
// nothing happens.
func Follow(ctx context.Context, spec JournalSpec, units []string, fn func(Entry)) error {
	j, name, err := openJournal(spec)
	if err != nil {
		return err
	}
	defer j.Close()
	for _, u := range units {
		for _, m := range []string{"_SYSTEMD_UNIT=" + u, "UNIT=" + u, "COREDUMP_UNIT=" + u} {
			if err := j.AddMatch(m); err != nil {
				return err
			}
			j.AddDisjunction()
		}
	}
	for _, m := range []string{"_TRANSPORT=audit", "_TRANSPORT=kernel"} {
		j.AddMatch(m)
		j.AddDisjunction()
	}
	if err := j.SeekTail(); err != nil {
		return fmt.Errorf("failed to seek in %s: %w", name, err)
	}
	// After SeekTail, Previous() steps onto the last entry, so that Next()
	// then yields only what is written from now on.
	j.Previous()
	for ctx.Err() == nil {
		n, err := j.Next()
		if err != nil {
			return fmt.Errorf("failed to read %s: %w", name, err)
		}
		if n == 0 {
			j.Wait(250 * time.Millisecond)
			continue
		}
		je, err := j.GetEntry()
		if err != nil {
			continue
		}
		fn(Entry{Fields: je.Fields, Time: time.UnixMicro(int64(je.RealtimeTimestamp)).UTC()})
	}
	return nil
}

// AuditStream receives the kernel's audit records as they are emitted,
// through go-libaudit's netlink multicast client (needs CAP_AUDIT_READ),
// regrouped into events with the reassembler. It returns an error at once
// when the kernel refuses the subscription; the caller then relies on the
// journal's audit entries. Lost counts records the reassembler saw missing.
type AuditStream struct {
	client *libaudit.AuditClient
	re     *libaudit.Reassembler
	col    *streamCollector
}

type streamCollector struct {
	events    chan AuditEvent
	lost      int // events dropped because the queue was full
	received  int
	overflows int
	serials   int    // distinct events seen
	minSerial uint32 // the span of serials seen
	maxSerial uint32
}

func (c *streamCollector) ReassemblyComplete(msgs []*auparse.AuditMessage) {
	var tmp collector
	tmp.ReassemblyComplete(msgs)
	for _, ev := range tmp.events {
		ev.Source = "netlink"
		select {
		case c.events <- ev:
		default:
			c.lost++
		}
	}
}

// EventsLost is the reassembler's own estimate; it wraps around on
// out-of-order serials, so the stream counts gaps itself (Lost).
func (c *streamCollector) EventsLost(int) {}

// OpenAuditStream subscribes to the kernel's audit multicast group.
func OpenAuditStream() (*AuditStream, error) {
	client, err := libaudit.NewMulticastAuditClient(nil)
	if err != nil {
		return nil, err
	}
	// A burst of audit records overflows the default socket buffer (seen in
	// the lab). go-libaudit keeps the descriptor private: read it through
	// reflection and raise the buffer (SO_RCVBUFFORCE needs CAP_NET_ADMIN,
	// which a process allowed to read the audit stream usually has).
	if v := reflect.ValueOf(client.Netlink); v.Kind() == reflect.Pointer && !v.IsNil() {
		if f := v.Elem().FieldByName("fd"); f.IsValid() && f.CanInt() {
			fd := int(f.Int())
			if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 8<<20) != nil {
				syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<20)
			}
		}
	}
	col := &streamCollector{events: make(chan AuditEvent, 65536)}
	re, err := libaudit.NewReassembler(8192, 2*time.Second, col)
	if err != nil {
		client.Close()
		return nil, err
	}
	return &AuditStream{client: client, re: re, col: col}, nil
}

// Events delivers reassembled events.
func (s *AuditStream) Events() <-chan AuditEvent { return s.col.events }

// Lost is how many events were lost: gaps in the kernel's serial numbers
// between the first and the last event seen, plus events dropped because
// the queue was full.
func (s *AuditStream) Lost() int {
	c := s.col
	gap := 0
	if c.serials > 0 {
		gap = int(c.maxSerial-c.minSerial+1) - c.serials
		if gap < 0 {
			gap = 0
		}
	}
	return gap + c.lost
}

// Received is how many records arrived.
func (s *AuditStream) Received() int { return s.col.received }

// Run receives until ctx ends. The receive loop only counts serials and
// copies out the few record types that can be evidence (the same ones the
// file reader parses); a second goroutine parses and regroups them, so a
// burst is not lost to a slow parser.
func (s *AuditStream) Run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		s.client.Close()
	}()
	type rec struct {
		typ  auparse.AuditMessageType
		data []byte
	}
	queue := make(chan rec, 1<<16)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case r, ok := <-queue:
				if !ok {
					s.re.Close()
					close(done)
					return
				}
				s.re.Push(r.typ, r.data)
			case <-tick.C:
				s.re.Maintain()
			}
		}
	}()
	failures := 0
	var last uint32
	failed := map[uint32]bool{}
	c := s.col
	for ctx.Err() == nil {
		raw, err := s.client.Receive(false)
		if err != nil {
			if errors.Is(err, syscall.ENOBUFS) {
				// The socket's buffer overflowed in a burst: records were
				// dropped (the serial gaps count them), but the stream goes on.
				c.overflows++
				continue
			}
			if failures++; failures > 100 || ctx.Err() != nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		failures = 0
		c.received++
		serial, ok := lineSerial(raw.Data)
		if ok && serial != last {
			last = serial
			c.serials++
			if c.minSerial == 0 || serial < c.minSerial {
				c.minSerial = serial
			}
			if serial > c.maxSerial {
				c.maxSerial = serial
			}
		}
		name := raw.Type.String()
		keep := false
		switch name {
		case "SYSCALL":
			if bytes.Contains(raw.Data, []byte(" success=no ")) {
				keep = true
				if len(failed) > 4096 {
					failed = map[uint32]bool{}
				}
				failed[serial] = true
			}
		case "PATH", "CWD", "SOCKADDR", "PROCTITLE", "EOE":
			keep = failed[serial]
		default:
			keep = interestingTypes[name]
		}
		if !keep {
			continue
		}
		select {
		case queue <- rec{raw.Type, append([]byte(nil), raw.Data...)}:
		default:
			c.lost++
		}
	}
	close(queue)
	<-done
}

// Overflows is how many times the socket's buffer overflowed.
func (s *AuditStream) Overflows() int { return s.col.overflows }
