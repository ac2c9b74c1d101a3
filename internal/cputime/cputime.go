// Package cputime reads the CPU time the process has used, which the
// benchmarks report beside elapsed time: on a shared machine it is the
// steadier of the two.
package cputime
