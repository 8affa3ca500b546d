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
//	million:    main starts 1,000,000 goroutines that each send one uint64 on
//	            one unbuffered channel to a collector that sums them; total ms.
//	million_peak: the same run, reporting peak resident memory (VmHWM) in MiB.
//	pingpong:   main sends i on an unbuffered channel and an echo goroutine
//	            sends it back on another; time per round trip (1,000,000).
//	ring:       503 goroutines in a ring of unbuffered channels pass a token
//	            from 5,000,000 down to 0 (thread-ring); time per hop.
//	mpmc0:      4 producers send 1,250,000 ints each on one channel of
//	mpmc1:      capacity 0, 1 or 100; 4 consumers receive until it is
//	mpmc100:    closed; time per message (5,000,000).
//	select0:    4 producers each send 1,000,000 ints on their own channel of
//	select100:  capacity 0 or 100; one consumer selects over all 4; per message.
//	sieve:      concurrent prime sieve (a generator and one filter goroutine
//	            per prime) up to the 5000th prime, 48611; total milliseconds.
//	echo:       100 clients each make 10,000 round trips of 64 bytes to an
//	            in-process TCP echo server on 127.0.0.1; time per round trip.
//	fileread:   20,000 goroutines each os.ReadFile one of 100 files of 4 KiB
//	            (written to a temp dir beforehand); time per read.
//	sleep:      10,000 goroutines each call time.Sleep(10 * time.Millisecond)
//	            ten times; total milliseconds until all are done.
//
// The channel workloads time everything after making their channels,
// including starting their goroutines; echo times from the first connect.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
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
	millionCount   = 1_000_000

	pingPongCount = 1_000_000
	ringSize      = 503
	ringHops      = 5_000_000
	mpmcWorkers   = 4         // producers, and also consumers
	mpmcPerSender = 1_250_000 // messages per producer
	selectChans   = 4         // channels, one producer each
	selectPerChan = 1_000_000 // messages per producer
	sieveCount    = 5000
	sievePrime    = 48611 // the sieveCount-th prime

	echoClients = 100
	echoRounds  = 10_000 // round trips per client
	echoSize    = 64     // bytes per message, and the server's read buffer
	fileCount   = 100
	fileSize    = 4096
	fileReads   = 20_000 // goroutines, one read each
	sleepers    = 10_000
	sleepRounds = 10
	sleepFor    = 10 * time.Millisecond
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: offshoot-bench spawn|spawn_join|yield|yield1|parked|million|million_peak|"+
			"pingpong|ring|mpmc0|mpmc1|mpmc100|select0|select100|sieve|"+
			"echo|fileread|sleep")
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
	case "million":
		ms, _ := million()
		fmt.Printf("%s %.1f ms\n", name, ms)
	case "million_peak":
		_, peak := million()
		fmt.Printf("%s %.1f MiB\n", name, peak)
	case "pingpong":
		printNs(name, pingPong())
	case "ring":
		printNs(name, ring())
	case "mpmc0":
		printNs(name, mpmc(0))
	case "mpmc1":
		printNs(name, mpmc(1))
	case "mpmc100":
		printNs(name, mpmc(100))
	case "select0":
		printNs(name, selectLoop(0))
	case "select100":
		printNs(name, selectLoop(100))
	case "sieve":
		fmt.Printf("%s %.1f ms\n", name, sieve())
	case "echo":
		printNs(name, echo())
	case "fileread":
		printNs(name, fileRead())
	case "sleep":
		fmt.Printf("%s %.1f ms\n", name, sleep())
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

// million starts millionCount goroutines from main, each sending its number
// on one unbuffered channel to a collector goroutine that sums them. It
// returns the total milliseconds and the peak resident memory in MiB.
func million() (float64, float64) {
	ch := make(chan uint64)
	done := make(chan uint64)
	start := time.Now()
	go func() {
		var sum uint64
		for i := 0; i < millionCount; i++ {
			sum += <-ch
		}
		done <- sum
	}()
	for i := 0; i < millionCount; i++ {
		go func(v uint64) { ch <- v }(uint64(i))
	}
	sum := <-done
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	if want := uint64(millionCount) * (millionCount - 1) / 2; sum != want {
		fail(fmt.Sprintf("million: sum %d, want %d", sum, want))
	}
	return ms, float64(statusKB("VmHWM:")) / 1024
}

