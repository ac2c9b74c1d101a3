package main

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"helpdesk/gateway"
)

// helpdesk.example.toml loads with the real loader and names every key
// the configuration accepts, so it cannot fall behind config.go.
func TestExampleConfig(t *testing.T) {
	const file = "../../helpdesk.example.toml"
	c, err := gateway.LoadConfig(file, nil)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if c.Mail.RelayTLS != "starttls" || len(c.IMAP) != 1 || len(c.Departments) != 2 || len(c.Agents) != 1 {
		t.Errorf("loaded %+v", c)
	}

	var raw map[string]any
	md, err := toml.DecodeFile(file, &raw)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range md.Keys() {
		if len(k) > 2 && k[0] == "departments" {
			k = append(toml.Key{"departments", "*"}, k[2:]...)
		}
		if len(k) > 2 && k[0] == "calendar" && k[1] == "hours" {
			k = k[:2]
		}
		have[strings.Join(k, ".")] = true
	}
	var missing []string
	for _, k := range configKeys(reflect.TypeOf(gateway.Config{}), "") {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("helpdesk.example.toml lacks %s", strings.Join(missing, ", "))
	}
}

// configKeys lists the dotted TOML keys of a config struct: a table's
// keys under its name, a map of tables under NAME.*, a list of tables
// under its name.
func configKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + tag
		ft := f.Type
		switch {
		case ft == reflect.TypeOf(gateway.Duration{}):
			keys = append(keys, name)
		case ft.Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft, name+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft.Elem(), name+".")...)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft.Elem(), name+".*.")...)
		default:
			keys = append(keys, name)
		}
	}
	return keys
}
