module github.com/apikeys-go/apikeys

go 1.24

require (
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/getkin/kin-openapi v0.135.0 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/jarcoal/httpmock v1.4.1 // indirect
)
