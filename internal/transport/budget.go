package transport

import "sync/atomic"

// Budget throttles retries across every call of one client, in the manner of
// gRPC's retry throttling: each retryable failure spends a token, each other
// outcome earns back Ratio of one, and retries are allowed only while more
// than half of MaxTokens remain. Against a dead server a bulk job therefore
// makes about one attempt per call, not 1+MaxRetries; a healthy server refills
// the bucket quickly. Tokens are kept in thousandths so one atomic suffices.
type Budget struct {
	max, ratio int64 // thousandths of a token
	tokens     atomic.Int64
}

// NewBudget returns a full bucket, or nil (no throttling) when maxTokens < 1.
func NewBudget(maxTokens int, ratio float64) *Budget {
	if maxTokens < 1 {
		return nil
	}
	b := &Budget{max: int64(maxTokens) * 1000, ratio: int64(ratio * 1000)}
	b.tokens.Store(b.max)
	return b
}

// record accounts for one attempt's outcome.
func (b *Budget) record(retryableFailure bool) {
	if b == nil {
		return
	}
	delta := b.ratio
	if retryableFailure {
		delta = -1000
	}
	for {
		old := b.tokens.Load()
		n := min(max(old+delta, 0), b.max)
		if n == old || b.tokens.CompareAndSwap(old, n) {
			return
		}
	}
}

// allowRetry reports whether a retry may be made now.
func (b *Budget) allowRetry() bool {
	return b == nil || b.tokens.Load() > b.max/2
}
