package transport

import (
	"sync"
	"time"
)

// refillPerSecond is what the bucket regains with time alone. Without it a
// client that calls rarely, a rotation job run hourly say, would stay without
// retries for days after one outage, since only outcomes refill the bucket.
const refillPerSecond = 1.0

// Budget throttles retries across every call of one client, in the manner of
// gRPC's retry throttling: each retryable failure spends a token, each other
// outcome earns back ratio of one, time earns refillPerSecond, and retries are
// allowed only while more than half of the maximum remains. Against a dead
// server a bulk job therefore makes about one attempt per call, not
// 1+MaxRetries.
type Budget struct {
	mu     sync.Mutex
	max    float64
	ratio  float64
	tokens float64
	last   time.Time        // when tokens was last brought up to date
	now    func() time.Time // time.Now; tests set a fake
}

// NewBudget returns a full bucket, or nil (no throttling) when maxTokens < 1.
func NewBudget(maxTokens int, ratio float64) *Budget {
	if maxTokens < 1 {
		return nil
	}
	return &Budget{max: float64(maxTokens), ratio: ratio, tokens: float64(maxTokens), last: time.Now(), now: time.Now}
}

// refill adds what time has earned, in whole seconds so that the outcomes of
// one burst of calls are counted exactly; b.mu must be held.
func (b *Budget) refill() {
	secs := b.now().Sub(b.last) / time.Second
	if secs < 1 {
		return
	}
	b.tokens = min(b.max, b.tokens+float64(secs)*refillPerSecond)
	b.last = b.last.Add(secs * time.Second)
}

// record accounts for one attempt's outcome.
func (b *Budget) record(retryableFailure bool) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if retryableFailure {
		b.tokens = max(b.tokens-1, 0)
	} else {
		b.tokens = min(b.tokens+b.ratio, b.max)
	}
}

// allowRetry reports whether a retry may be made now.
func (b *Budget) allowRetry() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	return b.tokens > b.max/2
}
