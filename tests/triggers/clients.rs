//! Fidelity: boto3's `cognito-idp` client (installed into `.venv` by `make test`) signs up and in
//! through the local Cognito user pool of the real `dev` binary, answering the custom challenge
//! with the Authsignal emulator's Client API (`tests/python/cognito_custom_auth.py`).

use std::path::PathBuf;

use tokio::process::Command;

#[tokio::test]
async fn boto3_signs_up_and_in_through_the_local_custom_auth() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing — run `make test` (it creates .venv with boto3)",
        python.display()
    );
    let dev = crate::dev::DevServer::start(&[]).await;

    let output = Command::new(&python)
        .arg(root.join("tests/python/cognito_custom_auth.py"))
        .current_dir(&root)
        .env("LOCAL_BASE_URL", &dev.base_url)
        .env("USER_POOL_ID", "eu-west-1_LocalDev")
        .env("CLIENT_ID", "localdevclient")
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "boto3 script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("17 passed, 0 failed"), "{stdout}");
}
