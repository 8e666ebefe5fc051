//! The proof's benchmark model in tch: `scripts/bench/mlp.py`'s MLP (512-1024-1024-10,
//! cross-entropy, Adam, a batch of 256), recorded with [`xor_repro_port::Run`] under the same
//! names, so `xor-repro bench-proof` can time what recording costs on the tch side too. Built
//! by `cargo build --release -p xor-repro-port --example bench-mlp`; `--bare` trains without
//! recording (`Run` never made), the baseline.

use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};
use xor_repro_port::{init, named_parameters, optim, Args, Run};

fn main() -> anyhow::Result<()> {
    let bare = std::env::args().any(|a| a == "--bare");
    let argv = std::env::args().filter(|a| a != "--bare");
    let args = <Args as clap::Parser>::parse_from(argv);
    let seed = args.seed;
    let mut run = (!bare).then(|| Run::new("bench-mlp", args));
    tch::manual_seed(seed as i64);
    let opts = (Kind::Float, Device::Cpu);
    let x = Tensor::randn([256, 512], opts);
    let y = Tensor::randint(10, [256], (Kind::Int64, Device::Cpu));
    let vs = nn::VarStore::new(Device::Cpu);
    let model = nn::seq()
        .add(init::linear(vs.root() / "0", 512, 1024))
        .add_fn(|h| h.relu())
        .add(init::linear(vs.root() / "2", 1024, 1024))
        .add_fn(|h| h.relu())
        .add(init::linear(vs.root() / "4", 1024, 10));
    let params = named_parameters(&vs);
    let mut optimizer = optim::Adam::new(&params, 1e-3);
    if let Some(run) = run.as_mut() {
        run.initial_params(&params);
    }
    for step in 0..3 {
        let Some(run) = run.as_mut() else {
            let loss = model.forward(&x).cross_entropy_for_logits(&y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            continue;
        };
        let t = run.step(step, &params);
        let out = t.keep("out", model.forward(&x));
        let loss = t.value("loss", out.cross_entropy_for_logits(&y));
        optimizer.zero_grad();
        t.backward(&loss);
        optimizer.step();
        drop(t);
        run.loss(step, &loss);
    }
    if let Some(mut run) = run {
        run.final_params(&params);
        run.write()?;
    }
    Ok(())
}
