package benchmarks

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

// Each operation three ways against one loopback server: sdk (the SDK as a
// user gets it), raw (hand-written net/http + encoding/json), retryablehttp
// (the same over go-retryablehttp). Get and Pause also run rawtimeout (raw
// under a context.WithTimeout per call), twin (a second, identical SDK
// client: the noise floor) and sdkcancel (the SDK under a context that can
// be canceled, where the others run under context.Background). Compare
// with benchstat; run.sh prints the ratios.

// variant is one way of making a call; it returns an error on any failure.
type variant struct {
	name string
	call func(ctx context.Context) error
}

func runVariants(b *testing.B, vs []variant) {
	ctx := context.Background()
	for _, v := range vs {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			if err := v.call(ctx); err != nil { // warm the connection; fail fast
				b.Fatal(err)
			}
			cpu := processCPU()
			for b.Loop() {
				if err := v.call(ctx); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

func BenchmarkGet(b *testing.B)    { benchLoopback(b, getOp) }
func BenchmarkUpdate(b *testing.B) { benchLoopback(b, updateOp) }
func BenchmarkPause(b *testing.B)  { benchLoopback(b, pauseOp) }

// BenchmarkList reads one page of 100 keys, to the last key.
func BenchmarkList(b *testing.B)   { benchLoopback(b, listOp) }
func BenchmarkCreate(b *testing.B) { benchLoopback(b, createOp) }

// BenchmarkClientCPU runs the same operations through an in-process
// RoundTripper (see inProcess): the loopback round trip, which dominates
// the benchmarks above on this kind of machine, is gone, so the difference
// between the three is each client's own CPU and allocations.
func BenchmarkClientCPU(b *testing.B) {
	f := newFixtureServer()
	c := newClientsOver(b, "http://127.0.0.1"+basePath, benchOrg, benchAPIKey,
		func() *http.Client { return &http.Client{Transport: inProcess{f}} })
	for _, op := range []struct {
		name string
		vs   func(clients) []variant
	}{{"Get", getOp}, {"Update", updateOp}, {"Pause", pauseOp}, {"List", listOp}, {"Create", createOp}} {
		b.Run(op.name, func(b *testing.B) { runVariants(b, op.vs(c)) })
	}
}

// reportCPU reports the process's CPU time per op since start as cpu-ns/op.
// Unlike ns/op it barely moves when other processes load the machine: it
// counts the work done, not the time waited for a core.
func reportCPU(b *testing.B, start time.Duration) {
	if d := processCPU() - start; d > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func benchLoopback(b *testing.B, op func(clients) []variant) {
	_, ts := startFixture(b)
	runVariants(b, op(newClients(b, ts.URL+basePath, benchOrg, benchAPIKey)))
}

func getOp(c clients) []variant {
	return []variant{
		{"sdk", func(ctx context.Context) error { _, err := c.sdk.Get(ctx, benchKeyID); return err }},
		{"raw", func(ctx context.Context) error { _, err := c.raw.Get(ctx, benchKeyID); return err }},
		{"retryablehttp", func(ctx context.Context) error { _, err := c.retryable.Get(ctx, benchKeyID); return err }},
		{"rawtimeout", withTimeout(func(ctx context.Context) error { _, err := c.raw.Get(ctx, benchKeyID); return err })},
		{"twin", func(ctx context.Context) error { _, err := c.twin.Get(ctx, benchKeyID); return err }},
		{"sdkcancel", func(context.Context) error { _, err := c.sdk.Get(c.cancelable, benchKeyID); return err }},
	}
}

// withTimeout is call with a per-request timeout set the ordinary way, a
// context.WithTimeout per call, of the SDK's default 30 s: the rawtimeout
// variant, the hand-written client that is as safe as the SDK's default.
func withTimeout(call func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return call(ctx)
	}
}

func updateOp(c clients) []variant {
	return []variant{
		{"sdk", func(ctx context.Context) error { _, err := c.sdk.Update(ctx, benchKeyID, updateParams); return err }},
		{"raw", func(ctx context.Context) error {
			_, err := c.raw.Update(ctx, benchKeyID, rawUpdateIn)
			return err
		}},
		{"retryablehttp", func(ctx context.Context) error {
			_, err := c.retryable.Update(ctx, benchKeyID, rawUpdateIn)
			return err
		}},
	}
}

func pauseOp(c clients) []variant {
	return []variant{
		{"sdk", func(ctx context.Context) error { _, err := c.sdk.Pause(ctx, benchKeyID); return err }},
		{"raw", func(ctx context.Context) error { _, err := c.raw.Transition(ctx, benchKeyID, "pause"); return err }},
		{"retryablehttp", func(ctx context.Context) error {
			_, err := c.retryable.Transition(ctx, benchKeyID, "pause")
			return err
		}},
		{"rawtimeout", withTimeout(func(ctx context.Context) error {
			_, err := c.raw.Transition(ctx, benchKeyID, "pause")
			return err
		})},
		{"twin", func(ctx context.Context) error { _, err := c.twin.Pause(ctx, benchKeyID); return err }},
		{"sdkcancel", func(context.Context) error { _, err := c.sdk.Pause(c.cancelable, benchKeyID); return err }},
	}
}

func listOp(c clients) []variant {
	rawList := func(rc *rawClient) func(context.Context) error {
		return func(ctx context.Context) error {
			n, err := rc.listAll(ctx, func(*rawKey) {})
			if err == nil && n != listSize {
				err = errCount(n)
			}
			return err
		}
	}
	return []variant{
		{"sdk", func(ctx context.Context) error {
			n := 0
			for _, err := range c.sdk.List(ctx, apikeys.ListParams{}) {
				if err != nil {
					return err
				}
				n++
			}
			if n != listSize {
				return errCount(n)
			}
			return nil
		}},
		{"raw", rawList(c.raw)},
		{"retryablehttp", rawList(c.retryable)},
	}
}

func createOp(c clients) []variant {
	return []variant{
		{"sdk", func(ctx context.Context) error { _, err := c.sdk.Create(ctx, createParams); return err }},
		{"raw", func(ctx context.Context) error { _, err := c.raw.Create(ctx, rawCreateIn); return err }},
		{"retryablehttp", func(ctx context.Context) error {
			_, err := c.retryable.Create(ctx, rawCreateIn)
			return err
		}},
	}
}

// listAll follows every page, 100 keys a page, as the SDK's List does.
func (c *rawClient) listAll(ctx context.Context, each func(*rawKey)) (int, error) {
	n, cursor := 0, ""
	for {
		p, err := c.ListPage(ctx, cursor, 100)
		if err != nil {
			return n, err
		}
		for i := range p.APIKeys {
			each(&p.APIKeys[i])
			n++
		}
		if p.NextCursor == nil || len(p.APIKeys) == 0 {
			return n, nil
		}
		cursor = *p.NextCursor
	}
}

func errCount(n int) error { return fmt.Errorf("listed %d keys, want %d", n, listSize) }
