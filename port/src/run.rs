//! [`Run`]: one run of a port, recorded as a run folder `OUT/EXPERIMENT/seed-S/tch/` in the
//! schema every side writes (docs/CONTRACT.md#run-files), so that `xor-repro diff` and
//! `xor-repro explain` hold it against the notebook's run recorded by `xor_repro_record`.

use crate::tracing::{Autograd, Misuse};
use anyhow::{bail, Result};
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;
use tch::Tensor;
use xor_repro::record::npz::NpzWriter;
use xor_repro::record::table::{Named, Table};
use xor_repro::record::trace::{parse_step_range, StepRange, Trace};
use xor_repro::record::{self, RunInfo, RunRecord, Stage, Staging, TracedOp};

/// The command line every port and every recorded script takes (`xor_repro_record`'s
/// `Run.from_args` reads the same flags): `--seed S`, `--out DIR`, `--steps N`, `--trace`,
/// `--trace-steps A..B`.
#[derive(Debug, Clone, clap::Parser)]
pub struct Args {
    /// The seed the port passes to `tch::manual_seed` (the script to `torch.manual_seed`).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The folder runs go to: OUT/EXPERIMENT/seed-S/tch/.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// How many steps (or epochs: the script's own unit) to train, when the port lets it be
    /// chosen (`run.json`'s `losses_recorded` counts the losses instead).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Trace every step (trace.npz).
    #[arg(long)]
    pub trace: bool,
    /// Trace steps A..B (both included), or one step A.
    #[arg(long, value_name = "A..B", value_parser = parse_step_range)]
    pub trace_steps: Option<StepRange>,
    /// The arguments these options leave: the script's own (its positional arguments, its
    /// own options), for the port to read as the script reads its `sys.argv`.
    #[arg(skip)]
    pub script_args: Vec<String>,
}

impl Default for Args {
    fn default() -> Args {
        Args {
            seed: 0,
            out: PathBuf::from("results"),
            steps: None,
            trace: false,
            trace_steps: None,
            script_args: Vec::new(),
        }
    }
}

impl Args {
    /// This process's command line: the options above, and the rest in
    /// [`Args::script_args`], as the recorder's `Run.from_args` leaves a script its own
    /// arguments. A bad option prints one line and the usage, and exits with status 2.
    pub fn from_env() -> Args {
        Args::split(std::env::args())
    }

    /// [`Args::from_env`] on `argv` (the program's name first).
    pub fn split(argv: impl IntoIterator<Item = String>) -> Args {
        const TAKES_A_VALUE: [&str; 4] = ["--seed", "--out", "--steps", "--trace-steps"];
        let mut argv = argv.into_iter();
        let mut ours: Vec<String> = argv.next().into_iter().collect();
        let mut rest = Vec::new();
        while let Some(word) = argv.next() {
            let flag = word.split('=').next().unwrap_or("");
            if TAKES_A_VALUE.contains(&flag) {
                let has_value = word.contains('=');
                ours.push(word);
                if !has_value {
                    ours.extend(argv.next());
                }
            } else if ["--trace", "--help", "-h"].contains(&word.as_str()) {
                ours.push(word);
            } else {
                rest.push(word);
            }
        }
        let mut args = <Args as clap::Parser>::parse_from(ours);
        args.script_args = rest;
        args
    }

    /// The steps to trace, if any.
    pub fn traced_steps(&self) -> Option<StepRange> {
        match (&self.trace_steps, self.trace) {
            (Some(r), _) => Some(r.clone()),
            (None, true) => Some(0..=usize::MAX),
            (None, false) => None,
        }
    }
}

/// A number a run records: a one-element tensor (`loss`, `accuracy`, as `.item()` reads it)
/// or a float, widened exactly to f64.
pub trait Number {
    /// The value, as `loss.item()` reads it (a float32 widened exactly).
    fn number(&self) -> f64;
}

impl Number for f64 {
    fn number(&self) -> f64 {
        *self
    }
}

impl Number for f32 {
    fn number(&self) -> f64 {
        *self as f64
    }
}

impl Number for Tensor {
    fn number(&self) -> f64 {
        self.double_value(&[])
    }
}

impl<T: Number + ?Sized> Number for &T {
    fn number(&self) -> f64 {
        (**self).number()
    }
}

