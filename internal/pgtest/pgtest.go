// Package pgtest gives tests a private, throwaway PostgreSQL server on
// loopback, and each test a fresh empty database in it.
//
// Code that speaks SQL to PostgreSQL is only tested when it meets a real
// server: its dialect, types, locking and error codes are what a fake
// would get wrong. The system's own cluster is no place for tests (it
// may not run, has passwords and state of its own, and starting it is a
// change to the machine), so the first call of DSN in a test binary runs
// initdb into a temporary directory and starts postgres from it as a
// child of the test binary, listening on 127.0.0.1 only, with its unix
// socket in that directory and durability turned off for speed. Main
// (or Stop) stops it and removes the directory when the package's tests
// are done.
//
// Typical use:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		conn, err := pgx.Connect(ctx, pgtest.DSN(t)) // an empty database of its own
//		...
//	}
//
// Requirements: Linux and the PostgreSQL server binaries, found as the
// highest /usr/lib/postgresql/VERSION/bin/initdb (Debian's postgresql
// package), else initdb in PATH with postgres beside it or in PATH. As
// root, initdb and postgres run as the user postgres (they refuse to run
// as root), so the temporary directory (TMPDIR) must be reachable by that
// user. When no initdb is found DSN skips the test, unless the
// environment variable HELPDESK_REQUIRE_POSTGRES=1 is set, in which case
// it fails instead; set it on CI so that a broken install cannot silently
// skip the tests.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"helpdesk/internal/netaddr"
)

// RequireEnv is the environment variable that turns "PostgreSQL is not
// installed" from a skip into a test failure when set to "1".
const RequireEnv = "HELPDESK_REQUIRE_POSTGRES"

// Superuser is the role, made by initdb, that owns every database. It
// needs no password (trust authentication, on loopback only).
const Superuser = "helpdesk"

const (
	readyTimeout = 30 * time.Second // until postgres accepts connections
	stopTimeout  = 10 * time.Second // SIGINT (fast shutdown) → exit, before SIGKILL
	sqlTimeout   = 60 * time.Second // CREATE or DROP DATABASE
)

var (
	errNotInstalled = errors.New("PostgreSQL not installed (initdb not found)")
	errUnsupported  = errors.New("pgtest runs PostgreSQL on Linux only")
)

var (
	once     sync.Once
	srv      *server // set by once
	startErr error   // set by once (and Stop); reported to every caller of DSN
	dbSeq    atomic.Int64
)

var errStopped = errors.New("the server was stopped (pgtest.Stop)")

// Main is the TestMain of a package whose tests call DSN: it runs the
// tests, then stops the server if one was started and removes its
// directory, and exits with the tests' exit code.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the server, if one was started, and removes its directory.
// Main calls it; a TestMain that does more than Main calls it after the
// last m.Run. DSN fails after Stop. Without Main or Stop the server is
// killed when the test binary exits, but its directory is left behind.
func Stop() {
	// Waits for a start still in progress, and keeps any from beginning.
	once.Do(func() {})
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
		srv, startErr = nil, errStopped
	}
}

// Available reports whether tests that call DSN run rather than skip:
// the PostgreSQL binaries are found (on Linux), or HELPDESK_REQUIRE_POSTGRES=1
// makes DSN fail without them. It starts nothing.
func Available() bool {
	if os.Getenv(RequireEnv) == "1" {
		return true
	}
	if _, _, err := findBinaries(); err != nil {
		return false
	}
	_, err := runAs()
	return !errors.Is(err, errUnsupported)
}

