package duckbench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Sample is what one whole process cost.
type Sample struct {
	Wall    time.Duration
	CPU     time.Duration // user + system
	PeakRSS int64         // bytes, the kernel's ru_maxrss
}

// Cmd is a process to measure: its arguments, folder and environment
// (added to this process's), and Reset, run before each time to clear
// what the last one wrote.
type Cmd struct {
	Args  []string
	Dir   string
	Env   []string
	Reset func() error
}

// TimeBinary is GNU time (Debian's package time), which reports a
// process's peak RSS. The kernel's rusage of a process started from this
// one cannot be used directly: Go starts children with vfork, and the
// high-water mark a child inherits from the moment before exec is this
// process's own, hundreds of MB after making the datasets.
const TimeBinary = "/usr/bin/time"

// CheckTime reports why TimeBinary cannot be used, or nil.
func CheckTime() error {
	if _, err := os.Stat(TimeBinary); err != nil {
		return fmt.Errorf("%s (GNU time, for peak RSS) is missing: apt-get install time: %w", TimeBinary, err)
	}
	return nil
}

// Measure runs c once under TimeBinary and returns its cost and standard
// output. A non-zero exit is an error carrying the end of its standard
// error.
func Measure(ctx context.Context, c Cmd) (Sample, []byte, error) {
	if c.Reset != nil {
		if err := c.Reset(); err != nil {
			return Sample{}, nil, err
		}
	}
	tf, err := os.CreateTemp("", "duckbench-time-")
	if err != nil {
		return Sample{}, nil, err
	}
	tf.Close()
	defer os.Remove(tf.Name())
	args := append([]string{"-f", "%e %U %S %M", "-o", tf.Name()}, c.Args...)
	cmd := exec.CommandContext(ctx, TimeBinary, args...)
	// its own process group, so that cancelling ends the measured process
	// too, not only time
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err = cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		return Sample{}, nil, fmt.Errorf("%s: %w: %s", strings.Join(c.Args, " "), err, msg)
	}
	s := Sample{Wall: wall}
	b, err := os.ReadFile(tf.Name())
	if err != nil {
		return s, nil, err
	}
	// the last line: time writes "Command exited..." lines before it
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var e, u, sys float64
	var kb int64
	if _, err := fmt.Sscanf(lines[len(lines)-1], "%f %f %f %d", &e, &u, &sys, &kb); err != nil {
		return s, nil, fmt.Errorf("read %s's output %q: %w", TimeBinary, b, err)
	}
	s.CPU = time.Duration((u + sys) * float64(time.Second))
	s.PeakRSS = kb * 1024
	return s, stdout.Bytes(), nil
}

// Summary is the median of each figure over the samples, and their number.
type Summary struct {
	N       int
	Wall    time.Duration
	CPU     time.Duration
	PeakRSS int64
	Walls   []time.Duration // every sample's wall time, in the order run
}

// Summarize takes the median of each figure separately (the lower middle
// one of an even number).
func Summarize(ss []Sample) Summary {
	if len(ss) == 0 {
		return Summary{}
	}
	med := func(f func(Sample) int64) int64 {
		v := make([]int64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[(len(v)-1)/2]
	}
	sum := Summary{N: len(ss)}
	sum.Wall = time.Duration(med(func(s Sample) int64 { return int64(s.Wall) }))
	sum.CPU = time.Duration(med(func(s Sample) int64 { return int64(s.CPU) }))
	sum.PeakRSS = med(func(s Sample) int64 { return s.PeakRSS })
	for _, s := range ss {
		sum.Walls = append(sum.Walls, s.Wall)
	}
	return sum
}

// LoadAvg returns /proc/loadavg's first three fields ("?" where it cannot
// be read).
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
