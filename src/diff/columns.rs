//! `diff` on any numeric data (docs/CONTRACT.md#command-line): two run folders, or two data files ([`crate::diff::data`]:
//! CSV, `.npy`, `.npz`), compared column by column with rows matched by key.
//!
//! Rows are matched by, in this order (`--key` overrides; `--key none` matches by position):
//! 1. the key columns of the project's own files (`step`; `stage,name,index`; …);
//! 2. pandas' unnamed index (an empty first header cell);
//! 3. the first integer-valued column, with any text columns before it (so a long table
//!    `stage,name,index,value` is keyed as `params.csv` is);
//! 4. otherwise position.
//!
//! Every numeric column outside the key present in both files is compared; text columns are
//! not. Arrays are matched by position: two `.npy` files against each other, an `.npy`
//! against the CSV column of its file name (or the CSV's only value column), `.npz` members
//! against the members (or CSV columns) of the same name.
//!
//! Ulps are counted in the data's own precision: an array's dtype (float32 or float64), and
//! for a CSV column, which holds no dtype, float32 when every value is exactly a float32. A
//! pair is counted in float32 only when both sides are float32.
//!
//! Two run folders (of the same experiment) are diffed file by file; both must hold
//! `loss.csv`, and a file only one holds (a script recording with `xor_repro_record` may keep
//! only its losses) is listed as not compared. A run's `params.npz` and `trace.npz` are one
//! table each: arrays matched by name, every element compared, the first difference named
//! by array and element.
//!
//! Arrays (`.npy` files, `.npz` members, a run's archives) of float32 or float64 are
//! compared as streams ([`crate::diff::stream`]): bytes first, values only where the bytes
//! differ, never a whole array in memory. Other arrays (integers, Fortran order, a
//! compressed member) are read whole, one at a time.

use crate::diff::data::{self, DataFile, Origin, Table};
use crate::diff::stream::{self, ArrayDiff};
use crate::diff::{short, Difference, Precision, Tolerance};
use crate::record::npz::{ArrayStream, NpzIndex};
use crate::record::number;
use anyhow::{bail, Result};
use std::collections::HashMap;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;

/// The key columns of the project's own files, by their whole header.
const OWN_FILES: [(&[&str], &[&str]); 5] = [
    (&["step", "loss"], &["step"]),
    (
        &["stage", "name", "index", "value"],
        &["stage", "name", "index"],
    ),
    (
        &["x1", "x2", "target", "prediction"],
        &["x1", "x2", "target"],
    ),
    (&["x1", "x2", "prediction"], &["x1", "x2"]),
    (
        &["step", "seq", "name", "index", "value"],
        &["step", "seq", "name", "index"],
    ),
];

/// The files of a run folder that `diff` compares (`metrics.csv` and the trace when both
/// runs have one).
const RUN_FILES: [&str; 10] = [
    "loss.csv",
    "params.csv",
    "params.npz",
    "predictions.csv",
    "predictions.npz",
    "last_epoch_predictions.csv",
    "surface.csv",
    "metrics.csv",
    "trace.csv",
    "trace.npz",
];

/// How rows are matched (`--key`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeyChoice {
    /// The rules of the module documentation.
    #[default]
    Default,
    /// `--key none`.
    Position,
    /// `--key A,B`.
    Columns(Vec<String>),
}

impl KeyChoice {
    pub fn parse(s: &str) -> KeyChoice {
        match s.trim() {
            "none" => KeyChoice::Position,
            cols => KeyChoice::Columns(cols.split(',').map(|c| c.trim().to_string()).collect()),
        }
    }
}

/// One row where the two sides differ.
#[derive(Debug, Clone)]
pub struct RowDifference {
    /// The row's key (`step 1234`), or its position.
    pub key: String,
    pub place_a: String,
    pub place_b: String,
    pub a: f64,
    pub b: f64,
    pub difference: Difference,
}

/// The comparison of one column.
#[derive(Debug, Clone)]
pub struct ColumnDiff {
    pub name: String,
    pub compared: usize,
    pub identical: usize,
    pub max_abs: f64,
    pub max_rel: f64,
    pub max_ulps: u64,
    pub precision: Precision,
    pub first_difference: Option<RowDifference>,
    pub first_outside: Option<RowDifference>,
}