/// One run of a port: what it produced, written as a run folder by [`Run::write`].
///
/// ```ignore
/// let mut run = Run::from_args("moons-adam");
/// tch::manual_seed(run.seed() as i64);
/// // … build the model with `init::linear`, then for each step:
/// let t = run.step(step, &params);          // traces the parameters as the step finds them
/// let loss = t.value("loss", criterion(&t.keep("logits", model.forward(&x)), &y));
/// t.backward(&loss);                        // every gradient, in autograd's order
/// opt.step();
/// drop(t);                                  // traces NAME.updated
/// run.loss(step, &loss);
/// // … after training:
/// run.predictions_from(&[("x", &x), ("target", &y), ("output", &out)])?;
/// run.write()?;
/// ```
pub struct Run {
    args: Args,
    experiment: String,
    notebook: String,
    side: String,
    lr: Option<f64>,
    record: RunRecord,
    ops: BTreeMap<String, TracedOp>,
    /// The first misuse seen (a loss out of order, a name a CSV cannot hold, a traced value
    /// without a gradient), reported by [`Run::write`].
    misuse: Misuse,
    /// The temporary sibling of the run folder, which `trace.npz` and `params.npz` are
    /// written into as they come; `None` when it could not be made (a misuse reported by
    /// [`Run::write`]).
    staging: Option<Staging>,
    /// `params.npz`, each parameter appended as it is recorded.
    params_npz: Option<NpzWriter>,
    start: Instant,
}

/// Predictions of more numbers than this, in all, go to `predictions.npz` rather than
/// `predictions.csv` ([`Run::predictions_from`]; the recorder's `predictions_from` alike).
pub const PREDICTIONS_CSV_LIMIT: usize = 100_000;

impl Run {
    /// A run of `experiment` with the settings of this process's command line ([`Args`]);
    /// a bad option prints one line and the usage, and exits with status 2. Arguments that
    /// are not its options are the script's own, in [`Run::args`]'s `script_args`.
    pub fn from_args(experiment: &str) -> Run {
        Run::new(experiment, Args::from_env())
    }

    /// A run of `experiment` with `args`. The name is what `diff` checks both sides share:
    /// give the Python recorder the same one.
    pub fn new(experiment: &str, args: Args) -> Run {
        let mut record = RunRecord::printing(true);
        record.params_in_npz = true;
        let misuse = Misuse::default();
        // Any side's folder has the same parent, so `side` may still change it.
        let parent = record::run_dir(&args.out, experiment, args.seed, "tch")
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let staged = Staging::create(&parent).and_then(|staging| {
            let params = NpzWriter::create(&staging.path().join("params.npz"))?;
            Ok((staging, params))
        });
        let (staging, params_npz) = match staged {
            Ok((staging, params)) => {
                let path = staging.path().join("trace.npz");
                record.trace = Trace::streaming(args.traced_steps(), &path);
                (Some(staging), Some(params))
            }
            Err(e) => {
                misuse.note(|| format!("{e:#}"));
                (None, None)
            }
        };
        Run {
            args,
            experiment: experiment.to_string(),
            notebook: String::new(),
            side: "tch".to_string(),
            lr: None,
            record,
            ops: BTreeMap::new(),
            misuse,
            staging,
            params_npz,
            start: Instant::now(),
        }
    }

    /// Names the notebook or script this run ports (`run.json`'s `notebook`).
    pub fn notebook(mut self, notebook: &str) -> Run {
        self.notebook = notebook.to_string();
        self
    }

    /// Records the learning rate in `run.json`.
    pub fn lr(mut self, lr: f64) -> Run {
        self.lr = Some(lr);
        self
    }

    /// Writes into `OUT/EXPERIMENT/seed-S/SIDE/` instead of `…/tch/` (for two ports of the
    /// same script side by side: `tch-idiomatic`, `tch`).
    pub fn side(mut self, side: &str) -> Run {
        self.side = side.to_string();
        self
    }

    /// `--seed`: what the port passes to `tch::manual_seed`.
    pub fn seed(&self) -> u64 {
        self.args.seed
    }

    /// `--steps`, or `default` when not given.
    pub fn steps(&self, default: usize) -> usize {
        self.args.steps.unwrap_or(default)
    }

