//! `script.py` ported the way the tch-rs examples would write it: `nn::linear`'s own init,
//! `cross_entropy_for_logits`, `nn::Adam`, and tch's own shuffled mini-batches
//! (`Iter2::shuffle`). It parts from the script at step 0; `run.sh` shows where (`explain`),
//! and `src/main.rs` is the port that does not part. Written into `…/tch-idiomatic/`.

use anyhow::Result;
use spirals_adam::spirals;
use tch::data::Iter2;
use tch::nn::{self, Module, OptimizerConfig};
use tch::Kind;
use xor_repro_port::{named_parameters, Run};

fn main() -> Result<()> {
    let mut run = Run::from_args("spirals-adam")
        .notebook("examples/spirals-adam/script.py")
        .side("tch-idiomatic");
    tch::manual_seed(run.seed() as i64);
    run.op("xb", "Iter2::shuffle(): the rows tch's shuffle drew", None);
    run.op("logits", "model.forward(&xb)", "mkl");

    let (x, y) = spirals(100, 3);

    let vs = nn::VarStore::new(tch::Device::Cpu);
    let model = nn::seq()
        .add(nn::linear(vs.root() / "0", 2, 32, Default::default()))
        .add_fn(|h| h.gelu("none"))
        .add(nn::linear(vs.root() / "2", 32, 3, Default::default()));
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let mut optimizer = nn::Adam::default().build(&vs, 0.01)?;

    let mut step = 0;
    for epoch in 0..run.steps(30) {
        for (xb, yb) in Iter2::new(&x, &y, 32).shuffle().return_smaller_last_batch() {
            let t = run.step(step, &params);
            let xb = t.value("xb", xb);
            let logits = t.keep("logits", model.forward(&xb));
            let loss = t.value("loss", logits.cross_entropy_for_logits(&yb));
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
