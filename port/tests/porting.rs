//! docs/PORTING.md's table, measured: for each row, the idiomatic tch call against live
//! PyTorch 2.13.0 (scripts/porting/pytorch_side.py, run at test time), every value compared
//! by its bits. A row that says `same` must be bit-identical; a row that says `differ` must
//! differ in at least one value, and its replacement in `xor_repro_port` must be
//! bit-identical; `differ with FMA` is `differ` where ATen's kernels use fused multiply-adds
//! (the `avx2` and `avx512` sets) and `same` under `default`. Every row has its test here and
//! every test its row.
//!
//!     LD_LIBRARY_PATH=$PWD/.libtorch/lib \
//!         cargo test --release -p xor-repro-port --test porting -- --nocapture

mod common;

use common::{compare, doc_rows, global_generator, pytorch, Named};
use std::f64::consts::PI;
use tch::nn::init::NormalOrUniform;
use tch::{
    data::Iter2, nn, nn::Module, nn::ModuleT, nn::OptimizerConfig, Device, Kind, Reduction, Tensor,
};
use xor_repro::kernels::aten::Capability;
use xor_repro_port::data::{
    self, BatchSampler, RandomSampler, Sampler, SubsetRandomSampler, WeightedRandomSampler,
};
use xor_repro_port::init::{self, Mode, Nonlinearity};
use xor_repro_port::lr_scheduler::{
    AnnealStrategy, ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
    CyclicMode, ExponentialLR, LambdaLR, LinearLR, LrScheduler, MultiStepLR, MultiplicativeLR,
    OneCycleLR, PolynomialLR, ReduceLROnPlateau, StepLR, ThresholdMode,
};
use xor_repro_port::lr_scheduler::{ChainedScheduler, SequentialLR};
use xor_repro_port::nn::{self as port_nn, RnnNonlinearity};
use xor_repro_port::optim::{
    self, Adadelta, Adagrad, Adam, Adamax, LineSearch, NAdam, ParamGroups, RAdam, RMSprop, Rprop,
    ASGD, LBFGS, SGD,
};
use xor_repro_port::{data::DataLoader, named_parameters, nn_utils, ops, state_dict, values};

/// Every entry seeds with this (`SEED` in pytorch_side.py).
const SEED: i64 = 7;
const FLOAT: (Kind, Device) = (Kind::Float, Device::Cpu);

/// One row of the table: its tch side as a port would write it, and the replacement when
/// the row says they differ.
struct Entry {
    id: &'static str,
    idiomatic: fn() -> Named,
    replacement: Option<fn() -> Named>,
}

fn named(list: &[(&str, &Tensor)]) -> Named {
    list.iter()
        .map(|(name, t)| (name.to_string(), values(t)))
        .collect()
}

/// Holds one entry against PyTorch and against its row in docs/PORTING.md.
fn check(id: &str) {
    let entry = ENTRIES.iter().find(|e| e.id == id).expect("an entry");
    let (_, rows) = doc_rows();
    let row = rows
        .get(id)
        .unwrap_or_else(|| panic!("docs/PORTING.md's table has no row `{id}`"));
    let theirs = pytorch(id);
    let (idiomatic, replacement) = {
        let _turn = global_generator();
        let idiomatic = (entry.idiomatic)();
        (idiomatic, entry.replacement.map(|f| f()))
    };
    let tch = compare(id, "tch", theirs, &idiomatic);
    println!("{}", tch.line(&format!("{id}: tch")));
    let replaced = replacement.map(|ours| {
        let tally = compare(id, "replacement", theirs, &ours);
        println!("{}", tally.line(&format!("{id}: replacement")));
        tally
    });
    assert_eq!(
        row.values, tch.compared,
        "{id}: docs/PORTING.md says {} values are compared, the test compares {}",
        row.values, tch.compared
    );
    let kernels = &xor_repro::kernels::this_machine().aten;
    let fma = kernels.path != Some(Capability::Default);
    let claim = match row.bits.as_str() {
        "differ with FMA" if !fma => {
            println!(
                "{id}: ATen's `{}` kernels have no FMA: the bits agree here",
                kernels.name
            );
            "same"
        }
        "differ with FMA" => "differ",
        claim => claim,
    };
    match claim {
        "same" => {
            assert!(
                tch.all_identical(),
                "{id}: docs/PORTING.md says the bits agree, but {}",
                tch.line("tch")
            );
            if row.bits == "same" {
                assert!(
                    entry.replacement.is_none() && row.replacement == "—",
                    "{id}: an entry whose bits agree needs no replacement (`—`)"
                );
            }
            if let Some(replaced) = replaced {
                assert!(
                    replaced.all_identical(),
                    "{id}: the replacement is not bit-identical: {}",
                    replaced.line("replacement")
                );
            }
        }
        "differ" => {
            assert!(
                tch.identical < tch.compared,
                "{id}: docs/PORTING.md says the bits part, but all {} values are identical \
                 (ATen's `{}` kernels)",
                tch.compared,
                kernels.name
            );
            let replaced = replaced
                .unwrap_or_else(|| panic!("{id}: a row whose bits differ needs a replacement"));
            assert!(
                replaced.all_identical(),
                "{id}: the replacement is not bit-identical: {}",
                replaced.line("replacement")
            );
            assert_ne!(row.replacement, "—", "{id}: the row names no replacement");
        }
        other => panic!("{id}: bits must be `same`, `differ` or `differ with FMA`, not `{other}`"),
    }
}

macro_rules! entries {
    ($($test:ident: $id:literal => $idiomatic:expr, $replacement:expr;)*) => {
        const ENTRIES: &[Entry] = &[
            $(Entry { id: $id, idiomatic: $idiomatic, replacement: $replacement },)*
        ];
        $(
            #[test]
            fn $test() {
                check($id);
            }
        )*
    };
}

