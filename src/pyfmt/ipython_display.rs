//! What Jupyter prints for a cell's last expression when that is a tuple (notebook 003 ends
//! cells in `a, b`).

/// What Jupyter shows for a cell ending in a tuple `a, b, …` (IPython's pretty printer,
/// 79 columns): one line if it fits, else one element per line, continuation lines of a
/// multi-line element indented by one more space.
pub fn display_tuple(reprs: &[String]) -> String {
    let one_line = format!("({})", reprs.join(", "));
    if !one_line.contains('\n') && one_line.chars().count() <= 79 {
        return one_line;
    }
    let items: Vec<String> = reprs.iter().map(|r| r.replace('\n', "\n ")).collect();
    format!("({})", items.join(",\n "))
}
