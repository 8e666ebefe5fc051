//! `export`: a port's run folder's tensors, `params.npz` and `trace.npz`, written as the
//! `params.csv` and `trace.csv` that older run folders hold (docs/CONTRACT.md#run-files), for
//! tools that read CSV. Each array is read in chunks and written as it is read; the CSVs are
//! as large as CSVs of that many numbers are (about 50 bytes a number).

use super::npz::{Dtype, NpzIndex};
use super::trace::{parse_entry_name, ArrayBytes};
use anyhow::{bail, Context, Result};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Elements read at a time.
const CHUNK: usize = 1 << 16;

/// Writes `params.csv` and `trace.csv` into `out` from `dir`'s `.npz` files (those it has);
/// returns the files written.
pub fn export(dir: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (npz, csv) in [("params.npz", "params.csv"), ("trace.npz", "trace.csv")] {
        let from = dir.join(npz);
        if !from.is_file() {
            continue;
        }
        let to = out.join(csv);
        let tmp = out.join(format!(".tmp-{csv}-{}", std::process::id()));
        let result = npz_as_csv(&from, &tmp, npz == "trace.npz");
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &to).with_context(|| format!("cannot write {}", to.display()))?;
        written.push(to);
    }
    if written.is_empty() {
        bail!("{} has no params.npz or trace.npz", dir.display());
    }
    Ok(written)
}

/// Writes the `.npz` at `from` as CSV at `to`: `trace.csv`'s schema when `trace`, else
/// `params.csv`'s.
pub fn npz_as_csv(from: &Path, to: &Path, trace: bool) -> Result<()> {
    let header = if trace {
        "step,seq,name,index,value"
    } else {
        "stage,name,index,value"
    };
    let index = NpzIndex::open(from)?;
    let file =
        std::fs::File::create(to).with_context(|| format!("cannot write {}", to.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    writeln!(w, "{header}")?;
    for (i, e) in index.entries.iter().enumerate() {
        // Each row starts with the array's key: `step,seq,name` or `stage,name`.
        let key = if trace {
            let (step, seq, name) = parse_entry_name(&e.name).with_context(|| {
                format!("{}: {:?} is not STEP/SEQ/NAME", from.display(), e.name)
            })?;
            format!("{step},{seq},{name}")
        } else {
            match e.name.split_once('/') {
                Some((stage, name)) => format!("{stage},{name}"),
                None => bail!("{}: {:?} is not STAGE/NAME", from.display(), e.name),
            }
        };
        let mut stream = index.open_array(i)?;
        let dtype: Dtype = stream
            .dtype
            .filter(|_| !stream.fortran_order)
            .with_context(|| {
                format!("{}: {} arrays are not exported", stream.label, stream.descr)
            })?;
        let mut bytes = Vec::new();
        let mut at = 0u64;
        let n = stream.elements();
        while at < n {
            let k = (n - at).min(CHUNK as u64) as usize;
            stream.read_chunk(&mut bytes, k * dtype.size())?;
            let values = ArrayBytes {
                dtype,
                shape: vec![k],
                data: bytes.as_slice().into(),
            }
            .widened();
            for v in values {
                writeln!(w, "{key},{at},{}", super::number(v))?;
                at += 1;
            }
        }
    }
    w.flush()
        .with_context(|| format!("cannot write {}", to.display()))
}
