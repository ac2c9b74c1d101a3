package gateway

import (
	"fmt"
	"log/slog"
	"os"
)

// modeProblem says who else may use the file at path ("readable by
// others", "writable by others"), "" when nobody but its owner and group
// may, or it does not exist.
func modeProblem(path string) (string, os.FileMode) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", 0
	}
	perm := fi.Mode().Perm()
	switch {
	case perm&0o002 != 0:
		return "writable by others", perm
	case perm&0o004 != 0:
		return "readable by others", perm
	}
	return "", perm
}

// sensitiveFiles are the files serve warns about: the configuration
// (which may hold secrets inline), the database with its side files
// (every customer's mail), and the private keys. Secret files (KEY_file)
// are not here: the loader refuses them outright when others may read
// them (secrets.go).
func sensitiveFiles(cfg *Config) [][2]string {
	db := cfg.Store.Path
	files := [][2]string{{"configuration", cfg.Path}, {"outbox journal", db + "-sent"}, {"smtp.tls_key", cfg.SMTP.TLSKey},
		{"mail.relay_key_file", cfg.Mail.RelayKeyFile}}
	if cfg.Store.Driver != "postgres" {
		files = append(files, [2]string{"database", db}, [2]string{"database", db + "-wal"}, [2]string{"database", db + "-shm"})
	}
	if cfg.Mail.DKIMDomain != "" {
		files = append(files, [2]string{"mail.dkim_key_file", cfg.Mail.DKIMKeyFile})
	}
	return files
}

// warnFileModes logs a warning, naming the file, for each sensitive file
// others on the machine may read or write. The gateway creates its own
// files 0600; these are older ones or the admin's.
func warnFileModes(cfg *Config, log *slog.Logger) {
	for _, f := range sensitiveFiles(cfg) {
		if f[1] == "" {
			continue
		}
		if why, perm := modeProblem(f[1]); why != "" {
			log.Warn(fmt.Sprintf("%s file is %s: chmod o-rwx it", f[0], why), "file", f[1], "mode", fmt.Sprintf("%04o", perm))
		}
	}
}