/// The comparison of one pair of tables.
#[derive(Debug, Clone)]
pub struct TableDiff {
    /// What is compared: `loss.csv`, an `.npz` member's name, `a.csv vs b.csv`.
    pub name: String,
    /// How rows were matched: `step`, `position`.
    pub matched_by: String,
    pub rows_a: usize,
    pub rows_b: usize,
    /// Keys (or positions) present on one side only.
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    pub columns: Vec<ColumnDiff>,
    /// Numeric columns of one side that the other lacks (not compared, not a difference).
    pub not_compared: Vec<String>,
}

impl TableDiff {
    pub fn within_tolerance(&self) -> bool {
        self.only_a.is_empty()
            && self.only_b.is_empty()
            && self.columns.iter().all(|c| c.first_outside.is_none())
    }
}

/// Everything `diff` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub tables: Vec<TableDiff>,
    /// `.npz` members present in one archive only: a difference.
    pub members_only_a: Vec<String>,
    pub members_only_b: Vec<String>,
    /// Files of one run folder that the other lacks (not compared, not a difference).
    pub files_only: Vec<String>,
}

impl Report {
    pub fn within_tolerance(&self) -> bool {
        self.members_only_a.is_empty()
            && self.members_only_b.is_empty()
            && self.tables.iter().all(TableDiff::within_tolerance)
    }

    pub fn compared(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.columns)
            .map(|c| c.compared)
            .sum()
    }

    pub fn identical(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.columns)
            .map(|c| c.identical)
            .sum()
    }
}

/// Diffs two run folders or two data files.
pub fn diff_paths(a: &Path, b: &Path, key: &KeyChoice, tol: &Tolerance) -> Result<Report> {
    for p in [a, b] {
        if !p.exists() {
            bail!("{} does not exist", p.display());
        }
    }
    match (a.is_dir(), b.is_dir()) {
        (true, true) => {
            if *key != KeyChoice::Default {
                bail!("--key applies to two data files; run folders are keyed by their schema");
            }
            diff_runs(a, b, tol)
        }
        (false, false) => diff_files(a, b, key, tol),
        _ => bail!("compare two run folders or two data files, not one of each"),
    }
}

/// Compares the files of two run folders of the same experiment.
pub fn diff_runs(a: &Path, b: &Path, tol: &Tolerance) -> Result<Report> {
    let info_a = crate::record::read_info(a)?;
    let info_b = crate::record::read_info(b)?;
    if info_a.experiment != info_b.experiment {
        bail!(
            "run folders of different experiments: {} is {}, {} is {}",
            a.display(),
            info_a.experiment,
            b.display(),
            info_b.experiment
        );
    }
    let mut report = Report::default();
    for file in RUN_FILES {
        let (fa, fb) = (a.join(file), b.join(file));
        if let Some(mixed) = old_against_new(file, a, b, tol)? {
            report.tables.extend(mixed.tables);
            continue;
        }
        let npz_beside_csv =
            |dir: &Path| file.ends_with(".npz") && dir.join(file.replace(".npz", ".csv")).is_file();
        if npz_beside_csv(a) || npz_beside_csv(b) {
            continue; // compared with the other side's CSV above
        }
        match (fa.exists(), fb.exists()) {
            (true, true) if file.ends_with(".npz") => {
                report.tables.push(diff_run_archive(file, &fa, &fb, tol)?)
            }
            (true, true) => report
                .tables
                .extend(diff_files(&fa, &fb, &KeyChoice::Default, tol)?.tables),
            (false, false) => {}
            // Every run has its losses; a run recorded by a script of one's own may hold no
            // more (xor_repro_record), and only traced runs have a trace.
            _ if file == "loss.csv" => {
                let missing = if fa.exists() { b } else { a };
                bail!("{} has no loss.csv", missing.display())
            }
            (true, false) => report
                .files_only
                .push(format!("{file} (only in {})", a.display())),
            (false, true) => report
                .files_only
                .push(format!("{file} (only in {})", b.display())),
        }
    }
    Ok(report)
}

