// Package e2e holds the end-to-end tests of the apikeys client against the
// apikeystest fake server. Every request the client sends and every response
// the fake returns is validated against api/openapi.yaml on the wire, so the
// client, the fake and the spec cannot drift apart unnoticed.
//
// The package has no non-test code; run it with
//
//	go test -race ./e2e/
package e2e
