//! `libmkl_as_intel.so`: preloaded (`LD_PRELOAD`) into a process that runs libtorch, it
//! answers MKL's two vendor questions with 1, and MKL takes its dispatch for Intel's CPUs on
//! any x86 CPU. libtorch exports both functions, so the preloaded definitions are the ones
//! MKL calls. xor-repro preloads it into the Python side and libtorch only under
//! `XOR_REPRO_MKL_AS_INTEL=1`, for measuring and testing one machine on another's path; no
//! other run loads it.
//!
//! Measured on an AMD EPYC Zen 3 (issue 28): MKL's arithmetic follows
//! `mkl_serv_intel_cpu_true`, while the processor name `MKL_VERBOSE` prints (and so what a
//! test can hold the dispatch against) follows `mkl_serv_intel_cpu`. Answering one alone
//! leaves MKL computing on one path and naming another.

use std::os::raw::c_int;

/// MKL's question "is this an Intel CPU?" as its dispatch asks it, answered yes.
#[no_mangle]
pub extern "C" fn mkl_serv_intel_cpu_true() -> c_int {
    1
}

/// The same question as MKL's service layer asks it (the name `MKL_VERBOSE` prints follows
/// it), answered yes.
#[no_mangle]
pub extern "C" fn mkl_serv_intel_cpu() -> c_int {
    1
}
