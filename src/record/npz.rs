//! Tensors in their own bytes (docs/CONTRACT.md#run-files): `.npz` archives written one
//! array at a time and read one array, or one chunk of an array, at a time.
//!
//! An archive is NumPy's own format: a zip of `.npy` files, each entry STORED (uncompressed)
//! so that it can be compared with `memcmp` and read at the speed of the disk. `np.load` and
//! tch's `Tensor::read_npz` read it without xor-repro. Each entry is appended as its array
//! comes ([`NpzWriter::add`]) and the zip's central directory is written at
//! [`NpzWriter::finish`]: a run never holds its trace in memory, and an archive cut short
//! has no central directory, so no reader takes it for a whole one. (safetensors, the other
//! format both libraries read, puts one JSON header with every tensor's offset before the
//! data, so it cannot be written as the tensors come.)
//!
//! The bytes are deterministic: the `.npy` header is the one NumPy's `np.lib.format` writes
//! (version 1.0, padded to 64 bytes), and every zip field that could vary (time stamps,
//! attributes) is fixed, so identical arrays give identical archives on every side. The
//! Python recorder (`python/xor_repro_record.py`, `_NpzWriter`) writes the same bytes.
//!
//! The reader ([`NpzIndex`]) takes any `.npz` whose entries are stored (`np.savez`'s, with
//! or without zip64 fields) and any `.npy` ([`ArrayStream::open_npy`]); a compressed entry
//! (`np.savez_compressed`) is reported as such, for the caller to read another way.

use anyhow::{anyhow, bail, Context, Result};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// An array's element type, by NumPy's name for it (`descr`). Little-endian throughout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    Bool,
    I8,
    U8,
    I16,
    I32,
    I64,
    F16,
    F32,
    F64,
}

impl Dtype {
    /// NumPy's `descr`: `<f4`, `|b1`, …
    pub fn descr(self) -> &'static str {
        match self {
            Dtype::Bool => "|b1",
            Dtype::I8 => "|i1",
            Dtype::U8 => "|u1",
            Dtype::I16 => "<i2",
            Dtype::I32 => "<i4",
            Dtype::I64 => "<i8",
            Dtype::F16 => "<f2",
            Dtype::F32 => "<f4",
            Dtype::F64 => "<f8",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::I8 | Dtype::U8 => 1,
            Dtype::I16 | Dtype::F16 => 2,
            Dtype::I32 | Dtype::F32 => 4,
            Dtype::I64 | Dtype::F64 => 8,
        }
    }

    /// The type of a `descr`, when it is one of these.
    pub fn from_descr(descr: &str) -> Option<Dtype> {
        [
            Dtype::Bool,
            Dtype::I8,
            Dtype::U8,
            Dtype::I16,
            Dtype::I32,
            Dtype::I64,
            Dtype::F16,
            Dtype::F32,
            Dtype::F64,
        ]
        .into_iter()
        .find(|d| d.descr() == descr)
    }
}

/// NumPy's `ARRAY_ALIGN`: the header is padded so the data starts at a multiple of it.
const ARRAY_ALIGN: usize = 64;
/// NumPy's `GROWTH_AXIS_MAX_DIGITS`: spare spaces it leaves for the first axis to grow.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// The `.npy` header NumPy writes for a C-ordered array of `dtype` and `shape`
/// (`np.lib.format.write_array_header_1_0`), byte for byte.
pub fn npy_header(dtype: Dtype, shape: &[usize]) -> Vec<u8> {
    let shape_repr = match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_repr}, }}",
        dtype.descr()
    );
    if let Some(first) = shape.first() {
        let digits = first.to_string().len();
        dict.push_str(&" ".repeat(GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits)));
    }
    let hlen = dict.len() + 1;
    let pad = ARRAY_ALIGN - ((8 + 2 + hlen) % ARRAY_ALIGN);
    let mut header = Vec::with_capacity(10 + hlen + pad);
    header.extend_from_slice(b"\x93NUMPY\x01\x00");
    header.extend_from_slice(&((hlen + pad) as u16).to_le_bytes());
    header.extend_from_slice(dict.as_bytes());
    header.extend(std::iter::repeat_n(b' ', pad));
    header.push(b'\n');
    header
}

