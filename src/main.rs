//! The `xor-repro` binary: runs the command line (see `cli/`) and turns any error into one
//! line on standard error and exit code 2 (141 when standard output was closed under a
//! command that otherwise succeeded, see `output.rs`). It does not load libtorch; a command
//! that trains on it (a plain tch port, or a PyTorch notebook's fallback engine where
//! libtorch's kernel paths here are not reproduced) continues in `xor-repro-torch` (see
//! `run/engine.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = match xor_repro::cli::main() {
        Ok(code) => code,
        Err(err) => {
            xor_repro::errln!("error: {err:#}");
            ExitCode::from(2)
        }
    };
    xor_repro::console::output::exit_code(code)
}
