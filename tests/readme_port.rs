//! The README's "Port your own notebook" shows a script and its port; they must be the
//! worked example that `examples/blobs-bce-adam/run.sh` proves bit-identical (and
//! `./scripts/test.sh` runs), word for word, so the README cannot drift from code that works.

use std::path::Path;

/// The fenced code blocks of `language` in the README's section `heading`.
fn blocks(readme: &str, heading: &str, language: &str) -> Vec<String> {
    let start = readme.find(heading).expect("the README has the section");
    let section = &readme[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let fence = format!("```{language}\n");
    let mut found = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let end = body.find("```").expect("a closed code block");
        found.push(body[..end].to_string());
        rest = &body[end..];
    }
    found
}

/// Whether `block` appears in `file`, its lines in order and together, with `indent` more
/// spaces at the start of each non-empty line.
fn appears_in(block: &str, file: &str, indent: usize) -> bool {
    let pad = " ".repeat(indent);
    let indented: String = block
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{pad}{l}\n")
            }
        })
        .collect();
    file.contains(&indented)
}

#[test]
fn the_readme_port_is_the_worked_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = root.join("examples/blobs-bce-adam");
    let script = std::fs::read_to_string(example.join("script.py")).unwrap();
    let port = std::fs::read_to_string(example.join("src/main.rs")).unwrap();
    let heading = "## Port your own notebook";
    let python = blocks(&readme, heading, "python");
    // Step 2's build.rs, then the port.
    let rust: Vec<String> = blocks(&readme, heading, "rust")
        .into_iter()
        .filter(|b| !b.starts_with("// build.rs"))
        .collect();
    assert_eq!(
        (python.len(), rust.len()),
        (1, 1),
        "one script and one port shown"
    );
    assert!(python[0].lines().count() > 20 && rust[0].lines().count() > 30);
    assert!(
        appears_in(&python[0], &script, 0),
        "the README's script is not examples/blobs-bce-adam/script.py's:\n{}",
        python[0]
    );
    assert!(
        appears_in(&rust[0], &port, 0)
            && rust[0].starts_with("use ")
            && python[0].starts_with("import "),
        "the README's port is not examples/blobs-bce-adam/src/main.rs, imports included:\n{}",
        rust[0]
    );
    println!(
        "README: {} lines of script and {} of port, word for word in examples/blobs-bce-adam",
        python[0].lines().count(),
        rust[0].lines().count()
    );
}
