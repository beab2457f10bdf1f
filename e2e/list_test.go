package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

func ids(keys []*apikeys.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

// listRequest is one list request as the server received it.
type listRequest struct {
	cursor string // "" for the first page
	size   int
}

// listRequests returns the list requests the server received after the
// first skip requests.
func listRequests(e *env, skip int) []listRequest {
	var out []listRequest
	for _, r := range e.srv.Requests()[skip:] {
		if r.Method != http.MethodGet || r.Path != "/v1/organizations/"+e.srv.OrgID+"/api-keys" {
			continue
		}
		if r.Query.Has("page") {
			e.t.Errorf("a list request with v1's page parameter: %v", r.Query)
		}
		s, _ := strconv.Atoi(r.Query.Get("page_size"))
		out = append(out, listRequest{cursor: r.Query.Get("cursor"), size: s})
	}
	return out
}

// TestListPages: every key exactly once, in creation order, one request a
// page and none past the last: the first page without a cursor, each next
// one with a new cursor (the validator checks that it is the next_cursor of
// the page before, and that the last page's is null).
func TestListPages(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 100, 250} {
		t.Run(fmt.Sprintf("%d keys", n), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var want []string
			for i := range n {
				want = append(want, e.create(apikeys.CreateParams{Name: fmt.Sprintf("k%03d", i)}).Key.ID)
			}
			for _, size := range []int{0, 7, 100} {
				t.Run(fmt.Sprintf("page size %d", size), func(t *testing.T) {
					before := e.requests()
					got := e.listAll(apikeys.ListParams{PageSize: size})
					if diff := cmp.Diff(want, ids(got), equateEmpty); diff != "" {
						t.Errorf("listed IDs (-created +listed):\n%s", diff)
					}
					effective := size
					if effective == 0 {
						effective = 100 // the reference API's maximum, the client's default
					}
					reqs := listRequests(e, before)
					if pages := max(1, (n+effective-1)/effective); len(reqs) != pages {
						t.Errorf("%d list requests, want %d", len(reqs), pages)
					}
					cursors := map[string]bool{}
					for i, r := range reqs {
						if r.size != effective {
							t.Errorf("request %d: page_size %d, want %d", i, r.size, effective)
						}
						switch {
						case i == 0 && r.cursor != "":
							t.Errorf("the first page was asked with cursor %q", r.cursor)
						case i > 0 && (r.cursor == "" || cursors[r.cursor]):
							t.Errorf("request %d: cursor %q, want a new one", i, r.cursor)
						}
						cursors[r.cursor] = true
					}
				})
			}
		})
	}
}

// TestListFilters: archived keys are hidden unless asked for, and a status
// filter selects exactly that status.
func TestListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	byStatus := map[apikeys.Status][]string{}
	var all, unarchived []string
	for i := range 3 {
		for _, s := range allStatuses {
			k := e.keyIn(s, fmt.Sprintf("%s %d", s, i))
			byStatus[s] = append(byStatus[s], k.ID)
			all = append(all, k.ID)
			if s != apikeys.StatusArchived {
				unarchived = append(unarchived, k.ID)
			}
		}
	}
	tests := []struct {
		name   string
		params apikeys.ListParams
		want   []string
	}{
		{"default hides archived", apikeys.ListParams{}, unarchived},
		{"include archived", apikeys.ListParams{IncludeArchived: true}, all},
		{"include archived, small pages", apikeys.ListParams{IncludeArchived: true, PageSize: 4}, all},
		{"status archived shows them", apikeys.ListParams{Status: apikeys.StatusArchived}, byStatus[apikeys.StatusArchived]},
		{"status archived and include", apikeys.ListParams{Status: apikeys.StatusArchived, IncludeArchived: true}, byStatus[apikeys.StatusArchived]},
	}
	for _, s := range allStatuses {
		tests = append(tests, struct {
			name   string
			params apikeys.ListParams
			want   []string
		}{"status " + string(s) + " page size 2", apikeys.ListParams{Status: s, PageSize: 2}, byStatus[s]})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.listAll(tt.params)
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("List(%+v) (-want +got):\n%s", tt.params, diff)
			}
			for _, k := range got {
				if tt.params.Status != "" && k.Status != tt.params.Status {
					t.Errorf("key %s is %s in a list of %s keys", k.ID, k.Status, tt.params.Status)
				}
			}
		})
	}
	// A listed key is the same as a fetched one.
	listed := e.listAll(apikeys.ListParams{IncludeArchived: true})
	for _, k := range listed {
		if diff := keyDiff(e.mustGet(k.ID), k); diff != "" {
			t.Errorf("key %s (-get +list):\n%s", k.ID, diff)
		}
	}
}

func TestListStopsEarlyAndOnErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 10 {
		e.create(apikeys.CreateParams{Name: fmt.Sprintf("k%d", i)})
	}
	// Breaking out of the loop stops the paging.
	before := e.requests()
	n := 0
	for _, err := range e.c.List(e.ctx, apikeys.ListParams{PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 4 {
			break
		}
	}
	if got := e.requests() - before; got != 2 {
		t.Errorf("breaking after 4 keys of pages of 3 sent %d requests, want 2", got)
	}
	// Invalid params are refused locally, once, with a nil key.
	before = e.requests()
	for _, p := range []apikeys.ListParams{{PageSize: -1}, {PageSize: 101}, {Status: "deleted"}} {
		calls := 0
		for k, err := range e.c.List(e.ctx, p) {
			calls++
			if k != nil || !errors.Is(err, apikeys.ErrInvalidParams) {
				t.Errorf("List(%+v) yielded %v, %v; want nil, ErrInvalidParams", p, k, err)
			}
		}
		if calls != 1 {
			t.Errorf("List(%+v) yielded %d times, want 1", p, calls)
		}
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("invalid list params sent %d requests", n)
	}
	// A server error on the second page ends the iteration with that error,
	// after the first page's keys. Pages are fetched as the loop reaches
	// them, so the failure can be scheduled once the first page is in.
	var got []string
	var last error
	errs := 0
	for k, err := range e.c.List(e.ctx, apikeys.ListParams{PageSize: 5}) {
		if err != nil {
			last, errs = err, errs+1
			if k != nil {
				t.Errorf("an error with key %v", k)
			}
			continue
		}
		if got = append(got, k.ID); len(got) == 1 {
			e.srv.FailNext(3, http.StatusInternalServerError, 0)
		}
	}
	if len(got) != 5 || errs != 1 {
		t.Errorf("listed %d keys and %d errors, want the first page's 5 and 1", len(got), errs)
	}
	apiErr := wantAPIError(t, last, apikeys.ErrServer, http.StatusInternalServerError, "INTERNAL_ERROR")
	if apiErr.Attempts != 3 {
		t.Errorf("Attempts %d, want 3", apiErr.Attempts)
	}
}

// listPage is a list answer as the wire has it.
type listPage struct {
	APIKeys *[]struct {
		ID string `json:"id"`
	} `json:"api_keys"`
	NextCursor *string `json:"next_cursor"`
}

func (p listPage) ids() []string {
	var out []string
	if p.APIKeys != nil {
		for _, k := range *p.APIKeys {
			out = append(out, k.ID)
		}
	}
	return out
}

// rawList asks for one page by hand and decodes it, or fails the test.
func rawList(e *env, query string) listPage {
	e.t.Helper()
	code, _, body := e.raw(http.MethodGet, "/organizations/"+e.srv.OrgID+"/api-keys"+query, nil, nil)
	var page listPage
	if err := json.Unmarshal(body, &page); err != nil || code != http.StatusOK || page.APIKeys == nil {
		e.t.Fatalf("GET %s: %d %s (%v); want 200 with api_keys", query, code, body, err)
	}
	return page
}

