//! Judging a run against its Python reference: the fidelity target (`target`), the judgement
//! with `compare.csv` and `verdict.json` (`judge`), its plots (`plots`), and the printout
//! check against the notebook's printed lines (`printout`).

pub mod judge;
pub mod plots;
pub mod printout;
pub mod target;

pub use judge::{judge, judge_on, KindResult, Status, Verdict};
pub use plots::draw;
pub use printout::{check_printout, printed_lines, read_printout, LineDifference, PrintoutCheck};
pub use target::{target, Check, Printout, Target};

use crate::experiments::{Engine, Experiment};
use std::path::{Path, PathBuf};

/// `DIR/NAME/seed-S`: the folder holding `rust/`, `python/` and the comparison.
pub fn pair_dir(out: &Path, exp: &Experiment, seed: u64) -> PathBuf {
    crate::record::run_dir(out, exp.name, seed, "rust")
        .parent()
        .expect("a run folder has a parent")
        .to_path_buf()
}

/// The files a comparison of `engine`'s run writes: `compare.csv`, … for the exact engine,
/// `compare-tch.csv`, … for the plain tch port.
pub fn output_name(engine: Engine, stem: &str, ext: &str) -> String {
    match engine {
        Engine::Exact => format!("{stem}.{ext}"),
        Engine::Tch => format!("{stem}-tch.{ext}"),
    }
}
