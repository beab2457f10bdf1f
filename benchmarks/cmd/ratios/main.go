// Command ratios reads benchstat's CSV output (benchstat -format csv) for
// benchmarks named Op/impl (Get/sdk, Get/raw, Get/retryablehttp, …) and
// prints one Markdown table: for each unit asked for, each implementation's
// median with benchstat's confidence interval, and the sdk/raw and
// sdk/<other> ratios (for allocs/op the differences sdk − raw and
// sdk − <other> instead, as the target is "raw + 25"). With
// -check it then checks the SDK's targets and exits 1 if one is missed.
//
//	benchstat -format csv ops.txt | go run ./cmd/ratios -units sec/op,allocs/op -check
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

type cell struct {
	value float64
	ci    string
}

type table struct {
	ops   []string                              // in order of appearance
	impls []string                              // in order of appearance
	data  map[string]map[string]map[string]cell // unit → op → impl → cell
	units map[string]bool
}

var gomaxprocs = regexp.MustCompile(`-\d+$`)

func read(r io.Reader) (*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	t := &table{data: map[string]map[string]map[string]cell{}, units: map[string]bool{}}
	seenOp, seenImpl := map[string]bool{}, map[string]bool{}
	unit := ""
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) < 2 || rec[0] == "geomean" {
			continue
		}
		if rec[0] == "" { // a header: the file names, then ",unit,CI"
			if len(rec) > 2 && rec[2] == "CI" {
				unit = rec[1]
			}
			continue
		}
		if unit == "" {
			continue
		}
		name := gomaxprocs.ReplaceAllString(rec[0], "")
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			continue
		}
		op, impl := name[:i], name[i+1:]
		v, err := strconv.ParseFloat(rec[1], 64)
		if err != nil {
			continue
		}
		c := cell{value: v}
		if len(rec) > 2 {
			c.ci = rec[2]
		}
		if t.data[unit] == nil {
			t.data[unit] = map[string]map[string]cell{}
			t.units[unit] = true
		}
		if t.data[unit][op] == nil {
			t.data[unit][op] = map[string]cell{}
		}
		t.data[unit][op][impl] = c
		if !seenOp[op] {
			seenOp[op] = true
			t.ops = append(t.ops, op)
		}
		if !seenImpl[impl] {
			seenImpl[impl] = true
			t.impls = append(t.impls, impl)
		}
	}
}

func format(unit string, v float64) string {
	switch unit {
	case "cpu-sec/op", "cpu-sec/key":
		return format("sec/op", v)
	case "sec/op":
		switch {
		case v >= 1:
			return fmt.Sprintf("%.3gs", v)
		case v >= 1e-3:
			return fmt.Sprintf("%.3gms", v*1e3)
		default:
			return fmt.Sprintf("%.3gµs", v*1e6)
		}
	case "B/op":
		if v >= 10*1024 {
			return fmt.Sprintf("%.1fKiB", v/1024)
		}
		return fmt.Sprintf("%.0fB", v)
	}
	if v >= 100 || v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return fmt.Sprintf("%.3g", v)
}

// diff reports whether a unit is compared by difference (allocations,
// whose target is "raw + 25") rather than by ratio.
func diff(unit string) bool { return unit == "allocs/op" || unit == "allocs/key" }

func label(unit string) string {
	switch unit {
	case "sec/op":
		return "time/op"
	case "cpu-sec/op": // benchstat's name for cpu-ns/op
		return "cpu/op"
	case "cpu-sec/key":
		return "cpu/key"
	}
	return unit
}

func main() {
	units := flag.String("units", "sec/op,cpu-sec/op,allocs/op", "comma-separated units to show, in order (benchstat turns ns into sec: cpu-ns/op is cpu-sec/op)")
	base := flag.String("base", "sdk", "the implementation the ratios are of")
	check := flag.Bool("check", false, "check the targets: on Get, Pause and every platform operation sdk/raw time ≤ 1.03 and allocs ≤ raw + 3; sdk time ≤ retryablehttp and ≤ rawtimeout; other allocs ≤ raw + 25; keys/s ≥ 0.85 × raw")
	flag.Parse()
	in := io.Reader(os.Stdin)
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	t, err := read(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(2)
	}
	var shown []string
	for _, u := range strings.Split(*units, ",") {
		if t.units[u] {
			shown = append(shown, u)
		}
	}
	if len(shown) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: none of the units", *units, "in the input")
		os.Exit(2)
	}
	var others []string
	for _, impl := range t.impls {
		if impl != *base {
			others = append(others, impl)
		}
	}

	head := []string{"operation"}
	for _, u := range shown {
		for _, impl := range t.impls {
			head = append(head, label(u)+" "+impl)
		}
		for _, o := range others {
			if diff(u) {
				head = append(head, *base+"−"+o)
			} else {
				head = append(head, *base+"/"+o)
			}
		}
	}
	fmt.Println("| " + strings.Join(head, " | ") + " |")
	fmt.Println("|" + strings.Repeat("---|", len(head)))
	for _, op := range t.ops {
		row := []string{op}
		for _, u := range shown {
			cells := t.data[u][op]
			for _, impl := range t.impls {
				c, ok := cells[impl]
				s := "—"
				if ok {
					s = format(u, c.value)
					if ci := strings.TrimPrefix(c.ci, "±"); ci != "" && ci != "∞" && ci != "0%" {
						s += " ±" + ci
					}
				}
				row = append(row, s)
			}
			b, okb := cells[*base]
			for _, o := range others {
				c, ok := cells[o]
				s := "—"
				switch {
				case !ok || !okb:
				case diff(u):
					s = fmt.Sprintf("%+.0f", b.value-c.value)
				case c.value != 0:
					s = fmt.Sprintf("%.2f", b.value/c.value)
				}
				row = append(row, s)
			}
		}
		fmt.Println("| " + strings.Join(row, " | ") + " |")
	}
	if *check && !checkTargets(t, *base) {
		os.Exit(1)
	}
}

