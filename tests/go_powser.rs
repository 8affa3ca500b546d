//! A port of Go's `test/chan/powser1.go`: "Power series package. A power series is a channel,
//! along which flow rational coefficients. A denominator of zero signifies the end. Original
//! code in Newsqueak by Doug McIlroy. See Squinting at Power Series by Doug McIlroy."
//!
//! Every series is a *demand channel* (`Dch`): a consumer sends a request on `req`, the
//! producer answers with one coefficient on `dat`. Producers are coroutines, many of them
//! recursive (`Mul`, `Exp`, `Split`), and the program checks the first coefficients of sums,
//! products, derivatives, integrals, the exponential and the arctangent. It exercises unbuffered
//! channels, `select` with send and receive cases switched on and off (Go's nil channels), and
//! thousands of coroutines blocked in chains.
//!
//! As in Go, the producers run forever and are left parked when the test ends (their channels
//! are shared by both ends, so nothing ever closes). Go's global `seqno`, incremented racily by
//! many goroutines and never read for its value, is an atomic here. Go's `*dch` is an `Arc<Dch>`;
//! Go's `*dch2`, a pair that `dosplit` swaps in place for all its generations to see, is an
//! `Arc<Mutex<[Arc<Dch>; 2]>>` (a std lock, held only for a read or the swap, never across a
//! channel operation).
//!
//! Only the `else` (test) branch of Go's `main` is ported; its printing branch is not.

mod common_chan;

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common_chan::run_watched;
use offshoot::{chan, go, never, select, Receiver, Sender};

// ---- rationals ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rat {
    num: i64,
    den: i64,
}

impl Rat {
    fn eq(self, c: Rat) -> bool {
        self.num == c.num && self.den == c.den
    }
}

