//go:build !(linux && cgo)

package cmem

// ReturnLargeBlocks has nothing to tune outside glibc (see cmem_cgo.go).
func ReturnLargeBlocks() {}
