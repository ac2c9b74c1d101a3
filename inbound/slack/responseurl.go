package slack

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultResponseURLHosts are the hosts of Slack's response_url
// (Options.ResponseURLHosts): https://hooks.slack.com/actions/….
var DefaultResponseURLHosts = []string{"hooks.slack.com", "*.slack.com"}

// checkResponseURL refuses a response_url the desk must not post to:
// not https (plain http only to a loopback host, a fake Slack in
// tests), carrying credentials, or naming a host that hosts does not
// list ("*.domain" is any name under domain). A signed interaction
// naming another host would make the gateway POST wherever its payload
// says: to a service on the internal network, for one.
func checkResponseURL(raw string, hosts []string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("response_url is not a URL")
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case u.User != nil:
		return errors.New("response_url carries credentials")
	case u.Scheme == "http" && !isLoopbackHost(host):
		return fmt.Errorf("response_url is plain http to %q", host)
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("response_url scheme %q is not https", u.Scheme)
	}
	for _, p := range hosts {
		p = strings.ToLower(p)
		if host == p || strings.HasPrefix(p, "*.") && strings.HasSuffix(host, p[1:]) && len(host) > len(p)-1 {
			return nil
		}
	}
	return fmt.Errorf("response_url host %q is not Slack's (slack.response_url_hosts)", host)
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