// pingPong bounces pingPongCount ints between the main goroutine and an echo
// goroutine over two unbuffered channels; it returns nanoseconds per round
// trip.
func pingPong() float64 {
	ping, pong := make(chan int), make(chan int)
	start := time.Now()
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < pingPongCount; i++ {
		ping <- i
		if v := <-pong; v != i {
			fail(fmt.Sprintf("pingpong: sent %d, got back %d", i, v))
		}
	}
	elapsed := time.Since(start)
	close(ping)
	return float64(elapsed.Nanoseconds()) / pingPongCount
}

// ring passes a token around ringSize goroutines joined by unbuffered
// channels, each forwarding token-1, until it reaches 0; it returns
// nanoseconds per hop. The ring's goroutines stay blocked afterwards.
func ring() float64 {
	chans := make([]chan int, ringSize)
	for i := range chans {
		chans[i] = make(chan int)
	}
	done := make(chan int)
	start := time.Now()
	for i := range chans {
		go ringMember(i+1, chans[i], chans[(i+1)%ringSize], done)
	}
	chans[0] <- ringHops
	id := <-done
	elapsed := time.Since(start)
	// Goroutine 1 gets the token first, so goroutine ringHops%ringSize+1
	// sees it at 0.
	if want := ringHops%ringSize + 1; id != want {
		fail(fmt.Sprintf("ring: goroutine %d saw 0, want %d", id, want))
	}
	return float64(elapsed.Nanoseconds()) / ringHops
}

// ringMember is goroutine id of the ring: it forwards each token it receives
// on in, less one, to out, and sends its id on done when the token is 0.
func ringMember(id int, in <-chan int, out chan<- int, done chan<- int) {
	for token := range in {
		if token == 0 {
			done <- id
			return
		}
		out <- token - 1
	}
}

// mpmc has mpmcWorkers producers send mpmcPerSender ints each on one channel
// of the given capacity, and mpmcWorkers consumers receive until it is
// closed; it returns nanoseconds per message.
func mpmc(capacity int) float64 {
	const total = mpmcWorkers * mpmcPerSender
	ch := make(chan int, capacity)
	counts := make([]int, mpmcWorkers)
	var producers, consumers sync.WaitGroup
	start := time.Now()
	for c := 0; c < mpmcWorkers; c++ {
		consumers.Add(1)
		go func(c int) {
			defer consumers.Done()
			n := 0
			for range ch {
				n++
			}
			counts[c] = n
		}(c)
	}
	for p := 0; p < mpmcWorkers; p++ {
		producers.Add(1)
		go func() {
			defer producers.Done()
			for i := 0; i < mpmcPerSender; i++ {
				ch <- i
			}
		}()
	}
	producers.Wait()
	close(ch)
	consumers.Wait()
	elapsed := time.Since(start)
	sum := 0
	for _, n := range counts {
		sum += n
	}
	if sum != total {
		fail(fmt.Sprintf("mpmc%d: received %d messages, want %d", capacity, sum, total))
	}
	return float64(elapsed.Nanoseconds()) / total
}

// selectLoop has selectChans producers each send selectPerChan ints on its
// own channel of the given capacity and then close it, while the calling
// goroutine selects over all the channels until every one is closed; it
// returns nanoseconds per message.
func selectLoop(capacity int) float64 {
	const total = selectChans * selectPerChan
	var chans [selectChans]chan int
	for i := range chans {
		chans[i] = make(chan int, capacity)
	}
	start := time.Now()
	for _, ch := range chans {
		go func(ch chan<- int) {
			for i := 0; i < selectPerChan; i++ {
				ch <- i
			}
			close(ch)
		}(ch)
	}
	// A closed channel is set to nil so that select stops choosing it.
	a, b, c, d := chans[0], chans[1], chans[2], chans[3]
	n := 0
	for open := selectChans; open > 0; {
		var ok bool
		select {
		case _, ok = <-a:
			if !ok {
				a = nil
			}
		case _, ok = <-b:
			if !ok {
				b = nil
			}
		case _, ok = <-c:
			if !ok {
				c = nil
			}
		case _, ok = <-d:
			if !ok {
				d = nil
			}
		}
		if ok {
			n++
		} else {
			open--
		}
	}
	elapsed := time.Since(start)
	if n != total {
		fail(fmt.Sprintf("select%d: received %d messages, want %d", capacity, n, total))
	}
	return float64(elapsed.Nanoseconds()) / total
}

