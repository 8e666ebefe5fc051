//! Data files as named columns, for `diff` on any numeric data (docs/CONTRACT.md#command-line): a CSV with a
//! header (the project's own files, pandas' `to_csv`, anything else), a NumPy `.npy` array or
//! the arrays of an `.npz` archive.
//!
//! A CSV column is numeric when its first non-empty cell reads as a number; a later cell of
//! it that does not is an error naming the file, line and column (a typo must not turn a
//! column into text and drop it from the comparison). Empty cells of a numeric column are NaN,
//! as pandas writes NaN. An array is flattened row-major into one column (Fortran-ordered
//! arrays are reordered first), as `params.csv` flattens a tensor.
//!
//! A column name may appear once in a CSV's header: with two `loss` columns a comparison
//! could only pick one of them silently, so a repeated name is an error.

use crate::diff::Precision;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};

/// The cells of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    Numbers(Vec<f64>),
    Text(Vec<String>),
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub cells: Cells,
    /// Every cell is a whole number written without a decimal point (a key candidate).
    pub integer_valued: bool,
    /// The floating-point type the file declares for it: an `.npy` / `.npz` float array's
    /// dtype. `None` where the file declares none (CSV cells, integer arrays).
    pub float_dtype: Option<Precision>,
}

impl Column {
    pub fn numbers(&self) -> Option<&[f64]> {
        match &self.cells {
            Cells::Numbers(v) => Some(v),
            Cells::Text(_) => None,
        }
    }

    /// The precision its ulps are counted in: its declared dtype, else float32 when every
    /// value is exactly a float32 (a CSV holds no dtype); `None` for text.
    pub fn precision(&self) -> Option<Precision> {
        let values = self.numbers()?;
        Some(self.float_dtype.unwrap_or_else(|| Precision::of(values)))
    }

    /// The cell of `row` as key text: numbers in their shortest form (so `1` and `1.0` name
    /// the same row), text as written.
    pub fn key_text(&self, row: usize) -> String {
        match &self.cells {
            Cells::Numbers(v) if v[row].fract() == 0.0 && v[row].abs() < 2f64.powi(53) => {
                format!("{:.0}", v[row])
            }
            Cells::Numbers(v) => crate::record::number(v[row]),
            Cells::Text(t) => t[row].clone(),
        }
    }
}

/// Where a table came from, which decides how its rows are matched by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Csv,
    /// A NumPy array (an `.npy` file or one `.npz` member): rows are its elements, matched
    /// by position.
    Array,
}

/// A table of named columns of equal length.
#[derive(Debug, Clone)]
pub struct Table {
    /// How messages name it: the file, with `[member]` for an `.npz` member.
    pub label: String,
    pub path: PathBuf,
    pub origin: Origin,
    pub columns: Vec<Column>,
    pub rows: usize,
    /// pandas' unnamed index: the first header cell is empty.
    pub pandas_index: bool,
    /// The shape of an array, for messages.
    pub shape: Vec<u64>,
    /// The file line of each CSV row (the header is line 1).
    pub lines: Vec<usize>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Where row `row` is, for messages: its CSV line, or an array's element.
    pub fn place(&self, row: usize) -> String {
        match self.origin {
            Origin::Csv => format!("line {}", self.lines[row]),
            Origin::Array => String::new(),
        }
    }

    /// How a row is named when rows are matched by position: `row 8`, or an array's
    /// element index `[2, 1]`.
    pub fn position(&self, row: usize) -> String {
        match self.origin {
            Origin::Csv => format!("row {}", row + 1),
            Origin::Array => {
                let mut index = Vec::with_capacity(self.shape.len());
                let mut rest = row as u64;
                for &d in self.shape.iter().rev() {
                    index.push(rest % d.max(1));
                    rest /= d.max(1);
                }
                index.reverse();
                format!("element {index:?}")
            }
        }
    }
}

/// What a data file holds: one table, or for an `.npz` one table per member, by name.
#[derive(Debug, Clone)]
pub enum DataFile {
    Csv(Table),
    Npy(Table),
    Npz(Vec<Table>),
}

/// Reads a data file, telling CSV, `.npy` and `.npz` apart by their first bytes.
pub fn read(path: &Path) -> Result<DataFile> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.starts_with(b"\x93NUMPY") {
        Ok(DataFile::Npy(read_npy(path, &bytes[..])?))
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        read_npz(path).map(DataFile::Npz)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow!("{} is neither text (CSV) nor a NumPy file", path.display()))?;
        read_csv(path, &text).map(DataFile::Csv)
    }
}