/// An older run's `params.csv` or `trace.csv` against a newer run's `.npz` of the same
/// values (a run recorded before tensors went to `.npz`, against a port's run now): the
/// `.npz` is written as that CSV into a temporary folder (`export`) and the two CSVs
/// compared as any two. `None` unless `file` is such a CSV and exactly one side has it.
fn old_against_new(file: &str, a: &Path, b: &Path, tol: &Tolerance) -> Result<Option<Report>> {
    let Some(stem) = file
        .strip_suffix(".csv")
        .filter(|stem| ["params", "trace"].contains(stem))
    else {
        return Ok(None);
    };
    let npz = format!("{stem}.npz");
    let (csv_side, npz_side, csv_first) = match (
        a.join(file).is_file() && b.join(&npz).is_file() && !b.join(file).is_file(),
        b.join(file).is_file() && a.join(&npz).is_file() && !a.join(file).is_file(),
    ) {
        (true, _) => (a, b, true),
        (_, true) => (b, a, false),
        _ => return Ok(None),
    };
    let tmp = std::env::temp_dir().join(format!("xor-repro-diff-{}-{}", std::process::id(), stem));
    std::fs::create_dir_all(&tmp)?;
    let converted = tmp.join(file);
    let result =
        crate::record::export::npz_as_csv(&npz_side.join(&npz), &converted, stem == "trace")
            .and_then(|()| {
                let csv = csv_side.join(file);
                match csv_first {
                    true => diff_files(&csv, &converted, &KeyChoice::Default, tol),
                    false => diff_files(&converted, &csv, &KeyChoice::Default, tol),
                }
            });
    let _ = std::fs::remove_dir_all(&tmp);
    let mut report = result?;
    for table in &mut report.tables {
        table.name = format!("{file} against {npz}");
    }
    Ok(Some(report))
}

/// What kind of file a path holds, by its first bytes.
#[derive(PartialEq)]
enum Kind {
    Npy,
    Npz,
    Other,
}

fn kind_of(path: &Path) -> Kind {
    use std::io::Read;
    let mut magic = [0u8; 6];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    match read {
        Ok(()) if &magic == b"\x93NUMPY" => Kind::Npy,
        Ok(()) if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") => Kind::Npz,
        _ => Kind::Other,
    }
}

/// A run's `params.npz`, `predictions.npz` or `trace.npz` against the other run's: one
/// table, arrays matched by name, elements by position.
fn diff_run_archive(file: &str, a: &Path, b: &Path, tol: &Tolerance) -> Result<TableDiff> {
    let (ia, ib) = (NpzIndex::open(a)?, NpzIndex::open(b)?);
    let in_b: HashMap<&str, usize> = ib
        .entries
        .iter()
        .enumerate()
        .map(|(j, e)| (e.name.as_str(), j))
        .collect();
    let label = |name: &str| match crate::record::trace::parse_entry_name(name) {
        Some((step, seq, value)) => format!("step {step}, {value} (value {seq} of the step)"),
        None => name.replacen('/', " ", 1),
    };
    let mut column = ColumnDiff {
        name: "value".to_string(),
        compared: 0,
        identical: 0,
        max_abs: 0.0,
        max_rel: 0.0,
        max_ulps: 0,
        precision: Precision::Float32,
        first_difference: None,
        first_outside: None,
    };
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    let (mut rows_a, mut rows_b) = (0, 0);
    for (i, e) in ia.entries.iter().enumerate() {
        let Some(&j) = in_b.get(e.name.as_str()) else {
            only_a.push(label(&e.name));
            continue;
        };
        let (d, shape, na, nb) = compare_members(&ia, i, &ib, j, tol)?;
        rows_a += na;
        rows_b += nb;
        if na != nb {
            only_a.push(format!("{}: {na} elements against {nb}", label(&e.name)));
        }
        column.compared += d.compared as usize;
        column.identical += d.identical as usize;
        column.max_abs = column.max_abs.max(d.max_abs);
        column.max_rel = column.max_rel.max(d.max_rel);
        column.max_ulps = column.max_ulps.max(d.max_ulps);
        if d.precision == Precision::Float64 {
            column.precision = Precision::Float64;
        }
        let row = |x: &stream::ElementDifference| RowDifference {
            key: format!(
                "{}, {}",
                label(&e.name),
                stream::element_position(&shape, x.index)
            ),
            place_a: String::new(),
            place_b: String::new(),
            a: x.a,
            b: x.b,
            difference: x.difference,
        };
        if column.first_difference.is_none() {
            column.first_difference = d.first_difference.as_ref().map(row);
        }
        if column.first_outside.is_none() {
            column.first_outside = d.first_outside.as_ref().map(row);
        }
    }
    let in_a: HashSet<&str> = ia.entries.iter().map(|e| e.name.as_str()).collect();
    for e in &ib.entries {
        if !in_a.contains(e.name.as_str()) {
            only_b.push(label(&e.name));
        }
    }
    Ok(TableDiff {
        name: file.to_string(),
        matched_by: "array name".to_string(),
        rows_a: rows_a as usize,
        rows_b: rows_b as usize,
        only_a,
        only_b,
        columns: vec![column],
        not_compared: Vec::new(),
    })
}

