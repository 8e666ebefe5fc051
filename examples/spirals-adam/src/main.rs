//! The exact tch port of `script.py`: three-class spirals, an `nn.Sequential` of Linear, GELU,
//! Linear, cross-entropy, Adam, and a `DataLoader` shuffling mini-batches of 32. It reads like
//! the script, line for line; where the idiomatic tch call gives other bits than PyTorch's
//! (`src/bin/spirals-adam-idiomatic.rs` keeps those), it calls `xor_repro_port`'s instead:
//! - `init::linear` for `nn.Linear`'s draw (tch's `nn::linear` draws otherwise);
//! - `optim::Adam` for `torch.optim.Adam` (tch's `nn::Adam` is libtorch's C++ Adam);
//! - `data::DataLoader` for the shuffle (PyTorch draws it on its own generator).

use anyhow::Result;
use spirals_adam::spirals;
use tch::{nn, nn::Module, Kind, Tensor};
use xor_repro_port::{data::DataLoader, init, named_parameters, optim::Adam, Run};

fn main() -> Result<()> {
    let mut run = Run::from_args("spirals-adam").notebook("examples/spirals-adam/script.py");
    tch::manual_seed(run.seed() as i64);
    run.op(
        "xb",
        "loader.iter2(&x, &y): the rows the DataLoader's shuffle drew",
        None,
    );
    run.op("logits", "model.forward(&xb)", "mkl");

    let (x, y) = spirals(100, 3);
    let loader = DataLoader::new(x.size()[0], 32).shuffle(true);

    let vs = nn::VarStore::new(tch::Device::Cpu);
    let model = nn::seq()
        .add(init::linear(vs.root() / "0", 2, 32))
        .add_fn(|h| h.gelu("none"))
        .add(init::linear(vs.root() / "2", 32, 3));
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let mut optimizer = Adam::new(&params, 0.01);

    let mut step = 0;
    for epoch in 0..run.steps(30) {
        for (xb, yb) in loader.iter2(&x, &y) {
            let t = run.step(step, &params);
            let xb = t.value("xb", xb);
            let logits = t.keep("logits", model.forward(&xb));
            let loss = t.value(
                "loss",
                logits.cross_entropy_loss::<Tensor>(&yb, None, tch::Reduction::Mean, -100, 0.0),
            );
            optimizer.zero_grad();
            t.backward(&loss);
            optimizer.step();
            drop(t);
            run.loss(step, &loss);
            step += 1;
        }
        let accuracy = tch::no_grad(|| {
            model
                .forward(&x)
                .argmax(1, false)
                .eq_tensor(&y)
                .to_kind(Kind::Float)
                .mean(None)
        });
        let accuracy = run.metric(epoch, "accuracy", &accuracy);
        if epoch % 10 == 9 {
            let loss = run.losses()[step - 1];
            run.print(format!(
                "epoch {}: loss {loss:.4}, accuracy {accuracy:.3}",
                epoch + 1
            ));
        }
    }

    run.final_params(&params);
    let logits = tch::no_grad(|| model.forward(&x));
    run.predictions_from(&[("x", &x), ("target", &y), ("logits", &logits)])?;
    run.write()?;
    Ok(())
}