/// The zip's fixed date: 1980-01-01 00:00, the earliest it can say (so no clock shows).
const DOS_DATE: u16 = (1 << 5) | 1;
const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL: u32 = 0x0605_4b50;
const ZIP64_END: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// General-purpose flag 11: the name is UTF-8 (set only for names beyond ASCII).
const UTF8_NAME: u16 = 1 << 11;

/// One entry, as the central directory lists it.
struct Written {
    name: Vec<u8>,
    crc: u32,
    size: u64,
    offset: u64,
}

/// An `.npz` written one array at a time (see the module documentation).
pub struct NpzWriter {
    path: PathBuf,
    file: BufWriter<File>,
    offset: u64,
    entries: Vec<Written>,
}

impl NpzWriter {
    /// Creates (or truncates) the archive at `path`.
    pub fn create(path: &Path) -> Result<NpzWriter> {
        let file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(NpzWriter {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, file),
            offset: 0,
            entries: Vec::new(),
        })
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many arrays it holds so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the array `name` (`NAME.npy` in the zip): `data` is its elements' bytes,
    /// row-major and little-endian, `shape` its shape.
    pub fn add(&mut self, name: &str, dtype: Dtype, shape: &[usize], data: &[u8]) -> Result<()> {
        let elements: usize = shape.iter().product();
        if data.len() != elements * dtype.size() {
            bail!(
                "{}: {name}: {} bytes for shape {shape:?} of {}",
                self.path.display(),
                data.len(),
                dtype.descr()
            );
        }
        let header = npy_header(dtype, shape);
        let size = (header.len() + data.len()) as u64;
        if size >= u32::MAX as u64 {
            bail!(
                "{}: {name} is {size} bytes; one array must stay under 4 GiB",
                self.path.display()
            );
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(&header);
        crc.update(data);
        let entry = Written {
            name: format!("{name}.npy").into_bytes(),
            crc: crc.finalize(),
            size,
            offset: self.offset,
        };
        let mut local = Vec::with_capacity(30 + entry.name.len());
        local.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
        local.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        local.extend_from_slice(&flags(&entry.name).to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // stored
        local.extend_from_slice(&0u16.to_le_bytes()); // time
        local.extend_from_slice(&DOS_DATE.to_le_bytes());
        local.extend_from_slice(&entry.crc.to_le_bytes());
        local.extend_from_slice(&(size as u32).to_le_bytes());
        local.extend_from_slice(&(size as u32).to_le_bytes());
        local.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        local.extend_from_slice(&entry.name);
        let written = (|| -> std::io::Result<()> {
            self.file.write_all(&local)?;
            self.file.write_all(&header)?;
            self.file.write_all(data)
        })();
        written.with_context(|| format!("cannot write {}", self.path.display()))?;
        self.offset += local.len() as u64 + size;
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the central directory, which makes the archive whole, and closes it.
    pub fn finish(mut self) -> Result<PathBuf> {
        let start = self.offset;
        let mut central = Vec::new();
        for e in &self.entries {
            let far = e.offset >= u32::MAX as u64;
            let version: u16 = if far { 45 } else { 20 };
            central.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
            central.extend_from_slice(&version.to_le_bytes()); // made by
            central.extend_from_slice(&version.to_le_bytes()); // needed
            central.extend_from_slice(&flags(&e.name).to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&DOS_DATE.to_le_bytes());
            central.extend_from_slice(&e.crc.to_le_bytes());
            central.extend_from_slice(&(e.size as u32).to_le_bytes());
            central.extend_from_slice(&(e.size as u32).to_le_bytes());
            central.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            central.extend_from_slice(&(if far { 12u16 } else { 0 }).to_le_bytes());
            central.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
            central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            let offset = if far { u32::MAX } else { e.offset as u32 };
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(&e.name);
            if far {
                central.extend_from_slice(&1u16.to_le_bytes()); // zip64 extra field
                central.extend_from_slice(&8u16.to_le_bytes());
                central.extend_from_slice(&e.offset.to_le_bytes());
            }
        }
        let count = self.entries.len() as u64;
        let size = central.len() as u64;
        let zip64 = count >= 0xffff || start >= u32::MAX as u64 || size >= u32::MAX as u64;
        if zip64 {
            let end64 = start + size;
            central.extend_from_slice(&ZIP64_END.to_le_bytes());
            central.extend_from_slice(&44u64.to_le_bytes());
            central.extend_from_slice(&45u16.to_le_bytes());
            central.extend_from_slice(&45u16.to_le_bytes());
            central.extend_from_slice(&[0; 8]); // this disk, the directory's disk
            central.extend_from_slice(&count.to_le_bytes());
            central.extend_from_slice(&count.to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&start.to_le_bytes());
            central.extend_from_slice(&ZIP64_LOCATOR.to_le_bytes());
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&end64.to_le_bytes());
            central.extend_from_slice(&1u32.to_le_bytes());
        }
        let small = |x: u64, max: u64| x.min(max);
        central.extend_from_slice(&END_OF_CENTRAL.to_le_bytes());
        central.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        central.extend_from_slice(&(small(count, 0xffff) as u16).to_le_bytes());
        central.extend_from_slice(&(small(count, 0xffff) as u16).to_le_bytes());
        central.extend_from_slice(&(small(size, u32::MAX as u64) as u32).to_le_bytes());
        central.extend_from_slice(&(small(start, u32::MAX as u64) as u32).to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // no comment
        let path = self.path.clone();
        let closed = (|| -> std::io::Result<()> {
            self.file.write_all(&central)?;
            self.file.flush()
        })();
        closed.with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

impl std::fmt::Debug for NpzWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NpzWriter({}, {} arrays)",
            self.path().display(),
            self.len()
        )
    }
}

fn flags(name: &[u8]) -> u16 {
    if name.is_ascii() {
        0
    } else {
        UTF8_NAME
    }
}

/// One array of an archive, as its central directory lists it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The array's name: the zip entry's, without `.npy`.
    pub name: String,
    /// 0 when stored; anything else is compressed.
    pub method: u16,
    pub compressed_size: u64,
    pub size: u64,
    /// Where its local header starts.
    pub offset: u64,
    /// Where its central directory header starts.
    pub central: u64,
}

/// The arrays of an `.npz`, in the archive's order, read from its central directory alone.
#[derive(Debug, Clone)]
pub struct NpzIndex {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

impl NpzIndex {
    /// Reads the central directory of the archive at `path`.
    pub fn open(path: &Path) -> Result<NpzIndex> {
        let shown = path.display();
        let mut file = File::open(path).with_context(|| format!("cannot read {shown}"))?;
        let len = file.metadata()?.len();
        let tail_len = len.min(22 + 0xffff + 20);
        let mut tail = vec![0u8; tail_len as usize];
        file.seek(SeekFrom::Start(len - tail_len))?;
        file.read_exact(&mut tail)?;
        let end = (0..tail.len().saturating_sub(21))
            .rev()
            .find(|&i| u32_at(&tail, i) == END_OF_CENTRAL)
            .ok_or_else(|| {
                anyhow!(
                    "{shown} is not a whole .npz archive (no end of central directory: cut short?)"
                )
            })?;
        let mut count = u16_at(&tail, end + 10) as u64;
        let mut size = u32_at(&tail, end + 12) as u64;
        let mut start = u32_at(&tail, end + 16) as u64;
        if (count == 0xffff || size == u32::MAX as u64 || start == u32::MAX as u64)
            && end >= 20
            && u32_at(&tail, end - 20) == ZIP64_LOCATOR
        {
            let at = u64_at(&tail, end - 12);
            let mut record = [0u8; 56];
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(&mut record)?;
            if u32_at(&record, 0) != ZIP64_END {
                bail!("{shown}: a broken zip64 end record");
            }
            count = u64_at(&record, 32);
            size = u64_at(&record, 40);
            start = u64_at(&record, 48);
        }
        if start + size > len {
            bail!("{shown}: its central directory points past its end");
        }
        let mut central = vec![0u8; size as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut central)?;
        let mut entries = Vec::with_capacity(count as usize);
        let mut at = 0;
        for _ in 0..count {
            if at + 46 > central.len() || u32_at(&central, at) != CENTRAL_HEADER {
                bail!("{shown}: a broken central directory");
            }
            let method = u16_at(&central, at + 10);
            let mut compressed_size = u32_at(&central, at + 20) as u64;
            let mut size = u32_at(&central, at + 24) as u64;
            let name_len = u16_at(&central, at + 28) as usize;
            let extra_len = u16_at(&central, at + 30) as usize;
            let comment_len = u16_at(&central, at + 32) as usize;
            let mut offset = u32_at(&central, at + 42) as u64;
            let name_at = at + 46;
            if name_at + name_len + extra_len > central.len() {
                bail!("{shown}: a broken central directory");
            }
            let raw = String::from_utf8_lossy(&central[name_at..name_at + name_len]);
            let name = raw.strip_suffix(".npy").unwrap_or(&raw).to_string();
            // zip64: the fields at their maximum are in the extra field, in this order.
            let mut extra = &central[name_at + name_len..name_at + name_len + extra_len];
            while extra.len() >= 4 {
                let (id, len) = (u16_at(extra, 0), u16_at(extra, 2) as usize);
                let body = &extra[4..(4 + len).min(extra.len())];
                if id == 1 {
                    let mut fields = body.chunks_exact(8).map(|c| u64_at(c, 0));
                    for field in [&mut size, &mut compressed_size, &mut offset] {
                        if *field == u32::MAX as u64 {
                            *field = fields.next().unwrap_or(*field);
                        }
                    }
                }
                extra = &extra[(4 + len).min(extra.len())..];
            }
            entries.push(Entry {
                name,
                method,
                compressed_size,
                size,
                offset,
                central: start + at as u64,
            });
            at = name_at + name_len + extra_len + comment_len;
        }
        Ok(NpzIndex {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// Opens entry `i` for reading its array, chunk by chunk.
    pub fn open_array(&self, i: usize) -> Result<ArrayStream> {
        let e = &self.entries[i];
        let label = format!("{}[{}]", self.path.display(), e.name);
        if e.method != 0 {
            bail!("{label} is compressed");
        }
        let mut file = File::open(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        let data = self.data_start(&mut file, i)?;
        file.seek(SeekFrom::Start(data))?;
        ArrayStream::from_file(file, label, e.size)
    }

    /// Where entry `i`'s `.npy` starts in the file.
    fn data_start(&self, file: &mut File, i: usize) -> Result<u64> {
        let e = &self.entries[i];
        let label = format!("{}[{}]", self.path.display(), e.name);
        let mut local = [0u8; 30];
        file.seek(SeekFrom::Start(e.offset))?;
        file.read_exact(&mut local)
            .with_context(|| format!("{label}: cut short"))?;
        if u32_at(&local, 0) != LOCAL_HEADER {
            bail!("{label}: no local header where the directory says");
        }
        let skip = u16_at(&local, 26) as u64 + u16_at(&local, 28) as u64;
        Ok(e.offset + 30 + skip)
    }

    /// Moves element `index` of the float array `name` one ulp away from zero, in place,
    /// and updates the archive's checksums: a planted difference (tests, `bench`), which
    /// NumPy still reads. Returns the value before and after, widened to f64.
    pub fn nudge(&self, name: &str, index: u64) -> Result<(f64, f64)> {
        let i = self
            .entries
            .iter()
            .position(|e| e.name == name)
            .ok_or_else(|| anyhow!("{}: no array {name}", self.path.display()))?;
        let e = &self.entries[i];
        let stream = self.open_array(i)?;
        let dtype = stream.float_dtype()?;
        if index >= stream.elements() {
            bail!("{name} has {} elements, no [{index}]", stream.elements());
        }
        let size = dtype.size() as u64;
        let header = e.size - stream.elements() * size;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.path)?;
        let npy = self.data_start(&mut file, i)?;
        let mut element = vec![0u8; size as usize];
        file.seek(SeekFrom::Start(npy + header + index * size))?;
        file.read_exact(&mut element)?;
        let (before, after, bumped) = match dtype {
            Dtype::F32 => {
                let bits = u32::from_le_bytes(element[..].try_into()?);
                let next = bits + 1;
                let v = |b: u32| f32::from_bits(b) as f64;
                (v(bits), v(next), next.to_le_bytes().to_vec())
            }
            _ => {
                let bits = u64::from_le_bytes(element[..].try_into()?);
                (
                    f64::from_bits(bits),
                    f64::from_bits(bits + 1),
                    (bits + 1).to_le_bytes().to_vec(),
                )
            }
        };
        file.seek(SeekFrom::Start(npy + header + index * size))?;
        file.write_all(&bumped)?;
        let mut crc = crc32fast::Hasher::new();
        let mut whole = vec![0u8; e.size as usize];
        file.seek(SeekFrom::Start(npy))?;
        file.read_exact(&mut whole)?;
        crc.update(&whole);
        let crc = crc.finalize().to_le_bytes();
        file.seek(SeekFrom::Start(e.offset + 14))?;
        file.write_all(&crc)?;
        file.seek(SeekFrom::Start(e.central + 16))?;
        file.write_all(&crc)?;
        Ok((before, after))
    }
}

/// One array being read: its type and shape, then its elements' bytes in chunks.
pub struct ArrayStream {
    pub label: String,
    pub descr: String,
    pub dtype: Option<Dtype>,
    pub fortran_order: bool,
    pub shape: Vec<u64>,
    reader: std::io::BufReader<File>,
    /// Bytes of data not yet read.
    remaining: u64,
}

impl ArrayStream {
    /// Opens an `.npy` file.
    pub fn open_npy(path: &Path) -> Result<ArrayStream> {
        let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let len = file.metadata()?.len();
        ArrayStream::from_file(file, path.display().to_string(), len)
    }

    /// Reads the `.npy` header at the file's position; `len` is the `.npy`'s whole size.
    fn from_file(mut file: File, label: String, len: u64) -> Result<ArrayStream> {
        // The header through a small buffer (opening an array to learn its shape reads a
        // few kB), the data through one no larger than the data: a small array never reads
        // past its end.
        let start = file.stream_position()?;
        let mut reader = std::io::BufReader::with_capacity(4096, &mut file);
        let mut magic = [0u8; 10];
        reader
            .read_exact(&mut magic)
            .with_context(|| format!("{label} is not a NumPy array"))?;
        if &magic[..6] != b"\x93NUMPY" {
            bail!("{label} is not a NumPy array");
        }
        let (header_len, prefix) = match magic[6] {
            1 => (u16_at(&magic, 8) as u64, 10),
            2 | 3 => {
                let mut more = [0u8; 2];
                reader.read_exact(&mut more)?;
                (
                    u32::from_le_bytes([magic[8], magic[9], more[0], more[1]]) as u64,
                    12,
                )
            }
            v => bail!("{label}: .npy format version {v} is not known"),
        };
        let mut header = vec![0u8; header_len as usize];
        reader
            .read_exact(&mut header)
            .with_context(|| format!("{label}: cut short"))?;
        let header = String::from_utf8_lossy(&header);
        let (descr, fortran_order, shape) = parse_header(&header)
            .ok_or_else(|| anyhow!("{label}: cannot read its .npy header {header:?}"))?;
        let dtype = Dtype::from_descr(&descr);
        let data = len
            .checked_sub(prefix + header_len)
            .ok_or_else(|| anyhow!("{label}: cut short"))?;
        drop(reader);
        file.seek(SeekFrom::Start(start + prefix + header_len))?;
        let reader = std::io::BufReader::with_capacity(data.clamp(1, 1 << 20) as usize, file);
        let elements: u64 = shape.iter().product();
        if let Some(d) = dtype {
            if data < elements * d.size() as u64 {
                bail!("{label}: {data} bytes of data for shape {shape:?} of {descr}: cut short");
            }
        }
        Ok(ArrayStream {
            label,
            descr,
            dtype,
            fortran_order,
            shape,
            reader,
            remaining: dtype.map_or(data, |d| elements * d.size() as u64),
        })
    }

    /// Its number of elements.
    pub fn elements(&self) -> u64 {
        self.shape.iter().product()
    }

    /// Reads the next `bytes` bytes of data (fewer at its end) into `buf`.
    pub fn read_chunk(&mut self, buf: &mut Vec<u8>, bytes: usize) -> Result<()> {
        let n = (bytes as u64).min(self.remaining) as usize;
        buf.resize(n, 0);
        self.reader
            .read_exact(buf)
            .with_context(|| format!("{}: cut short", self.label))?;
        self.remaining -= n as u64;
        Ok(())
    }

    /// The whole array's elements, widened to f64: exactly for a float32 or float64 array
    /// and for integers and booleans up to 2^53 in magnitude (a buffer such as BatchNorm's
    /// `num_batches_tracked` is an int64 tensor).
    pub fn read_f64(mut self) -> Result<Vec<f64>> {
        let dtype = match self.dtype {
            Some(d) if d != Dtype::F16 && !self.fortran_order => d,
            _ => self.float_dtype()?, // the error naming what cannot be read
        };
        let mut buf = Vec::new();
        self.read_chunk(&mut buf, usize::MAX)?;
        let mut out = Vec::with_capacity(buf.len() / dtype.size());
        widen(dtype, &buf, &mut out);
        Ok(out)
    }

    /// Its float type, or an error for any other.
    pub fn float_dtype(&self) -> Result<Dtype> {
        match self.dtype {
            Some(d @ (Dtype::F32 | Dtype::F64)) if !self.fortran_order => Ok(d),
            _ => bail!(
                "{}: {} arrays{} are not read as a stream",
                self.label,
                self.descr,
                if self.fortran_order {
                    " in Fortran order"
                } else {
                    ""
                }
            ),
        }
    }
}

/// Appends the elements of `bytes` to `out`, widened to f64 (exactly for floats, and for
/// integers up to 2^53 in magnitude).
pub fn widen(dtype: Dtype, bytes: &[u8], out: &mut Vec<f64>) {
    match dtype {
        Dtype::F32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")) as f64),
        ),
        Dtype::F64 => out.extend(
            bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))),
        ),
        Dtype::Bool | Dtype::U8 => out.extend(bytes.iter().map(|&b| b as f64)),
        Dtype::I8 => out.extend(bytes.iter().map(|&b| b as i8 as f64)),
        Dtype::I16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes(c.try_into().expect("2 bytes")) as f64),
        ),
        Dtype::I32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as f64),
        ),
        Dtype::I64 => out.extend(
            bytes
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f64),
        ),
        Dtype::F16 => unreachable!("float16 arrays are not widened here"),
    }
}

