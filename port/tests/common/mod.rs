//! What port/tests/porting.rs needs besides its entries: PyTorch's side computed live (one
//! run of scripts/porting/pytorch_side.py for every entry), docs/PORTING.md's table read back,
//! and counting bit-identical values.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Named tensors' values, in order, each widened exactly to f64 (`xor_repro_port::values`).
pub type Named = Vec<(String, Vec<f64>)>;

/// The project folder (the workspace root).
pub fn root() -> PathBuf {
    xor_repro::run::python::project_root()
}

/// Every entry's PyTorch side, by id, computed once per test run by the pinned Python.
pub fn pytorch(id: &str) -> &'static Named {
    static ALL: OnceLock<HashMap<String, Named>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
        let script = root().join("scripts/porting/pytorch_side.py");
        let out = Command::new(python)
            .arg(&script)
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        parse(&String::from_utf8_lossy(&out.stdout))
    });
    all.get(id)
        .unwrap_or_else(|| panic!("scripts/porting/pytorch_side.py has no entry `{id}`"))
}

/// `ID<TAB>NAME<TAB>v1 v2 …` lines into named values by id.
fn parse(text: &str) -> HashMap<String, Named> {
    let mut all: HashMap<String, Named> = HashMap::new();
    for line in text.lines() {
        let mut fields = line.splitn(3, '\t');
        let (id, name, values) = match (fields.next(), fields.next(), fields.next()) {
            (Some(id), Some(name), Some(values)) => (id, name, values),
            _ => panic!("not an `ID<TAB>NAME<TAB>VALUES` line: {line}"),
        };
        let values = values
            .split_whitespace()
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{id} {name}: not a number: {v}"))
            })
            .collect();
        all.entry(id.to_string())
            .or_default()
            .push((name.to_string(), values));
    }
    all
}

/// libtorch's global generator is one per process: the entries take turns.
pub fn global_generator() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What docs/PORTING.md's table claims for one entry.
#[derive(Debug, Clone)]
pub struct Row {
    /// `same` or `differ`.
    pub bits: String,
    /// How many values the entry compares.
    pub values: usize,
    /// The replacement's cell, `—` for none.
    pub replacement: String,
}

/// docs/PORTING.md's table (the one whose header has `id` and `bits`), by id, with every id
/// in table order.
pub fn doc_rows() -> (Vec<String>, HashMap<String, Row>) {
    let path = root().join("docs/PORTING.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect()
    };
    let mut lines = text.lines().skip_while(|l| {
        let c = cells(l);
        !(l.trim_start().starts_with('|')
            && c.iter().any(|c| c == "id")
            && c.iter().any(|c| c == "bits"))
    });
    let header = cells(
        lines
            .next()
            .expect("docs/PORTING.md has a table with `id` and `bits` columns"),
    );
    let column = |name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("docs/PORTING.md's table has no `{name}` column"))
    };
    let (id, bits, values, replacement) = (
        column("id"),
        column("bits"),
        column("values"),
        column("replacement"),
    );
    let mut order = Vec::new();
    let mut rows = HashMap::new();
    for line in lines
        .skip(1)
        .take_while(|l| l.trim_start().starts_with('|'))
    {
        let c = cells(line);
        let row = Row {
            bits: c[bits].clone(),
            values: c[values].parse().unwrap_or_else(|_| {
                panic!(
                    "docs/PORTING.md, row {}: values `{}` is not a count",
                    c[id], c[values]
                )
            }),
            replacement: c[replacement].clone(),
        };
        assert!(
            rows.insert(c[id].clone(), row).is_none(),
            "docs/PORTING.md: row `{}` twice",
            c[id]
        );
        order.push(c[id].clone());
    }
    (order, rows)
}

/// Values compared, how many were bit-identical, and where the first difference was.
#[derive(Debug, Default)]
pub struct Tally {
    pub compared: usize,
    pub identical: usize,
    pub first_difference: Option<String>,
    /// `(name, differing, compared)` for each named value with a difference.
    pub differing: Vec<(String, usize, usize)>,
}

impl Tally {
    /// Whether every value compared was bit-identical (and there was one).
    pub fn all_identical(&self) -> bool {
        self.compared > 0 && self.identical == self.compared
    }

    /// One line: `LABEL: I of N values bit-identical to PyTorch[; first differing: …]`.
    pub fn line(&self, label: &str) -> String {
        let mut s = format!(
            "{label}: {} of {} values bit-identical to PyTorch",
            self.identical, self.compared
        );
        if let Some(first) = &self.first_difference {
            s.push_str(&format!("; first differing: {first}; differing by name:"));
            for (name, differing, compared) in &self.differing {
                s.push_str(&format!(" {name} {differing}/{compared}"));
            }
        }
        s
    }
}

/// Counts `ours` against PyTorch's `theirs`, name by name in order, by their bits. The names
/// must be the same, in the same order; the `input.…` values, what both sides start from,
/// must be identical (else the entry would not compare like with like) and are not counted.
pub fn compare(id: &str, side: &str, theirs: &Named, ours: &Named) -> Tally {
    let names = |n: &Named| n.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(ours),
        names(theirs),
        "{id} ({side}): the named values differ from PyTorch's"
    );
    let mut tally = Tally::default();
    for ((name, a), (_, b)) in ours.iter().zip(theirs) {
        assert_eq!(a.len(), b.len(), "{id} ({side}): {name}: lengths");
        let first = a
            .iter()
            .zip(b)
            .position(|(a, b)| a.to_bits() != b.to_bits());
        if name.starts_with("input.") {
            if let Some(i) = first {
                panic!(
                    "{id} ({side}): the input {name} differs from PyTorch's at index {i} \
                     ({:e} against {:e}): the entry compares unlike things",
                    a[i], b[i]
                );
            }
            continue;
        }
        let identical = a
            .iter()
            .zip(b)
            .filter(|(a, b)| a.to_bits() == b.to_bits())
            .count();
        tally.compared += a.len();
        tally.identical += identical;
        if identical < a.len() {
            tally
                .differing
                .push((name.clone(), a.len() - identical, a.len()));
        }
        if let (None, Some(i)) = (&tally.first_difference, first) {
            tally.first_difference = Some(format!(
                "{name}[{i}], {side} {:e}, PyTorch {:e}",
                a[i], b[i]
            ));
        }
    }
    tally
}