// checkTargets prints one line per target and reports whether all are met.
func checkTargets(t *table, base string) bool {
	ok := true
	verdict := func(pass bool, format string, args ...any) {
		mark := "ok  "
		if !pass {
			mark, ok = "MISS", false
		}
		fmt.Printf("%s "+format+"\n", append([]any{mark}, args...)...)
	}
	noise := func(r float64, a, b cell) string { // how a ≤ 1.00 target was met
		if r < 1.005 { // prints as 1.00
			return ""
		}
		if sameWithinNoise(a, b) {
			return " — above 1.00 but within benchstat's intervals"
		}
		return ""
	}
	fmt.Println()
	for _, op := range t.ops {
		allocs := t.data["allocs/op"][op]
		for _, unit := range []string{"sec/op", "cpu-sec/op"} {
			times := t.data[unit][op]
			sdk, okS := times[base]
			raw, okR := times["raw"]
			if okS && okR && hot(op) {
				r := sdk.value / raw.value
				verdict(r <= 1.03, "%s: %s/raw %s %.2f (target ≤ 1.03)", op, base, label(unit), r)
			}
			for _, other := range []string{"retryablehttp", "rawtimeout"} {
				if rh, ok := times[other]; ok && okS {
					r := sdk.value / rh.value
					verdict(r <= 1.0 || sameWithinNoise(sdk, rh), "%s: %s/%s %s %.2f (target ≤ 1.00)%s", op, base, other, label(unit), r, noise(r, sdk, rh))
				}
			}
		}
		if tp := t.data["keys/s"][op]; tp != nil {
			if s, r := tp[base], tp["raw"]; s.value > 0 && r.value > 0 {
				verdict(s.value/r.value >= 0.85, "%s: %s/raw throughput %.2f (target ≥ 0.85)", op, base, s.value/r.value)
			}
		}
		if a, ok := t.data["allocs/key"][op][base]; ok {
			if ar, ok := t.data["allocs/key"][op]["raw"]; ok {
				verdict(a.value <= ar.value+25, "%s: allocs/key %s %.0f, raw %.0f (target ≤ raw + 25)", op, base, a.value, ar.value)
			}
		}
		if a, okA := allocs[base]; okA && t.data["keys/s"][op] == nil { // not per 10,000-key bulk op
			if ar, ok := allocs["raw"]; ok {
				limit := 25.0
				if hot(op) {
					limit = 3
				}
				verdict(a.value <= ar.value+limit, "%s: allocs/op %s %.0f, raw %.0f (target ≤ raw + %.0f)", op, base, a.value, ar.value, limit)
			}
		}
	}
	return ok
}

// hot reports whether op has the targets of issue 13, SDK/raw time ≤ 1.03
// and allocations ≤ raw + 3: Get and Pause, and every operation of the
// per-platform benchmarks (each platform's read and transition, over
// loopback and in process).
func hot(op string) bool {
	last := op[strings.LastIndexByte(op, '/')+1:]
	return last == "Get" || last == "Pause" || strings.HasPrefix(op, "Platform/") || strings.HasPrefix(op, "PlatformCPU/")
}

// sameWithinNoise reports whether a is above b by less than their
// confidence intervals together, so that benchstat would call it noise.
func sameWithinNoise(a, b cell) bool {
	pa, oka := percent(a.ci)
	pb, okb := percent(b.ci)
	if !oka || !okb {
		return false
	}
	return a.value*(1-pa/100) <= b.value*(1+pb/100)
}

func percent(ci string) (float64, bool) {
	s := strings.TrimSuffix(strings.TrimPrefix(ci, "±"), "%")
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
