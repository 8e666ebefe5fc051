//! `explain NAME`: runs both sides of an experiment, finds the first step where anything they
//! record differs, re-runs both traced around that step, and explains the pair; and `explain
//! A B` on two traced folders. Both write `explain.md` and `explain.svg` into the pair's folder.

use super::{render, Explanation, Side};
use crate::console::progress::Progress;
use crate::experiments::{Engine, Experiment};
use crate::record;
use crate::run::{self, Settings};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// What one `explain` found, and where it wrote it.
pub struct Outcome {
    pub explanation: Explanation,
    pub a: Side,
    pub b: Side,
    /// The one line printed.
    pub headline: String,
    pub markdown: PathBuf,
    pub svg: PathBuf,
}

impl Outcome {
    pub fn identical(&self) -> bool {
        self.explanation.identical()
    }
}

/// Explains two traced run folders and writes `explain.md` and `explain.svg` beside them.
pub fn folders(a: &Path, b: &Path, step_unit: &str) -> Result<Outcome> {
    let (e, sa, sb) = super::explain_dirs(a, b)?;
    let title = match &sa.info {
        Some(info) => format!(
            "{} seed {}: {} against {}",
            info.experiment, info.seed, sa.label, sb.label
        ),
        None => format!("{} against {}", a.display(), b.display()),
    };
    write(e, sa, sb, &title, step_unit)
}

fn write(e: Explanation, a: Side, b: Side, title: &str, step_unit: &str) -> Result<Outcome> {
    let (folder, stem) = super::output_paths(&a, &b);
    let markdown = folder.join(format!("{stem}.md"));
    let svg = folder.join(format!("{stem}.svg"));
    let headline = render::headline(&e, &a.label, &b.label);
    crate::plot::growth(
        &crate::plot::GrowthPlot {
            title,
            subtitle: &shorten(&headline, 150),
            step_unit,
            loss: &e.loss_growth,
            traced: &e.step_growth,
            first: e.first.as_ref().map(|f| f.step).or(e.first_loss_difference),
        },
        &svg,
    )?;
    let svg_name = svg.file_name().map(|n| n.to_string_lossy().to_string());
    record::write_atomic(
        &markdown,
        render::markdown(&e, &a, &b, title, svg_name.as_deref()),
    )?;
    Ok(Outcome {
        explanation: e,
        a,
        b,
        headline,
        markdown,
        svg,
    })
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// The first step at which anything the two runs record differs: the first loss that
/// differs, or, when every loss agrees but a trained parameter or prediction does not, the
/// last step (its update). `None` when everything is bit-identical.
pub fn first_differing_step(a: &Path, b: &Path, steps: usize) -> Result<Option<usize>> {
    let la = super::read_losses(&a.join("loss.csv"))?.unwrap_or_default();
    let lb = super::read_losses(&b.join("loss.csv"))?.unwrap_or_default();
    if let Some(step) = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x.to_bits() != y.to_bits())
    {
        return Ok(Some(step));
    }
    for file in [
        "params.csv",
        "predictions.csv",
        "last_epoch_predictions.csv",
        "surface.csv",
    ] {
        if numbers(&a.join(file))? != numbers(&b.join(file))? {
            return Ok(Some(steps.saturating_sub(1)));
        }
    }
    Ok(None)
}

/// Every numeric field of a CSV, as bits, in file order (empty when the file is absent).
fn numbers(path: &Path) -> Result<Vec<u64>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .skip(1)
        .flat_map(|l| l.split(','))
        .filter_map(|f| f.parse::<f64>().ok())
        .map(|x| {
            if x.is_nan() {
                f64::NAN.to_bits()
            } else {
                x.to_bits()
            }
        })
        .collect())
}

/// Runs both sides of `exp` (the Rust side on `settings.engine`), finds where they part,
/// traces both around that step and explains it.
pub fn experiment(exp: &'static Experiment, settings: &Settings) -> Result<Outcome> {
    Ok(explain_runs(exp, settings, true, true)?.expect("traced when identical"))
}

/// `experiment` after both sides have run untraced into `settings.out` (as `reproduce`
/// does): `None` when they are bit-identical, without running anything again.
pub fn after_runs(exp: &'static Experiment, settings: &Settings) -> Result<Option<Outcome>> {
    explain_runs(exp, settings, false, false)
}

fn explain_runs(
    exp: &'static Experiment,
    settings: &Settings,
    run_first: bool,
    trace_when_identical: bool,
) -> Result<Option<Outcome>> {
    let seed = settings.seed(exp);
    let steps = settings.steps(exp);
    let side = settings.engine.run_folder();
    let pair = record::run_dir(&settings.out, exp.name, seed, side)
        .parent()
        .expect("a run folder has a parent")
        .to_path_buf();
    let (rust_dir, python_dir) = (pair.join(side), pair.join("python"));
    let run_both = |trace: Option<crate::record::trace::StepRange>| -> Result<()> {
        let settings = Settings {
            trace,
            ..settings.clone()
        };
        let label = format!("{} ({})", exp.name, who(settings.engine));
        run::run_rust_with(exp, &settings, false, Progress::new(steps as u64, &label))?;
        let spinner = Progress::spinner(&format!("{} (Python reference)", exp.name));
        let python = run::run_python_with(exp, &settings, false);
        spinner.finish();
        python.map(|_| ())
    };
    if run_first {
        run_both(None)?;
    }
    let Some(step) = first_differing_step(&rust_dir, &python_dir, steps)? else {
        if !trace_when_identical {
            return Ok(None);
        }
        // Nothing differs: trace the first steps anyway, so the finding has values behind it.
        run_both(Some(0..=2.min(steps - 1)))?;
        return folders(&rust_dir, &python_dir, exp.step_unit).map(Some);
    };
    // A loss that differs at `step` may come from the update of the step before; and a
    // parameter can differ before any loss shows it, so look further back until the traces
    // start bit-identical.
    let last = (step + 4).min(steps - 1);
    let mut back = 1;
    loop {
        let first = step.saturating_sub(back);
        run_both(Some(first..=last))?;
        let (e, a, b) = super::explain_dirs(&rust_dir, &python_dir)?;
        let starts_identical = e.first.as_ref().is_none_or(|f| {
            let entering = a.trace.has(f.step, &format!("{}.updated", f.name));
            f.step > first || first == 0 || f.mismatch.is_some() || !entering
        });
        if starts_identical || back >= steps {
            let title = format!(
                "{} seed {seed}: {} against the notebook (Python)",
                exp.name,
                who(settings.engine)
            );
            return write(e, a, b, &title, exp.step_unit).map(Some);
        }
        back *= 8;
    }
}

fn who(engine: Engine) -> &'static str {
    match engine {
        Engine::Exact => "Rust (exact)",
        Engine::Tch => "plain tch port",
    }
}
