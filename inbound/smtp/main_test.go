package smtp

import (
	"testing"

	"helpdesk/internal/storetest"
)

// The tests run on every store driver (package storetest).
func TestMain(m *testing.M) { storetest.Main(m) }
