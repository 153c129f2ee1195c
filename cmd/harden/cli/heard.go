package cli

import (
	"context"
	"slices"
	"sync"

	"github.com/harden-tool/harden/journal"
)

// heardAudit keeps the kernel's audit records as they are emitted while
// tune or tighten runs (the audit multicast group, which journald also
// listens to), for each trial's diagnosis. auditd writes its log in
// batches (Debian 13: flush = INCREMENTAL_ASYNC, freq = 50), so a trial's
// records could reach the log after the diagnosis had read it: on systemd
// 257 the lab's nginx trial lost its worker's refused setgid that way, and
// CapabilityBoundingSet= with it.
type heardAudit struct {
	mu     sync.Mutex
	events []journal.AuditEvent
}

// heardMax bounds the events kept; the oldest half goes when it is full
// (a trial's diagnosis wants the last minutes only).
const heardMax = 20000

// listenAudit subscribes to the kernel's audit stream until ctx ends; nil
// and the reason when the kernel refuses (the diagnosis then reads the
// audit log and the journal only, as before).
func listenAudit(ctx context.Context) (*heardAudit, error) {
	st, err := journal.OpenAuditStream()
	if err != nil {
		return nil, err
	}
	h := &heardAudit{}
	go st.Run(ctx)
	go func() {
		for {
			select {
			case ev := <-st.Events():
				h.add(ev)
			case <-ctx.Done():
				return
			}
		}
	}()
	return h, nil
}

func (h *heardAudit) add(ev journal.AuditEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.events) >= heardMax {
		h.events = append(h.events[:0:0], h.events[heardMax/2:]...)
	}
	h.events = append(h.events, ev)
}

// all is a copy of the events heard so far (none for a nil h).
func (h *heardAudit) all() []journal.AuditEvent {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}
