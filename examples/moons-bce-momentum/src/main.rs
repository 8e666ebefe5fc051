//! The exact tch port of `script.py`: two moons from NumPy, an `nn.Sequential` of Linear, Tanh,
//! Dropout, Linear, Sigmoid, `BCELoss`, SGD with momentum, and a `DataLoader` shuffling
//! mini-batches of 16. It reads like the script, line for line; where the idiomatic tch call
//! gives other bits than PyTorch's (`src/bin/moons-bce-momentum-idiomatic.rs` keeps those), it
//! calls `xor_repro_port`'s instead:
//! - `init::linear` for `nn.Linear`'s draw (tch's `nn::linear` draws otherwise);
//! - `data::DataLoader` for the shuffle (PyTorch draws it on its own generator).
//!
//! Dropout's mask, `binary_cross_entropy` and tch's `nn::Sgd` with momentum are tch's own: their
//! bits agree with PyTorch's (docs/PORTING.md).

use anyhow::Result;
use moons_bce_momentum::moons;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Kind, Reduction, Tensor};
use xor_repro_port::{data::DataLoader, init, named_parameters, Run};

fn main() -> Result<()> {
    let mut run =
        Run::from_args("moons-bce-momentum").notebook("examples/moons-bce-momentum/script.py");
    tch::manual_seed(run.seed() as i64);
    run.op(
        "xb",
        "loader.iter2(&x, &y): the rows the DataLoader's shuffle drew",
        None,
    );
    run.op("out", "model.forward_t(&xb, true)", "mkl");

    let seed_folder = run
        .args()
        .out
        .join("moons-bce-momentum")
        .join(format!("seed-{}", run.seed()));
    let (x, y) = moons(&seed_folder.join("data"))?;
    let loader = DataLoader::new(x.size()[0], 16).shuffle(true);

    let vs = nn::VarStore::new(tch::Device::Cpu);
    let model = nn::seq_t()
        .add(init::linear(vs.root() / "0", 2, 16))
        .add_fn(|h| h.tanh())
        .add_fn_t(|h, train| h.dropout(0.1, train))
        .add(init::linear(vs.root() / "3", 16, 1))
        .add_fn(|h| h.sigmoid());
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let bce = |out: &Tensor, target: &Tensor| {
        out.binary_cross_entropy::<Tensor>(target, None, Reduction::Mean)
    };
    let mut optimizer = nn::Sgd {
        momentum: 0.9,
        ..Default::default()
    }
    .build(&vs, 0.1)?;

    let mut step = 0;
    for epoch in 0..run.steps(25) {
        for (xb, yb) in loader.iter2(&x, &y) {
            let t = run.step(step, &params);
            let xb = t.value("xb", xb);
            let out = t.keep("out", model.forward_t(&xb, true));
            let loss = t.value("loss", bce(&out, &yb));
            optimizer.zero_grad();
            t.backward(&loss);
            optimizer.step();
            drop(t);
            run.loss(step, &loss);
            step += 1;
        }
        tch::no_grad(|| {
            let out = model.forward_t(&x, false);
            let correct = out
                .gt(0.5)
                .to_kind(Kind::Float)
                .eq_tensor(&y)
                .to_kind(Kind::Float);
            run.metric(epoch, "accuracy", &correct.mean(None));
            run.metric(epoch, "eval_loss", &bce(&out, &y));
        });
        if epoch % 5 == 4 {
            let loss = run.losses()[step - 1];
            run.print(format!("epoch {}: loss {loss:.4}", epoch + 1));
        }
    }

    run.final_params(&params);
    let probability = tch::no_grad(|| model.forward_t(&x, false));
    run.predictions_from(&[("x", &x), ("target", &y), ("probability", &probability)])?;
    run.write()?;
    Ok(())
}
