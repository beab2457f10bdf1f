package apikeys_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

// page is a list answer holding keys with the given IDs, then next as its
// next_cursor ("" is the last page: null).
func page(next string, ids ...string) string {
	objs := make([]string, len(ids))
	for i, id := range ids {
		objs[i] = `{"id":"` + id + `","status":"paused","key_name":"name ` + id + `"}`
	}
	cursor := "null"
	if next != "" {
		cursor = `"` + next + `"`
	}
	return fmt.Sprintf(`{"api_keys":[%s],"next_cursor":%s}`, strings.Join(objs, ","), cursor)
}

// listed is what a List loop saw: the IDs of the keys and the errors.
type listed struct {
	IDs    []string
	Errors []string
}

func collect(seq func(func(*apikeys.Key, error) bool)) listed {
	var l listed
	for key, err := range seq {
		if err != nil {
			if key != nil {
				l.Errors = append(l.Errors, "non-nil key with the error")
			}
			l.Errors = append(l.Errors, err.Error())
			continue // the iterator must stop by itself
		}
		l.IDs = append(l.IDs, key.ID)
	}
	return l
}

func TestList_followsEveryPage(t *testing.T) {
	c, f := newTestClient(t)
	// The cursor is opaque: it is sent back query-escaped, as it came.
	first := collURL + "?page_size=2&include_archived=true&status=paused"
	second := collURL + "?page_size=2&cursor=c%2B2%2F%3D&include_archived=true&status=paused"
	third := collURL + "?page_size=2&cursor=c4&include_archived=true&status=paused"
	f.on(http.MethodGet, first, reply{status: 200, body: page("c+2/=", "k1", "k2")})
	f.on(http.MethodGet, second, reply{status: 200, body: page("c4", "k3", "k4")})
	f.on(http.MethodGet, third, reply{status: 200, body: page("", "k5")})
	var keys []*apikeys.Key
	for key, err := range c.List(t.Context(), apikeys.ListParams{IncludeArchived: true, Status: apikeys.StatusPaused, PageSize: 2}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		keys = append(keys, key)
	}
	var want []*apikeys.Key
	for _, id := range []string{"k1", "k2", "k3", "k4", "k5"} {
		want = append(want, &apikeys.Key{ID: id, Status: apikeys.StatusPaused, PlatformStatus: "paused",
			Platform: apikeys.Reference, Name: "name " + id})
	}
	if diff := cmp.Diff(want, keys, ignoreUnexported); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	reqs := f.requests()
	wantReqs := []string{"GET " + first, "GET " + second, "GET " + third}
	if diff := cmp.Diff(wantReqs, summarize(reqs)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	for _, r := range reqs {
		assertHeaders(t, r, testUserAgent)
		if len(r.Body) != 0 {
			t.Errorf("GET with body %q", r.Body)
		}
	}
}

func TestList_query(t *testing.T) {
	tests := []struct {
		name   string
		params apikeys.ListParams
		query  string
	}{
		{name: "zero value", params: apikeys.ListParams{}, query: "page_size=100"},
		{name: "page size 1", params: apikeys.ListParams{PageSize: 1}, query: "page_size=1"},
		{name: "page size 100", params: apikeys.ListParams{PageSize: 100}, query: "page_size=100"},
		{name: "archived too", params: apikeys.ListParams{IncludeArchived: true}, query: "page_size=100&include_archived=true"},
		{name: "status", params: apikeys.ListParams{Status: apikeys.StatusRevoked}, query: "page_size=100&status=revoked"},
		{name: "status archived", params: apikeys.ListParams{Status: apikeys.StatusArchived, PageSize: 7}, query: "page_size=7&include_archived=true&status=archived"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"?"+tt.query, reply{status: 200, body: page("", "k1")})
			if diff := cmp.Diff(listed{IDs: []string{"k1"}}, collect(c.List(t.Context(), tt.params))); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"GET " + collURL + "?" + tt.query}, summarize(f.requests())); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestList_stopsOnFirstError(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(0))
	f.on(http.MethodGet, collURL+"?page_size=2", reply{status: 200, body: page("c2", "k1", "k2")})
	f.on(http.MethodGet, collURL+"?page_size=2&cursor=c2", reply{status: 500, body: envelope("INTERNAL_ERROR", 500)})
	f.on(http.MethodGet, collURL+"?page_size=2&cursor=c4", reply{status: 200, body: page("", "k5")})
	var ids []string
	var errs []error
	for key, err := range c.List(t.Context(), apikeys.ListParams{PageSize: 2}) {
		if err != nil {
			if key != nil {
				t.Errorf("key %+v yielded with the error", key)
			}
			errs = append(errs, err)
			continue
		}
		ids = append(ids, key.ID)
	}
	if diff := cmp.Diff([]string{"k1", "k2"}, ids); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if len(errs) != 1 {
		t.Fatalf("got %d errors %v, want 1", len(errs), errs)
	}
	if !errors.Is(errs[0], apikeys.ErrServer) {
		t.Errorf("err = %v, want ErrServer", errs[0])
	}
	want := []string{"GET " + collURL + "?page_size=2", "GET " + collURL + "?page_size=2&cursor=c2"}
	if diff := cmp.Diff(want, summarize(f.requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestList_decodeErrorStops(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"?page_size=100", reply{status: 200, body: `{"api_keys":[{"id":"k1"}`})
	want := listed{Errors: []string{"apikeys: reference: list: decoding the 200 answer (request req_test): reference: answer is not JSON"}}
	if diff := cmp.Diff(want, collect(c.List(t.Context(), apikeys.ListParams{}))); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if got := len(f.requests()); got != 1 {
		t.Errorf("sent %d requests, want 1", got)
	}
}

func TestList_breakStopsEarly(t *testing.T) {
	tests := []struct {
		name      string
		breakAt   int // number of keys taken
		wantPages int
	}{
		{name: "after the first key", breakAt: 1, wantPages: 1},
		{name: "at the end of page 1", breakAt: 2, wantPages: 1},
		{name: "first key of page 2", breakAt: 3, wantPages: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"?page_size=2", reply{status: 200, body: page("c2", "k1", "k2")})
			f.on(http.MethodGet, collURL+"?page_size=2&cursor=c2", reply{status: 200, body: page("c4", "k3", "k4")})
			f.on(http.MethodGet, collURL+"?page_size=2&cursor=c4", reply{status: 200, body: page("", "k5")})
			n := 0
			for _, err := range c.List(t.Context(), apikeys.ListParams{PageSize: 2}) {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				n++
				if n == tt.breakAt {
					break
				}
			}
			if n != tt.breakAt {
				t.Errorf("took %d keys, want %d", n, tt.breakAt)
			}
			if got := len(f.requests()); got != tt.wantPages {
				t.Errorf("requested %d pages %v, want %d", got, summarize(f.requests()), tt.wantPages)
			}
		})
	}
}

