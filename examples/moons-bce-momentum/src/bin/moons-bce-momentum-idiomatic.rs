//! `script.py` ported the way the tch-rs examples would write it: `nn::linear`'s own init and
//! tch's own shuffled mini-batches (`Iter2::shuffle`), beside the calls whose bits agree with
//! PyTorch's anyway (dropout, `binary_cross_entropy`, `nn::Sgd` with momentum). It parts from
//! the script at step 0; `run.sh` shows where (`explain`), and `src/main.rs` is the port that
//! does not part. Written into `…/tch-idiomatic/`.

use anyhow::Result;
use moons_bce_momentum::moons;
use tch::data::Iter2;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Kind, Reduction, Tensor};
use xor_repro_port::{named_parameters, Run};

fn main() -> Result<()> {
    let mut run = Run::from_args("moons-bce-momentum")
        .notebook("examples/moons-bce-momentum/script.py")
        .side("tch-idiomatic");
    tch::manual_seed(run.seed() as i64);
    run.op("xb", "Iter2::shuffle(): the rows tch's shuffle drew", None);
    run.op("out", "model.forward_t(&xb, true)", "mkl");

    let seed_folder = run
        .args()
        .out
        .join("moons-bce-momentum")
        .join(format!("seed-{}", run.seed()));
    let (x, y) = moons(&seed_folder.join("data"))?;

    let vs = nn::VarStore::new(tch::Device::Cpu);
    let model = nn::seq_t()
        .add(nn::linear(vs.root() / "0", 2, 16, Default::default()))
        .add_fn(|h| h.tanh())
        .add_fn_t(|h, train| h.dropout(0.1, train))
        .add(nn::linear(vs.root() / "3", 16, 1, Default::default()))
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
        for (xb, yb) in Iter2::new(&x, &y, 16).shuffle().return_smaller_last_batch() {
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
