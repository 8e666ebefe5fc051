//! `summary.md`: how a sweep's seeds ended, per outcome (also printed).

use super::outcome::{Outcome, CONVERGED_WITHIN};
use super::plan::{Plan, SeedResult};
use crate::record::number;
use std::fmt::Write as _;

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Seeds as `0, 3, 5–9` (ranges of three or more collapsed), cut after `limit` items.
fn seed_list(seeds: &[u64], limit: usize) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut i = 0;
    while i < seeds.len() {
        let mut j = i;
        while j + 1 < seeds.len() && seeds[j + 1] == seeds[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            items.push(format!("{}–{}", seeds[i], seeds[j]));
        } else {
            items.extend(seeds[i..=j].iter().map(u64::to_string));
        }
        i = j + 1;
    }
    if items.len() > limit {
        let rest = items.len() - limit;
        items.truncate(limit);
        items.push(format!("… ({rest} more)"));
    }
    items.join(", ")
}

/// The summary table (Markdown), also printed.
pub fn summary(plan: &Plan, results: &[SeedResult]) -> String {
    let exp = plan.exp;
    let n = results.len();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Sweep of {} (notebook {}), seeds {}..{}\n",
        exp.name, exp.notebook, plan.first, plan.last
    );
    let _ = writeln!(
        s,
        "{n} seeds, {} {} each, learning rate {}; accuracy at threshold 0.5 on the trained \
         outputs; converged = every output within {CONVERGED_WITHIN} of its target.\n",
        plan.steps,
        exp.step_unit,
        number(plan.lr)
    );
    let solved = results.iter().filter(|r| r.accuracy == 1.0).count();
    let converged = results.iter().filter(|r| r.converged).count();
    let _ = writeln!(
        s,
        "- accuracy 100 %: {solved} of {n} seeds ({:.0} %); converged: {converged} of {n}",
        100.0 * solved as f64 / n as f64
    );
    let tracked = results.iter().any(|r| r.first_solved.is_some());
    let firsts: Vec<f64> = results
        .iter()
        .filter_map(|r| r.first_solved.map(|s| s as f64))
        .collect();
    match median(firsts.clone()) {
        Some(m) => {
            let max = firsts.iter().copied().fold(0.0, f64::max);
            let _ = writeln!(
                s,
                "- first step at 100 % accuracy: median {m:.0}, latest {max:.0} ({} seeds reached it)",
                firsts.len()
            );
        }
        None if solved > 0 && !tracked => {
            let _ = writeln!(
                s,
                "- first step at 100 % accuracy: not tracked by this experiment"
            );
        }
        None => {
            let _ = writeln!(s, "- first step at 100 % accuracy: never reached");
        }
    }
    if let Some(r) = results.iter().find(|r| r.seed == exp.default_seed) {
        let _ = writeln!(
            s,
            "- the notebook's seed {}: {}, final loss {}",
            r.seed,
            r.outcome,
            number(r.final_loss)
        );
    }
    let _ = writeln!(
        s,
        "\n| outcome | seeds | share | final loss: median (min – max) | first solved: median | which seeds |"
    );
    let _ = writeln!(s, "|---|---:|---:|---|---:|---|");
    for outcome in Outcome::ALL {
        let rows: Vec<&SeedResult> = results.iter().filter(|r| r.outcome == outcome).collect();
        if rows.is_empty() {
            continue;
        }
        let losses: Vec<f64> = rows.iter().map(|r| r.final_loss).collect();
        let lo = losses.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = losses.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let first = median(
            rows.iter()
                .filter_map(|r| r.first_solved.map(|s| s as f64))
                .collect(),
        )
        .map(|m| format!("{m:.0}"))
        .unwrap_or_else(|| "–".into());
        let seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
        let _ = writeln!(
            s,
            "| {outcome} | {} | {:.0} % | {:.4} ({:.4} – {:.4}) | {first} | {} |",
            rows.len(),
            100.0 * rows.len() as f64 / n as f64,
            median(losses).unwrap_or(f64::NAN),
            lo,
            hi,
            seed_list(&seeds, 80)
        );
    }
    s
}
