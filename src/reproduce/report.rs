//! `REPORT.md`, written by `reproduce`: one row per experiment (values compared and how
//! close, the notebook's printout, timings, verdict), links to the plots, and a paragraph
//! per notebook on the quirks that "exactly" had to include, with figures taken from the
//! runs themselves rather than typed in.

use crate::compare::Status;
use crate::compare::{PrintoutCheck, Verdict};
use crate::diff::short;
use crate::experiments::Experiment;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What reproducing one experiment found.
pub struct Entry {
    pub exp: &'static Experiment,
    pub seed: u64,
    /// The comparison, or why it could not be made.
    pub outcome: std::result::Result<Checked, String>,
    /// The plain tch port against the notebook, or why it could not be made.
    pub port: std::result::Result<PortCheck, String>,
}

/// The plain tch port held against the notebook: its verdict, and where it parts.
pub struct PortCheck {
    pub verdict: Verdict,
    /// `None` when the port is bit-identical with the notebook.
    pub explained: Option<crate::explain::run::Outcome>,
}

/// A finished comparison, with the printout checks of both sides when the notebook seeds
/// itself.
pub struct Checked {
    pub verdict: Verdict,
    pub printout: Option<Printouts>,
}

/// The Rust and the Python transcript held against the notebook's printed lines.
pub struct Printouts {
    pub rust: PrintoutCheck,
    pub python: PrintoutCheck,
    /// Where a line differs here: the machine or build `identify` names as printing every
    /// line, and the Rust transcript computed as it (`--machine`).
    pub elsewhere: Option<(String, PrintoutCheck)>,
}

impl Printouts {
    /// The check that decides: the identified machine's where there is one.
    pub fn deciding(&self) -> &PrintoutCheck {
        self.elsewhere.as_ref().map_or(&self.rust, |(_, c)| c)
    }
}

impl Entry {
    /// The values meet their target and, where the notebook seeds itself, the Rust
    /// transcript reproduces what the target requires of its printout.
    pub fn meets_target(&self) -> bool {
        match &self.outcome {
            Ok(c) => {
                c.verdict.passed() && c.printout.as_ref().is_none_or(|p| p.deciding().reproduced)
            }
            Err(_) => false,
        }
    }
}

/// `reproduced` or `N lines differ`.
pub fn printout_word(p: &PrintoutCheck) -> String {
    if p.differing.is_empty() {
        "reproduced".into()
    } else if p.reproduced {
        format!(
            "reproduced where required ({} other lines differ)",
            p.differing.len()
        )
    } else {
        format!("not reproduced ({} lines differ)", p.differing.len())
    }
}

fn link(out: &Path, target: PathBuf, text: &str) -> Option<String> {
    out.join(&target)
        .exists()
        .then(|| format!("[{text}]({})", target.display()))
}

fn seconds(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

/// The machine the report was made on and the kernel path each library took there, from the
/// Rust side's `run.json` (the same for every experiment of one framework).
fn machine(s: &mut String, entries: &[Entry]) {
    let paths = crate::kernels::this_machine();
    let _ = writeln!(s, "\n## Machine and kernel paths\n");
    let switches = paths.switches.set();
    let _ = writeln!(
        s,
        "{}; switches: {}. Each library's path is picked as the library picks it \
         (`xor-repro kernels` says why, and asks the libraries themselves).\n",
        paths.cpu.summary(),
        if switches.is_empty() {
            "none set".to_string()
        } else {
            format!("`{}`", switches.join(" "))
        }
    );
    let _ = writeln!(s, "| library | path | emulated | why | experiments |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    let records = paths.records();
    for (key, label) in crate::kernels::LIBRARIES {
        let users: Vec<&str> = entries
            .iter()
            .filter(|e| e.exp.framework.kernel_libraries().contains(&key))
            .map(|e| e.exp.name)
            .collect();
        if users.is_empty() {
            continue;
        }
        let r = &records[key];
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} |",
            r.path,
            if r.emulated == Some(true) {
                "yes"
            } else {
                "**no**"
            },
            r.why.as_deref().unwrap_or(""),
            users.join(", ")
        );
    }
}

