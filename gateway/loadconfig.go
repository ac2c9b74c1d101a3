package gateway

import (
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// LoadConfig builds the configuration from the defaults, the file at path
// (skipped when path is "" and no helpdesk.toml exists) and the
// environment.
func LoadConfig(path string, env []string) (*Config, error) {
	c := DefaultConfig()
	if path == "" {
		if _, err := os.Stat("helpdesk.toml"); err == nil {
			path = "helpdesk.toml"
		}
	}
	if path != "" {
		// A file that names departments replaces the default ones.
		c.Departments = nil
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		md, err := toml.Decode(string(data), c)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		if err := unknownKeys(path, data, md.Undecoded()); err != nil {
			return nil, err
		}
		if c.Departments == nil {
			c.Departments = DefaultConfig().Departments
		}
	}
	// HELPDESK_IMAP_<NAME>_PASSWORD[_FILE] name a mailbox of the file.
	if err := applyEnv(c, WithoutIMAPEnv(env)); err != nil {
		return nil, err
	}
	if err := c.ApplyIMAPEnv(env); err != nil {
		return nil, err
	}
	if err := c.ReadSecretFiles(); err != nil {
		return nil, err
	}
	c.Path = path
	c.FillDefaults()
	return c, c.Validate()
}

// applyEnv sets scalar fields from HELPDESK_<SECTION>_<KEY> (or
// HELPDESK_<KEY> for top-level keys), named after their TOML keys.
// Tables and lists (departments, agents) come from the file only.
func applyEnv(c *Config, env []string) error {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "HELPDESK_") {
			vars[k] = v
		}
	}
	if len(vars) == 0 {
		return nil
	}
	used, known := map[string]bool{}, map[string]bool{}
	var walk func(v reflect.Value, prefix string) error
	walk = func(v reflect.Value, prefix string) error {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("toml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			name := prefix + "_" + strings.ToUpper(tag)
			fv := v.Field(i)
			if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(Duration{}) {
				if err := walk(fv, name); err != nil {
					return err
				}
				continue
			}
			known[name] = true
			s, ok := vars[name]
			if !ok {
				continue
			}
			used[name] = true
			if err := setField(fv, s); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
	if err := walk(reflect.ValueOf(c).Elem(), "HELPDESK"); err != nil {
		return err
	}
	// Any other HELPDESK_ variable is a typo, unless it is one of those
	// that are not configuration keys (envNotKeys).
	return unknownEnv(vars, used, known)
}

func setField(v reflect.Value, s string) error {
	switch {
	case v.Type() == reflect.TypeOf(Duration{}):
		return v.Addr().Interface().(*Duration).UnmarshalText([]byte(s))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Int64 || v.Kind() == reflect.Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
