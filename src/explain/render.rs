//! How `explain` says what it found: one headline for the terminal, and `explain.md`.

use super::{Explanation, Side};

use crate::diff::Precision;
use crate::kernels::KernelPath;
use crate::record;
use std::fmt::Write as _;

/// A value in decimal (the shortest that reads back in its precision) and hex (its bits).
pub fn decimal_and_hex(x: f64, precision: Precision) -> String {
    match precision {
        Precision::Float32 => format!("{} (0x{:08x})", x as f32, (x as f32).to_bits()),
        Precision::Float64 => format!("{} (0x{:016x})", record::number(x), x.to_bits()),
    }
}

fn precision_name(p: Precision) -> &'static str {
    match p {
        Precision::Float32 => "float32",
        Precision::Float64 => "float64",
    }
}

/// The kernels a side's `run.json` records, one phrase.
pub fn kernels_of(side: &Side) -> String {
    let Some(info) = &side.info else {
        return "unknown (no run.json)".to_string();
    };
    if info.kernels.is_empty() {
        return "not recorded".to_string();
    }
    info.kernels
        .iter()
        .map(|(key, p)| format!("{} {}", crate::kernels::label(key), kernel_phrase(p)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn kernel_phrase(p: &KernelPath) -> String {
    let how = match (p.emulated, &p.source) {
        (Some(true), _) => "emulated".to_string(),
        (Some(false), _) => "NOT emulated".to_string(),
        (None, Some(source)) => source.clone(),
        (None, None) => String::new(),
    };
    if how.is_empty() {
        p.path.clone()
    } else {
        format!("{} ({how})", p.path)
    }
}

/// One sentence naming the first divergence, or saying there is none.
pub fn headline(e: &Explanation, a: &str, b: &str) -> String {
    match (&e.first, e.first_loss_difference) {
        (None, None) => format!(
            "identical: {} over {} bit-identical, and every loss",
            tensors(e.values_compared, e.numbers_compared),
            plural(e.steps.len() as u64, "traced step", "traced steps")
        ),
        (None, Some(step)) => format!(
            "the losses part at step {step}, but the traced steps ({}) are bit-identical: trace step {} to see why",
            steps_phrase(&e.steps),
            step.saturating_sub(1)
        ),
        (Some(f), _) => match &f.mismatch {
            Some(why) => format!("the traces differ at step {}, value {} ({}): {why}", f.step, f.seq, f.name),
            None => format!(
                "first divergence: step {}, {} (value {} of the step): {} of {} elements differ; [{}] {a} {} vs {b} {}, {} ulp{} apart ({}); {}",
                f.step,
                f.name,
                f.seq,
                f.differing,
                f.elements,
                f.index,
                decimal_and_hex(f.a, f.precision),
                decimal_and_hex(f.b, f.precision),
                f.ulps,
                if f.ulps == 1 { "" } else { "s" },
                precision_name(f.precision),
                before(f)
            ),
        },
    }
}

/// What was traced before the first divergence, as the headline ends.
fn before(f: &super::FirstDivergence) -> String {
    if f.identical_before == 0 {
        "it is the first value traced".to_string()
    } else {
        format!(
            "the {} traced before it are bit-identical",
            tensors(f.identical_before, f.identical_numbers_before)
        )
    }
}

/// `61 tensors (3 642 082 numbers)`: a count of traced values says both of its units.
pub fn tensors(count: usize, numbers: u64) -> String {
    format!(
        "{} ({})",
        plural(count as u64, "tensor", "tensors"),
        plural(numbers, "number", "numbers")
    )
}

/// `1 tensor`, `3 642 082 numbers`: digits grouped by three.
fn plural(n: u64, one: &str, many: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{grouped} {}", if n == 1 { one } else { many })
}

fn steps_phrase(steps: &[usize]) -> String {
    match (steps.first(), steps.last()) {
        (Some(a), Some(b)) if a == b => format!("{a}"),
        (Some(a), Some(b)) => format!("{a}..{b}"),
        _ => "none".to_string(),
    }
}

/// `explain.md`: the finding, the kernels, and the growth afterwards.
pub fn markdown(e: &Explanation, a: &Side, b: &Side, title: &str, svg: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {title}\n");
    let _ = writeln!(s, "- A: `{}` ({})", a.dir.display(), a.label);
    let _ = writeln!(s, "- B: `{}` ({})", b.dir.display(), b.label);
    let _ = writeln!(
        s,
        "- Steps traced on both sides: {}\n",
        steps_phrase(&e.steps)
    );
    let _ = writeln!(s, "**{}**\n", headline(e, &a.label, &b.label));
    if let Some(f) = e.first.as_ref().filter(|f| f.mismatch.is_none()) {
        let _ = writeln!(s, "| | value |");
        let _ = writeln!(s, "|---|---|");
        let _ = writeln!(s, "| step | {} |", f.step);
        let _ = writeln!(
            s,
            "| value | `{}` (number {} in the step's program order) |",
            f.name, f.seq
        );
        let _ = writeln!(
            s,
            "| elements differing | {} of {} (first: index {}) |",
            f.differing, f.elements, f.index
        );
        let _ = writeln!(s, "| {} | {} |", a.label, decimal_and_hex(f.a, f.precision));
        let _ = writeln!(s, "| {} | {} |", b.label, decimal_and_hex(f.b, f.precision));
        let _ = writeln!(s, "| ulps ({}) | {} |", precision_name(f.precision), f.ulps);
        let _ = writeln!(
            s,
            "| traced before it | {} |\n",
            if f.identical_before == 0 {
                "nothing: it is the first value traced".to_string()
            } else {
                format!(
                    "{}, all bit-identical",
                    tensors(f.identical_before, f.identical_numbers_before)
                )
            }
        );
    }
    if let Some(op) = operation(e, a, b) {
        let _ = writeln!(s, "Operation: {op}\n");
    }
    let _ = writeln!(s, "## Kernels\n");
    let _ = writeln!(s, "- {}: {}", a.label, kernels_of(a));
    let _ = writeln!(s, "- {}: {}\n", b.label, kernels_of(b));
    if e.identical() {
        let _ = writeln!(
            s,
            "## How the difference grows\n\nIt does not: every traced value and every loss is \
             bit-identical."
        );
        return s;
    }
    let _ = writeln!(s, "## How the difference grows\n");
    if let Some(step) = e.first_loss_difference {
        let _ = writeln!(s, "The losses first differ at step {step}.\n");
    } else if !e.loss_growth.is_empty() {
        let _ = writeln!(s, "Every loss is bit-identical.\n");
    }
    let _ = writeln!(
        s,
        "| step | max abs difference, traced values | abs loss difference |"
    );
    let _ = writeln!(s, "|---:|---:|---:|");
    for &(step, max) in &e.step_growth {
        let loss = e
            .loss_growth
            .get(step)
            .map(|d| format!("{d:.3e}"))
            .unwrap_or_default();
        let _ = writeln!(s, "| {step} | {max:.3e} | {loss} |");
    }
    for (label, step) in loss_milestones(&e.loss_growth, e.step_growth.last().map(|g| g.0)) {
        let _ = writeln!(s, "| {step} ({label}) | | {:.3e} |", e.loss_growth[step]);
    }
    if let Some(svg) = svg {
        let _ = writeln!(s, "\n![growth]({svg})");
    }
    s
}

/// A few later steps at which to show the loss difference: powers of ten and the last.
fn loss_milestones(growth: &[f64], after: Option<usize>) -> Vec<(&'static str, usize)> {
    let Some(after) = after else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let mut s = 10;
    while s < growth.len() {
        if s > after {
            steps.push(("loss", s));
        }
        s *= 10;
    }
    if growth.len() > after + 1 {
        steps.push(("last", growth.len() - 1));
    }
    steps
}

/// The finding in a table cell's words: step, value, how much, and the kernels on each side.
pub fn in_words(e: &Explanation, a: &Side, b: &Side, step_unit: &str) -> String {
    let unit = step_unit.trim_end_matches('s');
    match &e.first {
        None => match e.first_loss_difference {
            None => "none: every traced value and loss bit-identical".to_string(),
            Some(step) => format!("losses part at {unit} {step}; the traced steps are identical"),
        },
        Some(f) if f.mismatch.is_some() => format!(
            "{unit} {}: the traces differ at `{}` ({})",
            f.step,
            f.name,
            f.mismatch.as_deref().unwrap_or("")
        ),
        Some(f) => format!(
            "{unit} {}: `{}`, {} of {} elements, {} ulp{} ({}); {}",
            f.step,
            f.name,
            f.differing,
            f.elements,
            f.ulps,
            if f.ulps == 1 { "" } else { "s" },
            precision_name(f.precision),
            operation(e, a, b).unwrap_or_else(|| format!(
                "{} against {}",
                kernels_of(a),
                kernels_of(b)
            ))
        ),
    }
}

/// The operation that computed the first differing value and the kernel each side ran for
/// it: from the experiment's entry for the five notebooks; for a port of one's own, from the
/// `ops` its `run.json` declares (a gradient is the backward of the value it belongs to), or
/// else from the value's name alone (a forward value, autograd's backward, the optimizer's
/// update).
pub fn operation(e: &Explanation, a: &Side, b: &Side) -> Option<String> {
    let f = e.first.as_ref().filter(|f| f.mismatch.is_none())?;
    let info = a.info.as_ref().or(b.info.as_ref())?;
    if let Ok(exp) = crate::experiments::find(&info.experiment) {
        let op = exp.traced_op(&f.name)?;
        return Some(format!(
            "`{}`: {} {}, {} {}",
            op.code,
            a.label,
            kernel_for(a, op.library),
            b.label,
            kernel_for(b, op.library)
        ));
    }
    let (code, library) = declared_op(f, a, b);
    Some(match library {
        Some(library) => format!(
            "{code}: {} {}, {} {}",
            a.label,
            kernel_for(a, &library),
            b.label,
            kernel_for(b, &library)
        ),
        None => code,
    })
}

/// What computed the first differing value of a port of one's own, and the library that
/// decides its bits: the one declared, or ATen's for what autograd and the optimizer compute;
/// none for a parameter's initial value, or a declared op that names none.
fn declared_op(f: &super::FirstDivergence, a: &Side, b: &Side) -> (String, Option<String>) {
    let name = f.name.as_str();
    let declared = |n: &str| {
        [a, b]
            .iter()
            .filter_map(|s| s.info.as_ref()?.ops.get(n))
            .next()
            .cloned()
    };
    let aten = || Some("aten".to_string());
    if let Some(op) = declared(name) {
        return (format!("`{}`", op.code), op.library);
    }
    if let Some((group, key)) = hyper_parameter(name) {
        return (
            format!("the optimizer's hyper-parameter `{key}` of group {group}, as the schedule set it (`{name}`; no kernel: the script's own number)"),
            None,
        );
    }
    let updated = format!("{name}.updated");
    let is_parameter = [a, b].iter().any(|s| s.trace.has(f.step, &updated));
    if is_parameter {
        return match f.step {
            0 => (
                format!("`{name}`'s initial value (its layer's init, or the data it was set from)"),
                None,
            ),
            step => (
                format!(
                    "`{name}` as step {step} finds it (step {}'s update)",
                    step - 1
                ),
                aten(),
            ),
        };
    }
    if let Some(of) = name.strip_suffix(".grad") {
        return match declared(of) {
            Some(op) => (
                format!(
                    "the gradient of `{}` (`{name}`), from autograd's backward of what uses it",
                    op.code
                ),
                op.library.or_else(aten),
            ),
            None => (format!("autograd's backward (`{name}`)"), aten()),
        };
    }
    if let Some(of) = name.strip_suffix(".updated") {
        return (format!("the optimizer's update of `{of}`"), aten());
    }
    (format!("the operation that computes `{name}`"), aten())
}

/// `optim.group{i}.{key}`, an optimizer's hyper-parameter as the port crate's
/// `HyperParameters` and the recorder's `rec.optimizer` trace it: `(i, key)`.
pub fn hyper_parameter(name: &str) -> Option<(usize, &str)> {
    let (group, key) = name.strip_prefix("optim.group")?.split_once('.')?;
    let group = group
        .parse()
        .ok()
        .filter(|_| group.bytes().all(|b| b.is_ascii_digit()))?;
    (!key.is_empty()).then_some((group, key))
}

/// The kernel a side ran for `library`'s operations: its own path for that library, or, on
/// a side that ran everything on libtorch (a tch port), ATen's.
fn kernel_for(side: &Side, library: &str) -> String {
    let Some(info) = &side.info else {
        return "(kernel unknown)".to_string();
    };
    match (info.kernels.get(library), info.kernels.get("aten")) {
        (Some(p), _) => format!("{} {}", crate::kernels::label(library), kernel_phrase(p)),
        (None, Some(p)) => format!("libtorch's ATen {}", kernel_phrase(p)),
        (None, None) => "(kernel not recorded)".to_string(),
    }
}
