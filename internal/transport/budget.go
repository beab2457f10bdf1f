package transport

import (
	"sync"
	"sync/atomic"
	"time"
)

// The quota model of aws-sdk-go-v2's standard retryer: a first attempt is
// free; a retry costs retryCost tokens (timeoutCost after an attempt's
// timeout, which ties up a connection far longer) and gets them back when it
// succeeds; a call that succeeds without a retry earns successReward. Against
// a dead server nothing is earned or refunded, so a bucket of N tokens buys
// N/retryCost retries in all: a bulk job then makes about one attempt per
// call. Against a flaky one, the successes pay for the retries.
const (
	retryCost     = 5
	timeoutCost   = 10
	successReward = 1
	// refillPerSecond is what the bucket regains with time alone, so that a
	// client that calls rarely (a rotation job run hourly) is not left without
	// retries for days after one outage.
	refillPerSecond = 1
)

// Budget is the retry quota shared by every call of one client.
type Budget struct {
	mu     sync.Mutex
	max    float64
	tokens float64
	last   time.Time        // when tokens was last brought up to date
	now    func() time.Time // time.Now; tests set a fake
	// full is tokens == max, readable without mu: a release into a full
	// bucket (every call that succeeds at once, in the common case) changes
	// nothing and need not take the lock. Skipping refill then is sound:
	// acquire refills before it spends, so last is brought up to date
	// before the bucket can be less than full.
	full atomic.Bool
}

// NewBudget returns a full bucket of maxTokens, or nil (no throttling) when
// maxTokens < 1.
func NewBudget(maxTokens int) *Budget {
	if maxTokens < 1 {
		return nil
	}
	b := &Budget{max: float64(maxTokens), tokens: float64(maxTokens), last: time.Now(), now: time.Now}
	b.full.Store(true)
	return b
}

// refill adds what time has earned, in whole seconds; b.mu must be held.
func (b *Budget) refill() {
	secs := b.now().Sub(b.last) / time.Second
	if secs < 1 {
		return
	}
	b.tokens = min(b.max, b.tokens+float64(secs)*refillPerSecond)
	b.last = b.last.Add(secs * time.Second)
	b.full.Store(b.tokens == b.max)
}

// acquire takes cost tokens for one retry; false (and nothing taken) when
// the bucket cannot pay. A nil Budget always pays.
func (b *Budget) acquire(cost float64) bool {
	if b == nil || cost == 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	b.full.Store(false)
	return true
}

// release credits n tokens: a successful retry's refund, or the reward of a
// call that needed none.
func (b *Budget) release(n float64) {
	if b == nil || n == 0 || b.full.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	b.tokens = min(b.max, b.tokens+n)
	b.full.Store(b.tokens == b.max)
}
