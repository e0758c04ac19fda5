//! The example web app (`examples/web`, built by `make web`) in Debian's Chromium, driven by
//! Playwright against the real `dev` binary, which serves it: sign-up, email-OTP and passkey
//! sign-in (Chromium's virtual authenticator), passkey sign-in without a username (autofill and
//! the button), the WebAuthn Signal API calls and their effect on the authenticator, enrollment,
//! step-up, authenticator apps (TOTP) and SMS, the help desk (search by email, reset, and the
//! reset session's next change sending the user back to sign in), the error
//! paths, the pre-built UI variant and password-then-MFA sign-in (`CUSTOM_WITH_SRP`)
//! (`examples/web/tests/browser.mjs`); the first run with `--aws-local`, so the reset's notice
//! to the user is in dev's log. On each screen the script runs axe-core (no serious or critical
//! finding, also with each control hovered and focused, which must show a focus ring) and
//! checks that the page does not scroll sideways at 390 px.

use std::path::PathBuf;

use tokio::process::Command;

use crate::dev::DevServer;

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/web")
}

/// Where the run called `run` writes its screenshots: `target/web-app/<run>/`.
fn screenshot_dir(run: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("../web-app")
        .join(run)
}

/// Runs the browser script against a `dev` started with `args` and `env`, with its screenshots
/// in a fresh `screenshot_dir(run)`; returns its output and dev's logs.
async fn drive_the_app(run: &str, args: &[&str], env: &[(&str, &str)]) -> (String, Vec<String>) {
    let web = web_dir();
    assert!(
        web.join("dist/index.html").is_file() && web.join("node_modules/playwright-core").is_dir(),
        "the example app is not built — run `make test` (it runs `make web`)"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        PathBuf::from(&chromium).is_file(),
        "{chromium} is missing — `make test` installs Debian's chromium package"
    );
    let dist = web.join("dist");
    let mut dev_env = vec![
        ("WEB_APP_DIR", dist.to_str().unwrap()),
        // Removing an authenticator a few seconds after signing in then needs a step-up.
        ("RECENT_AUTH_MAX_AGE_SECONDS", "1"),
    ];
    dev_env.extend_from_slice(env);
    let dev = DevServer::start_with(args, &dev_env).await;
    // The app is opened on `localhost`: the passkeys' relying party.
    let port = dev.base_url.rsplit_once(':').unwrap().1;
    // Emptied first, so a screenshot found afterwards was taken by this run.
    let screenshots = screenshot_dir(run);
    let _ = std::fs::remove_dir_all(&screenshots);
    // The generated emulator secret, for the script's Server API calls (redirect mode).
    let secret = dev
        .banner
        .lines()
        .find_map(|line| line.trim().strip_prefix("Authsignal secret"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the banner prints the emulator secret")
        .to_owned();
    let output = Command::new("node")
        .arg("tests/browser.mjs")
        .current_dir(&web)
        .env("BASE_URL", format!("http://localhost:{port}"))
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOT_DIR", &screenshots)
        .env("AUTHSIGNAL_SECRET", &secret)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser run failed:\n{stdout}\n{stderr}\ndev logs:\n{}",
        dev.logs().join("\n")
    );
    (stdout, dev.logs())
}

#[tokio::test]
async fn the_example_app_works_end_to_end_in_chromium_with_email_codes_and_passkeys() {
    // With the AWS integrations on moto, so the help desk's reset is told to the user by email.
    let moto = std::env::var("MOTO_SERVER")
        .unwrap_or_else(|_| format!("{}/.venv/bin/moto_server", env!("CARGO_MANIFEST_DIR")));
    let (stdout, logs) = drive_the_app(
        "passwordless",
        &["--aws-local"],
        &[("MOTO_SERVER", &moto), ("RUST_LOG", "warn,notices=info")],
    )
    .await;
    for step in [
        "ok - sign up on a screen of its own",
        "ok - email OTP sign-in",
        "ok - the list shows the email code the sign-in enrolled, masked, in words, with no Remove on the only one",
        "ok - a step-up cancelled says nothing changed, as news rather than an error",
        "ok - add a passkey",
        "ok - the passkey is listed by provider with its sync state and dates",
        "ok - after the list, the page tells the browser the user's accepted passkeys (signalAllAcceptedCredentials)",
        "ok - removing the passkey: the answer's list goes to signalAllAcceptedCredentials and the authenticator drops it",
        "ok - autofill: after sign-out, the username field offers the passkey (conditional mediation), which signs in",
        "ok - 'Sign in with a passkey' (a browser without autofill): no username typed",
        "ok - a passkey the site does not know (autofill): the sign-in says so and signals it unknown",
        "ok - sign in with the passkey",
        "ok - 'Manage in Authsignal' opens the pre-built UI's settings page in a new tab, with a way back to the app",
        "ok - remove the email after the sign-in went stale: 'Confirm it's you' with the passkey",
        "ok - the only authenticator left offers no Remove, and says why",
        "ok - the admin finds the first user by id; their only passkey offers no Remove",
        "ok - the first user's page, reloaded, still shows the passkey",
        "ok - help desk: search by email finds the first user, masked, with one authenticator",
        "ok - help desk: reset with a reason; every authenticator but the user's own email is removed and the user is signed out",
        "ok - after the reset, the old session's next change is refused: back to signing in, saying why",
        "ok - after the reset, the passkey is refused (and signalled unknown); the next sign-in proves the user's own email",
        "ok - an enrollment whose token expired",
        "ok - an unknown username, and a username that is taken, get answers in plain words",
        "ok - wrong codes",
        "ok - authenticator app: a QR code and the key, confirmed with the code the app would show",
        "ok - add a phone, confirming it's you with the authenticator app",
        "ok - sign out, then sign in with the authenticator app",
        "ok - remove the authenticator app, confirming it's you by SMS",
        "ok - a list gone stale (another tab removed the phone): removing the email says it is the only sign-in method left",
        "ok - a second email: both addresses listed, told apart, each removable again",
        "ok - no console errors",
    ] {
        assert!(stdout.contains(step), "missing `{step}`:\n{stdout}");
    }
    assert!(stdout.contains("37 passed, 0 failed"), "{stdout}");
    // The user the help desk reset was told: the notice went to their verified email.
    let reset_user = stdout
        .lines()
        .find_map(|line| line.strip_prefix("# reset user "))
        .expect("the run names the user it reset");
    let logs = logs.join("\n");
    assert!(
        logs.lines().any(|line| line.contains("change notice sent")
            && line.contains("user_reset")
            && line.contains(reset_user)),
        "no reset notice for {reset_user} in dev's log:\n{logs}"
    );
    assert!(
        logs.contains("Support reset your sign-in methods") && logs.contains("If this wasn't you"),
        "the notice as the user reads it is not in dev's log:\n{logs}"
    );
    let screenshot = screenshot_dir("passwordless").join("account.png");
    assert!(
        screenshot.is_file(),
        "{} was not written",
        screenshot.display()
    );
}

#[tokio::test]
async fn the_example_app_signs_in_through_the_pre_built_ui_popup_and_redirect() {
    let (stdout, _) = drive_the_app("prebuilt", &[], &[("CHALLENGE_UI", "prebuilt")]).await;
    assert!(
        stdout.contains("ok - sign up, then sign in through the pre-built UI popup"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok - redirect mode: the pre-built page returns to redirectUrl"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "ok - adding a second email after the sign-in went stale: the pre-built popup confirms"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("7 passed, 0 failed"), "{stdout}");
}

#[tokio::test]
async fn the_example_app_signs_in_with_a_password_then_the_challenge() {
    let (stdout, _) = drive_the_app(
        "password-then-mfa",
        &[],
        &[("SIGN_IN_MODE", "password_then_mfa")],
    )
    .await;
    assert!(
        stdout.contains("# challengeUi custom, signInMode password_then_mfa"),
        "{stdout}"
    );
    assert!(stdout.contains("ok - sign in with the passkey"), "{stdout}");
    assert!(
        stdout.contains("ok - password-then-MFA: no passkey sign-in without a username"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok - after the reset, the old session's next change is refused"),
        "{stdout}"
    );
    assert!(stdout.contains("29 passed, 0 failed"), "{stdout}");
}
