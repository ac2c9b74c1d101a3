// Package gateway is the helpdesk at run time: the App that wires core,
// the store, the inbound listeners and pollers, the Slack desk and the
// outbox worker together, starts them and shuts them down in order, and
// the supervisor that follows the channels table while it runs.
//
// It takes a typed Config with its defaults and validation. Reading one
// from TOML, the environment and flags is the command's job (cmd/helpdesk),
// so that tests, the demo and the benchmark build an App from a Config
// value without a file.
package gateway
