//! The exact tch port of `script.py`: a transformer classifier of 69 250 parameters written
//! by hand (token and learned positional embeddings, two pre-LayerNorm blocks of multi-head
//! self-attention from `nn.Linear`s and a GELU MLP, mean-pooling, a linear head) on random
//! token sequences, trained with AdamW, a warm-up-then-cosine `LambdaLR` stepped every batch,
//! `clip_grad_norm_`, and a `DataLoader` shuffling mini-batches of 32. It reads like the
//! script, line for line; where the idiomatic tch call gives other bits than PyTorch's, it
//! calls `xor_repro_port`'s:
//! - `init::linear` and `init::embedding` for `nn.Linear`'s and `nn.Embedding`'s draws (tch's
//!   `nn::linear` draws otherwise; `nn::embedding` draws the same, but the port's says so);
//! - `init::normal_` for `nn.init.normal_(self.pos, std=0.02)`;
//! - `optim::Adam::adamw` for `torch.optim.AdamW` (tch's `nn::AdamW` is libtorch's C++ one);
//! - `lr_scheduler::LambdaLR` for `LambdaLR`, its lambda Python's float arithmetic in `f64`;
//! - `nn_utils::clip_grad_norm_` for `nn.utils.clip_grad_norm_` (tch's
//!   `clip_grad_norm` computes the coefficient in `f64` and skips it below the threshold);
//! - `data::DataLoader` for the shuffle (PyTorch draws it on its own generator).
//!
//! The attention is the script's tensor calls one for one (`view`, `transpose`, `matmul`,
//! a division by `math.sqrt(hd)`, `softmax`); `nn::layer_norm`'s defaults are
//! `nn.LayerNorm`'s (weight ones, bias zeros, eps 1e-5) and its forward is the same ATen call.

use anyhow::Result;
use tch::{nn, nn::Module, Device, Kind, Tensor};
use xor_repro_port::{
    data::DataLoader,
    init,
    lr_scheduler::{LambdaLR, LrScheduler},
    named_parameters, nn_utils,
    optim::Adam,
    Run,
};

const VOCAB: i64 = 16;
const LENGTH: i64 = 16;
const D_MODEL: i64 = 64;
const HEADS: i64 = 4;
const LAYERS: i64 = 2;
const D_FF: i64 = 128;

/// `SelfAttention` of `script.py`: q, k, v and out projections.
#[derive(Debug)]
struct SelfAttention {
    heads: i64,
    q: nn::Linear,
    k: nn::Linear,
    v: nn::Linear,
    out: nn::Linear,
}

impl SelfAttention {
    fn new(p: nn::Path, d_model: i64, heads: i64) -> SelfAttention {
        SelfAttention {
            heads,
            q: init::linear(&p / "q", d_model, d_model),
            k: init::linear(&p / "k", d_model, d_model),
            v: init::linear(&p / "v", d_model, d_model),
            out: init::linear(&p / "out", d_model, d_model),
        }
    }
}

impl Module for SelfAttention {
    fn forward(&self, x: &Tensor) -> Tensor {
        let (b, t, c) = x.size3().expect("(batch, time, channels)");
        let hd = c / self.heads;
        let split = |h: Tensor| h.view([b, t, self.heads, hd]).transpose(1, 2);
        let q = split(x.apply(&self.q));
        let k = split(x.apply(&self.k));
        let v = split(x.apply(&self.v));
        // `/ math.sqrt(hd)`: a Python float, the same division by a scalar.
        let att = q.matmul(&k.transpose(-2, -1)) / (hd as f64).sqrt();
        let att = att.softmax(-1, None);
        let y = att.matmul(&v).transpose(1, 2).contiguous().view([b, t, c]);
        y.apply(&self.out)
    }
}

/// `Block` of `script.py`: pre-LayerNorm attention and MLP, each added back.
#[derive(Debug)]
struct Block {
    ln1: nn::LayerNorm,
    attn: SelfAttention,
    ln2: nn::LayerNorm,
    mlp: nn::Sequential,
}

impl Block {
    fn new(p: nn::Path, d_model: i64, heads: i64, d_ff: i64) -> Block {
        let ln1 = nn::layer_norm(&p / "ln1", vec![d_model], Default::default());
        let attn = SelfAttention::new(&p / "attn", d_model, heads);
        let ln2 = nn::layer_norm(&p / "ln2", vec![d_model], Default::default());
        let mlp = nn::seq()
            .add(init::linear(&p / "mlp" / "0", d_model, d_ff))
            .add_fn(|h| h.gelu("none"))
            .add(init::linear(&p / "mlp" / "2", d_ff, d_model));
        Block {
            ln1,
            attn,
            ln2,
            mlp,
        }
    }
}

impl Module for Block {
    fn forward(&self, x: &Tensor) -> Tensor {
        let x = x + x.apply(&self.ln1).apply(&self.attn);
        &x + x.apply(&self.ln2).apply(&self.mlp)
    }
}

/// `Transformer` of `script.py`.
#[derive(Debug)]
struct Transformer {
    tok: nn::Embedding,
    pos: Tensor,
    blocks: Vec<Block>,
    ln_f: nn::LayerNorm,
    head: nn::Linear,
}

