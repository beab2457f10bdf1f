// Package apikeystest runs an in-memory fake of a key-management API for
// tests, in the spirit of net/http/httptest.
//
//	srv := apikeystest.NewServer() // the reference API
//	defer srv.Close()
//	client, err := srv.Client()
//
//	srv := apikeystest.NewServer(apikeystest.WithPlatform(apikeys.Aitronos))
//
// A Server keeps the keys of one organization in a platform-neutral store and
// speaks one platform's wire over it: that platform's paths, key objects,
// error envelopes, status codes, transition table, validation and paging,
// including what the platform lacks (a platform that does not deduplicate
// creates a second key when a create is sent twice), so that a test passing
// against it means something. Of each secret it keeps only the SHA-256 hash
// and the public prefix, as a real server should, with one exception the
// reference API shares: a create's answer, secret included, is kept for 24
// hours to replay it to a retry with the same Idempotency-Key. FailNext and
// DropNext script failures, in the platform's error envelope; Requests shows
// what a client sent.
//
// # Helpers for your own tests
//
// Start is NewServer for a test: it takes the testing.TB, fails the test on
// a misuse, and closes the server through tb.Cleanup.
//
// WithoutListener serves the API with no socket: Transport is an
// http.RoundTripper that answers in process, and Client sends through it.
// The wire, faults and recorded requests are the same; a DropNext cut
// surfaces as an error wrapping io.EOF, a closed server as one wrapping
// syscall.ECONNREFUSED, so retries behave as on the network. (Handler
// serves the same API for httptest.NewRecorder and httpmock.)
//
// AddKey puts a key in any status the platform has, with chosen
// timestamps (created_at, last_used_at, expires_at in the past, archived_at,
// revoked_at), name, scopes and so on, without a request, and returns it with
// its secret. A key the platform cannot hold or show (a paused orq.ai key,
// a last use on Aitronos, a key used before it was created) is an error
// wrapping ErrUnrepresentable, never stored without the part it cannot show.
// A seeded key is then an ordinary one: listed, read and moved through the
// platform's table over the wire. It is how "find stale keys" code is
// tested: see the example.
//
// FailOn and DropOn aim FailNext's and DropNext's faults at chosen requests,
// by method and path pattern (path.Match, "*" for one segment), so that a
// test can fail the third step of a rotation rather than whichever request
// comes next.
//
// The client has a clock of its own for the times it computes (Rotate's
// now): set apikeys.WithClock beside this package's WithClock to fix both.
//
// Every platform of apikeys.Platforms is served, apikeys.Reference by
// default. NewServer panics for any other, as httptest does for a misuse: a
// test cannot go on without its server.
//
// Where a real server could reasonably go either way, the fake is the strict
// one, to catch client bugs. On every platform:
//   - The credential is checked first: a bad one gets 401 on any path.
//   - A JSON body needs Content-Type: application/json (else 415) and must be
//     one object with no unknown field, no field named in another case
//     ("KEY_NAME"), no name twice and no null except where the platform gives
//     null a meaning (else 422 VALIDATION_ERROR naming the field). Bodies
//     over 1 MiB get 413 with code VALIDATION_ERROR.
//   - A query parameter that is present must be valid: "page_size=" is
//     refused, not defaulted. Unknown parameters are ignored, except those
//     named below.
//   - An expires_at must lie in the future.
//
// # Reference API (apikeys.Reference)
//
// The reference API v2 (api/openapi.yaml in this module describes it).
// Server.URL is "http://127.0.0.1:PORT/v1".
//   - List pages by cursor: next_cursor names the last key of a page, and the
//     next page holds the keys created after it that match the filters then.
//     Keys created, deleted or transitioned during a walk never make it skip
//     or repeat another key. A cursor the server did not issue is 422 (field
//     "cursor"); v1's page parameter is 422 (field "page"), as a v1 client
//     walking pages would otherwise get the first page again and again.
//   - POST, PATCH and DELETE without an Idempotency-Key get 422
//     VALIDATION_ERROR (field "Idempotency-Key"): every mutation the SDK
//     sends carries one, and a client that forgets it could apply a retry twice.
//   - A revoked key cannot be updated: PATCH answers 400
//     INVALID_STATE_TRANSITION with details {"from":"revoked","action":"update"}.
//   - Every successful PATCH sets updated_at, even one that changes nothing.
//   - Only a create's expires_at and usage_limit_chf may be null.
//
// # Aitronos (apikeys.Aitronos)
//
// As the vendor's own material describes it (PLATFORMS.md, Aitronos).
// Server.URL is "http://127.0.0.1:PORT/v1"; the credential goes in X-API-Key;
// every answer carries X-Request-Id, also the error envelope's trace_id.
//   - The key object is exactly the vendor's: id, key_prefix,
//     organization_id, key_name, is_active, usage_limit_chf, scopes,
//     created_by, created_at, expires_at. It has no status: a paused key and
//     a deactivated one both show is_active false.
//   - Create answers 201 (the vendor does not say 200 or 201) with the key
//     object plus "key", the secret ("oak_live_" and 64 hex digits, whose
//     first 13 characters are key_prefix); IDs are "ak_" and 16 hex digits.
//     key_name is required and must not be blank; there is no length limit.
//     usage_limit_chf and expires_at may be null on create (none); PATCH
//     refuses every null, as the vendor does not say what clearing means.
//   - Nothing is deduplicated: Idempotency-Key is ignored, and a create sent
//     twice makes two keys.
//   - List takes page (from 1) and page_size (1 to 100, default 20) and
//     answers {"api_keys":[…],"pagination":{"page","page_size","total_count",
//     "total_pages"}}; a page past the end is empty. Page numbers shift when
//     keys come and go during a walk, as on the real API. skip and take,
//     which the vendor lists without saying how they combine with page, are
//     refused (422), not guessed. The vendor has no filters.
//   - DELETE is a soft delete: the key is archived, kept in the store, and
//     from then on absent from List and 404 API_KEY_NOT_FOUND everywhere
//     (a second DELETE included). There is no undelete. It answers
//     {"success":true,"message":"API key deleted successfully","id":"ak_…"}.
//   - POST …/{id}/activate, deactivate, pause and unpause take no body (a
//     body is 422) and answer the bare key object. The vendor documents one
//     refusal (pausing a key that is not active); the fake reads the rest
//     strictly: activate from inactive or paused, deactivate from active or
//     paused, pause from active, unpause from paused only, DELETE from any
//     of the three. A refusal is 400 INVALID_STATE_TRANSITION in the seed's
//     envelope, which has no details member.
//   - Errors: 401 INVALID_API_KEY, 403 ORGANIZATION_ACCESS_DENIED for an
//     organization other than OrgID, 404 API_KEY_NOT_FOUND, 422
//     VALIDATION_ERROR (details {"field","reason"}); type is "client_error"
//     or "server_error".
//
// # orq.ai (apikeys.OrqAI)
//
// From vendor-docs/orq-update-key.txt, the two OpenAPI extracts
// specs/orq-api-keys-2026-08-02.yaml and specs/orq-api-keys-2026-08-21.yaml,
// and PLATFORMS.md. Server.URL has no path; the credential goes in
// Authorization: Bearer.
//   - Keys live under /v2/api-keys: list, create, get, PATCH and DELETE. IDs
//     are ULIDs; a secret is "sk-orq-" and more, shown only by the create
//     answer, and token_prefix is its start.
//   - The answers come in the generation WithOrqAIVersion chooses, the newer
//     ("2026-08-21") by default; requests are the same in both.
//   - List pages by limit, starting_after and ending_before (ULIDs, which
//     sort by creation, so a walk neither skips nor repeats a key).
//   - PATCH {"status":…} moves a key between ACTIVE and DISABLED, or to
//     REVOKED, which is final; DELETE removes a key in any status. A move the
//     table refuses, or one to the status the key already has, is 400
//     invalid_request_body.
//   - Errors are {"error":{"code","message","doc_url"}}. No request-ID header;
//     Idempotency-Key is ignored, so a create sent twice makes two keys.
//
// # Sysevo (apikeys.Sysevo)
//
// As the vendor's own material describes it (vendor-docs/sysevo-api-keys.txt
// and PLATFORMS.md, Sysevo). Server.URL has no path. The vendor names no
// credential header: the fake reads the credential raw from X-Sysevo-Key (its
// choice, not the vendor's), and Client configures WithAuthHeader for it.
//   - GET /organizations/api-keys answers {"api_keys":[…]}, every key in
//     creation order, archived ones only with include_archived=true (any
//     value but true or false is 422). There is no paging and no get-one.
//   - POST /organizations/api-keys {"name":…} answers 201 with the key and
//     "key", the secret ("sk_live_" and 36 hex digits; prefix is its first
//     12). IDs are JSON integers from 1, matched exactly as issued.
//   - DELETE …/{id} archives, PUT …/{id}/reactivate restores; both answer
//     204 without a body. A refused transition is 409.
//   - Errors are {"error":"<message>"}: 401, 404, 409, 413, 415, 422. No
//     request-ID header; Idempotency-Key is ignored.
//
// # Confident AI (apikeys.ConfidentAI)
//
// From vendor-docs/confident-ai-update-key.txt, the OpenAPI extract
// specs/confident-ai-api-keys.yaml and PLATFORMS.md. Server.URL has no path;
// the credential goes raw in CONFIDENT_API_KEY.
//   - GET and POST /v1/organization/api-keys, GET, PUT and DELETE
//     /v1/organization/api-keys/{apiKeyId}; every success is 200 in the
//     vendor's {"success":true,"data":…} envelope.
//   - The secret ("confident_org_" and 32 hex digits) is shown only by the
//     create answer; every other answer masks it (15 "*" and its last 6).
//   - PUT {"valid":…} activates or deactivates; one that changes nothing is
//     409. IDs are integers. The list is every key, unpaged, unfiltered.
//   - A key created here authenticates too, until deactivated or deleted.
//   - Errors are {"success":false,"error":"<message>","deprecated":false},
//     only with the vendor's listed statuses (an unknown route is 404). No
//     request-ID header; Idempotency-Key is ignored.
//
// # Prefactor (apikeys.Prefactor)
//
// From vendor-docs/prefactor-activate-token.txt and PLATFORMS.md (its docs,
// and what its own SDK and CLI send). Server.URL has no path; the credential
// goes in Authorization: Bearer.
//   - Tokens under /api/v1/api_token: list, create, get, activate, suspend,
//     revoke and delete, with the vendor's envelopes ({"status":"success",
//     "details":…}; get and revoke answer {"details"} only, as the vendor's
//     client reads them). Tokens have no name and no update.
//   - Create takes the documented flat body and the CLI's {"details":{…}},
//     either holding only the documented members; token_scope and
//     account_id are required (only the list's account_id has a documented
//     default). Without an expiry a token expires in a year.
//   - The list pages by offset (pagination[offset], pagination[page_size],
//     default 10) when asked, and returns everything with "pagination":null
//     otherwise; revoked tokens stay listed.
//   - Errors use the vendor's codes (not_authenticated, bad_authtoken,
//     not_permitted, not_found, invalid_action, validation_errors, …). No
//     request-ID header; Idempotency-Key and the activate body's idempotency
//     value are ignored.
package apikeystest
