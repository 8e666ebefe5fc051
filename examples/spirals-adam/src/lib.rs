//! The data set both ports of `script.py` train on: its `spirals()`, drawn on the global
//! generator as the script draws it (`torch.linspace`, `torch.randn`, `sin`, `cos` are the same
//! libtorch calls in tch, so the bits agree).

use tch::{Device, Kind, Tensor};

/// `spirals(points_per_class, classes)`: points `[n, 2]` (float32) and classes `[n]` (int64).
pub fn spirals(points_per_class: i64, classes: i64) -> (Tensor, Tensor) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for c in 0..classes {
        let r = Tensor::linspace(0.0, 1.0, points_per_class, (Kind::Float, Device::Cpu));
        let (from, to) = (c as f64 * 4.0, (c + 1) as f64 * 4.0);
        let t = Tensor::linspace(from, to, points_per_class, (Kind::Float, Device::Cpu))
            + Tensor::randn([points_per_class], (Kind::Float, Device::Cpu)) * 0.2;
        xs.push(Tensor::stack(&[&r * t.sin(), &r * t.cos()], 1));
        ys.push(Tensor::full(
            [points_per_class],
            c,
            (Kind::Int64, Device::Cpu),
        ));
    }
    (Tensor::cat(&xs, 0), Tensor::cat(&ys, 0))
}