/// Member `i` of `a` against member `j` of `b`: streamed when both can be, else read whole
/// (one at a time). Returns the comparison, `a`'s shape and both element counts.
fn compare_members(
    a: &NpzIndex,
    i: usize,
    b: &NpzIndex,
    j: usize,
    tol: &Tolerance,
) -> Result<(ArrayDiff, Vec<u64>, u64, u64)> {
    if let Some((mut sa, mut sb)) = stream::open_pair(a, i, b, j)? {
        let (shape, na, nb) = (sa.shape.clone(), sa.elements(), sb.elements());
        return Ok((
            stream::compare_streams(&mut sa, &mut sb, tol)?,
            shape,
            na,
            nb,
        ));
    }
    let ta = data::read_npz_member(&a.path, &a.entries[i].name)?;
    let tb = data::read_npz_member(&b.path, &b.entries[j].name)?;
    let (ca, cb) = (&ta.columns[0], &tb.columns[0]);
    let precision = match (ca.precision(), cb.precision()) {
        (Some(Precision::Float32), Some(Precision::Float32)) => Precision::Float32,
        _ => Precision::Float64,
    };
    let (va, vb) = (
        ca.numbers().unwrap_or_default(),
        cb.numbers().unwrap_or_default(),
    );
    let n = va.len().min(vb.len());
    let mut d = ArrayDiff::new(precision);
    d.add_values(0, &va[..n], &vb[..n], tol);
    Ok((d, ta.shape.clone(), va.len() as u64, vb.len() as u64))
}

/// Two streamed arrays as a table: elements by position, as [`diff_arrays`] gives it.
fn streamed_table(name: String, sa: &ArrayStream, sb: &ArrayStream, d: ArrayDiff) -> TableDiff {
    let (na, nb) = (sa.elements(), sb.elements());
    let n = na.min(nb);
    let beyond = |s: &ArrayStream| -> Vec<String> {
        (n..s.elements())
            .map(|i| stream::element_position(&s.shape, i))
            .collect()
    };
    let row = |x: &stream::ElementDifference| RowDifference {
        key: stream::element_position(&sa.shape, x.index),
        place_a: String::new(),
        place_b: String::new(),
        a: x.a,
        b: x.b,
        difference: x.difference,
    };
    let matched_by = if sa.shape == sb.shape {
        "position".to_string()
    } else {
        format!("position; shapes {:?} and {:?}", sa.shape, sb.shape)
    };
    TableDiff {
        name: name.clone(),
        matched_by,
        rows_a: na as usize,
        rows_b: nb as usize,
        only_a: beyond(sa),
        only_b: beyond(sb),
        columns: vec![ColumnDiff {
            name,
            compared: d.compared as usize,
            identical: d.identical as usize,
            max_abs: d.max_abs,
            max_rel: d.max_rel,
            max_ulps: d.max_ulps,
            precision: d.precision,
            first_difference: d.first_difference.as_ref().map(row),
            first_outside: d.first_outside.as_ref().map(row),
        }],
        not_compared: Vec::new(),
    }
}

/// Two `.npy` files, streamed when both are float arrays in C order; `None` otherwise.
fn diff_npy_streams(a: &Path, b: &Path, tol: &Tolerance) -> Result<Option<Report>> {
    let (mut sa, mut sb) = (ArrayStream::open_npy(a)?, ArrayStream::open_npy(b)?);
    if !(stream::streamable(&sa) && stream::streamable(&sb)) {
        return Ok(None);
    }
    let d = stream::compare_streams(&mut sa, &mut sb, tol)?;
    let name = a
        .file_stem()
        .map_or("values".into(), |s| s.to_string_lossy().into_owned());
    Ok(Some(Report {
        tables: vec![streamed_table(name, &sa, &sb, d)],
        ..Report::default()
    }))
}

