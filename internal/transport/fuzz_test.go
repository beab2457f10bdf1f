package transport

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseRetryAfter: never a negative wait, never a panic; whole seconds
// in range are read exactly, larger ones saturate, an HTTP date gives the
// time until it, and a value that is not either falls back (ok false, 0).
func FuzzParseRetryAfter(f *testing.F) {
	for _, v := range []string{"", "0", "1", " 120 ", "-1", "+1", "1.5", "soon", "9223372036", "9223372037",
		"99999999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "Wednesday, 21-Oct-15 07:28:00 GMT",
		"Wed Oct 21 07:28:00 2015", "Wed, 21 Oct 2015 07:28:00 +0000", "\t7\n", "0x1", "١"} {
		f.Add(v, uint64(len(v)))
	}
	f.Add("30", uint64(math.MaxUint64))
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	const maxSecs = uint64(math.MaxInt64 / int64(time.Second))
	f.Fuzz(func(t *testing.T, v string, n uint64) {
		d, ok := ParseRetryAfter(v, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", v, d, ok)
		}
		trimmed := strings.TrimSpace(v)
		if trimmed != "" && strings.Trim(trimmed, "0123456789") == "" {
			secs, err := strconv.ParseUint(trimmed, 10, 64)
			want := time.Duration(math.MaxInt64)
			if err == nil && secs <= maxSecs {
				want = time.Duration(secs) * time.Second
			}
			if !ok || d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %v, true", v, d, ok, want)
			}
		}
		if strings.HasPrefix(trimmed, "-") && ok {
			t.Fatalf("ParseRetryAfter(%q) = %v, true; a negative value must fall back", v, d)
		}

		// Whole seconds round-trip exactly, or saturate.
		want := time.Duration(math.MaxInt64)
		if n <= maxSecs {
			want = time.Duration(n) * time.Second
		}
		if d, ok := ParseRetryAfter(strconv.FormatUint(n, 10), now); !ok || d != want {
			t.Fatalf("ParseRetryAfter(%d) = %v, %v; want %v, true", n, d, ok, want)
		}
		// An HTTP date n seconds ahead (within a century) is n seconds away;
		// the same distance behind is no wait.
		ahead := time.Duration(n%(100*365*24*3600)) * time.Second
		if d, ok := ParseRetryAfter(now.Add(ahead).Format(http.TimeFormat), now); !ok || d != ahead {
			t.Fatalf("date %v ahead: %v, %v", ahead, d, ok)
		}
		if d, ok := ParseRetryAfter(now.Add(-ahead).Format(http.TimeFormat), now); !ok || d != 0 {
			t.Fatalf("date %v behind: %v, %v; want 0, true", ahead, d, ok)
		}
	})
}
