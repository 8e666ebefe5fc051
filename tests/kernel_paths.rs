//! The kernel path xor-repro picks for each library (`xor-repro kernels`) against what the
//! pinned Python libraries themselves report on this machine, under the default switches and
//! under every switch setting the experiment tests force (one NumPy, one TensorFlow and one
//! PyTorch setting per process: each library reads only its own switches).

mod common;
use xor_repro::experiments::Framework;

#[test]
fn kernels_picks_what_every_library_reports_under_every_switch() {
    let per_framework: Vec<Vec<common::SwitchCase>> =
        [Framework::NumPy, Framework::TensorFlow, Framework::PyTorch]
            .into_iter()
            .map(|f| {
                let (cases, skipped) = common::switch_cases(f);
                for note in skipped {
                    eprintln!("note: skipped {note}");
                }
                cases
            })
            .collect();
    let rounds = per_framework.iter().map(Vec::len).max().unwrap();
    let mut failures = Vec::new();
    for round in 0..rounds {
        let mut env = Vec::new();
        for cases in &per_framework {
            if let Some(case) = cases.get(round) {
                env.extend(case.env.iter().cloned());
            }
        }
        let case = common::SwitchCase::of(env);
        let mut cmd = common::bin();
        cmd.arg("kernels");
        case.apply(&mut cmd);
        let out = cmd.output().expect("xor-repro kernels runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprintln!("== {}\n{stdout}", case.label);
        match out.status.code() {
            Some(0) => {}
            Some(1) => failures.push(format!(
                "{}: {}",
                case.label,
                stdout
                    .lines()
                    .filter(|l| l.starts_with("disagreement"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => failures.push(format!(
                "{}: exit {other:?}: {}",
                case.label,
                String::from_utf8_lossy(&out.stderr)
            )),
        }
        assert!(
            !stdout.contains("not asked"),
            "{}: a library could not be asked:\n{stdout}",
            case.label
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The README's machine × path × result table: every experiment under every switch setting
/// this CPU can run, at seeds no other test uses, each pair judged by `compare` (bit identity
/// where the path is emulated). Prints a Markdown table. Takes about 15 minutes:
/// `cargo test --release --test kernel_paths -- --ignored --nocapture path_matrix`.
#[test]
#[ignore]
fn path_matrix() {
    let cpu = xor_repro::kernels::cpu::CpuFeatures::detect();
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for framework in [Framework::NumPy, Framework::TensorFlow, Framework::PyTorch] {
        let (cases, skipped) = common::switch_cases(framework);
        for case in &cases {
            let paths = case.paths().for_libraries(framework.kernel_libraries());
            let path = paths
                .iter()
                .map(|(k, p)| format!("{} {}", xor_repro::kernels::label(k), p.path))
                .collect::<Vec<_>>()
                .join("; ");
            for exp in xor_repro::experiments::all()
                .iter()
                .filter(|e| e.framework == framework)
            {
                // 001's 100 000 epochs take half a minute in Python: a tenth of them here.
                let epochs = (exp.name == "torch-sigmoid2-mse").then_some("10000");
                let (mut identical, mut compared, mut verdicts) = (0, 0, Vec::new());
                for seed in [11u64, 23, 101] {
                    let out = common::out_dir();
                    let seed_s = seed.to_string();
                    let mut cmd = common::bin();
                    cmd.args(["compare", exp.name, "--seed", &seed_s, "--out"])
                        .arg(out.path());
                    if let Some(e) = epochs {
                        cmd.args(["--epochs", e]);
                    }
                    case.apply(&mut cmd);
                    let status = cmd.output().expect("compare runs");
                    let verdict_path = out
                        .path()
                        .join(exp.name)
                        .join(format!("seed-{seed}"))
                        .join("verdict.json");
                    let verdict: serde_json::Value = serde_json::from_str(
                        &std::fs::read_to_string(&verdict_path).unwrap_or_else(|_| {
                            panic!(
                                "{} under {}: no verdict:\n{}",
                                exp.name,
                                case.label,
                                String::from_utf8_lossy(&status.stderr)
                            )
                        }),
                    )
                    .unwrap();
                    identical += verdict["values_identical"].as_u64().unwrap();
                    compared += verdict["values_compared"].as_u64().unwrap();
                    verdicts.push(verdict["status"].as_str().unwrap().to_string());
                    if !status.status.success() {
                        failed.push(format!("{} seed {seed} under {}", exp.name, case.label));
                    }
                }
                rows.push(format!(
                    "| {} | `{}` | {path} | {} | {identical} of {compared} | {} |",
                    exp.name,
                    case.label,
                    if case.not_emulated(framework).is_none() {
                        "yes"
                    } else {
                        "no"
                    },
                    verdicts.join(", ")
                ));
            }
        }
        for note in skipped {
            rows.push(format!("| {} | skipped | {note} | | | |", framework.name()));
        }
    }
    println!(
        "\n{}, seeds 11, 23, 101 (001 at 10 000 epochs):\n",
        cpu.summary()
    );
    println!("| experiment | switches | path | emulated | values bit-identical | verdicts |");
    println!("|---|---|---|---|---:|---|");
    for row in rows {
        println!("{row}");
    }
    assert!(failed.is_empty(), "missed their target: {failed:?}");
}

/// MKL's dispatch under every kind of value its two switches take (levels, `AVX`, values MKL
/// ignores, each `MKL_CBWR` branch, `,STRICT`, and the two together): the path xor-repro picks
/// against the one `MKL_VERBOSE` names, natively on an Intel CPU and through
/// `XOR_REPRO_MKL_AS_INTEL` (with its library preloaded) elsewhere.
#[test]
fn mkl_is_dispatched_as_mkl_verbose_says_under_every_value() {
    use xor_repro::kernels::mkl::{dispatch, shim, MKL_AS_INTEL};
    let cpu = xor_repro::kernels::cpu::CpuFeatures::detect();
    if !cpu.is_x86_64() {
        println!(
            "note: skipped: MKL's x86 dispatch is NOT checked on {}",
            cpu.arch
        );
        return;
    }
    let intel = cpu.vendor == "GenuineIntel";
    let enable = [
        "SSE4_2",
        "AVX",
        "AVX2",
        "AVX2_E1",
        "AVX512",
        "AVX512_E1",
        "AVX512_E2",
        "AVX512_E3",
        "AVX512_E4",
        "AVX512_E5",
        "avx2",
        "SSE4_1",
        "AVX512_MIC",
        "BOGUS",
    ];
    let cbwr = [
        "COMPATIBLE",
        "AUTO",
        "SSE2",
        "SSSE3",
        "SSE4_1",
        "SSE4_2",
        "AVX",
        "AVX2",
        "AVX512_MIC",
        "AVX512",
        "AVX512_E1",
        "AVX512_E4",
        "AVX2,STRICT",
        "AVX512,STRICT",
        "AUTO,STRICT",
        "COMPATIBLE,STRICT",
        "STRICT",
        "avx2",
        "AVX2,strict",
    ];
    let mut cases: Vec<Vec<(&'static str, String)>> = vec![vec![]];
    cases.extend(enable.map(|v| vec![("MKL_ENABLE_INSTRUCTIONS", v.to_string())]));
    cases.extend(cbwr.map(|v| vec![("MKL_CBWR", v.to_string())]));
    for (c, e) in [
        ("AVX2", "AVX512"),
        ("AVX512", "AVX2"),
        ("SSE4_2", "AVX512"),
        ("AVX2,STRICT", "SSE4_2"),
        ("COMPATIBLE", "AVX2"),
    ] {
        cases.push(vec![
            ("MKL_CBWR", c.to_string()),
            ("MKL_ENABLE_INSTRUCTIONS", e.to_string()),
        ]);
    }
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let mut failures = Vec::new();
    for mut env in cases {
        if !intel {
            env.push((MKL_AS_INTEL, "1".to_string()));
        }
        let case = common::SwitchCase::of(env);
        let ours = case.paths().mkl;
        let mut cmd = std::process::Command::new(&python);
        cmd.args([
            "-c",
            "import sys; sys.path.insert(0, 'scripts/reference'); import kernels; \
             print(kernels.mkl().get('path', 'no answer'))",
        ]);
        case.apply(&mut cmd);
        if !intel {
            cmd.env("LD_PRELOAD", shim::path().expect("the shim is built"));
        }
        let out = cmd
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let agrees = dispatch::verbose_name(&ours.name) == Some(said.as_str());
        println!(
            "{}: xor-repro {} ({}), MKL_VERBOSE {said}: {}",
            case.label,
            ours.name,
            if ours.emulated() {
                "reproduced"
            } else {
                "NOT reproduced"
            },
            if agrees { "agrees" } else { "DISAGREES" }
        );
        if !agrees {
            failures.push(case.label);
        }
    }
    assert!(
        failures.is_empty(),
        "MKL names another path under {failures:?}"
    );
}
