module github.com/apikeys-go/apikeys/benchmarks

go 1.24

require (
	github.com/apikeys-go/apikeys v0.0.0-00010101000000-000000000000
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/hashicorp/go-retryablehttp v0.7.8
)

require github.com/cenkalti/backoff/v4 v4.3.0 // indirect

replace github.com/apikeys-go/apikeys => ../
