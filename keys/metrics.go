package keys

// MetricsTokenKey returns the key that signs and checks the bearer tokens
// of the metrics route (HS256): HMAC-SHA256(master, "metrics-token/v1"). It
// signs nothing else, so a metrics token is worthless anywhere but there,
// and a token made under another server's key is refused.
func (s *Secrets) MetricsTokenKey() ([]byte, error) {
	if err := s.load(); err != nil {
		return nil, err
	}
	return s.derive("metrics-token/v1"), nil
}
