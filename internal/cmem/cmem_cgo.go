//go:build linux && cgo

package cmem

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static void helpdesk_fix_mmap_threshold(int bytes) {
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, bytes);
#endif
}
*/
import "C"

// ReturnLargeBlocks makes glibc's malloc map every C block of at least
// LargeBlock bytes on its own and unmap it when freed. SQLite copies a
// stored mail twice in C memory; glibc raises its threshold for that to
// the size of the largest block freed so far, after which such blocks
// come from per-thread arenas that keep them: twenty 20 MiB mails left
// some 200 MB there. Other C libraries (musl) map large blocks on their
// own already.
func ReturnLargeBlocks() { C.helpdesk_fix_mmap_threshold(LargeBlock) }
