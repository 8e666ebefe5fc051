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
