package core

import (
	"fmt"
	"sync/atomic"
)

// deptTable is the departments a Service routes by. It is never changed
// once built: SetDepartments swaps in a new one, so a mail being received
// sees either the old table or the new one, never half of each.
type deptTable struct {
	deptOf   map[string]string // lower-case address → department
	fallback Department
	depts    map[string]Department
	heads    map[string][]string
}

// newDeptTable checks and indexes the departments: at least one, each
// with an address, no address in two of them.
func newDeptTable(depts []Department) (*deptTable, error) {
	if len(depts) == 0 {
		return nil, fmt.Errorf("core: at least one department is required")
	}
	t := &deptTable{deptOf: map[string]string{}, depts: map[string]Department{},
		heads: map[string][]string{}, fallback: depts[0]}
	for _, d := range depts {
		if len(d.Addresses) == 0 {
			return nil, fmt.Errorf("core: department %s has no address", d.Name)
		}
		if err := checkDepartment(d); err != nil {
			return nil, err
		}
		if !ValidAuthentication(d.Authentication) {
			return nil, fmt.Errorf("core: department %s: authentication %q is not off, commands or strict", d.Name, d.Authentication)
		}
		t.depts[d.Name] = d
		t.heads[d.Name] = d.Heads
		if d.Name == TypeSupport && t.fallback.Name != TypeSupport {
			t.fallback = d
		}
		for _, a := range d.Addresses {
			a = NormalizeAddress(a)
			if other, dup := t.deptOf[a]; dup {
				return nil, fmt.Errorf("core: address %s is in departments %s and %s", a, other, d.Name)
			}
			t.deptOf[a] = d.Name
		}
	}
	return t, nil
}

// deptHolder holds the current table for concurrent readers.
type deptHolder struct{ p atomic.Pointer[deptTable] }

// table returns the departments in effect.
func (s *Service) table() *deptTable { return s.dept.p.Load() }

// SetDepartments replaces the departments (their addresses and heads) of
// a running Service, as NewService checks them; on error the old ones
// stay. It is safe to call while mail is received: each mail is routed by
// the old departments or the new ones as a whole. Tickets keep their
// department's name; one whose department is gone is answered from the
// fallback department's address.
func (s *Service) SetDepartments(depts []Department) error {
	t, err := newDeptTable(depts)
	if err != nil {
		return err
	}
	s.dept.p.Store(t)
	return nil
}
