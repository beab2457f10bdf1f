// Package benchmarks measures what the apikeys SDK costs next to a
// hand-written net/http + encoding/json client and next to the same requests
// over go-retryablehttp, on a loopback httptest server that answers from
// precomputed bytes; the bulk path (TransitionMany) against a hand-written
// goroutine pool on the apikeystest fake; the fake server's own throughput;
// List's memory over 10,000 keys; and connection reuse under concurrency.
//
// It is a module of its own so that go-retryablehttp never enters the SDK's
// go.mod. Everything is in _test.go files; run it with bash run.sh, see
// README.md.
package benchmarks
