//! `completions` and `man`: what a shell and `man` are given.

use crate::{bin, scratch};

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn bash_completion_is_a_valid_script_that_knows_the_commands() {
    let script = stdout_of(&["completions", "bash"]);
    for word in [
        "map",
        "send",
        "cases",
        "mock",
        "--checkpoint",
        "--down-timeout",
        "--format",
    ] {
        assert!(script.contains(word), "{word} missing");
    }
    // bash parses it (-n: read, do not run).
    let dir = scratch();
    let path = dir.path().join("usermaven-actions.bash");
    std::fs::write(&path, &script).expect("write");
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .expect("bash");
    assert!(status.success());
}

#[test]
fn every_shell_gets_a_script() {
    for (shell, marker) in [
        ("zsh", "#compdef usermaven-actions"),
        ("fish", "complete -c usermaven-actions"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        assert!(
            stdout_of(&["completions", shell]).contains(marker),
            "{shell}"
        );
    }
    let bad = bin().args(["completions", "tcsh"]).output().expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH usermaven-actions 1"), "{page}");
    for cmd in ["map", "send", "mock", "cases", "completions"] {
        assert!(
            page.contains(&format!("usermaven\\-actions\\-{cmd}")) || page.contains(cmd),
            "{cmd}"
        );
    }
}
