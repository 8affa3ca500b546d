// Command lateness measures how late Go wakes a sleeping or receiving
// goroutine beside goroutines that compute and call runtime.Gosched() every
// millisecond: the Go side of offshoot's benches/lateness.rs (issue 11). It
// takes a scenario and, optionally, the number of busy goroutines (default:
// GOMAXPROCS), and prints one line:
//
//	sleep workers=1 busy=1 n=200 median=12.3 p99=40.1 max=44.0 us
//
// where workers is GOMAXPROCS (set it in the environment) and the figures are
// lateness in microseconds. The scenarios:
//
//	sleep:    one goroutine calls time.Sleep(10 * time.Millisecond) 200 times;
//	          lateness = how long after the 10 ms it woke.
//	chan:     a goroutine locked to its own OS thread (Go's nearest to a plain
//	          thread) sends time.Now() every 5 ms, 200 times, on an unbuffered
//	          channel to a goroutine blocked receiving; lateness = from the
//	          send to the receipt.
//	sleepers: 10,000 goroutines each sleep 10 ms once; lateness of each.
//
// The busy goroutines run 50 ms before measuring starts, and a scenario stops
// after 30 s with what it has (n is then smaller), as in the Rust program.
//
// A program of its own rather than a workload of ../main.go: its result is a
// distribution, not one value per run.
package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	spin      = time.Millisecond // computing between two Gosched calls
	sleeps    = 200
	sleepFor  = 10 * time.Millisecond
	sends     = 200
	sendEvery = 5 * time.Millisecond
	sleepers  = 10_000
	budget    = 30 * time.Second
	settle    = 50 * time.Millisecond
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		usage()
	}
	workers := runtime.GOMAXPROCS(0)
	busy := workers
	if len(os.Args) == 3 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 0 {
			usage()
		}
		busy = n
	}
	scenario := os.Args[1]
	var measure func() []time.Duration
	switch scenario {
	case "sleep":
		measure = sleepLoop
	case "chan":
		measure = chanFromThread
	case "sleepers":
		measure = manySleepers
	default:
		usage()
	}
	late := besideBusy(busy, measure)
	median, p99, max := summary(late)
	fmt.Printf("%s workers=%d busy=%d n=%d median=%.1f p99=%.1f max=%.1f us\n",
		scenario, workers, busy, len(late), median, p99, max)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: lateness sleep|chan|sleepers [BUSY]")
	os.Exit(2)
}

// besideBusy starts busy goroutines, lets them settle, runs measure and stops
// them.
func besideBusy(busy int, measure func() []time.Duration) []time.Duration {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < busy; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spinAndYield(&stop)
		}()
	}
	time.Sleep(settle)
	late := measure()
	stop.Store(true)
	wg.Wait()
	return late
}

// sink keeps the busy loop's computation from being optimised away.
var sink uint64

// spinAndYield computes for about a millisecond at a time, calling
// runtime.Gosched() in between, until stop.
func spinAndYield(stop *atomic.Bool) {
	x := uint64(1)
	for !stop.Load() {
		until := time.Now().Add(spin)
		for time.Now().Before(until) {
			for i := 0; i < 100; i++ {
				x = x*6364136223846793005 + 1
			}
		}
		atomic.StoreUint64(&sink, x)
		runtime.Gosched()
	}
}

func sleepLoop() []time.Duration {
	start := time.Now()
	late := make([]time.Duration, 0, sleeps)
	for len(late) < sleeps && time.Since(start) < budget {
		asleep := time.Now()
		time.Sleep(sleepFor)
		late = append(late, lateBy(time.Since(asleep)-sleepFor))
	}
	return late
}

func chanFromThread() []time.Duration {
	ch := make(chan time.Time)
	go func() {
		runtime.LockOSThread()
		start := time.Now()
		for i := 0; i < sends && time.Since(start) < budget; i++ {
			time.Sleep(sendEvery)
			ch <- time.Now()
		}
		close(ch)
	}()
	late := make([]time.Duration, 0, sends)
	for sent := range ch {
		late = append(late, time.Since(sent))
	}
	return late
}

func manySleepers() []time.Duration {
	late := make([]time.Duration, sleepers)
	var wg sync.WaitGroup
	for i := range late {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			asleep := time.Now()
			time.Sleep(sleepFor)
			late[i] = lateBy(time.Since(asleep) - sleepFor)
		}(i)
	}
	wg.Wait()
	return late
}

// lateBy is d, or 0 if it is negative.
func lateBy(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// summary returns the median, 99th percentile and maximum of late in
// microseconds (sorting it), picked as benches/lateness.rs picks them.
func summary(late []time.Duration) (float64, float64, float64) {
	if len(late) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	at := func(q float64) float64 {
		i := int(math.Round(float64(len(late)-1) * q))
		return float64(late[i].Nanoseconds()) / 1e3
	}
	return at(0.5), at(0.99), at(1.0)
}
