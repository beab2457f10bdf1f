package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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

// listRequests returns the page numbers and sizes of the list requests the
// server received after the first skip requests.
func listRequests(e *env, skip int) (pages []int, sizes []int) {
	for _, r := range e.srv.Requests()[skip:] {
		if r.Method != http.MethodGet || r.Path != "/v1/organizations/"+e.srv.OrgID+"/api-keys" {
			continue
		}
		p, _ := strconv.Atoi(r.Query.Get("page"))
		s, _ := strconv.Atoi(r.Query.Get("page_size"))
		pages, sizes = append(pages, p), append(sizes, s)
	}
	return pages, sizes
}

// TestListPages: every key exactly once, in creation order, one request a
// page and none past the last.
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
						effective = 100 // the client's default
					}
					pages := max(1, (n+effective-1)/effective)
					var wantPages, wantSizes []int
					for p := 1; p <= pages; p++ {
						wantPages, wantSizes = append(wantPages, p), append(wantSizes, effective)
					}
					gotPages, gotSizes := listRequests(e, before)
					if diff := cmp.Diff(wantPages, gotPages); diff != "" {
						t.Errorf("pages requested (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff(wantSizes, gotSizes); diff != "" {
						t.Errorf("page sizes requested (-want +got):\n%s", diff)
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

// TestListServerDefaults: the spec's defaults (page 1, page_size 20) are the
// server's, and a page past the end is empty. The client always sends both, so
// this is asked by hand.
func TestListServerDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var want []string
	for i := range 25 {
		want = append(want, e.create(apikeys.CreateParams{Name: fmt.Sprintf("d%d", i)}).Key.ID)
	}
	path := "/organizations/" + e.srv.OrgID + "/api-keys"
	type pagination struct {
		Page       int `json:"page"`
		PageSize   int `json:"page_size"`
		TotalCount int `json:"total_count"`
		TotalPages int `json:"total_pages"`
	}
	tests := []struct {
		query string
		want  []string
		page  pagination
	}{
		{"", want[:20], pagination{1, 20, 25, 2}},
		{"?page=2", want[20:], pagination{2, 20, 25, 2}},
		{"?page=3", nil, pagination{3, 20, 25, 2}},
		{"?page_size=100&include_archived=false", want, pagination{1, 100, 25, 1}},
		{"?status=paused", nil, pagination{1, 20, 0, 0}},
	}
	for _, tt := range tests {
		code, _, body := e.raw(http.MethodGet, path+tt.query, nil, nil)
		var page struct {
			APIKeys []struct {
				ID string `json:"id"`
			} `json:"api_keys"`
			Pagination pagination `json:"pagination"`
		}
		if err := json.Unmarshal(body, &page); err != nil || code != http.StatusOK {
			t.Fatalf("GET %s: %d %v", tt.query, code, err)
		}
		var got []string
		for _, k := range page.APIKeys {
			got = append(got, k.ID)
		}
		if diff := cmp.Diff(tt.want, got, equateEmpty); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.query, diff)
		}
		if page.Pagination != tt.page || page.APIKeys == nil {
			t.Errorf("GET %s: pagination %+v (want %+v), api_keys nil: %v", tt.query, page.Pagination, tt.page, page.APIKeys == nil)
		}
	}
	// A malformed query is refused with a 422, not defaulted.
	for _, q := range []string{"?page=0", "?page_size=101", "?status=gone", "?include_archived=yes", "?page=x"} {
		code, _, body := e.rawInvalid(http.MethodGet, path+q, nil, nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "VALIDATION_ERROR") {
			t.Errorf("GET %s: %d %s, want 422 VALIDATION_ERROR", q, code, body)
		}
	}
}