entries! {
    linear_init: "linear-init" => linear_init_tch, Some(linear_init_port);
    seq_init: "seq-init" => seq_init_port, None;
    xavier_uniform: "xavier-uniform" => || xavier_tch(false), None;
    xavier_normal: "xavier-normal" => || xavier_tch(true), Some(xavier_normal_port);
    kaiming_uniform: "kaiming-uniform" => || kaiming_tch(NormalOrUniform::Uniform), None;
    kaiming_normal: "kaiming-normal" =>
        || kaiming_tch(NormalOrUniform::Normal),
        Some(kaiming_normal_port);
    nn_init: "nn-init" => nn_init_port, None;
    conv2d_init: "conv2d-init" =>
        || conv2d_init_entry(|p, i, o, k, c| nn::conv2d(p, i, o, k, c)),
        Some(|| conv2d_init_entry(|p, i, o, k, c| init::conv2d(p, i, o, k, c)));
    conv2d: "conv2d" => conv2d_port, None;
    embedding_init: "embedding-init" => embedding_init_tch, None;
    embedding_padding_idx: "embedding-padding-idx" =>
        || embedding_padding_idx_entry(|p, n, d, c| nn::embedding(p, n, d, c)),
        Some(|| embedding_padding_idx_entry(|p, n, d, c| init::embedding(p, n, d, c)));
    adam: "adam" =>
        || tch_trains(nn::Adam::default(), 0.01),
        Some(|| port_trains(|vs| Adam::new(vs, 0.01)));
    adam_weight_decay: "adam-weight-decay" =>
        || tch_trains(nn::Adam { wd: 0.01, ..Default::default() }, 0.01),
        Some(|| port_trains(|vs| Adam::new(vs, 0.01).weight_decay(0.01)));
    adam_amsgrad: "adam-amsgrad" =>
        || tch_trains(nn::Adam { amsgrad: true, ..Default::default() }, 0.01),
        Some(|| port_trains(|vs| Adam::new(vs, 0.01).amsgrad(true)));
    adamw: "adamw" =>
        || tch_trains(nn::AdamW::default(), 0.01),
        Some(|| port_trains(|vs| Adam::adamw(vs, 0.01)));
    sgd: "sgd" => || tch_trains(nn::Sgd::default(), 0.1), None;
    sgd_momentum: "sgd-momentum" =>
        || tch_trains(nn::Sgd { momentum: 0.9, ..Default::default() }, 0.1),
        None;
    sgd_nesterov_weight_decay: "sgd-nesterov-weight-decay" =>
        || tch_trains(nn::Sgd { momentum: 0.9, wd: 1e-3, nesterov: true, dampening: 0.0 }, 0.1),
        None;
    clip_grad_norm: "clip-grad-norm" =>
        || sgd_trains(|opt, loss| opt.backward_step_clip_norm(loss, 1.0)),
        Some(|| sgd_trains_clipped(|p| { let _ = nn_utils::clip_grad_norm_(p, 1.0, 2.0); }));
    clip_grad_norm_1: "clip-grad-norm-1" =>
        || sgd_trains_clipped(|p| clip_norm_by_hand(p, 5.0, 1.0)),
        Some(|| sgd_trains_clipped(|p| { let _ = nn_utils::clip_grad_norm_(p, 5.0, 1.0); }));
    clip_grad_norm_inf: "clip-grad-norm-inf" =>
        || sgd_trains_clipped(|p| clip_norm_by_hand(p, 0.25, f64::INFINITY)),
        Some(|| sgd_trains_clipped(|p| { let _ = nn_utils::clip_grad_norm_(p, 0.25, f64::INFINITY); }));
    clip_grad_value: "clip-grad-value" =>
        || sgd_trains(|opt, loss| opt.backward_step_clip(loss, 0.1)),
        None;
    step_lr: "step-lr" =>
        || closed_form(|e| 0.1 * 0.9f64.powf((e / 7) as f64)),
        Some(|| schedule(|o| Box::new(StepLR::new(o, 7, 0.9))));
    multi_step_lr: "multi-step-lr" =>
        || closed_form(|e| {
            let passed = [10, 30, 30, 60].iter().filter(|&&m| m <= e).count();
            0.1 * 0.3f64.powf(passed as f64)
        }),
        Some(|| schedule(|o| Box::new(MultiStepLR::new(o, &[10, 30, 30, 60], 0.3))));
    exponential_lr: "exponential-lr" =>
        || closed_form(|e| 0.1 * 0.97f64.powf(e as f64)),
        Some(|| schedule(|o| Box::new(ExponentialLR::new(o, 0.97))));
    cosine_annealing_lr: "cosine-annealing-lr" =>
        || closed_form(|e| {
            0.001 + (0.1 - 0.001) * (1.0 + (std::f64::consts::PI * e as f64 / 30.0).cos()) / 2.0
        }),
        Some(|| schedule(|o| Box::new(CosineAnnealingLR::new(o, 30, 0.001))));
    linear_lr: "linear-lr" =>
        || closed_form(|e| 0.1 * (0.25 + (1.0 - 0.25) * e.min(20) as f64 / 20.0)),
        Some(|| schedule(|o| Box::new(LinearLR::new(o, 0.25, 1.0, 20))));
    multiplicative_lr: "multiplicative-lr" =>
        || closed_form(|e| 0.1 * 0.95f64.powf(e as f64)),
        Some(|| schedule(|o| Box::new(MultiplicativeLR::new(o, |_| 0.95))));
    constant_lr: "constant-lr" =>
        || closed_form(|e| 0.1 * if e < 10 { 0.4 } else { 1.0 }),
        Some(|| schedule(|o| Box::new(ConstantLR::new(o, 0.4, 10))));
    polynomial_lr: "polynomial-lr" =>
        || closed_form(|e| 0.1 * (1.0 - e.min(60) as f64 / 60.0).powf(2.0)),
        Some(|| schedule(|o| Box::new(PolynomialLR::new(o, 60, 2.0))));
    cosine_annealing_warm_restarts: "cosine-annealing-warm-restarts" =>
        || closed_form(|e| {
            // The cycle's length and the epoch within it, from the docs' formula.
            let (mut t_i, mut t_cur) = (10, e);
            while t_cur >= t_i {
                t_cur -= t_i;
                t_i *= 2;
            }
            let t = std::f64::consts::PI * t_cur as f64 / t_i as f64;
            0.001 + 0.5 * (0.1 - 0.001) * (1.0 + t.cos())
        }),
        None;
    cyclic_lr: "cyclic-lr" =>
        || closed_form(|e| cyclic_by_hand(e, 7, 12, 1.0)),
        Some(|| schedule(|o| Box::new(CyclicLR::new(0.001, 0.1).step_size(7, Some(12)).build(o))));
    cyclic_lr_triangular2: "cyclic-lr-triangular2" =>
        || closed_form(|e| cyclic_by_hand(e, 9, 9, 0.5f64.powf((e / 18) as f64))),
        Some(|| schedule(|o| Box::new(
            CyclicLR::new(0.001, 0.1).step_size(9, None).mode(CyclicMode::Triangular2).build(o),
        )));
    cyclic_lr_exp_range: "cyclic-lr-exp-range" =>
        || closed_form(|e| cyclic_by_hand(e, 9, 9, 0.99f64.powf(e as f64))),
        Some(|| schedule(|o| Box::new(
            CyclicLR::new(0.001, 0.1)
                .step_size(9, None)
                .mode(CyclicMode::ExpRange { gamma: 0.99 })
                .build(o),
        )));
    reduce_lr_on_plateau: "reduce-lr-on-plateau" =>
        || plateau(|lr, bad, best, m| {
            // Reduce after `patience` steps without a lower metric, as the docs describe it.
            if m < *best {
                *best = m;
                *bad = 0;
            } else {
                *bad += 1;
            }
            if *bad > 3 {
                *bad = 0;
                return (lr * 0.5).max(0.002);
            }
            lr
        }),
        Some(plateau_port);
    lambda_lr: "lambda-lr" => || closed_form(|e| 0.1 * 0.95f64.powf(e as f64)), None;
    one_cycle_lr: "one-cycle-lr" =>
        || closed_form(|e| one_cycle_by_hand(0.1, 100, e)),
        Some(|| schedule(|o| Box::new(OneCycleLR::new(0.1, 100).build(o))));
    one_cycle_lr_three_phase_linear: "one-cycle-lr-three-phase-linear" =>
        || closed_form(|e| one_cycle_linear_three_phase_by_hand(0.1, 100, e)),
        Some(|| schedule(|o| Box::new(
            OneCycleLR::new(0.1, 100)
                .anneal_strategy(AnnealStrategy::Linear)
                .three_phase(true)
                .build(o),
        )));
    sequential_lr: "sequential-lr" =>
        || closed_form(|e| match e {
            0..5 => 0.1 * (0.1 + 0.9 * e as f64 / 5.0),
            5..30 => 0.1 * 0.9f64.powf((e - 5) as f64),
            _ => 0.001 + (0.1 - 0.001) * (1.0 + (PI * (e - 30) as f64 / 20.0).cos()) / 2.0,
        }),
        Some(|| schedule(|o| {
            let warmup = LinearLR::new(o, 0.1, 1.0, 5);
            let decay = ExponentialLR::new(o, 0.9);
            let cosine = CosineAnnealingLR::new(o, 20, 0.001);
            Box::new(SequentialLR::new(
                o,
                vec![Box::new(warmup), Box::new(decay), Box::new(cosine)],
                &[5, 30],
            ))
        }));
    sequential_lr_step: "sequential-lr-step" =>
        || closed_form(|e| match e {
            0..10 => 0.1 * if e < 4 { 0.3 } else { 1.0 },
            10..40 => 0.1 * 0.5f64.powf(((e - 10) / 7) as f64),
            40..60 => 0.1 * (1.0 - (e - 40).min(30) as f64 / 30.0).powf(2.0),
            _ => 0.1 * 0.7f64.powf([5, 9].iter().filter(|&&m| m <= e - 60).count() as f64),
        }),
        Some(|| schedule(|o| {
            let a = ConstantLR::new(o, 0.3, 4);
            let b = StepLR::new(o, 7, 0.5);
            let c = PolynomialLR::new(o, 30, 2.0);
            let d = MultiStepLR::new(o, &[5, 9], 0.7);
            Box::new(SequentialLR::new(
                o,
                vec![Box::new(a), Box::new(b), Box::new(c), Box::new(d)],
                &[10, 40, 60],
            ))
        }));
    chained_scheduler: "chained-scheduler" =>
        || closed_form(|e| {
            let cosine = 0.001 + (0.1 - 0.001) * (1.0 + (PI * e as f64 / 30.0).cos()) / 2.0;
            cosine * if e < 10 { 0.5 } else { 1.0 } * 0.97f64.powf(e as f64)
        }),
        Some(|| schedule(|o| {
            let a = ConstantLR::new(o, 0.5, 10);
            let b = CosineAnnealingLR::new(o, 30, 0.001);
            let c = ExponentialLR::new(o, 0.97);
            Box::new(ChainedScheduler::new(o, vec![Box::new(a), Box::new(b), Box::new(c)]))
        }));
    multi_group_cosine: "multi-group-cosine" =>
        || {
            let lr = |base: f64| -> Vec<f64> {
                (0..=SCHEDULE_STEPS)
                    .map(|e| 0.001 + (base - 0.001) * (1.0 + (PI * e as f64 / 30.0).cos()) / 2.0)
                    .collect()
            };
            vec![("lr0".into(), lr(0.1)), ("lr1".into(), lr(0.03))]
        },
        Some(multi_group_cosine_port);
    adam_one_cycle_lr: "adam-one-cycle-lr" =>
        || train(|vs| {
            let mut opt = Adam::new(vs, one_cycle_by_hand(0.05, 10, 0));
            let mut e = 0;
            Box::new(move |loss| {
                opt.backward_step(loss);
                e += 1;
                opt.set_lr(one_cycle_by_hand(0.05, 10, e));
            })
        }),
        Some(|| train(|vs| {
            let mut opt = Adam::new(vs, 0.01);
            let mut sched = OneCycleLR::new(0.05, 10).build(&mut opt);
            Box::new(move |loss| {
                opt.backward_step(loss);
                sched.step(&mut opt);
            })
        }));
    rmsprop: "rmsprop" =>
        || tch_trains(nn::RmsProp::default(), 0.01),
        None;
    rmsprop_momentum_centered: "rmsprop-momentum-centered" =>
        || tch_trains(nn::RmsProp { momentum: 0.9, centered: true, wd: 0.01, ..Default::default() }, 0.01),
        Some(|| trains(
            |vs| RMSprop::new(vs, 0.01).momentum(0.9).centered(true).weight_decay(0.01),
            RMSprop::backward_step,
        ));
    rmsprop_maximize: "rmsprop-maximize" =>
        || train(|vs| {
            let mut opt = nn::RmsProp::default().build(vs, 0.01).expect("tch builds RMSprop");
            Box::new(move |loss| opt.backward_step(&-loss))
        }),
        None;
    adagrad: "adagrad" =>
        || by_hand(|p, g, s, step| adagrad_by_hand(p, g, s, step, 0.1, 0.0, 0.0)),
        Some(|| trains(|vs| Adagrad::new(vs, 0.1), Adagrad::backward_step));
    adagrad_options: "adagrad-options" =>
        || by_hand(|p, g, s, step| {
            if step == 1.0 {
                let _ = s[0].fill_(0.1);
            }
            adagrad_by_hand(p, &-g, s, step, 0.1, 0.01, 0.01)
        }),
        Some(|| trains(
            |vs| Adagrad::new(vs, 0.1)
                .lr_decay(0.01)
                .weight_decay(0.01)
                .initial_accumulator_value(0.1)
                .maximize(true),
            Adagrad::backward_step,
        ));
    adadelta: "adadelta" =>
        || by_hand(|p, g, s, _| adadelta_by_hand(p, g, s, 1.0, 0.9, 0.0)),
        Some(|| trains(|vs| Adadelta::new(vs, 1.0), Adadelta::backward_step));
    adadelta_options: "adadelta-options" =>
        || by_hand(|p, g, s, _| adadelta_by_hand(p, &-g, s, 0.5, 0.8, 0.01)),
        Some(|| trains(
            |vs| Adadelta::new(vs, 0.5).rho(0.8).weight_decay(0.01).maximize(true),
            Adadelta::backward_step,
        ));
    // ---- optim2: the rest of torch.optim ----
    sgd_dampening_maximize: "sgd-dampening-maximize" =>
        || train(|vs| {
            let config = nn::Sgd { momentum: 0.9, dampening: 0.3, ..Default::default() };
            let mut opt = config.build(vs, 0.01).expect("tch builds SGD");
            Box::new(move |loss| opt.backward_step(&-loss))
        }),
        None;
    adamax: "adamax" =>
        || by_hand(|p, g, s, t| adamax_by_hand(p, g, s, t, 0.01, (0.9, 0.999), 1e-8, 0.0)),
        Some(|| trains(|vs| Adamax::new(vs, 0.01), Adamax::backward_step));
    adamax_options: "adamax-options" =>
        || by_hand(|p, g, s, t| adamax_by_hand(p, &-g, s, t, 0.01, (0.8, 0.99), 1e-6, 0.01)),
        Some(|| trains(
            |vs| Adamax::new(vs, 0.01).betas(0.8, 0.99).eps(1e-6).weight_decay(0.01).maximize(true),
            Adamax::backward_step,
        ));
    nadam: "nadam" =>
        || by_hand(|p, g, s, t| nadam_by_hand(p, g, s, t, 0.0, 4e-3, false)),
        Some(|| trains(|vs| NAdam::new(vs, 0.01), NAdam::backward_step));
    nadam_options: "nadam-options" =>
        || by_hand(|p, g, s, t| nadam_by_hand(p, &-g, s, t, 0.01, 0.01, false)),
        Some(|| trains(
            |vs| NAdam::new(vs, 0.01).weight_decay(0.01).momentum_decay(0.01).maximize(true),
            NAdam::backward_step,
        ));
    nadamw: "nadamw" =>
        || by_hand(|p, g, s, t| nadam_by_hand(p, g, s, t, 0.01, 4e-3, true)),
        Some(|| trains(
            |vs| NAdam::new(vs, 0.01).weight_decay(0.01).decoupled_weight_decay(true),
            NAdam::backward_step,
        ));
    radam: "radam" =>
        || by_hand(|p, g, s, t| radam_by_hand(p, g, s, t, (0.9, 0.999), 0.0, false)),
        Some(|| trains(|vs| RAdam::new(vs, 0.01), RAdam::backward_step));
    radam_options: "radam-options" =>
        || by_hand(|p, g, s, t| radam_by_hand(p, &-g, s, t, (0.8, 0.99), 0.01, false)),
        Some(|| trains(
            |vs| RAdam::new(vs, 0.01).betas(0.8, 0.99).weight_decay(0.01).maximize(true),
            RAdam::backward_step,
        ));
    radamw: "radamw" =>
        || by_hand(|p, g, s, t| radam_by_hand(p, g, s, t, (0.9, 0.999), 0.01, true)),
        Some(|| trains(
            |vs| RAdam::new(vs, 0.01).weight_decay(0.01).decoupled_weight_decay(true),
            RAdam::backward_step,
        ));
    rprop: "rprop" =>
        || by_hand(|p, g, s, t| rprop_by_hand(p, g, s, t, (0.5, 1.2), (1e-6, 50.0))),
        None;
    rprop_options: "rprop-options" =>
        || by_hand(|p, g, s, t| rprop_by_hand(p, &-g, s, t, (0.4, 1.3), (1e-3, 0.02))),
        None;
    asgd: "asgd" =>
        || asgd_by_hand(0.01, 1e-4, 0.75, 1e6, 0.0, false),
        Some(|| asgd_port(|vs| ASGD::new(vs, 0.01)));
    asgd_options: "asgd-options" =>
        || asgd_by_hand(0.05, 1e-3, 0.6, 3.0, 0.01, true),
        Some(|| asgd_port(|vs| {
            ASGD::new(vs, 0.05).lambd(1e-3).alpha(0.6).t0(3.0).weight_decay(0.01).maximize(true)
        }));
    adam_maximize: "adam-maximize" =>
        || train(|vs| {
            let mut opt = nn::Adam::default().build(vs, 0.01).expect("tch builds Adam");
            Box::new(move |loss| opt.backward_step(&-loss))
        }),
        Some(|| trains(|vs| Adam::new(vs, 0.01).maximize(true), Adam::backward_step));
    nadam_foreach: "nadam-foreach" =>
        || trains(|vs| NAdam::new(vs, 0.01).weight_decay(0.01), NAdam::backward_step),
        Some(|| trains(
            |vs| NAdam::new(vs, 0.01).weight_decay(0.01).foreach(true),
            NAdam::backward_step,
        ));
    radam_foreach: "radam-foreach" =>
        || trains(|vs| RAdam::new(vs, 0.01), RAdam::backward_step),
        Some(|| trains(|vs| RAdam::new(vs, 0.01).foreach(true), RAdam::backward_step));
    asgd_foreach: "asgd-foreach" =>
        || asgd_port(|vs| ASGD::new(vs, 0.05).t0(3.0).weight_decay(0.01)),
        Some(|| asgd_port(|vs| ASGD::new(vs, 0.05).t0(3.0).weight_decay(0.01).foreach(true)));
    adam_foreach: "adam-foreach" =>
        || trains(|vs| Adam::new(vs, 0.01).amsgrad(true).weight_decay(0.01), Adam::backward_step),
        None;
    adamw_foreach: "adamw-foreach" =>
        || trains(|vs| Adam::adamw(vs, 0.01), Adam::backward_step),
        None;
    adamax_foreach: "adamax-foreach" =>
        || trains(|vs| Adamax::new(vs, 0.01), Adamax::backward_step),
        None;
    rprop_foreach: "rprop-foreach" =>
        || trains(|vs| Rprop::new(vs, 0.01), Rprop::backward_step),
        None;
    sgd_foreach: "sgd-foreach" =>
        || trains(
            |vs| SGD::new(vs, 0.1).momentum(0.9).nesterov(true).weight_decay(1e-3),
            SGD::backward_step,
        ),
        None;
    rmsprop_foreach: "rmsprop-foreach" =>
        || trains(
            |vs| RMSprop::new(vs, 0.01).momentum(0.9).centered(true).weight_decay(0.01),
            RMSprop::backward_step,
        ),
        None;
    adagrad_foreach: "adagrad-foreach" =>
        || trains(|vs| Adagrad::new(vs, 0.1), Adagrad::backward_step),
        None;
    adadelta_foreach: "adadelta-foreach" =>
        || trains(|vs| Adadelta::new(vs, 1.0), Adadelta::backward_step),
        None;
    param_groups: "param-groups" =>
        || train(|vs| {
            // tch's groups: layer "2" in group 1, its own weight decay; group 0's lr.
            let mut opt = nn::Adam::default().build(vs, 0.01).expect("tch builds Adam");
            opt.set_lr_group(0, 0.02);
            opt.set_weight_decay_group(1, 0.01);
            Box::new(move |loss| opt.backward_step(loss))
        }),
        Some(|| train(|vs| {
            let (first, second): (Vec<_>, Vec<_>) = named_parameters(vs)
                .into_iter()
                .partition(|(name, _)| name.starts_with("0."));
            let mut opt = ParamGroups::new(vec![
                Adam::new(&first, 0.02),
                Adam::new(&second, 0.01).weight_decay(0.01),
            ]);
            Box::new(move |loss| opt.backward_step(loss))
        }));
    sgd_zero_grad_keep: "sgd-zero-grad-keep" =>
        || tch_trains(nn::Sgd { momentum: 0.9, ..Default::default() }, 0.1),
        None;
    lbfgs: "lbfgs" =>
        || lbfgs_by_hand(1.0, 5, 3),
        Some(|| lbfgs_port(|vs| LBFGS::new(vs, 1.0).max_iter(5).history_size(3)));
    lbfgs_strong_wolfe: "lbfgs-strong-wolfe" =>
        || lbfgs_by_hand(5.0, 5, 100),
        Some(|| lbfgs_port(|vs| {
            LBFGS::new(vs, 5.0).max_iter(5).line_search_fn(Some(LineSearch::StrongWolfe))
        }));
    lbfgs_strong_wolfe_short: "lbfgs-strong-wolfe-short" =>
        || lbfgs_by_hand(0.05, 5, 100),
        Some(|| lbfgs_port(|vs| {
            LBFGS::new(vs, 0.05).max_iter(5).line_search_fn(Some(LineSearch::StrongWolfe))
        }));
    bce: "bce" => bce_tch, None;
    bce_with_logits: "bce-with-logits" => bce_with_logits_tch, None;
    cross_entropy: "cross-entropy" => cross_entropy_tch, None;
    mse_loss: "mse-loss" => mse_loss_tch, None;
    log_softmax: "log-softmax" => || softmax_entry(|x| x.log_softmax(-1, Kind::Float)), None;
    softmax: "softmax" => || softmax_entry(|x| x.softmax(-1, Kind::Float)), None;
    dataloader_shuffle: "dataloader-shuffle" =>
        || epochs(randperm_epoch),
        Some(|| epochs(loader_epoch(true)));
    iter2_shuffle: "iter2-shuffle" => || epochs(iter2_epoch), Some(|| epochs(loader_epoch(true)));
    dataloader_no_shuffle: "dataloader-no-shuffle" =>
        || epochs(in_order_epoch),
        Some(|| epochs(loader_epoch(false)));
    random_split: "random-split" => random_split_tch, Some(random_split_port);
    random_sampler: "random-sampler" => random_sampler_tch, Some(random_sampler_port);
    subset_random_sampler: "subset-random-sampler" => || subset_sampler(false), Some(|| subset_sampler(true));
    weighted_random_sampler: "weighted-random-sampler" => || weighted_sampler(false), Some(|| weighted_sampler(true));
    batch_sampler: "batch-sampler" => || batch_sampler_entry(false), Some(|| batch_sampler_entry(true));
    dataloader_generator: "dataloader-generator" => || loader_generator(false), Some(|| loader_generator(true));
    dropout: "dropout" => dropout_tch, None;
    rdiv: "rdiv" => || rdiv_entry(|s, x| s / x), Some(|| rdiv_entry(ops::rdiv));
    rsub: "rsub" => || rsub_entry(|s, x| s - x), Some(|| rsub_entry(ops::rsub));
    add_alpha: "add-alpha" =>
        || add_alpha_entry(|a, b, alpha| a + b * alpha),
        Some(|| add_alpha_entry(ops::add));
    gelu: "gelu" => || activation(|x| x.gelu("none")), None;
    gelu_tanh: "gelu-tanh" => || activation(|x| x.gelu("tanh")), None;
    tanh: "tanh" => || activation(Tensor::tanh), None;
    silu: "silu" => || activation(Tensor::silu), None;
    leaky_relu: "leaky-relu" => || activation(Tensor::leaky_relu), None;
    softplus: "softplus" => || activation(Tensor::softplus), None;
    elu: "elu" => || activation(Tensor::elu), None;
    // ---- layers (xor_repro_port::nn): recurrent, ...
    lstm_init: "lstm-init" =>
        || recurrent_init(|p, c| { nn::lstm(p, 5, 6, c); }),
        Some(|| recurrent_init(|p, c| { init::lstm(p, 5, 6, c); }));
    gru_init: "gru-init" =>
        || recurrent_init(|p, c| { nn::gru(p, 5, 6, c); }),
        Some(|| recurrent_init(|p, c| { init::gru(p, 5, 6, c); }));
    lstm: "lstm" => || recurrent(Recurrent::Lstm), None;
    gru: "gru" => || recurrent(Recurrent::Gru), None;
    rnn_tanh: "rnn-tanh" => || recurrent(Recurrent::Rnn(RnnNonlinearity::Tanh)), None;
    rnn_relu: "rnn-relu" => || recurrent(Recurrent::Rnn(RnnNonlinearity::Relu)), None;
    lstm_cell: "lstm-cell" => || cell(Cell::Lstm), None;
    gru_cell: "gru-cell" => || cell(Cell::Gru), None;
    rnn_cell: "rnn-cell" => || cell(Cell::Rnn), None;
    conv1d_init: "conv1d-init" =>
        || layers_init(|p, i| conv1d_pair(p, i, |p, i, o, k, c| nn::conv1d(p, i, o, k, c))),
        Some(|| layers_init(|p, i| conv1d_pair(p, i, |p, i, o, k, c| port_nn::conv1d(p, i, o, k, c))));
    conv1d: "conv1d" => conv1d_port, None;
    conv3d: "conv3d" =>
        || layer_forward(|p| {
            let cfg = nn::ConvConfig { padding: 1, ..Default::default() };
            let l = port_nn::conv3d(p, 2, 4, 3, cfg);
            Box::new(move |x| l.forward(&x[0]))
        }, &[&[2, 2, 5, 5, 5]]),
        None;
    conv_transpose2d_init: "conv-transpose2d-init" =>
        || layers_init(|p, i| transpose_pair(p, i, |p, i, o, k, c| nn::conv_transpose2d(p, i, o, k, c))),
        Some(|| layers_init(|p, i| transpose_pair(p, i, |p, i, o, k, c| port_nn::conv_transpose2d(p, i, o, k, c))));
    conv_transpose1d: "conv-transpose1d" =>
        || layer_forward(|p| {
            let cfg = nn::ConvTransposeConfig { stride: 2, padding: 1, output_padding: 1, ..Default::default() };
            let l = port_nn::conv_transpose1d(p, 4, 6, 3, cfg);
            Box::new(move |x| l.forward(&x[0]))
        }, &[&[2, 4, 7]]),
        None;
    conv_transpose2d: "conv-transpose2d" =>
        || layer_forward(|p| {
            let cfg = nn::ConvTransposeConfig { stride: 2, groups: 2, dilation: 2, ..Default::default() };
            let l = port_nn::conv_transpose2d(p, 4, 6, 3, cfg);
            Box::new(move |x| l.forward(&x[0]))
        }, &[&[2, 4, 5, 5]]),
        None;
    batch_norm2d: "batch-norm2d" =>
        || batch_norm_entry(false, &[6, 3, 5, 5], |p| bn_after_conv(p, false)),
        Some(|| batch_norm_entry(true, &[6, 3, 5, 5], |p| bn_after_conv(p, true)));
    batch_norm1d: "batch-norm1d" =>
        || batch_norm_entry(true, &[8, 5], |p| {
            let linear = init::linear(p / "0", 5, 4);
            let bn = port_nn::batch_norm1d(p / "1", 4, Default::default());
            Box::new(move |x, train| bn.forward_t(&linear.forward(x), train))
        }),
        None;
    layer_norm: "layer-norm" =>
        || layer_forward(|p| {
            let l = nn::layer_norm(p, vec![3, 6], Default::default());
            Box::new(move |x| l.forward(&x[0]))
        }, &[&[4, 3, 6]]),
        None;
    group_norm: "group-norm" =>
        || layer_forward(|p| {
            let l = nn::group_norm(p, 2, 6, Default::default());
            Box::new(move |x| l.forward(&x[0]))
        }, &[&[4, 6, 5]]),
        None;
    max_pool2d: "max-pool2d" =>
        || {
            tch::manual_seed(SEED);
            let x = Tensor::randn([2, 3, 8, 8], FLOAT).set_requires_grad(true);
            let g = Tensor::randn([2, 3, 4, 4], FLOAT);
            forward_backward(&x, &g, |x| x.max_pool2d_default(2))
        },
        None;
    nll_loss: "nll-loss" => nll_loss_tch, None;
    dropout_eval: "dropout-eval" => dropout_eval_tch, None;
    multihead_attention: "multihead-attention" => multihead_attention_port, None;
    multihead_attention_eval: "multihead-attention-eval" =>
        || mha_eval_entry(false),
        Some(|| mha_eval_entry(true));
    transformer_encoder_layer: "transformer-encoder-layer" => transformer_encoder_layer_port, None;
    transformer_encoder_layer_eval: "transformer-encoder-layer-eval" =>
        || encoder_eval_entry(false),
        Some(|| encoder_eval_entry(true));
    embedding_max_norm: "embedding-max-norm" =>
        || embedding_max_norm_entry(|p| {
            let e = nn::embedding(p, 10, 4, Default::default());
            Box::new(move |x| e.forward(&x[0]))
        }),
        Some(|| embedding_max_norm_entry(|p| {
            let config = port_nn::EmbeddingConfig { max_norm: Some(1.0), ..Default::default() };
            let e = port_nn::embedding(p, 10, 4, config);
            Box::new(move |x| e.forward(&x[0]))
        }));
    transformer_decoder_layer: "transformer-decoder-layer" => transformer_decoder_layer_port, None;
    bilinear: "bilinear" =>
        || layer_forward(|p| {
            let l = port_nn::bilinear(p, 5, 4, 3, true);
            Box::new(move |x| l.forward(&x[0], &x[1]))
        }, &[&[8, 5], &[8, 4]]),
        None;
}

