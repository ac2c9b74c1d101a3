// Package buildinfo says which build of helpdesk is running: its
// version, the VCS revision and time it was built from, the Go version
// and the modules linked in, from runtime/debug.ReadBuildInfo.
//
// The version is, in order: the value set at link time with
//
//	go build -ldflags "-X helpdesk/internal/buildinfo.version=v1.4.0" ./cmd/helpdesk
//
// else the main module's version that the go command stamps from the
// VCS (a tag, or a pseudo-version such as v0.0.0-20260101120000-abcdef123456,
// with +dirty for a modified tree), else "devel" with the revision
// ("devel+abcdef123456"), else "devel".
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// version is set at link time (-X); empty means "read the build info".
var version string

// Info is what ReadBuildInfo tells about this binary.
type Info struct {
	Version  string   `json:"version"`
	Revision string   `json:"revision"` // the VCS commit; "" when built outside a checkout
	Time     string   `json:"time"`     // the commit's time, RFC 3339; "" when unknown
	Modified bool     `json:"modified"` // the tree had changes not committed
	Go       string   `json:"go"`       // the Go version it was built with
	Path     string   `json:"path"`     // the main package's path
	Modules  []Module `json:"modules"`  // the dependencies linked in
}

// Module is one linked dependency.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Sum     string `json:"sum,omitempty"`
	Replace string `json:"replace,omitempty"` // path@version of a replacement
}

// Read returns the build's information; it is read once.
func Read() Info { return read() }

// Version returns the version string (see the package comment).
func Version() string { return read().Version }

var read = sync.OnceValue(func() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok, version)
})

func fromBuildInfo(bi *debug.BuildInfo, ok bool, linked string) Info {
	in := Info{Go: runtime.Version(), Modules: []Module{}}
	main := ""
	if ok {
		in.Go = bi.GoVersion
		in.Path = bi.Path
		main = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Revision = s.Value
			case "vcs.time":
				in.Time = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			}
		}
		for _, d := range bi.Deps {
			m := Module{Path: d.Path, Version: d.Version, Sum: d.Sum}
			if d.Replace != nil {
				m.Replace = d.Replace.Path + "@" + d.Replace.Version
			}
			in.Modules = append(in.Modules, m)
		}
	}
	switch {
	case linked != "":
		in.Version = linked
	case main != "" && main != "(devel)":
		in.Version = main
	case in.Revision != "":
		in.Version = "devel+" + short(in.Revision)
		if in.Modified {
			in.Version += "-dirty"
		}
	default:
		in.Version = "devel"
	}
	return in
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