/// Reads a CSV with a header.
pub fn read_csv(path: &Path, text: &str) -> Result<Table> {
    let shown = path.display();
    if text.trim().is_empty() {
        bail!("{shown} is empty");
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{shown}: cannot read its header"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header
        .iter()
        .all(|h| h.is_empty() || h.parse::<f64>().is_ok())
    {
        bail!(
            "{shown}: unrecognised header {:?}: a header names the columns, this line is data",
            header.join(",")
        );
    }
    if let Some(name) = repeated_name(&header) {
        bail!("{shown}: column {name} appears more than once in the header; name each column once");
    }
    let pandas_index = header[0].is_empty();
    let mut raw: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos: Some(pos),
                expected_len,
                len,
            } => anyhow!(
                "{shown}: line {} has {len} fields, the header has {expected_len}",
                pos.line()
            ),
            _ => anyhow!("{shown}: {e}"),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        lines.push(record.position().map_or(0, |p| p.line() as usize));
        for (cells, cell) in raw.iter_mut().zip(record.iter()) {
            cells.push(cell.to_string());
        }
    }
    if lines.is_empty() {
        bail!("{shown} has a header but no rows");
    }
    let mut columns = Vec::with_capacity(header.len());
    for (i, (name, cells)) in header.iter().zip(raw).enumerate() {
        let name = if name.is_empty() && i == 0 {
            "index".to_string()
        } else {
            name.clone()
        };
        columns.push(column_of(path, &name, cells, &lines)?);
    }
    let rows = lines.len();
    Ok(Table {
        label: shown.to_string(),
        path: path.to_path_buf(),
        origin: Origin::Csv,
        columns,
        rows,
        pandas_index,
        shape: vec![rows as u64],
        lines,
    })
}

/// The first non-empty header cell that appears twice. (Empty cells are left alone: pandas
/// leaves its index unnamed.)
fn repeated_name(header: &[String]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    header
        .iter()
        .filter(|h| !h.is_empty())
        .find(|h| !seen.insert(h.as_str()))
        .map(String::as_str)
}

/// A CSV column from its cells: numeric when its first non-empty cell is a number.
fn column_of(path: &Path, name: &str, cells: Vec<String>, lines: &[usize]) -> Result<Column> {
    let numeric = cells
        .iter()
        .find(|c| !c.is_empty())
        .is_some_and(|c| parse_number(c).is_some());
    if !numeric {
        return Ok(Column {
            name: name.to_string(),
            cells: Cells::Text(cells),
            integer_valued: false,
            float_dtype: None,
        });
    }
    let mut values = Vec::with_capacity(cells.len());
    let mut integer_valued = true;
    for (cell, line) in cells.iter().zip(lines) {
        if cell.is_empty() {
            values.push(f64::NAN);
            integer_valued = false;
            continue;
        }
        let value = parse_number(cell).ok_or_else(|| {
            anyhow!(
                "{}: line {line}: {name} {cell:?} is not a number",
                path.display()
            )
        })?;
        integer_valued &= cell.parse::<i64>().is_ok();
        values.push(value);
    }
    Ok(Column {
        name: name.to_string(),
        cells: Cells::Numbers(values),
        integer_valued,
        float_dtype: None,
    })
}

/// A number as Python, NumPy and pandas write one (`nan`, `inf`, `-inf`, `1e-05`, `True`).
fn parse_number(cell: &str) -> Option<f64> {
    match cell {
        "True" | "true" => Some(1.0),
        "False" | "false" => Some(0.0),
        _ => cell.parse::<f64>().ok(),
    }
}

/// Reads an `.npy` array from its bytes.
fn read_npy(path: &Path, bytes: impl std::io::Read) -> Result<Table> {
    let label = path.display().to_string();
    let name = path
        .file_stem()
        .map_or("values".into(), |s| s.to_string_lossy().into_owned());
    let npy = npyz::NpyFile::new(bytes).with_context(|| format!("{label} is not a NumPy array"))?;
    array_table(path, label, name, npy)
}

/// Reads every array of an `.npz` archive, one table each, in the archive's order.
fn read_npz(path: &Path) -> Result<Vec<Table>> {
    let shown = path.display();
    let mut archive = npyz::npz::NpzArchive::open(path)
        .with_context(|| format!("{shown} is not an .npz archive"))?;
    let names: Vec<String> = archive.array_names().map(str::to_string).collect();
    if names.is_empty() {
        bail!("{shown} holds no arrays");
    }
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let npy = archive
            .by_name(&name)
            .with_context(|| format!("{shown}: cannot read member {name}"))?
            .with_context(|| format!("{shown}: member {name} vanished"))?;
        let label = format!("{shown}[{name}]");
        tables.push(array_table(path, label, name, npy)?);
    }
    Ok(tables)
}

