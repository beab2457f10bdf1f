package apikeys_test

// Where secrets and the credential must never show up: logs, errors, fmt,
// JSON, slog, and requests to another origin.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/internal/transport"
)

// secretEqual compares secrets without printing them, as cmp.Diff would.
var secretEqual = cmp.Comparer(func(a, b apikeys.Secret) bool { return a.Reveal() == b.Reveal() })

// relNoLeak fails if out holds the credential or the secret, or any long
// enough piece of either.
func relNoLeak(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range []string{relCredential, relSecret, "TOPSECRET", "SECRETVALUE"} {
		if strings.Contains(out, s) {
			t.Errorf("%s shows %q: %s", what, s, out)
		}
	}
}

func relCreate(t *testing.T) *apikeys.CreatedKey {
	t.Helper()
	srv := newRelServer(t, relSequence(200))
	ck, err := relClient(t, srv.URL).Create(t.Context(), apikeys.CreateParams{Name: "ci"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if ck.Secret.Reveal() != relSecret {
		t.Fatal("Reveal() does not return the secret the server sent")
	}
	return ck
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	ck := relCreate(t)
	s := ck.Secret
	const redacted = relPrefix + "[REDACTED]"

	// Each fmt verb, on the Secret, a CreatedKey and a *CreatedKey.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-40v", "%T"} {
		for name, v := range map[string]any{"Secret": s, "CreatedKey": *ck, "*CreatedKey": ck,
			"[]Secret": []apikeys.Secret{s}, "map": map[string]apikeys.Secret{"k": s}} {
			relNoLeak(t, fmt.Sprintf("Sprintf(%q, %s)", verb, name), fmt.Sprintf(verb, v))
		}
	}
	for verb, want := range map[string]string{
		"%v": redacted, "%+v": redacted, "%s": redacted, "%q": `"` + redacted + `"`,
		"%#v": "apikeys.Secret(" + redacted + ")",
	} {
		if got := fmt.Sprintf(verb, s); got != want {
			t.Errorf("Sprintf(%q, secret) = %q, want %q", verb, got, want)
		}
	}
	if got := s.String(); got != redacted {
		t.Errorf("String() = %q, want %q", got, redacted)
	}
	relNoLeak(t, "Sprint", fmt.Sprint(s, ck, *ck))
	relNoLeak(t, "Sprintln", fmt.Sprintln(s, ck, *ck))
	relNoLeak(t, "an error wrapping it", fmt.Errorf("storing %v: %w", s, errors.New("disk full")).Error())

	// Encoders.
	if b, err := json.Marshal(s); err != nil || string(b) != `"`+redacted+`"` {
		t.Errorf("json.Marshal(secret) = %s, %v; want %q", b, err, `"`+redacted+`"`)
	}
	for name, v := range map[string]any{"CreatedKey": *ck, "*CreatedKey": ck,
		"holder": struct {
			Label string
			S     apikeys.Secret
		}{"x", s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", name, err)
		}
		relNoLeak(t, "json.Marshal("+name+")", string(b))
		if !bytes.Contains(b, []byte(redacted)) {
			t.Errorf("json.Marshal(%s) = %s, want the redacted form in it", name, b)
		}
	}
	type xmlHolder struct{ S apikeys.Secret }
	if b, err := xml.Marshal(xmlHolder{s}); err != nil || !bytes.Contains(b, []byte(redacted)) {
		t.Errorf("xml.Marshal = %s, %v; want the redacted form", b, err)
	} else {
		relNoLeak(t, "xml.Marshal", string(b))
	}

	// slog, through both handlers.
	type holder struct {
		Label  string
		Secret apikeys.Secret
	}
	for name, newHandler := range map[string]func(io.Writer) slog.Handler{
		"JSON": func(w io.Writer) slog.Handler {
			return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
		"text": func(w io.Writer) slog.Handler {
			return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
		},
	} {
		var buf bytes.Buffer
		l := slog.New(newHandler(&buf))
		l.Info("secret", slog.Any("secret", s))
		l.Info("value", "secret", s)
		l.Info("created", slog.Any("created", *ck), slog.Any("ptr", ck))
		l.Info("holder", slog.Any("holder", holder{"x", s}), slog.Any("holderptr", &holder{"y", s}),
			slog.Any("hidden", struct{ s apikeys.Secret }{s}))
		l.Info("group", slog.Group("g", slog.Any("secret", s)))
		l.With("secret", s).Debug("with")
		l.Info("slice", slog.Any("secrets", []apikeys.Secret{s}))
		relNoLeak(t, name+" slog output", buf.String())
		if got := strings.Count(buf.String(), redacted); got < 9 {
			t.Errorf("%s slog output shows the redacted form %d times, want at least 9:\n%s", name, got, buf.String())
		}
	}
}

// fmt cannot call Format on a Secret in an unexported field, and for a verb
// a pointer does not take (%s, %q) it prints what the pointer points to:
// neither may reach the value.
func TestSecretInUnexportedField(t *testing.T) {
	t.Parallel()
	s := relCreate(t).Secret
	type hidden struct {
		label string
		s     apikeys.Secret
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		relNoLeak(t, "Sprintf("+verb+", unexported field)", fmt.Sprintf(verb, hidden{"x", s}))
		relNoLeak(t, "Sprintf("+verb+", *unexported field)", fmt.Sprintf(verb, &hidden{"x", s}))
		relNoLeak(t, "Sprintf("+verb+", []unexported field)", fmt.Sprintf(verb, []hidden{{"x", s}}))
	}
}

func TestSecretComparer(t *testing.T) {
	t.Parallel()
	a, b := relCreate(t), relCreate(t)
	if diff := cmp.Diff(a, b, secretEqual, ignoreUnexported); diff != "" {
		t.Errorf("two creates of the same key differ (-a +b):\n%s", diff)
	}
	var zero apikeys.Secret
	if cmp.Equal(a.Secret, zero, secretEqual) || !zero.IsZero() || a.Secret.IsZero() {
		t.Error("a secret compares equal to the zero Secret")
	}
}

// A server that echoes the credential back in an error does not make the
// error show it.
func TestAPIErrorEchoingCredential(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		cred := r.Header.Get("X-Api-Key")
		relJSON(w, http.StatusUnauthorized, map[string]any{"success": false, "error": map[string]any{
			"code": "INVALID_API_KEY", "message": "the key " + cred + " is not valid",
			"system_message": "lookup(" + cred + "): no rows", "status": 401,
		}, "echo": map[string]string{"x-api-key": cred}})
	})
	err := relGet(t.Context(), relClient(t, srv.URL))
	e := relAPIError(t, err)
	if e.Code != "INVALID_API_KEY" || !errors.Is(err, apikeys.ErrUnauthorized) {
		t.Fatalf("err = %v, want INVALID_API_KEY matching ErrUnauthorized", err)
	}
	relNoLeak(t, "Error()", err.Error())
	relNoLeak(t, "Message", e.Message)
	relNoLeak(t, "SystemMessage", e.SystemMessage)
	relNoLeak(t, "Body", string(e.Body))
	for _, verb := range []string{"%v", "%+v", "%s", "%q"} {
		relNoLeak(t, verb, fmt.Sprintf(verb, err))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("call failed", "err", err)
	slog.New(slog.NewTextHandler(&buf, nil)).Error("call failed", "err", err)
	relNoLeak(t, "slog", buf.String())
	if !strings.Contains(e.Message, "[REDACTED]") || !strings.Contains(string(e.Body), "[REDACTED]") {
		t.Errorf("Message %q and Body %q should keep the text with the credential replaced", e.Message, e.Body)
	}
}

// No failure's error text holds the credential.
func TestTransportErrorsHideCredential(t *testing.T) {
	t.Parallel()
	other := newRelServer(t, relSequence(200))
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
		default:
			relCut(w)
		}
	})
	cl := relClient(t, srv.URL)
	for i := range 2 {
		err := relGet(t.Context(), cl)
		if err == nil {
			t.Fatalf("call %d succeeded, want an error", i)
		}
		relNoLeak(t, "Error()", err.Error())
		relNoLeak(t, "%+v", fmt.Sprintf("%+v", err))
	}
}

