// Package netaddr answers questions about listen and dial addresses that
// several parts of the gateway ask alike.
package netaddr

import "net"

// IsLoopback reports whether hostport names localhost or a loopback IP:
// an address only this machine can reach, where the gateway allows what
// it refuses on a public one (no HTTP token, the built-in secret, a relay
// password without TLS).
func IsLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1, for a test
// server started as another process. That process may lose the port to
// another before it binds it: its starter retries then.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