impl Transformer {
    fn new(vs: &nn::Path) -> Transformer {
        // `pos` is the module's own parameter, which `named_parameters()` lists before its
        // submodules'; made first (its zeros draw nothing), it is first here too.
        let mut pos = vs.var("pos", &[1, LENGTH, D_MODEL], nn::Init::Const(0.0));
        let tok = init::embedding(vs / "tok", VOCAB, D_MODEL, Default::default());
        init::normal_(&mut pos, 0.0, 0.02); // after the embedding's draw, as in __init__
        let blocks = (0..LAYERS)
            .map(|i| Block::new(vs / "blocks" / i, D_MODEL, HEADS, D_FF))
            .collect();
        let ln_f = nn::layer_norm(vs / "ln_f", vec![D_MODEL], Default::default());
        let head = init::linear(vs / "head", D_MODEL, 2);
        Transformer {
            tok,
            pos,
            blocks,
            ln_f,
            head,
        }
    }
}

impl Module for Transformer {
    fn forward(&self, idx: &Tensor) -> Tensor {
        let mut x = idx.apply(&self.tok) + &self.pos;
        for block in &self.blocks {
            x = x.apply(block);
        }
        x.apply(&self.ln_f)
            .mean_dim(1, false, None)
            .apply(&self.head)
    }
}

fn main() -> Result<()> {
    let mut run = Run::from_args("transformer-adamw-warmup")
        .notebook("examples/transformer-adamw-warmup/script.py");
    tch::manual_seed(run.seed() as i64);
    run.op(
        "xb",
        "loader.iter2(&x_train, &y_train): the rows the DataLoader's shuffle drew",
        None,
    );
    run.op("logits", "model.forward(&xb)", "mkl"); // its last op: head, a matrix product

    let long = (Kind::Int64, Device::Cpu);
    let mut x = Tensor::randint_low(0, VOCAB, [768, LENGTH], long);
    let insert = Tensor::rand([768], (Kind::Float, Device::Cpu)).lt(0.5);
    let place = Tensor::randint_low(0, LENGTH - 1, [768], long);
    // `X[insert, where[insert]] = 3`: a mask index is its nonzero rows.
    let rows = insert.nonzero().squeeze_dim(1);
    let at = place.index_select(0, &rows);
    let _ = x.index_put_(&[Some(&rows), Some(&at)], &Tensor::from(3i64), false);
    let _ = x.index_put_(&[Some(&rows), Some(&(&at + 1))], &Tensor::from(7i64), false);
    let y = x
        .narrow(1, 0, LENGTH - 1)
        .eq(3)
        .logical_and(&x.narrow(1, 1, LENGTH - 1).eq(7))
        .any_dim(1, false)
        .to_kind(Kind::Int64);
    let (x_train, y_train) = (x.narrow(0, 0, 512), y.narrow(0, 0, 512));
    let (x_val, y_val) = (x.narrow(0, 512, 256), y.narrow(0, 512, 256));
    let loader = DataLoader::new(512, 32).shuffle(true);

    let vs = nn::VarStore::new(Device::Cpu);
    let model = Transformer::new(&vs.root());
    let params = named_parameters(&vs);
    run.initial_params(&params);
    let count: i64 = params.iter().map(|(_, p)| p.numel() as i64).sum();
    run.print(format!("{count} parameters"));
    let epochs = run.steps(12);
    let (total_steps, warmup_steps) = ((epochs * loader.len()) as i64, 20i64);
    let mut optimizer = Adam::adamw(&params, 2e-3)
        .betas(0.9, 0.98)
        .weight_decay(0.05);

    // `lr_lambda`: Python's int / int is the correctly rounded quotient, as f64's is here.
    let lr_lambda = move |step: i64| {
        if step < warmup_steps {
            return (step + 1) as f64 / warmup_steps as f64;
        }
        let progress = (step - warmup_steps) as f64 / 1.max(total_steps - warmup_steps) as f64;
        0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
    };
    let mut scheduler = LambdaLR::new(&mut optimizer, lr_lambda);

    let mut step = 0;
    for epoch in 0..epochs {
        for (xb, yb) in loader.iter2(&x_train, &y_train) {
            let t = run.step(step, &params);
            let xb = t.value("xb", xb);
            let logits = t.keep("logits", model.forward(&xb));
            let loss = t.value(
                "loss",
                logits.cross_entropy_loss::<Tensor>(&yb, None, tch::Reduction::Mean, -100, 0.0),
            );
            optimizer.zero_grad();
            t.backward(&loss);
            let grad_norm = nn_utils::clip_grad_norm_(&params, 1.0, 2.0);
            optimizer.step();
            drop(t);
            run.loss(step, &loss);
            run.metric(step, "lr", scheduler.get_last_lr());
            run.metric(step, "grad_norm", &grad_norm);
            scheduler.step(&mut optimizer);
            step += 1;
        }
        let accuracy = tch::no_grad(|| {
            model
                .forward(&x_val)
                .argmax(1, false)
                .eq_tensor(&y_val)
                .to_kind(Kind::Float)
                .mean(None)
        });
        let accuracy = run.metric(step - 1, "val_accuracy", &accuracy);
        if epoch % 3 == 2 {
            let loss = run.losses()[step - 1];
            run.print(format!(
                "epoch {}: loss {loss:.4}, val accuracy {accuracy:.3}",
                epoch + 1
            ));
        }
    }

    run.final_params(&params);
    let logits = tch::no_grad(|| model.forward(&x_val));
    run.predictions_from(&[("target", &y_val), ("logits", &logits)])?;
    run.write()?;
    Ok(())
}