/// `descr`, `fortran_order` and `shape` of a `.npy` header dictionary.
fn parse_header(header: &str) -> Option<(String, bool, Vec<u64>)> {
    let after = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))? + key.len() + 2;
        Some(header[at..].trim_start().strip_prefix(':')?.trim_start())
    };
    let descr_text = after("descr")?;
    let quote = descr_text
        .chars()
        .next()
        .filter(|c| *c == '\'' || *c == '"')?;
    let descr = descr_text[1..].split(quote).next()?.to_string();
    let fortran_order = after("fortran_order")?.starts_with("True");
    let shape_text = after("shape")?.strip_prefix('(')?;
    let shape_text = &shape_text[..shape_text.find(')')?];
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<u64>().ok())
        .collect::<Option<Vec<u64>>>()?;
    Some((descr, fortran_order, shape))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_reads_back_as_written() {
        for shape in [vec![], vec![3], vec![2, 3, 4], vec![1_000_000, 10]] {
            let header = npy_header(Dtype::F32, &shape);
            assert_eq!(header.len() % 64, 0);
            let text = String::from_utf8_lossy(&header[10..]);
            let (descr, fortran, read) = parse_header(&text).unwrap();
            assert_eq!(descr, "<f4");
            assert!(!fortran);
            assert_eq!(read, shape.iter().map(|&d| d as u64).collect::<Vec<_>>());
        }
    }

    #[test]
    fn an_archive_reads_back_entry_by_entry_and_a_cut_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npz");
        let mut w = NpzWriter::create(&path).unwrap();
        let x: Vec<u8> = [1.5f32, -0.0, f32::NAN]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        w.add("000000/00000/x", Dtype::F32, &[3], &x).unwrap();
        w.add("y", Dtype::F64, &[], &2.0f64.to_le_bytes()).unwrap();
        w.finish().unwrap();
        let index = NpzIndex::open(&path).unwrap();
        let names: Vec<&str> = index.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["000000/00000/x", "y"]);
        let values = index.open_array(0).unwrap().read_f64().unwrap();
        assert_eq!(values[0], 1.5);
        assert!(values[1] == 0.0 && values[1].is_sign_negative() && values[2].is_nan());
        assert_eq!(index.open_array(1).unwrap().read_f64().unwrap(), [2.0]);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
        let err = format!("{:#}", NpzIndex::open(&path).unwrap_err());
        assert!(err.contains("not a whole .npz"), "{err}");
    }
}
