//! `libmkl_as_intel.so`: preloaded (`LD_PRELOAD`) into a process that runs libtorch, it
//! answers MKL's vendor check, `mkl_serv_intel_cpu_true` (which libtorch exports, so the
//! preloaded definition is the one MKL calls), with 1, and MKL takes its dispatch for Intel's
//! CPUs on any x86 CPU. xor-repro preloads it into the Python side and libtorch only under
//! `XOR_REPRO_MKL_AS_INTEL=1`, for measuring and testing one machine on another's path; no
//! other run loads it.

/// MKL's question "is this an Intel CPU?", answered yes.
#[no_mangle]
pub extern "C" fn mkl_serv_intel_cpu_true() -> std::os::raw::c_int {
    1
}
