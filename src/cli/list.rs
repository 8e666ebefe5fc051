//! `list`: the experiments, one line each.

use crate::experiments;
use anyhow::Result;
use std::fmt;
use std::process::ExitCode;

pub fn list() -> Result<ExitCode> {
    crate::out!("{Listing}");
    Ok(ExitCode::SUCCESS)
}

/// The table `list` prints: notebook, framework, net, length and default seed.
struct Listing;

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let row = |f: &mut fmt::Formatter, cells: [&str; 6]| {
            let [name, notebook, framework, net, length, seed] = cells;
            writeln!(
                f,
                "{name:<26} {notebook:<26} {framework:<10} {net:<22} {length:>14} {seed:>5}"
            )
        };
        row(
            f,
            ["name", "notebook", "framework", "net", "length", "seed"],
        )?;
        for e in experiments::all() {
            let length = format!("{} {}", e.steps, e.step_unit);
            let seed = e.default_seed.to_string();
            row(
                f,
                [
                    e.name,
                    e.notebook,
                    e.framework.name(),
                    e.net,
                    &length,
                    &seed,
                ],
            )?;
        }
        Ok(())
    }
}