// DSN returns the address of a new, empty database of its own for the
// test, in the form postgres://helpdesk@127.0.0.1:PORT/NAME?sslmode=disable
// that pgx (and libpq) accept. The first call in a test binary starts
// the server (later calls reuse it; a failed start fails every caller).
// The database is dropped, with any connections to it still open, when
// the test and its subtests have finished. The package's TestMain must
// call Main (or Stop).
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		begin := time.Now()
		srv, startErr = start()
		if startErr == nil {
			t.Logf("pgtest: started PostgreSQL %s on 127.0.0.1:%d in %v", srv.version, srv.port, time.Since(begin).Round(time.Millisecond))
		}
	})
	if startErr != nil {
		if errors.Is(startErr, errNotInstalled) || errors.Is(startErr, errUnsupported) {
			if os.Getenv(RequireEnv) == "1" {
				t.Fatalf("pgtest: %v, and %s=1 requires it (Debian: apt-get install postgresql)", startErr, RequireEnv)
			}
			t.Skipf("%v; set %s=1 to fail instead", startErr, RequireEnv)
		}
		t.Fatalf("pgtest: %v", startErr)
	}
	srv := srv // for the cleanup, which must not see Stop's nil

	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbSeq.Add(1))
	ident := pgx.Identifier{name}.Sanitize()
	create := "CREATE DATABASE " + ident
	if srv.versionNum >= 150000 {
		// Copying template1's files (and checkpointing, cheap without
		// fsync) takes about 60% of the time of PostgreSQL 15's default,
		// writing them all to the WAL.
		create += " STRATEGY FILE_COPY"
	}
	if err := srv.exec(create); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// WITH (FORCE) (PostgreSQL 13+) ends the connections the test left open.
		if err := srv.exec("DROP DATABASE " + ident + " WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return srv.dsn(name)
}

// server is the one running postgres of the test binary.
type server struct {
	dir        string // private: data/, the log, the unix socket
	log        string
	port       int
	version    string // server_version: "15.18 (Debian 15.18-0+deb12u1)"
	versionNum int    // server_version_num: 150018
	proc       *proc
}

func (s *server) dsn(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, s.port, db)
}

// exec runs one statement in the maintenance database "postgres".
func (s *server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), sqlTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// start finds the binaries, runs initdb into a new temporary directory
// and starts postgres from it; on failure it removes the directory.
func start() (s *server, err error) {
	initdb, postgres, err := findBinaries()
	if err != nil {
		return nil, err
	}
	acct, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if acct != nil {
		if err := os.Chown(dir, acct.uid, acct.gid); err != nil {
			return nil, err
		}
	}
	s = &server{dir: dir, log: filepath.Join(dir, "postgres.log")}
	data := filepath.Join(dir, "data")

	// --no-sync: a throwaway cluster need not survive a power cut.
	var out bytes.Buffer
	cmd := exec.Command(initdb, "-D", data, "-U", Superuser, "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, childEnv(), &out, &out
	cmd.SysProcAttr = procAttr(acct)
	p, err := startLocked(cmd)
	if err != nil {
		if acct != nil {
			// Most likely the chdir to dir as that user failed.
			return nil, fmt.Errorf("start %s as user %s in %s: %w (that user must be able to reach the directory: set TMPDIR to one it can, such as /tmp)", initdb, acct.name, dir, err)
		}
		return nil, fmt.Errorf("start %s: %w", initdb, err)
	}
	if <-p.done; p.err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", initdb, p.err, tail(out.Bytes(), 30))
	}

	// The port is picked by closing a listener on a free one, so another
	// process may take it first: pick again once.
	var errs []error
	for try := 1; try <= 2; try++ {
		if err := s.run(postgres, data, acct); err != nil {
			errs = append(errs, fmt.Errorf("start postgres (attempt %d): %w", try, err))
			continue
		}
		return s, nil
	}
	return nil, errors.Join(errs...)
}

