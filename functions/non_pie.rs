//! Build script shared by the five function crates (`build = "../non_pie.rs"`): their Lambda
//! binaries are linked as position-dependent executables (ELF type EXEC).
//!
//! A PIE binary of this size carries tens of thousands of relative relocations that the dynamic
//! loader applies on every cold start before `main` runs, and the table is part of the file. A
//! Lambda binary is never loaded at a random base for ASLR's sake alone to matter more than init
//! time (docs/decisions/0012). Only the binaries: a workspace-wide `-no-pie` breaks crates that
//! also build a `cdylib` (crc-fast). RELR-packed relocations would need glibc 2.36; Lambda's
//! al2023 has 2.34.
//!
//! The same script runs under `cargo lambda build` (SAM), so the arm64 artifacts are EXEC too;
//! README "Checking a built function" says how to verify one.

fn main() {
    println!("cargo::rerun-if-changed=../non_pie.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    // GNU-style linker drivers (gcc, clang, zig cc) on Linux; elsewhere keep the default.
    if os == "linux" && (env == "gnu" || env == "musl") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