    /// `OUT/EXPERIMENT/seed-S/data`: where the recorder's `rec.save_data(NAME, array)` puts
    /// the data a script drew or loaded, for [`Run::data`].
    pub fn data_dir(&self) -> PathBuf {
        record::run_dir(&self.args.out, &self.experiment, self.args.seed, &self.side)
            .parent()
            .map(|seed| seed.join("data"))
            .unwrap_or_else(|| PathBuf::from("data"))
    }

    /// The array the script saved with `rec.save_data(name, array)` (`NAME.npy` in
    /// [`Run::data_dir`]), as a tensor in the array's own dtype and shape: the script's data,
    /// read rather than drawn again (convert it as the script does, e.g.
    /// `.to_kind(Kind::Float)` for `torch.tensor(x, dtype=torch.float32)`). Fails, naming
    /// the file, when the script has not saved it for this `--out`, experiment and seed.
    pub fn data(&self, name: &str) -> Result<Tensor> {
        let path = self.data_dir().join(format!("{name}.npy"));
        if !path.is_file() {
            bail!(
                "{} does not exist: run the script first with the same --out and --seed \
                 (its rec.save_data({name:?}, …) writes it)",
                path.display()
            );
        }
        Tensor::read_npy(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
    }

    /// The settings this run was made with.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// Step `step`'s autograd tracer for a model with `params` (`named_parameters(&vs)`):
    /// traces the parameters now, each value passed through [`Autograd::value`] or
    /// [`Autograd::keep`], every gradient at [`Autograd::backward`], and the updated
    /// parameters (`NAME.updated`) when it is dropped after the optimizer's step. On a step
    /// that is not traced it does nothing but `loss.backward()`.
    pub fn step<N: AsRef<str>, T: Borrow<Tensor>>(
        &self,
        step: usize,
        params: &[(N, T)],
    ) -> Autograd {
        Autograd::reporting_to(self.record.trace.step(step), params, self.misuse.clone())
    }

    /// Step `step`'s plain tracing handle, for a step without autograd: `t.tensor("h", …)`
    /// through [`crate::TapTensor`].
    pub fn tap(&self, step: usize) -> crate::Tap {
        self.record.trace.step(step)
    }

    /// Whether step `step` is traced.
    pub fn traced(&self, step: usize) -> bool {
        self.record.trace.on(step)
    }

    /// The loss of step `step` (`loss.csv`), before that step's update: a one-element
    /// tensor or a number. Steps count from 0 and come in order. Returns it as a number.
    pub fn loss(&mut self, step: usize, loss: impl Number) -> f64 {
        let value = loss.number();
        let given = self.record.losses.len();
        if step != given {
            self.misuse.note(|| format!("the loss of step {step} was given after {given} losses; steps count from 0 and come in order"));
        }
        self.record.losses.push(value);
        value
    }

    /// Metric `name` of step `step` (`metrics.csv`): accuracy, a validation loss, anything
    /// per step beside the loss, as a one-element tensor or a number. Returns it as a number.
    pub fn metric(&mut self, step: usize, name: &str, value: impl Number) -> f64 {
        let value = value.number();
        self.misuse.check_name("a metric", name);
        self.record.metrics.record(step, name, value);
        value
    }

    /// Records each named tensor at `stage`, in its own dtype and shape: `params.npz`'s
    /// arrays `STAGE/NAME`, written now.
    pub fn params<N: AsRef<str>, T: Borrow<Tensor>>(&mut self, stage: Stage, named: &[(N, T)]) {
        let Some(params) = self.params_npz.as_mut() else {
            return;
        };
        for (name, t) in named {
            let name = name.as_ref();
            self.misuse.check_name("a parameter", name);
            let array = crate::array_bytes(t.borrow());
            let entry = format!("{}/{name}", stage.as_str());
            if let Err(e) = params.add(&entry, array.dtype, &array.shape, &array.data) {
                self.misuse.note(|| format!("{e:#}"));
            }
        }
    }

    /// The parameters before training (`params.npz`, stage `initial`).
    pub fn initial_params<N: AsRef<str>, T: Borrow<Tensor>>(&mut self, named: &[(N, T)]) {
        self.params(Stage::Initial, named);
    }

    /// The parameters after training (`params.npz`, stage `final`).
    pub fn final_params<N: AsRef<str>, T: Borrow<Tensor>>(&mut self, named: &[(N, T)]) {
        self.params(Stage::Final, named);
    }

    /// `predictions.csv` from named tensors whose first dimension is the row, side by side:
    /// inputs, targets, outputs, anything. A tensor of shape `[n]` or `[n, 1]` is one column
    /// `NAME`; `[n, k]` is `NAME0` … `NAME{k-1}`. Fails when the row counts differ.
    ///
    /// Predictions of more than [`PREDICTIONS_CSV_LIMIT`] numbers in all go to
    /// `predictions.npz` instead, one array per name in its own dtype and shape (the
    /// recorder does the same), so a real model's outputs are written at the speed of
    /// their bytes.
    pub fn predictions_from(&mut self, named: &[(&str, &Tensor)]) -> Result<()> {
        for (name, _) in named {
            self.misuse.check_name("a prediction column", name);
        }
        let numbers: usize = named.iter().map(|(_, t)| t.numel()).sum();
        if numbers > PREDICTIONS_CSV_LIMIT {
            return self.predictions_npz(named);
        }
        let arrays: Vec<Named> = named
            .iter()
            .map(|(name, t)| Named {
                name,
                shape: crate::shape(t),
                values: crate::values(t),
            })
            .collect();
        self.record.prediction_table = Some(Table::from_arrays(&arrays)?);
        Ok(())
    }

    /// Large predictions as `predictions.npz` in the run's temporary folder, each array's
    /// first dimension its rows, as `predictions.csv`'s would be.
    fn predictions_npz(&mut self, named: &[(&str, &Tensor)]) -> Result<()> {
        let rows = |t: &Tensor| t.size().first().copied().unwrap_or(1);
        if let Some((first, t)) = named.first() {
            if let Some((name, u)) = named.iter().find(|(_, u)| rows(u) != rows(t)) {
                bail!(
                    "predictions: {name} has {} rows, {first} has {}; every tensor's first \
                     dimension is the row",
                    rows(u),
                    rows(t)
                );
            }
        }
        let Some(staging) = self.staging.as_ref() else {
            bail!("the run's temporary folder was never made");
        };
        let mut npz = NpzWriter::create(&staging.path().join("predictions.npz"))?;
        for (name, t) in named {
            let array = crate::array_bytes(t);
            npz.add(name, array.dtype, &array.shape, &array.data)?;
        }
        npz.finish()?;
        self.record.prediction_table = None;
        Ok(())
    }

    /// Says what computes the traced value `name`: its `code`, and the library whose kernel
    /// decides its bits, if one does (`"aten"` for element-wise work, `"mkl"` for matrix
    /// products, `exp` and `log`; `None` for a draw or a copy), which `explain` names when that
    /// value is where two runs part.
    pub fn op<'l>(&mut self, name: &str, code: &str, library: impl Into<Option<&'l str>>) {
        self.ops.insert(
            name.to_string(),
            TracedOp {
                code: code.to_string(),
                library: library.into().map(str::to_string),
            },
        );
    }

