//! Tracing a port's tensors (`--trace`): the named values of a traced step, in the order given,
//! copied out of libtorch only when that step is traced.

use crate::tensors;
use tch::Tensor;
use xor_repro::record::RunRecord;

/// Records `named` (name, tensor) in the trace at `step` when that step is traced.
pub fn trace(record: &mut RunRecord, step: usize, named: &[(&str, &Tensor)]) {
    for (name, tensor) in named {
        record.trace.value(step, name, || tensors::values(tensor));
    }
}
