package apikeystest

import "testing"

// Start starts a Server as NewServer does and closes it when tb's test (and
// its subtests) finish, through tb.Cleanup, so a test needs no defer. A
// misuse that makes NewServer panic, such as a platform it does not serve,
// fails the test at the call instead.
//
//	func TestPauseStale(t *testing.T) {
//		srv := apikeystest.Start(t, apikeystest.WithoutListener())
//		client, err := srv.Client()
//		…
//	}
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := newServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}
