package patroni

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
)

// proc is one program this package started, as pgserver.Command runs
// server programs (in its directory, a minimal environment, as the
// postgres user when we are root), in its own process group, with a
// parent-death signal. Its output goes to logPath; when lines is set, each
// line is handed to it with the time it arrived.
type proc struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	copied  sync.WaitGroup
}

// startProc starts prog. deathSig is what the program gets if this process
// dies without stopping it.
func startProc(name, dir, logPath string, deathSig syscall.Signal, lines func(time.Time, string), prog string, args ...string) (*proc, error) {
	cmd, err := pgserver.Command(dir, prog, args...)
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	p := &proc{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	var pw *os.File
	if lines == nil {
		cmd.Stdout, cmd.Stderr = logf, logf
	} else {
		pr, w, err := os.Pipe()
		if err != nil {
			logf.Close()
			return nil, fmt.Errorf("pipe for %s: %w", name, err)
		}
		pw = w
		cmd.Stdout, cmd.Stderr = w, w
		p.copied.Add(1)
		go func() {
			defer p.copied.Done()
			defer pr.Close()
			defer logf.Close()
			copyLines(pr, logf, lines)
		}()
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = deathSig
	err = cmd.Start()
	if pw != nil {
		pw.Close() // the child has its own copy
	} else {
		logf.Close()
	}
	if err != nil {
		p.copied.Wait()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// copyLines writes each line of r to w prefixed by the time it arrived
// (RFC 3339, UTC) and hands it to f.
func copyLines(r io.Reader, w io.Writer, f func(time.Time, string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		now := time.Now()
		fmt.Fprintf(w, "%s %s\n", now.UTC().Format(time.RFC3339Nano), sc.Text())
		f(now, sc.Text())
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig to the program's pid and waits up to wait for it to exit,
// then SIGKILLs it. A stopped program is a no-op.
func (p *proc) stop(sig syscall.Signal, wait time.Duration) error {
	if p == nil || p.exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s (pid %d): %w", p.name, p.pid(), err)
	}
	select {
	case <-p.done:
		p.copied.Wait()
		return nil
	case <-time.After(wait):
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.copied.Wait()
	return fmt.Errorf("%s (pid %d) did not exit within %v of %v; killed it", p.name, p.pid(), wait, sig)
}

// logTail returns the last n lines of the program's log.
func (p *proc) logTail(n int) string { return tail(p.logPath, n) }

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// postmasterPID reads the pid in dataDir/postmaster.pid (0 when there is
// none).
func postmasterPID(dataDir string) int {
	data, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	return pid
}

// isPostmasterOf reports whether pid is alive and is a postgres whose
// command line names dataDir: the check before signalling a pid read from
// a file, so that a pid the system has since reused is left alone.
func isPostmasterOf(pid int, dataDir string) bool {
	if pid <= 0 {
		return false
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return false
	}
	args := strings.Split(string(cmdline), "\x00")
	return len(args) > 0 && filepath.Base(args[0]) == "postgres" && strings.Contains(string(cmdline), dataDir)
}

// stopPostmaster ends a postmaster Patroni left behind: SIGQUIT (immediate
// shutdown), then SIGKILL after 5s. It is not our child, so its exit is
// watched through /proc.
func stopPostmaster(pid int, dataDir string) error {
	if !isPostmasterOf(pid, dataDir) {
		return nil
	}
	syscall.Kill(pid, syscall.SIGQUIT)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !isPostmasterOf(pid, dataDir) {
			return nil
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	return fmt.Errorf("postgres (pid %d) of %s outlived its Patroni and SIGQUIT; killed it", pid, dataDir)
}
