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
        let case = common::SwitchCase {
            label: if env.is_empty() {
                "default".to_string()
            } else {
                env.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            env,
        };
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