func TestList_breakOnError(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(0))
	f.on(http.MethodGet, collURL+"?page_size=100", reply{status: 403, body: envelope("INSUFFICIENT_PERMISSIONS", 403)})
	n := 0
	for _, err := range c.List(t.Context(), apikeys.ListParams{}) {
		n++
		if !errors.Is(err, apikeys.ErrForbidden) {
			t.Errorf("err = %v, want ErrForbidden", err)
		}
		break
	}
	if n != 1 || len(f.requests()) != 1 {
		t.Errorf("iterations, requests = %d, %d; want 1, 1", n, len(f.requests()))
	}
}

func TestList_emptyAndEnds(t *testing.T) {
	stuck := "apikeys: reference: list: the server's next page is the page just read: paging does not advance"
	tests := []struct {
		name    string
		pages   []string // answers to the first page, then to cursor c1, c2, …
		want    listed
		wantReq int
	}{
		{
			name:    "empty list",
			pages:   []string{`{"api_keys":[],"next_cursor":null}`},
			want:    listed{},
			wantReq: 1,
		},
		{
			name:    "one full page",
			pages:   []string{page("", "k1", "k2")},
			want:    listed{IDs: []string{"k1", "k2"}},
			wantReq: 1,
		},
		{
			name:    "no next_cursor member: one page",
			pages:   []string{`{"api_keys":[{"id":"k1"}]}`},
			want:    listed{IDs: []string{"k1"}},
			wantReq: 1,
		},
		{
			name:    "an empty next_cursor ends the list",
			pages:   []string{`{"api_keys":[{"id":"k1"}],"next_cursor":""}`},
			want:    listed{IDs: []string{"k1"}},
			wantReq: 1,
		},
		{
			name:    "an answer without the list is an error, not an empty list",
			pages:   []string{`{"keys":[],"next_cursor":null}`},
			want:    listed{Errors: []string{`apikeys: reference: list: decoding the 200 answer (request req_test): reference: the list answer has no "api_keys" field`}},
			wantReq: 1,
		},
		{
			name:    "a server that answers the cursor it was sent does not loop forever",
			pages:   []string{page("c1", "k1"), page("c1", "k2"), page("c1", "k3")},
			want:    listed{IDs: []string{"k1"}, Errors: []string{stuck}},
			wantReq: 2,
		},
		{
			name:    "a server that ignores the cursor does not loop forever",
			pages:   []string{page("c1", "k1"), page("c2", "k1"), page("c3", "k1")},
			want:    listed{IDs: []string{"k1"}, Errors: []string{stuck}},
			wantReq: 2,
		},
		{
			name:    "an empty page that announces more is an error, not a loop",
			pages:   []string{page("c1", "k1"), page("c2"), page("c3")},
			want:    listed{IDs: []string{"k1"}, Errors: []string{stuck}},
			wantReq: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			for i, body := range tt.pages {
				url := collURL + "?page_size=100"
				if i > 0 {
					url = fmt.Sprintf("%s?page_size=100&cursor=c%d", collURL, i)
				}
				f.on(http.MethodGet, url, reply{status: 200, body: body})
			}
			if diff := cmp.Diff(tt.want, collect(c.List(t.Context(), apikeys.ListParams{}))); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if got := len(f.requests()); got != tt.wantReq {
				t.Errorf("sent %d requests %v, want %d", got, summarize(f.requests()), tt.wantReq)
			}
		})
	}
}

