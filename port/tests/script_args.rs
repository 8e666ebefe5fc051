//! A script's own arguments (issue 30): the recorder's `Run.from_args` and the port's
//! `Args::from_env` take their options (`--seed`, `--out`, `--steps`, `--trace`,
//! `--trace-steps`) and leave the rest to the script, as `python script.py losses.csv 1000
//! --trace` needs; a bad value of their own options is still one line and status 2.

use std::process::Command;
use xor_repro_port::Args;

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_port_leaves_the_script_its_own_arguments() {
    let args = Args::split(words(
        "port losses.csv 1000 --trace --seed 3 --lr 0.5 --out=runs -v",
    ));
    assert_eq!(args.seed, 3);
    assert!(args.trace);
    assert_eq!(args.out, std::path::PathBuf::from("runs"));
    assert_eq!(args.script_args, words("losses.csv 1000 --lr 0.5 -v"));
    let args = Args::split(words("port --trace-steps 2..4 data.npy"));
    assert_eq!(args.traced_steps(), Some(2..=4));
    assert_eq!(args.script_args, words("data.npy"));
}

#[test]
fn the_recorder_leaves_the_script_its_own_arguments() {
    let out = tempfile::tempdir().unwrap();
    let script = "\
import argparse, sys
import xor_repro_record as xrr
rec = xrr.Run.from_args('own-args')
parser = argparse.ArgumentParser()
parser.add_argument('file')
parser.add_argument('n', type=int)
parser.add_argument('--lr', type=float, default=0.1)
mine = parser.parse_args()
print(mine.file, mine.n, mine.lr, rec.args.seed, rec.args.trace_range is not None, sys.argv[1:])
rec.loss(0, 1.0)
rec.write()
";
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let run = |extra: &[&str]| {
        Command::new(&python)
            .args(["-c", script, "losses.csv", "1000", "--trace", "--seed", "3"])
            .args(extra)
            .arg("--out")
            .arg(out.path())
            .env("PYTHONPATH", xor_repro::run::python::python_path())
            .output()
            .expect("python runs")
    };
    let ran = run(&["--lr", "0.5"]);
    let said = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(
        said.starts_with("losses.csv 1000 0.5 3 True ['losses.csv', '1000', '--lr', '0.5']"),
        "{said}"
    );
    assert!(out.path().join("own-args/seed-3/python/loss.csv").is_file());
    let ran = run(&["--steps", "many"]);
    let err = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: argument --steps") && err.lines().count() == 1,
        "{err}"
    );
}