    /// The notebook's `print(line)`: printed, and kept for `transcript.txt`.
    pub fn print(&mut self, line: impl AsRef<str>) {
        self.record.print(line);
    }

    /// The losses so far.
    pub fn losses(&self) -> &[f64] {
        &self.record.losses
    }

    /// Writes the run folder, whole or not at all, and returns it.
    pub fn write(mut self) -> Result<PathBuf> {
        if let Some(misuse) = self.misuse.first() {
            bail!("{misuse}");
        }
        let (Some(staging), Some(params)) = (self.staging.take(), self.params_npz.take()) else {
            bail!("the run's temporary folder was never made");
        };
        params.finish()?;
        let dir = record::run_dir(&self.args.out, &self.experiment, self.args.seed, &self.side);
        let kernels = xor_repro::kernels::this_machine()
            .libtorchs_own(&["aten", "mkl"], "libtorch's own kernels");
        let info = RunInfo {
            experiment: self.experiment.clone(),
            notebook: self.notebook.clone(),
            seed: self.args.seed,
            steps: None,
            losses_recorded: Some(self.record.losses.len()),
            lr: self.lr.unwrap_or(f64::NAN),
            init_from: None,
            implementation: self.side.clone(),
            versions: [("tch", "0.26.0"), ("libtorch", "2.13.0")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            kernels,
            wall_seconds: self.start.elapsed().as_secs_f64(),
            build: None,
            ops: self.ops,
            machine: None,
        };
        record::write_run_staged(staging, &dir, &self.record, &info)?;
        Ok(dir)
    }
}
