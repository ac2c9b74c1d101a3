//go:build !linux

package pgtest

import "syscall"

// Stubs: runAs reports that only Linux is supported, so DSN skips (or
// fails with HELPDESK_REQUIRE_POSTGRES=1) before procAttr is used.

func runAs() (*account, error)               { return nil, errUnsupported }
func procAttr(*account) *syscall.SysProcAttr { return nil }
