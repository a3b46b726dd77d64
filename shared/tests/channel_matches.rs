//! No `match` over `Channel` has a catch-all arm anywhere in the workspace: adding a channel must
//! be a compile error wherever a decision about it is needed, never a silent fall into another
//! channel's branch (a fourth channel's buyer stored as an eBay user, its replies skipping the
//! compliance check). Reads every `.rs` file of the workspace with `syn`; `matches!` and
//! comparisons are not matches and are not read.

use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Whether `pat` names a `Channel` variant (`Channel::Ebay`, `crate::domain::Channel::Ebay`).
fn names_channel(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Path(p) => is_channel_path(&p.path),
        syn::Pat::Or(or) => or.cases.iter().any(names_channel),
        syn::Pat::Paren(p) => names_channel(&p.pat),
        syn::Pat::Reference(r) => names_channel(&r.pat),
        syn::Pat::Ident(i) => i.subpat.as_ref().is_some_and(|(_, p)| names_channel(p)),
        _ => false,
    }
}

fn is_channel_path(path: &syn::Path) -> bool {
    let segments: Vec<_> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.len() >= 2 && segments[segments.len() - 2] == "Channel"
}

/// A top-level arm that takes whatever is left: `_`, or a plain binding (`other`).
fn catches_all(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Wild(_) => true,
        syn::Pat::Ident(i) => {
            i.subpat.is_none() && i.by_ref.is_none() && {
                let name = i.ident.to_string();
                // A lower-case binding, not a constant or a unit variant.
                name.chars()
                    .next()
                    .is_some_and(|c| c.is_lowercase() || c == '_')
            }
        }
        _ => false,
    }
}

struct Finder<'a> {
    file: &'a Path,
    /// The function being read, to say where a finding is.
    function: String,
    found: Vec<String>,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        let over_channel = m.arms.iter().any(|a| names_channel(&a.pat));
        if over_channel {
            for _ in m.arms.iter().filter(|a| catches_all(&a.pat)) {
                self.found
                    .push(format!("{} in fn {}", self.file.display(), self.function));
            }
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let outer = std::mem::replace(&mut self.function, f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.function = outer;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let outer = std::mem::replace(&mut self.function, f.sig.ident.to_string());
        syn::visit::visit_impl_item_fn(self, f);
        self.function = outer;
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "web") {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn catch_all_arms_in(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut finder = Finder {
            file,
            function: String::new(),
            found: Vec::new(),
        };
        finder.visit_file(&ast);
        found.extend(finder.found);
    }
    found
}

#[test]
fn no_match_over_channel_has_a_catch_all_arm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let found = catch_all_arms_in(&root);
    assert!(
        found.is_empty(),
        "catch-all arms over Channel (name every channel instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_finder_sees_a_catch_all_arm_and_accepts_an_exhaustive_match() {
    let dir = std::env::temp_dir().join(format!("channel-matches-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("bad.rs"),
        "fn f(c: Channel) -> u8 { match c { Channel::Amazon => 1, _ => 2 } }\n\
         fn g(c: Channel) -> u8 { match c { domain::Channel::Ebay | Channel::Shopify => 1, other => 2 } }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("good.rs"),
        "fn f(c: Channel) -> u8 { match c { Channel::Amazon => 1, Channel::Ebay | Channel::Shopify => 2 } }\n\
         fn g(r: Option<u8>) -> u8 { match r { Some(_) => 1, _ => 2 } }\n\
         fn h(c: Channel, r: bool) -> u8 { match (c, r) { (Channel::Amazon, _) => 1, (_, x) => 2 } }\n",
    )
    .unwrap();
    let found = catch_all_arms_in(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|f| f.contains("bad.rs")), "{found:?}");
}