/// Every row of docs/PORTING.md's table has its entry here, and every entry its row.
#[test]
fn every_row_has_a_test_and_every_test_a_row() {
    let (order, _) = doc_rows();
    let mut documented = order.clone();
    documented.sort();
    let mut tested: Vec<String> = ENTRIES.iter().map(|e| e.id.to_string()).collect();
    tested.sort();
    assert_eq!(
        documented, tested,
        "docs/PORTING.md's rows and the tests' entries"
    );
}

// ---- init ----------------------------------------------------------------------------------

fn linear_init_tch() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let l1 = nn::linear(vs.root() / "l1", 5, 7, Default::default());
    let l2 = nn::linear(vs.root() / "l2", 7, 3, Default::default());
    linear_values(&l1, &l2)
}

fn linear_init_port() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let l1 = init::linear(vs.root() / "l1", 5, 7);
    let l2 = init::linear(vs.root() / "l2", 7, 3);
    linear_values(&l1, &l2)
}

fn linear_values(l1: &nn::Linear, l2: &nn::Linear) -> Named {
    let bias = |l: &nn::Linear| l.bs.as_ref().expect("a bias").shallow_clone();
    let (b1, b2) = (bias(l1), bias(l2));
    named(&[
        ("l1.weight", &l1.ws),
        ("l1.bias", &b1),
        ("l2.weight", &l2.ws),
        ("l2.bias", &b2),
    ])
}

/// `nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))`: its parameters as
/// `named_parameters` lists them (names and order checked against `model.named_parameters()`),
/// and its output.
fn seq_init_port() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root();
    let model = nn::seq()
        .add(init::linear(&p / "0", 4, 8))
        .add_fn(|x| x.relu())
        .add(init::linear(&p / "2", 8, 2));
    let x = Tensor::randn([6, 4], FLOAT);
    let mut out: Named = named_parameters(&vs)
        .iter()
        .map(|(name, t)| (name.clone(), values(t)))
        .collect();
    out.extend(named(&[("input.x", &x), ("out", &model.forward(&x))]));
    out
}

// ---- torch.nn.init and the layers that draw ----------------------------------------------

/// The weights every `torch.nn.init` entry fills (`SHAPES` in pytorch_side.py): one of 16
/// values or more (ATen's vectorised `normal_`), a convolution's, and one of fewer than 16
/// (ATen's scalar `normal_`, in float64).
const SHAPES: [&[i64]; 3] = [&[32, 8], &[8, 4, 3, 3], &[3, 4]];

/// `w0`, `w1`, `w2` of `SHAPES`, each made by `make(path, name, index, shape)` in turn.
fn weights(make: impl Fn(&nn::Path, &str, usize, &[i64]) -> Tensor) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    (0..SHAPES.len())
        .map(|i| {
            let name = format!("w{i}");
            (name.clone(), values(&make(&vs.root(), &name, i, SHAPES[i])))
        })
        .collect()
}

/// The Xavier entries as a tch user writes them without `torch.nn.init` at hand: a variable
/// drawn by `Init::Uniform` between ±gain·√(6/(fan_in + fan_out)) (the formula of PyTorch's
/// docs) or by `Init::Randn` with std gain·√(2/(fan_in + fan_out)), the fans and gains tch's.
fn xavier_tch(normal: bool) -> Named {
    use nn::init::{FanInOut, NonLinearity};
    let gains = [1.0, NonLinearity::ReLU.gain(), NonLinearity::Tanh.gain()];
    weights(|p, name, i, shape| {
        let fans = (FanInOut::FanIn.for_weight_dims(shape)
            + FanInOut::FanOut.for_weight_dims(shape)) as f64;
        let init = if normal {
            nn::Init::Randn {
                mean: 0.0,
                stdev: gains[i] * (2.0 / fans).sqrt(),
            }
        } else {
            let a = gains[i] * (6.0 / fans).sqrt();
            nn::Init::Uniform { lo: -a, up: a }
        };
        p.var(name, shape, init)
    })
}

/// `init::xavier_normal_` on undrawn variables, with gains 1, `calculate_gain("relu")` and
/// `calculate_gain("tanh")`.
fn xavier_normal_port() -> Named {
    let gains = [
        1.0,
        init::calculate_gain(Nonlinearity::Relu, None),
        init::calculate_gain(Nonlinearity::Tanh, None),
    ];
    weights(|p, name, i, shape| {
        let mut w = p.zeros(name, shape);
        init::xavier_normal_(&mut w, gains[i]);
        w
    })
}

/// The Kaiming entries in tch's `Init::Kaiming`: `nonlinearity="relu"` (tch's default,
/// `DEFAULT_KAIMING_UNIFORM` or `_NORMAL`), `mode="fan_out"`, and `a=0.2`, whose leaky ReLU
/// gain tch has no name for (`ExplicitGain`).
fn kaiming_tch(dist: NormalOrUniform) -> Named {
    use nn::init::{FanInOut, NonLinearity};
    let leaky = NonLinearity::ExplicitGain((2.0f64 / (1.0 + 0.2 * 0.2)).sqrt());
    let args = [
        (FanInOut::FanIn, NonLinearity::ReLU),
        (FanInOut::FanOut, NonLinearity::ReLU),
        (FanInOut::FanIn, leaky),
    ];
    weights(|p, name, i, shape| {
        let (fan, non_linearity) = args[i];
        p.var(
            name,
            shape,
            nn::Init::Kaiming {
                dist,
                fan,
                non_linearity,
            },
        )
    })
}

/// `init::kaiming_normal_` on undrawn variables, with the arguments of [`kaiming_tch`].
fn kaiming_normal_port() -> Named {
    let args = [
        (0.0, Mode::FanIn, Nonlinearity::Relu),
        (0.0, Mode::FanOut, Nonlinearity::Relu),
        (0.2, Mode::FanIn, Nonlinearity::LeakyRelu),
    ];
    weights(|p, name, i, shape| {
        let mut w = p.zeros(name, shape);
        let (a, mode, nonlinearity) = args[i];
        init::kaiming_normal_(&mut w, a, mode, nonlinearity);
        w
    })
}

/// Every `torch.nn.init` function `init` ports, in turn, on each of `SHAPES` (`nn_init` in
/// pytorch_side.py).
fn nn_init_port() -> Named {
    type Fill = Box<dyn Fn(&mut Tensor)>;
    let gain = init::calculate_gain;
    let calls: [(&str, Fill); 9] = [
        ("uniform", Box::new(|w| init::uniform_(w, -0.5, 2.0))),
        ("normal", Box::new(|w| init::normal_(w, 0.3, 1.5))),
        ("constant", Box::new(|w| init::constant_(w, 0.7))),
        ("ones", Box::new(init::ones_)),
        ("zeros", Box::new(init::zeros_)),
        (
            "xavier_uniform",
            Box::new(move |w| init::xavier_uniform_(w, gain(Nonlinearity::LeakyRelu, Some(0.3)))),
        ),
        (
            "xavier_normal",
            Box::new(move |w| init::xavier_normal_(w, gain(Nonlinearity::Selu, None))),
        ),
        (
            "kaiming_uniform",
            Box::new(|w| init::kaiming_uniform_(w, 0.0, Mode::FanIn, Nonlinearity::LeakyRelu)),
        ),
        (
            "kaiming_normal",
            Box::new(|w| init::kaiming_normal_(w, 0.1, Mode::FanOut, Nonlinearity::LeakyRelu)),
        ),
    ];
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let mut out = Named::new();
    for (name, fill) in &calls {
        for (i, shape) in SHAPES.iter().enumerate() {
            let mut w = (vs.root() / *name).zeros(&format!("w{i}"), shape);
            fill(&mut w);
            out.push((format!("{name}.w{i}"), values(&w)));
        }
    }
    out
}

/// `init::calculate_gain` against `torch.nn.init.calculate_gain`, to the last bit: every
/// nonlinearity, and `leaky_relu` at 20 000 slopes, among them ones whose `slope ** 2` (C's
/// `pow`) is not `slope * slope`.
#[test]
fn calculate_gain_is_pythons() {
    use Nonlinearity::*;
    let named = [
        ("linear", Linear),
        ("conv1d", Conv1d),
        ("conv2d", Conv2d),
        ("conv3d", Conv3d),
        ("conv_transpose1d", ConvTranspose1d),
        ("conv_transpose2d", ConvTranspose2d),
        ("conv_transpose3d", ConvTranspose3d),
        ("sigmoid", Sigmoid),
        ("tanh", Tanh),
        ("relu", Relu),
        ("leaky_relu", LeakyRelu),
        ("selu", Selu),
    ];
    // Slopes from 0 to 10 by a fixed LCG, after ones known to part `pow` from `*` here.
    let mut slopes = vec![4.803682136468269, 5f64.sqrt(), 0.01, 0.2, 0.3];
    let mut state: u64 = 7;
    while slopes.len() < 20_000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        slopes.push((state >> 11) as f64 / (1u64 << 53) as f64 * 10.0);
    }
    let mut cases: Vec<(String, Nonlinearity, Option<f64>)> = named
        .iter()
        .map(|&(name, n)| (format!("'{name}' None"), n, None))
        .collect();
    cases.extend(
        slopes
            .iter()
            .map(|&s| (format!("'leaky_relu' {s:?}"), LeakyRelu, Some(s))),
    );
    let script = "import sys\nfrom torch.nn.init import calculate_gain\n\
                  for line in sys.stdin:\n    n, p = line.split()\n    \
                  print(repr(float(calculate_gain(eval(n), eval(p)))))\n";
    let python = xor_repro::run::python::interpreter().expect("run ./scripts/setup.sh first");
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    let input: String = cases
        .iter()
        .map(|(args, _, _)| format!("{args}\n"))
        .collect();
    // Written from another thread: Python answers while it reads, and would fill its stdout
    // pipe while this thread still writes.
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).expect("python reads");
    });
    let out = child.wait_with_output().expect("python answers");
    writer.join().expect("the writer");
    assert!(out.status.success(), "calculate_gain in Python failed");
    let theirs: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.parse().expect("a float"))
        .collect();
    assert_eq!(theirs.len(), cases.len());
    for ((args, n, p), theirs) in cases.iter().zip(&theirs) {
        let ours = init::calculate_gain(*n, *p);
        assert_eq!(
            ours.to_bits(),
            theirs.to_bits(),
            "calculate_gain({args}): {ours:e} against {theirs:e}"
        );
    }
}

