//! Asking the Python libraries themselves which kernel path they take here
//! (`scripts/reference/kernels.py`: `numpy.lib.introspect`, threadpoolctl, `IsMklEnabled()` with
//! `ONEDNN_VERBOSE`, `torch.backends.cpu.get_cpu_capability()`, MKL_VERBOSE), and holding the answers against
//! the paths [`super::Paths`] picked, for `xor-repro kernels` and the tests.

use super::numpy_exp::ExpPath;
use super::{KernelPath, Paths};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::process::Command;

/// The libraries' answers, keyed as in [`super::LIBRARIES`], from a Python process started
/// with `extra_env` on top of this process's environment.
pub fn ask_libraries(extra_env: &[(&str, &str)]) -> Result<BTreeMap<String, KernelPath>> {
    let python = crate::run::python::interpreter()?;
    let script = crate::run::python::project_root().join("scripts/reference/kernels.py");
    let mut cmd = Command::new(&python);
    let child_switches = super::Switches::from_lookup(|name| {
        let extra = extra_env.iter().find(|(k, _)| *k == name);
        extra
            .map(|(_, v)| v.to_string())
            .or_else(|| std::env::var(name).ok())
    });
    super::mkl::shim::preload_if(&mut cmd, child_switches.mkl_as_intel)?;
    let out = cmd
        .arg(&script)
        .envs(extra_env.iter().copied())
        .env("TF_CPP_MIN_LOG_LEVEL", "3")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .with_context(|| format!("cannot start {}", python.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{} failed: {}",
            script.display(),
            stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("");
    serde_json::from_str(line).with_context(|| format!("{} printed no answers", script.display()))
}

/// Whether the library's own answer for `key` is the path `paths` picked; `None` when the
/// library could not be asked.
pub fn agrees(paths: &Paths, key: &str, said: &KernelPath) -> Option<bool> {
    if said.error.is_some() {
        return None;
    }
    let answer = said.path.as_str();
    Some(match key {
        "numpy-exp" => match paths.numpy_exp.path {
            Some(ExpPath::Svml) => answer == "AVX512_SKX",
            Some(ExpPath::Avx512f) => answer == "AVX512F",
            Some(ExpPath::Libm) => !answer.starts_with("AVX512"),
            None => false,
        },
        // OpenBLAS calls its Prescott core "Katmai" when asked.
        "openblas" => paths
            .openblas
            .path
            .is_some_and(|core| core.reported_name().eq_ignore_ascii_case(answer)),
        "tensorflow" => {
            let ours = &paths.tensorflow.name;
            // Without the ISA (run.json's cheap answer) only the back-end is compared.
            ours.eq_ignore_ascii_case(answer)
                || (answer.eq_ignore_ascii_case("oneDNN") && ours.starts_with("oneDNN"))
        }
        "aten" => paths.aten.name.eq_ignore_ascii_case(answer),
        // MKL_VERBOSE names the processor class in its header line, word for word.
        "mkl" => super::mkl::dispatch::verbose_name(&paths.mkl.name) == Some(answer),
        _ => return None,
    })
}

/// One line per library whose answer differs from the pick.
pub fn disagreements(paths: &Paths, said: &BTreeMap<String, KernelPath>) -> Vec<String> {
    let ours = paths.records();
    super::LIBRARIES
        .iter()
        .filter_map(|(key, label)| {
            let answer = said.get(*key)?;
            (agrees(paths, key, answer) == Some(false)).then(|| {
                format!(
                    "disagreement: {label}: xor-repro picks {}, the library reports {} ({})",
                    ours[*key].path,
                    answer.path,
                    answer.source.as_deref().unwrap_or("?")
                )
            })
        })
        .collect()
}