// The default List leaves archived keys out even when a server sends them;
// asking for them, or for a status, lists what the server answers.
func TestList_defaultLeavesArchivedOut(t *testing.T) {
	body := `{"api_keys":[{"id":"k1","status":"active"},{"id":"k2","status":"archived"},{"id":"k3","status":"revoked"}],"next_cursor":null}`
	for _, c := range []struct {
		params apikeys.ListParams
		query  string
		want   []string
	}{
		{apikeys.ListParams{}, "page_size=100", []string{"k1", "k3"}},
		{apikeys.ListParams{IncludeArchived: true}, "page_size=100&include_archived=true", []string{"k1", "k2", "k3"}},
	} {
		cl, f := newTestClient(t)
		f.on(http.MethodGet, collURL+"?"+c.query, reply{status: 200, body: body})
		if diff := cmp.Diff(listed{IDs: c.want}, collect(cl.List(t.Context(), c.params))); diff != "" {
			t.Errorf("%+v: listed (-want +got):\n%s", c.params, diff)
		}
	}
}

// A nil context is refused without a request and without a panic.
func TestList_nilContext(t *testing.T) {
	c, f := newTestClient(t)
	n := 0
	//lint:ignore SA1012 a nil context is what this test is about
	for key, err := range c.List(nil, apikeys.ListParams{}) { //nolint:staticcheck
		n++
		if key != nil {
			t.Errorf("key = %+v, want nil", key)
		}
		assertValidationError(t, err, apikeys.ValidationError{Field: "ctx", Reason: "is nil; use context.Background()"})
	}
	if n != 1 {
		t.Errorf("%d iterations, want 1", n)
	}
	assertNoRequest(t, f)
}