/// `nn.Conv2d(3, 8, 3)`, then `nn.Conv2d(8, 4, 3, padding=1, groups=2)`.
fn conv2d_init_entry(
    conv2d: impl Fn(&nn::Path, i64, i64, i64, nn::ConvConfig) -> nn::Conv2D,
) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root();
    let grouped = nn::ConvConfig {
        padding: 1,
        groups: 2,
        ..Default::default()
    };
    let c1 = conv2d(&(&p / "c1"), 3, 8, 3, Default::default());
    let c2 = conv2d(&(&p / "c2"), 8, 4, 3, grouped);
    let bias = |c: &nn::Conv2D| c.bs.as_ref().expect("a bias").shallow_clone();
    named(&[
        ("c1.weight", &c1.ws),
        ("c1.bias", &bias(&c1)),
        ("c2.weight", &c2.ws),
        ("c2.bias", &bias(&c2)),
    ])
}

/// `nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, stride=2,
/// groups=2))` built with `init::conv2d`: its initial parameters, its output on a random batch
/// and the gradients of the input and of every parameter under a random upstream gradient.
fn conv2d_port() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root();
    let padded = nn::ConvConfig {
        padding: 1,
        ..Default::default()
    };
    let strided = nn::ConvConfig {
        stride: 2,
        groups: 2,
        ..Default::default()
    };
    let model = nn::seq()
        .add(init::conv2d(&p / "0", 3, 8, 3, padded))
        .add_fn(|x| x.relu())
        .add(init::conv2d(&p / "2", 8, 4, 3, strided));
    let params = named_parameters(&vs);
    let mut out: Named = params
        .iter()
        .map(|(name, t)| (name.clone(), values(t)))
        .collect();
    let x = Tensor::randn([2, 3, 8, 8], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([2, 4, 3, 3], FLOAT);
    out.extend(forward_backward(&x, &g, |x| model.forward(x)));
    out.extend(
        params
            .iter()
            .map(|(name, t)| (format!("{name}.grad"), values(&t.grad()))),
    );
    out
}

/// tch's `nn::embedding` with its default config: `nn.Embedding(10, 4)`, then
/// `nn.Embedding(3, 5)` (fewer than 16 values).
fn embedding_init_tch() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let e1 = nn::embedding(vs.root() / "e1", 10, 4, Default::default());
    let e2 = nn::embedding(vs.root() / "e2", 3, 5, Default::default());
    named(&[("e1.weight", &e1.ws), ("e2.weight", &e2.ws)])
}

/// `nn.Embedding(10, 4, padding_idx=0)`: its initial weight, its output on 12 random indices
/// and the weight's gradient under a random upstream gradient.
fn embedding_padding_idx_entry(
    embedding: impl Fn(nn::Path, i64, i64, nn::EmbeddingConfig) -> nn::Embedding,
) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let config = nn::EmbeddingConfig {
        padding_idx: 0,
        ..Default::default()
    };
    let emb = embedding(vs.root() / "emb", 10, 4, config);
    let weight = emb.ws.detach().copy();
    let idx = Tensor::randint(10, [12], (Kind::Int64, Device::Cpu));
    let g = Tensor::randn([12, 4], FLOAT);
    let y = emb.forward(&idx);
    (&y * &g).sum(Kind::Float).backward();
    named(&[
        ("weight", &weight),
        ("input.idx", &idx),
        ("input.g", &g),
        ("y", &y),
        ("weight.grad", &emb.ws.grad()),
    ])
}

// ---- optimizers ----------------------------------------------------------------------------

/// `nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))` trained `STEPS` full-batch
/// steps of MSE on random data by the optimizer `make` builds: the loss and the parameters
/// after every step.
fn train(make: impl FnOnce(&nn::VarStore) -> Box<dyn FnMut(&Tensor)>) -> Named {
    train_recording(|vs| {
        let mut step = make(vs);
        Box::new(move |loss| {
            step(loss);
            Vec::new()
        })
    })
}

/// [`train`] whose step also names values of its own (`record` in pytorch_side.py), listed
/// after each step's parameters as `step{s}.{name}`.
fn train_recording(make: impl FnOnce(&nn::VarStore) -> Box<dyn FnMut(&Tensor) -> Named>) -> Named {
    const STEPS: usize = 10;
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root();
    // Layer "2" in tch's param group 1 (the `param-groups` row sets its options; every other
    // tch optimizer here gives both groups the same).
    let model = nn::seq()
        .add(init::linear(&p / "0", 8, 32))
        .add_fn(|x| x.tanh())
        .add(init::linear((&p / "2").set_group(1), 32, 1));
    let x = Tensor::randn([16, 8], FLOAT);
    let y = Tensor::randn([16, 1], FLOAT);
    let mut out = named(&[("input.x", &x), ("input.y", &y)]);
    let params = named_parameters(&vs);
    let snapshot = |prefix: &str| -> Named {
        params
            .iter()
            .map(|(name, t)| (format!("{prefix}.{name}"), values(t)))
            .collect()
    };
    out.extend(snapshot("input"));
    let mut step = make(&vs);
    for s in 0..STEPS {
        let loss = model.forward(&x).mse_loss(&y, Reduction::Mean);
        let recorded = step(&loss);
        out.push((format!("step{s}.loss"), values(&loss)));
        out.extend(snapshot(&format!("step{s}")));
        out.extend(
            recorded
                .into_iter()
                .map(|(name, v)| (format!("step{s}.{name}"), v)),
        );
    }
    out
}

/// [`train`] with tch's own optimizer `config` (`opt.backward_step(&loss)`).
fn tch_trains(config: impl OptimizerConfig, lr: f64) -> Named {
    train(|vs| {
        let mut opt = config.build(vs, lr).expect("tch builds the optimizer");
        Box::new(move |loss| opt.backward_step(loss))
    })
}

/// [`train`] with the `xor_repro_port::optim::Adam` that `make` builds.
fn port_trains(make: fn(&nn::VarStore) -> Adam) -> Named {
    train(|vs| {
        let mut opt = make(vs);
        Box::new(move |loss| opt.backward_step(loss))
    })
}

/// [`train`] with the optimizer `make` builds, each step `backward_step(opt, loss)`.
fn trains<O: 'static>(
    make: impl FnOnce(&nn::VarStore) -> O,
    backward_step: fn(&mut O, &Tensor),
) -> Named {
    train(|vs| {
        let mut opt = make(vs);
        Box::new(move |loss| backward_step(&mut opt, loss))
    })
}

/// [`train`] with an optimizer written by hand in tch's arithmetic operators, as a port
/// writes one that tch lacks: `update(param, grad, state, step)` on each parameter, its three
/// state tensors made as zeros, `step` counted from 1.
fn by_hand(update: fn(&mut Tensor, &Tensor, &mut [Tensor], f64)) -> Named {
    train(|vs| {
        let params: Vec<Tensor> = named_parameters(vs).into_iter().map(|(_, t)| t).collect();
        let mut state: Vec<Vec<Tensor>> = params
            .iter()
            .map(|p| vec![p.zeros_like(), p.zeros_like(), p.zeros_like()])
            .collect();
        let mut step = 0.0;
        Box::new(move |loss| {
            for p in &params {
                let mut p = p.shallow_clone();
                p.zero_grad();
            }
            loss.backward();
            step += 1.0;
            tch::no_grad(|| {
                for (p, s) in params.iter().zip(state.iter_mut()) {
                    let mut p = p.shallow_clone();
                    let g = p.grad();
                    update(&mut p, &g, s, step);
                }
            });
        })
    })
}

/// Adagrad from its paper's formula: `sum += g²`, `p -= clr · g / (√sum + eps)`.
fn adagrad_by_hand(
    p: &mut Tensor,
    g: &Tensor,
    s: &mut [Tensor],
    step: f64,
    lr: f64,
    lr_decay: f64,
    wd: f64,
) {
    let g = if wd != 0.0 {
        g + &*p * wd
    } else {
        g.shallow_clone()
    };
    s[0] += &g * &g;
    let clr = lr / (1.0 + (step - 1.0) * lr_decay);
    *p -= &g / (s[0].sqrt() + 1e-10) * clr;
}

/// Adadelta from its paper's formula: `E[g²]`, the update `√(E[Δ²] + eps) / √(E[g²] + eps) · g`,
/// `E[Δ²]`, `p -= lr · Δ`.
fn adadelta_by_hand(p: &mut Tensor, g: &Tensor, s: &mut [Tensor], lr: f64, rho: f64, wd: f64) {
    let g = if wd != 0.0 {
        g + &*p * wd
    } else {
        g.shallow_clone()
    };
    s[0] = &s[0] * rho + &g * &g * (1.0 - rho);
    let delta = (&s[1] + 1e-6).sqrt() / (&s[0] + 1e-6).sqrt() * &g;
    s[1] = &s[1] * rho + &delta * &delta * (1.0 - rho);
    *p -= delta * lr;
}

/// [`train`] with tch's `nn::Sgd` at lr 0.1 (which agrees with `optim.SGD`: `sgd`), each
/// step made by `step(opt, loss)`.
fn sgd_trains(step: fn(&mut nn::Optimizer, &Tensor)) -> Named {
    train(|vs| {
        let mut opt = nn::Sgd::default().build(vs, 0.1).expect("tch builds SGD");
        Box::new(move |loss| step(&mut opt, loss))
    })
}

/// The parameters as `model.parameters()` lists them.
type Params = Vec<(String, Tensor)>;

/// [`train`] with tch's `nn::Sgd` at lr 0.1, `clip(params)` between `backward` and `step`.
fn sgd_trains_clipped(clip: fn(&Params)) -> Named {
    train(|vs| {
        let mut opt = nn::Sgd::default().build(vs, 0.1).expect("tch builds SGD");
        let params = named_parameters(vs);
        Box::new(move |loss| {
            opt.zero_grad();
            loss.backward();
            clip(&params);
            opt.step();
        })
    })
}

/// `clip_grad_norm_(params, max_norm, norm_type)` as a tch user writes it after tch's own
/// `Optimizer::clip_grad_norm`, with the norm type: each gradient's norm, the norm of those,
/// the coefficient in `f64`, the gradients scaled when it is below 1.
fn clip_norm_by_hand(params: &Params, max_norm: f64, norm_type: f64) {
    tch::no_grad(|| {
        let grads: Vec<Tensor> = params.iter().map(|(_, p)| p.grad()).collect();
        let norms: Vec<Tensor> = grads
            .iter()
            .map(|g| g.flatten(0, -1).norm_scalaropt_dim(norm_type, [0], false))
            .collect();
        let total = Tensor::stack(&norms, 0).norm_scalaropt_dim(norm_type, [0], false);
        let coef = max_norm / (f64::try_from(&total).expect("a norm") + 1e-6);
        if coef < 1.0 {
            for mut g in grads {
                let _ = g.g_mul_scalar_(coef);
            }
        }
    })
}

// ---- schedulers ---------------------------------------------------------------------------

/// Steps of the scheduler entries (`SCHEDULE_STEPS` in pytorch_side.py).
const SCHEDULE_STEPS: i64 = 100;

/// The scheduler `make` builds on `optim::Adam(lr=0.1)`: the learning rate and beta1 when
/// made and after each of `SCHEDULE_STEPS` steps (`schedule` in pytorch_side.py).
fn schedule(make: fn(&mut Adam) -> Box<dyn LrScheduler>) -> Named {
    let p = Tensor::zeros([1], FLOAT).set_requires_grad(true);
    let mut opt = Adam::new(vec![p], 0.1);
    let mut sched = make(&mut opt);
    let (mut lrs, mut beta1) = (vec![sched.get_last_lr()], vec![opt.get_betas().0]);
    for _ in 0..SCHEDULE_STEPS {
        opt.step();
        sched.step(&mut opt);
        lrs.push(sched.get_last_lr());
        beta1.push(opt.get_betas().0);
    }
    vec![("lr".into(), lrs), ("beta1".into(), beta1)]
}

/// A schedule as a port writes it by hand from PyTorch's docs: `lr(epoch)` in closed form,
/// beta1 left at Adam's 0.9.
fn closed_form(lr: fn(i64) -> f64) -> Named {
    let epochs = 0..=SCHEDULE_STEPS;
    vec![
        ("lr".into(), epochs.clone().map(lr).collect()),
        ("beta1".into(), epochs.map(|_| 0.9).collect()),
    ]
}

/// CyclicLR's triangle from 0.001 to 0.1 by hand: up `up` steps, down `down`, the height
/// times `scale`; beta1 left alone.
fn cyclic_by_hand(e: i64, up: i64, down: i64, scale: f64) -> f64 {
    let t = e % (up + down);
    let frac = if t <= up {
        t as f64 / up as f64
    } else {
        1.0 - (t - up) as f64 / down as f64
    };
    0.001 + (0.1 - 0.001) * frac * scale
}

/// The metric the ReduceLROnPlateau entry steps on (`plateau_metric` in pytorch_side.py).
fn plateau_metric(e: i64) -> f64 {
    (e % 9) as f64 * 0.1 + 1.0 / (1 + e) as f64
}

/// A plateau schedule by hand: `next(lr, bad_epochs, best, metric)` each step, from
/// `optim::Adam(lr=0.1)`.
fn plateau(next: fn(f64, &mut i64, &mut f64, f64) -> f64) -> Named {
    let (mut lr, mut bad, mut best) = (0.1, 0, f64::INFINITY);
    let mut lrs = vec![lr];
    for e in 0..SCHEDULE_STEPS {
        lr = next(lr, &mut bad, &mut best, plateau_metric(e));
        lrs.push(lr);
    }
    vec![("lr".into(), lrs)]
}

/// `ReduceLROnPlateau(opt, factor=0.5, patience=3, threshold=0.01, cooldown=2,
/// min_lr=0.002)` on `optim::Adam(lr=0.1)`.
fn plateau_port() -> Named {
    let p = Tensor::zeros([1], FLOAT).set_requires_grad(true);
    let mut opt = Adam::new(vec![p], 0.1);
    let mut sched = ReduceLROnPlateau::new(&opt)
        .factor(0.5)
        .patience(3)
        .threshold(0.01, ThresholdMode::Rel)
        .cooldown(2)
        .min_lr(0.002);
    let mut lrs = vec![sched.get_last_lr()];
    for e in 0..SCHEDULE_STEPS {
        opt.step();
        sched.step(&mut opt, plateau_metric(e));
        lrs.push(sched.get_last_lr());
    }
    vec![("lr".into(), lrs)]
}

/// OneCycleLR's learning rate as the docs and the paper describe it: up from
/// `max_lr / 25` for 30 % of the steps, then down to `max_lr / 25 / 1e4`, each half a cosine
/// (`min + (max − min)·(1 + cos(π·t))/2`).
fn one_cycle_by_hand(max_lr: f64, total: i64, e: i64) -> f64 {
    let (initial, up) = (max_lr / 25.0, (0.3 * total as f64) - 1.0);
    let min = initial / 1e4;
    let cos = |t: f64| (1.0 + (std::f64::consts::PI * t).cos()) / 2.0;
    let e = e as f64;
    if e <= up {
        initial + (max_lr - initial) * (1.0 - cos(e / up))
    } else {
        min + (max_lr - min) * cos((e - up) / (total as f64 - 1.0 - up))
    }
}

/// OneCycleLR with `three_phase=True, anneal_strategy="linear"` by hand: up, down to the
/// start, and down to the end, each a straight line.
fn one_cycle_linear_three_phase_by_hand(max_lr: f64, total: i64, e: i64) -> f64 {
    let (initial, up) = (max_lr / 25.0, 0.3 * total as f64 - 1.0);
    let (min, down, e) = (initial / 1e4, 2.0 * up, e as f64);
    let line = |a: f64, b: f64, t: f64| a + (b - a) * t;
    if e <= up {
        line(initial, max_lr, e / up)
    } else if e <= down {
        line(max_lr, initial, (e - up) / (down - up))
    } else {
        line(initial, min, (e - down) / (total as f64 - 1.0 - down))
    }
}