// TestListServerDefaults: the spec's default (page_size 20) is the server's,
// the first page is asked for without a cursor and each next one with the
// next_cursor of the page before (also with another page_size), next_cursor
// is null on the last page, and an empty list is [] with a null cursor. The
// client always sends page_size, so this is asked by hand.
func TestListServerDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var want []string
	for i := range 25 {
		want = append(want, e.create(apikeys.CreateParams{Name: fmt.Sprintf("d%d", i)}).Key.ID)
	}
	check := func(query string, page listPage, want []string, more bool) {
		t.Helper()
		if diff := cmp.Diff(want, page.ids(), equateEmpty); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", query, diff)
		}
		if (page.NextCursor != nil) != more || page.NextCursor != nil && *page.NextCursor == "" {
			t.Errorf("GET %s: next_cursor %v, want one: %v", query, page.NextCursor, more)
		}
	}
	first := rawList(e, "")
	check("", first, want[:20], true)
	q := "?cursor=" + url.QueryEscape(*first.NextCursor)
	check(q, rawList(e, q), want[20:], false)
	q = "?page_size=3&cursor=" + url.QueryEscape(*first.NextCursor)
	check(q, rawList(e, q), want[20:23], true)
	check("?page_size=100&include_archived=false", rawList(e, "?page_size=100&include_archived=false"), want, false)
	check("?page_size=25", rawList(e, "?page_size=25"), want, false) // a full last page ends the walk too
	check("?status=paused", rawList(e, "?status=paused"), nil, false)

	// A malformed query is refused with a 422 naming the parameter, not
	// defaulted; v1's page parameter too, so that a v1 client cannot loop on
	// the first page.
	path := "/organizations/" + e.srv.OrgID + "/api-keys"
	for _, tt := range []struct{ query, field string }{
		{"?page=1", "page"},
		{"?page=2&page_size=20", "page"},
		{"?page_size=0", "page_size"},
		{"?page_size=101", "page_size"},
		{"?status=gone", "status"},
		{"?include_archived=yes", "include_archived"},
		{"?cursor=", "cursor"},
	} {
		code, _, body := e.rawInvalid(http.MethodGet, path+tt.query, nil, nil)
		wantValidation(t, "GET "+tt.query, code, body, tt.field)
	}
	// A cursor the server did not issue is refused too: made up, altered or
	// another server's. The spec says so in prose; its schema accepts them.
	other := newEnv(t)
	for range 2 {
		other.create(apikeys.CreateParams{Name: "elsewhere"})
	}
	foreign := rawList(other, "?page_size=1").NextCursor
	if foreign == nil {
		t.Fatal("no next_cursor from the other server")
	}
	altered := []byte(*first.NextCursor)
	altered[len(altered)-1] ^= 1
	for _, c := range []string{"bm90IGEgY3Vyc29y", string(altered), *foreign} {
		code, _, body := e.raw(http.MethodGet, path+"?cursor="+url.QueryEscape(c), nil, nil)
		wantValidation(t, "GET ?cursor="+c, code, body, "cursor")
	}
}

// wantValidation checks a raw answer for 422 VALIDATION_ERROR on field.
func wantValidation(t *testing.T, what string, code int, body []byte, field string) {
	t.Helper()
	var env struct {
		Error struct {
			Code    string         `json:"code"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || code != http.StatusUnprocessableEntity ||
		env.Error.Code != "VALIDATION_ERROR" || env.Error.Details["field"] != field {
		t.Errorf("%s: %d %s, want 422 VALIDATION_ERROR on %s", what, code, body, field)
	}
}

// TestListCursorStable: the cursor is stable (api/openapi.yaml, listApiKeys):
// keys created, archived, revoked or deleted while a walk is under way never
// make it skip or repeat another key, so acting on keys inside the loop is
// safe on the reference API, unlike with v1's page numbers.
func TestListCursorStable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var untouched []string // keys nothing happens to: each is listed exactly once
	var victims []string   // keys archived before the walk reaches them
	for i := range 30 {
		k := e.create(apikeys.CreateParams{Name: fmt.Sprintf("s%02d", i)}).Key
		if i%5 == 4 {
			victims = append(victims, k.ID)
		} else {
			untouched = append(untouched, k.ID)
		}
	}
	gone := map[string]bool{}
	seen := map[string]int{}
	var listed []string
	for k, err := range e.c.List(e.ctx, apikeys.ListParams{PageSize: 4}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[k.ID]++
		listed = append(listed, k.ID)
		if gone[k.ID] {
			t.Errorf("key %s listed after it was archived", k.ID)
		}
		switch len(listed) {
		case 3: // archive a key the walk has not reached: it is not listed
			if _, err := e.c.Archive(e.ctx, victims[len(victims)-1]); err != nil {
				t.Fatal(err)
			}
			gone[victims[len(victims)-1]] = true
		case 6: // revoke one already listed, and delete it: nothing shifts
			if _, err := e.c.Revoke(e.ctx, untouched[0]); err != nil {
				t.Fatal(err)
			}
			if err := e.c.Delete(e.ctx, untouched[0]); err != nil {
				t.Fatal(err)
			}
		case 9: // archive every key listed so far, as an incident script would
			for _, id := range listed[1:] {
				if _, err := e.c.Archive(e.ctx, id); err != nil {
					t.Fatalf("archiving %s: %v", id, err)
				}
			}
		case 12: // a key created during the walk is listed at the end
			untouched = append(untouched, e.create(apikeys.CreateParams{Name: "late"}).Key.ID)
		}
	}
	for _, id := range untouched {
		if seen[id] != 1 {
			t.Errorf("key %s listed %d times, want once", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("key %s listed %d times", id, n)
		}
	}
	if want := len(untouched) + len(victims) - 1; len(listed) != want {
		t.Errorf("listed %d keys, want %d (every key but the one archived ahead of the walk)", len(listed), want)
	}
}