/// Two `.npz` archives, member by member, each streamed where it can be and read whole
/// (alone) where not.
fn diff_npz_members(a: &Path, b: &Path, tol: &Tolerance) -> Result<Report> {
    let (ia, ib) = (NpzIndex::open(a)?, NpzIndex::open(b)?);
    if ia.entries.is_empty() {
        bail!("{} holds no arrays", a.display());
    }
    if ib.entries.is_empty() {
        bail!("{} holds no arrays", b.display());
    }
    let mut report = Report::default();
    for (i, e) in ia.entries.iter().enumerate() {
        let Some(j) = ib.entries.iter().position(|f| f.name == e.name) else {
            report.members_only_a.push(e.name.clone());
            continue;
        };
        match stream::open_pair(&ia, i, &ib, j)? {
            Some((mut sa, mut sb)) => {
                let d = stream::compare_streams(&mut sa, &mut sb, tol)?;
                report
                    .tables
                    .push(streamed_table(e.name.clone(), &sa, &sb, d));
            }
            None => {
                let ta = data::read_npz_member(a, &e.name)?;
                let tb = data::read_npz_member(b, &e.name)?;
                report.tables.push(diff_arrays(&ta, &tb, tol));
            }
        }
    }
    report.members_only_b = ib
        .entries
        .iter()
        .map(|e| e.name.clone())
        .filter(|n| !ia.entries.iter().any(|e| e.name == *n))
        .collect();
    if report.tables.is_empty() {
        bail!(
            "no shared numeric column: {} and {} have no member of the same name",
            a.display(),
            b.display()
        );
    }
    Ok(report)
}

/// Compares two data files.
pub fn diff_files(a: &Path, b: &Path, key: &KeyChoice, tol: &Tolerance) -> Result<Report> {
    match (kind_of(a), kind_of(b)) {
        (Kind::Npy, Kind::Npy) => {
            no_key_for_arrays(key)?;
            if let Some(report) = diff_npy_streams(a, b, tol)? {
                return Ok(report);
            }
        }
        (Kind::Npz, Kind::Npz) => {
            no_key_for_arrays(key)?;
            if let Ok(report) = diff_npz_members(a, b, tol) {
                return Ok(report);
            }
        }
        _ => {}
    }
    let (da, db) = (data::read(a)?, data::read(b)?);
    let name = file_name(a, b);
    let mut report = Report::default();
    match (&da, &db) {
        (DataFile::Csv(ta), DataFile::Csv(tb)) => {
            report.tables.push(diff_tables(&name, ta, tb, key, tol)?);
        }
        (DataFile::Npz(ma), DataFile::Npz(mb)) => {
            no_key_for_arrays(key)?;
            for ta in ma {
                match mb
                    .iter()
                    .find(|tb| tb.columns[0].name == ta.columns[0].name)
                {
                    Some(tb) => report.tables.push(diff_arrays(ta, tb, tol)),
                    None => report.members_only_a.push(ta.columns[0].name.clone()),
                }
            }
            report.members_only_b = mb
                .iter()
                .map(|t| t.columns[0].name.clone())
                .filter(|n| !ma.iter().any(|t| t.columns[0].name == *n))
                .collect();
            if report.tables.is_empty() {
                bail!(
                    "no shared numeric column: {} and {} have no member of the same name",
                    a.display(),
                    b.display()
                );
            }
        }
        _ => {
            no_key_for_arrays(key)?;
            let (arrays_a, arrays_b) = (arrays(&da), arrays(&db));
            for ta in &arrays_a {
                for tb in &arrays_b {
                    if let Some(pair) =
                        array_pair(ta, tb, arrays_a.len() == 1 && arrays_b.len() == 1, tol)
                    {
                        report.tables.push(pair);
                    }
                }
            }
            if report.tables.is_empty() {
                bail!(
                    "no shared numeric column: {} ({}) and {} ({}); an array is compared with the \
                     CSV column of its name",
                    a.display(),
                    numeric_names(&arrays_a),
                    b.display(),
                    numeric_names(&arrays_b)
                );
            }
        }
    }
    Ok(report)
}

fn no_key_for_arrays(key: &KeyChoice) -> Result<()> {
    match key {
        KeyChoice::Columns(_) => {
            bail!("--key applies to two CSV files; arrays are matched by position")
        }
        _ => Ok(()),
    }
}

fn arrays(file: &DataFile) -> Vec<&Table> {
    match file {
        DataFile::Csv(t) | DataFile::Npy(t) => vec![t],
        DataFile::Npz(members) => members.iter().collect(),
    }
}

fn numeric_names(tables: &[&Table]) -> String {
    let names: Vec<&str> = tables
        .iter()
        .flat_map(|t| &t.columns)
        .filter(|c| c.numbers().is_some())
        .map(|c| c.name.as_str())
        .collect();
    names.join(", ")
}

