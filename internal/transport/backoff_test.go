package transport

import (
	"net/http"
	"testing"
	"time"
)

// The backoff between attempts starts at MinRetryDelay and grows by half
// again each time (cenkalti/backoff/v4's multiplier 1.5), capped at
// MaxRetryDelay, and every wait is jittered by ±50% so that clients failing
// together do not retry together. Each wait is checked against those bounds
// on 50 fresh backoffs: no wall clock is involved.
func TestBackoffGrowthAndJitter(t *testing.T) {
	const (
		minDelay = 100 * time.Millisecond
		maxDelay = 10 * time.Second
		runs     = 50
		steps    = 14 // 100ms × 1.5^12 > 10s: the last steps are capped
		slack    = time.Microsecond
	)
	tr := New(Config{HTTPClient: &http.Client{}, MinRetryDelay: minDelay, MaxRetryDelay: maxDelay})
	firsts := map[time.Duration]bool{}
	for run := range runs {
		bo := tr.newBackoff()
		interval := minDelay // the un-jittered interval of this step
		for step := 1; step <= steps; step++ {
			wait := bo.NextBackOff()
			lo, hi := interval/2-slack, interval*3/2+slack
			if wait < lo || wait > hi {
				t.Fatalf("backoff %d, wait %d = %v, want %v to %v (%v ± 50%%)", run, step, wait, lo, hi, interval)
			}
			switch step {
			case 1:
				firsts[wait] = true
				// Spelled out for the first two steps.
				if wait < 50*time.Millisecond || wait > 150*time.Millisecond {
					t.Fatalf("backoff %d: first wait %v, want 50ms to 150ms", run, wait)
				}
			case 2:
				if wait < 75*time.Millisecond || wait > 225*time.Millisecond {
					t.Fatalf("backoff %d: second wait %v, want 75ms to 225ms (150ms ± 50%%)", run, wait)
				}
			}
			interval = min(time.Duration(float64(interval)*1.5), maxDelay)
		}
	}
	if len(firsts) < 10 {
		t.Errorf("%d fresh backoffs gave %d distinct first waits, want at least 10 (jitter)", runs, len(firsts))
	}
}
