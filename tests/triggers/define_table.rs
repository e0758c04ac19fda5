//! Define auth challenge, one test row per line of the decision table in
//! `src/triggers/define.rs`.

use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsChallengeResult as SessionEntry,
    CognitoEventUserPoolsDefineAuthChallengeRequest as DefineRequest,
};
use cognito_authsignal::config::{SignInConfig, SignInMode};
use cognito_authsignal::triggers::define::{Decision, decide};

const CUSTOM: &str = "CUSTOM_CHALLENGE";
const SRP_A: &str = "SRP_A";
const PASSWORD: &str = "PASSWORD_VERIFIER";

/// A session entry: `name`, whether it succeeded, and its metadata.
fn entry(name: &str, result: bool, metadata: Option<&str>) -> Option<SessionEntry> {
    let mut entry = SessionEntry::default();
    entry.challenge_name = Some(name.into());
    entry.challenge_result = result;
    entry.challenge_metadata = metadata.map(str::to_owned);
    Some(entry)
}

fn ok(name: &str) -> Option<SessionEntry> {
    entry(name, true, None)
}

fn wrong(name: &str) -> Option<SessionEntry> {
    entry(name, false, Some("AUTHSIGNAL_CHALLENGE"))
}

fn blocked() -> Option<SessionEntry> {
    entry(CUSTOM, false, Some("AUTHSIGNAL_BLOCK"))
}

fn request(session: Vec<Option<SessionEntry>>, user_not_found: bool) -> DefineRequest {
    let mut request = DefineRequest::default();
    request.session = session;
    request.user_not_found = user_not_found;
    request
}

fn policy(mode: SignInMode, max_challenge_attempts: u32) -> SignInConfig {
    SignInConfig {
        mode,
        max_challenge_attempts,
        ..SignInConfig::default()
    }
}

/// (row, mode, max attempts, session, userNotFound, expected; `None` = fail)
type Row = (
    &'static str,
    SignInMode,
    u32,
    Vec<Option<SessionEntry>>,
    bool,
    Option<Decision>,
);

