//! Lambda entry points for the four triggers. Each `functions/<trigger>` crate calls one `run_*`:
//! configuration is read and the challenge assembled (`app`) once, before the invocation loop.
//! The services are public so tests drive exactly what Lambda drives.

use std::convert::Infallible;

use lambda_runtime::{LambdaEvent, Service, service_fn};

use super::define::define_auth_challenge;
use super::pre_sign_up::pre_sign_up;
use super::{
    CreateAuthChallengeEvent, DefineAuthChallengeEvent, PreSignUpEvent, SignInChallenge,
    TriggerError, VerifyAuthChallengeEvent,
};
use crate::app;
use crate::config::{SignInConfig, TriggerConfig};
use crate::secrets;
use crate::telemetry::{self, LogFormat};

pub use lambda_runtime::Error;

/// Define auth challenge as a Lambda service: needs only the sign-in policy.
pub fn define_auth_challenge_service(
    policy: SignInConfig,
) -> impl Service<
    LambdaEvent<DefineAuthChallengeEvent>,
    Response = DefineAuthChallengeEvent,
    Error = Infallible,
> {
    service_fn(move |event: LambdaEvent<DefineAuthChallengeEvent>| {
        let decided = define_auth_challenge(&policy, event.payload);
        async move { Ok(decided) }
    })
}

/// Create auth challenge as a Lambda service.
pub fn create_auth_challenge_service(
    challenge: SignInChallenge,
) -> impl Service<
    LambdaEvent<CreateAuthChallengeEvent>,
    Response = CreateAuthChallengeEvent,
    Error = TriggerError,
> {
    service_fn(move |event: LambdaEvent<CreateAuthChallengeEvent>| {
        let challenge = challenge.clone();
        async move { challenge.create_auth_challenge(event.payload).await }
    })
}

/// Verify auth challenge response as a Lambda service: never an error.
pub fn verify_auth_challenge_response_service(
    challenge: SignInChallenge,
) -> impl Service<
    LambdaEvent<VerifyAuthChallengeEvent>,
    Response = VerifyAuthChallengeEvent,
    Error = Infallible,
> {
    service_fn(move |event: LambdaEvent<VerifyAuthChallengeEvent>| {
        let challenge = challenge.clone();
        async move {
            Ok(challenge
                .verify_auth_challenge_response(event.payload)
                .await)
        }
    })
}

/// Pre sign-up as a Lambda service: no configuration at all.
pub fn pre_sign_up_service()
-> impl Service<LambdaEvent<PreSignUpEvent>, Response = PreSignUpEvent, Error = Infallible> {
    service_fn(|event: LambdaEvent<PreSignUpEvent>| async move { Ok(pre_sign_up(event.payload)) })
}

/// `functions/define-auth-challenge` (no Authsignal secret needed).
pub async fn run_define_auth_challenge() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let policy = SignInConfig::from_env().inspect_err(bad_configuration)?;
    lambda_runtime::run(define_auth_challenge_service(policy)).await
}

/// `functions/create-auth-challenge`.
pub async fn run_create_auth_challenge() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let config = trigger_config_from_env().await?;
    lambda_runtime::run(create_auth_challenge_service(app::sign_in_challenge(
        &config,
    )))
    .await
}

/// `functions/verify-auth-challenge-response`.
pub async fn run_verify_auth_challenge_response() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let config = trigger_config_from_env().await?;
    lambda_runtime::run(verify_auth_challenge_response_service(
        app::verify_challenge(&config).await,
    ))
    .await
}

/// `functions/pre-sign-up`.
pub async fn run_pre_sign_up() -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    lambda_runtime::run(pre_sign_up_service()).await
}

/// The configuration, with the Authsignal secret read from Secrets Manager at cold start.
async fn trigger_config_from_env() -> Result<TriggerConfig, Error> {
    let environment = secrets::environment()
        .await
        .inspect_err(|error| tracing::error!(%error, "the Authsignal secret is unavailable"))?;
    Ok(TriggerConfig::from_lookup(environment).inspect_err(bad_configuration)?)
}

fn bad_configuration(error: &crate::config::ConfigError) {
    tracing::error!(%error, "bad configuration");
}
