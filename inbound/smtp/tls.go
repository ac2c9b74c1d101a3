package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strings"
)

// LoadTLSConfig reads a PEM certificate (chain) and its key for STARTTLS.
func LoadTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("smtp tls certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// ReadPasswordFile reads a password from the first line of path. The
// error never contains the file's content.
func ReadPasswordFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("smtp auth password file: %w", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	if pw == "" {
		return "", errors.New("smtp auth password file " + path + " is empty")
	}
	return pw, nil
}