fn file_name(a: &Path, b: &Path) -> String {
    let name = |p: &Path| {
        p.file_name()
            .map_or(String::new(), |f| f.to_string_lossy().into_owned())
    };
    if name(a) == name(b) {
        name(a)
    } else {
        format!("{} vs {}", name(a), name(b))
    }
}

/// One array (or `.npz` member) against an array or a CSV column, by position; `None` when
/// they are not a pair.
fn array_pair(a: &Table, b: &Table, one_each: bool, tol: &Tolerance) -> Option<TableDiff> {
    match (a.origin, b.origin) {
        (Origin::Array, Origin::Array) => {
            let same_name = a.columns[0].name == b.columns[0].name;
            // Two .npy files are a pair whatever their names.
            (same_name || one_each).then(|| diff_arrays(a, b, tol))
        }
        (Origin::Array, Origin::Csv) => csv_column_for(a, b, false, one_each, tol),
        (Origin::Csv, Origin::Array) => csv_column_for(b, a, true, one_each, tol),
        (Origin::Csv, Origin::Csv) => None,
    }
}

/// The CSV column an array is compared with: the column of its name, else, for a lone array
/// (an `.npy`), the CSV's only numeric column outside its key.
fn csv_column_for(
    array: &Table,
    csv: &Table,
    csv_first: bool,
    lone: bool,
    tol: &Tolerance,
) -> Option<TableDiff> {
    let name = &array.columns[0].name;
    let column = match csv.column(name) {
        Some(c) if c.numbers().is_some() => Some(c),
        _ => {
            let key = default_key(csv);
            let values: Vec<_> = csv
                .columns
                .iter()
                .filter(|c| c.numbers().is_some() && !key.contains(&c.name))
                .collect();
            match values.as_slice() {
                [only] if lone => Some(*only),
                _ => None,
            }
        }
    };
    let column = column?;
    let single = Table {
        columns: vec![column.clone()],
        ..csv.clone()
    };
    let (a, b) = if csv_first {
        (&single, array)
    } else {
        (array, &single)
    };
    Some(compare(
        format!("{} vs {}", a.label, b.label),
        a,
        b,
        None,
        &[(0, 0)],
        tol,
    ))
}

/// Two arrays, element by element.
fn diff_arrays(a: &Table, b: &Table, tol: &Tolerance) -> TableDiff {
    let mut d = compare(a.columns[0].name.clone(), a, b, None, &[(0, 0)], tol);
    if a.shape != b.shape {
        d.matched_by = format!("position; shapes {:?} and {:?}", a.shape, b.shape);
    }
    d
}

/// The default key columns of a CSV (empty: match by position).
fn default_key(t: &Table) -> Vec<String> {
    let header: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    if let Some((_, keys)) = OWN_FILES.iter().find(|(h, _)| *h == header.as_slice()) {
        return keys.iter().map(|k| k.to_string()).collect();
    }
    if t.pandas_index {
        return vec![t.columns[0].name.clone()];
    }
    match t.columns.iter().position(|c| c.integer_valued) {
        Some(i) if t.columns[..i].iter().all(|c| c.numbers().is_none()) => {
            t.columns[..=i].iter().map(|c| c.name.clone()).collect()
        }
        Some(i) => vec![t.columns[i].name.clone()],
        None => Vec::new(),
    }
}

