//go:build linux && cgo

package store

/*
#include <malloc.h>
*/
import "C"

// SQLite copies a bound blob (a mail's raw bytes, up to the message size
// limit) and builds the row's record in another buffer: two allocations
// of the mail's size in the C heap for every large mail. glibc maps an
// allocation above its mmap threshold on its own and unmaps it when
// freed, but after each such free it raises the threshold, up to 32 MiB,
// and the next mails' copies then come from its arenas, whose freed
// memory stays in the process: ten 20 MB mails left about 170 MB there.
// Fixing the threshold at its initial 128 KiB keeps every large copy
// mapped and returned; smaller allocations, which are nearly all of
// SQLite's, are served as before.
func init() {
	C.mallopt(C.M_MMAP_THRESHOLD, 128<<10)
}
