package transport

import (
	"math"
	"sync"
	"testing"
	"time"
)

// frozen returns NewBudget with a clock that moves only when advance is called.
func frozen(maxTokens int, ratio float64) (b *Budget, advance func(time.Duration)) {
	b = NewBudget(maxTokens, ratio)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.now, b.last = func() time.Time { return now }, now
	return b, func(d time.Duration) { now = now.Add(d) }
}

// level is the bucket's content now, in thousandths, rounded.
func (b *Budget) level() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	return int64(math.Round(b.tokens * 1000))
}

func TestBudgetDisabled(t *testing.T) {
	for _, max := range []int{0, -1} {
		b := NewBudget(max, 0.5)
		if b != nil {
			t.Fatalf("NewBudget(%d, 0.5) = %+v, want nil (no throttling)", max, b)
		}
		for range 100 {
			b.record(true)
		}
		if !b.allowRetry() {
			t.Errorf("a nil budget refused a retry")
		}
	}
}

func TestBudgetMath(t *testing.T) {
	b, _ := frozen(10, 0.1)
	if got := b.level(); got != 10000 {
		t.Fatalf("a new budget holds %d thousandths, want 10000 (full)", got)
	}
	// Retries are allowed while more than half remains: 4 failures leave 6.
	for i := range 4 {
		b.record(true)
		if !b.allowRetry() {
			t.Fatalf("after %d failures: retry refused", i+1)
		}
	}
	b.record(true) // 5 of 10: not more than half
	if b.allowRetry() {
		t.Fatal("with half the tokens left: retry allowed")
	}
	// 0.1 a success: 10 successes earn one token back.
	for range 10 {
		b.record(false)
	}
	if got := b.level(); got != 6000 || !b.allowRetry() {
		t.Fatalf("after 10 successes: %d thousandths, allowRetry %v; want 6000, true", got, b.allowRetry())
	}
	// Never below zero, never above the maximum.
	for range 50 {
		b.record(true)
	}
	if got := b.level(); got != 0 {
		t.Fatalf("after 50 failures: %d, want 0", got)
	}
	b.record(false)
	if got := b.level(); got != 100 {
		t.Fatalf("one success from empty: %d, want 100", got)
	}
	for range 1000 {
		b.record(false)
	}
	if got := b.level(); got != 10000 {
		t.Fatalf("after 1000 successes: %d, want the 10000 maximum", got)
	}
}

func TestBudgetRatios(t *testing.T) {
	for _, c := range []struct {
		max   int
		ratio float64
		want  int64 // thousandths earned by one success from empty
	}{
		{10, 0, 0}, {10, 0.1, 100}, {1, 1, 1000}, {3, 0.001, 1}, {100, 0.57, 570}, {5, 1.0 / 3, 333},
	} {
		b, _ := frozen(c.max, c.ratio)
		for range c.max {
			b.record(true)
		}
		b.record(false)
		if got := b.level(); got != c.want {
			t.Errorf("NewBudget(%d, %v): one success from empty earns %d, want %d", c.max, c.ratio, got, c.want)
		}
	}
}

// Concurrent records lose no update.
func TestBudgetConcurrent(t *testing.T) {
	b, _ := frozen(10, 0.1)
	for range 5 {
		b.record(true)
	}
	var wg sync.WaitGroup
	// 40 successes and 5 failures from 5 tokens: in any order the count stays
	// within 0 and 10, so no clamp hides a lost update.
	for i := range 45 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.record(i%9 == 0)
		}()
	}
	wg.Wait()
	if got, want := b.level(), int64(5000+40*100-5*1000); got != want {
		t.Errorf("tokens = %d, want %d", got, want)
	}
}

// Time refills the bucket, so a client that calls rarely gets its retries
// back after an outage without needing dozens of successes first.
func TestBudgetRefillsWithTime(t *testing.T) {
	b, advance := frozen(10, 0.1)
	for range 10 {
		b.record(true)
	}
	if b.allowRetry() {
		t.Fatal("empty bucket allowed a retry")
	}
	advance(5 * time.Second) // 5 tokens: not more than half
	if b.allowRetry() {
		t.Fatalf("after 5s: %d thousandths, retry allowed", b.level())
	}
	advance(time.Second)
	if !b.allowRetry() || b.level() != 6000 {
		t.Fatalf("after 6s: %d thousandths, allowRetry %v; want 6000, true", b.level(), b.allowRetry())
	}
	advance(time.Hour)
	if got := b.level(); got != 10000 {
		t.Fatalf("after an hour: %d, want the 10000 maximum", got)
	}
}
