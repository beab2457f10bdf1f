package benchmarks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkFakeServer measures the apikeystest server alone: requests/s for
// GET of one key and for alternating pause/unpause of one key (each with a
// fresh Idempotency-Key, as the SDK sends), driven in process through
// srv.Handler() with httptest.NewRecorder, and over loopback with a raw
// net/http client (whose own cost is then included). Run it with -cpu 1:
// the target is requests/s on one core.
func BenchmarkFakeServer(b *testing.B) {
	b.Run("get/inprocess", func(b *testing.B) { benchInProcess(b, false) })
	b.Run("pause-unpause/inprocess", func(b *testing.B) { benchInProcess(b, true) })
	b.Run("get/loopback", func(b *testing.B) { benchServerLoopback(b, false) })
	b.Run("pause-unpause/loopback", func(b *testing.B) { benchServerLoopback(b, true) })
	// The ceiling loopback puts on the two above: the same client and
	// requests against the precomputed fixture handler.
	b.Run("get/loopback-fixture", func(b *testing.B) { benchFixtureLoopback(b, false) })
	b.Run("pause/loopback-fixture", func(b *testing.B) { benchFixtureLoopback(b, true) })
}

func benchFixtureLoopback(b *testing.B, mutate bool) {
	b.ReportAllocs()
	_, ts := startFixture(b)
	c := newRawClient(ts.URL+basePath, benchOrg, benchAPIKey, nil)
	ctx := context.Background()
	for b.Loop() {
		var err error
		if mutate {
			_, err = c.Transition(ctx, benchKeyID, "pause")
		} else {
			_, err = c.Get(ctx, benchKeyID)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func benchInProcess(b *testing.B, mutate bool) {
	b.ReportAllocs()
	srv, ids := seedServer(b, 1)
	h := srv.Handler()
	base, err := url.Parse(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	path := base.Path + "/organizations/" + srv.OrgID + "/api-keys/" + ids[0]
	newReq := func(method, target string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		r.Header.Set("X-API-Key", srv.AdminKey)
		r.Header.Set("Accept", "application/json")
		r.Header.Set("User-Agent", userAgent)
		return r
	}
	get := newReq(http.MethodGet, path)
	actions := [2]*http.Request{newReq(http.MethodPost, path+"/pause"), newReq(http.MethodPost, path+"/unpause")}
	i := 0
	for b.Loop() {
		r := get
		if mutate {
			r = actions[i&1]
			r.Header["Idempotency-Key"] = []string{newIdempotencyKey()}
			i++
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func benchServerLoopback(b *testing.B, mutate bool) {
	b.ReportAllocs()
	srv, ids := seedServer(b, 1)
	c := newRawClient(srv.URL, srv.OrgID, srv.AdminKey, nil)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		var err error
		switch {
		case !mutate:
			_, err = c.Get(ctx, ids[0])
		case i&1 == 0:
			_, err = c.Transition(ctx, ids[0], "pause")
		default:
			_, err = c.Transition(ctx, ids[0], "unpause")
		}
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
