package apikeys_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

func TestWithPlatform(t *testing.T) {
	base := []apikeys.Option{apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(testOrg)}
	for _, p := range []apikeys.Platform{"", "nope", "Reference", "orq.ai", "reference\n"} {
		c, err := apikeys.New(append(base, apikeys.WithPlatform(p))...)
		var ve *apikeys.ValidationError
		if c != nil || !errors.As(err, &ve) || ve.Field != "WithPlatform" {
			t.Errorf("WithPlatform(%q): %v, %v; want a *ValidationError for WithPlatform", p, c, err)
		}
	}
	// The default and the explicit choice are the reference API.
	for _, opts := range [][]apikeys.Option{base, append(base, apikeys.WithPlatform(apikeys.Reference))} {
		c, err := apikeys.New(opts...)
		if err != nil || c.Platform() != apikeys.Reference {
			t.Fatalf("New = %v, %v; want a reference client", c, err)
		}
	}
	// An unknown platform is refused wherever WithPlatform stands, and a
	// later valid one replaces it only if the invalid one did not fail first.
	if _, err := apikeys.New(append([]apikeys.Option{apikeys.WithPlatform("nope")}, base...)...); !errors.Is(err, apikeys.ErrInvalidParams) {
		t.Errorf("WithPlatform first: %v, want ErrInvalidParams", err)
	}
}

// baseFor returns the options a client of p needs, apart from the
// organization: a base URL, the credential, and a credential header where
// the platform documents none.
func baseFor(p apikeys.Platform) []apikeys.Option {
	opts := []apikeys.Option{apikeys.WithPlatform(p), apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential)}
	if p.Capabilities().AuthHeader == "" {
		opts = append(opts, apikeys.WithAuthHeader("X-Api-Key", ""))
	}
	return opts
}

// WithOrganization is required, optional or refused as the platform's
// Capabilities say, wherever it stands among the options.
func TestWithOrganizationPerPlatform(t *testing.T) {
	for _, p := range apikeys.Platforms() {
		req := p.Capabilities().Organization
		without, errWithout := apikeys.New(baseFor(p)...)
		with, errWith := apikeys.New(append(baseFor(p), apikeys.WithOrganization(testOrg))...)
		first, errFirst := apikeys.New(append([]apikeys.Option{apikeys.WithOrganization(testOrg)}, baseFor(p)...)...)
		if (errWith == nil) != (errFirst == nil) || (with == nil) != (first == nil) {
			t.Errorf("%s: WithOrganization last %v, first %v: the order matters", p, errWith, errFirst)
		}
		switch req {
		case apikeys.RequirementRequired:
			var ve *apikeys.ValidationError
			if without != nil || !errors.As(errWithout, &ve) || ve.Field != "WithOrganization" {
				t.Errorf("%s: New without an organization = %v, %v; want a *ValidationError for WithOrganization", p, without, errWithout)
			}
			if errWith != nil {
				t.Errorf("%s: New with an organization: %v", p, errWith)
			}
		case apikeys.RequirementOptional:
			if errWithout != nil || errWith != nil {
				t.Errorf("%s: optional organization: without %v, with %v", p, errWithout, errWith)
			}
		case apikeys.RequirementNone:
			if errWithout != nil {
				t.Errorf("%s: New without an organization: %v", p, errWithout)
			}
			if with != nil || errWith == nil || !strings.Contains(errWith.Error(), "WithOrganization") ||
				!(errors.Is(errWith, apikeys.ErrInvalidParams) || errors.Is(errWith, apikeys.ErrUnsupported)) {
				t.Errorf("%s: New with an organization = %v, %v; want it refused, naming WithOrganization", p, with, errWith)
			}
		}
	}
	// The organization ID itself is checked like a key ID.
	for _, org := range []string{"acme/eu", `acme\eu`, "/", `\`} {
		_, err := apikeys.New(apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(org))
		assertValidationError(t, err, apikeys.ValidationError{Field: "orgID", Reason: `must not contain "/" or "\"`})
	}
}

