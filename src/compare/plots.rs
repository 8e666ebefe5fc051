//! The plots beside a comparison: both loss curves and their difference (`compare.svg`),
//! and the Python side's prediction surface (`surface-python.svg`), which it draws none of.

use super::judge::{Status, Verdict};
use super::{output_name, pair_dir};
use crate::diff::{self, Table};
use crate::experiments::{Engine, Experiment};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

/// Draws the plots of the comparison `verdict` of `engine`'s run of `exp` at `seed`.
pub fn draw(
    exp: &Experiment,
    out: &Path,
    seed: u64,
    engine: Engine,
    verdict: &Verdict,
) -> Result<()> {
    let pair = pair_dir(out, exp, seed);
    let losses = |side: &str| -> Result<Vec<f64>> {
        let path = pair.join(side).join("loss.csv");
        Ok(Table::read(&path)?.values)
    };
    let losses = (losses(engine.run_folder())?, losses("python")?);
    let python_dir = pair.join("python");
    let subtitle = plot_subtitle(verdict);

    let first_difference = losses
        .0
        .iter()
        .zip(&losses.1)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    crate::plot::compare(
        &crate::plot::ComparePlot {
            title: &format!(
                "{} (notebook {}), seed {seed}: {} vs Python",
                exp.name,
                exp.notebook,
                match engine {
                    Engine::Exact => "Rust",
                    Engine::Tch => "plain tch port",
                }
            ),
            subtitle: &subtitle,
            step_unit: exp.step_unit,
            rust_label: rust_legend(engine),
            rust: &losses.0,
            python: &losses.1,
            first_difference,
        },
        &pair.join(output_name(engine, "compare", "svg")),
    )?;
    let surface = python_dir.join("surface.csv");
    if surface.exists() {
        // The Python side writes no plot of its own; draw its surface here for comparison.
        let t = Table::read(&surface)?;
        let points = surface_points(&surface, &t)?;
        let title = format!("{} seed {seed} (Python)", exp.name);
        crate::plot::surface(&points, &title, &pair.join("surface-python.svg"))?;
    }
    Ok(())
}

/// The legend of the Rust curve: which engine made the run (the exact engine is plain Rust,
/// only the port runs on tch).
fn rust_legend(engine: Engine) -> &'static str {
    match engine {
        Engine::Exact => "Rust (exact engine)",
        Engine::Tch => "Rust (tch port)",
    }
}

/// The `(x1, x2, prediction)` rows of a `surface.csv` the table read.
fn surface_points(path: &Path, t: &Table) -> Result<Vec<[f64; 3]>> {
    t.keys
        .iter()
        .zip(&t.values)
        .map(|(key, &p)| {
            let coord = |name: &str| -> Result<f64> {
                key.split(", ")
                    .find_map(|kv| kv.strip_prefix(name))
                    .and_then(|v| v.trim().parse().ok())
                    .with_context(|| format!("{}: bad row {key:?}", path.display()))
            };
            Ok([coord("x1 ")?, coord("x2 ")?, p])
        })
        .collect()
}

/// The verdict in a plot's width: status, target, and where it failed first.
fn plot_subtitle(v: &Verdict) -> String {
    let status = match v.status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Reported => "REPORTED",
    };
    let mut s = format!("{status}, target: {}", v.target.description);
    if v.status == Status::Fail {
        for k in v.kinds.iter().filter(|k| !k.passes()) {
            if k.rows_rust != k.rows_python {
                let _ = write!(s, "; {} lengths differ", k.kind);
            } else if let Some(key) = &k.first_outside_key {
                let _ = write!(s, "; {} first outside at {key}", k.kind);
            }
        }
    }
    let _ = write!(
        s,
        " — {} of {} values bit-identical, max abs {}",
        v.values_identical,
        v.values_compared,
        diff::short(v.max_abs)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_names_the_engine_that_made_the_rust_run() {
        let dir = tempfile::tempdir().unwrap();
        for (engine, other) in [(Engine::Exact, Engine::Tch), (Engine::Tch, Engine::Exact)] {
            let path = dir.path().join(output_name(engine, "compare", "svg"));
            let losses = [0.5, 0.25, 0.125];
            crate::plot::compare(
                &crate::plot::ComparePlot {
                    title: "t",
                    subtitle: "s",
                    step_unit: "epochs",
                    rust_label: rust_legend(engine),
                    rust: &losses,
                    python: &losses,
                    first_difference: None,
                },
                &path,
            )
            .unwrap();
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(svg.contains(rust_legend(engine)), "{engine:?}");
            assert!(!svg.contains(rust_legend(other)), "{engine:?}");
        }
    }
}
