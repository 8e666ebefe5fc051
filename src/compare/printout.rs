//! Holding a transcript against the lines its notebook printed
//! (`notebooks/printed/<experiment>.txt`), aligned line by line.

use super::target::Printout;
use crate::experiments::Experiment;
use anyhow::{Context, Result};
use serde::Serialize;

/// The lines a notebook printed, held in `notebooks/printed/<experiment>.txt` for the
/// notebooks that seed themselves; `None` for the others.
pub fn printed_lines(exp: &Experiment) -> Result<Option<Vec<String>>> {
    let path = crate::run::python::project_root()
        .join("notebooks/printed")
        .join(format!("{}.txt", exp.name));
    if !path.exists() {
        return Ok(None);
    }
    read_printout(&path).map(Some)
}

/// The lines a printout file holds, as a transcript is held against them: non-blank, trimmed,
/// without the lines starting with `#`, which cite the source (no notebook printed such a
/// line).
pub fn read_printout(path: &std::path::Path) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(significant_lines(&text)
        .filter(|l| !l.starts_with('#'))
        .collect())
}

/// Non-blank lines, trimmed: the notebook captures lost leading spaces and blank lines in
/// their conversion to text, so those cannot be held against a transcript.
fn significant_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
}

/// A transcript held against the lines the notebook printed.
#[derive(Debug, Clone, Serialize)]
pub struct PrintoutCheck {
    pub expected: usize,
    pub actual: usize,
    /// Each difference: the notebook's line (number among its printed lines, text) that the
    /// transcript lacks, and/or the transcript's line (number, text) that the notebook lacks;
    /// a changed line has both.
    pub differing: Vec<LineDifference>,
    /// Whether every line the target requires matched.
    pub reproduced: bool,
}

/// One difference between the notebook's printout and a transcript.
#[derive(Debug, Clone, Serialize)]
pub struct LineDifference {
    pub notebook: Option<(usize, String)>,
    pub transcript: Option<(usize, String)>,
}

/// Compares `transcript` with the lines the notebook printed (both without blank lines),
/// aligned by their longest common subsequence so one missing line is one difference.
pub fn check_printout(
    expected: &[String],
    transcript: &str,
    rule: Printout,
    prints_loss: fn(&str) -> bool,
) -> PrintoutCheck {
    let actual: Vec<String> = significant_lines(transcript).collect();
    let (n, m) = (expected.len(), actual.len());
    // lcs[i][j]: common subsequence length of expected[i..] and actual[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if expected[i] == actual[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    let mut differing = Vec::new();
    let mut flush = |missing: &mut Vec<(usize, String)>, extra: &mut Vec<(usize, String)>| {
        let k = missing.len().max(extra.len());
        let (mut a, mut b) = (missing.drain(..), extra.drain(..));
        for _ in 0..k {
            differing.push(LineDifference {
                notebook: a.next(),
                transcript: b.next(),
            });
        }
    };
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            flush(&mut missing, &mut extra);
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            missing.push((i + 1, expected[i].clone()));
            i += 1;
        } else {
            extra.push((j + 1, actual[j].clone()));
            j += 1;
        }
    }
    flush(&mut missing, &mut extra);
    let required = |line: &Option<(usize, String)>| match (rule, line) {
        (_, None) => false,
        (Printout::Every, Some(_)) => true,
        (Printout::Losses, Some((_, text))) => prints_loss(text),
    };
    let reproduced = differing
        .iter()
        .all(|d| !required(&d.notebook) && !required(&d.transcript));
    PrintoutCheck {
        expected: n,
        actual: m,
        differing,
        reproduced,
    }
}
