//! `machines`: the known machines (`--machine NAME`) and, for each, every library's path in
//! `kernels`' words; with a name, that machine's paths and why, as `kernels` prints the host's.

use crate::kernels::machine::{self, Machine};
use crate::kernels::{Paths, Switches, LIBRARIES};
use anyhow::Result;
use clap::Args;
use std::fmt;
use std::process::ExitCode;

#[derive(Args)]
pub struct MachinesArgs {
    /// One machine (`CPU` or `CPU+BUILD`) to show in full, with why each path is taken.
    pub name: Option<String>,
    /// Print only the name of the known machine this host is (exit 1 when it is none).
    #[arg(long, conflicts_with = "name")]
    pub this: bool,
}

pub fn machines(args: &MachinesArgs) -> Result<ExitCode> {
    if args.this {
        let cpu = crate::kernels::cpu::CpuFeatures::detect();
        return Ok(match machine::matching(&cpu) {
            Some(m) => {
                crate::outln!("{}", m.name());
                ExitCode::SUCCESS
            }
            None => {
                crate::outln!("none: {} is no known machine", cpu.summary());
                ExitCode::from(1)
            }
        });
    }
    match &args.name {
        Some(name) => {
            let machine = machine::find(name)?;
            crate::outln!("{}\n", machine.description);
            crate::out!(
                "{}",
                Paths::of_machine(&machine, Switches::from_env()).table()
            );
        }
        None => crate::out!("{}", Listing(machine::known())),
    }
    Ok(ExitCode::SUCCESS)
}

/// Each machine's name and description, then its path in each library.
struct Listing(Vec<Machine>);

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let switches = Switches::from_env();
        let set = switches.set();
        if !set.is_empty() {
            writeln!(
                f,
                "switches, as if set on each machine: {}\n",
                set.join(" ")
            )?;
        }
        for m in &self.0 {
            writeln!(f, "{:<16} {}", m.name(), m.description)?;
            let paths = Paths::of_machine(m, switches.clone());
            let records = paths.records();
            for (key, label) in LIBRARIES {
                let r = &records[key];
                let mark = if r.emulated == Some(true) {
                    ""
                } else {
                    "  (not reproduced)"
                };
                writeln!(f, "    {label:<12} {}{mark}", r.path)?;
            }
        }
        writeln!(f, "\nbuilds (`--machine CPU+BUILD`):")?;
        for build in crate::kernels::tensorflow::Build::ALL {
            writeln!(f, "    {:<12} {}", build.name(), build.summary())?;
        }
        Ok(())
    }
}