// A base URL is required where the platform has no default; a credential
// header where its docs name none.
func TestNewRequirementsPerPlatform(t *testing.T) {
	for _, p := range apikeys.Platforms() {
		caps := p.Capabilities()
		opts := []apikeys.Option{apikeys.WithPlatform(p), apikeys.WithAPIKey(testCredential)}
		if caps.Organization == apikeys.RequirementRequired {
			opts = append(opts, apikeys.WithOrganization(testOrg))
		}
		if caps.AuthHeader == "" {
			opts = append(opts, apikeys.WithAuthHeader("X-Api-Key", ""))
		}
		_, err := apikeys.New(opts...)
		var ve *apikeys.ValidationError
		if caps.DefaultBaseURL == "" {
			if !errors.As(err, &ve) || ve.Field != "WithBaseURL" {
				t.Errorf("%s without a base URL: %v, want a *ValidationError for WithBaseURL", p, err)
			}
		} else if err != nil {
			t.Errorf("%s without a base URL: %v, want its default %s", p, err, caps.DefaultBaseURL)
		}
		if caps.AuthHeader == "" {
			_, err := apikeys.New(apikeys.WithPlatform(p), apikeys.WithAPIKey(testCredential), apikeys.WithBaseURL(testBaseURL))
			if !errors.As(err, &ve) || ve.Field != "WithAuthHeader" {
				t.Errorf("%s without a credential header: %v, want a *ValidationError for WithAuthHeader", p, err)
			}
		}
	}
}

// WithAuthHeader replaces the platform's credential header; the credential
// goes nowhere else.
func TestWithAuthHeader(t *testing.T) {
	for _, c := range []struct {
		name, scheme, want string
	}{
		{"Authorization", "Bearer", "Bearer " + testCredential},
		{"X-Gateway-Key", "", testCredential},
		{"CONFIDENT_API_KEY", "", testCredential},
	} {
		cl, f := newTestClient(t, apikeys.WithAuthHeader(c.name, c.scheme))
		f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
		if _, err := cl.Get(t.Context(), "k1"); err != nil {
			t.Fatal(err)
		}
		r := f.onlyRequest(t)
		got := map[string][]string{}
		for k, v := range r.Header {
			if strings.Contains(strings.Join(v, " "), testCredential) {
				got[strings.ToLower(k)] = v
			}
		}
		if diff := cmp.Diff(map[string][]string{strings.ToLower(c.name): {c.want}}, got); diff != "" {
			t.Errorf("WithAuthHeader(%q, %q): headers holding the credential (-want +got):\n%s", c.name, c.scheme, diff)
		}
	}
	for _, c := range []struct{ name, scheme string }{
		{"", ""}, {"X Key", ""}, {"X-Key\r\n", ""}, {"X-Key:", ""}, {"Authorization", "Bearer token"},
		{"Authorization", "Bearer\n"}, {"Accept", ""}, {"user-agent", ""}, {"Idempotency-Key", ""},
		{"Content-Type", ""}, {"host", ""},
	} {
		_, err := apikeys.New(apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential),
			apikeys.WithOrganization(testOrg), apikeys.WithAuthHeader(c.name, c.scheme))
		var ve *apikeys.ValidationError
		if !errors.As(err, &ve) || ve.Field != "WithAuthHeader" {
			t.Errorf("WithAuthHeader(%q, %q) = %v, want a *ValidationError for WithAuthHeader", c.name, c.scheme, err)
		}
	}
}

// envNames are the variables FromEnv reads.
var envNames = []string{"APIKEYS_PLATFORM", "APIKEYS_BASE_URL", "APIKEYS_API_KEY", "APIKEYS_ORG", "APIKEYS_AUTH_HEADER"}

// setEnv sets every APIKEYS_ variable: the ones in vars, the others empty.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, name := range envNames {
		t.Setenv(name, vars[name])
	}
}

// getThrough makes one Get with c on the fake and returns the request.
func getThrough(t *testing.T, c *apikeys.Client) recordedRequest {
	t.Helper()
	f := activate(t, c)
	f.on(http.MethodGet, "https://env.example.com/v2/organizations/org_env/api-keys/k1", reply{status: 200, body: `{"id":"k1"}`})
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	if _, err := c.Get(t.Context(), "k1"); err != nil {
		t.Fatalf("Get: %v (requests %v)", err, summarize(f.requests()))
	}
	return f.onlyRequest(t)
}