#[test]
fn every_row_of_the_decision_table() {
    use Decision::{Challenge, IssueTokens};
    use SignInMode::{PasswordThenMfa as Mfa, Passwordless as Pwdless};
    let fail = |decision: Decision| matches!(decision, Decision::Fail(_));
    let rows: Vec<Row> = vec![
        // (row, mode, max attempts, session, userNotFound, expected; None = fail)
        ("unknown user", Pwdless, 3, vec![], true, None),
        ("unknown user (mfa)", Mfa, 3, vec![ok(SRP_A)], true, None),
        ("an empty entry", Pwdless, 3, vec![None], false, None),
        (
            "passwordless: first round",
            Pwdless,
            3,
            vec![],
            false,
            Some(Challenge(CUSTOM)),
        ),
        ("mfa: no password offered", Mfa, 3, vec![], false, None),
        (
            "mfa: SRP_A",
            Mfa,
            3,
            vec![ok(SRP_A)],
            false,
            Some(Challenge(PASSWORD)),
        ),
        (
            "mfa: password right",
            Mfa,
            3,
            vec![ok(SRP_A), ok(PASSWORD)],
            false,
            Some(Challenge(CUSTOM)),
        ),
        (
            "mfa: password wrong",
            Mfa,
            3,
            vec![ok(SRP_A), wrong(PASSWORD)],
            false,
            None,
        ),
        (
            "mfa: custom without password",
            Mfa,
            3,
            vec![ok(CUSTOM)],
            false,
            None,
        ),
        (
            "mfa: password step not first",
            Mfa,
            3,
            vec![ok(PASSWORD), ok(CUSTOM)],
            false,
            None,
        ),
        (
            "passwordless: answer right",
            Pwdless,
            3,
            vec![ok(CUSTOM)],
            false,
            Some(IssueTokens),
        ),
        (
            "passwordless: right after wrong",
            Pwdless,
            3,
            vec![wrong(CUSTOM), ok(CUSTOM)],
            false,
            Some(IssueTokens),
        ),
        (
            "mfa: answer right",
            Mfa,
            3,
            vec![ok(SRP_A), ok(PASSWORD), ok(CUSTOM)],
            false,
            Some(IssueTokens),
        ),
        (
            "passwordless: blocked",
            Pwdless,
            3,
            vec![blocked()],
            false,
            None,
        ),
        (
            "mfa: blocked",
            Mfa,
            3,
            vec![ok(SRP_A), ok(PASSWORD), blocked()],
            false,
            None,
        ),
        (
            "passwordless: 3 wrong of 3",
            Pwdless,
            3,
            vec![wrong(CUSTOM), wrong(CUSTOM), wrong(CUSTOM)],
            false,
            None,
        ),
        (
            "mfa: 3 wrong of 3",
            Mfa,
            3,
            vec![
                ok(SRP_A),
                ok(PASSWORD),
                wrong(CUSTOM),
                wrong(CUSTOM),
                wrong(CUSTOM),
            ],
            false,
            None,
        ),
        ("1 wrong of 1", Pwdless, 1, vec![wrong(CUSTOM)], false, None),
        (
            "passwordless: 1 wrong of 3",
            Pwdless,
            3,
            vec![wrong(CUSTOM)],
            false,
            Some(Challenge(CUSTOM)),
        ),
        (
            "passwordless: 2 wrong of 3",
            Pwdless,
            3,
            vec![wrong(CUSTOM), wrong(CUSTOM)],
            false,
            Some(Challenge(CUSTOM)),
        ),
        (
            "mfa: 2 wrong of 3",
            Mfa,
            3,
            vec![ok(SRP_A), ok(PASSWORD), wrong(CUSTOM), wrong(CUSTOM)],
            false,
            Some(Challenge(CUSTOM)),
        ),
        (
            "passwordless: a password entry",
            Pwdless,
            3,
            vec![ok(SRP_A)],
            false,
            None,
        ),
        (
            "passwordless: other name after custom",
            Pwdless,
            3,
            vec![wrong(CUSTOM), ok(PASSWORD)],
            false,
            None,
        ),
        (
            "mfa: other name after the password",
            Mfa,
            3,
            vec![ok(SRP_A), ok(PASSWORD), ok(SRP_A)],
            false,
            None,
        ),
    ];
    for (row, mode, attempts, session, user_not_found, expected) in rows {
        let decision = decide(&policy(mode, attempts), &request(session, user_not_found));
        match expected {
            Some(expected) => assert_eq!(decision, expected, "{row}"),
            None => assert!(fail(decision), "{row}: {decision:?}"),
        }
    }
}

#[test]
fn tokens_only_after_a_successful_custom_challenge_last() {
    // Every session of up to four entries from these names and results: tokens only when the
    // last entry is a successful CUSTOM_CHALLENGE, in either mode.
    let names = [CUSTOM, SRP_A, PASSWORD];
    let mut sessions: Vec<Vec<Option<SessionEntry>>> = vec![vec![]];
    for _ in 0..4 {
        let longer: Vec<_> = sessions
            .iter()
            .filter(|s| s.len() == sessions.last().map_or(0, Vec::len))
            .flat_map(|session| {
                names.iter().flat_map(move |name| {
                    [true, false].map(|result| {
                        let mut next = session.clone();
                        next.push(entry(name, result, None));
                        next
                    })
                })
            })
            .collect();
        sessions.extend(longer);
    }
    assert!(sessions.len() > 1000);
    for mode in [SignInMode::Passwordless, SignInMode::PasswordThenMfa] {
        for session in &sessions {
            let decision = decide(&policy(mode, 3), &request(session.clone(), false));
            if decision == Decision::IssueTokens {
                let last = session.last().unwrap().as_ref().unwrap();
                assert_eq!(last.challenge_name.as_deref(), Some(CUSTOM));
                assert!(last.challenge_result);
            }
        }
    }
}
