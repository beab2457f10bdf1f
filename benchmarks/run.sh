#!/usr/bin/env bash
# Runs the apikeys benchmark suite and prints its tables (see README.md).
#
#   bash benchmarks/run.sh                 # about 8 minutes on 2 cores
#   COUNT=6 BENCHTIME=0.1s bash benchmarks/run.sh   # about 1 minute, still enough for benchstat
#   PROFILE=1 bash benchmarks/run.sh       # also CPU and memory profiles of Get, sdk and raw
#
# The test binary is built once and run COUNT times, each run doing every
# variant of every benchmark once, so that sdk, raw and retryablehttp are
# interleaved in time and a slow minute on a shared machine hits all three
# alike. Raw results, CSV and profiles are kept in $OUT (default
# benchmarks/results). The script exits 0 even when a target is missed: read
# the "MISS" lines.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-0.25s}
OUT=${OUT:-results}
PROFILE=${PROFILE:-0}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

mkdir -p "$OUT"
bin="$OUT/benchmarks.test"
benchstat() { go run "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION" "$@"; }
ratios() { "$OUT/ratios" "$@"; }
section() { printf '\n## %s\n\n' "$*"; }

echo "building the test binary and benchstat ($BENCHSTAT_VERSION)..." >&2
go test -c -o "$bin" .
benchstat -h >/dev/null 2>&1 || true # download and build it now, not mid-table
go build -o "$OUT/ratios" ./cmd/ratios

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$OUT"/{ops,cpu,platform,platformcpu,bulk,server,listall}.txt
for i in $(seq "$COUNT"); do
	echo "run $i/$COUNT: loopback operations, in-process operations, platforms (loopback, in process), TransitionMany, fake server" >&2
	"$bin" -test.run '^$' -test.bench '^Benchmark(Get|Update|Pause|List|Create)$' \
		-test.benchtime "$BENCHTIME" >>"$OUT/ops.txt"
	"$bin" -test.run '^$' -test.bench '^BenchmarkClientCPU$' -test.benchtime "$BENCHTIME" >>"$OUT/cpu.txt"
	"$bin" -test.run '^$' -test.bench '^BenchmarkPlatform$' -test.benchtime "$BENCHTIME" >>"$OUT/platform.txt"
	"$bin" -test.run '^$' -test.bench '^BenchmarkPlatformCPU$' -test.benchtime "$BENCHTIME" >>"$OUT/platformcpu.txt"
	"$bin" -test.run '^$' -test.bench '^BenchmarkTransitionMany$' -test.benchtime 1x >>"$OUT/bulk.txt"
	GOMAXPROCS=1 "$bin" -test.run '^$' -test.bench '^BenchmarkFakeServer$' -test.cpu 1 \
		-test.benchtime "$BENCHTIME" >>"$OUT/server.txt"
done
echo "List over 1,000 and 10,000 keys; memory and connection tests" >&2
"$bin" -test.run '^$' -test.bench '^BenchmarkListAll$' -test.benchtime 3x -test.count 6 >"$OUT/listall.txt"
tests_status=0
"$bin" -test.run '^(TestListMemoryBounded|TestConnectionReuse)$' -test.v >"$OUT/tests.txt" 2>&1 || tests_status=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ $PROFILE == 1 ]]; then
	echo "profiling Get in process, sdk and raw" >&2
	for impl in sdk raw; do
		"$bin" -test.run '^$' -test.bench "^BenchmarkClientCPU/Get/$impl\$" -test.benchtime 3s \
			-test.cpuprofile "$OUT/get-$impl.cpu" -test.memprofile "$OUT/get-$impl.mem" >/dev/null
	done
fi

for f in ops cpu platform platformcpu bulk server listall; do
	benchstat -format csv "$OUT/$f.txt" >"$OUT/$f.csv" 2>/dev/null
done

section "Machine"
echo "nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(go version)"
echo "load average (1, 5, 15 min): $load_before before, $load_after after; COUNT=$COUNT BENCHTIME=$BENCHTIME"

section "Per operation over loopback: median of $COUNT runs (± 95% interval)"
ratios -units sec/op,cpu-sec/op,allocs/op -check "$OUT/ops.csv" || true

section "The same operations in process (no sockets): each client's own CPU and allocations"
ratios -units sec/op,cpu-sec/op,allocs/op,B/op "$OUT/cpu.csv" || true

section "Every platform, loopback: its read (Get) and one transition, sdk vs a hand-written client of its wire"
ratios -units sec/op,cpu-sec/op,allocs/op -check "$OUT/platform.csv" || true

section "Every platform in process (no sockets): each client's own CPU and allocations"
ratios -units sec/op,cpu-sec/op,allocs/op -check "$OUT/platformcpu.csv" || true

section "Bulk: pause 10,000 keys on apikeystest at concurrency 16 (one op = 10,000 keys)"
ratios -units keys/s,cpu-sec/key,allocs/key -check "$OUT/bulk.csv" || true

section "apikeystest server alone, GOMAXPROCS=1 (target ≥ 20,000 req/s)"
benchstat "$OUT/server.txt" 2>/dev/null | awk '/req\/s/ {on=1} on && /^$/ {on=0} on'

section "List over every key (B/op and allocs/op grow with the keys)"
benchstat "$OUT/listall.txt" 2>/dev/null | awk '/B\/op|allocs\/op/ {on=1} on' | grep -v '^geomean' || true

section "Memory and connection tests"
grep -E 'memory_test|conn_test|^(--- |ok|FAIL|PASS)' "$OUT/tests.txt" | sed 's/^ *//' || true
if [[ $tests_status != 0 ]]; then
	echo "(a test above failed; full output in $OUT/tests.txt)"
fi

if [[ $PROFILE == 1 ]]; then
	section "Profiles"
	echo "$OUT/get-{sdk,raw}.{cpu,mem}; e.g. go tool pprof -top -sample_index=alloc_objects $bin $OUT/get-sdk.mem"
	go tool pprof -top -cum -focus 'apikeys/internal|apikeys\.\(' "$bin" "$OUT/get-sdk.cpu" 2>/dev/null |
		grep -E 'apikeys|context.WithTimeout|encoding/json.Unmarshal$' | head -20
fi
