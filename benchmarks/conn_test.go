package benchmarks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/apikeys-go/apikeys"
)

const (
	connGoroutines = 16
	connCalls      = 1_000
)

// conns is what countConns saw.
type conns struct {
	total     int64 // connections the server saw opened
	afterWarm int64 // of those, opened once every goroutine had finished its first call
	tr        *http.Transport
}

// countConns runs connGoroutines × connCalls Gets on one SDK client against
// a fresh loopback server and counts the connections the server saw opened.
// With barrier, every goroutine waits after its first call until all have
// made theirs.
func countConns(t *testing.T, barrier bool, opts ...apikeys.Option) conns {
	t.Helper()
	f := newFixtureServer()
	ts := httptest.NewUnstartedServer(f)
	var opened, openedAfterWarm, warm atomic.Int64
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
			if warm.Load() == connGoroutines {
				openedAfterWarm.Add(1)
			}
		}
	}
	ts.Start()
	defer ts.Close()
	c := newSDK(t, ts.URL+basePath, benchOrg, benchAPIKey, opts...)
	tr, _ := c.HTTPClient().Transport.(*http.Transport)
	var wg, firstCalls sync.WaitGroup
	var failed atomic.Int64
	firstCalls.Add(connGoroutines)
	for range connGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range connCalls {
				if _, err := c.Get(context.Background(), benchKeyID); err != nil {
					if failed.Add(1) == 1 {
						t.Error(err)
					}
					if i == 0 {
						firstCalls.Done()
					}
					return
				}
				if i == 0 {
					warm.Add(1)
					firstCalls.Done()
					if barrier {
						firstCalls.Wait()
					}
				}
			}
		}()
	}
	wg.Wait()
	return conns{opened.Load(), openedAfterWarm.Load(), tr}
}

func describe(tr *http.Transport) string {
	if tr == nil {
		return "not an *http.Transport"
	}
	return fmt.Sprintf("MaxIdleConnsPerHost=%d MaxIdleConns=%d MaxConnsPerHost=%d",
		tr.MaxIdleConnsPerHost, tr.MaxIdleConns, tr.MaxConnsPerHost)
}

// TestConnectionReuse: 16 goroutines × 1,000 calls on one client with the
// default HTTP client must open at most 16 + 2 connections.
//
// All 16 goroutines start at once, and net/http races dials at that moment: a
// request that found no idle connection starts a dial, may then be served by
// a connection another goroutine just freed, and the dial still completes
// into the pool. That can add a few connections (0 to 5 here) before every
// goroutine has made its first call, whatever the client. So the test checks
// the target twice: with a barrier after each goroutine's first call (total
// ≤ 18: the race cannot happen), and without one (connections opened after
// the first calls ≤ 2: no churn), and logs the plain total. For comparison
// it runs cleanhttp's own pooled client, which keeps only GOMAXPROCS+1 idle
// connections per host and so churns; that case only logs.
func TestConnectionReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 48,000 requests over loopback")
	}
	const limit = connGoroutines + 2
	t.Logf("GOMAXPROCS=%d", runtime.GOMAXPROCS(0))
	t.Run("default-http-client", func(t *testing.T) {
		plain := countConns(t, false)
		t.Logf("SDK default transport (%s), %d goroutines × %d calls: %d connections opened, %d of them after every goroutine's first call",
			describe(plain.tr), connGoroutines, connCalls, plain.total, plain.afterWarm)
		if plain.afterWarm > 2 {
			t.Errorf("%d connections opened after the first calls, want at most 2: connections are not being reused", plain.afterWarm)
		}
		fenced := countConns(t, true)
		t.Logf("the same with a barrier after each goroutine's first call: %d connections opened (limit %d)", fenced.total, limit)
		if fenced.total > limit {
			t.Errorf("%d connections opened for %d concurrent callers, want at most %d", fenced.total, connGoroutines, limit)
		}
	})
	t.Run("cleanhttp-pooled-client", func(t *testing.T) {
		c := countConns(t, false, apikeys.WithHTTPClient(cleanhttp.DefaultPooledClient()))
		t.Logf("cleanhttp.DefaultPooledClient (%s), %d goroutines × %d calls: %d connections opened, %d after the first calls (for comparison, no limit)",
			describe(c.tr), connGoroutines, connCalls, c.total, c.afterWarm)
	})
}
