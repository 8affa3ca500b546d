// Command offshoot-bench measures Go's goroutine costs, as a baseline for
// offshoot's coroutines. It takes one workload name and prints one line,
// "workload value unit", on stdout. GOMAXPROCS is left at its default (one
// P per core), as in an ordinary Go program. The workloads, two lines each:
//
//	spawn:      the main goroutine starts 1,000,000 goroutines that each call
//	            wg.Done() and waits on the WaitGroup; total time / 1e6.
//	spawn_join: 200,000 times in turn, start a goroutine that closes a channel
//	            and wait on that channel; time per spawn-and-join.
//	yield:      two goroutines each call runtime.Gosched() 1,000,000 times
//	            concurrently; total time / 2,000,000 calls.
//	yield1:     one goroutine calls runtime.Gosched() 1,000,000 times with no
//	            other goroutine to switch to; time per call.
//	parked:     VmRSS growth after 100,000 goroutines block receiving on one
//	            shared unbuffered channel (measured 100 ms after all started).
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	spawnCount     = 1_000_000
	spawnJoinCount = 200_000
	yieldCount     = 1_000_000
	parkedCount    = 100_000
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: offshoot-bench spawn|spawn_join|yield|yield1|parked")
		os.Exit(2)
	}
	switch name := os.Args[1]; name {
	case "spawn":
		printNs(name, spawn())
	case "spawn_join":
		printNs(name, spawnJoin())
	case "yield":
		printNs(name, yieldLoop(2))
	case "yield1":
		printNs(name, yieldLoop(1))
	case "parked":
		fmt.Printf("%s %d bytes/coroutine\n", name, parked())
	default:
		fmt.Fprintf(os.Stderr, "unknown workload %q\n", name)
		os.Exit(2)
	}
}

func printNs(name string, ns float64) {
	fmt.Printf("%s %.1f ns/op\n", name, ns)
}

// spawn starts spawnCount goroutines that only signal a WaitGroup, waits for
// all of them, and returns the mean nanoseconds per goroutine.
func spawn() float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < spawnCount; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / spawnCount
}

// spawnJoin starts one goroutine at a time and waits for it to finish before
// starting the next, returning nanoseconds per spawn-and-join.
func spawnJoin() float64 {
	start := time.Now()
	for i := 0; i < spawnJoinCount; i++ {
		done := make(chan struct{})
		go func() { close(done) }()
		<-done
	}
	return float64(time.Since(start).Nanoseconds()) / spawnJoinCount
}

// yieldLoop runs n goroutines that each call runtime.Gosched() yieldCount
// times and returns nanoseconds per call, over all n*yieldCount calls.
func yieldLoop(n int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < yieldCount; i++ {
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / float64(n*yieldCount)
}

// parked returns the resident memory added per goroutine while parkedCount
// goroutines are blocked receiving from one unbuffered channel.
func parked() int64 {
	runtime.GC()
	before := vmRSS()

	ch := make(chan struct{})
	var started sync.WaitGroup
	started.Add(parkedCount)
	for i := 0; i < parkedCount; i++ {
		go func() {
			started.Done()
			<-ch
		}()
	}
	started.Wait()
	// Give the last goroutines time to actually park on the channel.
	time.Sleep(100 * time.Millisecond)
	after := vmRSS()

	close(ch)
	return (after - before) / parkedCount
}

// vmRSS returns this process's resident set size in bytes, read from the
// VmRSS line of /proc/self/status (which the kernel reports in kB).
func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad VmRSS line:", sc.Text())
				os.Exit(1)
			}
			return kb * 1024
		}
	}
	fmt.Fprintln(os.Stderr, "no VmRSS line in /proc/self/status")
	os.Exit(1)
	return 0
}
