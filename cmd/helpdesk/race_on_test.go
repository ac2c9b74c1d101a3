//go:build race

package main

// raceEnabled is true under -race, whose instrumented binary says
// nothing about the memory serve takes.
const raceEnabled = true
