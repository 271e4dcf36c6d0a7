//! Size as coverage: libFuzzer keeps inputs that reach new code, not inputs
//! that use more memory or stack, so the targets report each new power of
//! two they reach as a branch of its own. That steers the fuzzer towards
//! expansion bombs, deep nesting and costly patterns (the limits of DESIGN
//! §5 and §9) without the target knowing their shape.
#![allow(dead_code)] // each target uses what it needs

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// One distinct branch for every power of two up to `n`; each `KIND` has
/// its own branches.
#[inline(never)]
pub fn magnitude<const KIND: u8>(n: usize) {
    macro_rules! bits {
        ($($k:literal)*) => { $( if n >> $k != 0 { black_box($k); } )* };
    }
    bits!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
}

/// The address of a local in the caller's frame: the difference between
/// two calls is the stack used between them.
#[inline(always)]
pub fn stack_pointer() -> usize {
    let here = 0u8;
    black_box(&here) as *const u8 as usize
}

/// Runs `f` and reports the most heap it held at once, as [`magnitude`].
pub fn peak_heap<T>(f: impl FnOnce() -> T) -> T {
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    let out = f();
    magnitude::<255>(PEAK.load(Relaxed).saturating_sub(start));
    out
}

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes and their peak.
struct Counting;

#[global_allocator]
static COUNTING: Counting = Counting;

fn grew(bytes: usize) {
    PEAK.fetch_max(LIVE.fetch_add(bytes, Relaxed) + bytes, Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Relaxed);
        grew(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
