// Package e2e holds the end-to-end tests of the apikeys client against the
// apikeystest fake server. Every request the client sends and every response
// the fake returns is validated against api/openapi.yaml on the wire, so the
// client, the fake and the spec cannot drift apart unnoticed.
//
// It is a module of its own, as benchmarks is: the spec validator
// (kin-openapi) and its dependencies stay out of the main module's go.mod,
// and so out of every consumer's go.sum. The package has no non-test code;
// run it from the repository's root with
//
//	(cd e2e && go test -race ./...)
package e2e
