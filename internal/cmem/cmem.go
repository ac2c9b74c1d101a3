// Package cmem tunes the C allocator under SQLite for a process that
// stores large mail.
package cmem

// LargeBlock is the size from which C memory blocks are mapped on their
// own (ReturnLargeBlocks).
const LargeBlock = 1 << 20
