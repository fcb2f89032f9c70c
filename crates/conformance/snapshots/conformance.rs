//! The conformance gate as a test (`cargo test -p usermaven-conformance --test conformance`, and so part of
//! `cargo test --workspace`): the same run as `cargo xtask conformance` with the CI defaults
//! (fixed seed; the differential `--reference` stage is left to `cargo xtask ci`).
//!
//! This file lives next to the snapshots so that `cargo insta review` finds pending
//! `snapshots/*.snap.new` files (cargo-insta searches the source directories of a package's
//! targets).

#[test]
fn conformance() {
    let root = usermaven_conformance::workspace_root();
    let opts = usermaven_conformance::Options::ci(&root);
    let report =
        usermaven_conformance::run(&root, &opts).expect("the conformance harness could not run");
    assert!(
        report.ok(),
        "conformance failed; see the summary above and target/conformance/"
    );
}
