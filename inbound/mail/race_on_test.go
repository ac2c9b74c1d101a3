//go:build race

package mail

// raceEnabled is true under -race, whose slowdown makes timing bounds
// meaningless.
const raceEnabled = true