// sieve finds the sieveCount-th prime with the concurrent prime sieve and
// returns the total milliseconds taken. Its goroutines stay blocked
// afterwards.
func sieve() float64 {
	start := time.Now()
	ch := make(chan int)
	go generate(ch)
	var prime int
	for i := 0; ; i++ {
		prime = <-ch
		if i == sieveCount-1 {
			break
		}
		next := make(chan int)
		go filter(ch, next, prime)
		ch = next
	}
	elapsed := time.Since(start)
	if prime != sievePrime {
		fail(fmt.Sprintf("sieve: prime %d is %d, want %d", sieveCount, prime, sievePrime))
	}
	return float64(elapsed.Nanoseconds()) / 1e6
}

// generate sends 2, 3, 4, ... on ch.
func generate(ch chan<- int) {
	for i := 2; ; i++ {
		ch <- i
	}
}

// filter copies the values received on in to out, dropping multiples of
// prime.
func filter(in <-chan int, out chan<- int, prime int) {
	for {
		i := <-in
		if i%prime != 0 {
			out <- i
		}
	}
}

// echo starts an echo server on a loopback port and echoClients clients
// that each make echoRounds round trips of echoSize bytes; it returns
// nanoseconds per round trip, timed from the first connect to the last
// client finishing.
func echo() float64 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go serveEcho(ln)
	addr := ln.Addr().String()
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < echoClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			echoClient(addr)
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / (echoClients * echoRounds)
}

// serveEcho accepts exactly echoClients connections, one goroutine each,
// then closes ln: a known count needs no way to stop a blocked Accept.
func serveEcho(ln net.Listener) {
	defer ln.Close()
	for c := 0; c < echoClients; c++ {
		conn, err := ln.Accept()
		check(err)
		go echoConn(conn)
	}
}

// echoConn writes back whatever it reads from conn, echoSize bytes at most
// at a time, until the client closes it.
func echoConn(conn net.Conn) {
	defer conn.Close()
	var buf [echoSize]byte
	for {
		n, err := conn.Read(buf[:])
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// echoClient connects to addr and makes echoRounds round trips: it writes
// echoSize bytes, reads exactly echoSize back and checks they match. The
// first byte carries the round number, so a stale or lost message shows.
func echoClient(addr string) {
	conn, err := net.Dial("tcp", addr)
	check(err)
	defer conn.Close()
	var out, back [echoSize]byte
	for i := 0; i < echoRounds; i++ {
		out[0] = byte(i)
		_, err := conn.Write(out[:])
		check(err)
		_, err = io.ReadFull(conn, back[:])
		check(err)
		if !bytes.Equal(out[:], back[:]) {
			fail(fmt.Sprintf("echo: round %d came back different", i))
		}
	}
}

// fileRead writes fileCount files of fileSize bytes into a fresh temporary
// directory, then starts fileReads goroutines that each read one of them
// whole and check its length; it returns nanoseconds per read. Writing the
// files is not timed; the directory is removed afterwards.
func fileRead() float64 {
	dir, err := os.MkdirTemp("", "offshoot-bench-")
	check(err)
	defer os.RemoveAll(dir)
	paths := make([]string, fileCount)
	for i := range paths {
		paths[i] = filepath.Join(dir, strconv.Itoa(i))
		check(os.WriteFile(paths[i], make([]byte, fileSize), 0o600))
	}
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < fileReads; g++ {
		wg.Add(1)
		go func(path string) {
			defer wg.Done()
			data, err := os.ReadFile(path)
			check(err)
			if len(data) != fileSize {
				fail(fmt.Sprintf("fileread: %s has %d bytes, want %d", path, len(data), fileSize))
			}
		}(paths[g%fileCount])
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / fileReads
}

// sleep starts sleepers goroutines that each sleep sleepFor sleepRounds
// times in a row and returns the total milliseconds until all are done.
func sleep() float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for g := 0; g < sleepers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < sleepRounds; i++ {
				time.Sleep(sleepFor)
			}
		}()
	}
	wg.Wait()
	return float64(time.Since(start).Nanoseconds()) / 1e6
}

// check exits through fail if err is not nil.
func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

// fail reports msg on stderr and exits with status 1.
func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}

// vmRSS returns this process's resident set size in bytes, read from the
// VmRSS line of /proc/self/status (which the kernel reports in kB).
func vmRSS() int64 {
	return statusKB("VmRSS:") * 1024
}

// statusKB returns the value of the /proc/self/status line that starts with
// key, in kB.
func statusKB(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == key {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad line:", sc.Text())
				os.Exit(1)
			}
			return kb
		}
	}
	fmt.Fprintln(os.Stderr, "no", key, "line in /proc/self/status")
	os.Exit(1)
	return 0
}
