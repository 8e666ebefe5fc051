//! The `xor-repro` binary: parses the command line (see `cli.rs`) and turns any error into
//! one line on standard error and exit code 2.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match xor_repro::cli::main() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    };
    // libtorch's static destructors (tearing down its operator registry) cost about a third
    // of a short run; every file is closed by now, so flush and leave without running them.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let status = if code == ExitCode::SUCCESS {
        0
    } else if code == ExitCode::from(1) {
        1
    } else {
        2
    };
    // SAFETY: _exit only ends the process; nothing after this point needs to run.
    unsafe { libc::_exit(status) }
}
