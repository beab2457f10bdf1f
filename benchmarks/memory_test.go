package benchmarks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/apikeys-go/apikeys"
)

// pagedServer serves a synthetic key set of total keys, 100 a page, from
// precomputed page bodies, as GET …/api-keys?page_size=100[&cursor=N]
// (page N's cursor is "N").
type pagedServer struct {
	coll  string
	pages []answer
	empty answer
}

func newPagedServer(total int) *pagedServer {
	const size = 100
	s := &pagedServer{coll: basePath + "/organizations/" + benchOrg + "/api-keys"}
	npages := (total + size - 1) / size
	for p := 1; p <= npages; p++ {
		var page rawPage
		for i := (p - 1) * size; i < min(p*size, total); i++ {
			page.APIKeys = append(page.APIKeys, fixtureKey(fmt.Sprintf("key_%012x", i), "active"))
		}
		if p < npages {
			page.NextCursor = apikeys.Ptr(strconv.Itoa(p + 1))
		}
		s.pages = append(s.pages, newAnswer(http.StatusOK, mustJSON(page)))
	}
	s.empty = newAnswer(http.StatusOK, []byte(`{"api_keys":[],"next_cursor":null}`))
	return s
}

func (s *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.EscapedPath() != s.coll || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	p := 1 // the first page has no cursor; the cursor of page p is "p"
	if c := r.URL.Query().Get("cursor"); c != "" {
		var err error
		if p, err = strconv.Atoi(c); err != nil {
			p = 0
		}
	}
	if p < 1 || p > len(s.pages) {
		s.empty.write(w)
		return
	}
	s.pages[p-1].write(w)
}

// listMemory is what one full List cost in memory, in bytes.
type listMemory struct {
	keys       int
	peakLive   uint64 // max live heap above the baseline, sampled after a forced GC every 50 keys
	peakInuse  uint64 // max HeapInuse above the baseline, sampled every 10 keys with no forced GC
	totalAlloc uint64 // everything allocated during the iteration
}

// measureList iterates List over total keys twice: once forcing a GC every 50
// keys to read the live heap, once sampling HeapInuse as the program would
// run. With retain it keeps every key, the control that shows what memory
// growing with the key count looks like.
func measureList(tb testing.TB, total int, retain bool) listMemory {
	ts := httptest.NewServer(newPagedServer(total))
	defer ts.Close()
	c := newSDK(tb, ts.URL+basePath, benchOrg, benchAPIKey)
	ctx := context.Background()
	m := listMemory{}
	for pass := range 3 { // pass 0 warms the connection and the buffer pool
		var kept []*apikeys.Key
		var base, ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&base)
		n := 0
		for k, err := range c.List(ctx, apikeys.ListParams{}) {
			if err != nil {
				tb.Fatal(err)
			}
			if retain {
				kept = append(kept, k)
			}
			n++
			switch {
			case pass == 1 && n%50 == 0:
				runtime.GC()
				runtime.ReadMemStats(&ms)
				m.peakLive = max(m.peakLive, ms.HeapAlloc-min(ms.HeapAlloc, base.HeapAlloc))
			case pass == 2 && n%10 == 0:
				runtime.ReadMemStats(&ms)
				m.peakInuse = max(m.peakInuse, ms.HeapInuse-min(ms.HeapInuse, base.HeapInuse))
			}
		}
		runtime.ReadMemStats(&ms)
		if n != total {
			tb.Fatalf("listed %d keys, want %d", n, total)
		}
		if pass == 2 {
			m.keys, m.totalAlloc = n, ms.TotalAlloc-base.TotalAlloc
		}
		runtime.KeepAlive(kept)
	}
	return m
}

func kib(b uint64) string { return fmt.Sprintf("%.0f KiB", float64(b)/1024) }

// TestListMemoryBounded shows that List over 10,000 keys holds one page at a
// time: the live heap during the loop is the same for 1,000 and 10,000 keys
// (and about one page), while total allocation grows with the key count. The
// control that keeps every key shows the live heap growing when it should.
func TestListMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 22,000 keys over loopback")
	}
	small, large := measureList(t, 1_000, false), measureList(t, 10_000, false)
	kept := measureList(t, 10_000, true)
	pageBytes := uint64(len(newPagedServer(100).pages[0].body))
	for _, m := range []struct {
		name string
		listMemory
	}{{"List 1,000 keys", small}, {"List 10,000 keys", large}, {"control: 10,000 keys kept", kept}} {
		t.Logf("%-26s peak live heap %9s   peak HeapInuse %9s   total allocated %10s (%.1f KiB/key)",
			m.name, kib(m.peakLive), kib(m.peakInuse), kib(m.totalAlloc), float64(m.totalAlloc)/1024/float64(m.keys))
	}
	t.Logf("one page of 100 keys is %s of JSON", kib(pageBytes))
	// Live heap: flat in the key count, and a few pages at most (the JSON
	// page buffer, the decoded page, the page of Keys and the HTTP machinery).
	if large.peakLive > small.peakLive+small.peakLive/2+64<<10 {
		t.Errorf("peak live heap grows with the key count: %s for 1,000 keys, %s for 10,000", kib(small.peakLive), kib(large.peakLive))
	}
	if large.peakLive > 8*pageBytes {
		t.Errorf("peak live heap %s is more than 8 pages of JSON (%s each)", kib(large.peakLive), kib(pageBytes))
	}
	// Total allocation grows linearly: about ten times for ten times the keys.
	if r := float64(large.totalAlloc) / float64(small.totalAlloc); r < 8 || r > 12 {
		t.Errorf("total allocation ratio 10,000/1,000 keys = %.1f, want about 10", r)
	}
	// The control must show growth, or the measurement cannot see any.
	if kept.peakLive < 4*large.peakLive {
		t.Errorf("control kept every key but its peak live heap %s is not well above %s", kib(kept.peakLive), kib(large.peakLive))
	}
}

// BenchmarkListAll iterates every key of a 1,000 and a 10,000 key set: B/op
// and allocs/op grow linearly with the keys; TestListMemoryBounded shows the
// live heap does not.
func BenchmarkListAll(b *testing.B) {
	for _, total := range []int{1_000, 10_000} {
		b.Run("keys="+strconv.Itoa(total), func(b *testing.B) {
			b.ReportAllocs()
			ts := httptest.NewServer(newPagedServer(total))
			defer ts.Close()
			c := newSDK(b, ts.URL+basePath, benchOrg, benchAPIKey)
			ctx := context.Background()
			for b.Loop() {
				n := 0
				for _, err := range c.List(ctx, apikeys.ListParams{}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != total {
					b.Fatalf("listed %d keys, want %d", n, total)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
