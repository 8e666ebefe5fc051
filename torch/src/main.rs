//! The `xor-repro-torch` binary: `xor-repro`'s command line with the libtorch experiments
//! registered. `xor-repro` hands commands that train them over to it.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    xor_repro::run::engine::register(&xor_repro_torch::LIBTORCH);
    let code = match xor_repro::cli::main() {
        Ok(code) => code,
        Err(err) => {
            xor_repro::errln!("error: {err:#}");
            ExitCode::from(2)
        }
    };
    let code = xor_repro::console::output::exit_code(code);
    // libtorch's static destructors (tearing down its operator registry) cost about a third
    // of a short run; every file is closed by now, so flush and leave without running them.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let closed_pipe = xor_repro::console::output::CLOSED_PIPE_STATUS;
    let status = if code == ExitCode::SUCCESS {
        0
    } else if code == ExitCode::from(1) {
        1
    } else if code == ExitCode::from(closed_pipe) {
        i32::from(closed_pipe)
    } else {
        2
    };
    // SAFETY: _exit only ends the process; nothing after this point needs to run.
    unsafe { libc::_exit(status) }
}
