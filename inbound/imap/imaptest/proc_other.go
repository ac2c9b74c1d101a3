//go:build !linux

package imaptest

import (
	"errors"
	"syscall"
	"testing"
)

// Stubs: findDovecot reports that only Linux is supported, so Start skips
// (or fails with HELPDESK_REQUIRE_DOVECOT=1) before any of these is used.

func procAttr() *syscall.SysProcAttr  { return nil }
func signalGroup(int, syscall.Signal) {}
func exited(int) bool                 { return true }
func groupAlive(int) bool             { return false }
func allowTraverse(testing.TB, string, int, int) error {
	return errors.New("not supported on this platform")
}
