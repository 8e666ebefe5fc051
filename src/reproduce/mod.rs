//! `reproduce`, the main job: every registered experiment at its notebook's default seed,
//! run in Rust and in Python, compared against its fidelity target, and — for the notebooks
//! that seed themselves — its transcript held against the lines the notebook printed
//! (`notebooks/printed/<experiment>.txt`). The result is `DIR/REPORT.md` (see `report`).

pub mod report;

use crate::compare;
use crate::console::progress::Progress;
use crate::experiments::{self, Engine, Experiment};
use crate::reproduce::report::{printout_word, Checked, Entry, PortCheck, Printouts};
use crate::run::{self, Settings};
use anyhow::Result;
use std::path::Path;

/// Runs, compares and checks one experiment at its default seed.
fn reproduce_one(exp: &'static Experiment, out: &Path) -> Result<Checked> {
    let settings = Settings {
        out: out.to_path_buf(),
        ..Default::default()
    };
    let seed = settings.seed(exp);
    run::run_rust_with(
        exp,
        &settings,
        false,
        Progress::new(settings.steps(exp) as u64, &format!("{} (Rust)", exp.name)),
    )?;
    let spinner = Progress::spinner(&format!("{} (Python reference)", exp.name));
    let python = run::run_python_with(exp, &settings, false);
    spinner.finish();
    python?;
    let verdict = compare::judge(exp, out, seed)?;
    compare::draw(exp, out, seed, Engine::Exact, &verdict)?;
    let printout = match compare::printed_lines(exp)? {
        None => None,
        Some(lines) => {
            let pair = compare::pair_dir(out, exp, seed);
            let read = |side: &str| {
                std::fs::read_to_string(pair.join(side).join("transcript.txt")).unwrap_or_default()
            };
            let rule = verdict.target.printout;
            let rust = compare::check_printout(&lines, &read("rust"), rule, exp.prints_loss);
            let elsewhere = if rust.differing.is_empty() {
                None
            } else {
                printed_elsewhere(exp, &lines, out)?
            };
            Some(Printouts {
                rust,
                python: compare::check_printout(&lines, &read("python"), rule, exp.prints_loss),
                elsewhere,
            })
        }
    };
    Ok(Checked { verdict, printout })
}

/// Where this host's transcript differs from the notebook's: the known machine or build that
/// prints every line (`identify`'s answer), preferring this host's CPU under another build, and
/// its transcript's check. `None` when none does.
fn printed_elsewhere(
    exp: &'static Experiment,
    lines: &[String],
    out: &Path,
) -> Result<Option<(String, crate::compare::PrintoutCheck)>> {
    let host = crate::kernels::machine::matching(&crate::kernels::cpu::CpuFeatures::detect());
    let request = crate::identify::Request {
        exp,
        seed: exp.default_seed,
        steps: exp.steps,
        lr: exp.lr,
    };
    let mut groups = crate::identify::groups(exp, None)?;
    // This host's CPU first: "this machine, another build" is the nearest answer.
    groups.sort_by_key(|g| {
        !host
            .as_ref()
            .is_some_and(|h| g.machines.iter().any(|m| m.cpu_name == h.cpu_name))
    });
    let dir = out.join("machines");
    for group in groups.iter().filter(|g| g.not_reproduced.is_none()) {
        let run = crate::identify::run_as(group, &request, &dir)?;
        let check = crate::identify::hold_printout(lines, &run, exp.prints_loss)?;
        if check.differing.is_empty() {
            let name = match &host {
                Some(h) => group
                    .machines
                    .iter()
                    .find(|m| m.cpu_name == h.cpu_name)
                    .unwrap_or(&group.machines[0])
                    .name(),
                None => group.machines[0].name(),
            };
            return Ok(Some((name, check)));
        }
    }
    Ok(None)
}

/// Runs the plain tch port of `exp` at its default seed beside the Python run already in
/// `out`, judges it and, when it parts from the notebook, explains where.
fn port_one(exp: &'static Experiment, out: &Path) -> Result<PortCheck> {
    let settings = Settings {
        out: out.to_path_buf(),
        engine: Engine::Tch,
        ..Default::default()
    };
    let label = format!("{} (plain tch port)", exp.name);
    run::run_rust_with(
        exp,
        &settings,
        false,
        Progress::new(settings.steps(exp) as u64, &label),
    )?;
    let verdict = compare::judge_on(exp, out, settings.seed(exp), settings.engine)?;
    compare::draw(exp, out, settings.seed(exp), settings.engine, &verdict)?;
    let explained = crate::explain::run::after_runs(exp, &settings)?;
    Ok(PortCheck { verdict, explained })
}

/// The `reproduce` command: returns whether every experiment met its target.
pub fn reproduce(out: &Path) -> Result<bool> {
    crate::run::python::interpreter()?;
    // Under --machine both sides must compute as the machine: Python runs on this host.
    for exp in experiments::all() {
        run::host_computes_as_machine(exp)?;
    }
    run::ensure_writable(out)?;
    let mut entries = Vec::new();
    for exp in experiments::all() {
        let seed = exp.default_seed;
        crate::outln!(
            "== {} (notebook {}, {}, seed {seed})",
            exp.name,
            exp.notebook,
            exp.framework.name()
        );
        let outcome = reproduce_one(exp, out).map_err(|e| format!("{e:#}"));
        match &outcome {
            Ok(c) => {
                crate::outln!("{}", c.verdict.line);
                if let Some(note) = &c.verdict.kernel_note {
                    crate::outln!("  {note}");
                }
                if let Some(p) = &c.printout {
                    if let Some((machine, check)) = &p.elsewhere {
                        crate::outln!(
                            "printout: {} as `{machine}` (identify's answer); on this host's paths Rust {}, Python {}",
                            printout_word(check),
                            printout_word(&p.rust),
                            printout_word(&p.python)
                        );
                    } else {
                        crate::outln!(
                            "printout: Rust {}, Python {}",
                            printout_word(&p.rust),
                            printout_word(&p.python)
                        );
                    }
                }
            }
            Err(e) => crate::outln!("{} seed {seed}: ERROR {e}", exp.name),
        }
        let port = if outcome.is_ok() {
            port_one(exp, out).map_err(|e| format!("{e:#}"))
        } else {
            Err("the notebook's own run failed".to_string())
        };
        match &port {
            Ok(p) => crate::outln!(
                "plain tch port: {} of {} values bit-identical{}",
                p.verdict.values_identical,
                p.verdict.values_compared,
                p.explained
                    .as_ref()
                    .map(|o| format!("; {}", o.headline))
                    .unwrap_or_default()
            ),
            Err(e) => crate::outln!("plain tch port: ERROR {e}"),
        }
        entries.push(Entry {
            exp,
            seed,
            outcome,
            port,
        });
    }
    let report = crate::reproduce::report::render(out, &entries);
    let path = out.join("REPORT.md");
    crate::record::write_atomic(&path, report)?;
    let met = entries.iter().filter(|e| e.meets_target()).count();
    // A port that could not run is a failure of the job, not a finding about the port.
    let ports_run = entries.iter().filter(|e| e.port.is_ok()).count();
    crate::outln!(
        "{met} of {} experiments meet their target, {ports_run} of {} plain tch ports ran; wrote {}",
        entries.len(),
        entries.len(),
        path.display()
    );
    Ok(met == entries.len() && ports_run == entries.len())
}