// A 201 whose body is cut must not put the secret into the error.
func TestCreateTruncatedBodyHidesSecret(t *testing.T) {
	k := relKey("key_new", "active")
	k["key"] = relSecret
	full, _ := json.Marshal(k)
	cut := full[:bytes.Index(full, []byte(relSecret))+len(relSecret)-3] // ends inside the secret
	t.Run("well-framed truncated JSON", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(cut)
		})
		ck, err := relClient(t, srv.URL).Create(t.Context(), apikeys.CreateParams{Name: "ci"})
		if err == nil || ck != nil {
			t.Fatalf("Create = %v, %v; want an error", ck, err)
		}
		relNoLeak(t, "Error()", err.Error())
		relNoLeak(t, "%+v", fmt.Sprintf("%+v", err))
		if !strings.Contains(err.Error(), "req-1") {
			t.Errorf("Error() = %q, want the request ID to find the key", err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1 (a 2xx is not retried)", n)
		}
	})
	t.Run("connection cut inside the secret", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			_, _ = fmt.Fprintf(conn, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				len(full), cut)
			_ = conn.Close()
		})
		_, err := relClient(t, srv.URL).Create(t.Context(), apikeys.CreateParams{Name: "ci"})
		if err == nil {
			t.Fatal("Create succeeded, want an error")
		}
		relNoLeak(t, "Error()", err.Error())
		hits := srv.Hits()
		if len(hits) != 3 {
			t.Fatalf("server saw %d requests, want 3", len(hits))
		}
		relSameAttempts(t, hits, true)
	})
}

