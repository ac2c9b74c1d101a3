package core_test

import (
	"testing"

	"helpdesk/internal/storetest"
)

// The rules are tested on every store driver (package storetest).
func TestMain(m *testing.M) { storetest.Main(m) }
