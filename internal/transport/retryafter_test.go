package transport

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"   ", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 120 * time.Second, true},
		{"007", 7 * time.Second, true},
		{"9223372036", 9223372036 * time.Second, true}, // the largest that fits
		{"9223372037", math.MaxInt64, true},
		{"18446744073709551615", math.MaxInt64, true},
		{"99999999999999999999999999", math.MaxInt64, true},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1.5", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"12abc", 0, false},
		{"soon", 0, false},
		{"٣", 0, false}, // not an ASCII digit
		{date(90 * time.Second), 90 * time.Second, true},
		{date(0), 0, true},
		{date(-time.Hour), 0, true},                            // in the past: no wait
		{"Tuesday, 04-Mar-25 05:07:07 GMT", time.Minute, true}, // RFC 850
		{"Tue Mar  4 05:08:07 2025", 2 * time.Minute, true},    // ANSI C
		{"Tue, 04 Mar 2025 05:06:07 +0000", 0, false},          // not GMT
		{"2025-03-04T05:06:07Z", 0, false},
	} {
		d, ok := ParseRetryAfter(c.in, now)
		if d != c.want || ok != c.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", c.in, d, ok, c.want, c.ok)
		}
	}
}
