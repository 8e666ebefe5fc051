//! The `xor-repro` binary: parses the command line (see `cli.rs`) and turns any error into
//! one line on standard error and exit code 2 (141 when standard output was closed under a
//! command that otherwise succeeded, see `output.rs`). It does not load libtorch; commands
//! that train the PyTorch or TensorFlow notebooks continue in `xor-repro-torch` (see
//! `engine.rs`).

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
