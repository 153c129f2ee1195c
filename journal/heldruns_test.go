package journal

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The runs to read come host by host, oldest first (ties by unit and
// invocation), every run once, across the batches they are held in.
func TestRunsToReadInOrderAcrossBatches(t *testing.T) {
	x := &indexReader{runs: map[runKey]runState{}, names: newHeldNames()}
	rnd := rand.New(rand.NewPCG(1, 2))
	n := 3*heldBatch + 17
	for i := range n {
		inv := fmt.Sprintf("%032x", rnd.Uint64())
		if i%100 == 0 {
			inv = fmt.Sprintf("odd-%d", i) // not journald's form
		}
		k, _ := x.key(fmt.Sprintf("host%d", rnd.IntN(3)), fmt.Sprintf("u%d.service", rnd.IntN(50)), inv, true)
		x.runs[k] = runState{at: int64(rnd.IntN(n / 4)), failed: i%2 == 0}
	}
	batches := x.toRead()
	if x.runs != nil || len(batches) != 4 {
		t.Fatalf("runs map kept: %v; %d batches", x.runs != nil, len(batches))
	}
	var got []*runRef
	seen := map[[3]string]bool{}
	for _, b := range batches {
		for _, h := range b {
			r := x.ref(h)
			got = append(got, r)
			seen[[3]string{r.host, r.unit, r.inv}] = true
		}
	}
	if len(got) != n || len(seen) != n {
		t.Fatalf("%d runs read (%d different) of %d", len(got), len(seen), n)
	}
	if !slices.IsSortedFunc(got, func(a, b *runRef) int {
		if a.host != b.host {
			return cmp.Compare(a.host, b.host)
		}
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.unit+a.inv, b.unit+b.inv)
	}) {
		t.Error("runs out of order")
	}
}
