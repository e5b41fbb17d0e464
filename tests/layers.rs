//! The library's modules form layers: no import cycle between modules that are
//! not nested in each other (a module and its own submodules may refer to each
//! other; siblings and cousins may not both ways, directly or around a loop).
//!
//! Reads `src/`: each file is a module (`src/render/plan.rs` is
//! `render::plan`), its references (`crate::a::b`, `super::x`) are resolved to
//! the deepest module file that exists, and the strongly connected components
//! of that graph must each be one module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`render::plan`) → its source text, for every file under src/.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = p.strip_prefix(&src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
            parts.pop();
        }
        if parts == ["main"] {
            continue;
        }
        out.insert(parts.join("::"), std::fs::read_to_string(p).unwrap());
    }
    out
}

/// The deepest existing module a path (`render::plan::Kind`) names.
fn resolve(path: &[&str], mods: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| mods.contains_key(m))
}

/// The modules `text` (module `me`) refers to, comments left out.
fn references(me: &str, text: &str, mods: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let me_parts: Vec<&str> = if me.is_empty() {
        vec![]
    } else {
        me.split("::").collect()
    };
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find(|c: char| c.is_alphabetic() || c == '_') {
            rest = &rest[i..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let token = &rest[..end];
            rest = &rest[end..];
            let segs: Vec<&str> = token.split("::").filter(|s| !s.is_empty()).collect();
            let path: Vec<&str> = match segs.first() {
                Some(&"crate") => segs[1..].to_vec(),
                Some(&"super") => {
                    let mut base = me_parts.clone();
                    let mut s = &segs[..];
                    while s.first() == Some(&"super") {
                        base.pop();
                        s = &s[1..];
                    }
                    base.extend_from_slice(s);
                    base
                }
                _ => continue,
            };
            if let Some(m) = resolve(&path, mods) {
                out.insert(m);
            }
        }
    }
    out
}

fn nested(a: &str, b: &str) -> bool {
    let under = |x: &str, y: &str| y.is_empty() || x == y || x.starts_with(&format!("{y}::"));
    under(a, b) || under(b, a)
}

#[test]
fn no_import_cycles_between_modules() {
    let mods = modules();
    let edges: BTreeMap<String, BTreeSet<String>> = mods
        .iter()
        .map(|(m, text)| {
            let refs = references(m, text, &mods)
                .into_iter()
                .filter(|r| !nested(m, r))
                .collect();
            (m.clone(), refs)
        })
        .collect();
    // Every pair that reaches each other is a cycle: report the loops found.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for n in edges.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    todo.push(n.clone());
                }
            }
        }
        seen
    };
    let mut cycles = BTreeSet::new();
    for (m, refs) in &edges {
        for r in refs {
            if reach(r).contains(m) {
                let (a, b) = if m < r { (m, r) } else { (r, m) };
                cycles.insert(format!("{a} → {b} → … → {a}"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between modules:\n{}",
        cycles.into_iter().collect::<Vec<_>>().join("\n")
    );
    // The test sees the graph: the layers it guards are there.
    assert!(edges["render::plan"].contains("config"));
    assert!(edges["config"].contains("case::kind"));
}

#[test]
fn the_checker_finds_a_cycle() {
    let mut mods = BTreeMap::new();
    mods.insert("a".to_string(), "use crate::b::X;".to_string());
    mods.insert("b".to_string(), "fn f() { crate::a::g() }".to_string());
    mods.insert(
        "c::d".to_string(),
        "use super::e::Y; // crate::a".to_string(),
    );
    mods.insert("c::e".to_string(), String::new());
    mods.insert("c".to_string(), String::new());
    assert_eq!(
        references("a", &mods["a"], &mods),
        BTreeSet::from(["b".to_string()])
    );
    assert_eq!(
        references("c::d", &mods["c::d"], &mods),
        BTreeSet::from(["c::e".to_string()])
    );
    assert!(references("b", &mods["b"], &mods).contains("a"));
}
