package metrics

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The claims that scope a metrics token. PocketBase reads its own tokens by
// "id", "collectionId" and "type"; a metrics token has none of them, so
// PocketBase never takes it for a record's token.
const (
	TokenIssuer   = "circly"
	TokenAudience = "circly-metrics"
	TokenScope    = "metrics"
)

// ErrBadToken is returned for anything that is not a valid metrics token.
var ErrBadToken = errors.New("metrics: not a valid metrics token")

type tokenClaims struct {
	Scope      string `json:"scope"`
	Generation int64  `json:"gen"`
	jwt.RegisteredClaims
}

// IssueToken returns a metrics bearer token (a JWT, HS256 under key) of the
// given generation; ttl 0 makes one that does not expire (revocation ends
// it: see the server's metrics-token generation).
func IssueToken(key []byte, generation int64, now time.Time, ttl time.Duration) (string, error) {
	if len(key) < 32 || generation <= 0 {
		return "", errors.New("metrics: a token needs a 32-byte key and a positive generation")
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims := tokenClaims{
		Scope:      TokenScope,
		Generation: generation,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:   TokenIssuer,
			Audience: jwt.ClaimStrings{TokenAudience},
			IssuedAt: jwt.NewNumericDate(now),
			ID:       hex.EncodeToString(jti),
		},
	}
	if ttl > 0 {
		claims.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}

// ParseToken checks a metrics token at time now — HS256 under key (no
// other algorithm, "none" included), issuer, audience, scope, issued-at and
// expiry if it has one — and returns its generation. The caller compares
// the generation with the current one.
func ParseToken(key []byte, token string, now time.Time) (generation int64, err error) {
	var claims tokenClaims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(TokenIssuer),
		jwt.WithAudience(TokenAudience),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	_, err = parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return key, nil })
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if claims.Scope != TokenScope || claims.Generation <= 0 {
		return 0, fmt.Errorf("%w: wrong scope or generation", ErrBadToken)
	}
	return claims.Generation, nil
}