/// `optim::RMSprop` where tch's `nn::RmsProp` already agrees (the rows `rmsprop` and
/// `rmsprop-maximize` hold tch's): the port must agree too.
#[test]
fn rmsprop_port_where_tch_agrees() {
    let entries: [(&str, fn() -> Named); 2] = [
        ("rmsprop", || {
            trains(|vs| RMSprop::new(vs, 0.01), RMSprop::backward_step)
        }),
        ("rmsprop-maximize", || {
            trains(
                |vs| RMSprop::new(vs, 0.01).maximize(true),
                RMSprop::backward_step,
            )
        }),
    ];
    for (id, ours) in entries {
        let ours = {
            let _turn = global_generator();
            ours()
        };
        let tally = compare(id, "RMSprop", pytorch(id), &ours);
        println!("{}", tally.line(&format!("{id}: RMSprop")));
        assert!(tally.all_identical(), "{}", tally.line("RMSprop"));
    }
}

/// `LambdaLR` and `CosineAnnealingWarmRestarts` themselves against PyTorch's `lambda-lr` and
/// `cosine-annealing-warm-restarts` entries (whose rows hold the hand-written closed forms,
/// which is what these two compute).
#[test]
fn schedulers_where_by_hand_agrees() {
    let entries: [(&str, fn() -> Named); 2] = [
        ("lambda-lr", || {
            schedule(|o| Box::new(LambdaLR::new(o, |e| 0.95f64.powf(e as f64))))
        }),
        ("cosine-annealing-warm-restarts", || {
            schedule(|o| Box::new(CosineAnnealingWarmRestarts::new(o, 10, 2, 0.001)))
        }),
    ];
    for (id, ours) in entries {
        let tally = compare(id, "lr_scheduler", pytorch(id), &ours());
        println!("{}", tally.line(&format!("{id}: lr_scheduler")));
        assert!(tally.all_identical(), "{}", tally.line("lr_scheduler"));
    }
}

// ---- losses --------------------------------------------------------------------------------

fn logits_and_labels() -> (Tensor, Tensor) {
    tch::manual_seed(SEED);
    let logits = Tensor::randn([64, 1], FLOAT).set_requires_grad(true);
    let y = Tensor::rand([64, 1], FLOAT).gt(0.5).to_kind(Kind::Float);
    (logits, y)
}

fn loss_values(inputs: &[(&str, &Tensor)], loss: &Tensor, x: (&str, &Tensor)) -> Named {
    loss.backward();
    let mut out = named(inputs);
    out.extend(named(&[("loss", loss), (x.0, &x.1.grad())]));
    out
}

fn bce_tch() -> Named {
    let (logits, y) = logits_and_labels();
    let loss = logits
        .sigmoid()
        .binary_cross_entropy::<Tensor>(&y, None, Reduction::Mean);
    loss_values(
        &[("input.logits", &logits), ("input.y", &y)],
        &loss,
        ("logits.grad", &logits),
    )
}

fn bce_with_logits_tch() -> Named {
    let (logits, y) = logits_and_labels();
    let loss = logits.binary_cross_entropy_with_logits::<Tensor>(&y, None, None, Reduction::Mean);
    loss_values(
        &[("input.logits", &logits), ("input.y", &y)],
        &loss,
        ("logits.grad", &logits),
    )
}

fn cross_entropy_tch() -> Named {
    tch::manual_seed(SEED);
    let logits = Tensor::randn([32, 5], FLOAT).set_requires_grad(true);
    let y = Tensor::randint(5, [32], (Kind::Int64, Device::Cpu));
    let loss = logits.cross_entropy_for_logits(&y);
    loss_values(
        &[("input.logits", &logits), ("input.y", &y)],
        &loss,
        ("logits.grad", &logits),
    )
}

fn mse_loss_tch() -> Named {
    tch::manual_seed(SEED);
    let pred = Tensor::randn([32, 3], FLOAT).set_requires_grad(true);
    let y = Tensor::randn([32, 3], FLOAT);
    let loss = pred.mse_loss(&y, Reduction::Mean);
    loss_values(
        &[("input.pred", &pred), ("input.y", &y)],
        &loss,
        ("pred.grad", &pred),
    )
}

