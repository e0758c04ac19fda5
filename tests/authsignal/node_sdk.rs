//! Fidelity: Authsignal's official Node SDK (`@authsignal/node`) and browser SDK
//! (`@authsignal/browser`), installed from npm by `make test`, run against the emulator inside
//! the real `dev` binary and assert on what they parse (`tests/node/authsignal-sdk.mjs`).

use std::path::PathBuf;

use tokio::process::Command;

use cognito_authsignal_test_support::dev;

#[tokio::test]
async fn the_official_sdks_accept_the_emulator() {
    let node_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    assert!(
        node_dir.join("node_modules/@authsignal/node").exists(),
        "the SDKs are not installed — run `make test` (it runs `npm ci` in tests/node)"
    );
    let secret = "sk_local_sdk_fidelity";
    let dev = dev::DevServer::start(&[("AUTHSIGNAL_SECRET_KEY", secret)]).await;
    // A key from the environment may be a real one: the banner masks it.
    assert!(
        dev.banner
            .contains("Authsignal secret  sk_…lity (from AUTHSIGNAL_SECRET_KEY)"),
        "{}",
        dev.banner
    );
    assert!(!dev.banner.contains(secret), "{}", dev.banner);

    let output = Command::new("node")
        .arg("authsignal-sdk.mjs")
        .current_dir(&node_dir)
        .env(
            "AUTHSIGNAL_API_URL",
            format!("{}/local/authsignal/v1", dev.base_url),
        )
        .env("AUTHSIGNAL_SECRET_KEY", secret)
        .env("LOCAL_BASE_URL", &dev.base_url)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("15 passed, 0 failed"), "{stdout}");
}
