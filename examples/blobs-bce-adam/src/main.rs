//! The tch port of `script.py`, bit-identical to it: the README's "Port your own notebook",
//! whole. It reads like the script, line for line, with `xor_repro_port`'s calls where tch's
//! own would give other bits (`init::linear`, `optim::Adam`, `data::DataLoader`).

use tch::nn::{self, Module};
use tch::{Device, Kind, Reduction, Tensor};
use xor_repro_port::{data::DataLoader, init, named_parameters, optim, Run};

fn main() -> anyhow::Result<()> {
    let mut run = Run::from_args("blobs-bce-adam"); // the same command line, …/seed-S/tch/
    tch::manual_seed(run.seed() as i64);
    let opts = (Kind::Float, Device::Cpu);
    let (a, b) = (Tensor::randn([100, 2], opts), Tensor::randn([100, 2], opts));
    let x = Tensor::cat(&[a + 1.0, b - 1.0], 0);
    let y = Tensor::cat(
        &[Tensor::ones([100, 1], opts), Tensor::zeros([100, 1], opts)],
        0,
    );
    let loader = DataLoader::new(200, 20).shuffle(true); // DataLoader's own draws
    let vs = nn::VarStore::new(Device::Cpu);
    let model = nn::seq() // nn.Sequential: layers "0", "2", …
        .add(init::linear(vs.root() / "0", 2, 8)) // nn.Linear's own draw, not tch's
        .add_fn(|h| h.relu())
        .add(init::linear(vs.root() / "2", 8, 1))
        .add_fn(|h| h.sigmoid());
    let loss_fn =
        |out: &Tensor, y: &Tensor| out.binary_cross_entropy::<Tensor>(y, None, Reduction::Mean);
    let params = named_parameters(&vs); // model.named_parameters()
    let mut optimizer = optim::Adam::new(&params, 0.05); // torch.optim.Adam's arithmetic

    run.initial_params(&params);
    let mut step = 0;
    for epoch in 0..run.steps(20) {
        for (xb, yb) in loader.iter2(&x, &y) {
            let t = run.step(step, &params);
            let out = t.keep("out", model.forward(&xb));
            let loss = t.value("loss", loss_fn(&out, &yb));
            optimizer.zero_grad();
            t.backward(&loss);
            optimizer.step();
            drop(t); // traces the updated parameters
            run.loss(step, &loss);
            step += 1;
        }
        let correct = tch::no_grad(|| model.forward(&x).gt(0.5).to_kind(Kind::Float).eq_tensor(&y));
        let accuracy = correct.to_kind(Kind::Float).mean(None);
        run.metric(epoch, "accuracy", &accuracy);
    }
    run.final_params(&params);
    let output = tch::no_grad(|| model.forward(&x));
    run.predictions_from(&[("x", &x), ("target", &y), ("output", &output)])?;
    run.write()?;
    Ok(())
}