func TestFromEnv(t *testing.T) {
	const envCred = "ak_env_0123456789"
	full := map[string]string{
		"APIKEYS_BASE_URL": "https://env.example.com/v2", "APIKEYS_API_KEY": envCred, "APIKEYS_ORG": "org_env",
	}
	envURL := "https://env.example.com/v2/organizations/org_env/api-keys/k1"

	t.Run("unset changes nothing", func(t *testing.T) {
		setEnv(t, nil)
		_, err := apikeys.New(apikeys.FromEnv())
		var ve *apikeys.ValidationError
		if !errors.As(err, &ve) || ve.Field != "WithBaseURL" {
			t.Errorf("New(FromEnv()) with nothing set = %v, want the missing base URL", err)
		}
		c, err := apikeys.New(apikeys.FromEnv(), apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(testOrg))
		if err != nil {
			t.Fatal(err)
		}
		if r := getThrough(t, c); r.URL != collURL+"/k1" || r.Header.Get("X-Api-Key") != testCredential {
			t.Errorf("request %s with credential %q", r.URL, r.Header.Get("X-Api-Key"))
		}
	})
	t.Run("set configures the client", func(t *testing.T) {
		setEnv(t, full)
		c, err := apikeys.New(apikeys.FromEnv())
		if err != nil {
			t.Fatal(err)
		}
		if r := getThrough(t, c); r.URL != envURL || r.Header.Get("X-Api-Key") != envCred {
			t.Errorf("request %s with credential %q, want %s with the environment's", r.URL, r.Header.Get("X-Api-Key"), envURL)
		}
	})
	t.Run("white space around a value is trimmed; empty is unset", func(t *testing.T) {
		setEnv(t, map[string]string{"APIKEYS_BASE_URL": " https://env.example.com/v2\n", "APIKEYS_API_KEY": envCred, "APIKEYS_ORG": "org_env", "APIKEYS_PLATFORM": ""})
		c, err := apikeys.New(apikeys.FromEnv())
		if err != nil {
			t.Fatal(err)
		}
		if r := getThrough(t, c); r.URL != envURL {
			t.Errorf("request %s, want %s", r.URL, envURL)
		}
	})
	t.Run("set never overrides an explicit option, wherever FromEnv stands", func(t *testing.T) {
		setEnv(t, full)
		explicit := []apikeys.Option{apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(testOrg)}
		for _, opts := range [][]apikeys.Option{
			append([]apikeys.Option{apikeys.FromEnv()}, explicit...),
			append(append([]apikeys.Option(nil), explicit...), apikeys.FromEnv()),
		} {
			c, err := apikeys.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			r := getThrough(t, c)
			if r.URL != collURL+"/k1" || r.Header.Get("X-Api-Key") != testCredential {
				t.Errorf("request %s with credential %q; the environment overrode an explicit option", r.URL, r.Header.Get("X-Api-Key"))
			}
			for _, v := range r.Header {
				if strings.Contains(strings.Join(v, " "), envCred) {
					t.Errorf("the environment's credential was sent too: %v", r.Header)
				}
			}
		}
		// One explicit option; the rest from the environment.
		c, err := apikeys.New(apikeys.FromEnv(), apikeys.WithAPIKey(testCredential))
		if err != nil {
			t.Fatal(err)
		}
		if r := getThrough(t, c); r.URL != envURL || r.Header.Get("X-Api-Key") != testCredential {
			t.Errorf("request %s with credential %q", r.URL, r.Header.Get("X-Api-Key"))
		}
	})
	t.Run("the credential header", func(t *testing.T) {
		setEnv(t, map[string]string{"APIKEYS_BASE_URL": full["APIKEYS_BASE_URL"], "APIKEYS_API_KEY": envCred,
			"APIKEYS_ORG": "org_env", "APIKEYS_AUTH_HEADER": "Authorization Bearer"})
		c, err := apikeys.New(apikeys.FromEnv())
		if err != nil {
			t.Fatal(err)
		}
		r := getThrough(t, c)
		if r.Header.Get("Authorization") != "Bearer "+envCred || r.Header.Get("X-Api-Key") != "" {
			t.Errorf("headers %v, want Authorization: Bearer and no X-API-Key", r.Header)
		}
		c, err = apikeys.New(apikeys.FromEnv(), apikeys.WithAuthHeader("X-Other", ""))
		if err != nil {
			t.Fatal(err)
		}
		if r := getThrough(t, c); r.Header.Get("X-Other") != envCred || r.Header.Get("Authorization") != "" {
			t.Errorf("headers %v, want the explicit X-Other only", r.Header)
		}
	})
	t.Run("an explicit platform that differs while other variables are set", func(t *testing.T) {
		// The credential in the environment is meant for another platform:
		// it must not go to this one.
		vars := map[string]string{"APIKEYS_PLATFORM": string(apikeys.OrqAI), "APIKEYS_API_KEY": envCred}
		setEnv(t, vars)
		c, err := apikeys.New(apikeys.WithPlatform(apikeys.Reference), apikeys.FromEnv(),
			apikeys.WithBaseURL(testBaseURL), apikeys.WithOrganization(testOrg))
		var ve *apikeys.ValidationError
		if c != nil || !errors.As(err, &ve) || ve.Field != "APIKEYS_PLATFORM" {
			t.Errorf("New = %v, %v; want a *ValidationError for APIKEYS_PLATFORM", c, err)
		}
		if err != nil && strings.Contains(err.Error(), envCred) {
			t.Errorf("the error repeats the credential: %v", err)
		}
		// Even when every option is explicit: the variables say the
		// environment is meant for another platform.
		_, err = apikeys.New(apikeys.FromEnv(), apikeys.WithPlatform(apikeys.Reference), apikeys.WithBaseURL(testBaseURL),
			apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(testOrg))
		if !errors.As(err, &ve) || ve.Field != "APIKEYS_PLATFORM" {
			t.Errorf("New with every option explicit = %v; want a *ValidationError for APIKEYS_PLATFORM", err)
		}
		// APIKEYS_PLATFORM unset means the default, reference: an explicit
		// reference agrees with it.
		setEnv(t, map[string]string{"APIKEYS_API_KEY": envCred, "APIKEYS_BASE_URL": full["APIKEYS_BASE_URL"], "APIKEYS_ORG": "org_env"})
		if _, err := apikeys.New(apikeys.WithPlatform(apikeys.Reference), apikeys.FromEnv()); err != nil {
			t.Errorf("explicit reference, environment without a platform: %v", err)
		}
		// Only APIKEYS_PLATFORM set: nothing meant for it can leak.
		setEnv(t, map[string]string{"APIKEYS_PLATFORM": string(apikeys.OrqAI)})
		if _, err := apikeys.New(apikeys.WithPlatform(apikeys.Reference), apikeys.FromEnv(), apikeys.WithBaseURL(testBaseURL),
			apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(testOrg)); err != nil {
			t.Errorf("only APIKEYS_PLATFORM set, every option explicit: %v", err)
		}
	})
	t.Run("an invalid value is a ValidationError that says where it came from", func(t *testing.T) {
		for name, value := range map[string]string{
			"APIKEYS_PLATFORM": "nope", "APIKEYS_BASE_URL": "ftp://x", "APIKEYS_ORG": "a/b", "APIKEYS_AUTH_HEADER": "X Key Bearer",
		} {
			vars := map[string]string{}
			for k, v := range full {
				vars[k] = v
			}
			vars[name] = value
			setEnv(t, vars)
			_, err := apikeys.New(apikeys.FromEnv())
			var ve *apikeys.ValidationError
			// The base URL is checked after every option, as WithBaseURL's;
			// the others are checked as they are read.
			if !errors.As(err, &ve) || (name != "APIKEYS_BASE_URL" && !strings.Contains(err.Error(), "environment")) {
				t.Errorf("%s=%q: %v, want a *ValidationError naming the environment", name, value, err)
			}
			if err != nil && strings.Contains(err.Error(), envCred) {
				t.Errorf("%s: the error repeats the credential: %v", name, err)
			}
		}
	})
}