/// `y = f(x)` and `x.grad` under the upstream gradient `g`, through `(y * g).sum()`.
fn forward_backward(x: &Tensor, g: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> Named {
    let y = f(x);
    (&y * g).sum(Kind::Float).backward();
    named(&[
        ("input.x", x),
        ("input.g", g),
        ("y", &y),
        ("x.grad", &x.grad()),
    ])
}

fn softmax_entry(f: fn(&Tensor) -> Tensor) -> Named {
    tch::manual_seed(SEED);
    let x = Tensor::randn([16, 10], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([16, 10], FLOAT);
    forward_backward(&x, &g, f)
}

fn activation(f: fn(&Tensor) -> Tensor) -> Named {
    tch::manual_seed(SEED);
    let x = (Tensor::randn([1000], FLOAT) * 3.0).set_requires_grad(true);
    let g = Tensor::randn([1000], FLOAT);
    forward_backward(&x, &g, f)
}

// ---- data ----------------------------------------------------------------------------------

/// Rows, batch size and epochs of the DataLoader entries (`N, B, EPOCHS` in pytorch_side.py).
const ROWS: i64 = 100;
const BATCH: i64 = 32;
const EPOCHS: usize = 3;

/// `EPOCHS` epochs of one loader, one of a second with `drop_last`, then `torch.rand(4)`: the
/// rows of each epoch's batches, concatenated. `epoch(drop_last)` makes one epoch's batches of
/// row indices (as `arange(ROWS)` rows).
fn epochs(epoch: fn(bool) -> Vec<Tensor>) -> Named {
    tch::manual_seed(SEED);
    let mut out: Named = (0..EPOCHS)
        .map(|e| (format!("epoch{e}"), values(&Tensor::cat(&epoch(false), 0))))
        .collect();
    out.push((
        format!("epoch{EPOCHS}.drop_last"),
        values(&Tensor::cat(&epoch(true), 0)),
    ));
    out.push(("after.rand".to_string(), values(&Tensor::rand([4], FLOAT))));
    out
}

fn rows() -> Tensor {
    Tensor::arange(ROWS, (Kind::Int64, Device::Cpu))
}

/// The tch way a port shuffles each epoch: a `Tensor::randperm`, split into batches.
fn randperm_epoch(drop_last: bool) -> Vec<Tensor> {
    let order = Tensor::randperm(ROWS, (Kind::Int64, Device::Cpu));
    batches(rows().index_select(0, &order), drop_last)
}

/// The tch way without shuffling: the rows split into batches.
fn in_order_epoch(drop_last: bool) -> Vec<Tensor> {
    batches(rows(), drop_last)
}

fn batches(rows: Tensor, drop_last: bool) -> Vec<Tensor> {
    rows.split(BATCH, 0)
        .into_iter()
        .filter(|b| !drop_last || b.size()[0] == BATCH)
        .collect()
}

/// tch's own mini-batch iterator: `Iter2::new(xs, ys, batch).shuffle()`, keeping the smaller
/// last batch unless `drop_last`.
fn iter2_epoch(drop_last: bool) -> Vec<Tensor> {
    let (xs, ys) = (rows(), rows());
    let mut it = Iter2::new(&xs, &ys, BATCH);
    it.shuffle();
    if !drop_last {
        it.return_smaller_last_batch();
    }
    it.map(|(xb, _)| xb).collect()
}

/// `xor_repro_port::data::DataLoader` over `TensorDataset(arange(ROWS), arange(ROWS))`.
fn loader_epoch(shuffle: bool) -> fn(bool) -> Vec<Tensor> {
    fn shuffled(drop_last: bool) -> Vec<Tensor> {
        epoch_of(
            DataLoader::new(ROWS, BATCH)
                .shuffle(true)
                .drop_last(drop_last),
        )
    }
    fn in_order(drop_last: bool) -> Vec<Tensor> {
        epoch_of(DataLoader::new(ROWS, BATCH).drop_last(drop_last))
    }
    if shuffle {
        shuffled
    } else {
        in_order
    }
}

fn epoch_of(loader: DataLoader) -> Vec<Tensor> {
    let (xs, ys) = (rows(), rows());
    let epoch: Vec<Tensor> = loader.iter2(&xs, &ys).map(|(xb, _)| xb).collect();
    assert_eq!(epoch.len(), loader.len(), "len(loader)");
    epoch
}

// ---- samplers, random_split, DataLoader(generator=) ----------------------------------------
// Each entry (pytorch_side.py's of the same id) records what a sampler yields over two
// epochs (a loader's over five), then a draw on the global generator, which shows whether
// the sampler drew from it. The idiomatic tch side draws with tch's global-generator calls,
// and stands in for a `torch.Generator(seed)` by reseeding the global generator.

/// Weights and indices of the sampler entries (`WEIGHTS`, `SUBSET` in pytorch_side.py).
const WEIGHTS: [f64; 8] = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6, 0.0, 1.2];
const SUBSET: [i64; 10] = [3, 14, 15, 92, 65, 35, 89, 79, 32, 38];

fn ints(name: impl Into<String>, v: &[i64]) -> (String, Vec<f64>) {
    (name.into(), v.iter().map(|&i| i as f64).collect())
}

fn after_rand(mut out: Named) -> Named {
    out.push(("after.rand".to_string(), values(&Tensor::rand([4], FLOAT))));
    out
}

fn long(t: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(t).expect("int64")
}

/// `Tensor::randperm(n)` on the global generator.
fn global_randperm(n: i64) -> Vec<i64> {
    long(&Tensor::randperm(n, (Kind::Int64, Device::Cpu)))
}

fn split_by(order: &[i64], lengths: &[usize]) -> Vec<Vec<i64>> {
    let mut start = 0;
    lengths
        .iter()
        .map(|&l| {
            start += l;
            order[start - l..start].to_vec()
        })
        .collect()
}

fn random_split_tch() -> Named {
    tch::manual_seed(SEED);
    let mut out: Named = split_by(&global_randperm(ROWS), &[30, 50, 20])
        .iter()
        .enumerate()
        .map(|(i, s)| ints(format!("lengths.{i}"), s))
        .collect();
    tch::manual_seed(42);
    let fractions = split_by(&global_randperm(ROWS), &[30, 30, 40]);
    out.extend(
        fractions
            .iter()
            .enumerate()
            .map(|(i, s)| ints(format!("fractions.{i}"), s)),
    );
    after_rand(out)
}

fn random_split_port() -> Named {
    tch::manual_seed(SEED);
    let mut out: Named = data::random_split(&[30, 50, 20], None)
        .iter()
        .enumerate()
        .map(|(i, s)| ints(format!("lengths.{i}"), s))
        .collect();
    let g = data::Generator::manual_seed(42);
    let lengths = data::split_lengths(ROWS as usize, &[0.3, 0.3, 0.4]);
    out.extend(
        data::random_split(&lengths, Some(&g))
            .iter()
            .enumerate()
            .map(|(i, s)| ints(format!("fractions.{i}"), s)),
    );
    after_rand(out)
}

fn random_sampler_tch() -> Named {
    tch::manual_seed(SEED);
    let randint = |n: i64| long(&Tensor::randint(ROWS, [n], (Kind::Int64, Device::Cpu)));
    let mut out: Named = (0..2)
        .map(|e| ints(format!("replacement.epoch{e}"), &randint(70)))
        .collect();
    let mut more: Vec<i64> = (0..3).flat_map(|_| global_randperm(ROWS)).collect();
    more.truncate(250);
    out.push(ints("num_samples.epoch0", &more));
    tch::manual_seed(42);
    out.extend((0..2).map(|e| ints(format!("generator.epoch{e}"), &randint(40))));
    after_rand(out)
}

fn random_sampler_port() -> Named {
    tch::manual_seed(SEED);
    let mut with_replacement = RandomSampler::new(ROWS).replacement(true).num_samples(70);
    let mut out: Named = (0..2)
        .map(|e| ints(format!("replacement.epoch{e}"), &with_replacement.indices()))
        .collect();
    let mut more = RandomSampler::new(ROWS).num_samples(250);
    assert_eq!(more.len(), 250, "len(sampler)");
    out.push(ints("num_samples.epoch0", &more.indices()));
    let g = data::Generator::manual_seed(42);
    let mut mine = RandomSampler::new(ROWS)
        .replacement(true)
        .num_samples(40)
        .generator(g);
    out.extend((0..2).map(|e| ints(format!("generator.epoch{e}"), &mine.indices())));
    after_rand(out)
}

fn subset_sampler(port: bool) -> Named {
    tch::manual_seed(SEED);
    let by_hand = || -> Vec<i64> {
        let order = global_randperm(SUBSET.len() as i64);
        order.iter().map(|&i| SUBSET[i as usize]).collect()
    };
    let mut out: Named = Vec::new();
    for e in 0..2 {
        let epoch = match port {
            true => SubsetRandomSampler::new(SUBSET.to_vec()).indices(),
            false => by_hand(),
        };
        out.push(ints(format!("global.epoch{e}"), &epoch));
    }
    let mut mine =
        SubsetRandomSampler::new(SUBSET.to_vec()).generator(data::Generator::manual_seed(3));
    if !port {
        tch::manual_seed(3);
    }
    for e in 0..2 {
        let epoch = match port {
            true => mine.indices(),
            false => by_hand(),
        };
        out.push(ints(format!("generator.epoch{e}"), &epoch));
    }
    after_rand(out)
}

fn weighted_sampler(port: bool) -> Named {
    tch::manual_seed(SEED);
    let w = Tensor::from_slice(&WEIGHTS);
    let by_hand = |n: i64, replacement: bool| long(&w.multinomial(n, replacement));
    let mut out: Named = Vec::new();
    for e in 0..2 {
        let epoch = match port {
            true => WeightedRandomSampler::new(WEIGHTS.to_vec(), 50).indices(),
            false => by_hand(50, true),
        };
        out.push(ints(format!("global.epoch{e}"), &epoch));
    }
    let no_replacement = match port {
        true => WeightedRandomSampler::new(WEIGHTS.to_vec(), 5)
            .replacement(false)
            .indices(),
        false => by_hand(5, false),
    };
    out.push(ints("global.no_replacement", &no_replacement));
    let mut mine = WeightedRandomSampler::new(WEIGHTS.to_vec(), 50)
        .generator(data::Generator::manual_seed(11));
    if !port {
        tch::manual_seed(11);
    }
    for e in 0..2 {
        let epoch = match port {
            true => mine.indices(),
            false => by_hand(50, true),
        };
        out.push(ints(format!("generator.epoch{e}"), &epoch));
    }
    after_rand(out)
}

fn batch_sampler_entry(port: bool) -> Named {
    tch::manual_seed(SEED);
    let batch = BATCH as usize;
    let mut out: Named = Vec::new();
    for drop_last in [false, true] {
        let mut sampler = BatchSampler::new(RandomSampler::new(ROWS), batch, drop_last);
        let len = match port {
            true => sampler.len(),
            false => {
                (ROWS as usize / batch)
                    + usize::from(!drop_last && !(ROWS as usize).is_multiple_of(batch))
            }
        };
        out.push(ints(
            format!("drop_last={}.len", py_bool(drop_last)),
            &[len as i64],
        ));
        for e in 0..2 {
            let batches: Vec<Vec<i64>> = match port {
                true => sampler.batches(),
                false => global_randperm(ROWS)
                    .chunks(batch)
                    .filter(|b| !drop_last || b.len() == batch)
                    .map(<[i64]>::to_vec)
                    .collect(),
            };
            let flat: Vec<i64> = batches.concat();
            out.push(ints(
                format!("drop_last={}.epoch{e}", py_bool(drop_last)),
                &flat,
            ));
        }
    }
    after_rand(out)
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn loader_generator(port: bool) -> Named {
    tch::manual_seed(SEED);
    let g = data::Generator::manual_seed(42);
    let loader = DataLoader::new(ROWS, BATCH)
        .shuffle(true)
        .generator(g.clone());
    let in_order = DataLoader::new(ROWS, BATCH).generator(g).drop_last(true);
    if !port {
        tch::manual_seed(42);
    }
    let shuffled = |_| match port {
        true => values(&Tensor::cat(&epoch_of(loader.clone()), 0)),
        false => values(&Tensor::cat(&randperm_epoch(false), 0)),
    };
    let mut out: Named = (0..EPOCHS)
        .map(|e| (format!("epoch{e}"), shuffled(e)))
        .collect();
    let ordered = match port {
        true => epoch_of(in_order),
        false => in_order_epoch(true),
    };
    out.push((
        format!("epoch{EPOCHS}.in_order"),
        values(&Tensor::cat(&ordered, 0)),
    ));
    out.push((format!("epoch{}", EPOCHS + 1), shuffled(EPOCHS)));
    after_rand(out)
}

// ---- dropout and arithmetic ----------------------------------------------------------------

fn dropout_tch() -> Named {
    tch::manual_seed(SEED);
    let x = Tensor::randn([8, 16], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([8, 16], FLOAT);
    let mut out = forward_backward(&x, &g, |x| x.dropout(0.3, true));
    out.push(("after.rand".to_string(), values(&Tensor::rand([4], FLOAT))));
    out
}

/// `1.0 / x` and `3.0 / x`, and `x.grad` through `(y1 * g + y3).sum()`.
fn rdiv_entry(div: fn(f64, &Tensor) -> Tensor) -> Named {
    tch::manual_seed(SEED);
    let x = (Tensor::rand([64], FLOAT) * 4.0 - 2.0).set_requires_grad(true);
    let g = Tensor::randn([64], FLOAT);
    let (y1, y3) = (div(1.0, &x), div(3.0, &x));
    (&y1 * &g + &y3).sum(Kind::Float).backward();
    named(&[
        ("input.x", &x),
        ("input.g", &g),
        ("one_over_x", &y1),
        ("three_over_x", &y3),
        ("x.grad", &x.grad()),
    ])
}

/// `1.0 - x` on halves from 0 to 2 (a quarter of them 1), and `x.grad`.
fn rsub_entry(sub: fn(f64, &Tensor) -> Tensor) -> Named {
    tch::manual_seed(SEED);
    let x = ((Tensor::rand([64], FLOAT) * 4.0).round() / 2.0).set_requires_grad(true);
    let g = Tensor::randn([64], FLOAT);
    forward_backward(&x, &g, |x| sub(1.0, x))
}

/// `torch.add(a, b, alpha=0.3)`.
fn add_alpha_entry(add: fn(&Tensor, &Tensor, f64) -> Tensor) -> Named {
    tch::manual_seed(SEED);
    let a = Tensor::randn([1000], FLOAT);
    let b = Tensor::randn([1000], FLOAT);
    named(&[("input.a", &a), ("input.b", &b), ("y", &add(&a, &b, 0.3))])
}

/// `optim::Adam::zero_grad` leaves no gradient, as `optimizer.zero_grad()` (set to none).
#[test]
fn adam_zero_grad_sets_gradients_to_none() {
    let x = Tensor::ones([3], FLOAT).set_requires_grad(true);
    let mut opt = optim::Adam::new(vec![x.shallow_clone()], 0.1);
    (&x * 2.0).sum(Kind::Float).backward();
    assert!(x.grad().defined());
    opt.zero_grad();
    assert!(!x.grad().defined(), "a gradient is left after zero_grad");
}

/// `nn_utils::try_clip_grad_norm_` (`error_if_nonfinite=True`) refuses an infinite or NaN
/// total norm and leaves the gradients as they were; `clip_grad_norm_` scales by it.
#[test]
fn clip_grad_norm_error_if_nonfinite() {
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).set_requires_grad(true);
    let inf = Tensor::from_slice(&[1.0f32, f32::INFINITY, 0.5]);
    (&x * &inf).sum(Kind::Float).backward();
    let before = values(&x.grad());
    let params = vec![x.shallow_clone()];
    for norm_type in [2.0, 1.0, f64::INFINITY] {
        let err = nn_utils::try_clip_grad_norm_(&params, 1.0, norm_type)
            .expect_err("an infinite gradient has an infinite norm");
        assert_eq!(err.norm_type, norm_type);
        assert!(err.total_norm.is_infinite());
        assert_eq!(values(&x.grad()), before, "the gradients were changed");
    }
    let total = nn_utils::clip_grad_norm_(&params, 1.0, 2.0);
    assert!(f64::try_from(&total).unwrap().is_infinite());
    // PyTorch: clip_coef = 1 / (inf + 1e-6) = 0, and inf * 0 is NaN.
    let after = values(&x.grad());
    assert_eq!(after[0], 0.0);
    assert!(after[1].is_nan());
}

/// The other optimizers' `zero_grad` leaves no gradient either.
#[test]
fn other_optimizers_zero_grad_set_gradients_to_none() {
    let x = Tensor::ones([3], FLOAT).set_requires_grad(true);
    let mut opts: Vec<Box<dyn FnMut()>> = vec![
        Box::new({
            let mut o = RMSprop::new(vec![x.shallow_clone()], 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = Adagrad::new(vec![x.shallow_clone()], 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = Adadelta::new(vec![x.shallow_clone()], 0.1);
            move || o.zero_grad()
        }),
    ];
    for zero_grad in opts.iter_mut() {
        (&x * 2.0).sum(Kind::Float).backward();
        assert!(x.grad().defined());
        zero_grad();
        assert!(!x.grad().defined(), "a gradient is left after zero_grad");
    }
}

// ---- optim2: the rest of torch.optim ------------------------------------------------------

/// Adamax from its paper's formula: `m = β₁m + (1−β₁)g`, `u = max(β₂u, |g| + eps)`,
/// `p -= lr / (1 − β₁ᵗ) · m / u`.
#[allow(clippy::too_many_arguments)]
fn adamax_by_hand(
    p: &mut Tensor,
    g: &Tensor,
    s: &mut [Tensor],
    t: f64,
    lr: f64,
    (b1, b2): (f64, f64),
    eps: f64,
    wd: f64,
) {
    let g = g + &*p * wd;
    s[0] = &s[0] * b1 + &g * (1.0 - b1);
    s[1] = (&s[1] * b2).maximum(&(g.abs() + eps));
    *p -= &s[0] / &s[1] * (lr / (1.0 - b1.powf(t)));
}

/// NAdam from its docs' formula at lr 0.01: `μₜ = β₁(1 − ½·0.96^(tψ))`, the product of the
/// `μ`s in `f64`, `p -= lr(1−μₜ)/(1−Πμ)·g/(√v̂ + eps) + lr·μₜ₊₁/(1−Πμ·μₜ₊₁)·m/(√v̂ + eps)`.
fn nadam_by_hand(
    p: &mut Tensor,
    g: &Tensor,
    s: &mut [Tensor],
    t: f64,
    wd: f64,
    psi: f64,
    decoupled: bool,
) {
    let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-8);
    let g = if decoupled {
        *p *= 1.0 - lr * wd;
        g.shallow_clone()
    } else {
        g + &*p * wd
    };
    let mu = |t: f64| b1 * (1.0 - 0.5 * 0.96f64.powf(t * psi));
    let product: f64 = (1..=t as i64).map(|i| mu(i as f64)).product();
    s[0] = &s[0] * b1 + &g * (1.0 - b1);
    s[1] = &s[1] * b2 + &g * &g * (1.0 - b2);
    let denom = (&s[1] / (1.0 - b2.powf(t))).sqrt() + eps;
    let step = &g / &denom * (lr * (1.0 - mu(t)) / (1.0 - product))
        + &s[0] / &denom * (lr * mu(t + 1.0) / (1.0 - product * mu(t + 1.0)));
    *p -= step;
}

/// RAdam from its docs' formula at lr 0.01: `m̂ = m / (1 − β₁ᵗ)`; with `ρₜ > 5`,
/// `p -= lr · m̂ · rₜ · √(1 − β₂ᵗ) / (√v + eps)`, else `p -= lr · m̂`.
fn radam_by_hand(
    p: &mut Tensor,
    g: &Tensor,
    s: &mut [Tensor],
    t: f64,
    (b1, b2): (f64, f64),
    wd: f64,
    decoupled: bool,
) {
    let (lr, eps) = (0.01, 1e-8);
    let g = if decoupled {
        *p *= 1.0 - lr * wd;
        g.shallow_clone()
    } else {
        g + &*p * wd
    };
    s[0] = &s[0] * b1 + &g * (1.0 - b1);
    s[1] = &s[1] * b2 + &g * &g * (1.0 - b2);
    let m_hat = &s[0] / (1.0 - b1.powf(t));
    let rho_inf = 2.0 / (1.0 - b2) - 1.0;
    let rho = rho_inf - 2.0 * t * b2.powf(t) / (1.0 - b2.powf(t));
    if rho > 5.0 {
        let r = ((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho))
            .sqrt();
        let l = (s[1].sqrt() + eps).reciprocal() * (1.0 - b2.powf(t)).sqrt();
        *p -= m_hat * l * (lr * r);
    } else {
        *p -= m_hat * lr;
    }
}

/// Rprop from its paper at lr 0.01: the step size times `η⁺` where the gradient kept its
/// sign, `η⁻` where it changed (and the gradient then taken as 0), clamped;
/// `p -= sign(g) · step`.
fn rprop_by_hand(
    p: &mut Tensor,
    g: &Tensor,
    s: &mut [Tensor],
    t: f64,
    (eta_minus, eta_plus): (f64, f64),
    (min, max): (f64, f64),
) {
    if t == 1.0 {
        let _ = s[1].fill_(0.01);
    }
    let product = g * &s[0];
    let inner = Tensor::where_scalar(&product.lt(0.0), eta_minus, 1.0);
    let factor = Tensor::where_scalarself(&product.gt(0.0), eta_plus, &inner).to_kind(Kind::Float);
    s[1] = (&s[1] * &factor).clamp(min, max);
    let g = g.where_self(&product.ge(0.0), &g.zeros_like());
    *p -= g.sign() * &s[1];
    s[0] = g;
}

/// ASGD from its paper, eta and mu in `f64` (`ηₜ = lr / (1 + λ·lr·(t−1))^α`, `μₜ = 1 /
/// max(1, t − 1 − t0)`): `p = p(1 − λη) − ηg`, `ax += (p − ax)·μ`; the parameters and `ax`.
fn asgd_by_hand(lr: f64, lambd: f64, alpha: f64, t0: f64, wd: f64, maximize: bool) -> Named {
    train_recording(move |vs| {
        let named = named_parameters(vs);
        let mut ax: Vec<Tensor> = named.iter().map(|(_, p)| p.zeros_like()).collect();
        let mut t = 0.0;
        Box::new(move |loss| {
            for (_, p) in &named {
                p.shallow_clone().zero_grad();
            }
            let loss = if maximize {
                -loss
            } else {
                loss.shallow_clone()
            };
            loss.backward();
            t += 1.0;
            let eta = lr / (1.0 + lambd * lr * (t - 1.0)).powf(alpha);
            let mu = 1.0 / f64::max(1.0, t - 1.0 - t0);
            tch::no_grad(|| {
                for ((_, p), ax) in named.iter().zip(ax.iter_mut()) {
                    let mut p = p.shallow_clone();
                    let g = p.grad() + &p * wd;
                    let updated = &p * (1.0 - lambd * eta) - g * eta;
                    p.copy_(&updated);
                    *ax = &*ax + (&p - &*ax) * mu;
                }
            });
            named
                .iter()
                .zip(&ax)
                .map(|((n, _), a)| (format!("ax.{n}"), values(a)))
                .collect()
        })
    })
}

/// [`train_recording`] with the `optim::ASGD` `make` builds: the parameters and
/// [`ASGD::ax`] after each step.
fn asgd_port(make: fn(&nn::VarStore) -> ASGD) -> Named {
    train_recording(|vs| {
        let names: Vec<String> = named_parameters(vs).into_iter().map(|(n, _)| n).collect();
        let mut opt = make(vs);
        Box::new(move |loss| {
            opt.backward_step(loss);
            names
                .iter()
                .zip(opt.ax())
                .map(|(n, a)| (format!("ax.{n}"), values(&a.expect("stepped"))))
                .collect()
        })
    })
}

/// `optim::SGD` where tch's `nn::Sgd` already agrees (the `sgd` rows hold tch's): the port
/// must agree too, and with `dampening` and `maximize`.
#[test]
fn sgd_port_where_tch_agrees() {
    let entries: [(&str, fn() -> Named); 5] = [
        ("sgd", || trains(|vs| SGD::new(vs, 0.1), SGD::backward_step)),
        ("sgd-zero-grad-keep", || {
            train(|vs| {
                let mut opt = SGD::new(vs, 0.1).momentum(0.9);
                Box::new(move |loss| {
                    opt.zero_grad_set_to_none(false);
                    loss.backward();
                    opt.step();
                })
            })
        }),
        ("sgd-momentum", || {
            trains(|vs| SGD::new(vs, 0.1).momentum(0.9), SGD::backward_step)
        }),
        ("sgd-nesterov-weight-decay", || {
            trains(
                |vs| {
                    SGD::new(vs, 0.1)
                        .momentum(0.9)
                        .nesterov(true)
                        .weight_decay(1e-3)
                },
                SGD::backward_step,
            )
        }),
        ("sgd-dampening-maximize", || {
            trains(
                |vs| {
                    SGD::new(vs, 0.01)
                        .momentum(0.9)
                        .dampening(0.3)
                        .maximize(true)
                },
                SGD::backward_step,
            )
        }),
    ];
    for (id, ours) in entries {
        let ours = {
            let _turn = global_generator();
            ours()
        };
        let tally = compare(id, "SGD", pytorch(id), &ours);
        println!("{}", tally.line(&format!("{id}: SGD")));
        assert!(tally.all_identical(), "{}", tally.line("SGD"));
    }
}

/// `optim::Rprop` where Rprop by hand already agrees (its steps are exact: a sign times a
/// step size): the port must agree too.
#[test]
fn rprop_port_where_by_hand_agrees() {
    let entries: [(&str, fn() -> Named); 2] = [
        ("rprop", || {
            trains(|vs| Rprop::new(vs, 0.01), Rprop::backward_step)
        }),
        ("rprop-options", || {
            trains(
                |vs| {
                    Rprop::new(vs, 0.01)
                        .etas(0.4, 1.3)
                        .step_sizes(1e-3, 0.02)
                        .maximize(true)
                },
                Rprop::backward_step,
            )
        }),
    ];
    for (id, ours) in entries {
        let ours = {
            let _turn = global_generator();
            ours()
        };
        let tally = compare(id, "Rprop", pytorch(id), &ours);
        println!("{}", tally.line(&format!("{id}: Rprop")));
        assert!(tally.all_identical(), "{}", tally.line("Rprop"));
    }
}

/// The new optimizers' `zero_grad` leaves no gradient either.
#[test]
fn optim2_zero_grad_sets_gradients_to_none() {
    let x = Tensor::ones([3], FLOAT).set_requires_grad(true);
    let v = || vec![x.shallow_clone()];
    let mut opts: Vec<Box<dyn FnMut()>> = vec![
        Box::new({
            let mut o = Adamax::new(v(), 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = NAdam::new(v(), 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = RAdam::new(v(), 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = Rprop::new(v(), 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = ASGD::new(v(), 0.1);
            move || o.zero_grad()
        }),
        Box::new({
            let mut o = SGD::new(v(), 0.1);
            move || o.zero_grad()
        }),
    ];
    for zero_grad in opts.iter_mut() {
        (&x * 2.0).sum(Kind::Float).backward();
        assert!(x.grad().defined());
        zero_grad();
        assert!(!x.grad().defined(), "a gradient is left after zero_grad");
    }
}

/// `train_closure` of pytorch_side.py: `STEPS` steps of `step(loss_fn)` (L-BFGS), each step's
/// returned loss, the parameters, and `func_evals`.
fn train_closure(
    make: impl FnOnce(&nn::VarStore) -> Box<dyn FnMut(&dyn Fn() -> Tensor) -> (Tensor, f64)>,
) -> Named {
    const STEPS: usize = 10;
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root();
    let model = nn::seq()
        .add(init::linear(&p / "0", 8, 32))
        .add_fn(|x| x.tanh())
        .add(init::linear(&p / "2", 32, 1));
    let x = Tensor::randn([16, 8], FLOAT);
    let y = Tensor::randn([16, 1], FLOAT);
    let mut out = named(&[("input.x", &x), ("input.y", &y)]);
    let params = named_parameters(&vs);
    let snapshot = |prefix: &str| -> Named {
        params
            .iter()
            .map(|(name, t)| (format!("{prefix}.{name}"), values(t)))
            .collect()
    };
    out.extend(snapshot("input"));
    let mut step = make(&vs);
    let loss_fn = || model.forward(&x).mse_loss(&y, Reduction::Mean);
    for s in 0..STEPS {
        let (loss, evals) = step(&loss_fn);
        out.push((format!("step{s}.loss"), values(&loss)));
        out.extend(snapshot(&format!("step{s}")));
        out.push((format!("step{s}.func_evals"), vec![evals]));
    }
    out
}

/// [`train_closure`] with the `optim::LBFGS` `make` builds.
fn lbfgs_port(make: fn(&nn::VarStore) -> LBFGS) -> Named {
    train_closure(|vs| {
        let mut opt = make(vs);
        Box::new(move |loss_fn| {
            let loss = opt.step(|| {
                let loss = loss_fn();
                loss.backward();
                loss
            });
            (loss, opt.func_evals() as f64)
        })
    })
}

/// L-BFGS as a port writes it from the textbook: `max_iter` iterations a step, the
/// two-loop recursion over the last `history` pairs with its scalars in `f64`, the step
/// length `min(1, 1/‖g‖₁)·lr` first and `lr` after, no line search, no early stop.
fn lbfgs_by_hand(lr: f64, max_iter: usize, history: usize) -> Named {
    train_closure(move |vs| {
        let params: Vec<Tensor> = named_parameters(vs).into_iter().map(|(_, t)| t).collect();
        let mut pairs: Vec<(Tensor, Tensor, f64)> = Vec::new(); // (s, y, 1 / y·s)
        let mut prev: Option<(Tensor, Tensor)> = None; // (flat grad, step taken)
        let mut evals = 0.0;
        let mut first = true;
        let scalar = |t: Tensor| f64::try_from(&t).expect("a scalar");
        Box::new(move |loss_fn| {
            let mut first_loss = None;
            for _ in 0..max_iter {
                for p in &params {
                    p.shallow_clone().zero_grad();
                }
                let loss = loss_fn();
                loss.backward();
                evals += 1.0;
                first_loss.get_or_insert(loss);
                let g = Tensor::cat(
                    &params
                        .iter()
                        .map(|p| p.grad().view([-1]))
                        .collect::<Vec<_>>(),
                    0,
                );
                if let Some((g0, s)) = prev.take() {
                    let y = &g - g0;
                    let ys = scalar(y.dot(&s));
                    if ys > 1e-10 {
                        if pairs.len() == history {
                            let _ = pairs.remove(0);
                        }
                        pairs.push((s, y, 1.0 / ys));
                    }
                }
                let mut q = -&g;
                let mut alphas = Vec::new();
                for (s, y, rho) in pairs.iter().rev() {
                    let a = rho * scalar(s.dot(&q));
                    q -= y * a;
                    alphas.push(a);
                }
                if let Some((s, y, _)) = pairs.last() {
                    q *= scalar(s.dot(y)) / scalar(y.dot(y));
                }
                for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
                    let b = rho * scalar(y.dot(&q));
                    q += s * (a - b);
                }
                let t = if first {
                    first = false;
                    f64::min(1.0, 1.0 / scalar(g.abs().sum(Kind::Float))) * lr
                } else {
                    lr
                };
                let step = &q * t;
                tch::no_grad(|| {
                    let mut offset = 0;
                    for p in &params {
                        let n = p.numel() as i64;
                        let mut p = p.shallow_clone();
                        p += step.narrow(0, offset, n).view_as(&p);
                        offset += n;
                    }
                });
                prev = Some((g, step));
            }
            (first_loss.expect("evaluated"), evals)
        })
    })
}

/// `multi_group_cosine` of pytorch_side.py: an optimizer of two param groups as
/// `ParamGroups`, and a `CosineAnnealingLR` on each group.
fn multi_group_cosine_port() -> Named {
    let p = Tensor::zeros([1], FLOAT).set_requires_grad(true);
    let q = Tensor::zeros([1], FLOAT).set_requires_grad(true);
    let mut opt = ParamGroups::new(vec![Adam::new(vec![p], 0.1), Adam::new(vec![q], 0.03)]);
    let mut scheds: Vec<CosineAnnealingLR> = opt
        .groups_mut()
        .iter_mut()
        .map(|g| CosineAnnealingLR::new(g, 30, 0.001))
        .collect();
    let mut lrs: Vec<Vec<f64>> = scheds.iter().map(|s| vec![s.get_last_lr()]).collect();
    for _ in 0..SCHEDULE_STEPS {
        opt.step();
        for ((s, g), lr) in scheds.iter_mut().zip(opt.groups_mut()).zip(lrs.iter_mut()) {
            s.step(g);
            lr.push(s.get_last_lr());
        }
    }
    lrs.into_iter()
        .enumerate()
        .map(|(i, lr)| (format!("lr{i}"), lr))
        .collect()
}

/// `hyper_parameters()` of each new optimizer against PyTorch's `param_groups[0]`: the same
/// keys in the same order, the same numbers (`hyper-parameters` in pytorch_side.py).
#[test]
fn hyper_parameters_are_pythons() {
    let p = || vec![Tensor::zeros([1], FLOAT).set_requires_grad(true)];
    type Groups = Vec<Vec<(String, f64)>>;
    let all: Vec<(&str, Groups)> = vec![
        (
            "Adamax",
            Adamax::new(p(), 0.01)
                .betas(0.8, 0.99)
                .weight_decay(0.1)
                .hyper_parameters(),
        ),
        (
            "NAdam",
            NAdam::new(p(), 0.01)
                .momentum_decay(0.01)
                .decoupled_weight_decay(true)
                .foreach(true)
                .hyper_parameters(),
        ),
        (
            "RAdam",
            RAdam::new(p(), 0.01).maximize(true).hyper_parameters(),
        ),
        (
            "Rprop",
            Rprop::new(p(), 0.01)
                .etas(0.4, 1.3)
                .step_sizes(1e-3, 0.02)
                .hyper_parameters(),
        ),
        (
            "ASGD",
            ASGD::new(p(), 0.05)
                .t0(3.0)
                .foreach(true)
                .hyper_parameters(),
        ),
        (
            "SGD",
            SGD::new(p(), 0.1)
                .momentum(0.9)
                .nesterov(true)
                .hyper_parameters(),
        ),
        (
            "LBFGS",
            LBFGS::new(p(), 0.5)
                .max_iter(7)
                .line_search_fn(Some(LineSearch::StrongWolfe))
                .hyper_parameters(),
        ),
    ];
    let ours: Named = all
        .into_iter()
        .flat_map(|(name, groups)| {
            assert_eq!(groups.len(), 1, "{name}: one param group");
            groups
                .into_iter()
                .flatten()
                .map(move |(k, v)| (format!("{name}.{k}"), vec![v]))
        })
        .collect();
    let tally = compare(
        "hyper-parameters",
        "port",
        pytorch("hyper-parameters"),
        &ours,
    );
    println!("{}", tally.line("hyper-parameters"));
    assert!(tally.all_identical(), "{}", tally.line("hyper-parameters"));
}

// ---- layers (xor_repro_port::nn) -------------------------------------------------------------

/// The recurrent entries' layers (`LSTM_ARGS` in pytorch_side.py): two layers, both
/// directions, batch_first; the port's layers ignore the `*_init` fields.
const RECURRENT: nn::RNNConfig = nn::RNNConfig {
    has_biases: true,
    num_layers: 2,
    dropout: 0.0,
    train: true,
    bidirectional: true,
    batch_first: true,
    w_ih_init: nn::Init::Const(0.0),
    w_hh_init: nn::Init::Const(0.0),
    b_ih_init: None,
    b_hh_init: None,
};

fn parameter_values(vs: &nn::VarStore) -> Named {
    named_parameters(vs)
        .iter()
        .map(|(name, t)| (name.clone(), values(t)))
        .collect()
}

fn parameter_grads(vs: &nn::VarStore) -> Named {
    named_parameters(vs)
        .iter()
        .map(|(name, t)| (format!("{name}.grad"), values(&t.grad())))
        .collect()
}

/// `nn.LSTM(5, 6, num_layers=2, bidirectional=True, batch_first=True)` (or `nn.GRU`) as
/// `make` creates it under `rnn`, its draws as tch's `Init`s or PyTorch's.
fn recurrent_init(make: fn(nn::Path, nn::RNNConfig)) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    // tch's default initialisations, the rest as RECURRENT.
    let config = nn::RNNConfig {
        num_layers: 2,
        bidirectional: true,
        batch_first: true,
        ..Default::default()
    };
    make(vs.root() / "rnn", config);
    parameter_values(&vs)
}

enum Recurrent {
    Lstm,
    Gru,
    Rnn(RnnNonlinearity),
}

/// `recurrent` in pytorch_side.py: the layer drawn by `init::lstm`, `init::gru` or
/// `nn::rnn`, run by tch's `seq_init` (from a random state) and `seq` (from zeros) with
/// dropout 0.25 between the layers, and backward.
fn recurrent(kind: Recurrent) -> Named {
    use tch::nn::RNN as _;
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root() / "rnn";
    let c = nn::RNNConfig {
        dropout: 0.25,
        ..RECURRENT
    };
    type Run = Box<dyn Fn(&Tensor, Option<(&Tensor, &Tensor)>) -> (Tensor, Tensor, Tensor)>;
    let run: Run = match kind {
        Recurrent::Lstm => {
            let l = init::lstm(&p, 5, 6, c);
            Box::new(move |x, hc| {
                let (y, s) = match hc {
                    Some((h, c)) => l.seq_init(x, &nn::LSTMState((h.copy(), c.copy()))),
                    None => l.seq(x),
                };
                (y, s.h(), s.c())
            })
        }
        Recurrent::Gru => {
            let l = init::gru(&p, 5, 6, c);
            Box::new(move |x, hc| {
                let (y, s) = match hc {
                    Some((h, _)) => l.seq_init(x, &nn::GRUState(h.copy())),
                    None => l.seq(x),
                };
                (y, s.value(), Tensor::zeros([1], FLOAT))
            })
        }
        Recurrent::Rnn(nonlinearity) => {
            let l = port_nn::rnn(&p, 5, 6, nonlinearity, c);
            Box::new(move |x, hc| {
                let (y, s) = match hc {
                    Some((h, _)) => l.seq_init(x, &port_nn::RNNState(h.copy())),
                    None => l.seq(x),
                };
                (y, s.h(), Tensor::zeros([1], FLOAT))
            })
        }
    };
    let lstm = matches!(kind, Recurrent::Lstm);
    let mut out = parameter_values(&vs);
    let x = Tensor::randn([3, 4, 5], FLOAT).set_requires_grad(true);
    let h0 = Tensor::randn([4, 3, 6], FLOAT);
    let c0 = if lstm {
        Tensor::randn([4, 3, 6], FLOAT)
    } else {
        Tensor::zeros([1], FLOAT)
    };
    let g = Tensor::randn([3, 4, 12], FLOAT);
    let gh = Tensor::randn([4, 3, 6], FLOAT);
    out.extend(named(&[("input.x", &x), ("input.h0", &h0)]));
    if lstm {
        out.extend(named(&[("input.c0", &c0)]));
    }
    out.extend(named(&[("input.g", &g), ("input.gh", &gh)]));
    let (y, h, c) = run(&x, Some((&h0, &c0)));
    let (y0, _, _) = run(&x, None);
    let mut loss = (&y * &g).sum(Kind::Float) + (&h * &gh).sum(Kind::Float) + y0.sum(Kind::Float);
    if lstm {
        loss += c.sum(Kind::Float);
    }
    loss.backward();
    out.extend(named(&[("y", &y), ("h", &h)]));
    if lstm {
        out.extend(named(&[("c", &c)]));
    }
    out.extend(named(&[("y0", &y0), ("x.grad", &x.grad())]));
    out.extend(parameter_grads(&vs));
    out
}

enum Cell {
    Lstm,
    Gru,
    Rnn,
}

/// `cell` in pytorch_side.py: `nn.LSTMCell(5, 6)`, `nn.GRUCell(5, 6)` or
/// `nn.RNNCell(5, 6, nonlinearity="relu")` over 4 steps from `hx=None`, then on one
/// unbatched sample, and backward.
fn cell(kind: Cell) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root() / "cell";
    type Step = Box<dyn Fn(&Tensor, Option<&(Tensor, Tensor)>) -> (Tensor, Tensor)>;
    let step: Step = match kind {
        Cell::Lstm => {
            let c = port_nn::lstm_cell(&p, 5, 6, true);
            Box::new(move |x, hx| c.forward(x, hx.map(|(h, c)| (h, c))))
        }
        Cell::Gru => {
            let c = port_nn::gru_cell(&p, 5, 6, true);
            Box::new(move |x, hx| (c.forward(x, hx.map(|(h, _)| h)), Tensor::zeros([1], FLOAT)))
        }
        Cell::Rnn => {
            let c = port_nn::rnn_cell(&p, 5, 6, true, RnnNonlinearity::Relu);
            Box::new(move |x, hx| (c.forward(x, hx.map(|(h, _)| h)), Tensor::zeros([1], FLOAT)))
        }
    };
    let lstm = matches!(kind, Cell::Lstm);
    let mut out = parameter_values(&vs);
    let x = Tensor::randn([4, 3, 5], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([4, 3, 6], FLOAT);
    let h1 = Tensor::randn([6], FLOAT);
    out.extend(named(&[
        ("input.x", &x),
        ("input.g", &g),
        ("input.h1", &h1),
    ]));
    let mut hx: Option<(Tensor, Tensor)> = None;
    let mut hs = Vec::new();
    for t in 0..4 {
        let next = step(&x.get(t), hx.as_ref());
        hs.push(next.0.shallow_clone());
        hx = Some(next);
    }
    let hs = Tensor::stack(&hs, 0);
    let (a, b) = step(
        &x.get(0).get(0),
        Some(&(h1.shallow_clone(), h1.shallow_clone())),
    );
    let one = if lstm { a + b } else { a };
    ((&hs * &g).sum(Kind::Float) + one.sum(Kind::Float)).backward();
    out.extend(named(&[("h", &hs), ("one", &one), ("x.grad", &x.grad())]));
    out.extend(parameter_grads(&vs));
    out
}

/// A layer's forward: its inputs in, its output out.
type Forward = Box<dyn Fn(&[Tensor]) -> Tensor>;

/// `layer_forward` in pytorch_side.py: the layer `make` builds at the root (or an
/// `nn.Sequential`'s under `0`, `2`, …), on random inputs of `shapes`.
fn layer_forward(make: impl FnOnce(&nn::Path) -> Forward, shapes: &[&[i64]]) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let forward = make(&vs.root());
    let mut out = parameter_values(&vs);
    let xs: Vec<Tensor> = shapes
        .iter()
        .map(|s| Tensor::randn(*s, FLOAT).set_requires_grad(true))
        .collect();
    let y = forward(&xs);
    let g = Tensor::randn(y.size(), FLOAT);
    (&y * &g).sum(Kind::Float).backward();
    for (i, x) in xs.iter().enumerate() {
        out.extend(named(&[(&format!("input.x{i}"), x)]));
    }
    out.extend(named(&[("input.g", &g), ("y", &y)]));
    for (i, x) in xs.iter().enumerate() {
        out.extend(named(&[(&format!("x{i}.grad"), &x.grad())]));
    }
    out.extend(parameter_grads(&vs));
    out
}

/// `layers_init` in pytorch_side.py: layers `l0`, `l1`, … as `make(path, i)` creates the
/// `i`-th, until it returns false.
fn layers_init(make: fn(&nn::Path, usize) -> bool) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let mut i = 0;
    while make(&(vs.root() / format!("l{i}")), i) {
        i += 1;
    }
    parameter_values(&vs)
}

/// `nn.Conv1d(3, 8, 3)`, then `nn.Conv1d(8, 4, 3, padding=1, groups=2)`.
fn conv1d_pair(
    p: &nn::Path,
    i: usize,
    conv1d: fn(&nn::Path, i64, i64, i64, nn::ConvConfig) -> nn::Conv1D,
) -> bool {
    match i {
        0 => conv1d(p, 3, 8, 3, Default::default()),
        1 => conv1d(
            p,
            8,
            4,
            3,
            nn::ConvConfig {
                padding: 1,
                groups: 2,
                ..Default::default()
            },
        ),
        _ => return false,
    };
    true
}

/// `nn.ConvTranspose2d(4, 6, 3)`, then `nn.ConvTranspose2d(4, 6, 3, stride=2,
/// output_padding=1, groups=2)`.
fn transpose_pair(
    p: &nn::Path,
    i: usize,
    conv: fn(&nn::Path, i64, i64, i64, nn::ConvTransposeConfig) -> nn::ConvTranspose2D,
) -> bool {
    let strided = nn::ConvTransposeConfig {
        stride: 2,
        output_padding: 1,
        groups: 2,
        ..Default::default()
    };
    match i {
        0 => conv(p, 4, 6, 3, Default::default()),
        1 => conv(p, 4, 6, 3, strided),
        _ => return false,
    };
    true
}

/// `nn.Sequential(nn.Conv1d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv1d(8, 4, 3, stride=2,
/// groups=2))` with `port::nn::conv1d`.
fn conv1d_port() -> Named {
    layer_forward(
        |p| {
            let padded = nn::ConvConfig {
                padding: 1,
                ..Default::default()
            };
            let strided = nn::ConvConfig {
                stride: 2,
                groups: 2,
                ..Default::default()
            };
            let model = nn::seq()
                .add(port_nn::conv1d(p / "0", 3, 8, 3, padded))
                .add_fn(|x| x.relu())
                .add(port_nn::conv1d(p / "2", 8, 4, 3, strided));
            Box::new(move |x| model.forward(&x[0]))
        },
        &[&[2, 3, 10]],
    )
}

/// A model's forward in training (`true`) or evaluation mode.
type ForwardT = Box<dyn Fn(&Tensor, bool) -> Tensor>;

/// `nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))`: `init::conv2d`, then tch's
/// `nn::batch_norm2d` with its default config, or `port::nn::batch_norm2d`.
fn bn_after_conv(p: &nn::Path, port: bool) -> ForwardT {
    let conv = init::conv2d(p / "0", 3, 4, 3, Default::default());
    if port {
        let bn = port_nn::batch_norm2d(p / "1", 4, Default::default());
        Box::new(move |x, train| bn.forward_t(&conv.forward(x), train))
    } else {
        let bn = nn::batch_norm2d(p / "1", 4, Default::default());
        Box::new(move |x, train| bn.forward_t(&conv.forward(x), train))
    }
}

/// The state as `state_dict(&vs)` lists it or, for tch's BatchNorm, by hand with the
/// `num_batches_tracked` it does not keep as 0.
fn state(vs: &nn::VarStore, port: bool, prefix: &str) -> Named {
    let mut state: Vec<(String, Tensor)> = state_dict(vs);
    if !port {
        state.push((
            "1.num_batches_tracked".into(),
            Tensor::zeros([], (Kind::Int64, Device::Cpu)),
        ));
    }
    state
        .iter()
        .map(|(n, t)| (format!("{prefix}{n}"), values(t)))
        .collect()
}

/// `batch_norm` in pytorch_side.py: inputs of `shape` (drawn before the model), two
/// training passes, one in evaluation, the state before and after.
fn batch_norm_entry(port: bool, shape: &[i64], make: fn(&nn::Path) -> ForwardT) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let x = Tensor::randn(shape, FLOAT).set_requires_grad(true);
    let mut g_shape = vec![shape[0], 4];
    g_shape.extend(shape.iter().skip(2).map(|d| d - 2));
    let g = Tensor::randn(g_shape.as_slice(), FLOAT);
    let forward = make(&vs.root());
    let mut out = named(&[("input.x", &x), ("input.g", &g)]);
    out.extend(state(&vs, port, "init."));
    let y1 = forward(&x, true);
    let y2 = forward(&(&x * 2 + 1), true);
    (&y1 * &g).sum(Kind::Float).backward();
    let y3 = forward(&x, false);
    out.extend(named(&[
        ("y1", &y1),
        ("y2", &y2),
        ("y3", &y3),
        ("x.grad", &x.grad()),
    ]));
    out.extend(state(&vs, port, ""));
    out.extend(parameter_grads(&vs));
    out
}

/// `F.nll_loss` of `F.log_softmax`, mean and sum, and the logits' gradient of their sum.
fn nll_loss_tch() -> Named {
    tch::manual_seed(SEED);
    let logits = Tensor::randn([32, 5], FLOAT).set_requires_grad(true);
    let y = Tensor::randint(5, [32], (Kind::Int64, Device::Cpu));
    let lp = logits.log_softmax(-1, Kind::Float);
    let mean = lp.nll_loss(&y);
    let total = lp.g_nll_loss::<Tensor>(&y, None, Reduction::Sum, -100);
    (&mean + &total).backward();
    named(&[
        ("input.logits", &logits),
        ("input.y", &y),
        ("mean", &mean),
        ("sum", &total),
        ("logits.grad", &logits.grad()),
    ])
}

/// `nn.Dropout(0.3)` after `model.eval()`: the input unchanged, nothing drawn.
fn dropout_eval_tch() -> Named {
    tch::manual_seed(SEED);
    let x = Tensor::randn([8, 16], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([8, 16], FLOAT);
    let mut out = forward_backward(&x, &g, |x| x.dropout(0.3, false));
    out.push(("after.rand".to_string(), values(&Tensor::rand([4], FLOAT))));
    out
}

/// `padding_mask` in pytorch_side.py: batch 1's last position, batch 2's last two.
fn padding_mask() -> Tensor {
    let kpm = Tensor::zeros([3, 5], (Kind::Bool, Device::Cpu));
    let _ = kpm.get(1).narrow(0, 4, 1).fill_(1);
    let _ = kpm.get(2).narrow(0, 3, 2).fill_(1);
    kpm
}

/// `causal_mask` in pytorch_side.py: true above the diagonal.
fn causal_mask() -> Tensor {
    Tensor::ones([5, 5], FLOAT).triu(1).to_kind(Kind::Bool)
}

fn attention_config() -> port_nn::MultiheadAttentionConfig {
    port_nn::MultiheadAttentionConfig {
        dropout: 0.1,
        batch_first: true,
        ..Default::default()
    }
}

/// `multihead_attention` in pytorch_side.py.
fn multihead_attention_port() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let mha = port_nn::multihead_attention(vs.root() / "attn", 8, 2, attention_config());
    let mut out = parameter_values(&vs);
    let x = Tensor::randn([3, 5, 8], FLOAT).set_requires_grad(true);
    let mem = Tensor::randn([3, 7, 8], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([3, 5, 8], FLOAT);
    let gw = Tensor::randn([3, 5, 5], FLOAT);
    out.extend(named(&[
        ("input.x", &x),
        ("input.mem", &mem),
        ("input.g", &g),
        ("input.gw", &gw),
    ]));
    let (kpm, causal) = (padding_mask(), causal_mask());
    let (y1, w1) = mha.forward_t(&x, &x, &x, Some(&kpm), true, Some(&causal), true, true);
    let (y2, _) = mha.forward_t(&x, &x, &x, None, false, None, true, true);
    let (y3, w3) = mha.forward_t(&x, &mem, &mem, None, true, None, false, true);
    let (w1, w3) = (w1.expect("weights"), w3.expect("weights"));
    let sum = |t: Tensor| t.sum(Kind::Float);
    (sum(&y1 * &g) + sum(&w1 * &gw) + sum(&y2 * &g) + sum(&y3 * &g) + sum(w3.shallow_clone()))
        .backward();
    out.extend(named(&[
        ("y1", &y1),
        ("w1", &w1),
        ("y2", &y2),
        ("y3", &y3),
        ("w3", &w3),
        ("x.grad", &x.grad()),
        ("mem.grad", &mem.grad()),
    ]));
    out.extend(parameter_grads(&vs));
    out
}

/// `multihead_attention_eval` in pytorch_side.py: `forward_t(…, false)` with gradients on
/// (the Python code's operations) or under `tch::no_grad` (PyTorch's fast path).
fn mha_eval_entry(no_grad: bool) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let mha = port_nn::multihead_attention(vs.root() / "attn", 8, 2, attention_config());
    let x = Tensor::randn([3, 5, 8], FLOAT);
    let kpm = padding_mask();
    let run = || {
        let (y1, w1) = mha.forward_t(&x, &x, &x, Some(&kpm), true, None, true, false);
        let (y2, _) = mha.forward_t(&x, &x, &x, None, false, None, true, false);
        (y1, w1.expect("weights"), y2)
    };
    let (y1, w1, y2) = if no_grad { tch::no_grad(run) } else { run() };
    named(&[("input.x", &x), ("y1", &y1), ("w1", &w1), ("y2", &y2)])
}

/// `encoder_layers` in pytorch_side.py.
fn encoder_layers(p: &nn::Path) -> [port_nn::TransformerEncoderLayer; 2] {
    let post = port_nn::TransformerEncoderLayerConfig {
        dim_feedforward: 16,
        batch_first: true,
        ..Default::default()
    };
    let pre = port_nn::TransformerEncoderLayerConfig {
        activation: port_nn::Activation::Gelu,
        norm_first: true,
        ..post
    };
    [
        port_nn::transformer_encoder_layer(p / "l0", 8, 2, post),
        port_nn::transformer_encoder_layer(p / "l1", 8, 2, pre),
    ]
}

/// `transformer_encoder_layer` in pytorch_side.py.
fn transformer_encoder_layer_port() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let layers = encoder_layers(&vs.root());
    let mut out = parameter_values(&vs);
    let x = Tensor::randn([3, 5, 8], FLOAT).set_requires_grad(true);
    let g = Tensor::randn([3, 5, 8], FLOAT);
    out.extend(named(&[("input.x", &x), ("input.g", &g)]));
    let y0 = layers[0].forward_t(&x, Some(&causal_mask()), Some(&padding_mask()), true);
    let y1 = layers[1].forward_t(&y0, None, None, true);
    (&y1 * &g).sum(Kind::Float).backward();
    out.extend(named(&[("y0", &y0), ("y1", &y1), ("x.grad", &x.grad())]));
    out.extend(parameter_grads(&vs));
    out
}

/// `transformer_encoder_layer_eval` in pytorch_side.py, with gradients on or off as
/// [`mha_eval_entry`].
fn encoder_eval_entry(no_grad: bool) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let layers = encoder_layers(&vs.root());
    let x = Tensor::randn([3, 5, 8], FLOAT);
    let run = || {
        let y0 = layers[0].forward_t(&x, None, Some(&padding_mask()), false);
        let y1 = layers[1].forward_t(&y0, None, None, false);
        (y0, y1)
    };
    let (y0, y1) = if no_grad { tch::no_grad(run) } else { run() };
    named(&[("input.x", &x), ("y0", &y0), ("y1", &y1)])
}