impl std::fmt::Display for Rat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Integer gcd; needed for rational arithmetic. (Go's, sign conventions and all.)
fn gcd(u: i64, v: i64) -> i64 {
    if u < 0 {
        return gcd(-u, v);
    }
    if u == 0 {
        return v;
    }
    gcd(v % u, u)
}

/// Make a rational from two ints.
fn i2tor(u: i64, v: i64) -> Rat {
    let g = gcd(u, v);
    if v > 0 {
        Rat {
            num: u / g,
            den: v / g,
        }
    } else {
        Rat {
            num: -u / g,
            den: -v / g,
        }
    }
}

/// Make a rational from one int.
fn itor(u: i64) -> Rat {
    i2tor(u, 1)
}

fn zero() -> Rat {
    itor(0)
}

fn one() -> Rat {
    itor(1)
}

/// End mark.
fn finis() -> Rat {
    i2tor(1, 0)
}

/// End test.
fn end(u: Rat) -> i64 {
    if u.den == 0 {
        1
    } else {
        0
    }
}

fn add(u: Rat, v: Rat) -> Rat {
    let g = gcd(u.den, v.den);
    i2tor(
        u.num * (v.den / g) + v.num * (u.den / g),
        u.den * (v.den / g),
    )
}

fn mul(u: Rat, v: Rat) -> Rat {
    let g1 = gcd(u.num, v.den);
    let g2 = gcd(u.den, v.num);
    Rat {
        num: (u.num / g1) * (v.num / g2),
        den: (u.den / g2) * (v.den / g1),
    }
}

fn neg(u: Rat) -> Rat {
    i2tor(-u.num, u.den)
}

fn sub(u: Rat, v: Rat) -> Rat {
    add(u, neg(v))
}

/// Invert a rat.
fn inv(u: Rat) -> Rat {
    assert!(u.num != 0, "zero divide in inv");
    i2tor(u.den, u.num)
}

// ---- demand channels ---------------------------------------------------------------------------

/// A demand channel: both ends of `req` and of `dat`, as a Go `chan` is both.
struct Dch {
    req_tx: Sender<i64>,
    req: Receiver<i64>,
    dat_tx: Sender<Rat>,
    dat: Receiver<Rat>,
    #[allow(dead_code)]
    nam: usize,
}

/// A power series.
type Ps = Arc<Dch>;
/// A pair of power series, shared by all generations of a split (Go's `*dch2`).
type Ps2 = Arc<Mutex<[Ps; 2]>>;

const CHNAMES: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Go's globals `chnameserial` and `seqno` (the names and sequence numbers are never used for
/// anything but debugging output).
static CHNAMESERIAL: AtomicUsize = AtomicUsize::new(0);
static SEQNO: AtomicI64 = AtomicI64::new(0);

fn next_seqno() -> i64 {
    SEQNO.fetch_add(1, Ordering::Relaxed) + 1
}

fn mkdch() -> Ps {
    let c = CHNAMESERIAL.fetch_add(1, Ordering::Relaxed) % CHNAMES.len();
    let (req_tx, req) = chan(0);
    let (dat_tx, dat) = chan(0);
    Arc::new(Dch {
        req_tx,
        req,
        dat_tx,
        dat,
        nam: c,
    })
}

fn mkdch2() -> Ps2 {
    Arc::new(Mutex::new([mkdch(), mkdch()]))
}

fn at(out: &Ps2, i: usize) -> Ps {
    out.lock().unwrap()[i].clone()
}

// split reads a single demand channel and replicates its output onto two, which may be read at
// different rates. A process is created at first demand for a rat and dies after the rat has
// been sent to both outputs.
//
// When multiple generations of split exist, the newest will service requests on one channel,
// which is always renamed to be out[0]; the oldest will service requests on the other channel,
// out[1]. All generations but the newest hold queued data that has already been sent to out[0].
// When data has finally been sent to out[1], a signal on the release-wait channel tells the next
// newer generation to begin servicing out[1].

fn dosplit(inp: Ps, out: Ps2, wait: Receiver<i32>) {
    let mut both = false; // do not service both channels

    let (o0, o1) = (at(&out, 0), at(&out, 1));
    select! {
        recv(o0.req) -> v => { v.unwrap(); }
        recv(wait) -> v => {
            v.unwrap();
            both = true;
            let (o0, o1) = (at(&out, 0), at(&out, 1));
            select! {
                recv(o0.req) -> v => { v.unwrap(); }
                recv(o1.req) -> v => {
                    v.unwrap();
                    out.lock().unwrap().swap(0, 1);
                }
            }
        }
    }
    drop((o0, o1));

    inp.req_tx.send(next_seqno()).unwrap();
    let (release_tx, release) = chan(0);
    let (i, o) = (inp.clone(), out.clone());
    go(move || dosplit(i, o, release));
    let dat = inp.dat.recv().unwrap();
    at(&out, 0).dat_tx.send(dat).unwrap();
    if !both {
        wait.recv().unwrap();
    }
    at(&out, 1).req.recv().unwrap();
    at(&out, 1).dat_tx.send(dat).unwrap();
    release_tx.send(0).unwrap();
}

fn split(inp: Ps, out: Ps2) {
    let (release_tx, release) = chan(0);
    go(move || dosplit(inp, out, release));
    release_tx.send(0).unwrap();
}

fn put(dat: Rat, out: &Ps) {
    out.req.recv().unwrap();
    out.dat_tx.send(dat).unwrap();
}

fn get(inp: &Ps) -> Rat {
    inp.req_tx.send(next_seqno()).unwrap();
    inp.dat.recv().unwrap()
}

/// Get one rat from each of n demand channels: the requests and the answers in any order, each
/// case switched off (Go: set to nil) once done.
fn getn(inp: &[Ps]) -> Vec<Rat> {
    let n = inp.len();
    assert_eq!(n, 2, "bad n in getn");
    // Go's nil send channel for switched-off request cases; its receiver lives as long as
    // `getn` runs, so the channel is neither closed nor disconnected meanwhile.
    let (nil_req, _nil_req_rx) = chan::<i64>(0);
    let mut req: [Sender<i64>; 2] = [inp[0].req_tx.clone(), inp[1].req_tx.clone()];
    let mut dat: [Receiver<Rat>; 2] = [never(), never()];
    let mut out = vec![zero(); 2];
    for _ in 0..2 * n {
        let seqno = next_seqno();
        select! {
            send(req[0], seqno) -> r => {
                r.unwrap();
                dat[0] = inp[0].dat.clone();
                req[0] = nil_req.clone();
            }
            send(req[1], seqno) -> r => {
                r.unwrap();
                dat[1] = inp[1].dat.clone();
                req[1] = nil_req.clone();
            }
            recv(dat[0]) -> it => {
                out[0] = it.unwrap();
                dat[0] = never();
            }
            recv(dat[1]) -> it => {
                out[1] = it.unwrap();
                dat[1] = never();
            }
        }
    }
    out
}

/// Get one rat from each of 2 demand channels.
fn get2(in0: &Ps, in1: &Ps) -> Vec<Rat> {
    getn(&[in0.clone(), in1.clone()])
}

fn copy(inp: &Ps, out: &Ps) -> ! {
    loop {
        out.req.recv().unwrap();
        out.dat_tx.send(get(inp)).unwrap();
    }
}

fn repeat(dat: Rat, out: &Ps) -> ! {
    loop {
        put(dat, out);
    }
}

fn mk_ps() -> Ps {
    mkdch()
}

fn mk_ps2() -> Ps2 {
    mkdch2()
}

// Conventions: upper-case for power series, lower-case for rationals. Input variables: U, V,
// ...; output variables: ..., Y, Z.
//
// Power-series constructors return channels on which power series flow. They start an
// encapsulated generator that puts the terms of the series on the channel.

/// Make a pair of power series identical to a given power series.
#[allow(non_snake_case)]
fn Split(u: &Ps) -> Ps2 {
    let uu = mkdch2();
    let (u, uu2) = (u.clone(), uu.clone());
    go(move || split(u, uu2));
    uu
}

/// Add two power series.
#[allow(non_snake_case)]
fn Add(u: &Ps, v: &Ps) -> Ps {
    let z = mk_ps();
    let (u, v, zz) = (u.clone(), v.clone(), z.clone());
    go(move || loop {
        zz.req.recv().unwrap();
        let uv = get2(&u, &v);
        match end(uv[0]) + 2 * end(uv[1]) {
            0 => zz.dat_tx.send(add(uv[0], uv[1])).unwrap(),
            1 => {
                zz.dat_tx.send(uv[1]).unwrap();
                copy(&v, &zz);
            }
            2 => {
                zz.dat_tx.send(uv[0]).unwrap();
                copy(&u, &zz);
            }
            3 => zz.dat_tx.send(finis()).unwrap(),
            _ => unreachable!(),
        }
    });
    z
}

/// Multiply a power series by a constant.
#[allow(non_snake_case)]
fn Cmul(c: Rat, u: &Ps) -> Ps {
    let z = mk_ps();
    let (u, zz) = (u.clone(), z.clone());
    go(move || {
        let mut done = false;
        while !done {
            zz.req.recv().unwrap();
            let u = get(&u);
            if end(u) != 0 {
                done = true;
            } else {
                zz.dat_tx.send(mul(c, u)).unwrap();
            }
        }
        zz.dat_tx.send(finis()).unwrap();
    });
    z
}

/// Subtract.
#[allow(non_snake_case)]
fn Sub(u: &Ps, v: &Ps) -> Ps {
    Add(u, &Cmul(neg(one()), v))
}

/// Multiply a power series by the monomial x^n.
#[allow(non_snake_case, dead_code)]
fn Monmul(u: &Ps, n: i32) -> Ps {
    let z = mk_ps();
    let (u, zz) = (u.clone(), z.clone());
    go(move || {
        for _ in 0..n {
            put(zero(), &zz);
        }
        copy(&u, &zz);
    });
    z
}

/// Multiply by x.
#[allow(non_snake_case, dead_code)]
fn Xmul(u: &Ps) -> Ps {
    Monmul(u, 1)
}

#[allow(non_snake_case)]
fn Rep(c: Rat) -> Ps {
    let z = mk_ps();
    let zz = z.clone();
    go(move || repeat(c, &zz));
    z
}

/// Monomial c*x^n.
#[allow(non_snake_case, dead_code)]
fn Mon(c: Rat, n: i32) -> Ps {
    let z = mk_ps();
    let zz = z.clone();
    go(move || {
        if c.num != 0 {
            for _ in 0..n {
                put(zero(), &zz);
            }
            put(c, &zz);
        }
        put(finis(), &zz);
    });
    z
}

#[allow(non_snake_case)]
fn Shift(c: Rat, u: &Ps) -> Ps {
    let z = mk_ps();
    let (u, zz) = (u.clone(), z.clone());
    go(move || {
        put(c, &zz);
        copy(&u, &zz);
    });
    z
}

/// Multiply. The algorithm is
///   let U = u + x*UU
///   let V = v + x*VV
///   then UV = u*v + x*(u*VV+v*UU) + x*x*UU*VV
#[allow(non_snake_case)]
fn Mul(u: &Ps, v: &Ps) -> Ps {
    let z = mk_ps();
    let (U, V, Z) = (u.clone(), v.clone(), z.clone());
    go(move || {
        Z.req.recv().unwrap();
        let uv = get2(&U, &V);
        if end(uv[0]) != 0 || end(uv[1]) != 0 {
            Z.dat_tx.send(finis()).unwrap();
        } else {
            Z.dat_tx.send(mul(uv[0], uv[1])).unwrap();
            let UU = Split(&U);
            let VV = Split(&V);
            let W = Add(&Cmul(uv[0], &at(&VV, 0)), &Cmul(uv[1], &at(&UU, 0)));
            Z.req.recv().unwrap();
            Z.dat_tx.send(get(&W)).unwrap();
            copy(&Add(&W, &Mul(&at(&UU, 1), &at(&VV, 1))), &Z);
        }
    });
    z
}

/// Differentiate.
#[allow(non_snake_case)]
fn Diff(u: &Ps) -> Ps {
    let z = mk_ps();
    let (U, Z) = (u.clone(), z.clone());
    go(move || {
        Z.req.recv().unwrap();
        let mut u = get(&U);
        if end(u) == 0 {
            let mut done = false;
            let mut i = 1;
            while !done {
                u = get(&U);
                if end(u) != 0 {
                    done = true;
                } else {
                    Z.dat_tx.send(mul(itor(i), u)).unwrap();
                    Z.req.recv().unwrap();
                }
                i += 1;
            }
        }
        Z.dat_tx.send(finis()).unwrap();
    });
    z
}

/// Integrate, with const of integration.
#[allow(non_snake_case)]
fn Integ(c: Rat, u: &Ps) -> Ps {
    let z = mk_ps();
    let (U, Z) = (u.clone(), z.clone());
    go(move || {
        put(c, &Z);
        let mut done = false;
        let mut i = 1;
        while !done {
            Z.req.recv().unwrap();
            let u = get(&U);
            if end(u) != 0 {
                done = true;
            }
            Z.dat_tx.send(mul(i2tor(1, i), u)).unwrap();
            i += 1;
        }
        Z.dat_tx.send(finis()).unwrap();
    });
    z
}

/// Binomial theorem (1+x)^c.
#[allow(non_snake_case, dead_code)]
fn Binom(c: Rat) -> Ps {
    let z = mk_ps();
    let Z = z.clone();
    go(move || {
        let mut c = c;
        let mut n = 1;
        let mut t = itor(1);
        while c.num != 0 {
            put(t, &Z);
            t = mul(mul(t, c), i2tor(1, n));
            c = sub(c, one());
            n += 1;
        }
        put(finis(), &Z);
    });
    z
}

/// Reciprocal of a power series
///   let U = u + x*UU
///   let Z = z + x*ZZ
///   (u+x*UU)*(z+x*ZZ) = 1
///   z = 1/u
///   u*ZZ + z*UU +x*UU*ZZ = 0
///   ZZ = -UU*(z+x*ZZ)/u
#[allow(non_snake_case, dead_code)]
fn Recip(u: &Ps) -> Ps {
    let z = mk_ps();
    let (U, Z) = (u.clone(), z.clone());
    go(move || {
        let ZZ = mk_ps2();
        Z.req.recv().unwrap();
        let z = inv(get(&U));
        Z.dat_tx.send(z).unwrap();
        split(Mul(&Cmul(neg(z), &U), &Shift(z, &at(&ZZ, 0))), ZZ.clone());
        copy(&at(&ZZ, 1), &Z);
    });
    z
}

/// Exponential of a power series with constant term 0 (nonzero constant term would make
/// nonrational coefficients). Bug (Go's): the constant term is simply ignored.
///   Z = exp(U)
///   DZ = Z*DU
///   integrate to get Z
#[allow(non_snake_case)]
fn Exp(u: &Ps) -> Ps {
    let ZZ = mk_ps2();
    split(Integ(one(), &Mul(&at(&ZZ, 0), &Diff(u))), ZZ.clone());
    at(&ZZ, 1)
}

/// Substitute V for x in U, where the leading term of V is zero
///   let U = u + x*UU
///   let V = v + x*VV
///   then S(U,V) = u + VV*S(V,UU)
/// Bug (Go's): a nonzero constant term is ignored.
#[allow(non_snake_case, dead_code)]
fn Subst(u: &Ps, v: &Ps) -> Ps {
    let z = mk_ps();
    let (U, V, Z) = (u.clone(), v.clone(), z.clone());
    go(move || {
        let VV = Split(&V);
        Z.req.recv().unwrap();
        let u = get(&U);
        Z.dat_tx.send(u).unwrap();
        if end(u) == 0 {
            if end(get(&at(&VV, 0))) != 0 {
                put(finis(), &Z);
            } else {
                copy(&Mul(&at(&VV, 0), &Subst(&U, &at(&VV, 1))), &Z);
            }
        }
    });
    z
}

/// Monomial Substitution: U(c x^n). Each Ui is multiplied by c^i and followed by n-1 zeros.
#[allow(non_snake_case)]
fn MonSubst(u: &Ps, c0: Rat, n: i32) -> Ps {
    let z = mk_ps();
    let (U, Z) = (u.clone(), z.clone());
    go(move || {
        let mut c = one();
        loop {
            Z.req.recv().unwrap();
            let u = get(&U);
            Z.dat_tx.send(mul(u, c)).unwrap();
            c = mul(c, c0);
            if end(u) != 0 {
                Z.dat_tx.send(finis()).unwrap();
                break;
            }
            for _ in 1..n {
                Z.req.recv().unwrap();
                Z.dat_tx.send(zero()).unwrap();
            }
        }
    });
    z
}

fn check(u: &Ps, c: Rat, count: usize, what: &str) {
    for i in 0..count {
        let r = get(u);
        assert!(r.eq(c), "{what}: term {i}: got {r}, should get {c}");
    }
}

const N: usize = 10;

fn checka(u: &Ps, a: &[Rat], what: &str) {
    for (i, &c) in a.iter().enumerate().take(N) {
        let r = get(u);
        assert!(r.eq(c), "{what}: term {i}: got {r}, should get {c}");
    }
}

#[test]
fn powser1() {
    run_watched("powser1", || {
        // Go's Init.
        let ones = Rep(one());
        let twos = Rep(itor(2));

        check(&ones, one(), 5, "Ones");
        // Go checks 0 terms of these (the comments give what they would be); kept as in Go.
        check(&Add(&ones, &ones), itor(2), 0, "Add Ones Ones"); // 1 1 1 1 1
        check(&Add(&ones, &twos), itor(3), 0, "Add Ones Twos"); // 3 3 3 3 3
        let mut a = vec![zero(); N];
        let d = Diff(&ones);
        for (i, a) in a.iter_mut().enumerate() {
            *a = itor(i as i64 + 1);
        }
        checka(&d, &a, "Diff"); // 1 2 3 4 5
        let inn = Integ(zero(), &ones);
        a[0] = zero(); // integration constant
        for (i, a) in a.iter_mut().enumerate().skip(1) {
            *a = i2tor(1, i as i64);
        }
        checka(&inn, &a, "Integ"); // 0 1 1/2 1/3 1/4 1/5
        check(&Cmul(neg(one()), &twos), itor(-2), 10, "CMul"); // -1 -1 -1 -1 -1
        check(&Sub(&ones, &twos), itor(-1), 0, "Sub Ones Twos"); // -1 -1 -1 -1 -1
        let m = Mul(&ones, &ones);
        for (i, a) in a.iter_mut().enumerate() {
            *a = itor(i as i64 + 1);
        }
        checka(&m, &a, "Mul"); // 1 2 3 4 5
        let e = Exp(&ones);
        a[0] = itor(1);
        a[1] = itor(1);
        a[2] = i2tor(3, 2);
        a[3] = i2tor(13, 6);
        a[4] = i2tor(73, 24);
        a[5] = i2tor(167, 40);
        a[6] = i2tor(4051, 720);
        a[7] = i2tor(37633, 5040);
        a[8] = i2tor(43817, 4480);
        a[9] = i2tor(4596553, 362880);
        checka(&e, &a, "Exp"); // 1 1 3/2 13/6 73/24
        let at = Integ(zero(), &MonSubst(&ones, neg(one()), 2));
        let mut c = 1;
        for (i, a) in a.iter_mut().enumerate() {
            if i % 2 == 0 {
                *a = zero();
            } else {
                *a = i2tor(c, i as i64);
                c *= -1;
            }
        }
        checka(&at, &a, "ATan"); // 0 -1 0 -1/3 0 -1/5

        // Not in Go's program: the three checks it runs for 0 terms, for 5.
        check(&Add(&ones, &ones), itor(2), 5, "Add Ones Ones");
        check(&Add(&ones, &twos), itor(3), 5, "Add Ones Twos");
        check(&Sub(&ones, &twos), itor(-1), 5, "Sub Ones Twos");
        eprintln!(
            "powser1: {} coroutines alive in the runtime at the end (left parked, as in Go)",
            offshoot::num_coroutines()
        );
    });
}

/// Not in Go's program: the rational arithmetic the port relies on, against hand results, so
/// that a failure of `powser1` points at the channels and not at a mistranslated `rat`.
#[test]
fn powser1_rationals() {
    assert_eq!(i2tor(2, 4), Rat { num: 1, den: 2 });
    assert_eq!(i2tor(3, -6), Rat { num: -1, den: 2 });
    assert_eq!(add(i2tor(1, 2), i2tor(1, 3)), i2tor(5, 6));
    assert_eq!(mul(i2tor(2, 3), i2tor(9, 4)), i2tor(3, 2));
    assert_eq!(sub(one(), itor(2)), itor(-1));
    assert_eq!(inv(i2tor(-2, 3)), i2tor(-3, 2));
    assert_eq!(end(finis()), 1);
    assert_eq!(end(zero()), 0);
}
