//go:build !unix

package gateway

import "errors"

func openFileLimit() (soft, hard uint64, err error) {
	return 0, 0, errors.ErrUnsupported
}