func TestList_refusedLocally(t *testing.T) {
	tests := []struct {
		name   string
		params apikeys.ListParams
		want   apikeys.ValidationError
	}{
		{name: "negative page size", params: apikeys.ListParams{PageSize: -1}, want: apikeys.ValidationError{Field: "PageSize", Reason: "must be between 1 and 100 on reference"}},
		{name: "page size 101", params: apikeys.ListParams{PageSize: 101}, want: apikeys.ValidationError{Field: "PageSize", Reason: "must be between 1 and 100 on reference"}},
		{name: "unknown status", params: apikeys.ListParams{Status: "frozen"}, want: apikeys.ValidationError{Field: "Status", Reason: "is not a known status"}},
		{name: "status with a query", params: apikeys.ListParams{Status: "active&page=9"}, want: apikeys.ValidationError{Field: "Status", Reason: "is not a known status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			n := 0
			for key, err := range c.List(t.Context(), tt.params) {
				n++
				if key != nil {
					t.Errorf("key = %+v, want nil", key)
				}
				assertValidationError(t, err, tt.want)
			}
			if n != 1 {
				t.Errorf("%d iterations, want 1", n)
			}
			assertNoRequest(t, f)
		})
	}
}

func TestList_reusable(t *testing.T) {
	// The sequence can be ranged over again: each loop starts at page 1.
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"?page_size=1", reply{status: 200, body: page("c1", "k1")})
	f.on(http.MethodGet, collURL+"?page_size=1&cursor=c1", reply{status: 200, body: page("", "k2")})
	seq := c.List(t.Context(), apikeys.ListParams{PageSize: 1})
	for i := range 2 {
		if diff := cmp.Diff(listed{IDs: []string{"k1", "k2"}}, collect(seq)); diff != "" {
			t.Errorf("loop %d: listed (-want +got):\n%s", i+1, diff)
		}
	}
	want := []string{
		"GET " + collURL + "?page_size=1", "GET " + collURL + "?page_size=1&cursor=c1",
		"GET " + collURL + "?page_size=1", "GET " + collURL + "?page_size=1&cursor=c1",
	}
	if diff := cmp.Diff(want, summarize(f.requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// The keys of one page share one backing array for their AvailableActions;
// a caller appending to one key's actions must not change the next key's.
func TestList_availableActionsAreIndependent(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"?page_size=100", reply{status: 200, body: `{"api_keys":[
		{"id":"k1","status":"revoked","available_actions":["delete"]},
		{"id":"k2","status":"paused","available_actions":["deactivate","unpause"]},
		{"id":"k3","status":"x","available_actions":[]}],
		"next_cursor":null}`})
	var keys []*apikeys.Key
	for key, err := range c.List(t.Context(), apikeys.ListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	if len(keys) != 3 {
		t.Fatalf("got %d keys, want 3", len(keys))
	}
	keys[0].AvailableActions = append(keys[0].AvailableActions, apikeys.ActionPause)
	want := [][]apikeys.Action{
		{apikeys.ActionDelete, apikeys.ActionPause},
		{apikeys.ActionDeactivate, apikeys.ActionUnpause},
		{},
	}
	for i, k := range keys {
		if diff := cmp.Diff(want[i], k.AvailableActions); diff != "" {
			t.Errorf("key %s actions (-want +got):\n%s", k.ID, diff)
		}
	}
	if keys[2].AvailableActions == nil {
		t.Error(`"available_actions":[] decoded as nil, want empty`)
	}
}
