// auditburst measures whether harden's live audit reader (the one `harden
// watch` uses) keeps up with a burst of kernel audit records: it
// subscribes to the audit multicast group, starts a child that makes N
// failing openat() calls (which an audit rule set up by watch-burst.sh
// records, 3 or 4 records per call) as fast as it can or at -rate calls a
// second, and prints what was received and lost. Needs root on a kernel
// with audit; run it through testdata/bench/watch-burst.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/harden-tool/harden/journal"
)

func main() {
	n := flag.Int("n", 50000, "failing calls the child makes")
	rate := flag.Int("rate", 0, "calls per second (0: as fast as possible)")
	child := flag.Bool("child", false, "internal: be the child that makes the calls")
	flag.Parse()
	if *child {
		burst(*n, *rate)
		return
	}
	s, err := journal.OpenAuditStream()
	if err != nil {
		fmt.Fprintln(os.Stderr, "auditburst: cannot subscribe to the audit stream:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Run(ctx)
	events := 0
	done := make(chan struct{})
	go func() {
		for range s.Events() {
			events++
		}
		close(done)
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cmd := exec.Command("/proc/self/exe", "-child", "-n", strconv.Itoa(*n), "-rate", strconv.Itoa(*rate))
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "auditburst: child:", err)
		os.Exit(2)
	}
	took := time.Since(start)
	time.Sleep(3 * time.Second) // let the kernel's queue drain
	cancel()
	time.Sleep(200 * time.Millisecond)
	rec := s.Received()
	fmt.Printf("burst: %d failing calls in %.2f s; received %d records (%.0f records/s during the burst), %d events reassembled so far, %d lost, %d socket overflows\n",
		*n, took.Seconds(), rec, float64(rec)/took.Seconds(), events, s.Lost(), s.Overflows())
	if s.Lost() > 0 || s.Overflows() > 0 {
		os.Exit(1)
	}
}

func burst(n, rate int) {
	var tick time.Duration
	if rate > 0 {
		tick = time.Second / time.Duration(rate)
	}
	next := time.Now()
	for i := 0; i < n; i++ {
		syscall.Open("/nonexistent-harden-burst/x", syscall.O_RDONLY, 0) // openat(AT_FDCWD, …): ENOENT
		if tick > 0 {
			next = next.Add(tick)
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
		}
	}
}
