//! The exact tch port of `script.py`: a character-level LSTM (an embedding, a two-layer
//! `nn.LSTM` with `batch_first`, a linear head) on `poem.txt`, random windows of 32
//! characters, cross-entropy, AdamW. It reads like the script, line for line; where the
//! idiomatic tch call gives other bits than PyTorch's, it calls `xor_repro_port`'s:
//! - `init::embedding`, `init::lstm` and `init::linear` for the layers' draws, in the order
//!   `CharLSTM.__init__` creates them (tch's `nn::lstm` draws Kaiming weights and zero
//!   biases where `nn.LSTM` draws every parameter from U(±1/√hidden); tch's `nn::linear`
//!   draws its bias first); the forward is tch's own `nn::LSTM`'s `seq`;
//! - `optim::Adam::adamw` for `torch.optim.AdamW` (tch's `nn::AdamW` is libtorch's C++ one).

use anyhow::{Context, Result};
use tch::{nn, nn::Module, nn::RNN, Device, Kind, Tensor};
use xor_repro_port::{init, named_parameters, optim::Adam, Run};

const SEQ: i64 = 32;
const BATCH: i64 = 16;

/// `CharLSTM` of `script.py`, its layers created in the order `__init__` creates them.
struct CharLSTM {
    embed: nn::Embedding,
    lstm: nn::LSTM,
    head: nn::Linear,
}

impl CharLSTM {
    fn new(p: &nn::Path, vocab: i64) -> CharLSTM {
        let (embed, hidden) = (16, 64);
        let lstm = nn::RNNConfig {
            num_layers: 2,
            batch_first: true,
            ..Default::default()
        };
        CharLSTM {
            embed: init::embedding(p / "embed", vocab, embed, Default::default()),
            lstm: init::lstm(p / "lstm", embed, hidden, lstm),
            head: init::linear(p / "head", hidden, vocab),
        }
    }

    /// `out, _ = self.lstm(self.embed(x))`; `self.head(out)`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let (out, _) = self.lstm.seq(&self.embed.forward(x));
        self.head.forward(&out)
    }
}

fn main() -> Result<()> {
    let mut run = Run::from_args("lstm-text").notebook("examples/lstm-text/script.py");
    tch::manual_seed(run.seed() as i64);
    run.op("xb", "the windows torch.randint drew", None);
    run.op(
        "logits",
        "model.forward(&xb): embedding, nn::LSTM's seq, linear",
        "mkl",
    );

    let poem = concat!(env!("CARGO_MANIFEST_DIR"), "/poem.txt");
    let text = std::fs::read_to_string(poem).with_context(|| format!("reading {poem}"))?;
    let chars: Vec<char> = text
        .chars()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: Vec<i64> = text
        .chars()
        .map(|c| chars.binary_search(&c).expect("a character of the text") as i64)
        .collect();
    let ids = Tensor::from_slice(&index);
    let vocab = chars.len() as i64;

    let vs = nn::VarStore::new(Device::Cpu);
    let model = CharLSTM::new(&vs.root(), vocab);
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let mut optimizer = Adam::adamw(&params, 0.01);

    for step in 0..run.steps(40) {
        let starts = Tensor::randint(ids.size()[0] - SEQ - 1, [BATCH], (Kind::Int64, Device::Cpu));
        let starts = Vec::<i64>::try_from(&starts)?;
        let window = |offset: i64| {
            let rows: Vec<Tensor> = starts
                .iter()
                .map(|&s| ids.narrow(0, s + offset, SEQ))
                .collect();
            Tensor::stack(&rows, 0)
        };
        let (xb, yb) = (window(0), window(1));
        let t = run.step(step, &params);
        let xb = t.value("xb", xb);
        let logits = t.keep("logits", model.forward(&xb));
        let loss = t.value(
            "loss",
            logits.reshape([-1, vocab]).cross_entropy_loss::<Tensor>(
                &yb.reshape([-1]),
                None,
                tch::Reduction::Mean,
                -100,
                0.0,
            ),
        );
        optimizer.zero_grad();
        t.backward(&loss);
        optimizer.step();
        drop(t);
        run.loss(step, &loss);
        if step % 10 == 9 {
            let loss = run.losses()[step];
            run.print(format!("step {}: loss {loss:.4}", step + 1));
        }
    }

    run.final_params(&params);
    let n = ids.size()[0];
    let x = ids.narrow(0, 0, n - 1);
    let logits = tch::no_grad(|| model.forward(&x.unsqueeze(0)).get(0));
    run.predictions_from(&[
        ("x", &x),
        ("target", &ids.narrow(0, 1, n - 1)),
        ("logits", &logits),
    ])?;
    run.write()?;
    Ok(())
}
