//! The `cognito-authsignal` command's contract, black-box: which commands it has, what `openapi`
//! prints, how `serve` reports bad configuration and `dev` a port in use. Being an integration test of this package,
//! it also makes `cargo test --workspace` build the binary itself, with the features of that same
//! build, for the workspace's tests that run `dev` and `serve` as processes.

use std::process::{Command, Output};

fn cli(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-authsignal"));
    command.args(args);
    command
}

fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

#[test]
fn help_names_serve_dev_and_openapi() {
    let (output, stdout, _) = run(&mut cli(&["--help"]));
    assert!(output.status.success());
    for command in ["serve", "dev", "openapi"] {
        assert!(
            stdout
                .lines()
                .any(|line| line.trim_start().starts_with(command)),
            "`{command}` missing from:\n{stdout}"
        );
    }
}

#[test]
fn openapi_prints_exactly_the_checked_in_document() {
    // `make openapi` writes this output to the file, so any difference means the file is stale.
    let (output, stdout, stderr) = run(&mut cli(&["openapi"]));
    assert!(output.status.success(), "{stderr}");
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json exists");
    assert!(
        stdout == checked_in,
        "openapi/openapi.json differs from `cognito-authsignal openapi`: run `make openapi`"
    );
}

#[test]
fn serve_without_configuration_lists_every_missing_variable_and_exits() {
    let (output, _, stderr) = run(cli(&["serve", "--addr", "127.0.0.1:0"])
        .env_clear()
        .env("JWT_LEEWAY_SECONDS", "forever"));
    assert!(!output.status.success());
    for variable in [
        "COGNITO_USER_POOL_ID",
        "COGNITO_CLIENT_IDS",
        "JWT_LEEWAY_SECONDS",
    ] {
        assert!(
            stderr.contains(variable),
            "{variable} not reported in: {stderr}"
        );
    }
}

#[test]
fn an_unknown_command_is_refused_with_the_usage() {
    let (output, _, stderr) = run(&mut cli(&["deploy"]));
    assert!(!output.status.success());
    assert!(stderr.contains("Usage"), "{stderr}");
}

#[test]
fn dev_on_a_port_in_use_names_the_port_and_how_to_choose_another() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().unwrap().port().to_string();
    let (output, _, stderr) = run(cli(&["dev", "--port", &port]).env("NO_COLOR", "1"));
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("port {port} is in use")) && stderr.contains("--port <N>"),
        "{stderr}"
    );
}