/// `embedding_max_norm` in pytorch_side.py: two lookups and backward; the weight after.
fn embedding_max_norm_entry(make: fn(&nn::Path) -> Forward) -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let forward = make(&vs.root());
    let int = (Kind::Int64, Device::Cpu);
    let idx1 = Tensor::randint(10, [6], int);
    let idx2 = Tensor::randint(10, [2, 3], int);
    let g = Tensor::randn([6, 4], FLOAT);
    let y1 = forward(&[idx1.shallow_clone()]);
    let y2 = forward(&[idx2.shallow_clone()]);
    ((&y1 * &g).sum(Kind::Float) + y2.sum(Kind::Float)).backward();
    let weight = &named_parameters(&vs)[0].1;
    named(&[
        ("input.idx1", &idx1),
        ("input.idx2", &idx2),
        ("input.g", &g),
        ("y1", &y1),
        ("y2", &y2),
        ("weight", weight),
        ("weight.grad", &weight.grad()),
    ])
}

/// `transformer_decoder_layer` in pytorch_side.py.
fn transformer_decoder_layer_port() -> Named {
    tch::manual_seed(SEED);
    let vs = nn::VarStore::new(Device::Cpu);
    let post = port_nn::TransformerDecoderLayerConfig {
        dim_feedforward: 16,
        batch_first: true,
        ..Default::default()
    };
    let pre = port_nn::TransformerDecoderLayerConfig {
        activation: port_nn::Activation::Gelu,
        norm_first: true,
        ..post
    };
    let layers = [
        port_nn::transformer_decoder_layer(vs.root() / "l0", 8, 2, post),
        port_nn::transformer_decoder_layer(vs.root() / "l1", 8, 2, pre),
    ];
    let mut out = parameter_values(&vs);
    let x = Tensor::randn([3, 5, 8], FLOAT).set_requires_grad(true);
    let mem = Tensor::randn([3, 7, 8], FLOAT).set_requires_grad(true);
    let mem_kpm = Tensor::zeros([3, 7], (Kind::Bool, Device::Cpu));
    let _ = mem_kpm.get(0).narrow(0, 4, 3).fill_(1);
    let g = Tensor::randn([3, 5, 8], FLOAT);
    out.extend(named(&[
        ("input.x", &x),
        ("input.mem", &mem),
        ("input.g", &g),
    ]));
    let (causal, kpm) = (causal_mask(), padding_mask());
    let y0 = layers[0].forward_t(
        &x,
        &mem,
        Some(&causal),
        None,
        Some(&kpm),
        Some(&mem_kpm),
        true,
    );
    let y1 = layers[1].forward_t(&y0, &mem, None, None, None, None, true);
    (&y1 * &g).sum(Kind::Float).backward();
    out.extend(named(&[
        ("y0", &y0),
        ("y1", &y1),
        ("x.grad", &x.grad()),
        ("mem.grad", &mem.grad()),
    ]));
    out.extend(parameter_grads(&vs));
    let (e0, e1) = tch::no_grad(|| {
        let e0 = layers[0].forward_t(&x, &mem, None, None, Some(&kpm), None, false);
        let e1 = layers[1].forward_t(&e0, &mem, None, None, None, None, false);
        (e0, e1)
    });
    out.extend(named(&[("eval.y0", &e0), ("eval.y1", &e1)]));
    out
}
