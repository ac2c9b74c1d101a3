//go:build !(linux && cgo)

package main

// returnLargeCBlocks has nothing to tune outside glibc (see
// malloc_cgo.go).
func returnLargeCBlocks() {}
