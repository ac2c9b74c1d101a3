package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersionRules(t *testing.T) {
	bi := func(main string, settings ...debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "helpdesk", Version: main},
			Settings: settings, Deps: []*debug.Module{{Path: "github.com/BurntSushi/toml", Version: "v1.6.0"}}}
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}
	dirty := debug.BuildSetting{Key: "vcs.modified", Value: "true"}
	for _, c := range []struct {
		name   string
		bi     *debug.BuildInfo
		ok     bool
		linked string
		want   string
	}{
		{"Linked", bi("v0.0.0-2026", rev), true, "v1.4.0", "v1.4.0"},
		{"Module", bi("v1.3.0", rev), true, "", "v1.3.0"},
		{"DevelRevision", bi("(devel)", rev, dirty), true, "", "devel+0123456789ab-dirty"},
		{"DevelOnly", bi("(devel)"), true, "", "devel"},
		{"NoBuildInfo", nil, false, "", "devel"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := fromBuildInfo(c.bi, c.ok, c.linked)
			if in.Version != c.want {
				t.Fatalf("version %q, want %q", in.Version, c.want)
			}
			if c.ok && (in.Go != "go1.26.8" || len(in.Modules) != 1) {
				t.Fatalf("info %+v", in)
			}
		})
	}
}