/// The whole report.
pub fn render(out: &Path, entries: &[Entry]) -> String {
    let mut s = String::new();
    let met = entries.iter().filter(|e| e.meets_target()).count();
    let _ = writeln!(s, "# xor-repro: reproduction report\n");
    let _ = writeln!(
        s,
        "Written by `xor-repro reproduce` (`./scripts/reproduce.sh`): every experiment at its \
         notebook's default seed, run in Rust (plain Rust on ports of the kernels each \
         library runs on this machine, without libtorch) and by the notebook's \
         own code in Python, compared value by \
         value against its fidelity target (the project's `docs/CONTRACT.md`, Fidelity). \
         **{met} of {} experiments meet their target.**\n",
        entries.len()
    );
    table(&mut s, entries);
    port_table(&mut s, entries);
    machine(&mut s, entries);
    let _ = writeln!(s, "\n## Targets\n");
    targets(&mut s);
    let _ = writeln!(
        s,
        "- Printout: transcripts are compared with the lines the notebook printed \
         (`notebooks/printed/`), ignoring blank lines and leading/trailing spaces, which the \
         notebook captures did not keep. Notebooks that set no seed are `not seeded`.\n\
         - Times are each side's own `wall_seconds` (run.json): training and recording, \
         without interpreter or library start-up. Speed ratio = Python seconds / Rust seconds."
    );
    let _ = writeln!(s, "\n## Experiments\n");
    for e in entries {
        details(&mut s, out, e);
    }
    let _ = writeln!(s, "\n## The notebooks' quirks\n");
    let mut seen = Vec::new();
    for e in entries {
        if seen.contains(&e.exp.notebook) {
            continue;
        }
        seen.push(e.exp.notebook);
        let group: Vec<&Entry> = entries
            .iter()
            .filter(|x| x.exp.notebook == e.exp.notebook)
            .collect();
        let _ = writeln!(
            s,
            "### {} ({})\n",
            e.exp.notebook,
            group
                .iter()
                .map(|x| format!("`{}`", x.exp.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(s, "{}\n", quirks(out, &group));
    }
    s
}

/// The Targets section, from the targets themselves: per framework, at the notebook's seed,
/// where the run's kernel paths are emulated and where they are not.
fn targets(s: &mut String) {
    use crate::compare::{target, Printout};
    use crate::experiments::Framework;
    for framework in [Framework::PyTorch, Framework::NumPy, Framework::TensorFlow] {
        let emulated = target(framework, 0, 0, true);
        let not = target(framework, 0, 0, false);
        let other_seed = target(framework, 1, 0, false);
        let printout = match emulated.printout {
            Printout::Every => "every printed line",
            Printout::Losses => "the printed losses",
        };
        let mut line = format!(
            "- {}: on emulated kernel paths, {}; on paths that are not, {}",
            framework.name(),
            emulated.description,
            not.description
        );
        if other_seed.description != not.description {
            let _ = write!(line, " (at other seeds: {})", other_seed.description);
        }
        let _ = writeln!(s, "{line}. Printout: {printout}.");
    }
}

/// The second table: each notebook's plain tch port (what a person would write in tch, on
/// libtorch's own kernels) against the notebook, and where and why it parts.
fn port_table(s: &mut String, entries: &[Entry]) {
    let _ = writeln!(s, "\n## The plain tch ports against the notebooks\n");
    let _ = writeln!(
        s,
        "Each notebook also has the port a person would write in tch (`--engine tch`: autograd, \
         `nn::Sgd`, libtorch's own kernels). `xor-repro explain NAME --engine tch` finds the \
         first traced value where it parts from the notebook; every value traced before it is \
         bit-identical.\n"
    );
    let _ = writeln!(
        s,
        "| experiment | notebook | values compared | bit-identical | max rel | first divergence (step, operation, cause) |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---|");
    for e in entries {
        let notebook = e.exp.notebook.split('_').next().unwrap_or(e.exp.notebook);
        match &e.port {
            Ok(p) => {
                let v = &p.verdict;
                let finding = match &p.explained {
                    None => "none: every value bit-identical".to_string(),
                    Some(o) => crate::explain::render::in_words(
                        &o.explanation,
                        &o.a,
                        &o.b,
                        e.exp.step_unit,
                    ),
                };
                let _ = writeln!(
                    s,
                    "| {} | {notebook} | {} | {} | {} | {} |",
                    e.exp.name,
                    v.values_compared,
                    v.values_identical,
                    short(v.max_rel),
                    finding.replace('|', "\\|")
                );
            }
            Err(err) => {
                let _ = writeln!(
                    s,
                    "| {} | {notebook} | – | – | – | **ERROR**: {} |",
                    e.exp.name,
                    err.replace('|', "\\|")
                );
            }
        }
    }
}

fn table(s: &mut String, entries: &[Entry]) {
    let _ = writeln!(
        s,
        "| experiment | notebook | framework | steps | values compared | bit-identical | max abs | max rel | printout reproduced | Rust s | Python s | speed ratio | verdict |"
    );
    let _ = writeln!(
        s,
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|"
    );
    for e in entries {
        let notebook = e.exp.notebook.split('_').next().unwrap_or(e.exp.notebook);
        match &e.outcome {
            Ok(c) => {
                let v = &c.verdict;
                let printout = match &c.printout {
                    None => "not seeded".to_string(),
                    Some(p) if p.rust.differing.is_empty() => "yes".to_string(),
                    Some(Printouts {
                        elsewhere: Some((machine, check)),
                        ..
                    }) if check.differing.is_empty() => format!("yes, as `{machine}`"),
                    Some(p) if p.rust.reproduced => {
                        format!(
                            "yes, losses ({} other lines differ)",
                            p.rust.differing.len()
                        )
                    }
                    Some(p) => format!("no ({} lines differ)", p.rust.differing.len()),
                };
                let verdict = match v.status {
                    Status::Fail => "**FAIL**".to_string(),
                    _ if !e.meets_target() => "**FAIL** (printout)".to_string(),
                    Status::Pass => "PASS".to_string(),
                    Status::Reported => "REPORTED".to_string(),
                };
                let ratio = if v.rust_seconds > 0.0 {
                    format!("{:.1}", v.python_seconds / v.rust_seconds)
                } else {
                    "–".into()
                };
                let _ = writeln!(
                    s,
                    "| [{}](#{}) | {notebook} | {} | {} {} | {} | {} | {} | {} | {printout} | {} | {} | {ratio} | {verdict} |",
                    e.exp.name,
                    e.exp.name,
                    v.framework,
                    v.steps,
                    e.exp.step_unit,
                    v.values_compared,
                    v.values_identical,
                    short(v.max_abs),
                    short(v.max_rel),
                    seconds(v.rust_seconds),
                    seconds(v.python_seconds),
                );
            }
            Err(err) => {
                let err = err.replace('|', "\\|");
                let _ = writeln!(
                    s,
                    "| {} | {notebook} | {} | {} {} | – | – | – | – | – | – | – | – | **ERROR**: {err} |",
                    e.exp.name,
                    e.exp.framework.name(),
                    e.exp.steps,
                    e.exp.step_unit
                );
            }
        }
    }
}

fn details(s: &mut String, out: &Path, e: &Entry) {
    let _ = writeln!(s, "### {}\n", e.exp.name);
    let pair = PathBuf::from(e.exp.name).join(format!("seed-{}", e.seed));
    let links: Vec<String> = [
        link(out, pair.join("compare.svg"), "loss curves and difference"),
        link(
            out,
            pair.join("rust/surface.svg"),
            "prediction surface (Rust)",
        ),
        link(
            out,
            pair.join("surface-python.svg"),
            "prediction surface (Python)",
        ),
        link(out, pair.join("compare.csv"), "compare.csv"),
        link(out, pair.join("verdict.json"), "verdict.json"),
        link(out, pair.join("rust"), "Rust run"),
        link(out, pair.join("python"), "Python run"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let c = match &e.outcome {
        Ok(c) => c,
        Err(err) => {
            let _ = writeln!(s, "Could not be reproduced: {err}\n");
            return;
        }
    };
    let _ = writeln!(s, "`{}`\n", c.verdict.line);
    if !links.is_empty() {
        let _ = writeln!(s, "{}\n", links.join(" · "));
    }
    if out.join(&pair).join("compare.svg").exists() {
        let svg = pair.join("compare.svg");
        let _ = writeln!(s, "![{} loss curves]({})\n", e.exp.name, svg.display());
    }
    let _ = writeln!(
        s,
        "| values | target | compared | bit-identical | max abs | max rel | max ulps |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|");
    for k in &c.verdict.kinds {
        let check = k.check.describe();
        let _ = writeln!(
            s,
            "| {} | {check} | {} | {} | {} | {} | {} |",
            k.kind,
            k.compared,
            k.identical,
            short(k.max_abs),
            short(k.max_rel),
            k.max_ulps
        );
    }
    let _ = writeln!(
        s,
        "\nTranscripts of the two sides: {}.",
        if c.verdict.transcripts_identical {
            "identical"
        } else {
            "differ"
        }
    );
    if let Some(p) = &c.printout {
        if let Some((machine, check)) = &p.elsewhere {
            let _ = writeln!(
                s,
                "\nPrintout against the notebook ({} printed lines): {} computed as `{machine}`, \
                 the build `xor-repro identify` names as printing every line the notebook \
                 printed (`xor-repro run {} --machine {machine}`; [its run](machines/{machine}/{}/seed-{}/rust)).",
                check.expected,
                if check.differing.is_empty() {
                    "every line reproduced".to_string()
                } else {
                    printout_word(check)
                },
                e_name(c),
                e_name(c),
                c.verdict.seed,
            );
            let _ = writeln!(
                s,
                "\nThis host's own build prints {} of the {} lines as the notebook did, on both \
                 sides: Rust {}, Python {}.",
                p.rust.expected - p.rust.differing.len(),
                p.rust.expected,
                printout_word(&p.rust),
                printout_word(&p.python)
            );
            let _ = writeln!(s);
            return;
        }
        let _ = writeln!(
            s,
            "\nPrintout against the notebook ({} printed lines): Rust {}, Python {}.",
            p.rust.expected,
            printout_word(&p.rust),
            printout_word(&p.python)
        );
        for d in p.rust.differing.iter().take(12) {
            let nb = d
                .notebook
                .as_ref()
                .map(|(i, t)| format!("notebook line {i}: `{t}`"))
                .unwrap_or_else(|| "(not in the notebook)".into());
            let tr = d
                .transcript
                .as_ref()
                .map(|(i, t)| format!("Rust line {i}: `{t}`"))
                .unwrap_or_else(|| "(missing from the Rust transcript)".into());
            let _ = writeln!(s, "- {nb} — {tr}");
        }
    }
    let _ = writeln!(s);
}

/// The experiment a check is of.
fn e_name(c: &Checked) -> &str {
    &c.verdict.experiment
}

/// What an earlier `sweep` of the experiment (in `DIR/sweeps/`) says: outcomes over its
/// seeds and which seeds end where the notebook's printed run ended (`printed`: the four
/// outputs the notebook printed, matched within 0.02).
fn sweep_note(out: &Path, e: &Entry, printed: Option<[f64; 4]>) -> String {
    let Some(rows) = crate::sweep::read(out, e.exp.name) else {
        return String::new();
    };
    if rows.is_empty() {
        return String::new();
    }
    let mut counts: Vec<(crate::sweep::Outcome, usize)> = Vec::new();
    for r in &rows {
        match counts.iter_mut().find(|(o, _)| *o == r.outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.outcome, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let (first, last) = (rows[0].seed, rows[rows.len() - 1].seed);
    let mut s = format!(
        " Over seeds {first}..{last} ([sweep](sweeps/{}/summary.md)): {}.",
        e.exp.name,
        counts
            .iter()
            .map(|(o, n)| format!("{n} `{o}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(p) = printed {
        let near = |a: &[f64; 4], b: &[f64; 4]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 0.02);
        let sorted = |v: &[f64; 4]| {
            let mut v = *v;
            v.sort_by(f64::total_cmp);
            v
        };
        let seeds = |keep: &dyn Fn(&[f64; 4]) -> bool| {
            let list: Vec<String> = rows
                .iter()
                .filter(|r| keep(&r.predictions))
                .map(|r| r.seed.to_string())
                .collect();
            if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            }
        };
        let exact = seeds(&|o| near(o, &p));
        // The same end with a different input learned: the outputs as a set.
        let mode = seeds(&|o| near(&sorted(o), &sorted(&p)));
        let p = p.map(|v| v.to_string()).join(", ");
        let _ = write!(
            s,
            " The notebook's printed end, outputs [{p}]: reproduced within 0.02 by seeds {mode} \
             (in any order of the inputs), with the same inputs in the same places by {exact}."
        );
    }
    s
}

/// The paragraph on one notebook, from the notes of each of its experiments (their figures
/// come from the runs in `out`), and what a sweep of the first says.
fn quirks(out: &Path, group: &[&Entry]) -> String {
    let mut texts = Vec::new();
    let mut printed = None;
    for e in group {
        let files = crate::experiments::run_files::RunFiles {
            out,
            experiment: e.exp.name,
            seed: e.seed,
        };
        let notes = (e.exp.notes)(&files);
        printed = printed.or(notes.printed_outputs);
        texts.push(notes.text);
    }
    texts.join(" ") + &sweep_note(out, group[0], printed)
}
