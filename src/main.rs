//! The `xor-repro` binary: parses the command line (see `cli.rs`) and turns any error into
//! one line on standard error and exit code 2. It does not load libtorch; commands that train
//! the PyTorch or TensorFlow notebooks continue in `xor-repro-torch` (see `engine.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    match xor_repro::cli::main() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
