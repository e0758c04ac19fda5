//! Amplify v6 (`aws-amplify/auth`, installed from npm by `make test`) signs up and in against
//! the local user pool of the real `dev` binary, in both sign-in modes, with
//! `@authsignal/browser` answering the challenge (`tests/node/amplify-sign-in.mjs`).

use std::path::PathBuf;

use tokio::process::Command;

use crate::dev::DevServer;

async fn amplify_signs_in(mode: &str, authflow_line: &str, steps: usize) {
    let node_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    assert!(
        node_dir.join("node_modules/aws-amplify").exists(),
        "Amplify is not installed — run `make test` (it runs `npm ci` in tests/node)"
    );
    let dev = DevServer::start(&[("SIGN_IN_MODE", mode)]).await;
    assert!(
        dev.banner.contains(&format!("SIGN_IN_MODE={mode}")),
        "{}",
        dev.banner
    );
    let output = Command::new("node")
        .arg("amplify-sign-in.mjs")
        .current_dir(&node_dir)
        .env("LOCAL_BASE_URL", &dev.base_url)
        .env("USER_POOL_ID", "eu-west-1_LocalDev")
        .env("CLIENT_ID", "localdevclient")
        .env("SIGN_IN_MODE", mode)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "Amplify script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(authflow_line), "{stdout}");
    assert!(
        stdout.contains(&format!("{steps} passed, 0 failed")),
        "{stdout}"
    );
}

#[tokio::test]
async fn amplify_signs_in_passwordless_with_custom_without_srp() {
    amplify_signs_in(
        "passwordless",
        "ok - signIn CUSTOM_WITHOUT_SRP: a custom challenge",
        6,
    )
    .await;
}

#[tokio::test]
async fn amplify_signs_in_with_a_password_then_the_challenge_with_custom_with_srp() {
    amplify_signs_in(
        "password_then_mfa",
        "ok - signIn CUSTOM_WITH_SRP with a wrong password: NotAuthorizedException",
        7,
    )
    .await;
}