/// Two CSV tables, rows matched by key.
fn diff_tables(
    name: &str,
    a: &Table,
    b: &Table,
    choice: &KeyChoice,
    tol: &Tolerance,
) -> Result<TableDiff> {
    let key: Vec<String> = match choice {
        KeyChoice::Position => Vec::new(),
        KeyChoice::Columns(cols) => {
            for col in cols {
                for t in [a, b] {
                    if t.column(col).is_none() {
                        bail!(
                            "--key {col}: {} has no column {col} (it has {})",
                            t.label,
                            t.columns
                                .iter()
                                .map(|c| c.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                }
            }
            cols.clone()
        }
        KeyChoice::Default => {
            let (ka, kb) = (default_key(a), default_key(b));
            let shares_a_value = a.columns.iter().any(|ca| {
                ca.numbers().is_some()
                    && !ka.contains(&ca.name)
                    && !kb.contains(&ca.name)
                    && b.column(&ca.name).is_some_and(|cb| cb.numbers().is_some())
            });
            if ka != kb && shares_a_value {
                let shown = |k: &[String]| {
                    if k.is_empty() {
                        "position".to_string()
                    } else {
                        k.join(",")
                    }
                };
                bail!(
                    "cannot match rows: {} is keyed by {}, {} by {}; choose with --key COLUMN or --key none",
                    a.label,
                    shown(&ka),
                    b.label,
                    shown(&kb)
                );
            }
            if ka == kb {
                ka
            } else {
                Vec::new()
            }
        }
    };
    let mut pairs = Vec::new();
    let mut not_compared = Vec::new();
    for (i, ca) in a.columns.iter().enumerate() {
        if ca.numbers().is_none() || key.contains(&ca.name) {
            continue;
        }
        match b
            .columns
            .iter()
            .position(|cb| cb.name == ca.name && cb.numbers().is_some())
        {
            Some(j) => pairs.push((i, j)),
            None => not_compared.push(format!("{} (only in {})", ca.name, a.label)),
        }
    }
    for cb in &b.columns {
        if cb.numbers().is_some() && !key.contains(&cb.name) && a.column(&cb.name).is_none() {
            not_compared.push(format!("{} (only in {})", cb.name, b.label));
        }
    }
    if pairs.is_empty() {
        let values = |t: &Table| {
            let names: Vec<&str> = t
                .columns
                .iter()
                .filter(|c| c.numbers().is_some() && !key.contains(&c.name))
                .map(|c| c.name.as_str())
                .collect();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        bail!(
            "no shared numeric column: {} has {}, {} has {}",
            a.label,
            values(a),
            b.label,
            values(b)
        );
    }
    let keyed = if key.is_empty() {
        None
    } else {
        Some(Keyed {
            columns: key.join(","),
            a: keys_of(a, &key)?,
            b: keys_of(b, &key)?,
        })
    };
    let mut d = compare(name.to_string(), a, b, keyed, &pairs, tol);
    d.not_compared = not_compared;
    Ok(d)
}

/// The key text of every row, checked for duplicates.
fn keys_of(t: &Table, key: &[String]) -> Result<Vec<String>> {
    let columns: Vec<&data::Column> = key.iter().filter_map(|k| t.column(k)).collect();
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(t.rows);
    let mut keys = Vec::with_capacity(t.rows);
    for row in 0..t.rows {
        let text = columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.key_text(row)))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(first) = seen.insert(text.clone(), row) {
            bail!(
                "{}: duplicate key {text} ({} and {}); choose another with --key",
                t.label,
                t.place(first),
                t.place(row)
            );
        }
        keys.push(text);
    }
    Ok(keys)
}

/// The key text of every row of both sides, each unique.
struct Keyed {
    columns: String,
    a: Vec<String>,
    b: Vec<String>,
}

/// Compares columns `pairs` (index in a, index in b) of two tables, rows matched by key (by
/// position when `None`).
fn compare(
    name: String,
    a: &Table,
    b: &Table,
    key: Option<Keyed>,
    pairs: &[(usize, usize)],
    tol: &Tolerance,
) -> TableDiff {
    let (rows, only_a, only_b, keys, matched_by) = match key {
        Some(Keyed {
            columns,
            a: ka,
            b: kb,
        }) => {
            let index_b: HashMap<&str, usize> = kb
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_str(), i))
                .collect();
            let in_a: HashSet<&str> = ka.iter().map(String::as_str).collect();
            let mut rows = Vec::new();
            let mut only_a = Vec::new();
            for (i, k) in ka.iter().enumerate() {
                match index_b.get(k.as_str()) {
                    Some(&j) => rows.push((i, j)),
                    None => only_a.push(format!("{k} ({})", a.place(i))),
                }
            }
            let only_b = kb
                .iter()
                .enumerate()
                .filter(|(_, k)| !in_a.contains(k.as_str()))
                .map(|(j, k)| format!("{k} ({})", b.place(j)))
                .collect();
            let keys: Vec<String> = rows.iter().map(|&(i, _)| ka[i].clone()).collect();
            (rows, only_a, only_b, keys, columns)
        }
        None => {
            let n = a.rows.min(b.rows);
            let rows: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
            let beyond = |t: &Table| (n..t.rows).map(|i| t.position(i)).collect::<Vec<_>>();
            let keys: Vec<String> = (0..n).map(|i| a.position(i)).collect();
            (rows, beyond(a), beyond(b), keys, "position".to_string())
        }
    };
    let columns = pairs
        .iter()
        .map(|&(i, j)| column_diff(a, b, &a.columns[i], &b.columns[j], &rows, &keys, tol))
        .collect();
    TableDiff {
        name,
        matched_by,
        rows_a: a.rows,
        rows_b: b.rows,
        only_a,
        only_b,
        columns,
        not_compared: Vec::new(),
    }
}

