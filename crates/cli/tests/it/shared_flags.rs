//! One set of flags for every command that loads a configuration: credentials, fixes, `--now`
//! and `--seed` are accepted by each (a script can pass the same flags everywhere), and a
//! command with no use for one ignores it.

use crate::{bin, root, run, scratch};

const FLAGS: [&str; 7] = [
    "--api-key",
    "--server-token",
    "--fix-company-custom",
    "--tz-offset-at-event-time",
    "--fix-tz-midnight",
    "--now",
    "--seed",
];

/// The shared flags with values, as a script would pass them to every command.
fn shared() -> Vec<&'static str> {
    vec![
        "--api-key",
        "script-key",
        "--server-token",
        "script-token",
        "--fix-company-custom",
        "--tz-offset-at-event-time",
        "--fix-tz-midnight",
        "--now",
        "2025-01-01T00:00:00Z",
        "--seed",
        "1",
    ]
}

#[test]
fn every_configuration_command_lists_the_shared_flags() {
    for command in [
        &["map"][..],
        &["explain"],
        &["send"],
        &["diff"],
        &["test"],
        &["config", "check"],
        &["config", "convert"],
    ] {
        let (out, help) = run(bin().args(command).arg("--help"));
        assert!(out.status.success(), "{command:?}: {help}");
        for flag in FLAGS {
            assert!(
                help.contains(flag),
                "{command:?} --help lacks {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn every_configuration_command_takes_the_same_flags() {
    let example = root().join("examples/segment-workspace");
    let config = example.join("config.json");
    let event = example.join("events/order-completed.json");
    let sample = root().join("fixtures/samples/events.ndjson");
    let scratch = scratch();
    let out_file = scratch.path().join("out.ndjson");
    let runs: Vec<Vec<String>> = vec![
        vec!["map".into(), sample.display().to_string()],
        vec![
            "send".into(),
            "-o".into(),
            out_file.display().to_string(),
            sample.display().to_string(),
        ],
        vec![
            "diff".into(),
            config.display().to_string(),
            config.display().to_string(),
            event.display().to_string(),
        ],
        vec![
            "config".into(),
            "check".into(),
            config.display().to_string(),
        ],
        vec![
            "config".into(),
            "convert".into(),
            "--to".into(),
            "presets".into(),
            config.display().to_string(),
        ],
    ];
    for args in runs {
        let (out, text) = run(bin().args(&args).args(shared()));
        assert!(
            out.status.success(),
            "{args:?} with the shared flags: {:?}\n{text}",
            out.status.code()
        );
    }
}

/// `test DIR` runs with stand-in credentials whatever is passed: the committed snapshots (made
/// with the stand-ins) still pass with a script's real-looking key.
#[test]
fn test_accepts_credentials_and_ignores_them() {
    let dir = root().join("examples/segment-workspace");
    let (out, text) = run(bin()
        .arg("test")
        .arg(&dir)
        .args([
            "--api-key",
            "script-key",
            "--server-token",
            "script-token",
            "--now",
            "2025-01-01T00:00:00Z",
            "--seed",
            "1",
        ])
        .env("CI", "1"));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("7 snapshots, 7 passed, 0 failed"), "{text}");
    assert!(!text.contains("script-token"), "{text}");
}