// The secret's redacted form shows the key's public prefix, so Create keeps
// the server's key_prefix only when it really is a short prefix of the
// secret: at most half of it. A server that echoes the whole secret (or most
// of it) as key_prefix must not make fmt, JSON or slog print it, and a
// key_prefix that is not the secret's beginning is not shown either.
func TestSecretPrefixGuard(t *testing.T) {
	for _, c := range []struct {
		name, prefix, want string
	}{
		{"whole secret", relSecret, "[REDACTED]"},
		{"more than half of the secret", relSecret[:len(relSecret)/2+1], "[REDACTED]"},
		{"not a prefix of the secret", "sk_live_zzzz", "[REDACTED]"},
		{"a proper prefix is shown", relPrefix, relPrefix + "[REDACTED]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				k := relKey("key_new", "active")
				k["key"], k["key_prefix"] = relSecret, c.prefix
				relJSON(w, http.StatusCreated, k)
			})
			ck, err := relClient(t, srv.URL).Create(t.Context(), apikeys.CreateParams{Name: "ci"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if ck.Secret.Reveal() != relSecret {
				t.Fatal("Reveal() does not return the secret the server sent")
			}
			if got := fmt.Sprint(ck.Secret); got != c.want {
				t.Errorf("fmt.Sprint(secret) = %q, want %q", got, c.want)
			}
			// The secret's tail, which no proper prefix can hold.
			tail := relSecret[len(relSecret)/2:]
			check := func(what, out string) {
				t.Helper()
				relNoLeak(t, what, out)
				if strings.Contains(out, tail) {
					t.Errorf("%s shows the secret's tail: %s", what, out)
				}
			}
			for _, verb := range []string{"%v", "%+v", "%s", "%q", "%#v", "%x"} {
				check(fmt.Sprintf("Sprintf(%q, Secret)", verb), fmt.Sprintf(verb, ck.Secret))
			}
			// %s, %q and JSON of the whole CreatedKey print the *Key's
			// fields, Prefix among them: a refused prefix is dropped there too.
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				check(fmt.Sprintf("Sprintf(%q, CreatedKey)", verb), fmt.Sprintf(verb, *ck))
				check(fmt.Sprintf("Sprintf(%q, *CreatedKey)", verb), fmt.Sprintf(verb, ck))
			}
			if b, err := json.Marshal(ck.Secret); err != nil || string(b) != strconv.Quote(c.want) {
				t.Errorf("json.Marshal(secret) = %s, %v; want %q", b, err, c.want)
			}
			b, err := json.Marshal(ck)
			if err != nil {
				t.Fatal(err)
			}
			check("json.Marshal(CreatedKey)", string(b))
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil || string(m["secret"]) != strconv.Quote(c.want) {
				t.Errorf("json.Marshal(CreatedKey)[\"secret\"] = %s (%v), want %q", m["secret"], err, c.want)
			}
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("created", "secret", ck.Secret)
			if !strings.Contains(buf.String(), `"secret":`+strconv.Quote(c.want)) {
				t.Errorf("slog output %s, want \"secret\":%q", buf.String(), c.want)
			}
		})
	}
}

