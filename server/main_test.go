package server_test

import (
	"testing"

	"circly/circlytest"
)

// TestMain removes the migrated data dir the test apps were copied from.
func TestMain(m *testing.M) { circlytest.Main(m) }
