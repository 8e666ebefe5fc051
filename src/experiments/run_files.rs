//! What a notebook's paragraph in `REPORT.md` may read of its runs: the columns of one side's
//! files, so its figures come from the run rather than being typed in.

use crate::diff::Table;
use std::path::Path;

/// The run folders of one experiment at one seed.
pub struct RunFiles<'a> {
    pub out: &'a Path,
    pub experiment: &'a str,
    pub seed: u64,
}

impl RunFiles<'_> {
    /// The value column of one CSV of the exact engine's run, if it wrote it.
    pub fn column(&self, file: &str) -> Option<Vec<f64>> {
        let path = crate::record::run_dir(self.out, self.experiment, self.seed, "rust").join(file);
        Table::read(&path).ok().map(|t| t.values)
    }

    /// The four trained outputs (`predictions.csv`), in XOR input order.
    pub fn trained_outputs(&self) -> Option<[f64; 4]> {
        self.column("predictions.csv")?.as_slice().try_into().ok()
    }
}

/// A notebook's paragraph, and the four outputs it printed at its end when it printed them
/// (a sweep then says which seeds end there).
#[derive(Debug, Clone, Default)]
pub struct Notes {
    pub text: String,
    pub printed_outputs: Option<[f64; 4]>,
}

impl Notes {
    pub fn text(text: impl Into<String>) -> Notes {
        Notes {
            text: text.into(),
            printed_outputs: None,
        }
    }
}