/// Compares column `ca` of `a` with `cb` of `b` on the matched `rows`.
fn column_diff(
    a: &Table,
    b: &Table,
    ca: &data::Column,
    cb: &data::Column,
    rows: &[(usize, usize)],
    keys: &[String],
    tol: &Tolerance,
) -> ColumnDiff {
    let (va, vb) = (
        ca.numbers().expect("numeric"),
        cb.numbers().expect("numeric"),
    );
    // Ulps in each side's own precision (an array's dtype; a CSV column's values): float32
    // only when both are float32, as a float32 ulp is too coarse to count a float64's.
    let precision = match (ca.precision(), cb.precision()) {
        (Some(Precision::Float32), Some(Precision::Float32)) => Precision::Float32,
        _ => Precision::Float64,
    };
    let mut d = ColumnDiff {
        name: ca.name.clone(),
        compared: rows.len(),
        identical: 0,
        max_abs: 0.0,
        max_rel: 0.0,
        max_ulps: 0,
        precision,
        first_difference: None,
        first_outside: None,
    };
    for (n, &(i, j)) in rows.iter().enumerate() {
        let diff = Difference::between(va[i], vb[j], precision);
        d.identical += diff.identical as usize;
        d.max_abs = d.max_abs.max(diff.abs);
        d.max_rel = d.max_rel.max(diff.rel);
        d.max_ulps = d.max_ulps.max(diff.ulps);
        if diff.identical {
            continue;
        }
        let row = || RowDifference {
            key: keys[n].clone(),
            place_a: a.place(i),
            place_b: b.place(j),
            a: va[i],
            b: vb[j],
            difference: diff,
        };
        if d.first_difference.is_none() {
            d.first_difference = Some(row());
        }
        if d.first_outside.is_none() && !diff.within(tol) {
            d.first_outside = Some(row());
        }
    }
    d
}

impl fmt::Display for RowDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match (self.place_a.as_str(), self.place_b.as_str()) {
            ("", "") => String::new(),
            (a, b) if a == b || b.is_empty() => format!("{a} "),
            ("", b) => format!("{b} "),
            (a, b) => format!("{a} / {b} "),
        };
        let at = if place.is_empty() {
            self.key.clone()
        } else {
            format!("{place}({})", self.key)
        };
        if self.difference.only_sign_of_zero() {
            return write!(
                f,
                "{at}: {} vs {} (the sign of zero)",
                number(self.a),
                number(self.b)
            );
        }
        write!(
            f,
            "{at}: {} vs {} (abs {}, rel {}, {} ulps)",
            number(self.a),
            number(self.b),
            short(self.difference.abs),
            short(self.difference.rel),
            self.difference.ulps
        )
    }
}

impl fmt::Display for TableDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (rows matched by {})", self.name, self.matched_by)?;
        if self.rows_a != self.rows_b {
            write!(f, ": {} rows against {} rows", self.rows_a, self.rows_b)?;
        }
        for (side, only) in [("first", &self.only_a), ("second", &self.only_b)] {
            if let Some(first) = only.first() {
                write!(
                    f,
                    "\n  {} rows only in the {side} file, the first: {first}",
                    only.len()
                )?;
            }
        }
        for c in &self.columns {
            let precision = match c.precision {
                Precision::Float32 => "float32",
                Precision::Float64 => "float64",
            };
            write!(
                f,
                "\n  {:<20} {:>6} rows compared, {:>6} bit-identical, max abs {}, max rel {}, max ulps {} ({precision})",
                c.name,
                c.compared,
                c.identical,
                short(c.max_abs),
                short(c.max_rel),
                c.max_ulps
            )?;
            match (&c.first_difference, &c.first_outside) {
                (Some(d), Some(o)) if d.key == o.key => {
                    write!(f, "\n    first difference, outside tolerance: {d}")?
                }
                (Some(d), outside) => {
                    write!(f, "\n    first difference, within tolerance: {d}")?;
                    if let Some(o) = outside {
                        write!(f, "\n    first outside tolerance: {o}")?;
                    }
                }
                (None, _) => {}
            }
        }
        if !self.not_compared.is_empty() {
            write!(f, "\n  not compared: {}", self.not_compared.join(", "))?;
        }
        Ok(())
    }
}