// run starts postgres on a free port and waits until it accepts
// connections; on failure it kills postgres.
func (s *server) run(postgres, data string, acct *account) error {
	port, err := netaddr.FreePort()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.log, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(postgres, "-D", data,
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.dir, childEnv(), logf, logf
	cmd.SysProcAttr = procAttr(acct)
	p, err := startLocked(cmd)
	if err != nil {
		return err
	}
	s.port, s.proc = port, p
	if err := s.waitReady(); err != nil {
		_ = p.cmd.Process.Kill()
		<-p.done
		return err
	}
	return nil
}

// waitReady connects until postgres answers, it exits, or readyTimeout.
func (s *server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		if err == nil {
			err = conn.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('server_version_num')::int").Scan(&s.version, &s.versionNum)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.proc.done:
			return fmt.Errorf("postgres exited (%v) before accepting connections; its log ends:\n%s", s.proc.err, logTail(s.log))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %v (%v); its log ends:\n%s", readyTimeout, err, logTail(s.log))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts postgres down (SIGINT is its fast shutdown: it ends the
// sessions and checkpoints), killing it after stopTimeout, and removes
// the directory.
func (s *server) stop() error {
	var errs []error
	_ = s.proc.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.proc.done:
	case <-time.After(stopTimeout):
		_ = s.proc.cmd.Process.Kill()
		<-s.proc.done
		errs = append(errs, fmt.Errorf("postgres did not stop within %v of SIGINT and was killed; log ends:\n%s", stopTimeout, logTail(s.log)))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// proc is a started child process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // cmd.Wait's, set before done is closed
}

// startLocked starts cmd from a goroutine locked to its OS thread, which
// stays locked to it until cmd has exited. The kernel sends the
// Pdeathsig of procAttr when the thread that started the child ends, not
// the process; the Go runtime ends a thread only when a goroutine locked
// to it returns without unlocking, and no other goroutine can run on this
// one, so the child is killed exactly when the test binary dies.
func startLocked(cmd *exec.Cmd) (*proc, error) {
	p := &proc{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// findBinaries returns initdb and postgres of the highest version under
// /usr/lib/postgresql (Debian), else the ones in PATH.
func findBinaries() (initdb, postgres string, err error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	version := func(p string) []int { // "/usr/lib/postgresql/9.6/bin/initdb" → [9 6]
		var v []int
		for f := range strings.SplitSeq(filepath.Base(filepath.Dir(filepath.Dir(p))), ".") {
			n, _ := strconv.Atoi(f)
			v = append(v, n)
		}
		return v
	}
	slices.SortFunc(found, func(a, b string) int { return slices.Compare(version(b), version(a)) })
	for _, p := range found {
		if executable(p) && executable(filepath.Join(filepath.Dir(p), "postgres")) {
			return p, filepath.Join(filepath.Dir(p), "postgres"), nil
		}
	}
	initdb, err = exec.LookPath("initdb")
	if err != nil {
		return "", "", errNotInstalled
	}
	postgres = filepath.Join(filepath.Dir(initdb), "postgres")
	if !executable(postgres) {
		if postgres, err = exec.LookPath("postgres"); err != nil {
			return "", "", fmt.Errorf("found %s but no postgres beside it or in PATH", initdb)
		}
	}
	return initdb, postgres, nil
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// account is the user initdb and postgres run as.
type account struct {
	name     string
	uid, gid int
}

// childEnv is the environment of initdb and postgres: the test's, with
// messages in English whatever the locale.
func childEnv() []string {
	return append(os.Environ(), "LC_ALL=C")
}

func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return tail(b, 30)
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// MainEach is the TestMain of a package whose tests run on every store
// driver: it calls use("sqlite") and runs the tests, then, when they
// passed and PostgreSQL is Available, use("postgres") and runs them
// again; then it stops the server and exits with the last run's code.
//
// A run with benchmarks (-test.bench) runs once, on SQLite: the figures
// are the default store's, and a second run would blur a process-wide
// measure such as the peak RSS.
func MainEach(m *testing.M, use func(driver string)) {
	use("sqlite")
	code := m.Run()
	if b := flag.Lookup("test.bench"); b != nil && b.Value.String() != "" {
		Stop()
		os.Exit(code)
	}
	if code == 0 && Available() {
		use("postgres")
		fmt.Println("pgtest: the same tests again, on PostgreSQL")
		code = m.Run()
	} else if code == 0 {
		fmt.Println("pgtest: PostgreSQL not installed; the tests ran on SQLite only")
	}
	Stop()
	os.Exit(code)
}
