package metrics_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"circly/metrics"
)

func randomKey(t testing.TB) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// A token made by IssueToken reads back with its generation; anything
// else — another key, another algorithm (none included), expired, issued
// in the future, another audience, issuer or scope, a changed payload — is
// refused.
func TestMetricsToken(t *testing.T) {
	key := randomKey(t)
	now := time.Now()

	tok, err := metrics.IssueToken(key, 7, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if gen, err := metrics.ParseToken(key, tok, now.Add(10*365*24*time.Hour)); err != nil || gen != 7 {
		t.Fatalf("own token: gen %d, %v", gen, err)
	}
	short, err := metrics.IssueToken(key, 7, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.ParseToken(key, short, now.Add(30*time.Minute)); err != nil {
		t.Fatalf("unexpired token refused: %v", err)
	}

	sign := func(method jwt.SigningMethod, k any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{"scope": "metrics", "gen": 7, "iss": "circly", "aud": []string{"circly-metrics"}, "iat": now.Unix()}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := valid()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	if _, err := metrics.ParseToken(key, sign(jwt.SigningMethodHS256, key, valid()), now); err != nil {
		t.Fatalf("the reference token is refused, so the cases below prove nothing: %v", err)
	}

	none := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid())
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"scope":"metrics","gen":8,"iss":"circly","aud":["circly-metrics"]}`)) + "." + parts[2]

	for name, bad := range map[string]string{
		"other key":                   sign(jwt.SigningMethodHS256, randomKey(t), valid()),
		"HS512, same key":             sign(jwt.SigningMethodHS512, key, valid()),
		"alg none":                    none,
		"alg none, no signature part": strings.TrimSuffix(none, "."),
		"expired":                     sign(jwt.SigningMethodHS256, key, with("exp", now.Add(-time.Minute).Unix())),
		"issued later":                sign(jwt.SigningMethodHS256, key, with("iat", now.Add(time.Hour).Unix())),
		"other audience":              sign(jwt.SigningMethodHS256, key, with("aud", []string{"circly-api"})),
		"no audience":                 sign(jwt.SigningMethodHS256, key, with("aud", nil)),
		"other issuer":                sign(jwt.SigningMethodHS256, key, with("iss", "pocketbase")),
		"other scope":                 sign(jwt.SigningMethodHS256, key, with("scope", "admin")),
		"no generation":               sign(jwt.SigningMethodHS256, key, with("gen", nil)),
		"changed payload":             tampered,
		"empty":                       "",
		"garbage":                     "not.a.token",
	} {
		if gen, err := metrics.ParseToken(key, bad, now); err == nil || !errors.Is(err, metrics.ErrBadToken) {
			t.Errorf("%s: accepted (gen %d, err %v)", name, gen, err)
		}
	}

	if _, err := metrics.IssueToken(key[:16], 1, now, 0); err == nil {
		t.Error("a short key made a token")
	}
	if _, err := metrics.IssueToken(key, 0, now, 0); err == nil {
		t.Error("generation 0 made a token")
	}
}