/// Reads one member of an `.npz` archive.
pub fn read_npz_member(path: &Path, name: &str) -> Result<Table> {
    let shown = path.display();
    let mut archive = npyz::npz::NpzArchive::open(path)
        .with_context(|| format!("{shown} is not an .npz archive"))?;
    let npy = archive
        .by_name(name)
        .with_context(|| format!("{shown}: cannot read member {name}"))?
        .with_context(|| format!("{shown}: no member {name}"))?;
    array_table(path, format!("{shown}[{name}]"), name.to_string(), npy)
}

fn array_table<R: std::io::Read>(
    path: &Path,
    label: String,
    name: String,
    npy: npyz::NpyFile<R>,
) -> Result<Table> {
    use npyz::{DType, TypeChar};
    let shape = npy.shape().to_vec();
    let order = npy.order();
    let DType::Plain(ty) = npy.dtype() else {
        bail!("{label}: a structured array; give each field its own array");
    };
    let bad = || anyhow!("{label}: dtype {ty} is not a plain integer or floating-point type");
    let read_err = |e: std::io::Error| anyhow!("{label}: cannot read the array: {e}");
    // `as` is exact for every float32 and for integers below 2^53.
    macro_rules! widened {
        ($t:ty) => {
            npy.into_vec::<$t>()
                .map_err(read_err)?
                .into_iter()
                .map(|v| v as f64)
                .collect::<Vec<f64>>()
        };
    }
    let float64 = Some(Precision::Float64);
    let float32 = Some(Precision::Float32);
    let (values, integer_valued, float_dtype) = match (ty.type_char(), ty.size_field()) {
        (TypeChar::Float, 8) => (npy.into_vec::<f64>().map_err(read_err)?, false, float64),
        (TypeChar::Float, 4) => (widened!(f32), false, float32),
        (TypeChar::Int, 8) => (widened!(i64), true, None),
        (TypeChar::Int, 4) => (widened!(i32), true, None),
        (TypeChar::Int, 2) => (widened!(i16), true, None),
        (TypeChar::Int, 1) => (widened!(i8), true, None),
        (TypeChar::Uint, 8) => (widened!(u64), true, None),
        (TypeChar::Uint, 4) => (widened!(u32), true, None),
        (TypeChar::Uint, 2) => (widened!(u16), true, None),
        (TypeChar::Uint, 1) => (widened!(u8), true, None),
        _ => return Err(bad()),
    };
    let values = match order {
        npyz::Order::C => values,
        npyz::Order::Fortran => c_order(&values, &shape),
    };
    let rows = values.len();
    Ok(Table {
        label,
        path: path.to_path_buf(),
        origin: Origin::Array,
        columns: vec![Column {
            name,
            cells: Cells::Numbers(values),
            integer_valued,
            float_dtype,
        }],
        rows,
        pandas_index: false,
        shape,
        lines: Vec::new(),
    })
}

/// The row-major order of a Fortran-ordered array's elements.
fn c_order(values: &[f64], shape: &[u64]) -> Vec<f64> {
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let mut out = Vec::with_capacity(values.len());
    let mut index = vec![0usize; dims.len()];
    for _ in 0..values.len() {
        // The Fortran offset of the current row-major index: first axis fastest.
        let mut offset = 0;
        let mut stride = 1;
        for (i, d) in index.iter().zip(&dims) {
            offset += i * stride;
            stride *= d;
        }
        out.push(values[offset]);
        for axis in (0..dims.len()).rev() {
            index[axis] += 1;
            if index[axis] < dims[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[f64], float_dtype: Option<Precision>) -> Column {
        Column {
            name: "x".into(),
            cells: Cells::Numbers(values.to_vec()),
            integer_valued: false,
            float_dtype,
        }
    }

    #[test]
    fn a_declared_dtype_decides_the_precision_a_csv_column_infers_it() {
        // Whole numbers are exactly float32; declared float64, they are counted in float64.
        let whole = [0.0, 1.0, 2.0];
        assert_eq!(column(&whole, None).precision(), Some(Precision::Float32));
        let f64_array = column(&whole, Some(Precision::Float64));
        assert_eq!(f64_array.precision(), Some(Precision::Float64));
        assert_eq!(column(&[0.1], None).precision(), Some(Precision::Float64));
    }

    #[test]
    fn a_repeated_column_name_is_an_error_naming_it_and_the_file() {
        let path = Path::new("history.csv");
        let err = read_csv(path, "step,loss,loss\n1,0.5,0.25\n").unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("history.csv"), "{message}");
        assert!(
            message.contains("column loss appears more than once"),
            "{message}"
        );
        // pandas' unnamed index is not a name.
        assert!(read_csv(path, ",loss\n0,0.5\n").is_ok());
    }
}