// relLogLines parses a JSON handler's output, one object a line.
func relLogLines(t *testing.T, raw *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw.Bytes()))
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("log is not JSON lines: %v\n%s", err, raw)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestLogger(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("X-Debug-Token", "hdr-marker-77")
		w.Header().Set("Set-Cookie", "session=cookie-marker-88")
		if n < 3 {
			relFail(w, http.StatusServiceUnavailable)
			return
		}
		relOK(w, r)
	})
	var raw bytes.Buffer
	cl := relClient(t, srv.URL,
		apikeys.WithLogger(slog.New(slog.NewJSONHandler(&raw, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ck, err := cl.Create(t.Context(), apikeys.CreateParams{Name: "body-marker-99"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if ck.Secret.Reveal() != relSecret {
		t.Fatal("wrong secret")
	}
	lines := relLogLines(t, &raw)
	var msgs []string
	for _, l := range lines {
		msgs = append(msgs, fmt.Sprint(l["msg"]))
	}
	want := []string{"apikeys: attempt", "apikeys: retrying", "apikeys: attempt", "apikeys: retrying", "apikeys: attempt"}
	if !reflect.DeepEqual(msgs, want) {
		t.Fatalf("log messages = %q, want %q\n%s", msgs, want, raw.String())
	}
	for i, attempt := range []int{1, 2, 3} {
		l := lines[2*i]
		wantStatus := []float64{503, 503, 201}[i]
		if l["level"] != "DEBUG" || l["method"] != "POST" || l["path"] != "/organizations/org_1/api-keys" ||
			l["status"] != wantStatus || l["attempt"] != float64(attempt) ||
			l["request_id"] != fmt.Sprintf("req-%d", attempt) {
			t.Errorf("attempt line %d = %v", attempt, l)
		}
		if d, ok := l["duration"].(float64); !ok || d <= 0 {
			t.Errorf("attempt line %d: duration = %v, want a positive number", attempt, l["duration"])
		}
	}
	for i := range 2 {
		l := lines[2*i+1]
		if l["attempt"] != float64(i+1) || l["method"] != "POST" || l["wait"] == nil ||
			!strings.Contains(fmt.Sprint(l["reason"]), "Service Unavailable") {
			t.Errorf("retry line %d = %v", i+1, l)
		}
	}
	log := raw.String()
	relNoLeak(t, "the log", log)
	idem := srv.Hits()[0].Header.Get("Idempotency-Key")
	for _, s := range []string{idem, "hdr-marker-77", "cookie-marker-88", "body-marker-99", "reltest-ua-marker", "apikeys-go/"} {
		if strings.Contains(log, s) {
			t.Errorf("the log shows %q:\n%s", s, log)
		}
	}

	t.Run("giving up", func(t *testing.T) {
		srv := newRelServer(t, relSequence(503))
		var raw bytes.Buffer
		cl := relClient(t, srv.URL,
			apikeys.WithLogger(slog.New(slog.NewJSONHandler(&raw, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		_ = relGet(t.Context(), cl)
		lines := relLogLines(t, &raw)
		last := lines[len(lines)-1]
		if len(lines) != 6 || last["msg"] != "apikeys: not retrying" || last["why"] != "retries exhausted" ||
			last["attempt"] != float64(3) {
			t.Errorf("log = %s, want 3 attempts, 2 retries, then \"not retrying\" because retries are exhausted", raw.String())
		}
	})

	t.Run("silent above debug", func(t *testing.T) {
		srv := newRelServer(t, relSequence(503, 200))
		var raw bytes.Buffer
		cl := relClient(t, srv.URL, apikeys.WithLogger(slog.New(slog.NewJSONHandler(&raw, nil))))
		if err := relGet(t.Context(), cl); err != nil {
			t.Fatal(err)
		}
		if raw.Len() != 0 {
			t.Errorf("an Info-level logger got:\n%s", raw.String())
		}
	})

	// A network error's text names the URL; the log must not repeat its
	// query, which may hold a filter.
	t.Run("network errors without the query", func(t *testing.T) {
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) { relCut(w) })
		var raw bytes.Buffer
		cl := relClient(t, srv.URL,
			apikeys.WithLogger(slog.New(slog.NewJSONHandler(&raw, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		for _, err := range cl.List(t.Context(), apikeys.ListParams{Status: apikeys.StatusPaused, PageSize: 7}) {
			if err == nil {
				t.Fatal("List succeeded against a server that cuts every connection")
			}
		}
		lines := relLogLines(t, &raw)
		if len(lines) != 6 || lines[0]["error"] == nil {
			t.Fatalf("log = %s, want 6 lines, attempts with an error", raw.String())
		}
		log := raw.String()
		for _, s := range []string{"status=paused", "page_size=7", "?page"} {
			if strings.Contains(log, s) {
				t.Errorf("the log shows the query (%q):\n%s", s, log)
			}
		}
		relNoLeak(t, "the log", log)
	})
}

// Redirects: followed within the origin, refused (before any request) to
// another scheme, host or port.
func TestRedirects(t *testing.T) {
	t.Run("same origin is followed with the credential", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Location", "/v1/organizations/org_1/api-keys/key_moved")
				w.WriteHeader(http.StatusTemporaryRedirect)
				return
			}
			relOK(w, r)
		})
		k, err := relClient(t, srv.URL).Update(t.Context(), "key_1", apikeys.UpdateParams{Name: apikeys.Ptr("n")})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if k.ID != "key_moved" {
			t.Errorf("key %q, want the redirect target's key_moved", k.ID)
		}
		hits := srv.Hits()
		if len(hits) != 2 {
			t.Fatalf("server saw %d requests, want 2", len(hits))
		}
		second := hits[1]
		if second.Header.Get("X-Api-Key") != relCredential || second.Method != http.MethodPatch ||
			!bytes.Equal(second.Body, hits[0].Body) ||
			second.Header.Get("Idempotency-Key") != hits[0].Header.Get("Idempotency-Key") {
			t.Errorf("the redirected request lost its method, credential, body or Idempotency-Key: %+v", second)
		}
	})

	for _, c := range []struct {
		name   string
		target func(self, other *relServer) string
	}{
		{"another port", func(_, other *relServer) string { return other.URL + "/v1/x" }},
		{"another host", func(self, _ *relServer) string {
			return strings.Replace(self.URL, "127.0.0.1", "localhost", 1) + "/v1/x"
		}},
		{"another scheme", func(self, _ *relServer) string {
			return strings.Replace(self.URL, "http://", "https://", 1) + "/v1/x"
		}},
		{"another host, after a same-origin hop", func(self, other *relServer) string { return "/hop" }},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			t.Parallel()
			other := newRelServer(t, relSequence(200))
			var self *relServer
			self = newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if r.URL.Path == "/hop" {
					http.Redirect(w, r, other.URL+"/v1/x", http.StatusFound)
					return
				}
				http.Redirect(w, r, c.target(self, other), http.StatusTemporaryRedirect)
			})
			if !strings.HasPrefix(self.URL, "http://127.0.0.1:") {
				t.Fatalf("server URL %s, want one on 127.0.0.1", self.URL)
			}
			err := relGet(t.Context(), relClient(t, self.URL))
			if !errors.Is(err, transport.ErrRedirect) {
				t.Errorf("err = %v, want ErrRedirect", err)
			}
			relNoLeak(t, "Error()", err.Error())
			if n := other.count() + int(other.newConns.Load()); n != 0 {
				t.Errorf("the other origin saw %d requests or connections, want none", n)
			}
			wantSelf := 1
			if c.name == "another host, after a same-origin hop" {
				wantSelf = 2
			}
			if n := self.count(); n != wantSelf {
				t.Errorf("the server saw %d requests, want %d (a refused redirect is not retried)", n, wantSelf)
			}
			if n := self.newConns.Load(); n != 1 {
				t.Errorf("the server saw %d connections, want 1", n)
			}
		})
	}

	t.Run("a redirect loop is not retried", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
		})
		err := relGet(t.Context(), relClient(t, srv.URL))
		if err == nil {
			t.Fatal("a redirect loop succeeded")
		}
		if n := srv.count(); n != 10 {
			t.Errorf("server saw %d requests, want 10 (one attempt that stops after 10 redirects)", n)
		}
	})

	t.Run("the caller's http.Client keeps its CheckRedirect", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int64
		var refuse atomic.Bool
		check := func(req *http.Request, via []*http.Request) error {
			calls.Add(1)
			if refuse.Load() {
				return errors.New("caller refuses redirects")
			}
			return nil
		}
		hc := &http.Client{CheckRedirect: check}
		other := newRelServer(t, relSequence(200))
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			switch r.URL.Path {
			case "/v1/organizations/org_1/api-keys/same":
				http.Redirect(w, r, "/v1/organizations/org_1/api-keys/key_1", http.StatusTemporaryRedirect)
			case "/v1/organizations/org_1/api-keys/away":
				http.Redirect(w, r, other.URL+"/v1/x", http.StatusTemporaryRedirect)
			default:
				relOK(w, r)
			}
		})
		cl := relClient(t, srv.URL, apikeys.WithHTTPClient(hc))
		if reflect.ValueOf(hc.CheckRedirect).Pointer() != reflect.ValueOf(check).Pointer() {
			t.Error("New replaced the caller's CheckRedirect")
		}
		if cl.HTTPClient() != hc {
			t.Error("HTTPClient() should be the caller's own client")
		}
		ctx := t.Context()
		if _, err := cl.Get(ctx, "same"); err != nil || calls.Load() != 1 {
			t.Errorf("same-origin redirect: err %v, caller's CheckRedirect called %d times, want nil and 1", err, calls.Load())
		}
		if _, err := cl.Get(ctx, "away"); !errors.Is(err, transport.ErrRedirect) || calls.Load() != 1 {
			t.Errorf("cross-origin redirect: err %v, caller's CheckRedirect called %d times, want ErrRedirect and still 1",
				err, calls.Load())
		}
		if n := other.count(); n != 0 {
			t.Errorf("the other origin saw %d requests, want 0", n)
		}
		refuse.Store(true)
		before := srv.count()
		if _, err := cl.Get(ctx, "same"); err == nil || !strings.Contains(err.Error(), "caller refuses redirects") {
			t.Errorf("err = %v, want the caller's CheckRedirect error", err)
		}
		if n := srv.count() - before; n != 1 {
			t.Errorf("a redirect the caller refused cost %d requests, want 1 (not retried)", n)
		}
	})
}

// A 302 or 303 to a POST or DELETE would make net/http send a GET whose 200
// passes for the mutation's success; 307 and 308 keep the method and are
// followed.
func TestRedirectChangingTheMethod(t *testing.T) {
	for _, tc := range []struct {
		status   int
		followed bool
	}{
		{http.StatusMovedPermanently, false}, {http.StatusFound, false}, {http.StatusSeeOther, false},
		{http.StatusTemporaryRedirect, true}, {http.StatusPermanentRedirect, true},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					http.Redirect(w, r, r.URL.Path+"/", tc.status)
					return
				}
				relOK(w, r)
			})
			cl := relClient(t, srv.URL)
			_, err := cl.Pause(t.Context(), "key_1")
			hits := srv.Hits()
			if tc.followed {
				if err != nil || len(hits) != 2 || hits[1].Method != http.MethodPost {
					t.Errorf("err %v, %d requests (second %v); want success after a second POST", err, len(hits), hits)
				}
				return
			}
			if !errors.Is(err, apikeys.ErrRedirect) || len(hits) != 1 {
				t.Errorf("err %v after %d requests; want ErrRedirect after 1", err, len(hits))
			}
		})
	}
}
