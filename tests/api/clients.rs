//! Clients of the OpenAPI document, against the real `dev` server: a TypeScript client
//! generated with openapi-typescript + openapi-fetch and type-checked with `tsc --strict`, and
//! schemathesis fuzzing every operation (no 5xx, no response that violates the document).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tokio::process::Command;

use crate::dev;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn run(program: &Path, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> String {
    let mut command = Command::new(program);
    command.args(args).current_dir(dir);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{stdout}\n{stderr}",
        program.display()
    );
    stdout
}

async fn mint(base_url: &str, request: Value) -> String {
    let minted: Value = reqwest::Client::new()
        .post(format!("{base_url}/local/cognito/token"))
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    minted["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_generated_typescript_client_type_checks_and_calls_the_dev_server() {
    let node = repo().join("tests/node");
    let bin = node.join("node_modules/.bin");
    assert!(
        bin.join("tsc").exists(),
        "run `make test`: it installs the npm test tools"
    );
    run(
        &bin.join("openapi-typescript"),
        &["../../openapi/openapi.json", "-o", "generated/schema.d.ts"],
        &node,
        &[],
    )
    .await;
    run(&bin.join("tsc"), &["-p", "tsconfig.json"], &node, &[]).await;

    let dev = dev::DevServer::start(&[]).await;
    let stdout = run(
        Path::new("node"),
        &["dist/client-smoke.js"],
        &node,
        &[("API_URL", &dev.base_url), ("ACCESS_TOKEN", &dev.token)],
    )
    .await;
    assert!(stdout.contains("6 passed, 0 failed"), "{stdout}");
}

#[tokio::test]
async fn schemathesis_finds_no_server_errors_and_no_spec_violations() {
    let st = repo().join(".venv/bin/st");
    assert!(
        st.exists(),
        "run `make test`: it installs schemathesis into .venv"
    );
    let dev = dev::DevServer::start(&[]).await;
    let admin = mint(
        &dev.base_url,
        json!({ "username": "fuzzer", "groups": ["authenticator-admins"] }),
    )
    .await;
    let spec = repo().join("openapi/openapi.json");
    let spec = spec.to_str().unwrap();
    let header = format!("Authorization: Bearer {admin}");
    let workdir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let common = [
        "run",
        spec,
        "--url",
        &dev.base_url,
        "-H",
        &header,
        "--seed",
        "1",
        "--max-examples",
        "30",
    ];

    // Every check on every operation but two.
    let mut all = common.to_vec();
    all.extend([
        "--checks",
        "all",
        "--exclude-operation-id",
        "createSettingsUrl",
        "--exclude-operation-id",
        "findUsers",
        "--max-time",
        "40",
    ]);
    let stdout = run(&st, &all, &workdir, &[("NO_COLOR", "1")]).await;
    assert!(stdout.contains("Tested: 8"), "{stdout}");

    // Two operations take values whose validity no schema can say, so schema-valid requests
    // may rightly be refused with 400: the settings URL's redirectUrl (deployment config, the
    // allow-list), and the user search (exactly one of email and username; a pagination token
    // only the user pool hands out). Every other check still runs on them.
    let mut refusing = common.to_vec();
    refusing.extend([
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--include-operation-id",
        "createSettingsUrl",
        "--include-operation-id",
        "findUsers",
        "--max-time",
        "20",
    ]);
    let stdout = run(&st, &refusing, &workdir, &[("NO_COLOR", "1")]).await;
    assert!(stdout.contains("Tested: 2"), "{stdout}");
}
