package journal

import (
	"context"
	"fmt"
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
	events chan AuditEvent
	lost   int
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
func (c *streamCollector) EventsLost(n int) { c.lost += n }

// OpenAuditStream subscribes to the kernel's audit multicast group.
func OpenAuditStream() (*AuditStream, error) {
	client, err := libaudit.NewMulticastAuditClient(nil)
	if err != nil {
		return nil, err
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

// Lost is how many records were lost (kernel gaps or a full queue).
func (s *AuditStream) Lost() int { return s.col.lost }

// Run receives until ctx ends.
func (s *AuditStream) Run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		s.client.Close()
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	go func() {
		for range tick.C {
			if s.re.Maintain() != nil {
				return
			}
		}
	}()
	for ctx.Err() == nil {
		raw, err := s.client.Receive(false)
		if err != nil {
			break
		}
		s.re.Push(raw.Type, append([]byte(nil), raw.Data...))
	}
	s.re.Close()
}
