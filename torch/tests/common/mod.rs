//! What the torch crate's kernel tests share: counting bit-identical values against libtorch.
#![allow(dead_code)] // each test binary uses part of it

use tch::Tensor;

/// Identical values so far, and the first that differed.
#[derive(Default)]
pub struct Tally {
    pub compared: usize,
    pub identical: usize,
    pub first_divergence: Option<String>,
}

impl Tally {
    /// Counts `ours` against libtorch's `theirs`, element by element, by their bits.
    pub fn add(&mut self, ours: &[f32], theirs: &[f32], context: &str) {
        assert_eq!(ours.len(), theirs.len(), "{context}: lengths");
        for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
            self.compared += 1;
            if a.to_bits() == b.to_bits() {
                self.identical += 1;
            } else if self.first_divergence.is_none() {
                self.first_divergence = Some(format!(
                    "{context}, element {i}: ours {a:e} ({:#010x}), libtorch {b:e} ({:#010x})",
                    a.to_bits(),
                    b.to_bits()
                ));
            }
        }
    }

    /// [`Tally::add`] against a tensor's values.
    pub fn add_tensor(&mut self, ours: &[f32], theirs: &Tensor, context: &str) {
        let theirs = Vec::<f32>::try_from(&theirs.contiguous().view([-1])).unwrap();
        self.add(ours, &theirs, context);
    }

    /// Prints the count and the first divergence under `label: step:`; whether every value
    /// compared was identical (and there was one).
    pub fn report(&self, label: &str, step: &str) -> bool {
        println!(
            "{label}: {step}: {} of {} values bit-identical to libtorch",
            self.identical, self.compared
        );
        if let Some(first) = &self.first_divergence {
            println!("{label}: {step}: first divergence: {first}");
        }
        self.compared > 0 && self.identical == self.compared
    }
}
