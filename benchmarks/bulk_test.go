package benchmarks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

const (
	bulkKeys        = 10_000
	bulkConcurrency = 16
)

// seedServer starts an apikeystest server holding n active keys. They are
// created in process through srv.Handler(), which is quick and is not what
// the benchmarks measure.
func seedServer(tb testing.TB, n int) (*apikeystest.Server, []string) {
	tb.Helper()
	srv := apikeystest.NewServer()
	tb.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	h := srv.Handler()
	target := base.Path + "/organizations/" + url.PathEscape(srv.OrgID) + "/api-keys"
	ids := make([]string, n)
	for i := range ids {
		body := fmt.Sprintf(`{"key_name":"bulk-%05d","scopes":["keys:read"]}`, i)
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		r.Header.Set("X-API-Key", srv.AdminKey)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", newIdempotencyKey())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var k rawCreated
		if err := json.Unmarshal(w.Body.Bytes(), &k); err != nil || w.Code != http.StatusCreated || k.ID == "" {
			tb.Fatalf("seeding key %d: %d %s", i, w.Code, w.Body)
		}
		ids[i] = k.ID
	}
	return srv, ids
}

// rawPool is the hand-written alternative to TransitionMany: a buffered
// channel holding every index, drained by workers goroutines that POST
// …/{key}/{action} with the raw client, each result kept in input order.
// (A pool fed through an unbuffered channel by one more goroutine is as
// common, but on 2 cores its workers keep waiting for the feeder with their
// connections idle; with cleanhttp's own MaxIdleConnsPerHost of GOMAXPROCS+1
// that closed one connection in two: ~1,000 dials for 2,000 keys.)
func rawPool(ctx context.Context, c *rawClient, action string, ids []string, workers int) ([]*rawKey, []error) {
	keys, errs := make([]*rawKey, len(ids)), make([]error, len(ids))
	jobs := make(chan int, len(ids))
	for i := range ids {
		jobs <- i
	}
	close(jobs)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				keys[i], errs[i] = c.Transition(ctx, ids[i], action)
			}
		}()
	}
	wg.Wait()
	return keys, errs
}

func checkResults(tb testing.TB, results []apikeys.Result, want apikeys.Status) {
	tb.Helper()
	for _, r := range results {
		if r.Err != nil {
			tb.Fatalf("%s: %v", r.KeyID, r.Err)
		}
		if r.Key.Status != want {
			tb.Fatalf("%s: status %s, want %s", r.KeyID, r.Key.Status, want)
		}
	}
}

func checkRaw(tb testing.TB, keys []*rawKey, errs []error, want string) {
	tb.Helper()
	for i, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
		if keys[i].Status != want {
			tb.Fatalf("%s: status %s, want %s", keys[i].ID, keys[i].Status, want)
		}
	}
}

// BenchmarkTransitionMany pauses 10,000 keys on an apikeystest server at
// concurrency 16: the SDK's TransitionMany, and a hand-written pool of 16
// goroutines sending the same POST …/pause requests with the raw client
// (over the same transport settings as the SDK's default). Each gets its own
// freshly seeded server. One op is 10,000 keys; keys/s is the throughput.
// With -benchtime 1x (as run.sh runs it) every op is a fresh server's first
// pass; with more iterations the keys are unpaused, untimed, in between.
func BenchmarkTransitionMany(b *testing.B) {
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		srv, ids := seedServer(b, bulkKeys)
		c, err := srv.Client()
		if err != nil {
			b.Fatal(err)
		}
		paused, cpu, allocs := false, time.Duration(0), uint64(0)
		for b.Loop() {
			if paused {
				b.StopTimer()
				checkResults(b, c.TransitionMany(ctx, apikeys.ActionUnpause, ids, bulkConcurrency), apikeys.StatusActive)
				b.StartTimer()
			}
			start, m0 := processCPU(), mallocs()
			checkResults(b, c.TransitionMany(ctx, apikeys.ActionPause, ids, bulkConcurrency), apikeys.StatusPaused)
			cpu, allocs = cpu+processCPU()-start, allocs+mallocs()-m0
			paused = true
		}
		reportBulk(b, cpu, allocs)
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		srv, ids := seedServer(b, bulkKeys)
		c := newRawClient(srv.URL, srv.OrgID, srv.AdminKey, nil)
		paused, cpu, allocs := false, time.Duration(0), uint64(0)
		for b.Loop() {
			if paused {
				b.StopTimer()
				keys, errs := rawPool(ctx, c, "unpause", ids, bulkConcurrency)
				checkRaw(b, keys, errs, "active")
				b.StartTimer()
			}
			start, m0 := processCPU(), mallocs()
			keys, errs := rawPool(ctx, c, "pause", ids, bulkConcurrency)
			cpu, allocs = cpu+processCPU()-start, allocs+mallocs()-m0
			checkRaw(b, keys, errs, "paused")
			paused = true
		}
		reportBulk(b, cpu, allocs)
	})
}

// reportBulk reports keys/s, and the process's CPU time and allocations per
// key (client, server and, for CPU, the kernel's loopback work together).
func reportBulk(b *testing.B, cpu time.Duration, allocs uint64) {
	keys := float64(bulkKeys * b.N)
	b.ReportMetric(keys/b.Elapsed().Seconds(), "keys/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/keys, "cpu-ns/key")
	b.ReportMetric(float64(allocs)/keys, "allocs/key")
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}
